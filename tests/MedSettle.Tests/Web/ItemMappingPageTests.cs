using System.Net;
using MedSettle.Tests.Infrastructure;
using MedSettle.Web;
using Microsoft.Playwright;
using static MedSettle.Tests.Transactions.WorkedExampleTests;
using static Microsoft.Playwright.Assertions;

namespace MedSettle.Tests.Web;

/// <summary>
/// The 目录对照 pages over HTTP, signed in as each kind of account: a clerk sees its own hospital's mapping alone; an agency
/// the hospitals of its own region (mapping is the treating side's), another region's answering as missing; the province
/// every hospital. What each shows: items in force by list type, recent changes, codes uploads sent unmapped.
/// </summary>
public abstract class ItemMappingPageTests(DatabaseTarget target) : PlatformTests(target, JilinCentral)
{
    internal const string Password = "mapping-password";
    private const string SameRegion = "H22020000002", Changchun = "H22010000001";

    private Uri Site => Platform.Http.BaseAddress!;

    private Task SetUpAsync() => SetUpAsync(Platform);

    /// <summary>The accounts, and a mapping of each hospital of 吉林市 (one row withdrawn), and uploads of codes unmapped: two of one, one of the withdrawn.</summary>
    internal static async Task SetUpAsync(RunningPlatform platform)
    {
        var his = new His(platform, JilinCentral);
        var now = platform.Clock.GetLocalNow().DateTime;
        foreach (var (user, name, role, hospital, region) in new (string, string, string, string?, string?)[]
                 {
                     ("jl-clerk", "吉林中心收费员", Roles.Clerk, JilinCentral, null), ("jl2-clerk", "吉林人民收费员", Roles.Clerk, SameRegion, null),
                     ("jl-agency", "吉林市经办", Roles.Agency, null, "220200"), ("cc-agency", "长春经办", Roles.Agency, null, "220100"),
                     ("province", "省医保局", Roles.Province, null, null),
                 })
            await Accounts.AddAsync(platform.Database, user, name, role, hospital, region, Password, now);

        (await his.CallAsync("3301", new
        {
            data = new[]
            {
                new { fixmedins_hilist_id = "JLZX-0001", fixmedins_hilist_name = "急诊诊察", list_type = "201", med_list_codg = "110200001", begndate = "2026-01-01" },
                new { fixmedins_hilist_id = "JLZX-0002", fixmedins_hilist_name = "头孢曲松", list_type = "101", med_list_codg = "XJ01DDA036B001010178838", begndate = "2026-01-01" },
                new { fixmedins_hilist_id = "JLZX-0003", fixmedins_hilist_name = "血常规", list_type = "201", med_list_codg = "250101001", begndate = "2026-01-01" },
            },
        })).ShouldSucceed();
        (await his.CallAsync("3302", new { data = new { fixmedins_hilist_id = "JLZX-0003", list_type = "201", med_list_codg = "250101001" } })).ShouldSucceed();
        (await new His(platform, SameRegion).CallAsync("3301", new { data = new { fixmedins_hilist_id = "JLRM-0001", fixmedins_hilist_name = "诊察", list_type = "201", med_list_codg = "110200001", begndate = "2026-01-01" } }))
            .ShouldSucceed();

        (await his.FileAsync(ZhangWei, "310", "2026-03-15")).ShouldSucceed();
        var mdtrtId = (await his.RegisterAsync(ZhangWei, "310", "2026-03-15 09:00:00", "MZ-PAGE")).ShouldSucceed().Text("data", "mdtrt_id");
        var unmapped = new { feedetl_sn = "1", mdtrt_id = mdtrtId, psn_no = ZhangWei, fee_ocur_time = "2026-03-15 09:30:00", medins_list_codg = "JLZX-9999", pric = 10m, cnt = 1m, det_item_fee_sumamt = 10m };
        (await his.CallAsync("2204", new { feedetail = new[] { unmapped } })).ShouldFail("JLZX-9999");
        (await his.CallAsync("2204", new { feedetail = new[] { unmapped } })).ShouldFail("JLZX-9999");
        (await his.CallAsync("2204", new { feedetail = new[] { unmapped with { medins_list_codg = "JLZX-0003" } } })).ShouldFail("JLZX-0003");
    }

    private static async Task<(HttpStatusCode Status, string Body)> GetAsync(WebSession session, string path)
    {
        using var response = await session.Client.GetAsync(path);
        return (response.StatusCode, WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync()));
    }

    [Fact]
    public async Task A_clerk_sees_its_own_hospitals_mapping_and_the_codes_its_uploads_sent_unmapped_and_nothing_of_another_hospital()
    {
        await SetUpAsync();
        using var clerk = await WebSession.SignInAsync(Site, "jl-clerk", Password);

        var (status, page) = await GetAsync(clerk, "/window/mapping");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("吉林市示例中心医院", page);
        Assert.Contains("<div class=\"figure\" id=\"mapped-items\">2</div>", page);
        Assert.Contains("201 医疗服务项目", page);
        Assert.Contains("101 西药中成药", page);
        Assert.Contains("撤销（3302）", page);
        Assert.Contains("JLZX-0003", page);
        Assert.Contains("注射用头孢曲松钠", page);
        Assert.Contains("<div class=\"figure\" id=\"unmapped-codes\">2</div>", page);
        Assert.Matches("JLZX-9999</td><td class=\"num\">2</td>", page);
        Assert.DoesNotContain("JLRM-0001", page);

        // once mapped, the code seen before shows as mapped
        (await His.CallAsync("3301", new { data = new { fixmedins_hilist_id = "JLZX-9999", fixmedins_hilist_name = "补录", list_type = "201", med_list_codg = "120400001", begndate = "2026-01-01" } }))
            .ShouldSucceed();
        (_, page) = await GetAsync(clerk, "/window/mapping");
        Assert.Contains("<div class=\"figure\" id=\"unmapped-codes\">1</div>", page);
        Assert.Contains("已对照", page);

        using var other = await WebSession.SignInAsync(Site, "jl2-clerk", Password);
        (status, page) = await GetAsync(other, "/window/mapping");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("JLRM-0001", page);
        Assert.DoesNotContain("JLZX-", page);
        Assert.Contains("费用上传中没有出现未对照的编码", page);

        // a clerk has no dashboard
        Assert.NotEqual(HttpStatusCode.OK, (await GetAsync(clerk, $"/dashboard/mapping/{JilinCentral}")).Status);
    }

    [Fact]
    public async Task An_agency_sees_its_own_regions_hospitals_and_the_province_every_hospital()
    {
        await SetUpAsync();

        using var jilin = await WebSession.SignInAsync(Site, "jl-agency", Password);
        var (status, list) = await GetAsync(jilin, "/dashboard/mapping");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains($"/dashboard/mapping/{JilinCentral}", list);
        Assert.Contains($"/dashboard/mapping/{SameRegion}", list);
        Assert.DoesNotContain(Changchun, list);
        var (detailStatus, detail) = await GetAsync(jilin, $"/dashboard/mapping/{JilinCentral}");
        Assert.Equal(HttpStatusCode.OK, detailStatus);
        Assert.Contains("JLZX-0001", detail);
        Assert.Contains("JLZX-9999", detail);
        Assert.DoesNotContain("JLRM-0001", detail);
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(jilin, $"/dashboard/mapping/{Changchun}")).Status);

        using var changchun = await WebSession.SignInAsync(Site, "cc-agency", Password);
        (status, list) = await GetAsync(changchun, "/dashboard/mapping");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains($"/dashboard/mapping/{Changchun}", list);
        Assert.DoesNotContain(JilinCentral, list);
        var (refused, body) = await GetAsync(changchun, $"/dashboard/mapping/{JilinCentral}");
        Assert.Equal(HttpStatusCode.NotFound, refused);
        Assert.DoesNotContain("JLZX-", body);
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(changchun, "/dashboard/mapping/H00000000000")).Status);

        using var province = await WebSession.SignInAsync(Site, "province", Password);
        (_, list) = await GetAsync(province, "/dashboard/mapping");
        foreach (var hospital in new[] { JilinCentral, SameRegion, Changchun }) Assert.Contains($"/dashboard/mapping/{hospital}", list);
        Assert.Matches($"{JilinCentral}</td>.*?<td class=\"num\">2</td>\\s*<td class=\"num\">\\s*<span class=\"tag c\">2</span>\\s*</td>\\s*<td class=\"num\">3</td>", list.ReplaceLineEndings(" "));
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(province, $"/dashboard/mapping/{SameRegion}")).Status);

        // staff have no window
        Assert.NotEqual(HttpStatusCode.OK, (await GetAsync(province, "/window/mapping")).Status);
    }
}

public sealed class ItemMappingPageTests_Sqlite() : ItemMappingPageTests(new SqliteTarget());

public sealed class ItemMappingPageTests_Postgres() : ItemMappingPageTests(new PostgresTarget());

/// <summary>The 目录对照 pages in a real browser (SQLite): reached from the navigation, the clerk's and the province's.</summary>
public sealed class ItemMappingPagesBrowserTests : IAsyncLifetime
{
    private RunningPlatform _platform = null!;

    public async Task InitializeAsync()
    {
        _platform = await RunningPlatform.StartAsync(new SqliteTarget());
        await ItemMappingPageTests.SetUpAsync(_platform);
    }

    public async Task DisposeAsync() => await _platform.DisposeAsync();

    private static async Task<IPage> SignInAsync(IBrowserContext browser, string username)
    {
        var page = await browser.NewPageAsync();
        await page.GotoAsync("/login");
        await page.GetByLabel("用户名").FillAsync(username);
        await page.GetByLabel("密码").FillAsync(ItemMappingPageTests.Password);
        await page.GetByLabel("密码").PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "目录对照" })).ToBeVisibleAsync();
        return page;
    }

    [Fact]
    public async Task The_clerk_and_the_province_reach_the_mapping_from_the_navigation()
    {
        await using var clerkBrowser = await Browser.NewContextAsync(_platform.Http.BaseAddress!.ToString());
        var clerk = await SignInAsync(clerkBrowser, "jl-clerk");
        await clerk.GetByRole(AriaRole.Link, new() { Name = "目录对照" }).ClickAsync();
        await Expect(clerk.Locator("#mapped-items")).ToHaveTextAsync("2");
        await Expect(clerk.Locator("#mapping-misses tbody tr")).ToHaveCountAsync(2);
        await Expect(clerk.Locator("#mapping-changes tbody tr").First).ToContainTextAsync("撤销（3302）");
        await Browser.ScreenshotAsync(clerk, "window-item-mapping");

        await using var provinceBrowser = await Browser.NewContextAsync(_platform.Http.BaseAddress!.ToString());
        var province = await SignInAsync(provinceBrowser, "province");
        await province.GetByRole(AriaRole.Link, new() { Name = "目录对照" }).ClickAsync();
        await province.GetByRole(AriaRole.Link, new() { Name = "吉林市示例中心医院" }).ClickAsync();
        await Expect(province.Locator("h1")).ToContainTextAsync("吉林市示例中心医院");
        await Expect(province.Locator("#unmapped-codes")).ToHaveTextAsync("2");
        await Browser.ScreenshotAsync(province, "dashboard-item-mapping");
    }
}
