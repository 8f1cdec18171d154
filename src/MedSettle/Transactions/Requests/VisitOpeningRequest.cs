using MedSettle.Engine;

namespace MedSettle.Transactions.Requests;

/// <summary>
/// 2201 门诊挂号 (input.data) and 2401 入院办理 (input.mdtrtinfo), or their fields directly in input: who, under which scheme,
/// from when, with the visit's number (2201's ipt_otp_no; 2401's ipt_no, or ipt_otp_no as some clients send it). The
/// diagnosis (dise_codg, or dise_code as some clients name it), department and doctor are optional; where a client sends
/// the department or doctor under another name (adm_dept_name; atddr_name, chfpdr_name) that is read when the first is absent.
/// </summary>
public sealed record VisitOpeningRequest(VisitKind Kind, string MedType, string Number, string PsnNo, string Insutype, DateTime Begntime,
    InputField BegntimeField, string? DiseCodg, string? DiseName, string? DeptName, string? DrName) : IPersonRequest
{
    public static VisitOpeningRequest Read(Input input, VisitKind kind)
    {
        Input data;
        string medType, number;
        if (kind == VisitKind.Outpatient)
        {
            data = input.Node("data", orSelf: true);
            medType = CareCategories.EmergencyMedType;
            number = data.Text("ipt_otp_no");
        }
        else
        {
            data = input.Node("mdtrtinfo", orSelf: true);
            medType = data.OptionalText("med_type") ?? CareCategories.EmergencyAdmissionMedType;
            if (medType != CareCategories.EmergencyAdmissionMedType)
                throw Visits.MedTypeRefusal(medType, "入院办理的医疗类别应为 24（急诊转住院）");
            number = data.OptionalText("ipt_no") ?? data.Text("ipt_otp_no");
        }
        var psnNo = data.Text("psn_no");
        var insutype = data.Text("insutype");
        var begntime = data.Time("begntime");
        return new VisitOpeningRequest(kind, medType, number, psnNo, insutype, begntime, data.Field("begntime"),
            data.OptionalText("dise_codg", "dise_code"), data.OptionalText("dise_name"),
            data.OptionalText("dept_name") ?? data.OptionalText("adm_dept_name"),
            data.OptionalText("dr_name") ?? data.OptionalText("atddr_name") ?? data.OptionalText("chfpdr_name"));
    }
}
