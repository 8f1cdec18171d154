using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using MedSettle.Admin;
using MedSettle.Tests.Infrastructure;
using static MedSettle.Tests.Transactions.WorkedExampleTests;

namespace MedSettle.Tests.Admin;

/// <summary>
/// A known two-month history — settlements, a revoked filing, a reversal across the month boundary, a disputed row —
/// and every figure, clearing number and reconciliation answer checked to the fen.
/// </summary>
public abstract class ClearingAndFiguresTests(DatabaseTarget target) : PlatformTests(target, JilinCentral)
{
    private const string LiNa = "22020000000000000003";
    private const string ChangchunFirst = "H22010000001";

    /// <summary>March: A (张伟 at 吉林市, account), B (王芳 admitted at 延边), C (李娜 at 长春, account), D (张伟 again, reversed on 2 April).
    /// April: F (王芳 at 吉林市). Filings: five stand in March, a sixth is revoked; one in April.</summary>
    private async Task<(string A, string D, string DMdtrtId, string F)> HistoryAsync()
    {
        var clock = Platform.Clock;
        var yanbian = new His(Platform, Yanbian);
        var changchun = new His(Platform, ChangchunFirst);

        clock.Set(new DateTime(2026, 3, 10, 9, 0, 0));
        var a = await His.OutpatientVisitAsync(ZhangWei, "310", FirstVisitBill, day: "2026-03-10");
        var aSetl = (await His.SettleAsync(a, ZhangWei, "310", 605.35m, useAccount: true)).ShouldSucceed().Text("setlinfo", "setl_id");

        clock.Set(new DateTime(2026, 3, 14, 23, 0, 0));
        (await yanbian.FileAsync(WangFang, "390", "2026-03-14")).ShouldSucceed();
        var b = (await yanbian.AdmitAsync(WangFang, "390", "2026-03-14 22:10:00", "ZY1")).ShouldSucceed().Text("result", "mdtrt_id");
        (await yanbian.UploadAsync(b, WangFang, [("110900001", 55.00m, 4), ("XB05BBA030B001010104416", 4.28m, 12), ("ZA12BAD0011010103983", 31.70m, 2),
            ("120400001", 18.00m, 8), ("210102001", 240.00m, 2)], inpatient: true)).ShouldSucceed();
        clock.Set(new DateTime(2026, 3, 15, 10, 0, 0));
        (await yanbian.DischargeAsync(b, WangFang, "390", "2026-03-15 09:00:00")).ShouldSucceed();
        (await yanbian.SettleAsync(b, WangFang, "390", 958.76m, useAccount: false, inpatient: true)).ShouldSucceed();

        clock.Set(new DateTime(2026, 3, 20, 11, 0, 0));
        var c = await changchun.OutpatientVisitAsync(LiNa, "310", FirstVisitBill, day: "2026-03-20");
        var settledC = (await changchun.SettleAsync(c, LiNa, "310", 605.35m, useAccount: true)).ShouldSucceed();
        Assert.Equal(161.90m, settledC.Money("setlinfo", "hifp_pay"));
        Assert.Equal(86.20m, settledC.Money("setlinfo", "acct_pay"));

        clock.Set(new DateTime(2026, 3, 21, 8, 0, 0));
        var revoked = (await His.FileAsync(WangFang, "390", "2026-03-21")).ShouldSucceed().Text("result", "trt_dcla_detl_sn");
        (await Platform.CallAsync("2552", JilinCentral, new { data = new { trt_dcla_detl_sn = revoked, psn_no = WangFang } })).ShouldSucceed();

        clock.Set(new DateTime(2026, 3, 25, 16, 0, 0));
        var d = await His.OutpatientVisitAsync(ZhangWei, "310", SecondVisitBill, day: "2026-03-25");
        var dSetl = (await His.SettleAsync(d, ZhangWei, "310", 75.00m, useAccount: false)).ShouldSucceed().Text("setlinfo", "setl_id");

        clock.Set(new DateTime(2026, 3, 28, 12, 0, 0));
        (await yanbian.FileAsync(LiNa, "310", "2026-03-28")).ShouldSucceed();

        clock.Set(new DateTime(2026, 4, 2, 9, 30, 0));
        (await His.ReverseAsync(dSetl, d, ZhangWei)).ShouldSucceed();

        clock.Set(new DateTime(2026, 4, 5, 14, 0, 0));
        var f = await His.OutpatientVisitAsync(WangFang, "390", FirstVisitBill, day: "2026-04-05");
        var fSetl = (await His.SettleAsync(f, WangFang, "390", 605.35m, useAccount: false)).ShouldSucceed().Text("setlinfo", "setl_id");
        return (aSetl, dSetl, d, fSetl);
    }

    private async Task<HttpResponseMessage> AdminAsync(HttpMethod method, string path, string? token)
    {
        using var request = new HttpRequestMessage(method, path);
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await Platform.Http.SendAsync(request);
    }

    private async Task<JsonElement> AdminJsonAsync(HttpMethod method, string path, string token, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var response = await AdminAsync(method, path, token);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{method} {path}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private Task<string> TokenAsync() => AdminTokens.IssueAsync(Platform.Database, "test", Platform.Clock.GetLocalNow().DateTime);

    private static decimal D(JsonElement e, string name) => e.GetProperty(name).GetDecimal();

    [Fact]
    public async Task The_four_figures_count_standing_settlements_and_unrevoked_filings_of_the_period()
    {
        await HistoryAsync();
        var token = await TokenAsync();

        var march = await AdminJsonAsync(HttpMethod.Get, "/api/admin/stats?from=2026-03-01&to=2026-03-31", token);
        Assert.Equal(5, march.GetProperty("filings").GetInt32());
        Assert.Equal(3, march.GetProperty("settlements").GetInt32());
        Assert.Equal(2169.46m, D(march, "medfee_sumamt"));
        Assert.Equal(482.28m, D(march, "fund_pay_sumamt"));
        var changchun = march.GetProperty("by_home_region").EnumerateArray().Single(g => g.GetProperty("key").GetString() == "220100");
        Assert.Equal(3, changchun.GetProperty("filings").GetInt32());
        Assert.Equal(2, changchun.GetProperty("settlements").GetInt32());
        Assert.Equal(1564.11m, D(changchun, "medfee_sumamt"));
        Assert.Equal(320.38m, D(changchun, "fund_pay_sumamt"));
        Assert.Equal("长春市", changchun.GetProperty("name").GetString());
        var yanbianArea = march.GetProperty("by_treating_region").EnumerateArray().Single(g => g.GetProperty("key").GetString() == "222400");
        Assert.Equal(958.76m, D(yanbianArea, "medfee_sumamt"));
        var day = march.GetProperty("by_day").EnumerateArray().Single(g => g.GetProperty("key").GetString() == "2026-03-20");
        Assert.Equal(161.90m, D(day, "fund_pay_sumamt"));

        var april = await AdminJsonAsync(HttpMethod.Get, "/api/admin/stats?from=2026-04-01&to=2026-04-30", token);
        Assert.Equal((1, 1, 605.35m, 172.66m), (april.GetProperty("filings").GetInt32(), april.GetProperty("settlements").GetInt32(),
            D(april, "medfee_sumamt"), D(april, "fund_pay_sumamt")));

        var both = await AdminJsonAsync(HttpMethod.Get, "/api/admin/stats?from=2026-03-01&to=2026-04-30&fixmedins_code=H22020000001", token);
        Assert.Equal((3, 2, 1210.70m, 332.11m), (both.GetProperty("filings").GetInt32(), both.GetProperty("settlements").GetInt32(),
            D(both, "medfee_sumamt"), D(both, "fund_pay_sumamt")));
        var byHome = await AdminJsonAsync(HttpMethod.Get, "/api/admin/stats?from=2026-03-01&to=2026-04-30&insuplc_admdvs=220200", token);
        Assert.Equal(605.35m, D(byHome, "medfee_sumamt"));
        await AdminJsonAsync(HttpMethod.Get, "/api/admin/stats?from=2026-04-30&to=2026-03-01", token, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Monthly_clearing_nets_each_region_and_a_reversal_lands_in_its_own_month()
    {
        await HistoryAsync();
        var token = await TokenAsync();

        var march = await AdminJsonAsync(HttpMethod.Post, "/api/admin/clearing/2026-03", token);

        Assert.Equal("computed", march.GetProperty("status").GetString());
        var lines = march.GetProperty("lines").EnumerateArray().ToList();
        Assert.Equal(3, lines.Count);
        var jilin = lines.Single(l => l.GetProperty("fixmedins_code").GetString() == "H22020000001");
        Assert.Equal(("220100", "220200", 2L), (jilin.GetProperty("payer_admdvs").GetString(), jilin.GetProperty("payee_admdvs").GetString(), jilin.GetProperty("count").GetInt64()));
        Assert.Equal((680.35m, 208.20m, 445.90m, 654.10m), (D(jilin, "medfee_sumamt"), D(jilin, "fund_pay_sumamt"), D(jilin, "acct_pay"), D(jilin, "amount_owed")));
        var changchunHospital = lines.Single(l => l.GetProperty("fixmedins_code").GetString() == ChangchunFirst);
        Assert.Equal(248.10m, D(changchunHospital, "amount_owed"));
        var positions = march.GetProperty("positions").EnumerateArray().ToDictionary(p => p.GetProperty("admdvs").GetString()!);
        Assert.Equal((248.10m, 815.03m, -566.93m), (D(positions["220100"], "receivable"), D(positions["220100"], "payable"), D(positions["220100"], "net")));
        Assert.Equal(406.00m, D(positions["220200"], "net"));
        Assert.Equal(160.93m, D(positions["222400"], "net"));
        Assert.Equal(0m, positions.Values.Sum(p => D(p, "net")));
        var transfers = march.GetProperty("transfers").EnumerateArray().ToDictionary(t => t.GetProperty("admdvs").GetString()!);
        Assert.Equal(("pay", 566.93m), (transfers["220100"].GetProperty("direction").GetString(), D(transfers["220100"], "amount")));
        Assert.Equal(("receive", 406.00m), (transfers["220200"].GetProperty("direction").GetString(), D(transfers["220200"], "amount")));

        var april = await AdminJsonAsync(HttpMethod.Post, "/api/admin/clearing/2026-04", token);
        Assert.Equal("preview", april.GetProperty("status").GetString());
        var aprilLine = april.GetProperty("lines").EnumerateArray().Single();
        Assert.Equal((0L, 530.35m, 123.91m, 123.91m), (aprilLine.GetProperty("count").GetInt64(), D(aprilLine, "medfee_sumamt"), D(aprilLine, "fund_pay_sumamt"), D(aprilLine, "amount_owed")));
        Assert.Single(april.GetProperty("transfers").EnumerateArray(), t => t.GetProperty("admdvs").GetString() == "220100" && D(t, "amount") == 123.91m);
    }

    [Fact]
    public async Task Only_an_ended_month_is_confirmed_and_a_confirmed_month_never_changes()
    {
        var (_, _, dMdtrtId, _) = await HistoryAsync();
        var token = await TokenAsync();

        var refused = await AdminJsonAsync(HttpMethod.Post, "/api/admin/clearing/2026-04/confirm", token, HttpStatusCode.Conflict);
        Assert.Contains("尚未结束", refused.GetProperty("error").GetString());

        var confirmed = await AdminJsonAsync(HttpMethod.Post, "/api/admin/clearing/2026-03/confirm", token);
        Assert.Equal("confirmed", confirmed.GetProperty("status").GetString());

        Platform.Clock.Set(new DateTime(2026, 4, 20, 9, 0, 0));
        (await His.SettleAsync(dMdtrtId, ZhangWei, "310", 75.00m, useAccount: false)).ShouldSucceed();
        var again = await AdminJsonAsync(HttpMethod.Post, "/api/admin/clearing/2026-03", token);
        var stored = await AdminJsonAsync(HttpMethod.Get, "/api/admin/clearing/2026-03", token);
        Assert.Equal(confirmed.GetRawText(), again.GetRawText());
        Assert.Equal(confirmed.GetRawText(), stored.GetRawText());
        var april = await AdminJsonAsync(HttpMethod.Post, "/api/admin/clearing/2026-04", token);
        Assert.Equal(605.35m, D(april.GetProperty("lines").EnumerateArray().Single(), "medfee_sumamt"));
    }

    [Fact]
    public async Task Hospitals_pull_their_own_clearing_rows_and_a_disputed_row_shows_in_the_clearing()
    {
        var (a, d, _, _) = await HistoryAsync();
        var token = await TokenAsync();

        var pulled = (await Platform.CallAsync("3260", JilinCentral, new { data = new { trt_year = "2026", trt_month = "03", startrow = 1 } })).ShouldSucceed();
        var rows = pulled.Output.GetProperty("data").EnumerateArray().ToList();
        Assert.Equal(2, pulled.Output.GetProperty("totalrow").GetInt32());
        Assert.Equal([a, d], rows.Select(r => r.GetProperty("setl_sn").GetString()));
        Assert.Equal("220102********0110", rows[0].GetProperty("certno").GetString());
        Assert.Equal(605.35m, D(rows[0], "medfee_sumamt"));
        Assert.Equal(605.35m, D(rows[0], "optins_pay_sumamt"));
        Assert.Equal(1, rows[0].GetProperty("seqno").GetInt32());
        var other = (await Platform.CallAsync("3260", "H22020000002", new { data = new { trt_year = "2026", trt_month = "03", startrow = 1 } })).ShouldSucceed();
        Assert.Equal(0, other.Output.GetProperty("totalrow").GetInt32());
        (await Platform.CallAsync("3261", "H22020000002", new { data = new { trt_year = "2026", trt_month = "03", detail = new[] { new { setl_sn = a, cnfm_flag = "1" } } } }))
            .ShouldFail("不是本机构");

        (await Platform.CallAsync("3261", JilinCentral, new
        {
            data = new { trt_year = "2026", trt_month = "03", totalrow = 2, detail = new object[] { new { setl_sn = a, cnfm_flag = "1" }, new { setl_sn = d, cnfm_flag = "0", memo = "患者已退费" } } },
        })).ShouldSucceed();

        var march = await AdminJsonAsync(HttpMethod.Post, "/api/admin/clearing/2026-03", token);
        var dispute = march.GetProperty("disputes").EnumerateArray().Single();
        Assert.Equal(d, dispute.GetProperty("setl_id").GetString());
        Assert.Equal("患者已退费", dispute.GetProperty("memo").GetString());
        Assert.Equal(48.75m, D(dispute, "amount_owed"));
        Assert.Equal(1, march.GetProperty("lines").EnumerateArray().Single(l => l.GetProperty("fixmedins_code").GetString() == JilinCentral).GetProperty("disputed_count").GetInt32());
    }

    [Fact]
    public async Task Reconciliation_of_totals_is_net_of_reversals_and_says_what_differs()
    {
        await HistoryAsync();
        object Totals(string begin, string end, decimal medfee, decimal fund, decimal acct, int count) => new
        {
            data = new { insutype = "310", clr_type = "11", setl_optins = "220100", stmt_begndate = begin, stmt_enddate = end,
                medfee_sumamt = medfee, fund_pay_sumamt = fund, acct_pay = acct, fixmedins_setl_cnt = count },
        };

        var march = (await Platform.CallAsync("3201", JilinCentral, Totals("2026-03-01", "2026-03-31", 680.35m, 208.20m, 445.90m, 2))).ShouldSucceed();
        Assert.Equal("0", march.Text("stmtinfo", "stmt_rslt"));
        var both = (await Platform.CallAsync("3201", JilinCentral, Totals("2026-03-01", "2026-04-30", 605.35m, 159.45m, 445.90m, 1))).ShouldSucceed();
        Assert.Equal("0", both.Text("stmtinfo", "stmt_rslt"));

        var off = (await Platform.CallAsync("3201", JilinCentral, Totals("2026-03-01", "2026-04-30", 680.35m, 208.20m, 445.90m, 2))).ShouldSucceed();
        Assert.Equal("1", off.Text("stmtinfo", "stmt_rslt"));
        Assert.Contains("医疗费总额：医院 680.35，平台 605.35", off.Text("stmtinfo", "stmt_rslt_dscr"));
        Assert.Contains("结算笔数：医院 2，平台 1", off.Text("stmtinfo", "stmt_rslt_dscr"));
        Assert.DoesNotContain("个人账户", off.Text("stmtinfo", "stmt_rslt_dscr"));

        // a count is whole and not negative; an amount may be written with an exponent, as JSON allows
        (await Platform.CallAsync("3201", JilinCentral, new { data = new { insutype = "310", clr_type = "11", setl_optins = "220100",
            stmt_begndate = "2026-03-01", stmt_enddate = "2026-04-30", medfee_sumamt = 1m, fund_pay_sumamt = 1m, acct_pay = 1m, fixmedins_setl_cnt = 2.7m } }))
            .ShouldFail("fixmedins_setl_cnt 的值 2.7 应为不小于 0 的整数");
        var exponent = (await Platform.CallAsync("3201", JilinCentral, new { data = new { insutype = "310", clr_type = "11", setl_optins = "220100",
            stmt_begndate = "2026-03-01", stmt_enddate = "2026-04-30", medfee_sumamt = 6.0535e2, fund_pay_sumamt = 1.5945e2, acct_pay = 4.459e2, fixmedins_setl_cnt = 1e0 } }))
            .ShouldSucceed();
        Assert.Equal("0", exponent.Text("stmtinfo", "stmt_rslt"));
    }

    [Fact]
    public async Task Reconciliation_of_details_names_every_mismatch()
    {
        var (a, d, _, f) = await HistoryAsync();

        var answer = (await Platform.CallAsync("3202", JilinCentral, new
        {
            data = new
            {
                stmt_begndate = "2026-03-01", stmt_enddate = "2026-04-30",
                details = new object[]
                {
                    new { setl_id = a, mdtrt_id = "", psn_no = ZhangWei, medfee_sumamt = 605.35m, fund_pay_sumamt = 159.45m, acct_pay = 445.90m, refd_setl_flag = "0" },
                    new { setl_id = d, mdtrt_id = "", psn_no = ZhangWei, medfee_sumamt = 75.00m, fund_pay_sumamt = 48.75m, acct_pay = 0m, refd_setl_flag = "0" },
                    new { setl_id = f, mdtrt_id = "", psn_no = WangFang, medfee_sumamt = 600.00m, fund_pay_sumamt = 172.66m, acct_pay = 0m, refd_setl_flag = "0" },
                    new { setl_id = "S999", mdtrt_id = "", psn_no = WangFang, medfee_sumamt = 1m, fund_pay_sumamt = 0m, acct_pay = 0m, refd_setl_flag = "0" },
                },
            },
        })).ShouldSucceed();

        Assert.Equal("1", answer.Output.GetProperty("stmt_rslt").GetString());
        Assert.Equal(2, answer.Output.GetProperty("matched_cnt").GetInt32());
        var mismatches = answer.Output.GetProperty("result").EnumerateArray()
            .ToDictionary(m => m.GetProperty("setl_id").GetString()!, m => m.GetProperty("mismatch").GetString());
        Assert.Equal(3, mismatches.Count);
        Assert.Equal("amount_differs", mismatches[f]);
        Assert.Equal("hospital_only", mismatches["S999"]);
        Assert.Single(mismatches, m => m.Value == "platform_only");
    }

    [Fact]
    public async Task Admin_endpoints_need_a_valid_token_and_say_nothing_without_one()
    {
        var token = await TokenAsync();

        foreach (var path in new[] { "/api/admin/stats?from=2026-03-01&to=2026-03-31", "/api/admin/clearing/2026-03", "/api/admin/nothing-here" })
        {
            using var none = await AdminAsync(HttpMethod.Get, path, null);
            Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
            Assert.Equal("", await none.Content.ReadAsStringAsync());
            using var wrong = await AdminAsync(HttpMethod.Get, path, token + "x");
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }
        using var ok = await AdminAsync(HttpMethod.Get, "/api/admin/stats?from=2026-03-01&to=2026-03-31", token);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }
}

public sealed class ClearingAndFiguresTests_Sqlite() : ClearingAndFiguresTests(new SqliteTarget());

public sealed class ClearingAndFiguresTests_Postgres() : ClearingAndFiguresTests(new PostgresTarget());
