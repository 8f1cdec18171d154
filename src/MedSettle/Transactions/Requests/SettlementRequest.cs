namespace MedSettle.Transactions.Requests;

/// <summary>
/// 2206/2207 (outpatient) and 2303/2304 (inpatient) pre-settlement and settlement, from input.data or its fields directly in
/// input. An optional field not sent (or sent empty or null) stays null, and means: insutype and med_type the visit's,
/// mid_setl_flag and acct_used_flag "0", chrg_bchno the whole open bill (as "0000" does). psn_setlway and the self-pay
/// breakdown (fulamt_ownpay_amt, overlmt_selfpay, preselfpay_amt, inscp_scp_amt, which the national 2207/2304 carry) are
/// kept as sent only to say in warn_msg that they are not acted on: the platform settles by item and computes the
/// breakdown itself.
/// </summary>
public sealed record SettlementRequest(VisitKind Kind, string Path, string MdtrtId, string PsnNo, string? Insutype, string? MedType,
    string? MidSetlFlag, string? ChrgBchno, decimal MedfeeSumamt, string? AcctUsedFlag, InputField MidSetlFlagField, InputField MedfeeSumamtField,
    string? PsnSetlway = null, string? FulamtOwnpayAmt = null, string? OverlmtSelfpay = null, string? PreselfpayAmt = null, string? InscpScpAmt = null)
    : IPersonRequest
{
    /// <summary>The chrg_bchno that asks for every batch (as in 2205).</summary>
    public const string AllBatches = "0000";

    /// <summary>The one psn_setlway (结算方式) the platform settles by: 01 按项目结算 (02 is 按定额结算).</summary>
    public const string ByItem = "01";

    public static SettlementRequest Read(Input input, VisitKind kind)
    {
        var data = input.Node("data", orSelf: true);
        var mdtrtId = data.Text("mdtrt_id");
        var psnNo = data.Text("psn_no");
        var insutype = data.OptionalText("insutype");
        var medType = data.OptionalText("med_type");
        var midSetlFlag = data.OptionalText("mid_setl_flag");
        var chrgBchno = data.OptionalText("chrg_bchno");
        var medfeeSumamt = data.Decimal("medfee_sumamt");
        var acctUsedFlag = data.OptionalText("acct_used_flag");
        return new SettlementRequest(kind, data.Path, mdtrtId, psnNo, insutype, medType, midSetlFlag, chrgBchno, medfeeSumamt, acctUsedFlag,
            data.Field("mid_setl_flag"), data.Field("medfee_sumamt"), data.IgnoredText("psn_setlway"), data.IgnoredText("fulamt_ownpay_amt"),
            data.IgnoredText("overlmt_selfpay"), data.IgnoredText("preselfpay_amt"), data.IgnoredText("inscp_scp_amt"));
    }

    /// <summary>The self-pay breakdown the client sent (field name and value as sent), in the national order; empty when none was.</summary>
    public IReadOnlyList<(string Field, string Value)> SelfPayBreakdown =>
        new[] { ("fulamt_ownpay_amt", FulamtOwnpayAmt), ("overlmt_selfpay", OverlmtSelfpay), ("preselfpay_amt", PreselfpayAmt), ("inscp_scp_amt", InscpScpAmt) }
            .Where(f => f.Item2 is not null).Select(f => (f.Item1, f.Item2!)).ToList();

    /// <summary>
    /// The charge batch (chrg_bchno) a 2206/2207 asks to settle alone, or null for the whole open bill: when none is sent, or
    /// "0000" (every batch, as in 2205). An admission (2303/2304) is settled by its bill, mid-stay or final, never by batch.
    /// </summary>
    public string? Batch => Kind == VisitKind.Outpatient && ChrgBchno is { } batch && batch != AllBatches ? batch : null;

    /// <summary>An admission's mid-stay settlement (mid_setl_flag 1); an outpatient settlement is never one.</summary>
    public bool MidStay => Kind == VisitKind.Inpatient && MidSetlFlag == "1";

    /// <summary>Whether the personal account is asked to pay (acct_used_flag 1).</summary>
    public bool UsesAccount => AcctUsedFlag == "1";
}
