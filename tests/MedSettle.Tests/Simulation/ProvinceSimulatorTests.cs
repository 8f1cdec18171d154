using Dapper;
using MedSettle.Engine;
using MedSettle.Tools.Demo;
using MedSettle.Import;
using MedSettle.Tools.Simulation;
using MedSettle.Storage;
using MedSettle.Tests.Infrastructure;

namespace MedSettle.Tests.Simulation;

/// <summary>The province simulator: weeks of traffic through the real transaction API, checked against the platform's own tables.</summary>
public abstract class ProvinceSimulatorTests(DatabaseTarget target) : IAsyncLifetime
{
    private Database _database = null!;

    public async Task InitializeAsync()
    {
        _database = await target.NewDatabaseAsync();
        var bundle = TestPaths.TempDirectory();
        DemoProvince.WriteBundle(bundle, persons: 2000);
        await new BundleImporter(_database).ImportAsync(bundle);
    }

    public async Task DisposeAsync() => await _database.DisposeAsync();

    private sealed class Recorder : IProgress<(int Day, int Days)>
    {
        public List<(int Day, int Days)> Reports { get; } = [];

        public void Report((int Day, int Days) value) => Reports.Add(value);
    }

    private sealed class PersonYear
    {
        public string InsuplcAdmdvs { get; set; } = "";
        public string PsnNo { get; set; } = "";
        public string Insutype { get; set; } = "";
        public long Year { get; set; }
        public long Fen { get; set; }

        public string Key => $"{InsuplcAdmdvs}/{PsnNo}/{Insutype}/{Year}";
    }

    [Fact]
    public async Task Three_weeks_of_traffic_leave_the_platform_agreeing_with_the_report()
    {
        var progress = new Recorder();
        var options = new SimulationOptions(new DateOnly(2026, 1, 19), new DateOnly(2026, 2, 8), FilingsPerDay: 10, FinishOpenCases: true);

        var report = await new ProvinceSimulator(_database).RunAsync(options, progress);

        Assert.Equal(Enumerable.Range(1, 21).Select(d => (d, 21)), progress.Reports);
        Assert.Equal(0, report.Refused);
        Assert.InRange(report.Filings, 120, 240);
        Assert.True(report.Reversals > 0, $"expected some reversals: {report}");
        Assert.InRange(report.Resettlements, 0, report.Reversals);

        await using var c = await _database.OpenConnectionAsync();
        var standing = await c.QuerySingleAsync<(long Count, long Medfee, long Fund)>(
            """
            SELECT COUNT(*), CAST(COALESCE(SUM(medfee_fen), 0) AS BIGINT), CAST(COALESCE(SUM(fund_pay_fen), 0) AS BIGINT)
            FROM settlements WHERE kind = 'settle' AND reversed_by IS NULL
            """);
        Assert.Equal(report.Settlements, (int)standing.Count);
        Assert.Equal(report.MedfeeSumamt, standing.Medfee / 100m);
        Assert.Equal(report.FundPaySumamt, standing.Fund / 100m);
        // the fund share split by fund (DESIGN.md rules 11–15), as the settlements hold it
        var funds = await c.QuerySingleAsync<(long Hifp, long Hifob, long Hifmi, long Maf)>(
            """
            SELECT CAST(COALESCE(SUM(hifp_fen), 0) AS BIGINT), CAST(COALESCE(SUM(hifob_fen), 0) AS BIGINT),
                   CAST(COALESCE(SUM(hifmi_fen), 0) AS BIGINT), CAST(COALESCE(SUM(maf_fen), 0) AS BIGINT)
            FROM settlements WHERE kind = 'settle' AND reversed_by IS NULL
            """);
        Assert.Equal((funds.Hifp / 100m, funds.Hifob / 100m, funds.Hifmi / 100m, funds.Maf / 100m),
            (report.HifpPay, report.HifobPay, report.HifmiPay, report.MafPay));
        Assert.Equal(report.FundPaySumamt, report.HifpPay + report.HifobPay + report.HifmiPay + report.MafPay);
        Assert.Equal(report.Reversals, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM settlements WHERE kind = 'reversal'"));
        Assert.Equal(report.Filings, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM filings"));

        Assert.True(await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM settlements") > 0);
        Assert.Equal(0, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM settlements WHERE insuplc_admdvs = mdtrtarea_admvs"));

        var accumulated = (await c.QueryAsync<PersonYear>(
            "SELECT insuplc_admdvs, psn_no, insutype, year, hifp_paid_fen AS fen FROM year_accumulators")).ToDictionary(r => r.Key, r => r.Fen);
        var settled = (await c.QueryAsync<PersonYear>(
            """
            SELECT insuplc_admdvs, psn_no, insutype, year, CAST(SUM(hifp_fen) AS BIGINT) AS fen
            FROM settlements GROUP BY insuplc_admdvs, psn_no, insutype, year
            """)).ToDictionary(r => r.Key, r => r.Fen);
        Assert.NotEmpty(settled);
        Assert.Equal(settled.OrderBy(p => p.Key, StringComparer.Ordinal), accumulated.OrderBy(p => p.Key, StringComparer.Ordinal));
        Assert.Empty(await MedSettle.Verify.Invariants.CheckAsync(_database));

        var filings = await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM filings");
        var share = (double)standing.Count / filings;
        Assert.InRange(share, 0.50, 0.75);

        // A second run over an overlapping period on the same database repeats no msgid and is refused nothing.
        var again = await new ProvinceSimulator(_database).RunAsync(options with { From = new DateOnly(2026, 2, 6), Seed = 7 });
        Assert.Equal(0, again.Refused);
        Assert.True(again.Filings > 0);
    }

    [Fact]
    public async Task A_run_that_ends_today_dates_nothing_after_its_last_day()
    {
        var report = await new ProvinceSimulator(_database).RunAsync(new SimulationOptions(new DateOnly(2026, 3, 1), new DateOnly(2026, 3, 10), FilingsPerDay: 8));

        await using var c = await _database.OpenConnectionAsync();
        Assert.True(report.Settlements > 0);
        Assert.True(string.CompareOrdinal(await c.ExecuteScalarAsync<string>("SELECT MAX(setl_time) FROM settlements"), "2026-03-11") < 0);
        Assert.True(string.CompareOrdinal(await c.ExecuteScalarAsync<string>("SELECT MAX(created_at) FROM visits"), "2026-03-11") < 0);
        Assert.True(await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM visits WHERE kind = 'inpatient' AND endtime IS NULL AND cancelled_at IS NULL") > 0,
            "some patients are still admitted when the run stops");
    }
}

/// <summary>
/// Planted anomalies (simulate --anomalies): every violation of a deterministic rule planted in the traffic is found (by the
/// platform's checks or the audit the run ends with) and nothing else is, and clean traffic has no findings for them at all.
/// R09 is statistical and reported as it comes.
/// </summary>
public abstract class PlantedAnomalyTests(DatabaseTarget target) : IAsyncLifetime
{
    private Database _database = null!;

    private static readonly SupervisionRule[] Deterministic = [.. SupervisionRules.All.Where(r => r != SupervisionRule.R09)];

    public async Task InitializeAsync()
    {
        _database = await target.NewDatabaseAsync();
        var bundle = TestPaths.TempDirectory();
        DemoProvince.WriteBundle(bundle, persons: 2000);
        await new BundleImporter(_database).ImportAsync(bundle);
    }

    public async Task DisposeAsync() => await _database.DisposeAsync();

    [Fact]
    public async Task Every_planted_violation_of_a_deterministic_rule_is_found_and_nothing_else()
    {
        var options = new SimulationOptions(new DateOnly(2026, 2, 2), new DateOnly(2026, 3, 1), FilingsPerDay: 10, Anomalies: 0.4);

        var report = await new ProvinceSimulator(_database).RunAsync(options);

        var figures = report.Anomalies!.ToDictionary(f => f.Rule);
        Assert.Equal(SupervisionRules.All, figures.Keys.Order());
        Assert.True(Deterministic.Count(r => figures[r].Planted > 0) >= 7, string.Join("; ", report.Anomalies!));
        Assert.All(Deterministic, r => Assert.Equal((figures[r].Planted, figures[r].Planted), (figures[r].Found, figures[r].TruePositives)));
        // what was planted stays out of the platform's tables: the queue holds the findings, nothing names a plant
        await using var c = await _database.OpenConnectionAsync();
        Assert.Equal(0, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM supervision_violations WHERE message LIKE '%planted%'"));
        Assert.True(await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM supervision_violations WHERE moment = 'audit'") > 0);
    }

    [Fact]
    public async Task Clean_traffic_has_no_finding_of_a_deterministic_rule()
    {
        var options = new SimulationOptions(new DateOnly(2026, 2, 2), new DateOnly(2026, 3, 1), FilingsPerDay: 10, Anomalies: 0);

        var report = await new ProvinceSimulator(_database).RunAsync(options);

        Assert.True(report.Settlements > 50, report.ToString());
        Assert.All(report.Anomalies!, f => Assert.Equal(0, f.Planted));
        Assert.All(report.Anomalies!.Where(f => Deterministic.Contains(f.Rule)), f => Assert.Equal(0, f.Found));
    }
}

public sealed class PlantedAnomalyTests_Sqlite() : PlantedAnomalyTests(new SqliteTarget());

public sealed class PlantedAnomalyTests_Postgres() : PlantedAnomalyTests(new PostgresTarget());

public sealed class ProvinceSimulatorTests_Sqlite() : ProvinceSimulatorTests(new SqliteTarget());

public sealed class ProvinceSimulatorTests_Postgres() : ProvinceSimulatorTests(new PostgresTarget());
