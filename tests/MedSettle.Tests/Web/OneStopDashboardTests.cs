using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using MedSettle.Tests.Infrastructure;
using MedSettle.Web;
using static MedSettle.Tests.Transactions.WorkedExampleTests;
using static Microsoft.Playwright.Assertions;

namespace MedSettle.Tests.Web;

/// <summary>
/// The dashboard after one-stop settlements (issue 19, item 6), over HTTP on both databases: the fund share split by fund
/// (chart data and its table, the chart drawn in a browser) over the standing settlements of the period with the dashboard's scoping, each fund on a
/// settlement's page, and the supplementary funds' versions on the policy page.
/// </summary>
public abstract partial class OneStopDashboardTests(DatabaseTarget target) : PlatformTests(target, JilinCentral)
{
    private const string SunLi = "22010000000000000006";
    private const string ChenGang = "22010000000000000007";
    private const string ZhaoMin = "22010000000000000008";

    private sealed record Settled(string MdtrtId, string SetlId);

    /// <summary>Files, admits, uploads, discharges and settles on <paramref name="day"/> (settled at 18:00).</summary>
    private async Task<Settled> AdmissionAsync(string psnNo, string insutype, string day, decimal medfee, bool useAccount, params (string, decimal, decimal)[] items)
    {
        Platform.Clock.Set(DateTime.Parse(day + " 18:00:00", CultureInfo.InvariantCulture));
        (await His.FileAsync(psnNo, insutype, day)).ShouldSucceed();
        var mdtrtId = (await His.AdmitAsync(psnNo, insutype, day + " 08:00:00", "ZY" + Guid.NewGuid().ToString("N")[..10])).ShouldSucceed().Text("result", "mdtrt_id");
        (await His.UploadAsync(mdtrtId, psnNo, items, inpatient: true)).ShouldSucceed();
        (await His.DischargeAsync(mdtrtId, psnNo, insutype, day + " 17:00:00")).ShouldSucceed();
        var settled = (await His.SettleAsync(mdtrtId, psnNo, insutype, medfee, useAccount, inpatient: true)).ShouldSucceed();
        return new Settled(mdtrtId, settled.Text("setlinfo", "setl_id"));
    }

    /// <summary>DESIGN.md's v2 examples, all insured in 长春市 (220100) and treated at 吉林市示例中心医院: the settlements of 赵敏 and 陈刚.</summary>
    private async Task<(Settled ZhaoMin, Settled ChenGang)> ExamplesAsync()
    {
        await AdmissionAsync(SunLi, "390", "2026-04-02", 39180.00m, false,
            ("311300001", 1800.00m, 20), ("210102001", 240.00m, 5), ("110900001", 55.00m, 20), ("XS0000000001", 88.00m, 10));
        var chen = await AdmissionAsync(ChenGang, "310", "2026-04-20", 216960.00m, true, ("311300001", 1800.00m, 120), ("210102001", 240.00m, 4));
        await AdmissionAsync(SunLi, "390", "2026-05-10", 54938.00m, false, ("311300001", 1800.00m, 30), ("XJ01DDA036B001010178838", 23.45m, 40));
        var zhao = await AdmissionAsync(ZhaoMin, "390", "2026-06-01", 45909.00m, false,
            ("311300001", 1800.00m, 25), ("XJ01DDA036B001010178838", 23.45m, 20), ("XS0000000001", 88.00m, 5));
        Platform.Clock.Set(new DateTime(2026, 6, 15, 10, 0, 0));
        return (zhao, chen);
    }

    private async Task<WebSession> SignInAsync(string username, string role, string? region)
    {
        var now = Platform.Clock.GetLocalNow().DateTime;
        await Accounts.AddAsync(Platform.Database, username, username, role, null, region, username + "-password", now);
        return await WebSession.SignInAsync(Platform.Http.BaseAddress!, username, username + "-password");
    }

    private static async Task<string> PageAsync(WebSession session, string path)
    {
        using var response = await session.Client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>The fund share chart's data: 统筹基金, 大额补助, 大病保险, 医疗救助 and the insured's part, in yuan.</summary>
    private static (decimal Hifp, decimal Hifob, decimal Hifmi, decimal Maf, decimal Personal) Share(string html)
    {
        var json = Regex.Match(html, "<script type=\"application/json\" id=\"chart-data\">(.*?)</script>", RegexOptions.Singleline).Groups[1].Value;
        var share = JsonDocument.Parse(json).RootElement.GetProperty("share");
        decimal D(string name) => share.GetProperty(name).GetDecimal();
        return (D("hifp"), D("hifob"), D("hifmi"), D("maf"), D("personal"));
    }

    private static string Text(string html) => Spaces().Replace(WebUtility.HtmlDecode(Tags().Replace(html, " ")), " ").Trim();

    private static string Row(string html, string id) =>
        Text(Regex.Match(html, $"<tr id=\"{id}\"[^>]*>(.*?)</tr>", RegexOptions.Singleline).Groups[1].Value);

    private static string Table(string html, string id) =>
        Regex.Match(html, $"<table id=\"{id}\"[^>]*>(.*?)</table>", RegexOptions.Singleline).Groups[1].Value;

    [Fact]
    public async Task The_dashboard_splits_the_fund_share_by_fund_over_the_standing_settlements_of_the_period_and_scope()
    {
        var (_, chen) = await ExamplesAsync();
        var province = await SignInAsync("province", Roles.Province, null);

        // 孙丽 24,232.00 + 35,258.73, 陈刚 150,000.00, 赵敏 29,134.37; 大额 陈刚's; 大病 孙丽's and 赵敏's; 医疗救助 赵敏's
        var html = await PageAsync(province, "/dashboard?from=2026-04-01&to=2026-06-30");
        Assert.Equal((238625.10m, 35634.07m, 11712.72m, 10160.56m, 60854.55m), Share(html));
        Assert.Equal("大额补助 35,634.07 10.0%", Row(html, "fund-split-hifob"));
        Assert.Equal("大病保险 11,712.72 3.3%", Row(html, "fund-split-hifmi"));
        Assert.Equal("医疗救助 10,160.56 2.8%", Row(html, "fund-split-maf"));
        Assert.Contains("296,132.45", Text(Regex.Match(html, "id=\"fig-fund\">(.*?)</div>").Groups[1].Value)); // the funds sum to the figure

        // the period is by settlement time: June has 赵敏's settlement only
        Assert.Equal((29134.37m, 0.00m, 772.64m, 10160.56m, 5841.43m), Share(await PageAsync(province, "/dashboard?from=2026-06-01&to=2026-06-30")));

        // scoping: 长春市's agency sees its insured (all four), 吉林市's sees none of them
        var changchun = await SignInAsync("changchun", Roles.Agency, "220100");
        Assert.Equal((238625.10m, 35634.07m, 11712.72m, 10160.56m, 60854.55m), Share(await PageAsync(changchun, "/dashboard?from=2026-04-01&to=2026-06-30")));
        var jilin = await SignInAsync("jilin", Roles.Agency, "220200");
        Assert.Equal((0m, 0m, 0m, 0m, 0m), Share(await PageAsync(jilin, "/dashboard?from=2026-04-01&to=2026-06-30")));

        // a reversed settlement is no longer counted: 陈刚's takes his 统筹 and all of the period's 大额 with it
        (await His.ReverseAsync(chen.SetlId, chen.MdtrtId, ChenGang, inpatient: true)).ShouldSucceed();
        Assert.Equal((88625.10m, 0.00m, 11712.72m, 10160.56m, 29528.62m), Share(await PageAsync(province, "/dashboard?from=2026-04-01&to=2026-06-30")));
    }

    [Fact]
    public async Task The_fund_share_chart_draws_each_fund_in_a_browser()
    {
        await ExamplesAsync();
        await SignInAsync("province", Roles.Province, null);
        await using var browser = await Browser.NewContextAsync(Platform.Http.BaseAddress!.ToString());
        var page = await browser.NewPageAsync();
        await page.GotoAsync("/login");
        await page.GetByLabel("用户名").FillAsync("province");
        await page.GetByLabel("密码").FillAsync("province-password");
        await page.GetByLabel("密码").PressAsync("Enter");
        await Expect(page).ToHaveURLAsync(new Regex("/dashboard"));

        await page.GotoAsync("/dashboard?from=2026-04-01&to=2026-06-30");
        await Expect(page.Locator("body[data-charts-ready='true']")).ToHaveCountAsync(1);
        await Expect(page.Locator("#chart-share canvas")).ToHaveCountAsync(1);
        var slices = await page.EvaluateAsync<string[]>(
            "() => echarts.getInstanceByDom(document.getElementById('chart-share')).getOption().series[0].data.map(d => `${d.name} ${d.value}`)");
        Assert.Equal(["统筹基金 238625.1", "大额补助 35634.07", "大病保险 11712.72", "医疗救助 10160.56", "个人负担 60854.55"], slices);
        await page.WaitForTimeoutAsync(600); // let the chart finish its short entry animation for the picture
        await Browser.ScreenshotAsync(page, $"dashboard-fund-share-{GetType().Name.Split('_')[^1].ToLowerInvariant()}");

        // a period with 赵敏's settlement only: no 大额补助 slice
        await page.GotoAsync("/dashboard?from=2026-06-01&to=2026-06-30");
        await Expect(page.Locator("body[data-charts-ready='true']")).ToHaveCountAsync(1);
        slices = await page.EvaluateAsync<string[]>(
            "() => echarts.getInstanceByDom(document.getElementById('chart-share')).getOption().series[0].data.map(d => d.name)");
        Assert.Equal(["统筹基金", "大病保险", "医疗救助", "个人负担"], slices);
    }

    [Fact]
    public async Task A_settlements_page_lists_each_fund_that_applied_with_its_base_and_cap_left()
    {
        var (zhao, chen) = await ExamplesAsync();
        var province = await SignInAsync("province", Roles.Province, null);

        var html = await PageAsync(province, $"/dashboard/settlement/{zhao.SetlId}");
        Assert.Equal("统筹基金支付 29,134.37", Row(html, "fund-hifp"));
        Assert.Equal("大病保险支付 （计算基数 16,287.73，结算前年度剩余限额 300,000.00） 772.64", Row(html, "fund-hifmi"));
        Assert.Equal("医疗救助支付 （计算基数 15,515.09，结算前年度剩余限额 30,000.00） 10,160.56", Row(html, "fund-maf"));
        Assert.DoesNotContain("id=\"fund-hifob\"", html); // a resident: no 大额补助
        Assert.Contains("低保对象", Text(Regex.Match(html, "<dd id=\"assistance\">(.*?)</dd>").Groups[1].Value));

        html = await PageAsync(province, $"/dashboard/settlement/{chen.SetlId}");
        Assert.Equal("大额补助支付 （计算基数 39,593.41，结算前年度剩余限额 400,000.00） 35,634.07", Row(html, "fund-hifob"));
        Assert.DoesNotContain("id=\"fund-hifmi\"", html);
        Assert.DoesNotContain("id=\"fund-maf\"", html); // no assistance class
        Assert.DoesNotContain("id=\"assistance\"", html);
    }

    [Fact]
    public async Task The_policy_page_lists_the_supplementary_funds_versions_with_their_bands_and_state()
    {
        Platform.Clock.Set(new DateTime(2026, 6, 15, 10, 0, 0));
        var province = await SignInAsync("province", Roles.Province, null);

        var changchun = Table(await PageAsync(province, "/dashboard/policies?region=220100"), "supplements");
        var rows = Regex.Matches(changchun, "<tr class=\"[^\"]*\" data-fund=\"[a-z]+\">(.*?)</tr>", RegexOptions.Singleline).Select(m => Text(m.Groups[1].Value)).ToList();
        Assert.Equal(
        [
            "长春市 职工大额医疗费用补助 职工 2026-01-01 现行 0.00 起付线以上 90% 400,000.00",
            "长春市 城乡居民大病保险 居民 2026-01-01 现行 15,000.00 ≤50,000 60% · ≤100,000 70% · 以上 80% 300,000.00",
            "长春市 医疗救助 特困人员 2026-01-01 现行 0.00 起付线以上 90% 50,000.00",
            "长春市 医疗救助 低保对象 2026-01-01 现行 1,000.00 起付线以上 70% 30,000.00",
            "长春市 医疗救助 返贫致贫/监测对象 2026-01-01 现行 5,000.00 起付线以上 60% 20,000.00",
        ], rows);

        // 职工 only: 大额补助 and 医疗救助 (for either scheme), not 大病保险
        var employees = Text(Table(await PageAsync(province, "/dashboard/policies?region=220100&scheme=310"), "supplements"));
        Assert.Contains("职工大额医疗费用补助", employees);
        Assert.Contains("低保对象", employees);
        Assert.DoesNotContain("城乡居民大病保险", employees);

        // 吉林市's 大病保险 has two versions: the 2025 one is history, and 只看现行版本 leaves it out
        var jilin = Table(await PageAsync(province, "/dashboard/policies?region=220200"), "supplements");
        Assert.Contains("吉林市 城乡居民大病保险 居民 2026-01-01 现行 14,000.00 起付线以上 65% 300,000.00", Text(jilin));
        Assert.Contains("吉林市 城乡居民大病保险 居民 2025-01-01 历史 14,000.00 起付线以上 60% 250,000.00", Text(jilin));
        Assert.DoesNotContain("2025-01-01", Text(Table(await PageAsync(province, "/dashboard/policies?region=220200&current=true"), "supplements")));

        // seen from mid-2025, the 2026 versions are yet to come
        Platform.Clock.Set(new DateTime(2025, 6, 1, 10, 0, 0));
        jilin = Text(Table(await PageAsync(province, "/dashboard/policies?region=220200"), "supplements"));
        Assert.Contains("吉林市 城乡居民大病保险 居民 2026-01-01 待生效 14,000.00 起付线以上 65% 300,000.00", jilin);
        Assert.Contains("吉林市 城乡居民大病保险 居民 2025-01-01 现行 14,000.00 起付线以上 60% 250,000.00", jilin);
    }

    [GeneratedRegex("<[^>]+>")]
    private static partial Regex Tags();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();
}

public sealed class OneStopDashboardTests_Sqlite() : OneStopDashboardTests(new SqliteTarget());

public sealed class OneStopDashboardTests_Postgres() : OneStopDashboardTests(new PostgresTarget());
