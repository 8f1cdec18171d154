using System.Globalization;
using System.Text.Json;
using MedSettle.Engine;

namespace MedSettle.Tools.Simulation;

// The steps of a case, each a few transactions: arrive, admit, upload, discharge, settle, reverse, settle again, revoke, cancel.
public sealed partial class ProvinceSimulator
{
    private sealed partial class Run
    {
        private Task RunStepAsync(Case? c, Step step) => step switch
        {
            Step.Arrive => ArriveAsync(c),
            Step.Admit => AdmitAsync(c!),
            Step.Upload => UploadAsync(c!),
            Step.Discharge => DischargeAsync(c!),
            Step.Settle => SettleAsync(c!, again: false),
            Step.Reverse => ReverseAsync(c!),
            Step.Resettle => ResettleAsync(c!),
            Step.Revoke => RevokeAsync(c!),
            Step.CancelVisit => CancelVisitAsync(c!),
            _ => Task.CompletedTask,
        };

        /// <summary>A patient arrives at the emergency department: look up, file, then register (or later admit).</summary>
        private async Task ArriveAsync(Case? planned)
        {
            var c = planned ?? NewCase();
            if (!await SignInAsync(c)) return;

            // the card in front of the clerk: 1101 by identity number, as a hospital meeting the person for the first time must
            var certno = await CertnoOfAsync(c.Person);
            using (var found = await CallAsync(c, "1101", NextMsgid(c), w =>
                   {
                       w.WriteStartObject("data");
                       w.WriteString("mdtrt_cert_type", "02");
                       w.WriteString("mdtrt_cert_no", certno);
                       w.WriteEndObject();
                   }))
                if (found is null) return;

            var today = DateOnly.FromDateTime(_time.Now);
            using (var filed = await CallAsync(c, "2551", NextMsgid(c), w =>
                   {
                       w.WriteStartObject("data");
                       w.WriteString("psn_no", c.Person.PsnNo);
                       w.WriteString("insutype", c.Person.Insutype);
                       w.WriteString("begndate", today.ToText());
                       w.WriteString("dise_codg", c.Diagnosis.Code);
                       w.WriteString("dise_name", c.Diagnosis.Name);
                       w.WriteString("main_cond_dscr", $"急诊就诊：{c.Diagnosis.Name}");
                       w.WriteString("tel", Phone());
                       w.WriteEndObject();
                   }))
            {
                if (filed is null) return;
                c.FilingSn = Text(filed.RootElement.GetProperty("output"), "trt_dcla_detl_sn");
                var warned = filed.RootElement.TryGetProperty("warn_msg", out var warn) && warn.ValueKind == JsonValueKind.String;
                if (!warned && _filingsSeen.Add(c.FilingSn))
                {
                    c.NewFiling = true;
                    _filings++;
                }
                _runSubjects.Add(c.FilingSn);
                FiledAgain(c);
            }
            if (c.Anomaly == SupervisionRule.R08) PlanFilingsAgain(c);

            switch (c.Plan)
            {
                case Plan.FilingOnly:
                    return;
                case Plan.RevokeFiling:
                    if (c.NewFiling) Schedule(c, Step.Revoke, _time.Now.AddMinutes(_random.Next(10, 120)));
                    return;
            }

            if (c.Inpatient)
            {
                // Seen in the emergency department first; admitted after examination.
                Schedule(c, Step.Admit, _time.Now.AddMinutes(_random.Next(20, 180)));
                return;
            }

            Pause(30, 300);
            var registerMsgid = NextMsgid(c);
            var number = "MZ" + registerMsgid[^18..];
            using (var registered = await CallAsync(c, "2201", registerMsgid, w =>
                   {
                       w.WriteStartObject("data");
                       w.WriteString("psn_no", c.Person.PsnNo);
                       w.WriteString("insutype", c.Person.Insutype);
                       w.WriteString("begntime", _time.Now.ToText());
                       w.WriteString("mdtrt_cert_type", "02");
                       w.WriteString("mdtrt_cert_no", "");
                       w.WriteString("ipt_otp_no", number);
                       w.WriteString("atddr_no", "D" + _random.Next(1, 60).ToString("D3", CultureInfo.InvariantCulture));
                       w.WriteString("dr_name", Doctor());
                       w.WriteString("dept_code", "A03");
                       w.WriteString("dept_name", "急诊科");
                       w.WriteString("caty", "A03");
                       w.WriteEndObject();
                   }))
            {
                if (registered is null) return;
                c.MdtrtId = Text(registered.RootElement.GetProperty("output"), "data", "mdtrt_id");
            }

            using (var info = await CallAsync(c, "2203", NextMsgid(c), w =>
                   {
                       w.WriteStartObject("mdtrtinfo");
                       w.WriteString("mdtrt_id", c.MdtrtId);
                       w.WriteString("psn_no", c.Person.PsnNo);
                       w.WriteString("med_type", "13");
                       w.WriteString("begntime", _time.Now.ToText());
                       w.WriteString("main_cond_dscr", $"急诊就诊：{c.Diagnosis.Name}");
                       w.WriteString("dise_codg", c.Diagnosis.Code);
                       w.WriteString("dise_name", c.Diagnosis.Name);
                       w.WriteEndObject();
                       WriteDiseInfo(w, c);
                   }))
                if (info is null) return;

            _runSubjects.Add(c.MdtrtId);
            OutpatientBill(c);
            PlantLines(c);
            c.BatchEnds.Add(c.Lines.Count);
            Schedule(c, Step.Upload, _time.Now.AddMinutes(_random.Next(20, 150)));
        }

        private async Task AdmitAsync(Case c)
        {
            var admitMsgid = NextMsgid(c);
            var number = "ZY" + admitMsgid[^18..];
            using (var admitted = await CallAsync(c, "2401", admitMsgid, w =>
                   {
                       w.WriteStartObject("mdtrtinfo");
                       w.WriteString("psn_no", c.Person.PsnNo);
                       w.WriteString("insutype", c.Person.Insutype);
                       w.WriteString("begntime", _time.Now.ToText());
                       w.WriteString("mdtrt_cert_type", "02");
                       w.WriteString("mdtrt_cert_no", "");
                       w.WriteString("med_type", "24");
                       w.WriteString("ipt_no", number);
                       w.WriteString("atddr_no", "D" + _random.Next(1, 60).ToString("D3", CultureInfo.InvariantCulture));
                       w.WriteString("chfpdr_name", Doctor());
                       w.WriteString("adm_diag_dscr", c.Diagnosis.Name);
                       w.WriteString("adm_dept_codg", "A03");
                       w.WriteString("adm_dept_name", c.Diagnosis.Dept);
                       w.WriteString("adm_bed", _random.Next(1, 60).ToString(CultureInfo.InvariantCulture));
                       w.WriteString("dscg_maindiag_code", c.Diagnosis.Code);
                       w.WriteString("dscg_maindiag_name", c.Diagnosis.Name);
                       w.WriteString("main_cond_dscr", $"急诊转住院：{c.Diagnosis.Name}");
                       w.WriteString("dise_codg", c.Diagnosis.Code);
                       w.WriteString("dise_name", c.Diagnosis.Name);
                       w.WriteEndObject();
                       WriteDiseInfo(w, c);
                   }))
            {
                if (admitted is null) return;
                c.MdtrtId = Text(admitted.RootElement.GetProperty("output"), "result", "mdtrt_id");
            }
            c.AdmittedAt = _time.Now;
            _runSubjects.Add(c.MdtrtId);
            if (c.Readmission) Planted(SupervisionRule.R07, c.MdtrtId);

            if (c.Plan == Plan.Settle)
            {
                InpatientBill(c);
                PlantLines(c);
                // Discharge on the morning 1-10 days later; the fee lines go up in 1-3 batches during the stay.
                var discharge = DateOnly.FromDateTime(c.AdmittedAt).AddDays(c.StayDays).ToDateTime(new TimeOnly(8, 30))
                    .AddMinutes(_random.Next(0, 180));
                var batches = c.BedOnly ? 1 : Math.Min(c.StayDays, _random.Next(1, 4));
                for (var b = 1; b <= batches; b++)
                    c.BatchEnds.Add(b == batches ? c.Lines.Count : Math.Max(1, c.Lines.Count * b / (batches + 1)));
                var span = discharge - c.AdmittedAt - TimeSpan.FromHours(1);
                for (var b = 0; b < batches; b++)
                    Schedule(c, Step.Upload, c.BedOnly ? discharge.AddHours(-1) : c.AdmittedAt.AddTicks(span.Ticks * (b + 1) / (batches + 1)).AddMinutes(_random.Next(0, 30)));
                Schedule(c, Step.Discharge, discharge);
                _busyUntil[Key(c.Person)] = discharge.AddDays(QuietDays);
            }
            else
            {
                // Admitted and charged, then transferred or left: the visit is never settled here.
                c.StayDays = 1;
                InpatientBill(c);
                c.BatchEnds.Add(c.Lines.Count);
                Schedule(c, Step.Upload, _time.Now.AddMinutes(_random.Next(60, 600)));
            }
        }

        private async Task UploadAsync(Case c)
        {
            var from = c.BatchesSent == 0 ? 0 : c.BatchEnds[c.BatchesSent - 1];
            var to = c.BatchEnds[c.BatchesSent];
            var batch = (c.BatchesSent + 1).ToString(CultureInfo.InvariantCulture);
            var earliest = c.Inpatient ? c.AdmittedAt : _time.Now.AddMinutes(-30);
            var now = _time.Now;
            using (var uploaded = await CallAsync(c, c.Inpatient ? "2301" : "2204", NextMsgid(c), w =>
                   {
                       w.WriteStartArray("feedetail");
                       for (var i = from; i < to; i++)
                       {
                           var line = c.Lines[i];
                           var occurred = line.At ?? (line.SameTimeAs is { } same && c.Times.TryGetValue(same, out var at) ? at
                               : earliest.AddTicks((long)((now - earliest).Ticks * _random.NextDouble())));
                           occurred = new DateTime(occurred.Ticks - occurred.Ticks % TimeSpan.TicksPerSecond);
                           c.Times[line.Sn] = occurred;
                           w.WriteStartObject();
                           w.WriteString("feedetl_sn", line.Sn);
                           w.WriteString("mdtrt_id", c.MdtrtId);
                           w.WriteString("psn_no", c.Person.PsnNo);
                           w.WriteString("chrg_bchno", batch);
                           w.WriteString("dise_codg", c.Diagnosis.Code);
                           w.WriteString("rxno", "");
                           w.WriteString("rx_circ_flag", "0");
                           w.WriteString("fee_ocur_time", occurred.ToText());
                           w.WriteString("med_list_codg", line.Code);
                           w.WriteString("medins_list_codg", line.Code);
                           w.WriteNumber("det_item_fee_sumamt", line.Amount);
                           w.WriteNumber("cnt", line.Count);
                           w.WriteNumber("pric", line.Price);
                           w.WriteString("bilg_dept_codg", "A03");
                           w.WriteString("bilg_dept_name", c.Inpatient ? c.Diagnosis.Dept : "急诊科");
                           w.WriteString("bilg_dr_codg", "D001");
                           w.WriteString("bilg_dr_name", "值班医生");
                           // "1" (approved by the hospital) only with a reason: clean traffic asks for no approval
                           w.WriteString("hosp_appr_flag", "0");
                           w.WriteEndObject();
                       }
                       w.WriteEndArray();
                   }))
                if (uploaded is null) return;
            c.BatchesSent++;
            if (c.BatchesSent < c.BatchEnds.Count) return; // the next batch is already scheduled

            switch (c.Plan)
            {
                case Plan.Settle when !c.Inpatient:
                    Schedule(c, Step.Settle, _time.Now.AddMinutes(_random.Next(5, 40)));
                    break;
                case Plan.RegisterAndStop or Plan.AdmitAndStop when c.CancelLater:
                    Schedule(c, Step.CancelVisit, _time.Now.AddMinutes(_random.Next(30, 300)));
                    break;
            }
        }

        private async Task DischargeAsync(Case c)
        {
            using (var discharged = await CallAsync(c, "2402", NextMsgid(c), w =>
                   {
                       w.WriteStartObject("dscginfo");
                       w.WriteString("mdtrt_id", c.MdtrtId);
                       w.WriteString("psn_no", c.Person.PsnNo);
                       w.WriteString("insutype", c.Person.Insutype);
                       w.WriteString("endtime", _time.Now.ToText());
                       w.WriteString("dise_codg", c.Diagnosis.Code);
                       w.WriteString("dise_name", c.Diagnosis.Name);
                       w.WriteString("dscg_way", "1");
                       w.WriteString("dscg_dept_codg", "A03");
                       w.WriteString("dscg_dept_name", c.Diagnosis.Dept);
                       w.WriteEndObject();
                       WriteDiseInfo(w, c);
                   }))
                if (discharged is null) return;
            c.DischargedAt = _time.Now;
            Schedule(c, Step.Settle, _time.Now.AddMinutes(_random.Next(10, 60)));
        }

        private async Task SettleAsync(Case c, bool again)
        {
            c.Medfee = 0m;
            foreach (var line in c.Lines) c.Medfee += line.Amount;

            if (_random.NextDouble() < PreSettleShare)
            {
                using var preview = await CallAsync(c, c.Inpatient ? "2303" : "2206", NextMsgid(c), w => WriteSettleInput(w, c));
                if (preview is null) return;
                Pause(20, 240);
            }

            var body = Envelope(c, c.Inpatient ? "2304" : "2207", NextMsgid(c), w => WriteSettleInput(w, c));
            string setlId;
            using (var settled = await SendAsync(c, body))
            {
                if (settled is null)
                {
                    RefusedAtSettlement(c);
                    return;
                }
                var info = settled.RootElement.GetProperty("output").GetProperty("setlinfo");
                setlId = Text(info, "setl_id");
                var medfee = info.GetProperty("medfee_sumamt").GetDecimal();
                if (medfee != c.Medfee)
                    throw new InvalidOperationException($"Settlement {setlId} came to medfee_sumamt {medfee} for a bill of {c.Medfee}: {Show(body)}");
                decimal Pay(string name) => info.GetProperty(name).GetDecimal();
                _standing.Add(setlId, (medfee, Pay("fund_pay_sumamt"), Pay("hifp_pay"), Pay("hifob_pay"), Pay("hifmi_pay"), Pay("maf_pay")));
            }
            c.SetlId = setlId;
            if (!again) Settled(c);
            if (!c.EverSettled)
            {
                c.EverSettled = true;
                if (c.NewFiling) _settledFilings++;
            }
            if (again) _resettlements++;

            if (_random.NextDouble() < RetryShare)
            {
                // The HIS did not see the answer (a timeout) and sends the same message again: the stored answer comes back.
                Pause(5, 60);
                using var retried = await SendAsync(c, body);
                if (retried is null) return;
                var replayed = Text(retried.RootElement.GetProperty("output"), "setlinfo", "setl_id");
                if (replayed != setlId)
                    throw new InvalidOperationException($"Retrying a settlement with the same msgid settled again ({replayed} after {setlId}): {Show(body)}");
            }

            // a case with a planted violation stands as settled, so that the audit sees it
            if (!again && c.Anomaly is null && !c.Readmission && _random.NextDouble() < ReversalShare)
                Schedule(c, Step.Reverse, ReversalTime());
        }

        private async Task ReverseAsync(Case c)
        {
            using (var reversed = await CallAsync(c, c.Inpatient ? "2305" : "2208", NextMsgid(c), w =>
                   {
                       w.WriteStartObject("data");
                       w.WriteString("setl_id", c.SetlId);
                       w.WriteString("mdtrt_id", c.MdtrtId);
                       w.WriteString("psn_no", c.Person.PsnNo);
                       w.WriteEndObject();
                   }))
                if (reversed is null) return;
            _standing.Remove(c.SetlId);
            _reversals++;
            if (_random.NextDouble() < ResettleShareOfReversals)
                Schedule(c, Step.Resettle, _random.NextDouble() < 0.6
                    ? _time.Now.AddMinutes(_random.Next(5, 90))
                    : BusinessHours(DateOnly.FromDateTime(_time.Now).AddDays(_random.Next(1, 4))));
        }

        /// <summary>Settles a reversed visit again, often after withdrawing the fee line that was charged by mistake.</summary>
        private async Task ResettleAsync(Case c)
        {
            if (c.Lines.Count > 2 && _random.NextDouble() < 0.5)
            {
                var wrong = c.Lines[^1];
                using (var withdrawn = await CallAsync(c, c.Inpatient ? "2302" : "2205", NextMsgid(c), w =>
                       {
                           w.WriteStartObject("data");
                           w.WriteString("mdtrt_id", c.MdtrtId);
                           w.WriteString("psn_no", c.Person.PsnNo);
                           w.WriteString("feedetl_sn", wrong.Sn);
                           w.WriteEndObject();
                       }))
                    if (withdrawn is null) return;
                c.Lines.RemoveAt(c.Lines.Count - 1);
                Pause(20, 180);
            }
            await SettleAsync(c, again: true);
        }

        private async Task RevokeAsync(Case c)
        {
            using var revoked = await CallAsync(c, "2552", NextMsgid(c), w =>
            {
                w.WriteStartObject("data");
                w.WriteString("trt_dcla_detl_sn", c.FilingSn);
                w.WriteString("psn_no", c.Person.PsnNo);
                w.WriteString("memo", "患者转回参保地治疗");
                w.WriteEndObject();
            });
        }

        private async Task CancelVisitAsync(Case c)
        {
            using var cancelled = await CallAsync(c, c.Inpatient ? "2404" : "2202", NextMsgid(c), w =>
            {
                w.WriteStartObject("data");
                w.WriteString("mdtrt_id", c.MdtrtId);
                w.WriteString("psn_no", c.Person.PsnNo);
                w.WriteString("ipt_otp_no", "");
                w.WriteEndObject();
            });
        }

        private async Task<bool> SignInAsync(Case c)
        {
            var today = DateOnly.FromDateTime(_time.Now);
            if (_signIns.TryGetValue(c.Hospital.Code, out var signIn) && signIn.Day == today) return true;
            using var signed = await CallAsync(c, "9001", NextMsgid(c), w =>
            {
                w.WriteStartObject("signIn");
                w.WriteString("opter_no", c.Opter);
                w.WriteString("mac", c.Hospital.Mac);
                w.WriteString("ip", c.Hospital.Ip);
                w.WriteEndObject();
            });
            if (signed is null) return false;
            _signIns[c.Hospital.Code] = (today, Text(signed.RootElement.GetProperty("output"), "signinoutb", "sign_no"));
            Pause(5, 60);
            return true;
        }
    }
}
