using System.Text.Json;

namespace MedSettle.Transactions;

/// <summary>The header of a request in the national platform's envelope, as a hospital's HIS fills it in.</summary>
public sealed record RequestHeader(
    string Infno, string Msgid, string FixmedinsCode, string FixmedinsName, string MdtrtareaAdmvs, string InsuplcAdmdvs,
    string Opter, string OpterName, DateTime InfTime, string SignNo = "");

/// <summary>Writes a whole request — the header and its <c>input</c> — for the platform's own clients (simulator, load driver).</summary>
public static class RequestEnvelope
{
    public static void Write(Utf8JsonWriter w, RequestHeader header, Action<Utf8JsonWriter> input)
    {
        w.WriteStartObject();
        w.WriteString("infno", header.Infno);
        w.WriteString("msgid", header.Msgid);
        w.WriteString("mdtrtarea_admvs", header.MdtrtareaAdmvs);
        w.WriteString("insuplc_admdvs", header.InsuplcAdmdvs);
        w.WriteString("recer_sys_code", "MBS_LOCAL");
        w.WriteString("dev_no", "");
        w.WriteString("dev_safe_info", "");
        w.WriteString("cainfo", "");
        w.WriteString("signtype", "SM2");
        w.WriteString("infver", "V1.0");
        w.WriteString("opter_type", "1");
        w.WriteString("opter", header.Opter);
        w.WriteString("opter_name", header.OpterName);
        w.WriteString("inf_time", header.InfTime.ToText());
        w.WriteString("fixmedins_code", header.FixmedinsCode);
        w.WriteString("fixmedins_name", header.FixmedinsName);
        w.WriteString("sign_no", header.SignNo);
        w.WriteStartObject("input");
        input(w);
        w.WriteEndObject();
        w.WriteEndObject();
    }
}
