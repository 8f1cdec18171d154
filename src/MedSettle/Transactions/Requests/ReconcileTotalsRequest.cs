namespace MedSettle.Transactions.Requests;

/// <summary>
/// 3201 医药机构费用结算对总账, from input.data or its fields directly in input: the scope (scheme, clearing type 11 or 21,
/// home region, period) and the hospital's totals for it. Money may come as a number or as text.
/// </summary>
public sealed record ReconcileTotalsRequest(string Insutype, string ClrType, string SetlOptins, StatementPeriod Period,
    decimal MedfeeSumamt, decimal FundPaySumamt, decimal AcctPay, long FixmedinsSetlCnt)
{
    public static ReconcileTotalsRequest Read(Input input)
    {
        var data = input.Node("data", orSelf: true);
        var insutype = data.Text("insutype");
        var clrType = data.Text("clr_type");
        if (clrType is not ("11" or "21")) throw new Refusal($"清算类别 clr_type “{clrType}” 应为 11（门诊）或 21（住院）");
        var setlOptins = data.Text("setl_optins");
        var period = StatementPeriod.Read(data);
        var medfee = data.Decimal("medfee_sumamt");
        var fund = data.Decimal("fund_pay_sumamt");
        var acct = data.Decimal("acct_pay");
        return new ReconcileTotalsRequest(insutype, clrType, setlOptins, period, medfee, fund, acct, data.Count("fixmedins_setl_cnt"));
    }
}
