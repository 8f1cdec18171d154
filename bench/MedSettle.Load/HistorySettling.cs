using MedSettle.Engine;
using MedSettle.Foundation;
using MedSettle.Storage;
using MedSettle.Transactions;

namespace MedSettle.Load;

/// <summary>
/// Settles a <see cref="HistoryPlan"/>'s steps one by one, in time order, exactly as Transactions/Settle would have: the
/// policy in force on the visit's first day for the person's home region, scheme, category and the hospital's level;
/// the supplementary cover of <see cref="Settle.CoverOf"/> over the person's year so far; the visit's deductible met by
/// its standing settlements; the account balance as it stands. Each row is filled as Settle's ToRow fills it (a reversal
/// as its Negated does), and its effects move the person's year and balance as <see cref="SettlementEffects"/> moves them.
/// Also counts how often the caps and bands were reached, to show that the history reaches them.
/// </summary>
public sealed class HistorySettling(HistoryWorld world)
{
    private readonly Dictionary<(int Person, int Year), AccumulatorRow> _years = [];

    /// <summary>The people's years as settling left them.</summary>
    public IEnumerable<(PersonRow Person, int Year, AccumulatorRow Sums)> Years =>
        _years.Select(y => (world.Persons[y.Key.Person], y.Key.Year, y.Value));

    // How many settlements reached what: the basic fund's cap (it paid less than its ratio of the reimbursable), each
    // supplementary fund paying, 大病保险's year past its first band, the account paying, a per-year deductible already met.
    public long BasicCapReached { get; private set; }
    public long HifobPaid { get; private set; }
    public long HifmiPaid { get; private set; }
    public long HifmiPastFirstBand { get; private set; }
    public long MafPaid { get; private set; }
    public long AccountPaid { get; private set; }
    public long YearDeductibleAlreadyMet { get; private set; }

    /// <summary>The step's row, its effects applied; <paramref name="msgid"/> is its message's.</summary>
    public SettlementRow Apply(in HistoryStep step, string msgid)
    {
        var row = step.Kind == HistoryStepKind.Reverse ? Reverse(step, msgid) : Settle(step, msgid);
        var person = world.Persons[step.Visit.Person];
        var effect = SettlementEffects.EffectOf(row);
        var year = YearOf(step.Visit.Person, (int)row.Year);
        year.HifpPaidFen += Money.ToFen(effect.FundPaid);
        if (row.ClrType == "21") year.DedcInpatientFen += Money.ToFen(effect.DeductibleUsed);
        else year.DedcOutpatientFen += Money.ToFen(effect.DeductibleUsed);
        year.HifobBaseFen += Money.ToFen(effect.Hifob.Base);
        year.HifobPaidFen += Money.ToFen(effect.Hifob.Paid);
        year.HifmiBaseFen += Money.ToFen(effect.Hifmi.Base);
        year.HifmiPaidFen += Money.ToFen(effect.Hifmi.Paid);
        year.MafBaseFen += Money.ToFen(effect.Maf.Base);
        year.MafPaidFen += Money.ToFen(effect.Maf.Paid);
        person.AcctBalcFen -= Money.ToFen(effect.AccountSpent);
        return row;
    }

    private AccumulatorRow YearOf(int person, int year)
    {
        if (!_years.TryGetValue((person, year), out var sums)) _years[(person, year)] = sums = new AccumulatorRow();
        return sums;
    }

    private SettlementRow Settle(in HistoryStep step, string msgid)
    {
        var visit = step.Visit;
        var person = world.Persons[visit.Person];
        var hospital = world.Hospitals[visit.Hospital];
        var category = visit.Inpatient ? CareCategory.Inpatient : CareCategory.EmergencyOutpatient;
        var visitDate = DateOnly.FromDateTime(visit.Begin);
        var policy = world.PolicyFor(person, hospital, category, visitDate);
        var accumulated = YearOf(visit.Person, visitDate.Year);
        var b = step.Bill;
        var bill = new BillTotals(Money.FromFen(b.MedfeeFen), Money.FromFen(b.FulamtOwnpayFen), Money.FromFen(b.OverlmtFen),
            Money.FromFen(b.PreselfpayFen), Money.FromFen(b.InscpFen));
        // an employee asks for the account on about half of the settlements; a resident has none to ask for
        var acctUsedFlag = person.Insutype == "310" && (step.Drawn & 1) == 0 ? "1" : "0";
        var cover = MedSettle.Transactions.Settle.CoverOf(person, world.SupplementsOf(person), visitDate, accumulated);
        var r = Engine.Settlement.Compute(
            bill,
            policy,
            new Accumulated(
                Money.FromFen(accumulated.HifpPaidFen),
                Money.FromFen(category == CareCategory.Inpatient ? accumulated.DedcInpatientFen : accumulated.DedcOutpatientFen),
                Money.FromFen(visit.StandingDeductibleFen)),
            new PersonalAccount(person.Insutype == "310", acctUsedFlag == "1", Money.FromFen(person.AcctBalcFen)),
            cover);
        Count(r, policy, cover);

        var row = MedSettle.Transactions.Settle.WithResult(new SettlementRow
        {
            SetlId = step.SetlId,
            Kind = "settle",
            ReversedBy = step.ReversedBy,
            MdtrtId = visit.MdtrtId,
            InsuplcAdmdvs = person.InsuplcAdmdvs,
            MdtrtareaAdmvs = hospital.Admdvs,
            FixmedinsCode = hospital.FixmedinsCode,
            PsnNo = person.PsnNo,
            Insutype = person.Insutype,
            MedType = visit.Inpatient ? "24" : "13",
            ClrType = visit.Inpatient ? "21" : "11",
            MidSetlFlag = step.Kind == HistoryStepKind.MidStay ? "1" : "0",
            AcctUsedFlag = acctUsedFlag,
            Year = visitDate.Year,
            SetlTime = step.Time.ToText(),
            TrtDclaDetlSn = visit.Filing.TrtDclaDetlSn,
            PolicyEffectiveFrom = policy.EffectiveFrom.ToText(),
            Begndate = visitDate.ToText(),
            Msgid = msgid,
            BillNo = step.BillNo,
            ChrgBchno = null,
        }, r);
        visit.StandingDeductibleFen += row.ActPayDedcFen;
        if (row.ReversedBy is not null) visit.Standing = row;
        return row;
    }

    /// <summary>The reversal of the visit's standing settlement: its row negated, at its own time, with the balance after giving back.</summary>
    private SettlementRow Reverse(in HistoryStep step, string msgid)
    {
        var visit = step.Visit;
        var person = world.Persons[visit.Person];
        var s = visit.Standing ?? throw new InvalidOperationException($"{step.SetlId} reverses a settlement of {visit.MdtrtId} that was not written first");
        visit.Standing = null;
        visit.StandingDeductibleFen -= s.ActPayDedcFen;
        return MedSettle.Transactions.Settle.Negated(s, step.SetlId, step.Time.ToText(), msgid) with { BalcFen = person.AcctBalcFen + s.AcctPayFen };
    }

    private void Count(SettlementResult r, Policy policy, SupplementaryCover cover)
    {
        if (r.HifpPay < Money.Round(r.Reimbursable * policy.Ratio)) BasicCapReached++;
        if (r.HifobPay > 0) HifobPaid++;
        if (r.HifmiPay > 0) HifmiPaid++;
        if (cover.Hifmi?.Bands[0].Upto is { } firstBandEnd && r.Hifmi is { } share && cover.HifmiYear.Base + share.Base > firstBandEnd) HifmiPastFirstBand++;
        if (r.MafPay > 0) MafPaid++;
        if (r.AcctPay > 0) AccountPaid++;
        if (policy.DeductibleBasis == DeductibleBasis.PerYear && r.ActPayDedc == 0 && r.Bill.InscpScpAmt > 0) YearDeductibleAlreadyMet++;
    }
}
