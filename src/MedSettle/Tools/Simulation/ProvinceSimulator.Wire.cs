using System.Globalization;
using System.Text.Json;
using MedSettle.Transactions;

namespace MedSettle.Tools.Simulation;

// The messages: the inputs, the signed envelope, sending it through the transaction API, reading the answer.
public sealed partial class ProvinceSimulator
{
    private sealed partial class Run
    {
        private static void WriteSettleInput(Utf8JsonWriter w, Case c)
        {
            w.WriteStartObject("data");
            w.WriteString("psn_no", c.Person.PsnNo);
            w.WriteString("mdtrt_cert_type", "02");
            w.WriteString("mdtrt_cert_no", "");
            w.WriteString("med_type", c.Inpatient ? "24" : "13");
            w.WriteNumber("medfee_sumamt", c.Medfee);
            w.WriteString("psn_setlway", "01");
            w.WriteString("mdtrt_id", c.MdtrtId);
            w.WriteString("chrg_bchno", "0000");
            w.WriteString("insutype", c.Person.Insutype);
            w.WriteString("acct_used_flag", c.UseAccount ? "1" : "0");
            if (c.Inpatient) w.WriteString("mid_setl_flag", "0");
            w.WriteEndObject();
        }

        private void WriteDiseInfo(Utf8JsonWriter w, Case c)
        {
            w.WriteStartArray("diseinfo");
            w.WriteStartObject();
            w.WriteString("diag_type", "1");
            w.WriteString("diag_srt_no", "1");
            w.WriteString("diag_code", c.Diagnosis.Code);
            w.WriteString("diag_name", c.Diagnosis.Name);
            w.WriteString("diag_dept", c.Inpatient ? c.Diagnosis.Dept : "急诊科");
            w.WriteString("dise_dor_no", "D001");
            w.WriteString("dise_dor_name", "值班医生");
            w.WriteString("diag_time", _time.Now.ToText());
            w.WriteString("vali_flag", "1");
            w.WriteEndObject();
            w.WriteEndArray();
        }

        /// <summary>The person's identity number, as their card shows it.</summary>
        private async Task<string> CertnoOfAsync(Person person) =>
            MedSettle.Privacy.PersonalData.Open(await _database.ReadAsync(unit => unit.FirstOrDefaultAsync<byte[]>(
                "SELECT certno_enc FROM persons WHERE insuplc_admdvs = @Admdvs AND psn_no = @PsnNo AND insutype = @Insutype", person), _cancel)
                ?? throw new InvalidOperationException($"Person {person.PsnNo} has no identity number"));

        private async Task<JsonDocument?> CallAsync(Case c, string infno, string msgid, Action<Utf8JsonWriter> input) =>
            await SendAsync(c, Envelope(c, infno, msgid, input));

        /// <summary>One call of the transaction API; a refusal ends the case (null), any status but 200 is a platform bug.</summary>
        private async Task<JsonDocument?> SendAsync(Case c, byte[] body)
        {
            var (status, text) = await TransactionApi.CallAsync(_database, _clock, body, _cancel);
            if (status != 200)
                throw new InvalidOperationException($"The transaction API answered HTTP {status} to {Show(body)}: {text}");
            var document = JsonDocument.Parse(text);
            Pause(2, 20);
            if (document.RootElement.GetProperty("infcode").GetInt32() == 0) return document;
            _lastRefusal = document.RootElement.TryGetProperty("err_msg", out var refusal) && refusal.ValueKind == JsonValueKind.String ? refusal.GetString() : null;
            document.Dispose();
            _refused++;
            c.Stopped = true;
            return null;
        }

        /// <summary>The national request envelope around <paramref name="input"/>.</summary>
        private byte[] Envelope(Case c, string infno, string msgid, Action<Utf8JsonWriter> input)
        {
            _buffer.ResetWrittenCount();
            _writer.Reset(_buffer);
            var w = _writer;
            RequestEnvelope.Write(w, new RequestHeader(infno, msgid, c.Hospital.Code, c.Hospital.Name, c.Hospital.Admdvs,
                infno is "9001" or "1101" ? "" : c.Person.Admdvs, c.Opter, c.Clerk, _time.Now,
                _signIns.TryGetValue(c.Hospital.Code, out var signIn) ? signIn.SignNo : ""), input);
            w.Flush();
            return _buffer.WrittenSpan.ToArray();
        }

        /// <summary>
        /// fixmedins_code + yyyyMMddHHmmss + 4-digit sequence: the time from the simulated clock, the sequence restarting each
        /// second; never at or before the hospital's last msgid (of this run or any earlier one), so none repeats.
        /// </summary>
        private string NextMsgid(Case c)
        {
            var code = c.Hospital.Code;
            var now = _time.Now;
            now = new DateTime(now.Ticks - now.Ticks % TimeSpan.TicksPerSecond);
            var (time, sequence) = _msgids.TryGetValue(code, out var last) ? last : (DateTime.MinValue, 0);
            if (now > time) (time, sequence) = (now, 0);
            sequence++;
            if (sequence > 9999) (time, sequence) = (time.AddSeconds(1), 1);
            _msgids[code] = (time, sequence);
            return string.Create(CultureInfo.InvariantCulture, $"{code}{time:yyyyMMddHHmmss}{sequence:D4}");
        }

        private static string Text(JsonElement element, params string[] path)
        {
            foreach (var name in path) element = element.GetProperty(name);
            return element.GetString() ?? "";
        }

        private static string Show(byte[] body) => System.Text.Encoding.UTF8.GetString(body);
    }
}
