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
    /// <summary>Each amount a settlement stores, by the name a difference is listed under: the order of <see cref="StoredAmounts"/> and <see cref="ReplayedAmounts"/>.</summary>
    private static readonly string[] AmountFields =
    [
        "act_pay_dedc", "dedc_added", "crt_payb_lmt_amt", "hifp_pay", "fund_pay_sumamt", "psn_part_amt", "acct_pay", "psn_cash_pay", "balc",
        "hifob_pay", "hifmi_pay", "maf_pay", "hifob_base", "hifmi_base", "maf_base", "hifob_cap_left", "hifmi_cap_left", "maf_cap_left",
    ];

    private const int AmountCount = 18;

    private static void StoredAmounts(HistoryRow s, Span<long?> into)
    {
        into[0] = s.ActPayDedcFen; into[1] = s.DedcAddedFen; into[2] = s.CapLeftFen; into[3] = s.HifpFen; into[4] = s.FundPayFen;
        into[5] = s.PsnPartFen; into[6] = s.AcctPayFen; into[7] = s.PsnCashFen; into[8] = s.BalcFen;
        into[9] = s.HifobFen; into[10] = s.HifmiFen; into[11] = s.MafFen; into[12] = s.HifobBaseFen; into[13] = s.HifmiBaseFen; into[14] = s.MafBaseFen;
        into[15] = s.HifobCapLeftFen; into[16] = s.HifmiCapLeftFen; into[17] = s.MafCapLeftFen;
    }

    private void ReplayedAmounts(Span<long?> into)
    {
        into[0] = ActPayDedc; into[1] = DedcAdded; into[2] = CapLeft; into[3] = Hifp; into[4] = FundPay;
        into[5] = PsnPart; into[6] = AcctPay; into[7] = PsnCash; into[8] = Balc;
        into[9] = HifobPay; into[10] = HifmiPay; into[11] = MafPay; into[12] = HifobBase; into[13] = HifmiBase; into[14] = MafBase;
        into[15] = HifobCapLeft; into[16] = HifmiCapLeft; into[17] = MafCapLeft;
    }

    /// <summary>Whether the replay gives every amount of the stored row, its policy version and ratio (without allocating: called on every row).</summary>
    public bool Reproduces(HistoryRow s)
    {
        if (Problem is not null || s.PolicyEffectiveFrom != PolicyEffectiveFrom || s.PoolPropSelfpay != PoolPropSelfpay) return false;
        Span<long?> stored = stackalloc long?[AmountCount], replayed = stackalloc long?[AmountCount];
        StoredAmounts(s, stored);
        ReplayedAmounts(replayed);
        return stored.SequenceEqual(replayed);
    }

    /// <summary>What the replay disagrees with the stored row on: each field's name, stored value and replayed value.</summary>
    public IEnumerable<(string Field, string Stored, string Replayed)> DifferencesFrom(HistoryRow s)
    {
        if (Problem is not null)
        {
            yield return ("policy", s.PolicyEffectiveFrom, Problem);
            yield break;
        }
        static string Fen(long? fen) => fen is { } f ? Money.FromFen(f).ToString("0.00", CultureInfo.InvariantCulture) : "null";
        var stored = new long?[AmountCount];
        var replayed = new long?[AmountCount];
        StoredAmounts(s, stored);
        ReplayedAmounts(replayed);
        for (var i = 0; i < AmountCount; i++)
            if (stored[i] != replayed[i]) yield return (AmountFields[i], Fen(stored[i]), Fen(replayed[i]));
        if (s.PolicyEffectiveFrom != PolicyEffectiveFrom) yield return ("policy_effective_from", s.PolicyEffectiveFrom, PolicyEffectiveFrom);
        if (s.PoolPropSelfpay != PoolPropSelfpay)
            yield return ("pool_prop_selfpay", s.PoolPropSelfpay.ToString(CultureInfo.InvariantCulture), PoolPropSelfpay.ToString(CultureInfo.InvariantCulture));
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
/// back exactly what the replayed settlement moved. Pure: it reads and writes nothing but its own state, which it keeps
/// by the indexes <see cref="HistoryRow.Reader"/> gives each person and scheme (a replay touches it on every row).
/// </summary>
public sealed class HistoryReplay(PolicyBook book)
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

    /// <summary>
    /// A person's years (the current one at hand, earlier ones kept aside), how far their account stands from the stored
    /// one, and the deductible their open visits' standing settlements have met (latest last). Only mid-stay and batch
    /// settlements count there: a final one closes its visit, which is settled again only once that one is reversed, so
    /// what it met is never read (and a history's visits, nearly all settled once, keep nothing).
    /// </summary>
    private sealed class Person
    {
        public long AccountOffset;
        public long YearNumber;
        public Year? Year;
        public Dictionary<long, Year>? OtherYears;
        public List<(string MdtrtId, long Met)>? VisitDeductibles;

        public long VisitDeductible(HistoryRow s)
        {
            if (VisitDeductibles is { } visits)
                for (var i = visits.Count - 1; i >= 0; i--)
                    if (visits[i].MdtrtId == s.MdtrtId) return visits[i].Met;
            return 0;
        }

        public void AddVisitDeductible(string mdtrtId, long fen)
        {
            var visits = VisitDeductibles ??= [];
            for (var i = visits.Count - 1; i >= 0; i--)
                if (visits[i].MdtrtId == mdtrtId)
                {
                    visits[i] = (mdtrtId, visits[i].Met + fen);
                    return;
                }
            visits.Add((mdtrtId, fen));
        }
    }

    private Person?[] _people = new Person?[1024];
    // the policy and the supplementary rules in force, found once per scheme, key and day (the keys packed into a long, see Key)
    private readonly Dictionary<long, (Policy? Policy, string EffectiveFrom)> _policies = [];
    private readonly Dictionary<long, (SupplementaryRule? Hifob, SupplementaryRule? Hifmi, SupplementaryRule? Maf)> _rules = [];
    private readonly Dictionary<string, (Replayed Settled, bool ClosedVisit)> _standingUntilReversed = new(StringComparer.Ordinal);

    /// <summary>A scheme's index, a small number (category, hospital level or assistance class) and a day, as one dictionary key.</summary>
    private static long Key(int scheme, long small, DateOnly day) => ((long)scheme << 40) | ((small & 0xFFFF) << 24) | (uint)day.DayNumber;

    /// <summary>Replays one stored row (settlement or reversal).</summary>
    public Replayed Replay(HistoryRow s) => s.IsReversal ? Reverse(s) : Settle(s);

    private Person PersonOf(Enrolment enrolment)
    {
        if (enrolment.Index >= _people.Length) Array.Resize(ref _people, Math.Max(_people.Length * 2, enrolment.Index + 1));
        return _people[enrolment.Index] ??= new Person();
    }

    private static Year YearOf(Person person, long number)
    {
        if (person.Year is { } current && person.YearNumber == number) return current;
        if (person.Year is not null) (person.OtherYears ??= [])[person.YearNumber] = person.Year;
        person.YearNumber = number;
        return person.Year = person.OtherYears?.GetValueOrDefault(number) ?? new Year();
    }

    private (Policy? Policy, string EffectiveFrom) PolicyOn(HistoryRow s, CareCategory category, DateOnly day)
    {
        var scheme = s.Enrolment.Scheme;
        var key = Key(scheme.Index, ((long)category << 8) | ((s.Hospital.Level ?? 255) & 0xFF), day);
        if (_policies.TryGetValue(key, out var found)) return found;
        var policy = s.Hospital.Level is { } level ? book.PolicyOn(scheme.Region, scheme.Insutype, category, level, day) : null;
        return _policies[key] = (policy, policy?.EffectiveFrom.ToText() ?? "");
    }

    private (SupplementaryRule? Hifob, SupplementaryRule? Hifmi, SupplementaryRule? Maf) RulesOn(HistoryRow s, DateOnly day)
    {
        var enrolment = s.Enrolment;
        var key = Key(enrolment.Scheme.Index, enrolment.AssistanceClass, day);
        if (_rules.TryGetValue(key, out var found)) return found;
        return _rules[key] = book.RulesOn(enrolment.Scheme.Region, enrolment.Scheme.Insutype, enrolment.Assistance, day);
    }

    private Replayed Settle(HistoryRow s)
    {
        var inpatient = s.Inpatient;
        var category = inpatient ? CareCategory.Inpatient : CareCategory.EmergencyOutpatient;
        if (s.VisitDay is not { } day)
            return new Replayed(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, null, null, null, null, null, null, "", 0m,
                Problem: $"the visit {s.MdtrtId} is not stored, so the day that chose its policy is not known");
        var (policy, effectiveFrom) = PolicyOn(s, category, day);
        if (policy is null)
            return new Replayed(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, null, null, null, null, null, null, "", 0m,
                Problem: $"no {category.Code()} policy of {s.Region}/{s.Insutype} for hospital level {(s.Hospital.Level is { } level and not 0 ? level : "?")} in force on {day.ToText()}");

        var person = PersonOf(s.Enrolment);
        var year = YearOf(person, s.Year);
        var offset = person.AccountOffset;
        var employee = s.Insutype == "310";
        // the balance before, as stored (after plus what the account paid), moved by what this replay has paid differently so far
        var balance = employee ? s.BalcFen + s.AcctPayFen + offset : 0;
        var (hifobRule, hifmiRule, mafRule) = RulesOn(s, day);
        var cover = hifobRule is null && hifmiRule is null && mafRule is null
            ? SupplementaryCover.None
            : new SupplementaryCover(hifobRule, new FundYear(Money.FromFen(year.HifobBase), Money.FromFen(year.HifobPaid)),
                hifmiRule, new FundYear(Money.FromFen(year.HifmiBase), Money.FromFen(year.HifmiPaid)),
                mafRule, new FundYear(Money.FromFen(year.MafBase), Money.FromFen(year.MafPaid)));
        var bill = new BillTotals(Money.FromFen(s.MedfeeFen), Money.FromFen(s.FulamtOwnpayFen), Money.FromFen(s.OverlmtFen),
            Money.FromFen(s.PreselfpayFen), Money.FromFen(s.InscpFen));
        var result = Engine.Settlement.Compute(bill, policy,
            new Accumulated(Money.FromFen(year.Hifp), Money.FromFen(inpatient ? year.DedcInpatient : year.DedcOutpatient),
                Money.FromFen(person.VisitDeductible(s))),
            new PersonalAccount(employee, s.AcctUsed, Money.FromFen(balance)),
            cover);

        var replayed = new Replayed(
            Money.ToFen(result.ActPayDedc), Money.ToFen(result.Effect.DeductibleUsed), Money.ToFen(result.CapLeft), Money.ToFen(result.HifpPay),
            Money.ToFen(result.FundPaySumamt), Money.ToFen(result.PsnPartAmt), Money.ToFen(result.AcctPay), Money.ToFen(result.PsnCashPay),
            Money.ToFen(result.Balc),
            Fen(result.Hifob?.Pay), Fen(result.Hifmi?.Pay), Fen(result.Maf?.Pay),
            FenOrNull(result.Hifob?.Base), FenOrNull(result.Hifmi?.Base), FenOrNull(result.Maf?.Base),
            FenOrNull(result.Hifob?.CapLeft), FenOrNull(result.Hifmi?.CapLeft), FenOrNull(result.Maf?.CapLeft),
            effectiveFrom, result.PoolPropSelfpay,
            BasicCapReached: result.HifpPay < Money.Round(result.Reimbursable * policy.Ratio),
            Hifob: PositionOf(hifobRule, year.HifobBase, result.Hifob),
            Hifmi: PositionOf(hifmiRule, year.HifmiBase, result.Hifmi),
            Maf: PositionOf(mafRule, year.MafBase, result.Maf));

        year.Add(replayed, inpatient, +1);
        if (replayed.ActPayDedc != 0 && !s.ClosesVisit) person.AddVisitDeductible(s.MdtrtId, replayed.ActPayDedc);
        if (employee && s.AcctPayFen != replayed.AcctPay) person.AccountOffset = offset + s.AcctPayFen - replayed.AcctPay;
        if (s.IsReversed) _standingUntilReversed[s.SetlId] = (replayed, s.ClosesVisit);
        return replayed;

        static long Fen(decimal? amount) => amount is { } a ? Money.ToFen(a) : 0;
        static long? FenOrNull(decimal? amount) => amount is { } a ? Money.ToFen(a) : null;
    }

    private Replayed Reverse(HistoryRow s)
    {
        if (s.OrigSetlId is not { } original || !_standingUntilReversed.Remove(original, out var standing))
            return new Replayed(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, null, null, null, null, null, null, "", 0m,
                Problem: $"the settlement it reverses ({s.OrigSetlId}) is not in the replayed history");
        var settled = standing.Settled;
        if (settled.Problem is not null) return settled;
        var person = PersonOf(s.Enrolment);
        YearOf(person, s.Year).Add(settled, s.Inpatient, -1);
        if (settled.ActPayDedc != 0 && !standing.ClosedVisit) person.AddVisitDeductible(s.MdtrtId, -settled.ActPayDedc);
        // the reversal gives back what the replayed settlement took (its stored row: what the stored one took)
        if (s.AcctPayFen != -settled.AcctPay) person.AccountOffset += s.AcctPayFen + settled.AcctPay;
        return settled.Negated(s.BalcFen + person.AccountOffset);
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
