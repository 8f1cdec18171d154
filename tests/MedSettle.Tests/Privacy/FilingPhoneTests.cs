using System.Net;
using System.Text;
using Dapper;
using MedSettle.Privacy;
using MedSettle.Storage;
using MedSettle.Tests.Infrastructure;
using MedSettle.Web;
using static MedSettle.Tests.Transactions.WorkedExampleTests;

namespace MedSettle.Tests.Privacy;

/// <summary>The phone number a filing (2551) carries is personal data like a name: sealed at rest, opened where it is shown, re-sealed by a rotation.</summary>
public abstract partial class PersonalDataTests
{
    private const string Phone = "13912345678";

    private static object Filing(string tel) =>
        new { data = new { psn_no = ZhangWei, insutype = "310", begndate = "2026-03-15", dise_codg = "J18.9", dise_name = "肺炎", tel } };

    /// <summary>Every value of every row of the table, as text (sealed bytes read as text too).</summary>
    private static async Task<string> TableTextAsync(System.Data.Common.DbConnection connection, string table)
    {
        var text = new StringBuilder();
        foreach (IDictionary<string, object?> row in await connection.QueryAsync($"SELECT * FROM {table}"))
            foreach (var value in row.Values)
                text.Append(value is byte[] bytes ? Encoding.Latin1.GetString(bytes) : Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)).Append('|');
        return text.ToString();
    }

    [Fact]
    public async Task A_filings_phone_number_is_stored_sealed_and_the_clerk_sees_it_opened()
    {
        (await Platform.CallAsync("2551", JilinCentral, Filing(Phone))).ShouldSucceed();

        await using (var connection = await Platform.Database.OpenConnectionAsync())
        {
            foreach (var table in new[] { "filings", "messages" })
                Assert.DoesNotContain(Phone, await TableTextAsync(connection, table));
            var sealedTel = await connection.QuerySingleAsync<byte[]>("SELECT tel_enc FROM filings WHERE psn_no = @p", new { p = ZhangWei });
            Assert.Equal(Platform.Database.Keys.Newest.Id, PersonalData.KeyIdOf(sealedTel));
            Assert.Equal(Phone, PersonalData.Open(sealedTel));
        }
        if (Platform.Database.Provider == DbProvider.Sqlite)
        {
            var path = Platform.DatabaseValue["sqlite:".Length..];
            foreach (var file in new[] { path, path + "-wal" }.Where(File.Exists))
            {
                await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                using var copy = new MemoryStream();
                await stream.CopyToAsync(copy);
                Assert.DoesNotContain(Phone, Encoding.Latin1.GetString(copy.ToArray()));
            }
        }

        await Accounts.AddAsync(Platform.Database, "clerk", "收费员小李", Roles.Clerk, JilinCentral, null, "clerk-password", Platform.Clock.GetLocalNow().DateTime);
        using var clerk = await SignInAsync("clerk", "clerk-password");
        var token = AntiforgeryToken().Match(await clerk.GetStringAsync("/window")).Groups[1].Value;
        using var found = await clerk.PostAsync("/window?handler=Find", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["certno"] = ZhangWeiCertno, ["__RequestVerificationToken"] = token,
        }));
        Assert.Equal(HttpStatusCode.OK, found.StatusCode);
        Assert.Contains(Phone, await found.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Rotation_reseals_filings_phone_numbers_under_the_new_key()
    {
        var db = await _target.NewDatabaseValueAsync();
        var keyFile = Path.Combine(TestPaths.TempDirectory(), "medsettle.keys");
        await InProcessCli.SucceedsAsync("import", "--db", db, "--key-file", keyFile, TestPaths.JilinMini);
        uint first;
        await using (var before = Database.Open(db, keyFile))
        {
            await Schema.MigrateAsync(before);
            first = before.Keys.Newest.Id;
            await using var connection = await before.OpenConnectionAsync();
            await connection.ExecuteAsync(
                """
                INSERT INTO filings (trt_dcla_detl_sn, insuplc_admdvs, psn_no, insutype, fixmedins_code, mdtrtarea_admvs, begndate, enddate,
                                     dise_codg, dise_name, tel_enc, created_at, msgid)
                VALUES ('B1', '220100', @p, '310', @h, '220200', '2026-03-15', '2026-03-17', 'J18.9', '肺炎', @tel, '2026-03-15 10:00:00', 'M1'),
                       ('B2', '220100', @p, '310', @h, '220200', '2026-03-16', '2026-03-18', 'J18.9', '肺炎', NULL, '2026-03-16 10:00:00', 'M2')
                """, new { p = ZhangWei, h = JilinCentral, tel = before.Keys.Seal(Phone) });
        }

        await InProcessCli.SucceedsAsync("keys", "rotate", "--db", db, "--key-file", keyFile);

        await using var database = Database.Open(db, keyFile);
        await Schema.MigrateAsync(database);
        Assert.NotEqual(first, database.Keys.Newest.Id);
        await using var check = await database.OpenConnectionAsync();
        var tels = (await check.QueryAsync<byte[]?>("SELECT tel_enc FROM filings ORDER BY trt_dcla_detl_sn")).ToList();
        Assert.Equal(2, tels.Count);
        Assert.Equal(database.Keys.Newest.Id, PersonalData.KeyIdOf(tels[0]!));
        Assert.Equal(Phone, PersonalData.Open(tels[0]));
        Assert.Null(tels[1]);
    }

    [Fact]
    public async Task The_migration_seals_the_plaintext_phone_numbers_of_an_existing_database_and_drops_them()
    {
        await using var database = Database.Open(await _target.NewDatabaseValueAsync(), Path.Combine(TestPaths.TempDirectory(), "upgrade.keys"));
        await Schema.MigrateAsync(database, upTo: 17);
        await using (var connection = await database.OpenConnectionAsync())
            await connection.ExecuteAsync(
                """
                INSERT INTO filings (trt_dcla_detl_sn, insuplc_admdvs, psn_no, insutype, fixmedins_code, mdtrtarea_admvs, begndate, enddate,
                                     dise_codg, dise_name, tel, created_at, msgid)
                VALUES ('B1', '220100', @p, '310', @h, '220200', '2026-03-15', '2026-03-17', 'J18.9', '肺炎', @tel, '2026-03-15 10:00:00', 'M1'),
                       ('B2', '220100', @p, '310', @h, '220200', '2026-03-16', '2026-03-18', 'J18.9', '肺炎', '', '2026-03-16 10:00:00', 'M2'),
                       ('B3', '220100', @p, '310', @h, '220200', '2026-03-17', '2026-03-19', 'J18.9', '肺炎', NULL, '2026-03-17 10:00:00', 'M3')
                """, new { p = ZhangWei, h = JilinCentral, tel = Phone });

        await Schema.MigrateAsync(database);

        await using var check = await database.OpenConnectionAsync();
        await Assert.ThrowsAnyAsync<Exception>(() => check.ExecuteScalarAsync<string>("SELECT tel FROM filings"));
        Assert.DoesNotContain(Phone, await TableTextAsync(check, "filings"));
        var tels = (await check.QueryAsync<byte[]?>("SELECT tel_enc FROM filings ORDER BY trt_dcla_detl_sn")).ToList();
        Assert.Equal(Phone, PersonalData.Open(tels[0]));
        Assert.Equal([null, null], tels.Skip(1));
    }
}
