using System.Data.Common;
using Dapper;
using MedSettle.Tests.Infrastructure;

namespace MedSettle.Tests.Storage;

/// <summary>What the schema itself guarantees, whatever code writes to it.</summary>
public abstract class SchemaConstraintTests(DatabaseTarget target)
{
    [Fact]
    public async Task A_second_row_for_the_same_person_and_scheme_under_another_home_region_is_refused_by_the_database()
    {
        await using var database = await target.NewDatabaseAsync();
        await using var connection = await database.OpenConnectionAsync();
        const string insert = """
            INSERT INTO persons (insuplc_admdvs, psn_no, insutype, gend, brdy, psn_insu_stas, acct_balc_fen, acct_imported_fen)
            VALUES (@region, '22010000000000000001', @insutype, '1', '1975-03-12', '1', 0, 0)
            """;
        await connection.ExecuteAsync(insert, new { region = "220100", insutype = "310" });
        await connection.ExecuteAsync(insert, new { region = "220100", insutype = "390" }); // another scheme: another row

        // People.LockAsync locks by (psn_no, insutype): a second home region would be a row its lock does not cover
        await Assert.ThrowsAnyAsync<DbException>(() => connection.ExecuteAsync(insert, new { region = "220200", insutype = "310" }));
        Assert.Equal(2L, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM persons"));
    }
}

public sealed class SchemaConstraintTests_Sqlite() : SchemaConstraintTests(new SqliteTarget());

public sealed class SchemaConstraintTests_Postgres() : SchemaConstraintTests(new PostgresTarget())
{
    /// <summary>
    /// Dates and times are ISO text compared as strings, and codes are sorted and grouped: on PostgreSQL every text column
    /// compares in byte order, as on SQLite, whatever locale the cluster was made with (the tests' is C.UTF-8; production's
    /// often en_US.UTF-8 or zh_CN.UTF-8).
    /// </summary>
    [Fact]
    public async Task Every_text_column_compares_in_byte_order()
    {
        await using var database = await new PostgresTarget().NewDatabaseAsync();
        await using var connection = await database.OpenConnectionAsync();
        var others = (await connection.QueryAsync<string>(
            """
            SELECT c.table_name || '.' || c.column_name || ' ' || COALESCE(c.collation_name, '(the database default)')
            FROM information_schema.columns c
            JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
            WHERE c.table_schema = current_schema() AND c.data_type = 'text' AND c.collation_name IS DISTINCT FROM 'C'
            ORDER BY 1
            """)).ToList();
        Assert.Empty(others);
        Assert.True(await connection.ExecuteScalarAsync<long>(
            "SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = current_schema() AND data_type = 'text'") > 100);
    }
}
