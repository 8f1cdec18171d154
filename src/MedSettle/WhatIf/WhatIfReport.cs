namespace MedSettle.WhatIf;

/// <summary>What to replay: the settlements settled from <see cref="From"/> to <see cref="To"/> (days, inclusive) of the home regions in scope (null: all), under <see cref="Draft"/>.</summary>
public sealed record WhatIfQuery(DateOnly From, DateOnly To, PolicyDraft Draft, IReadOnlySet<string>? Regions = null);

/// <summary>How far a replay has come: rows replayed of the rows to replay.</summary>
public readonly record struct WhatIfProgress(long Done, long Total);

/// <summary>One fund of one home region and scheme: the period's standing settlements it took part in, before (as stored) and under the draft.</summary>
public sealed record WhatIfFundLine(string Region, string RegionName, string Insutype, string Fund, string FundName, long Count, decimal Medfee,
    decimal Before, decimal After)
{
    public decimal Change => After - Before;
}

/// <summary>The patients of one home region and scheme: what they paid in cash and from their accounts, before and under the draft.</summary>
public sealed record WhatIfPatientLine(string Region, string RegionName, string Insutype, long Count, decimal Medfee, decimal CashBefore, decimal CashAfter,
    decimal AccountBefore, decimal AccountAfter, long Changed)
{
    public decimal CashChange => CashAfter - CashBefore;
}

/// <summary>One settlement of the period, before and under the draft; <see cref="Crossed"/> says which cap or band it reaches differently.</summary>
public sealed record WhatIfCase(string SetlId, string Region, string Insutype, string FixmedinsCode, string SetlTime, decimal Medfee,
    decimal FundBefore, decimal FundAfter, decimal CashBefore, decimal CashAfter, string? Crossed)
{
    public decimal FundChange => FundAfter - FundBefore;
}

/// <summary>A stored row the replay of the rules in force does not reproduce: a defect of the history, or of the replay.</summary>
public sealed record WhatIfDifference(string SetlId, string Field, string Stored, string Replayed);

/// <summary>
/// A what-if's results (docs/WHATIF.md). The self-check: <see cref="Replayed"/> rows replayed under the rules in force
/// (the period's and those earlier in the same years), <see cref="Identical"/> of them reproduced to the fen, the first
/// differences. The what-if over the period's standing settlements: per home region × scheme × fund, the patients', the
/// deciles of the change in each one's cash (p0, p10 … p100), the cases that change most and those that cross a cap or band.
/// </summary>
public sealed record WhatIfReport(
    DateOnly From, DateOnly To, IReadOnlyList<string>? Regions, int DraftRows,
    long Replayed, long Identical, IReadOnlyList<WhatIfDifference> Differences,
    long Settlements, IReadOnlyList<WhatIfFundLine> Funds, IReadOnlyList<WhatIfPatientLine> Patients,
    IReadOnlyList<decimal> CashChangeDeciles, IReadOnlyList<WhatIfCase> Largest, long CrossingCount, IReadOnlyList<WhatIfCase> Crossings,
    double Seconds)
{
    /// <summary>How many differences a report lists (all are counted).</summary>
    public const int MaxDifferences = 200;

    /// <summary>How many crossing cases a report lists (all are counted).</summary>
    public const int MaxCrossings = 1000;

    /// <summary>How many cases of the largest change a report lists.</summary>
    public const int LargestCount = 20;

    public decimal FundBefore => Funds.Sum(f => f.Before);
    public decimal FundAfter => Funds.Sum(f => f.After);
}
