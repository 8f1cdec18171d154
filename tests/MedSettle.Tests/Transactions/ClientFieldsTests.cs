using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using MedSettle.Tests.Infrastructure;
using static MedSettle.Tests.Transactions.WorkedExampleTests;

namespace MedSettle.Tests.Transactions;

/// <summary>
/// What real HIS clients read and send (issue 20, points 8–10): the person's details in 1101 and the settlement answers,
/// Jilin's 5301 after every 1101, insuplc_admdvs repeated inside input, a 2207 with only 2206's fields, and fields the
/// platform reads but ignores said in warn_msg (acct_used_flag, mid_setl_flag, chrg_bchno, psn_setlway, the self-pay
/// breakdown, 2402's dscg_way). Over HTTP, on a copy of jilin-mini whose persons.csv has the optional columns.
/// </summary>
public abstract class ClientFieldsTests(DatabaseTarget target) : IAsyncLifetime
{
    private const string LiNa = "22020000000000000003";
    private const string LiuYang = "22070000000000000005";
    private const string ZhangWeiCertno = "220102197503120110";
    private const string LiNaCertno = "220202196201050349";
    private const string LiuYangCertno = "220702197011180531";
    private const string Employer = "长春示例机械厂";

    private static readonly (string, decimal, decimal)[] AdmissionBill =
    [
        ("110900001", 55.00m, 4), ("XB05BBA030B001010104416", 4.28m, 12), ("ZA12BAD0011010103983", 31.70m, 2),
        ("120400001", 18.00m, 8), ("210102001", 240.00m, 2),
    ];

    private RunningPlatform Platform { get; set; } = null!;
    private His His { get; set; } = null!;

    public async Task InitializeAsync()
    {
        Platform = await RunningPlatform.StartAsync(target, BundleWithPersonDetails());
        His = new His(Platform, JilinCentral);
    }

    public async Task DisposeAsync() => await Platform.DisposeAsync();

    /// <summary>jilin-mini with persons.csv's optional details: 张伟, 王芳 and 刘洋 (paused) have them, everyone else leaves them blank.</summary>
    internal static string BundleWithPersonDetails()
    {
        var directory = TestPaths.TempDirectory();
        foreach (var file in Directory.GetFiles(TestPaths.JilinMini))
            File.Copy(file, Path.Combine(directory, Path.GetFileName(file)));
        var path = Path.Combine(directory, "persons.csv");
        var lines = File.ReadAllLines(path);
        string Details(string line) => line.Split(',')[0] switch
        {
            ZhangWei => $",01,{Employer},2001-07-01,,0",
            WangFang => ",02,,2015-01-01,,",
            LiuYang => ",03,\"吉林示例化工厂, 二分厂\",1995-03-01,2025-12-01,1",
            _ => ",,,,,",
        };
        File.WriteAllLines(path, [lines[0] + ",naty,emp_name,psn_insu_date,paus_insu_date,cvlserv_flag", .. lines.Skip(1).Select(l => l + Details(l))]);
        return directory;
    }

    private Task<Reply> LookUpAsync(string certno, string hospital = JilinCentral) =>
        Platform.CallAsync("1101", hospital, new { data = new { mdtrt_cert_type = "02", mdtrt_cert_no = certno } });

    /// <summary>The envelope <see cref="RunningPlatform.CallAsync"/> sends, with <paramref name="insuplcAdmdvs"/> in its header.</summary>
    private Task<Reply> CallWithHomeRegionAsync(string infno, string hospital, string insuplcAdmdvs, object input, string? msgid = null)
    {
        var envelope = JsonNode.Parse(Platform.Envelope(infno, hospital, input, msgid))!.AsObject();
        envelope["insuplc_admdvs"] = insuplcAdmdvs;
        return Platform.PostAsync(envelope.ToJsonString(), hospital);
    }

    private static JsonElement Insuinfo(Reply reply) => Assert.Single(reply.Output.GetProperty("insuinfo").EnumerateArray());

    private static string? Text(JsonElement node, string field) => node.GetProperty(field).GetString();

    private async Task<long> SettlementsAsync()
    {
        await using var connection = await Platform.Database.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM settlements");
    }

    [Fact]
    public async Task A_lookup_answers_naty_and_per_scheme_insurance_dates_civil_servant_flag_employer_and_home_region()
    {
        var zhang = (await LookUpAsync(ZhangWeiCertno)).ShouldSucceed();
        Assert.Equal("01", zhang.Text("baseinfo", "naty"));
        var scheme = Insuinfo(zhang);
        Assert.Equal(("2001-07-01", null, "0", Employer, "220100", "220100"),
            (Text(scheme, "psn_insu_date"), Text(scheme, "paus_insu_date"), Text(scheme, "cvlserv_flag"), Text(scheme, "emp_name"),
                Text(scheme, "insu_admdvs"), Text(scheme, "insuplc_admdvs")));

        var liu = (await LookUpAsync(LiuYangCertno)).ShouldSucceed();
        var paused = Insuinfo(liu);
        Assert.Equal(("03", "1995-03-01", "2025-12-01", "1", "吉林示例化工厂, 二分厂", "2", "220700"),
            (liu.Text("baseinfo", "naty"), Text(paused, "psn_insu_date"), Text(paused, "paus_insu_date"), Text(paused, "cvlserv_flag"),
                Text(paused, "emp_name"), Text(paused, "psn_insu_stas"), Text(paused, "insu_admdvs")));

        // what the bundle does not say is answered null, never a guessed code
        var li = (await LookUpAsync(LiNaCertno)).ShouldSucceed();
        Assert.Equal(JsonValueKind.Null, li.Output.GetProperty("baseinfo").GetProperty("naty").ValueKind);
        var unknown = Insuinfo(li);
        foreach (var field in new[] { "psn_insu_date", "paus_insu_date", "cvlserv_flag", "emp_name" })
            Assert.Equal(JsonValueKind.Null, unknown.GetProperty(field).ValueKind);
        Assert.Equal("220200", Text(unknown, "insu_admdvs"));
    }

    [Fact]
    public async Task Outpatient_settlement_answers_carry_naty_cvlserv_flag_and_hifdm_pay()
    {
        var mdtrtId = await His.OutpatientVisitAsync(ZhangWei, "310", FirstVisitBill);

        var preview = (await His.PreSettleAsync(mdtrtId, ZhangWei, "310", 605.35m, useAccount: true)).ShouldSucceed();
        var msgid = Platform.NewMsgid(JilinCentral);
        var settled = (await His.SettleAsync(mdtrtId, ZhangWei, "310", 605.35m, useAccount: true, msgid: msgid)).ShouldSucceed();
        var replayed = (await His.SettleAsync(mdtrtId, ZhangWei, "310", 605.35m, useAccount: true, msgid: msgid)).ShouldSucceed();
        var reversed = (await His.ReverseAsync(settled.Text("setlinfo", "setl_id"), mdtrtId, ZhangWei)).ShouldSucceed();

        foreach (var answer in new[] { preview, settled, replayed, reversed })
        {
            Assert.Equal(("01", "0"), (answer.Text("setlinfo", "naty"), answer.Text("setlinfo", "cvlserv_flag")));
            Assert.Equal(0.00m, answer.Money("setlinfo", "hifdm_pay"));
            Assert.Null(answer.WarnMsg);
        }
        Assert.Equal(159.45m, settled.Money("setlinfo", "hifp_pay"));
        Assert.Equal("0.00", settled.Output.GetProperty("setlinfo").GetProperty("hifdm_pay").GetRawText());
    }

    [Fact]
    public async Task Admission_settlement_answers_carry_naty_cvlserv_flag_and_2305_answers_hifdm_pay()
    {
        var his = new His(Platform, Yanbian);
        (await his.FileAsync(WangFang, "390", "2026-03-14")).ShouldSucceed();
        var mdtrtId = (await his.AdmitAsync(WangFang, "390", "2026-03-14 22:10:00", "ZY0001")).ShouldSucceed().Text("result", "mdtrt_id");
        (await his.UploadAsync(mdtrtId, WangFang, AdmissionBill, inpatient: true)).ShouldSucceed();
        var preview = (await his.PreSettleAsync(mdtrtId, WangFang, "390", 958.76m, useAccount: false, inpatient: true)).ShouldSucceed();
        (await his.DischargeAsync(mdtrtId, WangFang, "390", "2026-03-15 09:00:00")).ShouldSucceed();
        var settled = (await his.SettleAsync(mdtrtId, WangFang, "390", 958.76m, useAccount: false, inpatient: true)).ShouldSucceed();
        var reversed = (await his.ReverseAsync(settled.Text("setlinfo", "setl_id"), mdtrtId, WangFang, inpatient: true)).ShouldSucceed();

        foreach (var answer in new[] { preview, settled, reversed })
        {
            // 王芳's row gives no cvlserv_flag: null, as the lookup answers it
            Assert.Equal("02", answer.Text("setlinfo", "naty"));
            Assert.Equal(JsonValueKind.Null, answer.Output.GetProperty("setlinfo").GetProperty("cvlserv_flag").ValueKind);
            Assert.Equal(0.00m, answer.Money("setlinfo", "hifdm_pay"));
        }
        Assert.Equal((958.76m, 160.93m, 797.83m),
            (settled.Money("setlinfo", "medfee_sumamt"), settled.Money("setlinfo", "hifp_pay"), settled.Money("setlinfo", "psn_cash_pay")));
        Assert.Equal(-160.93m, reversed.Money("setlinfo", "hifp_pay"));
    }

    [Fact]
    public async Task Jilins_5301_after_1101_answers_an_empty_feedetail_for_a_person_the_hospital_looked_up()
    {
        var person = (await LookUpAsync(ZhangWeiCertno)).ShouldSucceed();

        var filings = (await Platform.CallAsync("5301", JilinCentral, new { data = new { psn_no = person.Text("baseinfo", "psn_no"), insutype = "310" } }))
            .ShouldSucceed();

        Assert.Equal(JsonValueKind.Array, filings.Output.GetProperty("feedetail").ValueKind);
        Assert.Equal(0, filings.Output.GetProperty("feedetail").GetArrayLength());
        // in input itself, as some clients send it, and for a person with a filing here but not looked up
        (await His.FileAsync(WangFang, "390", "2026-03-15")).ShouldSucceed();
        Assert.Equal("[]", (await Platform.CallAsync("5301", JilinCentral, new { psn_no = WangFang })).ShouldSucceed().Output.GetProperty("feedetail").GetRawText());
    }

    [Fact]
    public async Task A_5301_for_a_person_the_hospital_never_looked_up_is_refused_as_for_one_who_does_not_exist()
    {
        (await LookUpAsync(ZhangWeiCertno, Yanbian)).ShouldSucceed(); // another hospital's lookup lets this one see nothing

        var notSeen = (await Platform.CallAsync("5301", JilinCentral, new { data = new { psn_no = ZhangWei } }))
            .ShouldFail($"未查询到人员编号 {ZhangWei} 在本机构的人员信息获取（1101）、备案或就诊");
        var nobody = (await Platform.CallAsync("5301", JilinCentral, new { data = new { psn_no = "22010000000000009999" } })).ShouldFail("请先以身份证号码");

        Assert.Equal(notSeen.ErrMsg!.Replace(ZhangWei, "«psn»"), nobody.ErrMsg!.Replace("22010000000000009999", "«psn»"));
        (await Platform.CallAsync("5301", JilinCentral, new { data = new { insutype = "310" } })).ShouldFail("缺少必填字段 input.data.psn_no");
    }

    [Fact]
    public async Task Insuplc_admdvs_repeated_inside_input_is_accepted_where_it_agrees_and_refused_where_it_differs()
    {
        (await His.FileAsync(ZhangWei, "310", "2026-03-15")).ShouldSucceed();
        var mdtrtId = (await His.RegisterAsync(ZhangWei, "310", "2026-03-15 09:00:00", "MZ0001")).ShouldSucceed().Text("data", "mdtrt_id");
        const string Home = "220100";

        (await CallWithHomeRegionAsync("2203", JilinCentral, Home, new
        {
            insuplc_admdvs = Home,
            mdtrtinfo = new { mdtrt_id = mdtrtId, psn_no = ZhangWei, med_type = "13", dise_codg = "J18.9", dise_name = "肺炎", insuplc_admdvs = Home },
        })).ShouldSucceed();
        (await His.UploadAsync(mdtrtId, ZhangWei, [("110200001", 50.00m, 1)])).ShouldSucceed();
        (await CallWithHomeRegionAsync("2205", JilinCentral, Home, new { data = new { mdtrt_id = mdtrtId, psn_no = ZhangWei, chrg_bchno = "0000", insuplc_admdvs = Home } }))
            .ShouldSucceed();
        (await His.UploadAsync(mdtrtId, ZhangWei, SecondVisitBill, firstSn: 11)).ShouldSucceed();

        var settle = new
        {
            data = new { psn_no = ZhangWei, med_type = "13", medfee_sumamt = 75.00m, mdtrt_id = mdtrtId, insutype = "310", acct_used_flag = "0", insuplc_admdvs = Home },
        };
        (await CallWithHomeRegionAsync("2206", JilinCentral, Home, settle)).ShouldSucceed();
        // another home region inside than in the header: refused by name, nothing settled
        var elsewhere = new
        {
            data = new { psn_no = ZhangWei, med_type = "13", medfee_sumamt = 75.00m, mdtrt_id = mdtrtId, insutype = "310", acct_used_flag = "0", insuplc_admdvs = "220200" },
        };
        (await CallWithHomeRegionAsync("2207", JilinCentral, Home, elsewhere))
            .ShouldFail("input.data.insuplc_admdvs 220200 与报文头 insuplc_admdvs 220100 不一致");
        (await CallWithHomeRegionAsync("2206", JilinCentral, Home, new { insuplc_admdvs = "220200", data = settle.data }))
            .ShouldFail("input.insuplc_admdvs 220200 与报文头 insuplc_admdvs 220100 不一致");
        Assert.Equal(0, await SettlementsAsync());

        var settled = (await CallWithHomeRegionAsync("2207", JilinCentral, Home, settle)).ShouldSucceed();
        Assert.Equal((75.00m, "220100"), (settled.Money("setlinfo", "medfee_sumamt"), settled.Text("setlinfo", "clr_optins")));
        Assert.Null(settled.WarnMsg);
        // with the header's left blank (as the tests' HIS sends it), the copy inside is the only one: accepted
        var again = await His.OutpatientVisitAsync(ZhangWei, "310", SecondVisitBill);
        (await Platform.CallAsync("2206", JilinCentral, new { data = settle.data with { mdtrt_id = again } })).ShouldSucceed();
    }

    /// <summary>Jilin's 2206 and 2207 body: the 2206 fields (with its one charge batch and insuplc_admdvs), no self-pay breakdown.</summary>
    private static object JilinSettleInput(string mdtrtId, decimal medfee) => new
    {
        data = new
        {
            psn_no = ZhangWei, mdtrt_cert_type = "02", mdtrt_cert_no = ZhangWeiCertno, med_type = "13", medfee_sumamt = medfee, psn_setlway = "01",
            mdtrt_id = mdtrtId, chrg_bchno = "B1", acct_used_flag = "1", insutype = "310", insuplc_admdvs = "220100",
        },
    };

    [Fact]
    public async Task A_2207_carrying_only_the_2206_fields_settles_to_the_worked_example()
    {
        var mdtrtId = await His.OutpatientVisitAsync(ZhangWei, "310", FirstVisitBill);

        var preview = (await CallWithHomeRegionAsync("2206", JilinCentral, "220100", JilinSettleInput(mdtrtId, 605.35m))).ShouldSucceed();
        var settled = (await CallWithHomeRegionAsync("2207", JilinCentral, "220100", JilinSettleInput(mdtrtId, 605.35m))).ShouldSucceed();

        foreach (var answer in new[] { preview, settled })
        {
            Assert.Equal((605.35m, 88.00m, 27.00m, 45.04m, 445.31m),
                (answer.Money("setlinfo", "medfee_sumamt"), answer.Money("setlinfo", "fulamt_ownpay_amt"), answer.Money("setlinfo", "overlmt_selfpay"),
                    answer.Money("setlinfo", "preselfpay_amt"), answer.Money("setlinfo", "inscp_scp_amt")));
            Assert.Equal((159.45m, 445.90m, 0.00m, 1074.60m),
                (answer.Money("setlinfo", "hifp_pay"), answer.Money("setlinfo", "acct_pay"), answer.Money("setlinfo", "psn_cash_pay"), answer.Money("setlinfo", "balc")));
            Assert.Null(answer.WarnMsg);
        }
        Assert.Equal(1, await SettlementsAsync());
    }

    [Fact]
    public async Task An_account_asked_for_in_the_residents_scheme_is_said_to_be_ignored_and_pays_nothing()
    {
        var mdtrtId = await His.OutpatientVisitAsync(WangFang, "390", SecondVisitBill);

        var without = (await His.PreSettleAsync(mdtrtId, WangFang, "390", 75.00m, useAccount: false)).ShouldSucceed();
        var preview = (await His.PreSettleAsync(mdtrtId, WangFang, "390", 75.00m, useAccount: true)).ShouldSucceed();
        var settled = (await His.SettleAsync(mdtrtId, WangFang, "390", 75.00m, useAccount: true)).ShouldSucceed();

        Assert.Null(without.WarnMsg);
        foreach (var answer in new[] { preview, settled })
        {
            Assert.Equal("已忽略 input.data.acct_used_flag = 1：城乡居民基本医疗保险（险种 390）没有个人账户，个人账户支付 acct_pay 为 0.00", answer.WarnMsg);
            Assert.Equal(0.00m, answer.Money("setlinfo", "acct_pay"));
            Assert.Equal(SetlAmounts(without), SetlAmounts(answer));
        }
    }

    private static (decimal, decimal, decimal, decimal, decimal) SetlAmounts(Reply reply) =>
        (reply.Money("setlinfo", "medfee_sumamt"), reply.Money("setlinfo", "act_pay_dedc"), reply.Money("setlinfo", "fund_pay_sumamt"),
            reply.Money("setlinfo", "psn_cash_pay"), reply.Money("setlinfo", "balc"));

    [Fact]
    public async Task A_mid_stay_flag_on_an_outpatient_settlement_is_said_to_be_ignored_and_the_visit_settled_as_ever()
    {
        var mdtrtId = await His.OutpatientVisitAsync(ZhangWei, "310", FirstVisitBill);

        var settled = (await His.SettleAsync(mdtrtId, ZhangWei, "310", 605.35m, useAccount: true, midSetlFlag: "1")).ShouldSucceed();

        Assert.Equal("已忽略 input.data.mid_setl_flag = 1：中途结算只用于住院结算（2303/2304），门诊结算不分中途与出院", settled.WarnMsg);
        Assert.Equal(("0", 159.45m, 1074.60m), (settled.Text("setlinfo", "mid_setl_flag"), settled.Money("setlinfo", "hifp_pay"), settled.Money("setlinfo", "balc")));
        (await His.PreSettleAsync(mdtrtId, ZhangWei, "310", 605.35m, useAccount: true)).ShouldFail("已结算");
    }

    [Fact]
    public async Task A_charge_batch_on_an_admission_settlement_is_said_to_be_ignored_and_the_whole_bill_settled()
    {
        var his = new His(Platform, Yanbian);
        (await his.FileAsync(WangFang, "390", "2026-03-14")).ShouldSucceed();
        var mdtrtId = (await his.AdmitAsync(WangFang, "390", "2026-03-14 22:10:00", "ZY0002")).ShouldSucceed().Text("result", "mdtrt_id");
        (await his.UploadAsync(mdtrtId, WangFang, AdmissionBill[..2], inpatient: true, batch: "B1")).ShouldSucceed();
        (await his.UploadAsync(mdtrtId, WangFang, AdmissionBill[2..], inpatient: true, batch: "B2", firstSn: 11)).ShouldSucceed();
        (await his.DischargeAsync(mdtrtId, WangFang, "390", "2026-03-15 09:00:00")).ShouldSucceed();

        var preview = (await his.PreSettleAsync(mdtrtId, WangFang, "390", 958.76m, useAccount: false, inpatient: true, batch: "B1")).ShouldSucceed();
        var settled = (await his.SettleAsync(mdtrtId, WangFang, "390", 958.76m, useAccount: false, inpatient: true, batch: "B1")).ShouldSucceed();

        foreach (var answer in new[] { preview, settled })
        {
            Assert.Equal("已忽略 input.data.chrg_bchno B1：住院结算按账单结算全部未结算的费用明细（中途或出院），不按收费批次", answer.WarnMsg);
            Assert.Equal((958.76m, 600.00m, 160.93m, 797.83m),
                (answer.Money("setlinfo", "medfee_sumamt"), answer.Money("setlinfo", "act_pay_dedc"), answer.Money("setlinfo", "hifp_pay"), answer.Money("setlinfo", "psn_cash_pay")));
        }
        // "0000" is every batch, which is what an admission's settlement takes: nothing to say
        var reversed = (await his.ReverseAsync(settled.Text("setlinfo", "setl_id"), mdtrtId, WangFang, inpatient: true)).ShouldSucceed();
        Assert.Null(reversed.WarnMsg);
        Assert.Null((await his.PreSettleAsync(mdtrtId, WangFang, "390", 958.76m, useAccount: false, inpatient: true, batch: "0000")).ShouldSucceed().WarnMsg);
    }

    private const string BreakdownReason = "自付分项由平台按已上传的费用明细计算，不读取医院所传的金额；"
                                           + "setlinfo 中的 fulamt_ownpay_amt、overlmt_selfpay、preselfpay_amt、inscp_scp_amt 是平台自己的计算结果";

    /// <summary>
    /// The national 2206/2207 body (national-interface.md: 2207 adds invono and the self-pay breakdown to 2206's fields), with
    /// <paramref name="psnSetlway"/> and a breakdown the client made up: none of it is what the platform computes.
    /// </summary>
    private static object NationalSettleInput(string mdtrtId, decimal medfee, string psnSetlway, object? fulamt, object? overlmt, object? preself, object? inscp) => new
    {
        data = new
        {
            psn_no = ZhangWei, mdtrt_cert_type = "02", mdtrt_cert_no = ZhangWeiCertno, med_type = "13", medfee_sumamt = medfee, psn_setlway = psnSetlway,
            mdtrt_id = mdtrtId, insutype = "310", acct_used_flag = "1", invono = "FP20260315001",
            fulamt_ownpay_amt = fulamt, overlmt_selfpay = overlmt, preselfpay_amt = preself, inscp_scp_amt = inscp,
        },
    };

    private static (decimal, decimal, decimal, decimal, decimal, decimal, decimal, decimal, decimal) WorkedFigures(Reply reply) =>
        (reply.Money("setlinfo", "medfee_sumamt"), reply.Money("setlinfo", "fulamt_ownpay_amt"), reply.Money("setlinfo", "overlmt_selfpay"),
            reply.Money("setlinfo", "preselfpay_amt"), reply.Money("setlinfo", "inscp_scp_amt"), reply.Money("setlinfo", "act_pay_dedc"),
            reply.Money("setlinfo", "hifp_pay"), reply.Money("setlinfo", "acct_pay"), reply.Money("setlinfo", "balc"));

    [Fact]
    public async Task A_settlement_way_other_than_by_item_and_a_self_pay_breakdown_are_said_to_be_ignored_and_the_figures_are_the_platforms_own()
    {
        var mdtrtId = await His.OutpatientVisitAsync(ZhangWei, "310", FirstVisitBill);
        // 按定额结算, and a breakdown that is not this bill's: money as text and as a number, one left empty
        var input = NationalSettleInput(mdtrtId, 605.35m, "02", "0", 1.5m, "", "605.35");

        var preview = (await Platform.CallAsync("2206", JilinCentral, input)).ShouldSucceed();
        var settled = (await Platform.CallAsync("2207", JilinCentral, input)).ShouldSucceed();

        foreach (var answer in new[] { preview, settled })
        {
            Assert.Equal(
                "已忽略 input.data.psn_setlway = 02：本平台只按项目结算（01），按已上传的费用明细逐项计算，不按定额（02）或其他方式结算；"
                + $"已忽略 input.data.fulamt_ownpay_amt = 0、input.data.overlmt_selfpay = 1.5、input.data.inscp_scp_amt = 605.35：{BreakdownReason}",
                answer.WarnMsg);
            // DESIGN.md's worked example, to the cent: by item, with the platform's own breakdown
            Assert.Equal((605.35m, 88.00m, 27.00m, 45.04m, 445.31m, 200.00m, 159.45m, 445.90m, 1074.60m), WorkedFigures(answer));
        }
        Assert.Equal(1, await SettlementsAsync());
    }

    [Fact]
    public async Task By_item_and_a_breakdown_sent_null_or_empty_say_nothing()
    {
        var mdtrtId = await His.OutpatientVisitAsync(ZhangWei, "310", FirstVisitBill);

        var settled = (await Platform.CallAsync("2207", JilinCentral, NationalSettleInput(mdtrtId, 605.35m, "01", null, "", " ", null))).ShouldSucceed();

        Assert.Null(settled.WarnMsg);
        Assert.Equal((605.35m, 88.00m, 27.00m, 45.04m, 445.31m, 200.00m, 159.45m, 445.90m, 1074.60m), WorkedFigures(settled));
    }

    [Fact]
    public async Task An_admission_settlement_s_breakdown_is_said_to_be_ignored_and_the_stay_settled_as_ever()
    {
        var his = new His(Platform, Yanbian);
        (await his.FileAsync(WangFang, "390", "2026-03-14")).ShouldSucceed();
        var mdtrtId = (await his.AdmitAsync(WangFang, "390", "2026-03-14 22:10:00", "ZY0003")).ShouldSucceed().Text("result", "mdtrt_id");
        (await his.UploadAsync(mdtrtId, WangFang, AdmissionBill, inpatient: true)).ShouldSucceed();
        (await his.DischargeAsync(mdtrtId, WangFang, "390", "2026-03-15 09:00:00")).ShouldSucceed();
        // as the national 2304 carries them (HSA's InptSettleReqUtil), flat in input; by item, so only the breakdown is said
        var input = new
        {
            psn_no = WangFang, mdtrt_cert_type = "02", mdtrt_cert_no = "", medfee_sumamt = 958.76m, psn_setlway = "01", mdtrt_id = mdtrtId, insutype = "390",
            acct_used_flag = "0", mid_setl_flag = "0", fulamt_ownpay_amt = 0.00m, overlmt_selfpay = 0.00m, preselfpay_amt = 0.00m, inscp_scp_amt = 958.76m,
        };

        var preview = (await Platform.CallAsync("2303", Yanbian, input)).ShouldSucceed();
        var settled = (await Platform.CallAsync("2304", Yanbian, input)).ShouldSucceed();

        foreach (var answer in new[] { preview, settled })
        {
            Assert.Equal("已忽略 input.fulamt_ownpay_amt = 0.00、input.overlmt_selfpay = 0.00、input.preselfpay_amt = 0.00、input.inscp_scp_amt = 958.76："
                         + BreakdownReason, answer.WarnMsg);
            Assert.Equal((958.76m, 60.00m, 51.17m, 847.59m, 600.00m, 160.93m, 797.83m),
                (answer.Money("setlinfo", "medfee_sumamt"), answer.Money("setlinfo", "overlmt_selfpay"), answer.Money("setlinfo", "preselfpay_amt"),
                    answer.Money("setlinfo", "inscp_scp_amt"), answer.Money("setlinfo", "act_pay_dedc"), answer.Money("setlinfo", "hifp_pay"),
                    answer.Money("setlinfo", "psn_cash_pay")));
        }
    }

    [Fact]
    public async Task A_discharge_way_is_said_to_be_ignored_since_it_is_not_kept()
    {
        var his = new His(Platform, Yanbian);
        (await his.FileAsync(WangFang, "390", "2026-03-14")).ShouldSucceed();
        var mdtrtId = (await his.AdmitAsync(WangFang, "390", "2026-03-14 22:10:00", "ZY0004")).ShouldSucceed().Text("result", "mdtrt_id");
        Task<Reply> DischargeAsync(object input) => Platform.CallAsync("2402", Yanbian, input);
        Task<Reply> CancelAsync() => Platform.CallAsync("2405", Yanbian, new { data = new { mdtrt_id = mdtrtId, psn_no = WangFang } });

        var discharged = (await his.DischargeAsync(mdtrtId, WangFang, "390", "2026-03-15 09:00:00")).ShouldSucceed();
        Assert.Equal("已忽略 input.dscginfo.dscg_way = 1：本平台不保存离院方式，它不影响结算", discharged.WarnMsg);
        await using (var connection = await Platform.Database.OpenConnectionAsync())
            Assert.Equal("2026-03-15 09:00:00", await connection.ExecuteScalarAsync<string>("SELECT endtime FROM visits WHERE mdtrt_id = @mdtrtId", new { mdtrtId }));

        // under the name some clients give the node, sent as a number; not sent, or sent empty, nothing is said
        (await CancelAsync()).ShouldSucceed();
        Assert.Equal("已忽略 input.mdtrtinfo.dscg_way = 5：本平台不保存离院方式，它不影响结算",
            (await DischargeAsync(new { mdtrtinfo = new { mdtrt_id = mdtrtId, psn_no = WangFang, endtime = "2026-03-15 09:00:00", dscg_way = 5 } })).ShouldSucceed().WarnMsg);
        (await CancelAsync()).ShouldSucceed();
        Assert.Null((await DischargeAsync(new { dscginfo = new { mdtrt_id = mdtrtId, psn_no = WangFang, endtime = "2026-03-15 09:00:00", dscg_way = "" } }))
            .ShouldSucceed().WarnMsg);
        (await CancelAsync()).ShouldSucceed();
        Assert.Null((await DischargeAsync(new { dscginfo = new { mdtrt_id = mdtrtId, psn_no = WangFang, endtime = "2026-03-15 09:00:00" } })).ShouldSucceed().WarnMsg);
    }
}

public sealed class ClientFieldsTests_Sqlite() : ClientFieldsTests(new SqliteTarget());

public sealed class ClientFieldsTests_Postgres() : ClientFieldsTests(new PostgresTarget());
