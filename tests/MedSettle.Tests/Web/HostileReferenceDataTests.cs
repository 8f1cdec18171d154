using System.Text.RegularExpressions;
using MedSettle.Tests.Infrastructure;
using MedSettle.Web;
using Microsoft.Playwright;
using static MedSettle.Tests.Transactions.WorkedExampleTests;
using static Microsoft.Playwright.Assertions;

namespace MedSettle.Tests.Web;

/// <summary>
/// Reference data is imported from other systems' files, so its codes and names are text, never markup: a catalogue item
/// and regions whose code and names are HTML that would run script show up literally in the bill editor and in the
/// dashboard's chart tooltips, and nothing runs.
/// </summary>
public sealed class HostileReferenceDataTests : IAsyncLifetime
{
    private const string HostileCode = "<img src=x onerror=window.__xss=1>";
    private const string HostileName = "<img src=x onerror=window.__xss=2>恶意名称";
    private const string HostileHome = "长春市<img src=x onerror=window.__xss=3>";
    private const string HostileArea = "吉林市<b>粗体</b><img src=x onerror=window.__xss=4>";

    private RunningPlatform _platform = null!;
    private IBrowserContext _browser = null!;
    private string _openVisit = null!;

    public async Task InitializeAsync()
    {
        var bundle = TestPaths.TempDirectory();
        foreach (var file in Directory.GetFiles(TestPaths.JilinMini)) File.Copy(file, Path.Combine(bundle, Path.GetFileName(file)));
        File.AppendAllText(Path.Combine(bundle, "catalogue.csv"), $"{HostileCode},{HostileName},201,09,03,,\n");
        var regions = Path.Combine(bundle, "regions.csv");
        File.WriteAllText(regions, File.ReadAllText(regions).Replace("220100,长春市", "220100," + HostileHome).Replace("220200,吉林市", "220200," + HostileArea));

        _platform = await RunningPlatform.StartAsync(new SqliteTarget(), bundle);
        var now = _platform.Clock.GetLocalNow().DateTime;
        await Accounts.AddAsync(_platform.Database, "clerk", "收费员小李", Roles.Clerk, JilinCentral, null, "clerk-password", now);
        await Accounts.AddAsync(_platform.Database, "province", "吉林省医保局", Roles.Province, null, null, "province-password", now);
        var his = new His(_platform, JilinCentral);
        var settled = await his.OutpatientVisitAsync(ZhangWei, "310", SecondVisitBill);
        (await his.SettleAsync(settled, ZhangWei, "310", 75.00m, useAccount: false)).ShouldSucceed();
        _openVisit = await his.OutpatientVisitAsync(WangFang, "390", [(HostileCode, 12.00m, 1)]);
        _browser = await Browser.NewContextAsync(_platform.Http.BaseAddress!.ToString());
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        await _platform.DisposeAsync();
    }

    private async Task<IPage> SignInAsync(string username, string password, string landing)
    {
        var page = await _browser.NewPageAsync();
        await page.GotoAsync("/login");
        await page.GetByLabel("用户名").FillAsync(username);
        await page.GetByLabel("密码").FillAsync(password);
        await page.GetByLabel("密码").PressAsync("Enter");
        await Expect(page).ToHaveURLAsync(new Regex(landing));
        return page;
    }

    private static async Task NothingRanAsync(IPage page) =>
        Assert.Equal("undefined", await page.EvaluateAsync<string>("() => typeof window.__xss"));

    [Fact]
    public async Task The_bill_editor_shows_a_catalogue_items_markup_as_text()
    {
        var page = await SignInAsync("clerk", "clerk-password", "/window");
        await page.GotoAsync($"/window/visit/{_openVisit}");

        var uploaded = page.Locator("#bill tbody tr").First;
        await Expect(uploaded.Locator("td").Nth(0)).ToHaveTextAsync(HostileCode);
        await Expect(uploaded.Locator("td").Nth(1)).ToHaveTextAsync(HostileName);

        await page.Locator("#catalogue-search").FillAsync("恶意名称");
        await Expect(page.Locator("#catalogue-list li").First).ToContainTextAsync(HostileCode);
        await page.Locator("#catalogue-search").PressAsync("Enter");

        await Expect(page.Locator("#bill tbody tr")).ToHaveCountAsync(2);
        var added = page.Locator("#bill tbody tr").Last;
        await Expect(added.Locator("td").Nth(0)).ToHaveTextAsync(HostileCode);
        await Expect(added.Locator("td").Nth(1)).ToHaveTextAsync(HostileName);
        await Expect(added.Locator("td").Nth(2)).ToHaveTextAsync("丙类");
        await Expect(page.Locator("#bill img, #catalogue-list img")).ToHaveCountAsync(0);
        await added.Locator("input.price").FillAsync("3.50");
        await added.Locator("input.count").FillAsync("2");
        await Expect(page.Locator("#total")).ToHaveTextAsync("19.00");
        await page.Locator("#presettle-button").ClickAsync();
        await Expect(page.Locator("#lines-explained")).ToContainTextAsync(HostileName);
        await Expect(page.Locator("#bill tbody td").Nth(0)).ToHaveTextAsync(HostileCode);
        await Expect(page.Locator("img")).ToHaveCountAsync(0);
        await NothingRanAsync(page);
    }

    [Fact]
    public async Task The_dashboards_chart_tooltips_show_region_names_as_text()
    {
        var page = await SignInAsync("province", "province-password", "/dashboard");
        await Expect(page.Locator("body[data-charts-ready]")).ToHaveCountAsync(1, new() { Timeout = 20_000 });

        foreach (var (chart, name) in new[] { ("#chart-home", HostileHome), ("#chart-area", HostileArea) })
        {
            // the tooltip of the region's bar, as hovering it shows it (the formatter's HTML goes into the tooltip's div)
            await page.EvaluateAsync("chart => echarts.getInstanceByDom(document.querySelector(chart)).dispatchAction({ type: 'showTip', seriesIndex: 0, dataIndex: 0 })", chart);
            var tooltip = page.Locator($"{chart} div", new() { HasTextRegex = new Regex("备案人次：2") }).Last;
            await Expect(tooltip).ToBeVisibleAsync();
            await Expect(tooltip).ToContainTextAsync(name + "备案人次：2");
            await Expect(page.Locator($"{chart} img, {chart} b")).ToHaveCountAsync(0);
        }
        await Expect(page.Locator("#by-hospital")).ToContainTextAsync(HostileArea);
        await Expect(page.Locator("img")).ToHaveCountAsync(0);
        await NothingRanAsync(page);
    }
}
