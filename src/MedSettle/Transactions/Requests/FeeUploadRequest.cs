using MedSettle.Engine;

namespace MedSettle.Transactions.Requests;

/// <summary>
/// 2204 门诊费用明细上传 and 2301 住院费用明细上传: input.feedetail, lines of one visit and one person. Money may come as a
/// number or as text. A refund line (负数量) names the line it offsets in init_feedetl_sn.
/// </summary>
public sealed record FeeUploadRequest(string MdtrtId, string PsnNo, IReadOnlyList<FeeLine> Lines) : IPersonRequest
{
    public static FeeUploadRequest Read(Input input)
    {
        var items = input.Array("feedetail");
        var lines = items.Select(FeeLine.Read).ToList();
        var mdtrtId = items[0].Text("mdtrt_id");
        var psnNo = items[0].Text("psn_no");
        foreach (var item in items)
        {
            if (item.Text("mdtrt_id") != mdtrtId)
                throw new Refusal($"{item.Path}.mdtrt_id 与第一条明细不同：一次上传的明细须属于同一就诊") { Field = item.Field("mdtrt_id") };
            if (item.Text("psn_no") != psnNo)
                throw new Refusal($"{item.Path}.psn_no 与第一条明细不同：一次上传的明细须属于同一人员") { Field = item.Field("psn_no") };
        }
        var repeated = lines.GroupBy(l => l.FeedetlSn).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (repeated.Count > 0) throw new Refusal($"本次上传中费用明细流水号重复：{string.Join("、", repeated)}");
        return new FeeUploadRequest(mdtrtId, psnNo, lines);
    }
}

/// <summary>
/// One line of a fee upload: its charge batch ("0" when none is sent), its catalogue code and the hospital's own (the
/// catalogue's when none is sent), and when it occurred (null when not sent: the upload's time). A line that carries only
/// the hospital's own code (<see cref="Code"/> null) is graded through the hospital's item mapping (3301) in force when it
/// occurred (<see cref="Transactions.ItemMappings"/>).
/// </summary>
public sealed record FeeLine(string FeedetlSn, string ChrgBchno, string? Code, string MedinsCode, decimal Price, decimal Count, decimal Amount,
    DateTime? OccurredAt, string? InitFeedetlSn, string? ApprovalFlag = null, string? ApprovalReason = null)
{
    /// <summary>The longest approval reason kept (the line's memo), in characters.</summary>
    public const int MaxApprovalReasonLength = 200;

    public static FeeLine Read(Input item)
    {
        var count = item.Decimal("cnt");
        var price = item.Decimal("pric");
        var amount = item.Decimal("det_item_fee_sumamt");
        var sn = item.Text("feedetl_sn");
        // A refund (负数量) names the line it offsets; without that a negative count is refused as before.
        var init = count < 0 ? item.OptionalText("init_feedetl_sn") : null;
        if (count == 0 || (count < 0 && init is null))
            throw new Refusal($"明细 {sn}：数量 {count} 必须大于0（退费请撤销明细后重新上传，或上传负数量的退费明细并以 init_feedetl_sn 指明原明细流水号）");
        if (init == sn) throw new Refusal($"明细 {sn}：退费明细的 init_feedetl_sn 应为原明细的流水号，不能是本条");
        if (price < 0) throw new Refusal($"明细 {sn}：单价 {price} 不能为负数");
        if (!Money.HasAtMostTwoPlaces(amount)) throw new Refusal($"明细 {sn}：金额 {amount} 最多两位小数");
        var code = item.OptionalText("med_list_codg");
        var medinsCode = item.OptionalText("medins_list_codg") ?? code
            ?? throw new Refusal($"缺少必填字段 {item.Path}.med_list_codg（医保目录编码；或只传医疗机构目录编码 medins_list_codg，按本院的目录对照（3301）计算）")
                { Code = RefusalCode.FieldMissing, Field = item.Field("med_list_codg"), Kind = FieldKind.Text };
        return new FeeLine(sn, item.OptionalText("chrg_bchno") ?? "0", code, medinsCode,
            price, count, amount, item.OptionalTime("fee_ocur_time"), init, item.OptionalText("hosp_appr_flag"), ApprovalReasonOf(item));
    }

    /// <summary>The hospital's reason for approving the line: its memo (or hosp_appr_memo, which some clients send), cut to its longest.</summary>
    private static string? ApprovalReasonOf(Input item)
    {
        var reason = item.OptionalText("memo", "hosp_appr_memo")?.Trim();
        return string.IsNullOrEmpty(reason) ? null : reason.Length > MaxApprovalReasonLength ? reason[..MaxApprovalReasonLength] : reason;
    }
}
