using MedSettle.Engine;

namespace MedSettle.Transactions.Requests;

/// <summary>
/// 2551 异地急诊备案, from input.data or its fields directly in input: the window (enddate, when not sent, the default from
/// begndate) and the diagnosis (dise_codg, or dise_code as some clients name it, and dise_name), both required.
/// </summary>
public sealed record FilingRequest(string PsnNo, string Insutype, DateOnly Begndate, DateOnly Enddate, string DiseCodg, string DiseName,
    string? MainCondDscr, string? Tel) : IPersonRequest
{
    public static FilingRequest Read(Input input)
    {
        var data = input.Node("data", orSelf: true);
        var psnNo = data.Text("psn_no");
        var insutype = data.Text("insutype");
        var begndate = data.Date("begndate");
        var enddate = data.OptionalDate("enddate") ?? Filing.DefaultEndDate(begndate);
        var diseCodg = data.OptionalText("dise_codg", "dise_code") ?? throw new Refusal(Filings.MissingDiagnosisCode);
        var diseName = data.OptionalText("dise_name") ?? throw new Refusal(Filings.MissingDiagnosisName);
        return new FilingRequest(psnNo, insutype, begndate, enddate, diseCodg, diseName, data.OptionalText("main_cond_dscr"), data.OptionalText("tel"));
    }
}
