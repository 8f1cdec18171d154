using MedSettle.Storage;
using MedSettle.Transactions;

namespace MedSettle.Tools.Simulation;

/// <summary>
/// What to simulate: emergency filings on every day from <paramref name="From"/> to <paramref name="To"/> (both included), about
/// <paramref name="FilingsPerDay"/> a day. The clock stops at the end of <paramref name="To"/>, leaving the cases still
/// under way as they are (patients still admitted, reversals not yet made), so that nothing is dated after it; with
/// <paramref name="FinishOpenCases"/> the run goes on until every case it started has ended.
/// </summary>
/// <param name="Spare">People the simulation leaves alone (the demo keeps its walkthrough people's year untouched).</param>
/// <param name="Anomalies">
/// The share of settled cases given one planted violation of R01–R10 (docs/SUPERVISION.md "Planted anomalies"); with a
/// value (0 included) the run ends by auditing its period and reports, per rule, what it planted and what the platform found.
/// </param>
public sealed record SimulationOptions(DateOnly From, DateOnly To, int FilingsPerDay, int Seed = 2026, bool FinishOpenCases = false,
    IReadOnlySet<string>? Spare = null, double? Anomalies = null);

/// <summary>
/// What a run did. <paramref name="Filings"/>: new emergency filings (2551 answers that created one).
/// <paramref name="Settlements"/>: settlements that stand at the end of the run (not reversed), the platform's 结算人次;
/// <paramref name="MedfeeSumamt"/> and <paramref name="FundPaySumamt"/> are summed over exactly those.
/// <paramref name="Reversals"/>: settlements reversed (2208/2305); <paramref name="Resettlements"/>: visits settled again
/// after their reversal. <paramref name="NeverSettled"/>: new filings whose visit was never settled (abandoned, revoked,
/// or stopped by a refusal). <paramref name="Refused"/>: calls answered with infcode -1 (each ends its case).
/// </summary>
public sealed record SimulationReport(int Filings, int Settlements, int Reversals, int Resettlements, int NeverSettled, int Refused,
    decimal MedfeeSumamt, decimal FundPaySumamt, decimal HifpPay = 0m, decimal HifobPay = 0m, decimal HifmiPay = 0m, decimal MafPay = 0m,
    IReadOnlyList<AnomalyFigures>? Anomalies = null);

/// <summary>
/// Drives realistic cross-region emergency traffic through the real transaction API
/// (<see cref="TransactionApi.CallAsync(Database, PlatformClock, byte[], CancellationToken, string?, HospitalSignature.Nonce?, string?, TransactionSettings?, Transactions.Groups.SettlementGroups?)"/>,
/// the code path behind HTTP) on a simulated clock, so that a database gets months of history: hospitals' HIS sign in,
/// look the patient up, file the emergency, register or admit, upload fee lines, discharge, pre-settle, settle, and now
/// and then reverse and settle again or retry a settlement with the same msgid. The traffic is shaped after the launch
/// figures of DESIGN.md: about 64 % of filings settled, 80 % of settlements emergency admissions, an average settled bill
/// near 35,800 yuan with the funds paying about 55 %. Deterministic for a given seed and database contents.
/// </summary>
public sealed partial class ProvinceSimulator(Database database)
{
    public async Task<SimulationReport> RunAsync(SimulationOptions options, IProgress<(int Day, int Days)>? progress = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.To < options.From)
            throw new ArgumentException($"The simulation ends ({options.To:yyyy-MM-dd}) before it starts ({options.From:yyyy-MM-dd}).", nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegative(options.FilingsPerDay);
        var world = await World.LoadAsync(database, options.Spare ?? new HashSet<string>(), cancel);
        var run = new Run(database, world, options, cancel);
        return await run.ExecuteAsync(progress);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Tuning: the shape of the traffic. Ratios are per case; money in yuan.
    // ---------------------------------------------------------------------------------------------------------------

    /// <summary>Share of filings that go on to a settlement (the rest are abandoned); reversals not settled again take ~1 % more.</summary>
    private const double SettledShare = 0.65;
    private const double InpatientShareOfSettled = 0.80;
    private const double ReversalShare = 0.03;
    private const double ResettleShareOfReversals = 2.0 / 3.0;
    private const double RetryShare = 0.01;
    private const double PreSettleShare = 0.8;
    private const double AccountUseShare = 0.9;

    /// <summary>Median of an admission's target bill; lognormal with <see cref="InpatientSigma"/> gives the long tail.</summary>
    private const double InpatientMedian = 31_300;
    private const double InpatientSigma = 0.85;
    private const double OutpatientMedian = 650;
    private const double OutpatientSigma = 0.9;

    /// <summary>How often a priced item is charged above its catalogue ceiling, and how often a 丙类 item is chosen.</summary>
    private const double OverCeilingShare = 0.12;
    private const double ClassCShareServices = 0.05;
    private const double ClassCShareFill = 0.13;

    private static readonly TimeSpan ChinaOffset = TimeSpan.FromHours(8);

    /// <summary>Relative emergency arrivals by hour of day (quiet before dawn, busiest late morning and evening).</summary>
    private static readonly double[] ArrivalsByHour =
        [2, 1.5, 1.2, 1, 1, 1.2, 2, 3, 4.5, 5, 5, 4.5, 4, 4, 4, 4, 4.2, 4.5, 5, 5, 4.5, 4, 3, 2.5];

    private static readonly string[] Clerks = ["王丽", "李静", "张敏", "刘洋", "陈晨", "杨帆", "赵雪", "孙悦"];

    private sealed record Diagnosis(string Code, string Name, double InpatientWeight, double OutpatientWeight, bool Surgical, string Dept,
        string[] SurgeryWords, string[] ConsumableWords);

    private static readonly Diagnosis[] Diagnoses =
    [
        new("I21.0", "急性前壁心肌梗死", 10, 1, true, "心血管内科", ["冠状动脉"], ["支架", "球囊", "导管"]),
        new("I63.9", "脑梗死", 10, 1, false, "神经内科", [], ["留置针"]),
        new("I61.9", "脑出血", 4, 0, true, "神经外科", ["开颅"], ["引流"]),
        new("I50.9", "心力衰竭", 5, 1, false, "心血管内科", [], ["电极"]),
        new("J18.9", "肺炎", 7, 5, false, "呼吸内科", [], ["吸氧", "雾化"]),
        new("J44.1", "慢性阻塞性肺病急性加重", 6, 3, false, "呼吸内科", [], ["呼吸", "吸氧"]),
        new("S06.0", "脑震荡", 3, 5, false, "神经外科", [], ["颈托"]),
        new("K35.8", "急性阑尾炎", 6, 1, true, "普通外科", ["阑尾", "麻醉"], ["缝线", "引流"]),
        new("S72.0", "股骨颈骨折", 6, 1, true, "骨科", ["骨折", "麻醉"], ["夹板", "石膏", "绷带"]),
        new("K92.2", "消化道出血", 5, 2, false, "消化内科", [], ["胃管", "输血"]),
        new("T14.9", "多发伤", 5, 2, true, "急诊外科", ["清创", "剖腹", "胸腔"], ["缝线", "引流", "中心静脉"]),
        new("R07.4", "胸痛", 2, 8, false, "急诊科", [], ["电极"]),
        new("A09.9", "急性胃肠炎", 1, 6, false, "急诊科", [], ["输液器"]),
        new("N23", "肾绞痛", 1, 4, false, "泌尿外科", [], ["输液器"]),
        new("T62.9", "食物中毒", 1, 3, false, "急诊科", [], ["胃管"]),
        new("E11.1", "2型糖尿病伴酮症酸中毒", 3, 1, false, "内分泌科", [], ["采血"]),
    ];
}
