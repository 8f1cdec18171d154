using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Dapper;
using MedSettle.Admin;
using MedSettle.Tests.Infrastructure;
using MedSettle.Web;
using static MedSettle.Tests.Transactions.WorkedExampleTests;

namespace MedSettle.Tests.Admin;

/// <summary>
/// The figures and the monthly clearing split each settlement's fund pay by fund (统筹基金 hifp, 大额补助 hifob, 大病保险
/// hifmi, 医疗救助 maf), with DESIGN.md's v2 worked examples settled over HTTP at 吉林市示例中心医院: 孙丽 (April and May),
/// 陈刚 (April) and 赵敏 (June), all insured in 长春市; and 李娜, insured in 吉林市, at a 长春市 hospital in June.
/// </summary>
public abstract partial class FiguresAndClearingByFundTests(DatabaseTarget target) : PlatformTests(target, JilinCentral)
{
    private const string SunLi = "22010000000000000006";
    private const string ChenGang = "22010000000000000007";
    private const string ZhaoMin = "22010000000000000008";
    private const string LiNa = "22020000000000000003";
    private const string ChangchunFirst = "H22010000001";

    private sealed record Settled(string MdtrtId, string SetlId);

    /// <summary>Files, admits (on <paramref name="day"/> at 08:00), uploads, discharges and settles at 18:00.</summary>
    private async Task<Settled> AdmissionAsync(string psnNo, string insutype, string day, decimal medfee, bool useAccount,
        params (string, decimal, decimal)[] items)
    {
        Platform.Clock.Set(DateTime.Parse(day + " 18:00:00", CultureInfo.InvariantCulture));
        (await His.FileAsync(psnNo, insutype, day)).ShouldSucceed();
        var mdtrtId = (await His.AdmitAsync(psnNo, insutype, day + " 08:00:00", "ZY" + Guid.NewGuid().ToString("N")[..10])).ShouldSucceed().Text("result", "mdtrt_id");
        (await His.UploadAsync(mdtrtId, psnNo, items, inpatient: true)).ShouldSucceed();
        (await His.DischargeAsync(mdtrtId, psnNo, insutype, day + " 17:00:00")).ShouldSucceed();
        var settled = (await His.SettleAsync(mdtrtId, psnNo, insutype, medfee, useAccount, inpatient: true)).ShouldSucceed();
        return new Settled(mdtrtId, settled.Text("setlinfo", "setl_id"));
    }

    private Task<Settled> SunLisFirstAdmissionAsync() => AdmissionAsync(SunLi, "390", "2026-04-02", 39180.00m, false,
        ("311300001", 1800.00m, 20), ("210102001", 240.00m, 5), ("110900001", 55.00m, 20), ("XS0000000001", 88.00m, 10));

    private Task<Settled> ChenGangsAdmissionAsync() => AdmissionAsync(ChenGang, "310", "2026-04-20", 216960.00m, true,
        ("311300001", 1800.00m, 120), ("210102001", 240.00m, 4));

    private Task<Settled> SunLisSecondAdmissionAsync() => AdmissionAsync(SunLi, "390", "2026-05-10", 54938.00m, false,
        ("311300001", 1800.00m, 30), ("XJ01DDA036B001010178838", 23.45m, 40));

    private Task<Settled> ZhaoMinsAdmissionAsync() => AdmissionAsync(ZhaoMin, "390", "2026-06-01", 45909.00m, false,
        ("311300001", 1800.00m, 25), ("XJ01DDA036B001010178838", 23.45m, 20), ("XS0000000001", 88.00m, 5));

    /// <summary>李娜's first visit of the year at a 长春市 hospital, account used: 统筹 161.90, account 86.20 (as in March's history).</summary>
    private async Task LiNasVisitInChangchunAsync(string day)
    {
        Platform.Clock.Set(DateTime.Parse(day + " 11:00:00", CultureInfo.InvariantCulture));
        var changchun = new His(Platform, ChangchunFirst);
        var mdtrtId = await changchun.OutpatientVisitAsync(LiNa, "310", FirstVisitBill, day);
        var settled = (await changchun.SettleAsync(mdtrtId, LiNa, "310", 605.35m, useAccount: true)).ShouldSucceed();
        Assert.Equal((161.90m, 161.90m, 86.20m), (settled.Money("setlinfo", "fund_pay_sumamt"), settled.Money("setlinfo", "hifp_pay"), settled.Money("setlinfo", "acct_pay")));
    }

    /// <summary>All of the above: April (孙丽, 陈刚), May (孙丽 again), June (赵敏, 李娜); the clock then on 2 July.</summary>
    private async Task HistoryAsync()
    {
        await SunLisFirstAdmissionAsync();
        await ChenGangsAdmissionAsync();
        await SunLisSecondAdmissionAsync();
        await ZhaoMinsAdmissionAsync();
        await LiNasVisitInChangchunAsync("2026-06-03");
        Platform.Clock.Set(new DateTime(2026, 7, 2, 9, 0, 0));
    }

    private async Task<JsonElement> AdminJsonAsync(HttpMethod method, string path)
    {
        var token = await AdminTokens.IssueAsync(Platform.Database, "test-" + Guid.NewGuid().ToString("N")[..6], Platform.Clock.GetLocalNow().DateTime);
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await Platform.Http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{method} {path}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private static decimal D(JsonElement e, string name) => e.GetProperty(name).GetDecimal();

    /// <summary>hifp_pay, hifob_pay, hifmi_pay, maf_pay of a figures row, a clearing line or a 3260 row.</summary>
    private static (decimal Hifp, decimal Hifob, decimal Hifmi, decimal Maf) Funds(JsonElement e) =>
        (D(e, "hifp_pay"), D(e, "hifob_pay"), D(e, "hifmi_pay"), D(e, "maf_pay"));

    private static void FundsSumToFundPay(JsonElement e)
    {
        var (hifp, hifob, hifmi, maf) = Funds(e);
        Assert.True(hifp + hifob + hifmi + maf == D(e, "fund_pay_sumamt"), $"the funds of {e} do not sum to its fund_pay_sumamt");
    }

    private static JsonElement Line(JsonElement statement, string payer, string hospital) =>
        statement.GetProperty("lines").EnumerateArray()
            .Single(l => l.GetProperty("payer_admdvs").GetString() == payer && l.GetProperty("fixmedins_code").GetString() == hospital);

    private static JsonElement Position(JsonElement statement, string admdvs) =>
        statement.GetProperty("positions").EnumerateArray().Single(p => p.GetProperty("admdvs").GetString() == admdvs);

    [Fact]
    public async Task The_figures_split_the_fund_pay_by_fund_in_total_and_in_every_row_of_every_breakdown()
    {
        await HistoryAsync();

        var stats = await AdminJsonAsync(HttpMethod.Get, "/api/admin/stats?from=2026-04-01&to=2026-06-30");

        Assert.Equal(5, stats.GetProperty("settlements").GetInt32());
        Assert.Equal(357592.35m, D(stats, "medfee_sumamt"));
        Assert.Equal(296294.35m, D(stats, "fund_pay_sumamt"));
        // 统筹: 24232.00 + 150000.00 + 35258.73 + 29134.37 + 161.90; 大额: 陈刚's; 大病: 孙丽's second and 赵敏's; 救助: 赵敏's
        Assert.Equal((238787.00m, 35634.07m, 11712.72m, 10160.56m), Funds(stats));
        FundsSumToFundPay(stats);
        foreach (var breakdown in new[] { "by_home_region", "by_treating_region", "by_hospital", "by_day" })
            Assert.All(stats.GetProperty(breakdown).EnumerateArray(), FundsSumToFundPay);

        var changchun = stats.GetProperty("by_home_region").EnumerateArray().Single(g => g.GetProperty("key").GetString() == "220100");
        Assert.Equal((238625.10m, 35634.07m, 11712.72m, 10160.56m), Funds(changchun));
        var jilin = stats.GetProperty("by_home_region").EnumerateArray().Single(g => g.GetProperty("key").GetString() == "220200");
        Assert.Equal((161.90m, 0.00m, 0.00m, 0.00m), Funds(jilin));
        var days = stats.GetProperty("by_day").EnumerateArray().ToDictionary(g => g.GetProperty("key").GetString()!);
        Assert.Equal((150000.00m, 35634.07m, 0.00m, 0.00m), Funds(days["2026-04-20"]));
        Assert.Equal((35258.73m, 0.00m, 10940.08m, 0.00m), Funds(days["2026-05-10"]));
        Assert.Equal((29134.37m, 0.00m, 772.64m, 10160.56m), Funds(days["2026-06-01"]));
        var hospital = stats.GetProperty("by_hospital").EnumerateArray().Single(g => g.GetProperty("key").GetString() == JilinCentral);
        Assert.Equal((238625.10m, 35634.07m, 11712.72m, 10160.56m), Funds(hospital));

        // one home region's figures for one month
        var own = await Stats.ComputeAsync(Platform.Database, new StatsQuery(new DateOnly(2026, 5, 1), new DateOnly(2026, 5, 31), InsuplcAdmdvs: "220100"));
        Assert.Equal((46198.81m, 35258.73m, 0.00m, 10940.08m, 0.00m), (own.FundPaySumamt, own.HifpPay, own.HifobPay, own.HifmiPay, own.MafPay));
    }

    [Fact]
    public async Task The_command_lines_stats_show_the_same_split_as_the_api()
    {
        await HistoryAsync();

        var (code, output, errors) = await InProcessCli.RunAsync("stats", "--db", Platform.DatabaseValue, "--from", "2026-04-01", "--to", "2026-06-30");

        Assert.True(code == 0, errors);
        var byFund = output[output.IndexOf("医保支付金额按基金", StringComparison.Ordinal)..];
        Assert.Matches(@"238,787\.00\s*│\s*35,634\.07\s*│\s*11,712\.72\s*│\s*10,160\.56", byFund);
    }

    [Fact]
    public async Task Each_clearing_line_and_each_regions_payable_say_which_fund_owes_what_and_a_region_still_makes_one_transfer()
    {
        await HistoryAsync();

        var april = await AdminJsonAsync(HttpMethod.Post, "/api/admin/clearing/2026-04");
        var aprilLine = Line(april, "220100", JilinCentral);
        Assert.Equal((2L, 256140.00m, 209866.07m, 800.00m, 210666.07m), (aprilLine.GetProperty("count").GetInt64(), D(aprilLine, "medfee_sumamt"),
            D(aprilLine, "fund_pay_sumamt"), D(aprilLine, "acct_pay"), D(aprilLine, "amount_owed")));
        Assert.Equal((174232.00m, 35634.07m, 0.00m, 0.00m), Funds(aprilLine));
        FundsSumToFundPay(aprilLine);

        var may = await AdminJsonAsync(HttpMethod.Post, "/api/admin/clearing/2026-05");
        Assert.Equal((35258.73m, 0.00m, 10940.08m, 0.00m), Funds(Line(may, "220100", JilinCentral)));
        Assert.Equal((35258.73m, 0.00m, 10940.08m, 0.00m), Funds(may.GetProperty("totals")));

        var june = await AdminJsonAsync(HttpMethod.Post, "/api/admin/clearing/2026-06");
        Assert.Equal("computed", june.GetProperty("fund_split").GetString());
        var zhaoMin = Line(june, "220100", JilinCentral);
        Assert.Equal((29134.37m, 0.00m, 772.64m, 10160.56m), Funds(zhaoMin));
        Assert.Equal(40067.57m, D(zhaoMin, "amount_owed"));
        var liNa = Line(june, "220200", ChangchunFirst);
        Assert.Equal((161.90m, 0.00m, 0.00m, 0.00m, 86.20m), (D(liNa, "hifp_pay"), D(liNa, "hifob_pay"), D(liNa, "hifmi_pay"), D(liNa, "maf_pay"), D(liNa, "acct_pay")));
        Assert.All(june.GetProperty("lines").EnumerateArray(), FundsSumToFundPay);
        Assert.Equal((29296.27m, 0.00m, 772.64m, 10160.56m), Funds(june.GetProperty("totals")));
        FundsSumToFundPay(june.GetProperty("totals"));

        // 长春市 owes 40067.57, all of it by its funds; 吉林市 owes 248.10, of it 86.20 from 李娜's account; one net transfer each
        var changchun = Position(june, "220100");
        Assert.Equal((248.10m, 40067.57m, -39819.47m), (D(changchun, "receivable"), D(changchun, "payable"), D(changchun, "net")));
        Assert.Equal((29134.37m, 0.00m, 772.64m, 10160.56m, 0.00m), (D(changchun, "hifp_pay"), D(changchun, "hifob_pay"), D(changchun, "hifmi_pay"),
            D(changchun, "maf_pay"), D(changchun, "acct_pay")));
        var jilin = Position(june, "220200");
        Assert.Equal((161.90m, 0.00m, 0.00m, 0.00m, 86.20m, 248.10m), (D(jilin, "hifp_pay"), D(jilin, "hifob_pay"), D(jilin, "hifmi_pay"),
            D(jilin, "maf_pay"), D(jilin, "acct_pay"), D(jilin, "payable")));
        var transfers = june.GetProperty("transfers").EnumerateArray().ToList();
        Assert.Equal([("220100", "pay", 39819.47m), ("220200", "receive", 39819.47m)],
            transfers.Select(t => (t.GetProperty("admdvs").GetString(), t.GetProperty("direction").GetString(), D(t, "amount"))));
    }

    [Fact]
    public async Task A_reversal_in_a_later_month_takes_each_fund_back_in_that_months_clearing()
    {
        await SunLisFirstAdmissionAsync();
        var sunLi2 = await SunLisSecondAdmissionAsync();
        Platform.Clock.Set(new DateTime(2026, 6, 1, 9, 0, 0));
        await MonthlyClearing.ConfirmAsync(Platform.Database, "2026-05", Platform.Clock.GetLocalNow().DateTime);
        await ZhaoMinsAdmissionAsync();
        Platform.Clock.Set(new DateTime(2026, 6, 5, 9, 0, 0));
        (await His.ReverseAsync(sunLi2.SetlId, sunLi2.MdtrtId, SunLi, inpatient: true)).ShouldSucceed();
        Platform.Clock.Set(new DateTime(2026, 7, 2, 9, 0, 0));

        var may = await AdminJsonAsync(HttpMethod.Get, "/api/admin/clearing/2026-05");
        Assert.Equal("confirmed", may.GetProperty("status").GetString());
        Assert.Equal((35258.73m, 0.00m, 10940.08m, 0.00m), Funds(Line(may, "220100", JilinCentral)));

        // June: 赵敏 settled, 孙丽's May admission reversed: 0 settlements net, each fund the difference of the two
        var june = await AdminJsonAsync(HttpMethod.Post, "/api/admin/clearing/2026-06");
        var line = Line(june, "220100", JilinCentral);
        Assert.Equal((0L, -9029.00m, -6131.24m), (line.GetProperty("count").GetInt64(), D(line, "medfee_sumamt"), D(line, "fund_pay_sumamt")));
        Assert.Equal((29134.37m - 35258.73m, 0.00m, 772.64m - 10940.08m, 10160.56m), Funds(line));
        FundsSumToFundPay(line);

        var pulled = (await Platform.CallAsync("3260", JilinCentral, new { data = new { trt_year = "2026", trt_month = "06", startrow = 1 } })).ShouldSucceed();
        var reversal = pulled.Output.GetProperty("data").EnumerateArray().Single(r => r.GetProperty("refd_setl_flag").GetString() == "1");
        Assert.Equal((-35258.73m, 0.00m, -10940.08m, 0.00m), Funds(reversal));
        Assert.Equal((-46198.81m, -46198.81m), (D(reversal, "fund_pay_sumamt"), D(reversal, "optins_pay_sumamt")));
    }

    [Fact]
    public async Task Hospitals_pull_3260_rows_with_each_funds_amount()
    {
        var sunLi1 = await SunLisFirstAdmissionAsync();
        var chenGang = await ChenGangsAdmissionAsync();
        Platform.Clock.Set(new DateTime(2026, 5, 3, 9, 0, 0));

        var pulled = (await Platform.CallAsync("3260", JilinCentral, new { data = new { trt_year = "2026", trt_month = "04", startrow = 1 } })).ShouldSucceed();

        var rows = pulled.Output.GetProperty("data").EnumerateArray().ToDictionary(r => r.GetProperty("setl_sn").GetString()!);
        Assert.Equal(2, rows.Count);
        var sunLi = rows[sunLi1.SetlId];
        Assert.Equal((24232.00m, 0.00m, 0.00m, 0.00m, 24232.00m, 0.00m, 24232.00m), (D(sunLi, "hifp_pay"), D(sunLi, "hifob_pay"), D(sunLi, "hifmi_pay"),
            D(sunLi, "maf_pay"), D(sunLi, "fund_pay_sumamt"), D(sunLi, "acct_pay"), D(sunLi, "optins_pay_sumamt")));
        var chen = rows[chenGang.SetlId];
        Assert.Equal((150000.00m, 35634.07m, 0.00m, 0.00m, 185634.07m, 800.00m, 186434.07m), (D(chen, "hifp_pay"), D(chen, "hifob_pay"), D(chen, "hifmi_pay"),
            D(chen, "maf_pay"), D(chen, "fund_pay_sumamt"), D(chen, "acct_pay"), D(chen, "optins_pay_sumamt")));
    }

    [Fact]
    public async Task The_clearing_page_and_its_csv_show_each_funds_amount_per_line_and_per_region()
    {
        await HistoryAsync();
        await MonthlyClearing.ConfirmAsync(Platform.Database, "2026-06", Platform.Clock.GetLocalNow().DateTime);
        using var province = await SignInAsync();

        var html = await PageAsync(province, "2026-06");

        Assert.Contains("基金支付 统筹基金 大额补助 大病保险 医疗救助 个人账户 应付金额", Head(Table(html, "clearing-lines")));
        Assert.Contains("统筹基金 大额补助 大病保险 医疗救助 个人账户", Head(Table(html, "clearing-positions")));
        var lines = Rows(Table(html, "clearing-lines"));
        Assert.Equal("长春市 吉林市 吉林市示例中心医院 1 45,909.00 40,067.57 29,134.37 0.00 772.64 10,160.56 0.00 40,067.57", lines[0]);
        Assert.Equal("吉林市 长春市 长春市示例第一医院 1 605.35 161.90 161.90 0.00 0.00 0.00 86.20 248.10", lines[1]);
        var positions = Rows(Table(html, "clearing-positions"));
        Assert.Equal("长春市 248.10 40,067.57 29,134.37 0.00 772.64 10,160.56 0.00 -39,819.47", positions[0]);
        Assert.Equal("吉林市 40,067.57 248.10 161.90 0.00 0.00 0.00 86.20 39,819.47", positions[1]);
        Assert.DoesNotContain("fund-split-note", html);

        using var csv = await province.Client.GetAsync("/dashboard/clearing?month=2026-06&handler=Csv");
        var text = (await csv.Content.ReadAsStringAsync()).TrimStart('\uFEFF').Split("\r\n");
        Assert.Contains(",基金支付总额,统筹基金支付,大额补助支付,大病保险支付,医疗救助支付,个人账户支出,", text[0]);
        Assert.Equal("2026-06,220100,长春市,220200,吉林市,H22020000001,吉林市示例中心医院,1,45909.00,40067.57,29134.37,0.00,772.64,10160.56,0.00,40067.57,0", text[1]);
    }

    [Fact]
    public async Task A_statement_stored_before_the_split_stays_as_it_was_and_is_shown_with_the_split_its_settlements_still_give()
    {
        await HistoryAsync();
        var confirmed = await MonthlyClearing.ConfirmAsync(Platform.Database, "2026-06", Platform.Clock.GetLocalNow().DateTime);
        var legacy = await StoreAsBeforeTheSplitAsync("2026-06");

        var june = await AdminJsonAsync(HttpMethod.Get, "/api/admin/clearing/2026-06");
        Assert.Equal(("confirmed", "derived"), (june.GetProperty("status").GetString(), june.GetProperty("fund_split").GetString()));
        Assert.Equal((29134.37m, 0.00m, 772.64m, 10160.56m), Funds(Line(june, "220100", JilinCentral)));
        Assert.Equal((29296.27m, 0.00m, 772.64m, 10160.56m), Funds(june.GetProperty("totals")));
        Assert.Equal(86.20m, D(Position(june, "220200"), "acct_pay"));
        Assert.Equal(confirmed.Totals.AmountOwed, D(june.GetProperty("totals"), "amount_owed"));
        var again = await AdminJsonAsync(HttpMethod.Post, "/api/admin/clearing/2026-06");
        Assert.Equal(june.GetRawText(), again.GetRawText());
        Assert.Equal(legacy, await StoredResultAsync("2026-06"));

        using var province = await SignInAsync();
        var html = await PageAsync(province, "2026-06");
        Assert.Contains("id=\"fund-split-note\"", html);
        Assert.Equal("长春市 吉林市 吉林市示例中心医院 1 45,909.00 40,067.57 29,134.37 0.00 772.64 10,160.56 0.00 40,067.57",
            Rows(Table(html, "clearing-lines"))[0]);

        // a settlement dated in June after the statement was stored: the lines no longer match, so the split is unavailable
        Platform.Clock.Set(new DateTime(2026, 6, 20, 10, 0, 0));
        var mdtrtId = await His.OutpatientVisitAsync(ZhangWei, "310", FirstVisitBill, "2026-06-20");
        (await His.SettleAsync(mdtrtId, ZhangWei, "310", 605.35m, useAccount: true)).ShouldSucceed();
        Platform.Clock.Set(new DateTime(2026, 7, 3, 9, 0, 0));

        var changed = await AdminJsonAsync(HttpMethod.Get, "/api/admin/clearing/2026-06");
        Assert.Equal("unavailable", changed.GetProperty("fund_split").GetString());
        Assert.Equal((40067.57m, (0.00m, 0.00m, 0.00m, 0.00m)), (D(Line(changed, "220100", JilinCentral), "fund_pay_sumamt"), Funds(Line(changed, "220100", JilinCentral))));
        Assert.Equal(legacy, await StoredResultAsync("2026-06"));
        var dashed = Rows(Table(await PageAsync(province, "2026-06"), "clearing-lines"))[0];
        Assert.Equal("长春市 吉林市 吉林市示例中心医院 1 45,909.00 40,067.57 — — — — 0.00 40,067.57", dashed);
    }

    /// <summary>Rewrites the month's stored statement as it was stored before the split by fund existed; returns the stored text.</summary>
    private async Task<string> StoreAsBeforeTheSplitAsync(string month)
    {
        var statement = JsonNode.Parse(await StoredResultAsync(month))!.AsObject();
        string[] funds = ["hifp_pay", "hifob_pay", "hifmi_pay", "maf_pay"];
        statement.Remove("fund_split");
        foreach (var name in funds) statement["totals"]!.AsObject().Remove(name);
        foreach (var line in statement["lines"]!.AsArray())
            foreach (var name in funds) line!.AsObject().Remove(name);
        foreach (var position in statement["positions"]!.AsArray())
            foreach (var name in funds.Append("acct_pay")) position!.AsObject().Remove(name);
        var legacy = statement.ToJsonString();
        Assert.DoesNotContain("hifp_pay", legacy);
        await using var connection = await Platform.Database.OpenConnectionAsync();
        await connection.ExecuteAsync("UPDATE clearings SET result = @legacy WHERE month = @month", new { legacy, month });
        return legacy;
    }

    private async Task<string> StoredResultAsync(string month)
    {
        await using var connection = await Platform.Database.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<string>("SELECT result FROM clearings WHERE month = @month", new { month }) ?? "";
    }

    private async Task<WebSession> SignInAsync()
    {
        await Accounts.AddAsync(Platform.Database, "province", "province", Roles.Province, null, null, "province-password", Platform.Clock.GetLocalNow().DateTime);
        return await WebSession.SignInAsync(Platform.Http.BaseAddress!, "province", "province-password");
    }

    private static async Task<string> PageAsync(WebSession session, string month)
    {
        using var response = await session.Client.GetAsync($"/dashboard/clearing?month={month}");
        var html = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, html);
        return html;
    }

    private static string Table(string html, string id)
    {
        var table = Regex.Match(html, $"<table id=\"{id}\">(.*?)</table>", RegexOptions.Singleline);
        Assert.True(table.Success, $"the page has no table {id}");
        return table.Groups[1].Value;
    }

    private static string Head(string table) => Text(Regex.Match(table, "<thead>(.*?)</thead>", RegexOptions.Singleline).Groups[1].Value);

    private static string Text(string html) => Spaces().Replace(Tags().Replace(html, " "), " ").Trim();

    /// <summary>The text of each body row, cells separated by one space.</summary>
    private static List<string> Rows(string table) =>
        Regex.Match(table, "<tbody>(.*?)</tbody>", RegexOptions.Singleline).Groups[1].Value
            .Split("</tr>").Select(Text).Where(r => r.Length > 0).ToList();

    [GeneratedRegex("<[^>]+>")]
    private static partial Regex Tags();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();
}

public sealed class FiguresAndClearingByFundTests_Sqlite() : FiguresAndClearingByFundTests(new SqliteTarget());

public sealed class FiguresAndClearingByFundTests_Postgres() : FiguresAndClearingByFundTests(new PostgresTarget());
