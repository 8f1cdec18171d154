using System.Globalization;
using System.Text.RegularExpressions;
using Dapper;
using MedSettle.Admin;
using MedSettle.Tools.Simulation;
using MedSettle.Tests.Infrastructure;
using MedSettle.Web;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace MedSettle.Tests.Web;

/// <summary>The agency and province dashboard in a real browser, over two months of simulated traffic.</summary>
public sealed class DashboardTests : IAsyncLifetime
{
    private RunningPlatform _platform = null!;
    private IBrowserContext _browser = null!;

    public async Task InitializeAsync()
    {
        var bundle = TestPaths.TempDirectory();
        MedSettle.Tools.Demo.DemoProvince.WriteBundle(bundle, persons: 1500);
        _platform = await RunningPlatform.StartAsync(new SqliteTarget(), bundle, now: new DateTime(2026, 3, 15, 10, 0, 0));
        await new ProvinceSimulator(_platform.Database).RunAsync(new SimulationOptions(new DateOnly(2026, 1, 20), new DateOnly(2026, 3, 10), 6));
        var now = _platform.Clock.GetLocalNow().DateTime;
        await Accounts.AddAsync(_platform.Database, "province", "吉林省医保局", Roles.Province, null, null, "province-password", now);
        await Accounts.AddAsync(_platform.Database, "changchun", "长春市医保经办中心", Roles.Agency, null, "220100", "agency-password", now);
        _browser = await Browser.NewContextAsync(_platform.Http.BaseAddress!.ToString());
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        await _platform.DisposeAsync();
    }

    private async Task<IPage> SignInAsync(string username, string password)
    {
        var page = await (await Browser.NewContextAsync(_platform.Http.BaseAddress!.ToString())).NewPageAsync();
        await page.GotoAsync("/login");
        await page.GetByLabel("用户名").FillAsync(username);
        await page.GetByLabel("密码").FillAsync(password);
        await page.GetByLabel("密码").PressAsync("Enter");
        await Expect(page).ToHaveURLAsync(new Regex("/dashboard"));
        return page;
    }

    private static string N0(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
    private static string N2(decimal n) => n.ToString("N2", CultureInfo.InvariantCulture);

    [Fact]
    public async Task The_province_sees_the_figures_the_api_gives_and_drills_down_to_a_settlement()
    {
        var expected = await Stats.ComputeAsync(_platform.Database, new StatsQuery(new DateOnly(2026, 2, 1), new DateOnly(2026, 2, 28)));
        Assert.True(expected.Settlements > 10);
        var page = await SignInAsync("province", "province-password");

        await page.GotoAsync("/dashboard?from=2026-02-01&to=2026-02-28");

        await Expect(page.Locator("#fig-filings")).ToHaveTextAsync(N0(expected.Filings));
        await Expect(page.Locator("#fig-settlements")).ToHaveTextAsync(N0(expected.Settlements));
        await Expect(page.Locator("#fig-medfee")).ToHaveTextAsync(N2(expected.MedfeeSumamt));
        await Expect(page.Locator("#fig-fund")).ToHaveTextAsync(N2(expected.FundPaySumamt));
        await Expect(page.Locator("#chart-home canvas")).ToHaveCountAsync(1);
        await Expect(page.Locator("#chart-day canvas")).ToHaveCountAsync(1);
        await page.WaitForTimeoutAsync(600); // let the charts finish their short entry animation for the picture
        await Browser.ScreenshotAsync(page, "dashboard");

        await page.Locator("#by-hospital a[href^='/dashboard/hospital/']").First.ClickAsync();
        await Expect(page.Locator("#settlements")).ToBeVisibleAsync();
        await page.Locator("#settlements a[href^='/dashboard/settlement/']").First.ClickAsync();
        await Expect(page.Locator("#fee-lines tbody tr").First).ToBeVisibleAsync();
        await Expect(page.Locator("#fee-lines tbody .tag").First).ToHaveTextAsync(new Regex("^[甲乙丙]类$"));
        await Expect(page.Locator("body")).ToContainTextAsync("********");
        await Browser.ScreenshotAsync(page, "dashboard-settlement");

        await page.GotoAsync("/dashboard/policies");
        await Expect(page.Locator("#policies")).ToContainTextAsync("长春市");
    }

    [Fact]
    public async Task The_province_computes_and_confirms_an_ended_month_but_not_the_month_in_progress()
    {
        var page = await SignInAsync("province", "province-password");
        page.Dialog += async (_, dialog) => await dialog.AcceptAsync();

        await page.GotoAsync("/dashboard/clearing?month=2026-02");
        await page.Locator("#compute").ClickAsync();
        await Expect(page.Locator("#clearing-status")).ToContainTextAsync("计算");
        await page.Locator("#confirm").ClickAsync();
        await Expect(page.Locator("#clearing-status")).ToContainTextAsync("确认");
        var frozen = await MonthlyClearing.GetAsync(_platform.Database, "2026-02", _platform.Clock.GetLocalNow().DateTime);
        Assert.Equal(MonthlyClearing.Confirmed, frozen.Status);
        foreach (var transfer in frozen.Transfers)
            await Expect(page.Locator("#clearing-transfers")).ToContainTextAsync(N2(transfer.Amount));
        await Browser.ScreenshotAsync(page, "dashboard-clearing");
        var download = await page.RunAndWaitForDownloadAsync(() => page.Locator("#download-xlsx").ClickAsync());
        var xlsx = await download.PathAsync();
        Assert.Contains("资金划拨", MiniExcelLibs.MiniExcel.GetSheetNames(xlsx));
        var csv = await page.RunAndWaitForDownloadAsync(() => page.Locator("#download-csv").ClickAsync());
        Assert.StartsWith("清算月份", File.ReadAllText(await csv.PathAsync()).TrimStart('\uFEFF'));

        await page.GotoAsync("/dashboard/clearing?month=2026-03");
        await page.Locator("#confirm").ClickAsync();
        await Expect(page.Locator("#confirm-error")).ToContainTextAsync("尚未结束");
    }

    [Fact]
    public async Task An_agency_sees_only_its_own_regions_insured()
    {
        var expected = await Stats.ComputeAsync(_platform.Database, new StatsQuery(new DateOnly(2026, 2, 1), new DateOnly(2026, 2, 28), InsuplcAdmdvs: "220100"));
        string elsewhere, elsewhereHospital, elsewhereHome;
        await using (var connection = await _platform.Database.OpenConnectionAsync())
            (elsewhere, elsewhereHospital, elsewhereHome) = await connection.QueryFirstAsync<(string, string, string)>(
                "SELECT setl_id, fixmedins_code, insuplc_admdvs FROM settlements WHERE insuplc_admdvs <> '220100' ORDER BY setl_time DESC LIMIT 1");
        var page = await SignInAsync("changchun", "agency-password");

        await page.GotoAsync("/dashboard?from=2026-02-01&to=2026-02-28&home=220200");

        await Expect(page.Locator("#fig-settlements")).ToHaveTextAsync(N0(expected.Settlements));
        await Expect(page.Locator("#fig-medfee")).ToHaveTextAsync(N2(expected.MedfeeSumamt));
        Assert.Equal(404, (await page.GotoAsync($"/dashboard/settlement/{elsewhere}"))!.Status);
        await page.GotoAsync($"/dashboard/hospital/{elsewhereHospital}?from=2026-01-01&to=2026-03-15&home={elsewhereHome}");
        Assert.DoesNotContain(elsewhere, await page.ContentAsync()); // the agency's region is forced whatever ?home= says
        await page.GotoAsync("/dashboard/clearing?month=2026-02");
        await Expect(page.Locator("#compute")).ToHaveCountAsync(0);
        // Its own position only, as its admin token sees it: one row, Changchun's.
        await Expect(page.Locator("#clearing-positions tbody tr")).ToHaveCountAsync(1);
        await Expect(page.Locator("#clearing-positions tbody")).ToContainTextAsync("长春");
        // and heads with its own totals (the lines Changchun pays or is paid in), not the province's
        var statement = await MonthlyClearing.GetAsync(_platform.Database, "2026-02", _platform.Clock.GetLocalNow().DateTime);
        var own = statement.Lines.Where(l => l.PayerAdmdvs == "220100" || l.PayeeAdmdvs == "220100").ToList();
        Assert.NotEqual(statement.Totals.MedfeeSumamt, own.Sum(l => l.MedfeeSumamt));
        await Expect(page.Locator("#totals-title")).ToContainTextAsync("长春市合计");
        await Expect(page.Locator("#totals")).ToContainTextAsync(N2(own.Sum(l => l.MedfeeSumamt)));
        await Expect(page.Locator("#totals")).Not.ToContainTextAsync(N2(statement.Totals.MedfeeSumamt));
        await Browser.ScreenshotAsync(page, "dashboard-agency-clearing");
        var window = await page.GotoAsync("/window");
        await Expect(page).ToHaveURLAsync(new Regex("/denied"));
        Assert.Equal(403, window!.Status);
        await Expect(page.Locator("h1")).ToHaveTextAsync("无权访问");
    }
}
