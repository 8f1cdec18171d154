using System.Reflection;
using System.Text.Json;
using MedSettle.Transactions;
using MedSettle.Transactions.Requests;

namespace MedSettle.Tests;

/// <summary>
/// Each transaction's input is read once, into its request record (Transactions/Requests), before its handler acts: the
/// variants clients send (a data node or the fields directly in input, aliases, money as text, null or empty as absent)
/// read alike, and a missing or malformed field is refused by its name and field. No database: the records read input alone.
/// </summary>
public sealed class RequestReadingTests
{
    private static T Read<T>(string json, Func<Input, T> read)
    {
        using var document = JsonDocument.Parse(json);
        return read(new Input(document.RootElement, "input"));
    }

    private static Refusal Refused<T>(string json, Func<Input, T> read) => Assert.Throws<Refusal>(() => Read(json, read));

    private static SettlementRequest Outpatient(string json) => Read(json, input => SettlementRequest.Read(input, VisitKind.Outpatient));

    private static SettlementRequest Inpatient(string json) => Read(json, input => SettlementRequest.Read(input, VisitKind.Inpatient));

    [Fact]
    public void A_settlement_reads_the_same_from_the_data_node_as_from_fields_directly_in_input_with_money_as_text_or_number()
    {
        var nested = Outpatient("""{"data":{"mdtrt_id":"M1","psn_no":"P1","medfee_sumamt":"120.50","acct_used_flag":"1","chrg_bchno":"B1"}}""");
        var flat = Outpatient("""{"mdtrt_id":"M1","psn_no":"P1","medfee_sumamt":120.5,"acct_used_flag":"1","chrg_bchno":"B1"}""");

        Assert.Equal(nested with { Path = "input", MidSetlFlagField = flat.MidSetlFlagField, MedfeeSumamtField = flat.MedfeeSumamtField }, flat);
        Assert.Equal(("M1", "P1", 120.50m, "B1", true), (nested.MdtrtId, nested.PsnNo, nested.MedfeeSumamt, nested.Batch, nested.UsesAccount));
        Assert.Equal(("input.data", new InputField("input.data", null, "medfee_sumamt")), (nested.Path, nested.MedfeeSumamtField));
        Assert.Equal(("input", new InputField("input", null, "medfee_sumamt")), (flat.Path, flat.MedfeeSumamtField));
    }

    [Fact]
    public void A_settlement_s_optional_fields_sent_null_or_empty_are_absent_and_mean_what_absence_means()
    {
        var request = Inpatient("""{"data":{"mdtrt_id":"Z1","psn_no":"P1","medfee_sumamt":"10","insutype":"","med_type":null,"mid_setl_flag":" ","acct_used_flag":""}}""");

        Assert.Equal((null, null, null, null, null), (request.Insutype, request.MedType, request.MidSetlFlag, request.ChrgBchno, request.AcctUsedFlag));
        Assert.False(request.MidStay);
        Assert.False(request.UsesAccount);
        Assert.Null(request.Batch);
    }

    [Fact]
    public void A_charge_batch_is_settled_alone_only_in_an_outpatient_settlement_and_0000_is_every_batch()
    {
        Assert.Null(Outpatient("""{"mdtrt_id":"M1","psn_no":"P1","medfee_sumamt":1,"chrg_bchno":"0000"}""").Batch);
        Assert.Equal("B2", Outpatient("""{"mdtrt_id":"M1","psn_no":"P1","medfee_sumamt":1,"chrg_bchno":"B2"}""").Batch);

        // an admission is settled by its bill: the batch is kept only to say, in warn_msg, that it was ignored
        var inpatient = Inpatient("""{"mdtrt_id":"Z1","psn_no":"P1","medfee_sumamt":1,"chrg_bchno":"B2","mid_setl_flag":"1"}""");
        Assert.Equal((null, "B2", true), (inpatient.Batch, inpatient.ChrgBchno, inpatient.MidStay));
        Assert.False(Outpatient("""{"mdtrt_id":"M1","psn_no":"P1","medfee_sumamt":1,"mid_setl_flag":"1"}""").MidStay);
    }

    [Fact]
    public void A_settlement_keeps_psn_setlway_and_a_self_pay_breakdown_as_sent_only_to_say_they_are_ignored_and_never_refuses_them()
    {
        var request = Outpatient("""
            {"data":{"mdtrt_id":"M1","psn_no":"P1","medfee_sumamt":1,"psn_setlway":" 02 ","fulamt_ownpay_amt":88,"overlmt_selfpay":"",
                     "preselfpay_amt":{"amt":1},"inscp_scp_amt":"12345678901234567890123456789012345678901234567890"}}
            """);

        Assert.Equal("02", request.PsnSetlway);
        Assert.Equal(
            [("fulamt_ownpay_amt", "88"), ("preselfpay_amt", "{\"amt\":1}"), ("inscp_scp_amt", "1234567890123456789012345678901234567890…")],
            request.SelfPayBreakdown);
        Assert.Empty(Outpatient("""{"mdtrt_id":"M1","psn_no":"P1","medfee_sumamt":1,"fulamt_ownpay_amt":null}""").SelfPayBreakdown);

        var discharge = Read("""{"mdtrtinfo":{"mdtrt_id":"Z1","psn_no":"P1","endtime":"2026-03-20","dscg_way":1}}""", DischargeRequest.Read);
        Assert.Equal(("input.mdtrtinfo", "1"), (discharge.Path, discharge.DscgWay));
        Assert.Null(Read("""{"mdtrt_id":"Z1","psn_no":"P1","endtime":"2026-03-20","dscg_way":" "}""", DischargeRequest.Read).DscgWay);
    }

    [Fact]
    public void A_settlement_without_its_medical_fee_total_is_refused_by_that_field()
    {
        var refusal = Refused("""{"data":{"mdtrt_id":"M1","psn_no":"P1"}}""", input => SettlementRequest.Read(input, VisitKind.Outpatient));

        Assert.Equal("缺少必填字段 input.data.medfee_sumamt", refusal.Message);
        Assert.Equal((RefusalCode.FieldMissing, FieldKind.Number), (refusal.Code, refusal.Kind!.Value));
        Assert.Equal(new InputField("input.data", null, "medfee_sumamt"), refusal.Field);
    }

    [Fact]
    public void A_medical_fee_total_that_is_no_number_is_refused_with_the_value_sent()
    {
        var refusal = Refused("""{"mdtrt_id":"M1","psn_no":"P1","medfee_sumamt":"12,30"}""", input => SettlementRequest.Read(input, VisitKind.Outpatient));

        Assert.Equal("字段 input.medfee_sumamt 的值 \"12,30\" 不是有效的数值", refusal.Message);
        Assert.Equal((RefusalCode.FieldInvalid, "12,30"), (refusal.Code, refusal.Value));
        Assert.Equal(new InputField("input", null, "medfee_sumamt"), refusal.Field);
    }

    [Fact]
    public void A_reversal_reason_may_be_100_characters_and_a_longer_one_is_refused_by_its_path()
    {
        var hundred = new string('因', Settle.MaxReasonLength);
        Assert.Equal(hundred, Read($$$"""{"data":{"setl_id":"S1","mdtrt_id":"M1","psn_no":"P1","memo":"{{{hundred}}}"}}""", SettlementReversalRequest.Read).Reason);
        Assert.Null(Read("""{"setl_id":"S1","mdtrt_id":"M1","psn_no":"P1","memo":""}""", SettlementReversalRequest.Read).Reason);

        var refusal = Refused($$"""{"setl_id":"S1","mdtrt_id":"M1","psn_no":"P1","memo":"{{hundred}}了"}""", SettlementReversalRequest.Read);
        Assert.Equal("撤销原因 input.memo 过长（101 个字符），最多 100 个字符", refusal.Message);
    }

    [Fact]
    public void An_admission_reads_the_names_some_clients_give_its_fields()
    {
        var request = Read("""
            {"mdtrtinfo":{"psn_no":"P1","insutype":"310","begntime":"2026-03-15 09:30:00","ipt_otp_no":"ZY001","dise_code":"J18.9",
                          "dise_name":"肺炎","adm_dept_name":"急诊科","chfpdr_name":"张医生"}}
            """, input => VisitOpeningRequest.Read(input, VisitKind.Inpatient));

        Assert.Equal(("24", "ZY001", "J18.9", "急诊科", "张医生"), (request.MedType, request.Number, request.DiseCodg, request.DeptName, request.DrName));
        Assert.Equal((new DateTime(2026, 3, 15, 9, 30, 0), new InputField("input.mdtrtinfo", null, "begntime")), (request.Begntime, request.BegntimeField));
        // ipt_no, where sent, is the admission's number; a registration's is ipt_otp_no, in input.data or input itself
        Assert.Equal("ZY002", Read("""{"psn_no":"P1","insutype":"310","begntime":"2026-03-15","ipt_no":"ZY002","ipt_otp_no":"ZY001"}""",
            input => VisitOpeningRequest.Read(input, VisitKind.Inpatient)).Number);
        var registration = Read("""{"data":{"psn_no":"P1","insutype":"390","begntime":"2026-03-15 09:30","ipt_otp_no":"MZ1","dept_name":"急诊","adm_dept_name":"内科"}}""",
            input => VisitOpeningRequest.Read(input, VisitKind.Outpatient));
        Assert.Equal(("13", "MZ1", "急诊", null), (registration.MedType, registration.Number, registration.DeptName, registration.DiseCodg));
    }

    [Fact]
    public void An_admission_of_another_medical_category_is_refused_before_any_other_field_is_read()
    {
        var refusal = Refused("""{"mdtrtinfo":{"med_type":"21"}}""", input => VisitOpeningRequest.Read(input, VisitKind.Inpatient));

        Assert.StartsWith("医疗类别 21 不在本平台受理范围", refusal.Message);
    }

    [Fact]
    public void A_discharge_reads_mdtrtinfo_as_dscginfo_and_dscginfo_wins_when_both_are_sent()
    {
        var alias = Read("""{"mdtrtinfo":{"mdtrt_id":"Z1","psn_no":"P1","endtime":"2026-03-20 10:00:00","dise_code":"I21.0"}}""", DischargeRequest.Read);
        Assert.Equal(("Z1", new DateTime(2026, 3, 20, 10, 0, 0), "I21.0"), (alias.MdtrtId, alias.Endtime, alias.DiseCodg));

        var both = Read("""{"dscginfo":{"mdtrt_id":"Z2","psn_no":"P1","endtime":"2026-03-20"},"mdtrtinfo":{"mdtrt_id":"Z1"}}""", DischargeRequest.Read);
        Assert.Equal("Z2", both.MdtrtId);

        var refusal = Refused("""{"mdtrtinfo":{"mdtrt_id":"Z1","psn_no":"P1"}}""", DischargeRequest.Read);
        Assert.Equal((RefusalCode.FieldMissing, new InputField("input.mdtrtinfo", null, "endtime")), (refusal.Code, refusal.Field));
    }

    [Fact]
    public void An_outpatient_visit_s_information_is_checked_for_its_category_and_diagnosis_code()
    {
        var info = Read("""{"mdtrtinfo":{"mdtrt_id":"M1","psn_no":"P1","med_type":"13","dise_code":"J18.9"}}""", OutpatientInfoRequest.Read);
        Assert.Equal(("13", "J18.9", null), (info.MedType, info.DiseCodg, info.DiseName));

        Assert.StartsWith("医疗类别 11 不在本平台受理范围", Refused("""{"mdtrt_id":"M1","psn_no":"P1","med_type":"11"}""", OutpatientInfoRequest.Read).Message);
        Assert.Equal("诊断编码“肺炎”不是有效的ICD-10编码（应如 J18.9、I21.0、S06）",
            Refused("""{"mdtrt_id":"M1","psn_no":"P1","med_type":"13","dise_codg":"肺炎"}""", OutpatientInfoRequest.Read).Message);
    }

    [Fact]
    public void A_filing_takes_dise_code_for_dise_codg_ends_72_hours_on_by_default_and_requires_a_diagnosis()
    {
        var filing = Read("""{"data":{"psn_no":"P1","insutype":"310","begndate":"2026-03-15","dise_code":"J18.9","dise_name":"肺炎","tel":""}}""", FilingRequest.Read);
        Assert.Equal(("J18.9", new DateOnly(2026, 3, 17), null), (filing.DiseCodg, filing.Enddate, filing.Tel));

        var refusal = Refused("""{"psn_no":"P1","insutype":"310","begndate":"2026-03-15","dise_name":"肺炎"}""", FilingRequest.Read);
        Assert.Equal("缺少诊断编码 dise_codg：异地急诊备案须填写ICD-10诊断（如 J18.9）", refusal.Message);
    }

    [Fact]
    public void A_fee_upload_reads_money_as_text_and_leaves_what_was_not_sent_to_its_default()
    {
        var upload = Read("""
            {"feedetail":[
              {"feedetl_sn":"1","mdtrt_id":"M1","psn_no":"P1","med_list_codg":"X1","pric":"12.50","cnt":"2","det_item_fee_sumamt":"25.00"},
              {"feedetl_sn":"2","mdtrt_id":"M1","psn_no":"P1","med_list_codg":"X2","medins_list_codg":"H2","pric":3,"cnt":-1,"det_item_fee_sumamt":-3,
               "init_feedetl_sn":"0","chrg_bchno":"B1","fee_ocur_time":"2026-03-15 10:00:00"}]}
            """, FeeUploadRequest.Read);

        Assert.Equal(("M1", "P1"), (upload.MdtrtId, upload.PsnNo));
        Assert.Equal(new FeeLine("1", "0", "X1", "X1", 12.50m, 2m, 25.00m, null, null), upload.Lines[0]);
        Assert.Equal(new FeeLine("2", "B1", "X2", "H2", 3m, -1m, -3m, new DateTime(2026, 3, 15, 10, 0, 0), "0"), upload.Lines[1]);
    }

    [Fact]
    public void A_fee_upload_of_two_visits_or_with_a_line_number_twice_is_refused_by_the_line()
    {
        const string Line = """ "feedetl_sn":"1","psn_no":"P1","med_list_codg":"X1","pric":1,"cnt":1,"det_item_fee_sumamt":1 """;
        var twoVisits = Refused($$"""{"feedetail":[{{{Line}},"mdtrt_id":"M1"},{{{Line.Replace("\"1\",", "\"2\",", StringComparison.Ordinal)}},"mdtrt_id":"M2"}]}""",
            FeeUploadRequest.Read);
        Assert.Equal("input.feedetail[1].mdtrt_id 与第一条明细不同：一次上传的明细须属于同一就诊", twoVisits.Message);
        Assert.Equal(new InputField("input.feedetail", 1, "mdtrt_id"), twoVisits.Field);

        var twice = Refused($$"""{"feedetail":[{{{Line}},"mdtrt_id":"M1"},{{{Line}},"mdtrt_id":"M1"}]}""", FeeUploadRequest.Read);
        Assert.Equal("本次上传中费用明细流水号重复：1", twice.Message);

        var missing = Refused("""{"feedetail":[{"feedetl_sn":"1","pric":1,"cnt":1}]}""", FeeUploadRequest.Read);
        Assert.Equal((RefusalCode.FieldMissing, new InputField("input.feedetail", 0, "det_item_fee_sumamt")), (missing.Code, missing.Field));
    }

    [Fact]
    public void A_fee_withdrawal_of_no_batch_or_line_or_of_0000_is_of_every_unsettled_line()
    {
        Assert.True(Read("""{"data":{"mdtrt_id":"M1","psn_no":"P1","chrg_bchno":null}}""", FeeWithdrawalRequest.Read).All);
        Assert.True(Read("""{"mdtrt_id":"M1","psn_no":"P1","feedetl_sn":"0000"}""", FeeWithdrawalRequest.Read).All);
        Assert.False(Read("""{"mdtrt_id":"M1","psn_no":"P1","chrg_bchno":"B1"}""", FeeWithdrawalRequest.Read).All);
    }

    [Fact]
    public void A_person_is_looked_up_by_certno_by_mdtrt_cert_no_of_an_identity_card_or_by_psn_no()
    {
        Assert.Equal("110101199001011234", Read("""{"data":{"mdtrt_cert_type":"02","mdtrt_cert_no":"110101199001011234"}}""", PersonInfoRequest.Read).Certno);
        Assert.Equal("110101199001011234", Read("""{"data":{"mdtrt_cert_no":"110101199001011234"}}""", PersonInfoRequest.Read).Certno);
        // another card's number is not an identity number
        var byPsnNo = Read("""{"mdtrt_cert_type":"03","mdtrt_cert_no":"C123","psn_no":"P1"}""", PersonInfoRequest.Read);
        Assert.Equal((null, "P1"), (byPsnNo.Certno, byPsnNo.PsnNo));
        Assert.StartsWith("请提供身份证号码", Refused("""{"data":{"mdtrt_cert_type":"03","mdtrt_cert_no":"C123"}}""", PersonInfoRequest.Read).Message);
    }

    [Fact]
    public void A_file_reads_the_same_as_base64_as_a_byte_array_or_as_that_array_written_as_text()
    {
        var base64 = Read("""{"fsUploadIn":{"filename":"C:\\his\\3202.txt","in":"UEsDBA=="}}""", FileUploadRequest.Read);
        var array = Read("""{"filename":"3202.txt","in":[80,75,3,4],"fixmedins_code":"H1"}""", FileUploadRequest.Read);
        var text = Read("""{"filename":"3202.txt","in":"[80, 75, 3, 4]"}""", FileUploadRequest.Read);

        Assert.Equal(("3202.txt", "3202.txt", "H1"), (base64.Filename, array.Filename, array.FixmedinsCode));
        Assert.Equal(new byte[] { 80, 75, 3, 4 }, base64.Content.ToArray());
        Assert.Equal(base64.Content.ToArray(), array.Content.ToArray());
        Assert.Equal(base64.Content.ToArray(), text.Content.ToArray());
        Assert.Equal("input.fsUploadIn.fixmedins_code", base64.FixmedinsCodeField.Path);
        Assert.Equal("缺少必填字段 input.in（文件内容：字节数组，或 Base64 编码的文本）", Refused("""{"filename":"a.txt","in":" "}""", FileUploadRequest.Read).Message);
    }

    [Fact]
    public void A_detail_reconciliation_takes_its_rows_inline_or_by_file_never_both()
    {
        var inline = Read("""
            {"data":{"stmt_begndate":"2026-03-01","stmt_enddate":"2026-03-31","details":[{"setl_id":"S1","medfee_sumamt":"10.00","fund_pay_sumamt":6}]}}
            """, ReconcileDetailsRequest.Read);
        Assert.Equal(new ReconcileDetail("S1", "", "", 10.00m, 6m, 0m, "0"), Assert.Single(inline.Details!));
        Assert.Null(inline.FileQuryNo);

        var byFile = Read("""{"stmt_begndate":"2026-03-01","stmt_enddate":"2026-03-31","file_qury_no":"abc","details":null}""", ReconcileDetailsRequest.Read);
        Assert.Equal(("abc", null), (byFile.FileQuryNo, byFile.Details));

        Assert.StartsWith("input.data 同时给出了 file_qury_no 与 details",
            Refused("""{"data":{"stmt_begndate":"2026-03-01","stmt_enddate":"2026-03-31","file_qury_no":"abc","details":[]}}""", ReconcileDetailsRequest.Read).Message);
    }

    [Fact]
    public void A_clearing_confirmation_reads_each_answer_and_refuses_a_settlement_answered_twice()
    {
        var request = Read("""{"data":{"trt_year":"2026","trt_month":3,"detail":[{"setl_sn":"S1","cnfm_flag":"1"},{"setl_sn":"S2","cnfm_flag":"0","memo":"金额不符"}]}}""",
            ClearingConfirmRequest.Read);
        Assert.Equal(new DateOnly(2026, 3, 1), request.Month);
        Assert.Equal(new[] { new ClearingAnswer("S1", "1", null), new ClearingAnswer("S2", "0", "金额不符") }, request.Answers);

        Assert.Equal("确认明细中 setl_sn 重复",
            Refused("""{"trt_year":2026,"trt_month":3,"detail":[{"setl_sn":"S1","cnfm_flag":"1"},{"setl_sn":"S1","cnfm_flag":"0"}]}""", ClearingConfirmRequest.Read).Message);
    }

    [Fact]
    public void A_query_reads_its_data_node_sent_as_a_one_element_list_and_refuses_a_longer_list_by_the_node()
    {
        Assert.Equal(Read("""{"data":{"psn_no":"P1","setl_id":"S1"}}""", SettlementQuery.Read), Read("""{"data":[{"psn_no":"P1","setl_id":"S1"}]}""", SettlementQuery.Read));
        Assert.Equal(new AccumulationQuery("P1", null), Read("""{"data":[],"psn_no":"P1"}""", AccumulationQuery.Read));

        var refusal = Refused("""{"data":[{"psn_no":"P1"},{"psn_no":"P2"}]}""", VisitQuery.Read);
        Assert.Equal((RefusalCode.FieldInvalid, new InputField("input", null, "data")), (refusal.Code, refusal.Field));
        Assert.Equal("缺少必填字段 input.data[0].setl_id", Refused("""{"data":[{"psn_no":"P1"}]}""", SettlementQuery.Read).Message);
    }

    [Fact]
    public void A_query_period_takes_in_the_whole_day_of_a_bare_end_date_and_refuses_an_end_before_its_begin_by_the_end()
    {
        var period = Read("""{"psn_no":"P1","begntime":"2026-03-01","endtime":"2026-03-15"}""", VisitQuery.Read).Period;
        Assert.Equal((new DateTime(2026, 3, 1), new DateTime(2026, 3, 15, 23, 59, 59)), (period.From!.Value, period.To!.Value));
        Assert.Equal(new DateTime(2026, 3, 15, 8, 0, 0), Read("""{"psn_no":"P1","endtime":"2026-03-15 08:00:00"}""", MedicationRecordQuery.Read).Period.To);

        var refusal = Refused("""{"data":{"psn_no":"P1","begntime":"2026-03-15 09:00:00","endtime":"2026-03-15 08:00:00"}}""", VisitQuery.Read);
        Assert.Equal(new InputField("input.data", null, "endtime"), refusal.Field);
    }

    [Fact]
    public void Every_transaction_declares_an_immutable_request_record_that_reads_its_input()
    {
        Assert.NotEmpty(TransactionApi.Kinds);
        Assert.All(TransactionApi.Kinds.Values, kind =>
        {
            var type = kind.Request;
            Assert.Equal("MedSettle.Transactions.Requests", type.Namespace);
            Assert.True(type.GetMethod("<Clone>$") is not null, $"{kind.Infno}: {type.Name} is no record");
            Assert.All(type.GetProperties(), p => Assert.True(p.SetMethod is null || IsInitOnly(p.SetMethod), $"{type.Name}.{p.Name} can be set"));
            Assert.Contains(type.GetMethods(BindingFlags.Public | BindingFlags.Static),
                m => m.Name == "Read" && m.ReturnType == type && m.GetParameters() is [{ ParameterType: var first }, ..] && first == typeof(Input));
        });
    }

    [Theory]
    [MemberData(nameof(Infnos))]
    public void Every_transaction_s_empty_input_is_read_into_its_record_or_refused_by_name(string infno)
    {
        var kind = TransactionApi.Kinds[infno];
        try
        {
            Assert.IsType(kind.Request, Read("{}", kind.Read));
        }
        catch (Refusal refusal)
        {
            Assert.False(string.IsNullOrWhiteSpace(refusal.Message));
        }

        // a node that is no object is read as absent (its fields then sought in input itself) or refused, never read as something else
        using var odd = JsonDocument.Parse("""{"data":"不是对象","mdtrtinfo":[],"feedetail":7,"signIn":[],"fsUploadIn":1,"fsDownloadIn":null}""");
        var read = kind.TryRead(new Input(odd.RootElement, "input"));
        Assert.True(read is null || read.GetType() == kind.Request);
    }

    public static TheoryData<string> Infnos() => [.. TransactionApi.Kinds.Keys];

    private static bool IsInitOnly(MethodInfo setter) =>
        setter.ReturnParameter.GetRequiredCustomModifiers().Any(m => m.FullName == "System.Runtime.CompilerServices.IsExternalInit");
}
