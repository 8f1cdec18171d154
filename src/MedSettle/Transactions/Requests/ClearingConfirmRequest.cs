namespace MedSettle.Transactions.Requests;

/// <summary>
/// 3261 异地清分结果确认, from input.data or its fields directly in input: the month (its first day) and, in detail[], each
/// settlement (setl_sn, once) confirmed (cnfm_flag 1) or disputed (0), with a memo if any.
/// </summary>
public sealed record ClearingConfirmRequest(DateOnly Month, IReadOnlyList<ClearingAnswer> Answers)
{
    public static ClearingConfirmRequest Read(Input input)
    {
        var data = input.Node("data", orSelf: true);
        var month = ClearingMonth.Read(data);
        var answers = data.Array("detail").Select(d =>
        {
            var flag = d.Text("cnfm_flag");
            if (flag is not ("0" or "1")) throw new Refusal($"{d.Path}.cnfm_flag “{flag}” 应为 1（确认）或 0（有异议）");
            return new ClearingAnswer(d.Text("setl_sn"), flag, d.OptionalText("memo"));
        }).ToList();
        if (answers.Select(a => a.SetlId).Distinct().Count() != answers.Count) throw new Refusal("确认明细中 setl_sn 重复");
        return new ClearingConfirmRequest(month, answers);
    }
}

/// <summary>One settlement of a 3261: its setl_sn, cnfm_flag (1 确认, 0 有异议) and memo.</summary>
public sealed record ClearingAnswer(string SetlId, string Flag, string? Memo);
