using MedSettle.Import;
using MedSettle.Storage;
using MedSettle.Tests.Infrastructure;
using static MedSettle.Tests.Transactions.WorkedExampleTests;

namespace MedSettle.Tests.Transactions;

/// <summary>
/// Settlements use the hospitals and policies of the latest import, even when a server holds them in memory (the
/// settlement groups on PostgreSQL) and the import is made by another process.
/// </summary>
public abstract class ReferenceDataTests(DatabaseTarget target) : PlatformTests(target, JilinCentral)
{
    [Fact]
    public async Task A_policy_imported_by_another_process_applies_to_the_next_settlement()
    {
        (await His.FileAsync(ZhangWei, "310", "2026-03-15")).ShouldSucceed();
        var first = await VisitAsync("MZ001");
        Assert.Equal(0.65m, (await His.SettleAsync(first, ZhangWei, "310", 100.00m, useAccount: false)).ShouldSucceed().Money("setlinfo", "pool_prop_selfpay"));

        var bundle = TestPaths.TempDirectory();
        File.WriteAllText(Path.Combine(bundle, "policies.json"), """
            [{"insuplc_admdvs":"220100","insutype":"310","category":"emergency_outpatient","hosp_lv":3,"effective_from":"2026-03-01",
              "deductible":200,"deductible_basis":"per_year","ratio":0.60,"annual_cap":150000}]
            """);
        await using (var elsewhere = Database.Open(Platform.DatabaseValue))
        {
            await Schema.MigrateAsync(elsewhere);
            await new BundleImporter(elsewhere).ImportAsync(bundle);
        }

        var second = await VisitAsync("MZ002");
        var settled = (await His.SettleAsync(second, ZhangWei, "310", 100.00m, useAccount: false)).ShouldSucceed();
        Assert.Equal(0.60m, settled.Money("setlinfo", "pool_prop_selfpay"));
        Assert.Empty(await MedSettle.Verify.Invariants.CheckAsync(Platform.Database));
    }

    private async Task<string> VisitAsync(string iptOtpNo)
    {
        var mdtrtId = (await His.RegisterAsync(ZhangWei, "310", "2026-03-15 09:00:00", iptOtpNo)).ShouldSucceed().Text("data", "mdtrt_id");
        (await His.UploadAsync(mdtrtId, ZhangWei, [("110200001", 100.00m, 1)])).ShouldSucceed();
        return mdtrtId;
    }
}

public sealed class ReferenceDataTests_Sqlite() : ReferenceDataTests(new SqliteTarget());

public sealed class ReferenceDataTests_Postgres() : ReferenceDataTests(new PostgresTarget());
