using Dapper;
using MedSettle.Import;
using MedSettle.Storage;
using MedSettle.Tests.Infrastructure;

namespace MedSettle.Tests.Storage;

/// <summary>
/// Migration 40 begins the catalogue's versions: rows already stored become version 1, in force since the database was made;
/// an empty catalogue makes no version; the next import that changes the catalogue makes version 2.
/// </summary>
public abstract class CatalogueVersionMigrationTests(DatabaseTarget target)
{
    [Fact]
    public async Task Rows_already_stored_become_version_1_and_the_next_change_is_version_2()
    {
        await using var database = Database.Open(await target.NewDatabaseValueAsync(), Path.Combine(TestPaths.TempDirectory(), "ver.keys"));
        await Schema.MigrateAsync(database, upTo: 39);
        await using (var connection = await database.OpenConnectionAsync())
            await connection.ExecuteAsync("""
                INSERT INTO catalogue (med_list_codg, med_list_name, list_type, med_chrgitm_type, chrgitm_lv, selfpay_prop, pric_uplmt_amt, name_initials)
                VALUES ('311201001', '急诊监护', '201', '05', 2, '0.10', '60.00', @monitoring), ('110200001', '急诊诊察费', '201', '02', 1, '0', NULL, @consultation)
                """, new { monitoring = PinyinInitials.Of("急诊监护"), consultation = PinyinInitials.Of("急诊诊察费") });

        await Schema.MigrateAsync(database);

        await using var check = await database.OpenConnectionAsync();
        var created = await check.QuerySingleAsync<string>("SELECT MIN(applied_at) FROM schema_migrations");
        Assert.Equal([(1L, created, 2L)], (await check.QueryAsync<(long, string, long)>("SELECT ver, released_at, rows_changed FROM catalogue_versions")).ToList());
        Assert.Equal([("110200001", 1L, 1L), ("311201001", 1L, 1L)],
            (await check.QueryAsync<(string, long, long)>("SELECT med_list_codg, ver, first_ver FROM catalogue ORDER BY med_list_codg")).ToList());
        Assert.Equal([("311201001", 1L, "60.00", created, (string?)null)],
            (await check.QueryAsync<(string, long, string, string, string?)>(
                "SELECT med_list_codg, ver, pric_uplmt_amt, begntime, endtime FROM catalogue_history WHERE pric_uplmt_amt IS NOT NULL")).ToList());

        // jilin-mini has both rows as they are and ten more: those ten are version 2, the two keep version 1
        var summary = await new BundleImporter(database).ImportAsync(TestPaths.JilinMini);
        Assert.Equal((2L, 10L), (summary.CatalogueVersion!.Value, summary.Files["catalogue.csv"].Changed));
        Assert.Equal(1, await check.ExecuteScalarAsync<long>("SELECT ver FROM catalogue WHERE med_list_codg = '311201001'"));
        Assert.Equal(10, await check.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM catalogue_history WHERE ver = 2"));
    }

    [Fact]
    public async Task An_empty_catalogue_makes_no_version_and_the_first_import_is_version_1()
    {
        await using var database = Database.Open(await target.NewDatabaseValueAsync(), Path.Combine(TestPaths.TempDirectory(), "ver.keys"));
        await Schema.MigrateAsync(database);
        await using var check = await database.OpenConnectionAsync();
        Assert.Equal(0, await check.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM catalogue_versions"));

        Assert.Equal(1, (await new BundleImporter(database).ImportAsync(TestPaths.JilinMini)).CatalogueVersion);
        Assert.Equal(12, await check.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM catalogue_history WHERE ver = 1 AND endtime IS NULL"));
    }
}

public sealed class CatalogueVersionMigrationTests_Sqlite() : CatalogueVersionMigrationTests(new SqliteTarget());

public sealed class CatalogueVersionMigrationTests_Postgres() : CatalogueVersionMigrationTests(new PostgresTarget());
