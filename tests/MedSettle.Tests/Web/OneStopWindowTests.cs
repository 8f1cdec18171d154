using System.Globalization;
using System.Text.RegularExpressions;
using MedSettle.Tests.Infrastructure;
using MedSettle.Web;
using Microsoft.Playwright;
using static MedSettle.Tests.Transactions.WorkedExampleTests;
using static Microsoft.Playwright.Assertions;

namespace MedSettle.Tests.Web;

/// <summary>
/// One-stop settlement at the window (issue 19, item 6), in a real browser on both databases: DESIGN.md's v2 examples
/// (赵敏, a 低保 resident; 孙丽's second admission), the pre-settlement explanation reading each supplementary fund's line
/// to the patient to the fen of the platform's answer, and the slip listing each fund.
/// </summary>
public abstract class OneStopWindowTests(DatabaseTarget target) : IAsyncLifetime
{
    private const string SunLi = "22010000000000000006";

    private RunningPlatform _platform = null!;
    private IBrowserContext _browser = null!;

    public async Task InitializeAsync()
    {
        _platform = await RunningPlatform.StartAsync(target);
        var now = _platform.Clock.GetLocalNow().DateTime;
        await Accounts.AddAsync(_platform.Database, "clerk", "收费员小李", Roles.Clerk, JilinCentral, null, "clerk-password", now);
        _browser = await Browser.NewContextAsync(_platform.Http.BaseAddress!.ToString());
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        await _platform.DisposeAsync();
    }

    private string Name(string screenshot) => $"{screenshot}-{target.GetType().Name.Replace("Target", "").ToLowerInvariant()}";

    private void SetClock(string time) => _platform.Clock.Set(DateTime.Parse(time, CultureInfo.InvariantCulture));

    /// <summary>Signs the clerk in, finds the person by identity number, files the emergency and admits them (24): the admission's page.</summary>
    private async Task<IPage> AdmitAsync(string certno, string shownName)
    {
        var page = await WindowClerk.SignInAsync(_browser, "clerk", "clerk-password");
        page.Dialog += async (_, dialog) => await dialog.AcceptAsync(); // counts asked about are the example's own
        await WindowClerk.FindAsync(page, certno, shownName);
        await WindowClerk.FileAndRegisterAsync(page, admission: true);
        return page;
    }

    [Fact]
    public async Task Zhao_Mins_admission_is_explained_fund_by_fund_and_her_slip_lists_each_fund()
    {
        SetClock("2026-06-01 08:00:00");
        var page = await AdmitAsync("220106197212040749", "赵敏");
        var mdtrtId = page.Url[(page.Url.LastIndexOf('/') + 1)..];
        await Expect(page.Locator("dd.supplement[data-fund='hifmi']")).ToContainTextAsync("≤50,000 60% · ≤100,000 70% · 以上 80%");
        await Expect(page.Locator("dd.supplement[data-fund='maf']")).ToContainTextAsync("低保对象，救助起付线 1,000.00 元");

        await WindowClerk.AddLineAsync(page, "311300001", "1800.00", "25");
        await WindowClerk.AddLineAsync(page, "XJ01DDA036B001010178838", "23.45", "20");
        await WindowClerk.AddLineAsync(page, "XS0000000001", "88.00", "5");
        await Expect(page.Locator("#total")).ToHaveTextAsync("45,909.00");
        await page.Locator("#presettle-button").ClickAsync();

        await Expect(page.Locator("#cash")).ToHaveTextAsync("5,841.43");
        await Expect(page.Locator("#fund")).ToHaveTextAsync("29,134.37");
        await Expect(page.Locator("#tier-hifmi .tier-pay")).ToHaveTextAsync("772.64");
        await Expect(page.Locator("#tier-hifmi")).ToContainTextAsync(
            "大病保险：本年政策范围内个人负担累计 0.00 → 16,287.73，超过起付线 15,000.00 的 1,287.73 按 60% 支付 772.64");
        await Expect(page.Locator("#tier-maf .tier-pay")).ToHaveTextAsync("10,160.56");
        await Expect(page.Locator("#tier-maf")).ToContainTextAsync(
            "医疗救助：本年医保支付后的政策范围内个人负担累计 0.00 → 15,515.09，超过救助起付线 1,000.00 的 14,515.09 按 70% 支付 10,160.56");
        await Expect(page.Locator("#tier-hifob")).ToHaveCountAsync(0); // a resident: no 大额补助
        await Expect(page.Locator("#fund-total")).ToHaveTextAsync("40,067.57");
        await Expect(page.Locator("#visit-explained")).ToContainTextAsync("统筹基金 29,134.37 + 大病保险 772.64 + 医疗救助 10,160.56");
        await Expect(page.Locator("#person-part")).ToHaveTextAsync("5,841.43");
        await Expect(page.Locator("#visit-explained tbody tr").Last).ToContainTextAsync("现金支付");
        await Browser.ScreenshotAsync(page, Name("window-one-stop-presettlement"));

        // discharged in the afternoon, settled: the slip lists each fund that applies to her
        SetClock("2026-06-01 17:00:00");
        await page.GotoAsync($"/window/visit/{mdtrtId}");
        await page.GetByRole(AriaRole.Button, new() { Name = "办理出院" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("已办理出院");
        await page.Locator("#presettle-button").ClickAsync();
        await Expect(page.Locator("#tier-maf .tier-pay")).ToHaveTextAsync("10,160.56");
        await page.Locator("#settle-button").ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex("/window/slip/S"));
        await Expect(page.Locator("#slip-fund")).ToHaveTextAsync("29,134.37");
        await Expect(page.Locator("#slip-hifmi")).ToHaveTextAsync("772.64");
        await Expect(page.Locator("#slip-maf")).ToHaveTextAsync("10,160.56");
        await Expect(page.Locator("#slip-hifob")).ToHaveCountAsync(0);
        await Expect(page.Locator("#slip-fund-total")).ToHaveTextAsync("40,067.57");
        await Expect(page.Locator("#slip-cash")).ToHaveTextAsync("5,841.43");
        await Expect(page.Locator("#slip-totals")).ToContainTextAsync("大病保险支付");
        await Expect(page.Locator("#slip-totals")).ToContainTextAsync("医疗救助支付");
        await Browser.ScreenshotAsync(page, Name("window-one-stop-slip"));

        // what the page said is what was recorded
        var recorded = await _platform.Database.ReadAsync(u => u.FirstOrDefaultAsync<(long, long, long, long)>(
            "SELECT hifp_fen, hifmi_fen, maf_fen, psn_cash_fen FROM settlements WHERE mdtrt_id = @mdtrtId AND kind = 'settle'", new { mdtrtId }));
        Assert.Equal((2913437L, 77264L, 1016056L, 584143L), recorded);

        // the person card on the window's first page shows her assistance class
        await page.GotoAsync("/window");
        await page.Locator("#certno").FillAsync("220106197212040749");
        await page.Locator("#certno").PressAsync("Enter");
        await Expect(page.Locator("#assistance")).ToContainTextAsync("低保对象");
    }

    [Fact]
    public async Task Sun_Lis_second_admission_reads_the_major_illness_line_over_the_years_cumulative_burden()
    {
        // her first admission (2026-04-02), settled by the hospital's HIS: 13,648.00 of in-scope burden, below 15,000.00
        var his = new His(_platform, JilinCentral);
        SetClock("2026-04-02 18:00:00");
        (await his.FileAsync(SunLi, "390", "2026-04-02")).ShouldSucceed();
        var first = (await his.AdmitAsync(SunLi, "390", "2026-04-02 08:00:00", "ZY0000000001")).ShouldSucceed().Text("result", "mdtrt_id");
        (await his.UploadAsync(first, SunLi, [("311300001", 1800.00m, 20), ("210102001", 240.00m, 5), ("110900001", 55.00m, 20), ("XS0000000001", 88.00m, 10)],
            inpatient: true)).ShouldSucceed();
        (await his.DischargeAsync(first, SunLi, "390", "2026-04-02 17:00:00")).ShouldSucceed();
        (await his.SettleAsync(first, SunLi, "390", 39180.00m, useAccount: false, inpatient: true)).ShouldSucceed();

        SetClock("2026-05-10 08:00:00");
        var page = await AdmitAsync("220103198405160523", "孙丽");
        await WindowClerk.AddLineAsync(page, "311300001", "1800.00", "30");
        await WindowClerk.AddLineAsync(page, "XJ01DDA036B001010178838", "23.45", "40");
        await page.Locator("#presettle-button").ClickAsync();

        await Expect(page.Locator("#fund")).ToHaveTextAsync("35,258.73");
        await Expect(page.Locator("#tier-hifmi")).ToContainTextAsync(
            "大病保险：本年政策范围内个人负担累计 13,648.00 → 33,233.47，超过起付线 15,000.00 的 18,233.47 按 60% 支付 10,940.08");
        await Expect(page.Locator("#tier-maf")).ToHaveCountAsync(0); // no assistance class
        await Expect(page.Locator("#fund-total")).ToHaveTextAsync("46,198.81");
        await Expect(page.Locator("#cash")).ToHaveTextAsync("8,739.19");
        await Browser.ScreenshotAsync(page, Name("window-one-stop-cumulative"));
    }

    /// <summary>
    /// 陈刚's admission (DESIGN.md's 大额 example): the basic fund is capped by the annual cap left, and the page says so,
    /// what the fund leaves of its base and 大额补助's share, each figure from the platform's answer (2303's setldetail).
    /// </summary>
    [Fact]
    public async Task Chen_Gangs_admission_shows_the_basic_fund_capped_and_what_it_leaves_from_the_platforms_answer()
    {
        SetClock("2026-04-20 08:00:00");
        var page = await AdmitAsync("220105196609090612", "陈刚");
        await WindowClerk.AddLineAsync(page, "311300001", "1800.00", "120");
        await WindowClerk.AddLineAsync(page, "210102001", "240.00", "4");
        await Expect(page.Locator("#total")).ToHaveTextAsync("216,960.00");
        await page.Locator("#presettle-button").ClickAsync();

        await Expect(page.Locator("#fund")).ToHaveTextAsync("150,000.00");
        await Expect(page.Locator("#visit-explained")).ToContainTextAsync("(216,864.00 − 800.00) × 85% ，受本年剩余限额 150,000.00 封顶");
        await Expect(page.Locator("#visit-explained")).ToContainTextAsync("按比例个人负担66,064.00");
        await Expect(page.Locator("#tier-hifob .tier-pay")).ToHaveTextAsync("35,634.07");
        await Expect(page.Locator("#tier-hifob")).ToContainTextAsync("统筹基金本年剩余限额 150,000.00 按 85% 对应政策范围内费用 176,470.59");
        await Expect(page.Locator("#fund-total")).ToHaveTextAsync("185,634.07");
        await Expect(page.Locator("#account")).ToHaveTextAsync("800.00");
        await Expect(page.Locator("#cash")).ToHaveTextAsync("30,525.93");
    }
}

public sealed class OneStopWindowTests_Sqlite() : OneStopWindowTests(new SqliteTarget());

public sealed class OneStopWindowTests_Postgres() : OneStopWindowTests(new PostgresTarget());
