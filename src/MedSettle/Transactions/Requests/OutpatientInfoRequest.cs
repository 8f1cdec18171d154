using MedSettle.Engine;

namespace MedSettle.Transactions.Requests;

/// <summary>
/// 2203 门诊就诊信息上传, from input.mdtrtinfo or its fields directly in input: the visit's medical category (13, 急诊, the only
/// one served) and, optionally, its diagnosis (dise_codg, or dise_code; an ICD-10 code) and its name.
/// </summary>
public sealed record OutpatientInfoRequest(string MdtrtId, string PsnNo, string MedType, string? DiseCodg, string? DiseName) : IPersonRequest
{
    public static OutpatientInfoRequest Read(Input input)
    {
        var info = input.Node("mdtrtinfo", orSelf: true);
        var mdtrtId = info.Text("mdtrt_id");
        var psnNo = info.Text("psn_no");
        var medType = info.Text("med_type");
        if (medType != CareCategories.EmergencyMedType)
            throw Visits.MedTypeRefusal(medType, "门诊就诊的医疗类别应为 13（急诊）");
        var diseCodg = info.OptionalText("dise_codg", "dise_code");
        if (diseCodg is not null && !Filing.IsIcd10Code(diseCodg))
            throw new Refusal($"诊断编码“{diseCodg}”不是有效的ICD-10编码（应如 J18.9、I21.0、S06）");
        return new OutpatientInfoRequest(mdtrtId, psnNo, medType, diseCodg, info.OptionalText("dise_name"));
    }
}
