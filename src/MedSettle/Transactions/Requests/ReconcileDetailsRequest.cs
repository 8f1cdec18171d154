using System.Text.Json;

namespace MedSettle.Transactions.Requests;

/// <summary>
/// 3202 医药机构费用结算对明细账, from input.data or its fields directly in input: the period, optionally narrowed (home region,
/// clearing type, scheme), and the hospital's rows, either inline (<see cref="Details"/>, from details[]) or as a file
/// uploaded with 9101 (<see cref="FileQuryNo"/>), never both.
/// </summary>
public sealed record ReconcileDetailsRequest(StatementPeriod Period, string? SetlOptins, string? ClrType, string? Insutype, string? FileQuryNo,
    IReadOnlyList<ReconcileDetail>? Details)
{
    public static ReconcileDetailsRequest Read(Input input)
    {
        var data = input.Node("data", orSelf: true);
        var period = StatementPeriod.Read(data);
        var setlOptins = data.OptionalText("setl_optins");
        var clrType = data.OptionalText("clr_type");
        var insutype = data.OptionalText("insutype");
        var fileQuryNo = data.OptionalText("file_qury_no");
        var inline = data.Element.ValueKind == JsonValueKind.Object && data.Element.TryGetProperty("details", out var node) && node.ValueKind != JsonValueKind.Null;
        if (fileQuryNo is not null && inline)
            throw new Refusal($"{data.Path} 同时给出了 file_qury_no 与 details：明细请只用一种方式提供（9101 上传的明细文件，或 details 数组）");
        return new ReconcileDetailsRequest(period, setlOptins, clrType, insutype, fileQuryNo, fileQuryNo is null ? ReadDetails(data) : null);
    }

    private static List<ReconcileDetail> ReadDetails(Input data)
    {
        if (data.Element.ValueKind != JsonValueKind.Object || !data.Element.TryGetProperty("details", out var node) || node.ValueKind != JsonValueKind.Array)
            throw new Refusal($"缺少输入节点 {data.Path}.details（医院的结算明细数组，可为空数组），或明细文件的文件查询号 {data.Path}.file_qury_no（先用 9101 上传）");
        var details = new List<ReconcileDetail>();
        var index = 0;
        foreach (var item in node.EnumerateArray())
        {
            var row = new Input(item, $"{data.Path}.details[{index++}]");
            details.Add(new ReconcileDetail(row.Text("setl_id"), row.OptionalText("mdtrt_id") ?? "", row.OptionalText("psn_no") ?? "",
                row.Decimal("medfee_sumamt"), row.Decimal("fund_pay_sumamt"), row.OptionalDecimal("acct_pay") ?? 0m,
                row.OptionalText("refd_setl_flag") ?? "0"));
        }
        return details;
    }
}

/// <summary>One of the hospital's settlements in a 3202, inline or from its detail file: a missing acct_pay is 0, a missing refd_setl_flag "0".</summary>
public sealed record ReconcileDetail(string SetlId, string MdtrtId, string PsnNo, decimal Medfee, decimal Fund, decimal Acct, string RefdSetlFlag);
