using System.Data.Common;
using Dapper;
using MedSettle.Storage;
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

public sealed class SchemaConstraintTests_Postgres() : SchemaConstraintTests(new PostgresTarget());
