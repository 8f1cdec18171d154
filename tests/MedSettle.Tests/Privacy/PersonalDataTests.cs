using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Dapper;
using MedSettle.Admin;
using MedSettle.Import;
using MedSettle.Privacy;
using MedSettle.Storage;
using MedSettle.Tests.Infrastructure;
using MedSettle.Web;
using static MedSettle.Tests.Transactions.WorkedExampleTests;
using MedSettle.Transactions;

namespace MedSettle.Tests.Privacy;

/// <summary>Names and identity numbers encrypted at rest, found by a keyed hash, masked on pages, every read audited.</summary>
public abstract partial class PersonalDataTests : PlatformTests
{
    private readonly DatabaseTarget _target;

    protected PersonalDataTests(DatabaseTarget target) : base(target, JilinCentral) => _target = target;

    private const string ZhangWeiCertno = "220102197503120110";

    private sealed class RawPerson
    {
        public byte[] PsnNameEnc { get; set; } = [];
        public byte[] CertnoEnc { get; set; } = [];
        public byte[] CertnoHash { get; set; } = [];
    }

    private async Task<List<PersonalDataReadRow>> ReadsAsync()
    {
        await using var connection = await Platform.Database.OpenConnectionAsync();
        return (await connection.QueryAsync<PersonalDataReadRow>("SELECT * FROM personal_data_reads ORDER BY id")).ToList();
    }

    [Fact]
    public async Task Names_and_identity_numbers_are_stored_sealed_and_nowhere_in_the_clear()
    {
        await using var connection = await Platform.Database.OpenConnectionAsync();
        var raw = await connection.QueryFirstAsync<RawPerson>("SELECT psn_name_enc, certno_enc, certno_hash FROM persons WHERE psn_no = @p", new { p = ZhangWei });

        Assert.DoesNotContain("张伟", Encoding.UTF8.GetString(raw.PsnNameEnc));
        Assert.DoesNotContain("0110", Encoding.ASCII.GetString(raw.CertnoEnc));
        Assert.Equal(PersonalData.Overhead + "张伟"u8.Length, raw.PsnNameEnc.Length);
        Assert.Equal(Platform.Database.Keys.Newest.Id, PersonalData.KeyIdOf(raw.CertnoEnc));
        Assert.Equal("张伟", PersonalData.Open(raw.PsnNameEnc));
        Assert.Equal(ZhangWeiCertno, PersonalData.Open(raw.CertnoEnc));
        Assert.Equal(Platform.Database.Keys.Lookup(ZhangWeiCertno), raw.CertnoHash);

        // the plaintext columns are gone, and no table holds an identity number or a name in the clear
        await Assert.ThrowsAnyAsync<Exception>(() => connection.ExecuteScalarAsync<string>("SELECT certno FROM persons"));
        await Assert.ThrowsAnyAsync<Exception>(() => connection.ExecuteScalarAsync<string>("SELECT psn_name FROM persons"));
        Assert.Empty(await Invariants(connection));
    }

    private static async Task<List<string>> Invariants(System.Data.Common.DbConnection connection) =>
        (await connection.QueryAsync<string>("SELECT psn_no FROM persons WHERE psn_name_enc IS NULL OR certno_enc IS NULL OR certno_hash IS NULL")).ToList();

    [Fact]
    public async Task Sealing_uses_a_fresh_nonce_and_refuses_a_tampered_value()
    {
        var keys = Platform.Database.Keys;
        var a = keys.Seal("张伟");
        var b = keys.Seal("张伟");
        Assert.NotEqual(a, b);
        Assert.Equal("张伟", PersonalData.Open(a));
        a[^1] ^= 1;
        Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(() => PersonalData.Open(a));
        Assert.Equal(keys.Lookup(ZhangWeiCertno), keys.Lookup(" 220102197503120110 "));
        await Task.CompletedTask;
    }

    [Fact]
    public async Task _1101_finds_the_person_by_identity_number_and_the_read_is_audited_in_the_same_transaction()
    {
        var msgid = Platform.NewMsgid(JilinCentral);
        var found = (await Platform.CallAsync("1101", JilinCentral, new { data = new { mdtrt_cert_type = "02", mdtrt_cert_no = ZhangWeiCertno } }, msgid)).ShouldSucceed();
        Assert.Equal("张伟", found.Text("baseinfo", "psn_name"));
        Assert.Equal(ZhangWeiCertno, found.Text("baseinfo", "certno")); // the national interface carries it in full to the hospital
        (await Platform.CallAsync("1101", JilinCentral, new { data = new { mdtrt_cert_type = "02", mdtrt_cert_no = "220102197503120128" } }))
            .ShouldFail("220102********0128");

        var read = Assert.Single(await ReadsAsync());
        Assert.Equal((ZhangWei, "220100", JilinCentral, "api", "1101 人员信息获取", msgid, $"{Platform.Credentials[JilinCentral].Paasid}（HIS 申报操作员：001 测试收费员）"),
            (read.PsnNo, read.InsuplcAdmdvs, read.FixmedinsCode, read.Channel, read.Source, read.Reference, read.Actor));
        Assert.Equal("2026-03-15 10:00:00", read.ReadAt);
        Assert.DoesNotContain(await ReadsAsync(), r => JsonSerializer.Serialize(r).Contains(ZhangWeiCertno));
    }

    [Fact]
    public async Task A_settlement_whose_answer_carries_name_and_identity_number_is_audited_once_and_a_refusal_not_at_all()
    {
        var mdtrtId = await His.OutpatientVisitAsync(ZhangWei, "310", SecondVisitBill);
        (await His.SettleAsync(mdtrtId, ZhangWei, "310", 1.00m, useAccount: false)).ShouldFail("不一致");
        var msgid = Platform.NewMsgid(JilinCentral);
        var settled = (await His.SettleAsync(mdtrtId, ZhangWei, "310", 75.00m, useAccount: false, msgid: msgid)).ShouldSucceed();
        Assert.Equal("张伟", settled.Text("setlinfo", "psn_name"));

        var reads = await ReadsAsync();
        var settle = Assert.Single(reads, r => r.Source.StartsWith("2207", StringComparison.Ordinal));
        Assert.Equal((ZhangWei, msgid, "220100"), (settle.PsnNo, settle.Reference, settle.InsuplcAdmdvs));
    }

    [Fact]
    public async Task A_stored_answer_keeps_no_name_or_identity_number_and_a_replay_reads_them_back()
    {
        var mdtrtId = await His.OutpatientVisitAsync(ZhangWei, "310", SecondVisitBill);
        var (settleMsgid, reverseMsgid) = (Platform.NewMsgid(JilinCentral), Platform.NewMsgid(JilinCentral));
        var settled = (await His.SettleAsync(mdtrtId, ZhangWei, "310", 75.00m, useAccount: true, msgid: settleMsgid)).ShouldSucceed();
        var setlId = settled.Text("setlinfo", "setl_id");
        var reversed = (await His.ReverseAsync(setlId, mdtrtId, ZhangWei, msgid: reverseMsgid)).ShouldSucceed();
        Assert.Equal(("张伟", "220102********0110"), (reversed.Text("setlinfo", "psn_name"), reversed.Text("setlinfo", "certno")));

        await using var connection = await Platform.Database.OpenConnectionAsync();
        var stored = (await connection.QueryAsync<string>("SELECT response FROM messages WHERE response IS NOT NULL")).ToList();
        Assert.Equal(2, stored.Count(r => r.Contains(setlId, StringComparison.Ordinal)));
        Assert.DoesNotContain(stored, r => r.Contains("张伟", StringComparison.Ordinal) || r.Contains(ZhangWeiCertno, StringComparison.Ordinal));

        // the retries get the very answers the first calls got, name and masked identity number included
        Assert.Equal(settled.Body, (await His.SettleAsync(mdtrtId, ZhangWei, "310", 75.00m, useAccount: true, msgid: settleMsgid)).ShouldSucceed().Body);
        Assert.Equal(reversed.Body, (await His.ReverseAsync(setlId, mdtrtId, ZhangWei, msgid: reverseMsgid)).ShouldSucceed().Body);

        // Migration 16 blanks what an older version stored in the clear, and leaves the rest of the answer as it was.
        var before = await connection.QuerySingleAsync<string>("SELECT response FROM messages WHERE msgid = @settleMsgid", new { settleMsgid });
        var clear = before.Replace("\"psn_name\":\"\"", "\"psn_name\":\"张伟\"").Replace("\"certno\":\"\"", $"\"certno\":\"{ZhangWeiCertno}\"");
        Assert.NotEqual(before, clear);
        await connection.ExecuteAsync("UPDATE messages SET response = @clear WHERE msgid = @settleMsgid", new { clear, settleMsgid });
        await connection.ExecuteAsync("DELETE FROM schema_migrations WHERE version = 16");
        await Schema.MigrateAsync(Platform.Database);
        Assert.Equal(before, await connection.QuerySingleAsync<string>("SELECT response FROM messages WHERE msgid = @settleMsgid", new { settleMsgid }));
    }

    [Fact]
    public async Task Reimporting_the_same_bundle_changes_nothing_though_every_seal_differs_and_a_changed_name_is_noticed()
    {
        var again = await new BundleImporter(Platform.Database).ImportAsync(TestPaths.JilinMini);
        Assert.Equal(0, again.Changed);

        var bundle = TestPaths.TempDirectory();
        foreach (var file in Directory.GetFiles(TestPaths.JilinMini)) File.Copy(file, Path.Combine(bundle, Path.GetFileName(file)));
        var persons = Path.Combine(bundle, "persons.csv");
        File.WriteAllText(persons, File.ReadAllText(persons).Replace(",张伟,", ",张伟明,"));
        var changed = await new BundleImporter(Platform.Database).ImportAsync(bundle);
        Assert.Equal(1, changed.Changed);
        var found = (await Platform.CallAsync("1101", JilinCentral, new { data = new { mdtrt_cert_type = "02", mdtrt_cert_no = ZhangWeiCertno } })).ShouldSucceed();
        Assert.Equal("张伟明", found.Text("baseinfo", "psn_name"));
    }

    [Fact]
    public async Task The_window_shows_identity_numbers_masked_and_its_pages_are_audited()
    {
        var now = Platform.Clock.GetLocalNow().DateTime;
        await Accounts.AddAsync(Platform.Database, "clerk", "收费员小李", Roles.Clerk, JilinCentral, null, "clerk-password", now);
        using var clerk = await SignInAsync("clerk", "clerk-password");

        // the lookup is posted, so the full number never stands in a URL
        var token = AntiforgeryToken().Match(await clerk.GetStringAsync("/window")).Groups[1].Value;
        using var found = await clerk.PostAsync("/window?handler=Find", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["certno"] = ZhangWeiCertno, ["__RequestVerificationToken"] = token,
        }));
        Assert.Equal(HttpStatusCode.OK, found.StatusCode);
        var window = await found.Content.ReadAsStringAsync();
        var card = PersonCard().Match(window).Value;
        Assert.Contains("张伟", card);                      // the clerk checks the patient in front of them
        Assert.Contains("220102********0110", card);
        Assert.DoesNotContain(ZhangWeiCertno, card);

        var mdtrtId = await His.OutpatientVisitAsync(ZhangWei, "310", SecondVisitBill);
        var setlId = (await His.SettleAsync(mdtrtId, ZhangWei, "310", 75.00m, useAccount: false)).ShouldSucceed().Text("setlinfo", "setl_id");
        var visit = await clerk.GetStringAsync($"/window/visit/{mdtrtId}");
        Assert.Contains("张*", visit);
        Assert.DoesNotContain(ZhangWeiCertno, visit);
        var slip = await clerk.GetStringAsync($"/window/slip/{setlId}");
        Assert.Contains("220102********0110", slip);
        Assert.DoesNotContain(ZhangWeiCertno, slip);
        var today = await clerk.GetStringAsync("/window/today");
        Assert.Contains("张*", today);
        Assert.DoesNotContain("张伟", today);

        var reads = await ReadsAsync();
        var lookup = Assert.Single(reads, r => r.Source.StartsWith("1101", StringComparison.Ordinal));
        Assert.Equal(("web", "clerk 收费员小李"), (lookup.Channel, lookup.Actor));
        var page = Assert.Single(reads, r => r.Source == "/Window/Visit");
        Assert.Equal(("web", "clerk", JilinCentral, ZhangWei, mdtrtId), (page.Channel, page.Actor, page.FixmedinsCode, page.PsnNo, page.Reference));
        Assert.Single(reads, r => r.Source == "/Window/Slip" && r.Reference == setlId);
    }

    [Fact]
    public async Task The_province_reads_and_exports_the_audit_log_and_an_agency_cannot()
    {
        var now = Platform.Clock.GetLocalNow().DateTime;
        await Accounts.AddAsync(Platform.Database, "province", "吉林省医保局", Roles.Province, null, null, "province-password", now);
        await Accounts.AddAsync(Platform.Database, "changchun", "长春市医保经办中心", Roles.Agency, null, "220100", "agency-password", now);
        var mdtrtId = await His.OutpatientVisitAsync(ZhangWei, "310", SecondVisitBill);
        var setlId = (await His.SettleAsync(mdtrtId, ZhangWei, "310", 75.00m, useAccount: false)).ShouldSucceed().Text("setlinfo", "setl_id");
        (await Platform.CallAsync("1101", JilinCentral, new { data = new { mdtrt_cert_type = "02", mdtrt_cert_no = "220104198807210227" } })).ShouldSucceed();

        using var province = await SignInAsync("province", "province-password");
        var detail = await province.GetStringAsync($"/dashboard/settlement/{setlId}");
        Assert.Contains("张*", detail);
        Assert.Contains("220102********0110", detail);
        Assert.DoesNotContain("张伟", detail);

        var page = await province.GetStringAsync("/dashboard/reads?from=2026-03-15&to=2026-03-15&psnNo=" + ZhangWei);
        Assert.Contains("2207 门诊结算", page);
        Assert.Contains("/Dashboard/Settlement", page);
        Assert.DoesNotContain(WangFang, page);
        using var csv = await province.GetAsync("/dashboard/reads?from=2026-03-15&to=2026-03-15&handler=Csv");
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        var text = await csv.Content.ReadAsStringAsync();
        Assert.StartsWith("read_at,channel,actor,fixmedins_code,insuplc_admdvs,psn_no,source,purpose,reference", text.TrimStart('\uFEFF'));
        Assert.Contains(WangFang, text);
        Assert.Contains(ZhangWei, text);
        Assert.DoesNotContain(ZhangWeiCertno, text);

        using var agency = await SignInAsync("changchun", "agency-password");
        using var refused = await agency.GetAsync("/dashboard/reads?from=2026-03-15&to=2026-03-15");
        Assert.NotEqual(HttpStatusCode.OK, refused.StatusCode);
        using var refusedCsv = await agency.GetAsync("/dashboard/reads?handler=Csv");
        Assert.NotEqual(HttpStatusCode.OK, refusedCsv.StatusCode);

        var token = await AdminTokens.IssueAsync(Platform.Database, "province", now);
        using var api = await AdminGetAsync("/api/admin/personal-data-reads?from=2026-03-15&to=2026-03-15&fixmedins_code=" + JilinCentral, token);
        Assert.Equal(HttpStatusCode.OK, api.StatusCode);
        var json = JsonDocument.Parse(await api.Content.ReadAsStringAsync()).RootElement;
        Assert.Contains(json.GetProperty("reads").EnumerateArray(), r => r.GetProperty("psn_no").GetString() == WangFang
                                                                        && r.GetProperty("source").GetString() == "1101 人员信息获取");
        using var apiCsv = await AdminGetAsync("/api/admin/personal-data-reads?from=2026-03-15&to=2026-03-15&format=csv", token);
        Assert.Contains(ZhangWei, await apiCsv.Content.ReadAsStringAsync());
        using var anonymous = await AdminGetAsync("/api/admin/personal-data-reads?from=2026-03-15&to=2026-03-15", null);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        using var bad = await AdminGetAsync("/api/admin/personal-data-reads?from=2026-03-15", token);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task Rotation_reencrypts_every_person_under_a_new_key_and_everything_still_reads()
    {
        var db = await _target.NewDatabaseValueAsync();
        var keyFile = Path.Combine(TestPaths.TempDirectory(), "medsettle.keys");
        await InProcessCli.SucceedsAsync("import", "--db", db, "--key-file", keyFile, TestPaths.JilinMini);
        Assert.True(File.Exists(keyFile));
        uint first;
        await using (var before = Database.Open(db, keyFile))
        {
            await Schema.MigrateAsync(before);
            first = before.Keys.Newest.Id;
        }

        await InProcessCli.SucceedsAsync("keys", "rotate", "--db", db, "--key-file", keyFile);

        Assert.Equal(2, File.ReadAllLines(keyFile).Count(l => l.StartsWith("key ", StringComparison.Ordinal)));
        await using var database = Database.Open(db, keyFile);
        await Schema.MigrateAsync(database);
        var newest = database.Keys.Newest.Id;
        Assert.NotEqual(first, newest);
        await using var connection = await database.OpenConnectionAsync();
        var sealedValues = (await connection.QueryAsync<RawPerson>("SELECT psn_name_enc, certno_enc, certno_hash FROM persons")).ToList();
        Assert.NotEmpty(sealedValues);
        Assert.All(sealedValues, p => Assert.Equal((newest, newest), (PersonalData.KeyIdOf(p.PsnNameEnc), PersonalData.KeyIdOf(p.CertnoEnc))));
        var person = await connection.QueryFirstAsync<PersonRow>("SELECT * FROM persons WHERE certno_hash = @h", new { h = database.Keys.Lookup(ZhangWeiCertno) });
        Assert.Equal(("张伟", ZhangWeiCertno), (person.PsnName, person.Certno));
        Assert.NotNull(await connection.ExecuteScalarAsync<string>("SELECT retired_at FROM data_keys WHERE key_id = @id",
            new { id = first.ToString("x8", CultureInfo.InvariantCulture) }));
        Assert.Equal(0, (await new BundleImporter(database).ImportAsync(TestPaths.JilinMini)).Changed);

        // a value sealed with the old key (a backup, a row the pass has not reached yet) still opens
        await using var old = Database.Open(db, keyFile);
        var oldKey = database.Keys.Keys.Single(k => k.Id == first);
        Assert.Equal("李娜", PersonalData.Open(oldKey.Seal("李娜"u8)));
    }

    [Fact]
    public async Task A_key_file_that_is_not_the_databases_stops_the_program_before_it_writes()
    {
        var db = await _target.NewDatabaseValueAsync();
        var keyFile = Path.Combine(TestPaths.TempDirectory(), "right.keys");
        await using (var first = Database.Open(db, keyFile))
        {
            await Schema.MigrateAsync(first);
            await new BundleImporter(first).ImportAsync(TestPaths.JilinMini);
        }

        await using var wrong = Database.Open(db, Path.Combine(TestPaths.TempDirectory(), "wrong.keys"));
        var refused = await Assert.ThrowsAsync<KeyFileProblem>(() => Schema.MigrateAsync(wrong));
        Assert.Contains("does not exist", refused.Message); // a missing file is not created for a database that holds encrypted data

        var other = Path.Combine(TestPaths.TempDirectory(), "other.keys");
        await using (var elsewhere = Database.Open("sqlite:" + Path.Combine(TestPaths.TempDirectory(), "x.db"), other))
            await Schema.MigrateAsync(elsewhere); // creates other.keys for an empty database
        await using var mismatched = Database.Open(db, other);
        var mismatch = await Assert.ThrowsAsync<KeyFileProblem>(() => Schema.MigrateAsync(mismatched));
        Assert.Contains("lookup key", mismatch.Message);
    }

    [Fact]
    public async Task Migration_10_seals_the_plaintext_of_an_existing_database_and_drops_it()
    {
        await using var database = Database.Open(await _target.NewDatabaseValueAsync(), Path.Combine(TestPaths.TempDirectory(), "upgrade.keys"));
        await Schema.MigrateAsync(database, upTo: 7);
        await using (var connection = await database.OpenConnectionAsync())
            await connection.ExecuteAsync(
                """
                INSERT INTO persons (insuplc_admdvs, psn_no, insutype, psn_name, certno, gend, brdy, psn_insu_stas, acct_balc_fen, acct_imported_fen)
                VALUES ('220100', @p, '310', '张伟', @certno, '1', '1975-03-12', '1', 152050, 152050)
                """, new { p = ZhangWei, certno = ZhangWeiCertno });

        await Schema.MigrateAsync(database);

        await using var check = await database.OpenConnectionAsync();
        var person = await check.QueryFirstAsync<PersonRow>("SELECT * FROM persons WHERE certno_hash = @h", new { h = database.Keys.Lookup(ZhangWeiCertno) });
        Assert.Equal(("张伟", ZhangWeiCertno, 152050L), (person.PsnName, person.Certno, person.AcctBalcFen));
        Assert.Empty(await Invariants(check));
        await Assert.ThrowsAnyAsync<Exception>(() => check.ExecuteScalarAsync<string>("SELECT certno FROM persons"));
    }

    private async Task<HttpResponseMessage> AdminGetAsync(string path, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await Platform.Http.SendAsync(request);
    }

    /// <summary>A browser-like client signed in through the login form (cookie and antiforgery token included).</summary>
    private async Task<HttpClient> SignInAsync(string username, string password)
    {
        var client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false })
        {
            BaseAddress = Platform.Http.BaseAddress,
        };
        var login = await client.GetStringAsync("/login");
        var token = AntiforgeryToken().Match(login).Groups[1].Value;
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Username"] = username, ["Password"] = password, ["__RequestVerificationToken"] = token,
        });
        using var response = await client.PostAsync("/login", form);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return client;
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();

    [GeneratedRegex("<section class=\"card\" id=\"person\"[^>]*>.*?</section>", RegexOptions.Singleline)]
    private static partial Regex PersonCard();
}

public sealed class PersonalDataTests_Sqlite() : PersonalDataTests(new SqliteTarget());

public sealed class PersonalDataTests_Postgres() : PersonalDataTests(new PostgresTarget());

/// <summary>A server meets a value sealed with a key another process added to its key file (a rotation while it runs).</summary>
public sealed class KeyFileReloadTests
{
    [Fact]
    public void A_value_sealed_with_a_key_added_to_the_file_later_is_opened_after_reading_the_file_again()
    {
        var path = Path.Combine(TestPaths.TempDirectory(), "running.keys");
        var ring = KeyRing.Load(new KeySource(path, null), mayCreate: true);
        Assert.Equal("张伟", PersonalData.Open(ring.Seal("张伟")));

        Assert.Equal("王芳", PersonalData.Open(SealWithAKeyAddedTo(path, "王芳")));
    }

    [Fact]
    public void A_key_file_gone_since_it_was_read_is_passed_over_when_the_files_are_read_again()
    {
        var gone = Path.Combine(TestPaths.TempDirectory(), "gone.keys"); // another database's, removed since (as a test's are)
        KeyRing.Load(new KeySource(gone, null), mayCreate: true);
        File.Delete(gone);
        var path = Path.Combine(TestPaths.TempDirectory(), "running.keys");
        KeyRing.Load(new KeySource(path, null), mayCreate: true);

        Assert.Equal("王芳", PersonalData.Open(SealWithAKeyAddedTo(path, "王芳")));
    }

    /// <summary>Another process appends a key to <paramref name="path"/> and seals <paramref name="text"/> with it.</summary>
    private static byte[] SealWithAKeyAddedTo(string path, string text)
    {
        var key = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        var id = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4));
        File.AppendAllText(path, $"key {id:x8} {Convert.ToBase64String(key)} 2026-03-15T02:00:00Z\n");
        var plain = System.Text.Encoding.UTF8.GetBytes(text);
        var sealed_ = new byte[PersonalData.Overhead + plain.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(sealed_, id);
        System.Security.Cryptography.RandomNumberGenerator.Fill(sealed_.AsSpan(4, 12));
        using (var aes = new System.Security.Cryptography.AesGcm(key, 16))
            aes.Encrypt(sealed_.AsSpan(4, 12), plain, sealed_.AsSpan(16, plain.Length), sealed_.AsSpan(16 + plain.Length));
        return sealed_;
    }

    [Fact]
    public void The_variable_takes_the_key_file_as_written_or_its_lines_joined_by_semicolons()
    {
        var path = Path.Combine(TestPaths.TempDirectory(), "given.keys");
        var file = KeyRing.Load(new KeySource(path, null), mayCreate: true);
        var text = File.ReadAllText(path);
        Assert.Contains(';', text); // the file's own header comment

        var oneLine = string.Join(';', text.Split('\n').Where(line => line.Length > 0 && !line.StartsWith('#')));
        foreach (var given in new[] { text, oneLine })
        {
            var ring = KeyRing.Load(new KeySource(null, given), mayCreate: false);
            Assert.Equal((file.LookupCheck, file.Newest.IdText, file.Newest.Check), (ring.LookupCheck, ring.Newest.IdText, ring.Newest.Check));
        }
    }
}

public sealed class PersonNameTests
{
    [Theory]
    [InlineData("李娜", "李*")]
    [InlineData("张小三", "张*三")]
    [InlineData("欧阳明月", "欧**月")]
    [InlineData("金", "*")]
    [InlineData("", "")]
    public void A_name_is_masked_to_its_first_and_last_character(string name, string masked) =>
        Assert.Equal(masked, MedSettle.Engine.PersonName.Mask(name));
}

/// <summary>The bulk loader (PostgreSQL COPY) seals as the import does, and its people are found by identity number.</summary>
public sealed class BulkPersonsSealingTests
{
    [Fact]
    public async Task Bulk_loaded_people_are_sealed_and_found_by_identity_number()
    {
        var value = await new PostgresTarget().NewDatabaseValueAsync();
        await using var database = Database.Open(value);
        await Schema.MigrateAsync(database);
        await new BundleImporter(database).ImportAsync(TestPaths.JilinMini);

        Assert.Equal(3000, await MedSettle.Tools.Demo.BulkPersons.LoadAsync(value["postgres:".Length..], database.Keys, 3000, null));

        await using var connection = await database.OpenConnectionAsync();
        var people = (await connection.QueryAsync<PersonRow>("SELECT * FROM persons WHERE psn_no LIKE '______9%' ORDER BY psn_no LIMIT 50")).ToList();
        Assert.Equal(50, people.Count);
        foreach (var person in people)
        {
            Assert.True(MedSettle.Engine.IdentityNumber.IsValid(person.Certno), person.PsnNo);
            Assert.False(string.IsNullOrEmpty(person.PsnName));
            Assert.Equal(person.PsnNo, await connection.ExecuteScalarAsync<string>(
                "SELECT psn_no FROM persons WHERE certno_hash = @h", new { h = database.Keys.Lookup(person.Certno) }));
        }
        Assert.Equal(0L, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM persons WHERE certno_enc IS NULL OR pd_digest IS NULL"));
    }
}
