using System.Text.RegularExpressions;
using MedSettle.Tests.Infrastructure;
using MedSettle.Web;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace MedSettle.Tests.Web;

/// <summary>
/// 撤销结算 at the window, in a real browser: the clerk gives a reason, which is kept with the reversal and shown on the slip
/// and in the dashboard; the banner says what goes back to whom; the visit keeps listing the reversed settlement.
/// 李娜 (310, account 86.20, insured in 吉林市) at 长春市示例第一医院: her bill is more than her account, so the reversal gives
/// back cash, account and fund alike.
/// </summary>
public abstract class ReversalAtWindowTests(DatabaseTarget target) : IAsyncLifetime
{
    private const string ChangchunFirst = "H22010000001";
    private RunningPlatform _platform = null!;
    private IBrowserContext _browser = null!;

    public async Task InitializeAsync()
    {
        _platform = await RunningPlatform.StartAsync(target);
        var now = _platform.Clock.GetLocalNow().DateTime;
        await Accounts.AddAsync(_platform.Database, "clerk", "收费员小王", Roles.Clerk, ChangchunFirst, null, "clerk-password", now);
        await Accounts.AddAsync(_platform.Database, "province", "吉林省医保局", Roles.Province, null, null, "province-password", now);
        _browser = await Browser.NewContextAsync(_platform.Http.BaseAddress!.ToString());
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        await _platform.DisposeAsync();
    }

    /// <summary>Signs the clerk in, files and registers 李娜, bills three lines and settles them: the page of the slip.</summary>
    private async Task<IPage> SettleAsync()
    {
        var page = await WindowClerk.SignInAsync(_browser, "clerk", "clerk-password");
        await WindowClerk.FindAsync(page, "220202196201050349", "李娜");
        await WindowClerk.FileAndRegisterAsync(page);
        await SettleBillAsync(page);
        return page;
    }

    private static async Task SettleBillAsync(IPage page)
    {
        foreach (var (code, price, count) in new[] { ("110200001", "50.00", "1"), ("210102001", "240.00", "1"), ("311201001", "72.00", "2") })
            await WindowClerk.AddLineAsync(page, code, price, count);
        await page.Locator("#presettle-button").ClickAsync();
        await Expect(page.Locator("#settle-button")).ToBeEnabledAsync();
        await page.Locator("#settle-button").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/window/slip/S"));
    }

    private static async Task ReverseAsync(IPage page, string reason)
    {
        await page.Locator("#reverse-button").ClickAsync();
        await page.Locator("#reverse-reason").FillAsync(reason);
        await page.Locator("#confirm-reverse").ClickAsync();
        await Expect(page.Locator("#reversed")).ToBeVisibleAsync();
    }

    private sealed class Amounts
    {
        public string SetlId { get; set; } = "";
        public string MdtrtId { get; set; } = "";
        public long PsnCashFen { get; set; }
        public long AcctPayFen { get; set; }
        public long FundPayFen { get; set; }
    }

    private Task<Amounts?> SettlementAsync() => _platform.Database.ReadAsync(u => u.FirstOrDefaultAsync<Amounts>(
        "SELECT setl_id, mdtrt_id, psn_cash_fen, acct_pay_fen, fund_pay_fen FROM settlements WHERE kind = 'settle' ORDER BY setl_time, setl_id"));

    private Task<(string Time, string? Reason)> ReversalAsync(string setlId) => _platform.Database.ReadAsync(u => u.FirstOrDefaultAsync<(string, string?)>(
        "SELECT setl_time, reason FROM settlements WHERE kind = 'reversal' AND orig_setl_id = @setlId", new { setlId }));

    private string Screenshot(string name) => $"{name}-{target.Name}";

    [Fact]
    public async Task A_reversal_needs_a_reason_which_is_kept_and_shown_on_the_slip_and_in_the_dashboard()
    {
        var page = await SettleAsync();
        var settled = (await SettlementAsync())!;

        // no reason, no reversal: the field is required, and a form sent past the browser's check is refused by the page
        await page.Locator("#reverse-button").ClickAsync();
        await Expect(page.Locator("#reverse-dialog")).ToContainTextAsync("撤销原因");
        await page.Locator("#confirm-reverse").ClickAsync();
        Assert.True(await page.EvaluateAsync<bool>("() => document.getElementById('reverse-reason').validity.valueMissing"));
        await Expect(page.Locator("#reverse-dialog")).ToBeVisibleAsync();
        await page.EvaluateAsync("() => document.getElementById('confirm-reverse').form.submit()");
        await Expect(page.Locator("#problem")).ToContainTextAsync("请填写撤销原因");
        await Expect(page.Locator("#reversed")).ToHaveCountAsync(0);
        Assert.Equal(default, await ReversalAsync(settled.SetlId));

        // the reason is free text a person wrote: kept as typed, shown as text (never as markup)
        const string reason = "患者要求撤销，改为自费 <b>复核</b>";
        await ReverseAsync(page, reason);

        var (time, kept) = await ReversalAsync(settled.SetlId);
        Assert.Equal(reason, kept);
        await Expect(page.Locator("#reversed")).ToContainTextAsync($"原因：{reason}");
        await Expect(page.Locator("#slip-reversal")).ToContainTextAsync("已撤销");
        await Expect(page.Locator("#slip-reversal")).ToContainTextAsync(time);
        await Expect(page.Locator("#slip-reversal")).ToContainTextAsync(reason);
        await Expect(page.Locator("#slip b, #reversed b")).ToHaveCountAsync(0);
        await Browser.ScreenshotAsync(page, Screenshot("window-slip-reversal-reason"));
        await page.ReloadAsync();
        await Expect(page.Locator("#slip-reversal")).ToContainTextAsync(reason); // read back from the database, not the form

        var province = await (await Browser.NewContextAsync(_platform.Http.BaseAddress!.ToString())).NewPageAsync();
        await province.GotoAsync("/login");
        await province.GetByLabel("用户名").FillAsync("province");
        await province.GetByLabel("密码").FillAsync("province-password");
        await province.GetByLabel("密码").PressAsync("Enter");
        await Expect(province).ToHaveURLAsync(new Regex("/dashboard"));
        await province.GotoAsync($"/dashboard/settlement/{settled.SetlId}");
        await Expect(province.Locator("#reversal-reason")).ToHaveTextAsync($"撤销原因：{reason}");
        await Browser.ScreenshotAsync(province, Screenshot("dashboard-settlement-reversal-reason"));
        var reversalId = await _platform.Database.ReadAsync(u => u.ScalarAsync<string>("SELECT reversed_by FROM settlements WHERE setl_id = @id", new { id = settled.SetlId }));
        await province.GotoAsync($"/dashboard/settlement/{reversalId}");
        await Expect(province.Locator("#reversal-reason")).ToHaveTextAsync($"撤销原因：{reason}");
    }

    [Fact]
    public async Task After_a_reversal_the_banner_says_the_cash_to_give_back_and_what_returns_to_the_account_and_the_fund()
    {
        var page = await SettleAsync();
        var settled = (await SettlementAsync())!;
        // medfee 434.00; in scope 50.00 + 216.00 + 108.00 = 374.00; fund (374.00 − 200.00) × 66 % = 114.84; the person's 319.16 is
        // her whole account (86.20) and 232.96 in cash
        Assert.Equal((23296L, 8620L, 11484L), (settled.PsnCashFen, settled.AcctPayFen, settled.FundPayFen));

        await ReverseAsync(page, "收费项目或数量录入错误");

        await Expect(page.Locator("#reverse-message")).ToHaveTextAsync(
            $"已撤销结算 {settled.SetlId}：退还患者现金 232.96 元，个人账户退回 86.20 元，基金支付 114.84 元已冲回");
        await Browser.ScreenshotAsync(page, Screenshot("window-slip-reversal-refund"));
        await page.ReloadAsync();
        await Expect(page.Locator("#reverse-message")).ToHaveCountAsync(0); // said once, when it happened
    }

    [Fact]
    public async Task A_reversed_settlement_stays_on_its_visit_marked_reversed_with_its_time()
    {
        var page = await SettleAsync();
        var settled = (await SettlementAsync())!;
        _platform.Clock.Advance(TimeSpan.FromMinutes(20));
        await ReverseAsync(page, "单价录入错误");
        var (time, _) = await ReversalAsync(settled.SetlId);

        await page.GotoAsync($"/window/visit/{settled.MdtrtId}");

        var row = page.Locator($"#settlement-{settled.SetlId}");
        await Expect(page.Locator("#settlements tbody tr")).ToHaveCountAsync(1);
        await Expect(row.Locator(".settlement-state")).ToContainTextAsync("已撤销");
        await Expect(row.Locator(".settlement-state")).ToContainTextAsync(time);
        await Expect(row).ToHaveClassAsync("reversed");
        await Expect(row.Locator("a")).ToHaveAttributeAsync("href", $"/window/slip/{settled.SetlId}");

        // settled again, the visit lists both: the reversed one, marked, and the one that stands
        await page.Locator("#presettle-button").ClickAsync();
        await page.Locator("#settle-button").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/window/slip/S"));
        await page.GotoAsync($"/window/visit/{settled.MdtrtId}");
        await Expect(page.Locator("#settlements tbody tr")).ToHaveCountAsync(2);
        await Expect(page.Locator("#settlements tbody tr.reversed")).ToHaveCountAsync(1);
        await Expect(page.Locator("#settlements tbody tr").Last.Locator(".settlement-state")).ToHaveTextAsync("有效");
        await Browser.ScreenshotAsync(page, Screenshot("window-visit-reversed-settlement"));
    }
}

public sealed class ReversalAtWindowTests_Sqlite() : ReversalAtWindowTests(new SqliteTarget());

public sealed class ReversalAtWindowTests_Postgres() : ReversalAtWindowTests(new PostgresTarget());
