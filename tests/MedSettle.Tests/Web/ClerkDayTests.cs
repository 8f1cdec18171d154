using System.Text.RegularExpressions;
using MedSettle.Tests.Infrastructure;
using MedSettle.Web;
using Microsoft.Playwright;
using static MedSettle.Tests.Transactions.WorkedExampleTests;
using static Microsoft.Playwright.Assertions;

namespace MedSettle.Tests.Web;

/// <summary>
/// The clerk's day at the window without traps (issue 18's smaller points), in a real browser on both databases: each
/// page opens on its next step, searches say when they find nothing, Enter moves through a line instead of sending the
/// bill, an unusual count is asked about, a mid-stay settlement says so and the final slip shows the whole stay.
/// </summary>
public abstract class ClerkDayTests(DatabaseTarget target) : IAsyncLifetime
{
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

    private Task<long> CountAsync(string sql) => _platform.Database.ReadAsync(u => u.ScalarAsync<long>(sql));

    private async Task<IPage> FindZhangWeiAsync()
    {
        var page = await WindowClerk.SignInAsync(_browser, "clerk", "clerk-password");
        await WindowClerk.FindAsync(page, "220102197503120110", "张");
        return page;
    }

    /// <summary>Files 张伟's emergency (肺炎, found by its pinyin initials) and registers a visit or an admission: its page.</summary>
    private async Task<IPage> OpenVisitAsync(bool admission)
    {
        var page = await FindZhangWeiAsync();
        await WindowClerk.FileAndRegisterAsync(page, admission, search: "fy", found: "肺炎");
        return page;
    }

    [Fact]
    public async Task Each_step_opens_on_the_next_one_and_a_search_that_finds_nothing_says_so()
    {
        var page = await FindZhangWeiAsync();
        await Expect(page.Locator("#dise-search")).ToBeFocusedAsync(); // no filing yet: the diagnosis comes next

        await page.Locator("#dise-search").FillAsync("xjgs"); // 心肌梗死 by its pinyin initials
        await Expect(page.Locator("#dise-list li").First).ToContainTextAsync("心肌梗死");
        await page.Locator("#dise-search").FillAsync("qqqq");
        await Expect(page.Locator("#dise-list")).ToContainTextAsync("未找到“qqqq”");
        await page.Locator("#dise-search").PressAsync("Enter"); // nothing to pick: nothing is sent either
        await Expect(page.Locator("#person")).ToBeVisibleAsync();
        Assert.Equal(0L, await CountAsync("SELECT COUNT(*) FROM filings"));

        await page.Locator("#dise-search").FillAsync("I21.9");
        await Expect(page.Locator("#dise-list li").First).ToContainTextAsync("急性心肌梗死");
        await page.Locator("#dise-search").PressAsync("Enter");
        await page.GetByRole(AriaRole.Button, new() { Name = "备案并核定" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("备案成功");
        await Expect(page.Locator("#register-button")).ToBeFocusedAsync(); // filed: 挂号 comes next
        await page.Keyboard.PressAsync("Enter");

        await Expect(page).ToHaveURLAsync(new Regex("/window/visit/M"));
        await Expect(page.Locator("#catalogue-search")).ToBeFocusedAsync(); // registered: the bill comes next
        await page.Locator("#catalogue-search").FillAsync("不存在的项目");
        await Expect(page.Locator("#catalogue-list")).ToContainTextAsync("未找到“不存在的项目”");
        await Browser.ScreenshotAsync(page, Name("window-catalogue-not-found"));

        // Enter in a line moves on (price → count → the next item's search) and never sends the bill.
        await page.Locator("#catalogue-search").FillAsync("210102001");
        await Expect(page.Locator("#catalogue-list li").First).ToContainTextAsync("210102001");
        await page.Locator("#catalogue-search").PressAsync("Enter");
        var line = page.Locator("#bill tbody tr").Last;
        await Expect(line.Locator("input.price")).ToBeFocusedAsync();
        await line.Locator("input.price").FillAsync("240");
        await line.Locator("input.price").PressAsync("Enter");
        await Expect(line.Locator("input.count")).ToBeFocusedAsync();
        await line.Locator("input.count").FillAsync("2");
        await line.Locator("input.count").PressAsync("Enter");
        await Expect(page.Locator("#catalogue-search")).ToBeFocusedAsync();
        await Expect(page.Locator("#explanation")).ToHaveCountAsync(0);
        Assert.Equal(0L, await CountAsync("SELECT COUNT(*) FROM fee_lines"));

        await page.Locator("#presettle-button").ClickAsync();
        await Expect(page.Locator("#settle-button")).ToBeFocusedAsync(); // pre-settled: the explanation, then 确认结算
        await Expect(page.Locator("#visit-explained")).ToContainTextAsync(new Regex(@"(本年|每次)起付线 [\d,]+\.\d\d，本次计入 [\d,]+\.\d\d"));
        await Browser.ScreenshotAsync(page, Name("window-presettled-focus"));
    }

    [Fact]
    public async Task The_settle_form_sent_twice_at_once_settles_once_and_both_answers_lead_to_the_same_slip()
    {
        var page = await OpenVisitAsync(admission: false);
        await WindowClerk.AddLineAsync(page, "110200001", "50.00", "2");
        await page.Locator("#presettle-button").ClickAsync();
        await Expect(page.Locator("#settle-button")).ToBeFocusedAsync();

        // the 确认结算 form posted twice side by side, as a double click or a retrying proxy sends it
        var locations = await page.EvaluateAsync<string[]>("""
            async () => {
                const form = document.getElementById('settle-button').form;
                const send = () => fetch(form.action, { method: 'POST', body: new URLSearchParams(new FormData(form)) })
                    .then(r => r.status + ' ' + new URL(r.url).pathname);
                return Promise.all([send(), send()]);
            }
            """);

        Assert.Equal(1L, await CountAsync("SELECT COUNT(*) FROM settlements"));
        var setlId = await _platform.Database.ReadAsync(u => u.ScalarAsync<string>("SELECT setl_id FROM settlements"));
        Assert.All(locations, l => Assert.Equal($"200 /window/slip/{setlId}", l)); // the second answered with the first's settlement
    }

    [Fact]
    public async Task A_count_far_above_the_usual_is_asked_about_before_the_bill_is_uploaded()
    {
        var page = await OpenVisitAsync(admission: false);
        await WindowClerk.AddLineAsync(page, "110200001", "50.00", "500"); // a service, one at a time: 500 is a slipped key
        string? asked = null;
        var answer = false;
        page.Dialog += async (_, dialog) =>
        {
            asked = dialog.Message;
            if (answer) await dialog.AcceptAsync(); else await dialog.DismissAsync();
        };

        await page.Locator("#presettle-button").ClickAsync();
        await Expect(page.Locator("#bill tbody tr").Last.Locator("input.count")).ToBeFocusedAsync();
        Assert.Contains("数量 500", asked);
        Assert.Equal(0L, await CountAsync("SELECT COUNT(*) FROM fee_lines"));
        await Browser.ScreenshotAsync(page, Name("window-unusual-count-asked")); // the question dismissed: back on the count

        answer = true;
        await page.Locator("#presettle-button").ClickAsync();
        await Expect(page.Locator("#visit-explained")).ToContainTextAsync("25,000.00");
        Assert.Equal(1L, await CountAsync("SELECT COUNT(*) FROM fee_lines"));
    }

    [Fact]
    public async Task A_mid_stay_settlement_says_so_the_discharge_cannot_precede_it_and_the_final_slip_shows_the_whole_stay()
    {
        var page = await OpenVisitAsync(admission: true);
        var visit = page.Url;
        _platform.Clock.Advance(TimeSpan.FromHours(2)); // admitted at 10:00; the 中途结算 at 12:00
        await page.ReloadAsync();
        await WindowClerk.AddLineAsync(page, "210102001", "240.00", "1");
        await page.GetByLabel("中途结算（未出院）").CheckAsync();
        await page.Locator("#presettle-button").ClickAsync();
        await Expect(page.Locator("#explanation h2").First).ToContainTextAsync("中途结算");
        await Expect(page.Locator("#settle-button")).ToContainTextAsync("确认中途结算");
        await Browser.ScreenshotAsync(page, Name("window-mid-stay-explanation"));
        await page.Locator("#settle-button").ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex("/window/slip/S"));
        await Expect(page.Locator("#slip h1")).ToContainTextAsync("中途结算");
        await Expect(page.Locator("#slip-diagnosis")).ToContainTextAsync("J18.9 肺炎");
        await Expect(page.Locator("#slip")).ToContainTextAsync(new Regex(@"统筹支付比例：\d+(\.\d+)?%")); // not 0.8500
        await Expect(page.Locator("#slip-stay")).ToHaveCountAsync(0);      // a 中途结算 is no whole stay
        await Browser.ScreenshotAsync(page, Name("window-mid-stay-slip"));

        _platform.Clock.Advance(TimeSpan.FromHours(1));
        await page.GotoAsync(visit);
        await Expect(page.Locator("#endtime")).ToHaveValueAsync("2026-03-15T13:00");
        await Expect(page.Locator("#endtime")).ToHaveAttributeAsync("min", "2026-03-15T12:00");
        await Browser.ScreenshotAsync(page, Name("window-discharge-after-mid-stay"));
        // A discharge at 11:00 would put the 12:00 settlement after the stay: refused, and nothing changes.
        await page.EvaluateAsync("() => { const t = document.getElementById('endtime'); t.removeAttribute('min'); t.value = '2026-03-15T11:00'; }");
        await page.GetByRole(AriaRole.Button, new() { Name = "办理出院" }).ClickAsync();
        await Expect(page.Locator("#problem")).ToContainTextAsync("出院时间不能早于已办理的结算");
        Assert.Equal(0L, await CountAsync("SELECT COUNT(*) FROM visits WHERE endtime IS NOT NULL"));

        await page.GetByRole(AriaRole.Button, new() { Name = "办理出院" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("已办理出院");
        await Expect(page.GetByLabel("中途结算（未出院）")).ToHaveCountAsync(0); // discharged: only the final settlement is left
        await WindowClerk.AddLineAsync(page, "110200001", "50.00", "1");
        // Even a form that asks for a 中途结算 after the discharge is refused by the window.
        await page.EvaluateAsync("""
            () => { const f = document.getElementById('bill-form'); const i = document.createElement('input');
                    i.type = 'hidden'; i.name = 'midSettle'; i.value = 'true'; f.appendChild(i); }
            """);
        await page.Locator("#presettle-button").ClickAsync();
        await Expect(page.Locator("#problem")).ToContainTextAsync("不能再中途结算");

        await page.Locator("#presettle-button").ClickAsync(); // the page after the refusal: the same bill, no 中途结算
        await Expect(page.Locator("#explanation h2").First).Not.ToContainTextAsync("中途结算");
        await page.Locator("#settle-button").ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex("/window/slip/S"));
        await Expect(page.Locator("#slip dl")).ToContainTextAsync("出院结算");
        await Expect(page.Locator("#slip-stay tbody tr")).ToHaveCountAsync(2);
        await Expect(page.Locator("#slip-stay")).ToContainTextAsync("中途结算");
        await Expect(page.Locator("#slip-stay-medfee")).ToHaveTextAsync("290.00");
        await Browser.ScreenshotAsync(page, Name("window-final-slip-whole-stay"));
    }

    [Fact]
    public async Task A_line_s_price_starts_at_the_catalogue_s_ceiling_where_there_is_one_and_stays_editable()
    {
        var page = await OpenVisitAsync(admission: false);
        await page.Locator("#catalogue-search").FillAsync("311201001");
        await Expect(page.Locator("#catalogue-list li").First).ToContainTextAsync("限价 60");
        await page.Locator("#catalogue-search").PressAsync("Enter");
        var price = page.Locator("#bill tbody tr").First.Locator("input.price");
        await Expect(price).ToHaveValueAsync("60");
        await Expect(price).ToBeFocusedAsync();
        await Browser.ScreenshotAsync(page, Name("window-price-from-ceiling"));

        await page.Locator("#catalogue-search").FillAsync("110200001"); // no ceiling: the clerk types the price
        await Expect(page.Locator("#catalogue-list li").First).ToContainTextAsync("110200001");
        await page.Locator("#catalogue-search").PressAsync("Enter");
        await Expect(page.Locator("#bill tbody tr").Last.Locator("input.price")).ToHaveValueAsync("");

        await price.FillAsync("55"); // editable: the clerk's price stands
        await page.Locator("#bill tbody tr").Last.Locator("input.price").FillAsync("30");
        await Expect(page.Locator("#total")).ToHaveTextAsync("85.00");
    }

    [Fact]
    public async Task A_bill_kept_for_a_visit_is_forgotten_once_the_visit_is_cancelled()
    {
        var page = await OpenVisitAsync(admission: false);
        var key = "medsettle.bill." + page.Url[(page.Url.LastIndexOf('/') + 1)..];
        await WindowClerk.AddLineAsync(page, "110200001", "50.00", "1");
        Assert.NotNull(await page.EvaluateAsync<string?>("k => localStorage.getItem(k)", key));
        page.Dialog += async (_, dialog) => await dialog.AcceptAsync(); // yes, leave the unsent line

        await page.Locator("#cancel-visit-button").ClickAsync();
        await page.Locator("#confirm-cancel-visit").ClickAsync();

        await Expect(page.Locator("#cancelled")).ToBeVisibleAsync();
        Assert.Null(await page.EvaluateAsync<string?>("k => localStorage.getItem(k)", key));
    }
}

public sealed class ClerkDayTests_Sqlite() : ClerkDayTests(new SqliteTarget());

public sealed class ClerkDayTests_Postgres() : ClerkDayTests(new PostgresTarget());
