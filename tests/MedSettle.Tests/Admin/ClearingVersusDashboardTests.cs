using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using MedSettle.Admin;
using MedSettle.Tests.Infrastructure;
using MedSettle.Web;
using static MedSettle.Tests.Transactions.WorkedExampleTests;

namespace MedSettle.Tests.Admin;

/// <summary>
/// The clearing page shows the month's clearing beside the dashboard's figures for the same month and says why they differ:
/// the clearing counts a reversal in the month it happens, the dashboard the settlements of the month that still stand.
/// </summary>
public abstract partial class ClearingVersusDashboardTests(DatabaseTarget target) : PlatformTests(target, JilinCentral)
{
    private const string LiNa = "22020000000000000003";
    private const string ChangchunFirst = "H22010000001";

    private sealed record Settled(string MdtrtId, string SetlId, decimal Fund);

    private async Task<Settled> SettleAsync(His his, string psnNo, string insutype, (string, decimal, decimal)[] bill, decimal medfee, DateTime at)
    {
        Platform.Clock.Set(at);
        var day = at.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var mdtrtId = await his.OutpatientVisitAsync(psnNo, insutype, bill, day);
        var reply = (await his.SettleAsync(mdtrtId, psnNo, insutype, medfee, useAccount: false)).ShouldSucceed();
        return new Settled(mdtrtId, reply.Text("setlinfo", "setl_id"), reply.Money("setlinfo", "fund_pay_sumamt"));
    }

    private async Task ReverseAsync(His his, Settled s, string psnNo, DateTime at)
    {
        Platform.Clock.Set(at);
        (await his.ReverseAsync(s.SetlId, s.MdtrtId, psnNo)).ShouldSucceed();
    }

    /// <summary>
    /// February: 张伟's P (605.35) and 李娜's L (75.00, insured in 吉林市), February's clearing confirmed on 1 March, then both
    /// reversed on 5 March. March: 王芳's Q (75.00) stands; 张伟's S (315.00) is reversed on 3 April; 王芳's T (75.00) is
    /// reversed within March.
    /// </summary>
    private async Task<(Settled P, Settled L, Settled Q, Settled S)> HistoryAsync()
    {
        var changchun = new His(Platform, ChangchunFirst);
        var p = await SettleAsync(His, ZhangWei, "310", FirstVisitBill, 605.35m, new DateTime(2026, 2, 20, 10, 0, 0));
        var l = await SettleAsync(changchun, LiNa, "310", SecondVisitBill, 75.00m, new DateTime(2026, 2, 22, 10, 0, 0));
        Platform.Clock.Set(new DateTime(2026, 3, 1, 9, 0, 0));
        await MonthlyClearing.ConfirmAsync(Platform.Database, "2026-02", Platform.Clock.GetLocalNow().DateTime);
        await ReverseAsync(His, p, ZhangWei, new DateTime(2026, 3, 5, 9, 0, 0));
        await ReverseAsync(changchun, l, LiNa, new DateTime(2026, 3, 5, 9, 30, 0));
        var q = await SettleAsync(His, WangFang, "390", SecondVisitBill, 75.00m, new DateTime(2026, 3, 10, 10, 0, 0));
        var s = await SettleAsync(His, ZhangWei, "310", [("110200001", 50.00m, 1), ("250101001", 25.00m, 1), ("210102001", 240.00m, 1)], 315.00m,
            new DateTime(2026, 3, 12, 10, 0, 0));
        var t = await SettleAsync(His, WangFang, "390", SecondVisitBill, 75.00m, new DateTime(2026, 3, 16, 10, 0, 0));
        await ReverseAsync(His, t, WangFang, new DateTime(2026, 3, 20, 10, 0, 0));
        await ReverseAsync(His, s, ZhangWei, new DateTime(2026, 4, 3, 10, 0, 0));
        Platform.Clock.Set(new DateTime(2026, 4, 10, 10, 0, 0));
        return (p, l, q, s);
    }

    private async Task<WebSession> SignInAsync(string username, string role, string? region)
    {
        await Accounts.AddAsync(Platform.Database, username, username, role, null, region, username + "-password", Platform.Clock.GetLocalNow().DateTime);
        return await WebSession.SignInAsync(Platform.Http.BaseAddress!, username, username + "-password");
    }

    /// <summary>The comparison on the clearing page of <paramref name="month"/>: its three rows (count, medfee, fund) and its sentence.</summary>
    private static async Task<(string Clearing, string Dashboard, string Difference, string Text)> ComparisonAsync(WebSession session, string month)
    {
        using var response = await session.Client.GetAsync($"/dashboard/clearing?month={month}");
        var html = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, html);
        string Row(string id) => Text(Regex.Match(html, $"<tr id=\"{id}\">(.*?)</tr>", RegexOptions.Singleline).Groups[1].Value);
        var sentence = Regex.Match(html, "<p id=\"dashboard-difference\">(.*?)</p>", RegexOptions.Singleline);
        Assert.True(sentence.Success, "the clearing page has no comparison with the dashboard");
        return (Row("versus-clearing"), Row("versus-dashboard-month"), Row("versus-difference"), Text(sentence.Groups[1].Value));
    }

    /// <summary>The clearing page of <paramref name="month"/> as <paramref name="username"/> sees it in a browser, saved as a screenshot.</summary>
    private async Task ScreenshotAsync(string username, string month, string name)
    {
        await using var browser = await Browser.NewContextAsync(Platform.Http.BaseAddress!.ToString());
        var page = await browser.NewPageAsync();
        await page.GotoAsync($"/dashboard/clearing?month={month}");
        await page.GetByLabel("用户名").FillAsync(username);
        await page.GetByLabel("密码").FillAsync(username + "-password");
        await page.GetByLabel("密码").PressAsync("Enter");
        await Microsoft.Playwright.Assertions.Expect(page.Locator("#dashboard-difference")).ToContainTextAsync("与看板相差");
        await Browser.ScreenshotAsync(page, $"{name}-{Platform.Database.Provider.ToString().ToLowerInvariant()}");
    }

    private static string Text(string html) => Spaces().Replace(Tags().Replace(html, " "), " ").Trim();

    private static string N2(decimal n) => n.ToString("N2", CultureInfo.InvariantCulture);

    [Fact]
    public async Task The_clearing_page_explains_its_difference_from_the_dashboard_by_the_reversals_across_a_months_end()
    {
        var (p, l, q, s) = await HistoryAsync();
        using var province = await SignInAsync("province", Roles.Province, null);

        // March: settled Q, S, T, reversed P, L (February's) and T → net 0 settlements, 75 + 315 + 75 − 605.35 − 75 − 75 = −290.35;
        // the dashboard has Q alone; the difference is S (reversed in April) less P and L (February's, reversed in March)
        var march = await ComparisonAsync(province, "2026-03");
        Assert.Equal($"本月清算（撤销计入撤销当月） 0 -290.35 {N2(q.Fund + s.Fund - p.Fund - l.Fund)}", march.Clearing);
        Assert.Equal($"运行看板（本月结算中至今有效的） 1 75.00 {N2(q.Fund)}", march.Dashboard);
        Assert.Equal($"相差（清算 − 看板） -1 -365.35 {N2(s.Fund - p.Fund - l.Fund)}", march.Difference);
        Assert.Equal($"与看板相差 365.35 元（清算比看板少）：本月撤销了 2 笔以前月份的结算（合计 680.35 元，其中基金支付 {N2(p.Fund + l.Fund)} 元），"
                     + $"清算在撤销的本月冲减，看板按结算时间不计入本月；另有 1 笔本月结算在以后月份被撤销（合计 315.00 元，其中基金支付 {N2(s.Fund)} 元），"
                     + "看板已不计，清算仍计入本月、在撤销的月份冲减。", march.Text);
        await ScreenshotAsync("province", "2026-03", "dashboard-clearing-across-months");

        // February, confirmed before its settlements were reversed: frozen at 2 settlements, which the dashboard no longer counts
        var february = await ComparisonAsync(province, "2026-02");
        Assert.Equal($"本月清算（撤销计入撤销当月） 2 680.35 {N2(p.Fund + l.Fund)}", february.Clearing);
        Assert.StartsWith("与看板相差 680.35 元（清算比看板多）：另有 2 笔本月结算在以后月份被撤销（合计 680.35 元", february.Text);

        // April: S's reversal alone
        Assert.StartsWith("与看板相差 315.00 元（清算比看板少）：本月撤销了 1 笔以前月份的结算（合计 315.00 元", (await ComparisonAsync(province, "2026-04")).Text);

        // Changchun's agency compares its own insured (张伟, 王芳) only: 李娜's L, insured in 吉林市, is no part of it
        using var agency = await SignInAsync("changchun", Roles.Agency, "220100");
        var own = await ComparisonAsync(agency, "2026-03");
        Assert.Equal($"本月清算（撤销计入撤销当月） 1 -215.35 {N2(q.Fund + s.Fund - p.Fund)}", own.Clearing);
        Assert.Equal($"运行看板（本月结算中至今有效的） 1 75.00 {N2(q.Fund)}", own.Dashboard);
        Assert.StartsWith("与看板相差 290.35 元（清算比看板少）：本月撤销了 1 笔以前月份的结算（合计 605.35 元，", own.Text);
        Assert.DoesNotContain("680.35", own.Text);
        var stats = await Stats.ComputeAsync(Platform.Database, new StatsQuery(new DateOnly(2026, 3, 1), new DateOnly(2026, 3, 31), InsuplcAdmdvs: "220100"));
        Assert.Equal((1L, 75.00m), (stats.Settlements, stats.MedfeeSumamt)); // what the agency's own dashboard shows for March
    }

    [Fact]
    public async Task Without_a_reversal_across_a_months_end_the_clearing_page_says_both_agree()
    {
        await SettleAsync(His, WangFang, "390", SecondVisitBill, 75.00m, new DateTime(2026, 3, 10, 10, 0, 0));
        var t = await SettleAsync(His, ZhangWei, "310", SecondVisitBill, 75.00m, new DateTime(2026, 3, 11, 10, 0, 0));
        await ReverseAsync(His, t, ZhangWei, new DateTime(2026, 3, 12, 10, 0, 0));
        Platform.Clock.Set(new DateTime(2026, 4, 2, 10, 0, 0));
        using var province = await SignInAsync("province", Roles.Province, null);

        var march = await ComparisonAsync(province, "2026-03");

        Assert.Equal(march.Clearing.Replace("本月清算（撤销计入撤销当月）", ""), march.Dashboard.Replace("运行看板（本月结算中至今有效的）", ""));
        Assert.Equal("相差（清算 − 看板） 0 0.00 0.00", march.Difference);
        Assert.Equal("本月清算与看板一致：没有跨月撤销的结算。", march.Text);
    }

    [GeneratedRegex("<[^>]+>")]
    private static partial Regex Tags();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();
}

public sealed class ClearingVersusDashboardTests_Sqlite() : ClearingVersusDashboardTests(new SqliteTarget());

public sealed class ClearingVersusDashboardTests_Postgres() : ClearingVersusDashboardTests(new PostgresTarget());
