using System.Globalization;
using MedSettle.Engine;
using MedSettle.Storage;

namespace MedSettle.WhatIf;

/// <summary>Where a settlement left one supplementary fund: the band its year's base ended in (−1: not past the threshold) and whether the cap held it back.</summary>
public readonly record struct FundPosition(int Band, bool CapReached);

/// <summary>
/// What a replay computed for one stored row (a settlement, or a reversal: the replayed settlement's amounts negated), in
/// fen, as <see cref="Transactions.Settle"/> would have stored them; and where the settlement stood against the caps and
/// bands. <see cref="Problem"/> says why a row could not be settled at all (no policy in force), its amounts then 0.
/// </summary>
public readonly record struct Replayed(
    long ActPayDedc, long DedcAdded, long CapLeft, long Hifp, long FundPay, long PsnPart, long AcctPay, long PsnCash, long Balc,
    long HifobPay, long HifmiPay, long MafPay, long? HifobBase, long? HifmiBase, long? MafBase,
    long? HifobCapLeft, long? HifmiCapLeft, long? MafCapLeft,
    string PolicyEffectiveFrom, decimal PoolPropSelfpay,
    bool BasicCapReached = false, FundPosition? Hifob = null, FundPosition? Hifmi = null, FundPosition? Maf = null, string? Problem = null)
{
    /// <summary>Each amount a settlement stores: its field's name, the stored row's value and the replay's (one list for both checks below).</summary>
    private static readonly (string Field, Func<SettlementRow, long?> Stored, Func<Replayed, long?> Replayed)[] Amounts =
    [
        ("act_pay_dedc", s => s.ActPayDedcFen, r => r.ActPayDedc), ("dedc_added", s => s.DedcAddedFen, r => r.DedcAdded),
        ("crt_payb_lmt_amt", s => s.CapLeftFen, r => r.CapLeft), ("hifp_pay", s => s.HifpFen, r => r.Hifp),
        ("fund_pay_sumamt", s => s.FundPayFen, r => r.FundPay), ("psn_part_amt", s => s.PsnPartFen, r => r.PsnPart),
        ("acct_pay", s => s.AcctPayFen, r => r.AcctPay), ("psn_cash_pay", s => s.PsnCashFen, r => r.PsnCash), ("balc", s => s.BalcFen, r => r.Balc),
        ("hifob_pay", s => s.HifobFen, r => r.HifobPay), ("hifmi_pay", s => s.HifmiFen, r => r.HifmiPay), ("maf_pay", s => s.MafFen, r => r.MafPay),
        ("hifob_base", s => s.HifobBaseFen, r => r.HifobBase), ("hifmi_base", s => s.HifmiBaseFen, r => r.HifmiBase),
        ("maf_base", s => s.MafBaseFen, r => r.MafBase), ("hifob_cap_left", s => s.HifobCapLeftFen, r => r.HifobCapLeft),
        ("hifmi_cap_left", s => s.HifmiCapLeftFen, r => r.HifmiCapLeft), ("maf_cap_left", s => s.MafCapLeftFen, r => r.MafCapLeft),
    ];

    /// <summary>Whether the replay gives every amount of the stored row, its policy version and ratio (without allocating: called on every row).</summary>
    public bool Reproduces(SettlementRow s)
    {
        if (Problem is not null || s.PolicyEffectiveFrom != PolicyEffectiveFrom
            || decimal.Parse(s.PoolPropSelfpay, CultureInfo.InvariantCulture) != PoolPropSelfpay) return false;
        foreach (var (_, stored, replayed) in Amounts)
            if (stored(s) != replayed(this)) return false;
        return true;
    }

    /// <summary>What the replay disagrees with the stored row on: each field's name, stored value and replayed value.</summary>
    public IEnumerable<(string Field, string Stored, string Replayed)> DifferencesFrom(SettlementRow s)
    {
        if (Problem is not null)
        {
            yield return ("policy", s.PolicyEffectiveFrom, Problem);
            yield break;
        }
        static string Fen(long? fen) => fen is { } f ? Money.FromFen(f).ToString("0.00", CultureInfo.InvariantCulture) : "null";
        foreach (var (field, stored, replayed) in Amounts)
            if (stored(s) != replayed(this)) yield return (field, Fen(stored(s)), Fen(replayed(this)));
        if (s.PolicyEffectiveFrom != PolicyEffectiveFrom) yield return ("policy_effective_from", s.PolicyEffectiveFrom, PolicyEffectiveFrom);
        if (decimal.Parse(s.PoolPropSelfpay, CultureInfo.InvariantCulture) != PoolPropSelfpay)
            yield return ("pool_prop_selfpay", s.PoolPropSelfpay, PoolPropSelfpay.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>The reversal of this settlement as <see cref="Transactions.Settle.ReverseAsync(Transactions.TransactionContext, SettlementRow, string?)"/> writes it, with its own balance after.</summary>
    public Replayed Negated(long balc) => this with
    {
        ActPayDedc = -ActPayDedc, DedcAdded = -DedcAdded, Hifp = -Hifp, FundPay = -FundPay, PsnPart = -PsnPart, AcctPay = -AcctPay, PsnCash = -PsnCash,
        Balc = balc, HifobPay = -HifobPay, HifmiPay = -HifmiPay, MafPay = -MafPay, HifobBase = -HifobBase, HifmiBase = -HifmiBase, MafBase = -MafBase,
    };
}

/// <summary>
/// Re-settles a history row by row, in the order it was written, under one <see cref="PolicyBook"/> (docs/WHATIF.md). It
/// keeps what settling keeps — each person's year (fund paid, deductible used, every supplementary fund's base and pay),
/// each visit's deductible met by its standing settlements (mid-stay and batch ones), and how far the person's account
/// stands from the stored one — and settles each row with the engine, from the row's own graded bill. A reversal takes
/// back exactly what the replayed settlement moved. Pure: it reads and writes nothing but its own state.
/// </summary>
public sealed class HistoryReplay(PolicyBook book, IReadOnlyDictionary<string, long> hospitalLevels, IReadOnlyDictionary<(string PsnNo, string Insutype), string> assistance)
{
    private sealed class Year
    {
        public long Hifp, DedcOutpatient, DedcInpatient, HifobBase, HifobPaid, HifmiBase, HifmiPaid, MafBase, MafPaid;

        public void Add(in Replayed r, bool inpatient, int sign)
        {
            Hifp += sign * r.Hifp;
            if (inpatient) DedcInpatient += sign * r.DedcAdded;
            else DedcOutpatient += sign * r.DedcAdded;
            HifobBase += sign * (r.HifobBase ?? 0);
            HifobPaid += sign * r.HifobPay;
            HifmiBase += sign * (r.HifmiBase ?? 0);
            HifmiPaid += sign * r.HifmiPay;
            MafBase += sign * (r.MafBase ?? 0);
            MafPaid += sign * r.MafPay;
        }
    }

    private readonly Dictionary<(string Region, string PsnNo, string Insutype, long Year), Year> _years = [];
    private readonly Dictionary<string, long> _visitDeductible = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Region, string PsnNo, string Insutype), long> _accountOffset = [];
    private readonly Dictionary<string, Replayed> _standingUntilReversed = new(StringComparer.Ordinal);

    /// <summary>Replays one stored row (settlement or reversal) whose visit began on <paramref name="visitDay"/>.</summary>
    public Replayed Replay(SettlementRow s, DateOnly visitDay) => s.Kind == "reversal" ? Reverse(s) : Settle(s, visitDay);

    private Year YearOf(SettlementRow s)
    {
        var key = (s.InsuplcAdmdvs, s.PsnNo, s.Insutype, s.Year);
        if (!_years.TryGetValue(key, out var year)) _years[key] = year = new Year();
        return year;
    }

    private Replayed Settle(SettlementRow s, DateOnly visitDay)
    {
        var inpatient = s.ClrType == "21";
        var category = inpatient ? CareCategory.Inpatient : CareCategory.EmergencyOutpatient;
        var policy = hospitalLevels.TryGetValue(s.FixmedinsCode, out var level) ? book.PolicyOn(s.InsuplcAdmdvs, s.Insutype, category, level, visitDay) : null;
        if (policy is null)
            return new Replayed(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, null, null, null, null, null, null, "", 0m,
                Problem: $"no {category.Code()} policy of {s.InsuplcAdmdvs}/{s.Insutype} for hospital level {(level == 0 ? "?" : level)} in force on {visitDay.ToText()}");

        var year = YearOf(s);
        var person = (s.InsuplcAdmdvs, s.PsnNo, s.Insutype);
        var offset = _accountOffset.GetValueOrDefault(person);
        var employee = s.Insutype == "310";
        // the balance before, as stored (after plus what the account paid), moved by what this replay has paid differently so far
        var balance = employee ? s.BalcFen + s.AcctPayFen + offset : 0;
        var (hifobRule, hifmiRule, mafRule) = book.RulesOn(s.InsuplcAdmdvs, s.Insutype, assistance.GetValueOrDefault((s.PsnNo, s.Insutype)), visitDay);
        var cover = hifobRule is null && hifmiRule is null && mafRule is null
            ? SupplementaryCover.None
            : new SupplementaryCover(hifobRule, new FundYear(Money.FromFen(year.HifobBase), Money.FromFen(year.HifobPaid)),
                hifmiRule, new FundYear(Money.FromFen(year.HifmiBase), Money.FromFen(year.HifmiPaid)),
                mafRule, new FundYear(Money.FromFen(year.MafBase), Money.FromFen(year.MafPaid)));
        var bill = new BillTotals(Money.FromFen(s.MedfeeFen), Money.FromFen(s.FulamtOwnpayFen), Money.FromFen(s.OverlmtFen),
            Money.FromFen(s.PreselfpayFen), Money.FromFen(s.InscpFen));
        var result = Engine.Settlement.Compute(bill, policy,
            new Accumulated(Money.FromFen(year.Hifp), Money.FromFen(inpatient ? year.DedcInpatient : year.DedcOutpatient),
                Money.FromFen(_visitDeductible.GetValueOrDefault(s.MdtrtId))),
            new PersonalAccount(employee, s.AcctUsedFlag == "1", Money.FromFen(balance)),
            cover);

        var replayed = new Replayed(
            Money.ToFen(result.ActPayDedc), Money.ToFen(result.Effect.DeductibleUsed), Money.ToFen(result.CapLeft), Money.ToFen(result.HifpPay),
            Money.ToFen(result.FundPaySumamt), Money.ToFen(result.PsnPartAmt), Money.ToFen(result.AcctPay), Money.ToFen(result.PsnCashPay),
            Money.ToFen(result.Balc),
            Fen(result.Hifob?.Pay), Fen(result.Hifmi?.Pay), Fen(result.Maf?.Pay),
            FenOrNull(result.Hifob?.Base), FenOrNull(result.Hifmi?.Base), FenOrNull(result.Maf?.Base),
            FenOrNull(result.Hifob?.CapLeft), FenOrNull(result.Hifmi?.CapLeft), FenOrNull(result.Maf?.CapLeft),
            policy.EffectiveFrom.ToText(), result.PoolPropSelfpay,
            BasicCapReached: result.HifpPay < Money.Round(result.Reimbursable * policy.Ratio),
            Hifob: PositionOf(hifobRule, year.HifobBase, result.Hifob),
            Hifmi: PositionOf(hifmiRule, year.HifmiBase, result.Hifmi),
            Maf: PositionOf(mafRule, year.MafBase, result.Maf));

        year.Add(replayed, inpatient, +1);
        if (replayed.ActPayDedc != 0) _visitDeductible[s.MdtrtId] = _visitDeductible.GetValueOrDefault(s.MdtrtId) + replayed.ActPayDedc;
        if (employee && s.AcctPayFen != replayed.AcctPay) _accountOffset[person] = offset + s.AcctPayFen - replayed.AcctPay;
        if (s.ReversedBy is not null) _standingUntilReversed[s.SetlId] = replayed;
        return replayed;

        static long Fen(decimal? amount) => amount is { } a ? Money.ToFen(a) : 0;
        static long? FenOrNull(decimal? amount) => amount is { } a ? Money.ToFen(a) : null;
    }

    private Replayed Reverse(SettlementRow s)
    {
        if (s.OrigSetlId is not { } original || !_standingUntilReversed.Remove(original, out var settled))
            return new Replayed(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, null, null, null, null, null, null, "", 0m,
                Problem: $"the settlement it reverses ({s.OrigSetlId}) is not in the replayed history");
        if (settled.Problem is not null) return settled;
        var inpatient = s.ClrType == "21";
        YearOf(s).Add(settled, inpatient, -1);
        if (settled.ActPayDedc != 0) _visitDeductible[s.MdtrtId] = _visitDeductible.GetValueOrDefault(s.MdtrtId) - settled.ActPayDedc;
        var person = (s.InsuplcAdmdvs, s.PsnNo, s.Insutype);
        var offset = _accountOffset.GetValueOrDefault(person);
        // the reversal gives back what the replayed settlement took (its stored row: what the stored one took)
        if (s.AcctPayFen != -settled.AcctPay) _accountOffset[person] = offset += s.AcctPayFen + settled.AcctPay;
        return settled.Negated(s.BalcFen + offset);
    }

    /// <summary>Where the year's base ended up against the rule's threshold and bands, and whether the cap held the pay back.</summary>
    private static FundPosition? PositionOf(SupplementaryRule? rule, long yearBaseFen, FundShare? share)
    {
        if (rule is null || share is not { } s) return null;
        var before = Money.FromFen(yearBaseFen);
        var end = before + s.Base;
        var band = -1;
        if (end > rule.Threshold)
            for (band = 0; band < rule.Bands.Count - 1 && rule.Bands[band].Upto is { } upto && end > upto; band++) { }
        return new FundPosition(band, rule.BandedPay(before, s.Base) > s.CapLeft);
    }
}
