using System.Text.RegularExpressions;
using Dapper;
using MedSettle.Tests.Infrastructure;
using MedSettle.Web;
using Microsoft.Playwright;
using static MedSettle.Tests.Transactions.WorkedExampleTests;
using static Microsoft.Playwright.Assertions;

namespace MedSettle.Tests.Web;

/// <summary>The clerk at the cashier window, in a real browser: find, file, register, bill, pre-settle with its explanation, settle, print, reverse.</summary>
public abstract class ClerkWindowTests(DatabaseTarget target) : IAsyncLifetime
{
    private RunningPlatform _platform = null!;
    private IBrowserContext _browser = null!;

    public async Task InitializeAsync()
    {
        _platform = await RunningPlatform.StartAsync(target);
        var now = _platform.Clock.GetLocalNow().DateTime;
        await Accounts.AddAsync(_platform.Database, "clerk", "收费员小李", Roles.Clerk, JilinCentral, null, "clerk-password", now);
        await Accounts.AddAsync(_platform.Database, "other", "另一医院收费员", Roles.Clerk, "H22020000002", null, "other-password", now);
        await Accounts.AddAsync(_platform.Database, "yanbian", "延边示例医院收费员", Roles.Clerk, Yanbian, null, "yanbian-password", now);
        _browser = await Browser.NewContextAsync(_platform.Http.BaseAddress!.ToString());
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        await _platform.DisposeAsync();
    }

    private string Name(string screenshot) => $"{screenshot}-{target.GetType().Name.Replace("Target", "").ToLowerInvariant()}";

    private async Task<IPage> SignInAsync(string username, string password, IBrowserContext? context = null)
    {
        var page = await (context ?? _browser).NewPageAsync();
        await page.GotoAsync("/window");
        await Expect(page).ToHaveURLAsync(new Regex("/login"));
        await page.GetByLabel("用户名").FillAsync(username);
        await page.GetByLabel("密码").FillAsync(password);
        await page.GetByLabel("密码").PressAsync("Enter");
        return page;
    }

    private static async Task AddLineAsync(IPage page, string code, string price, string count, string? typed = null)
    {
        await page.Locator("#catalogue-search").FillAsync(typed ?? code);
        await Expect(page.Locator("#catalogue-list li").First).ToContainTextAsync(code);
        await page.Locator("#catalogue-search").PressAsync("Enter");
        await page.Locator("#bill tbody tr").Last.Locator("input.price").FillAsync(price);
        await page.Locator("#bill tbody tr").Last.Locator("input.count").FillAsync(count);
    }

    /// <summary>
    /// Signs <paramref name="account"/> in, finds the person, files the emergency with the diagnosis found by
    /// <paramref name="search"/> and registers an outpatient visit (or an admission): the page of the visit. By default
    /// the clerk of 吉林市示例中心医院 and 张伟 with 肺炎.
    /// </summary>
    private async Task<IPage> OpenVisitAsync(string account = "clerk", string certno = "220102197503120110", string name = "张伟",
        string search = "肺炎", string found = "J18.9", bool admission = false)
    {
        var page = await SignInAsync(account, account + "-password");
        await page.Locator("#certno").FillAsync(certno);
        await page.Locator("#certno").PressAsync("Enter");
        await Expect(page.Locator("#person")).ToContainTextAsync(name);
        await WindowClerk.WhenReadyAsync(page);
        await page.Locator("#dise-search").FillAsync(search);
        await Expect(page.Locator("#dise-list li").First).ToContainTextAsync(found);
        await page.Locator("#dise-search").PressAsync("Enter");
        await page.GetByRole(AriaRole.Button, new() { Name = "备案并核定" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("备案成功");
        if (admission) await page.Locator("#kind").SelectOptionAsync("inpatient");
        await page.GetByRole(AriaRole.Button, new() { Name = "办理挂号 / 入院" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex(admission ? "/window/visit/Z" : "/window/visit/M"));
        return page;
    }

    private Task<long> SettlementsAsync() =>
        _platform.Database.ReadAsync(u => u.ScalarAsync<long>("SELECT COUNT(*) FROM settlements WHERE kind = 'settle'"));

    [Fact]
    public async Task Changing_the_bill_after_a_pre_settlement_withdraws_it_and_settling_waits_for_a_new_one()
    {
        var page = await OpenVisitAsync();
        await AddLineAsync(page, "110200001", "50.00", "1");
        await AddLineAsync(page, "210102001", "240.00", "1");
        await page.Locator("#presettle-button").ClickAsync();
        await Expect(page.Locator("#settle-button")).ToContainTextAsync("确认结算");
        await Expect(page.Locator("#visit-explained")).ToContainTextAsync("290.00");

        await page.Locator("#bill tbody tr").Last.Locator("input.count").FillAsync("2");

        await Expect(page.Locator("#total")).ToHaveTextAsync("530.00");
        await Expect(page.Locator("#bill-changed")).ToContainTextAsync("账单已修改，请重新预结算");
        await Expect(page.Locator("#visit-explained")).ToBeHiddenAsync();
        await Expect(page.Locator("#lines-explained")).ToBeHiddenAsync();
        await Expect(page.Locator("#settle-button")).ToBeDisabledAsync();
        await Browser.ScreenshotAsync(page, Name("window-bill-changed"));

        // Even a form sent past the disabled button settles nothing: the page compares the bill on screen with the uploaded one.
        await page.EvaluateAsync("() => { document.getElementById('settle-lines').value = document.getElementById('lines').value; document.getElementById('settle-lines').form.submit(); }");
        await Expect(page.Locator("#problem")).ToContainTextAsync("账单已修改，请重新预结算");
        Assert.Equal(0L, await SettlementsAsync());
        await Expect(page.Locator("#total")).ToHaveTextAsync("530.00");

        await page.Locator("#presettle-button").ClickAsync();
        await Expect(page.Locator("#visit-explained")).ToContainTextAsync("530.00");
        await page.Locator("#settle-button").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/window/slip/S"));
        await Expect(page.Locator("#slip-totals")).ToContainTextAsync("530.00");
        Assert.Equal(1L, await SettlementsAsync());
    }

    [Fact]
    public async Task Changing_how_the_bill_is_paid_after_a_pre_settlement_withdraws_it()
    {
        var page = await OpenVisitAsync();
        await AddLineAsync(page, "110200001", "50.00", "1");
        await page.Locator("#presettle-button").ClickAsync();
        await Expect(page.Locator("#settle-button")).ToBeEnabledAsync();

        await page.GetByLabel("使用个人账户").UncheckAsync();

        await Expect(page.Locator("#bill-changed")).ToBeVisibleAsync();
        await Expect(page.Locator("#settle-button")).ToBeDisabledAsync();
    }

    private Task<long> FeeLinesAsync() =>
        _platform.Database.ReadAsync(u => u.ScalarAsync<long>("SELECT COUNT(*) FROM fee_lines"));

    [Fact]
    public async Task An_item_without_a_price_ceiling_needs_a_price_above_zero_before_it_is_pre_settled()
    {
        var page = await OpenVisitAsync();
        await page.Locator("#catalogue-search").FillAsync("110200001");
        await Expect(page.Locator("#catalogue-list li").First).ToContainTextAsync("110200001");
        await page.Locator("#catalogue-search").PressAsync("Enter");

        var price = page.Locator("#bill tbody tr").Last.Locator("input.price");
        await Expect(price).ToHaveValueAsync(""); // no ceiling: no price is made up
        await Expect(price).ToHaveAttributeAsync("min", "0.01");
        await page.Locator("#presettle-button").ClickAsync();
        await Expect(page.Locator("#bill-error")).ToContainTextAsync("第 1 行 110200001 急诊诊察费：单价须大于 0");
        await Expect(price).ToHaveClassAsync(new Regex("invalid"));
        await Expect(page.Locator("#explanation")).ToHaveCountAsync(0);

        await price.FillAsync("0");
        await page.Locator("#presettle-button").ClickAsync();
        await Expect(page.Locator("#bill-error")).ToContainTextAsync("单价须大于 0");
        await Expect(page.Locator("#explanation")).ToHaveCountAsync(0);
        await Browser.ScreenshotAsync(page, Name("window-price-required"));

        // The page refuses a 0.00 line even when the form is sent without the editor's check.
        await page.EvaluateAsync("() => document.getElementById('bill-form').submit()");
        await Expect(page.Locator("#problem")).ToContainTextAsync("单价须大于 0");
        Assert.Equal(0L, await FeeLinesAsync());

        await page.Locator("#bill tbody tr").Last.Locator("input.price").FillAsync("50");
        await page.Locator("#presettle-button").ClickAsync();
        await Expect(page.Locator("#visit-explained")).ToContainTextAsync("50.00");
    }

    [Fact]
    public async Task A_refused_upload_keeps_the_bill_the_clerk_typed()
    {
        var page = await OpenVisitAsync();
        await AddLineAsync(page, "110200001", "50.00", "1");
        await AddLineAsync(page, "210102001", "99999999999", "1");

        await page.Locator("#presettle-button").ClickAsync();

        await Expect(page.Locator("#problem")).ToHaveTextAsync("第 2 行的单价“99999999999”不是有效的数值，请核对后重新填写");
        await Expect(page.Locator("#problem")).ToHaveAttributeAsync("title", new Regex(@"input\.feedetail\[1\]\.pric"));
        await Expect(page.Locator("#problem-detail summary")).ToHaveTextAsync("详情（平台原文，供技术支持）");
        await Expect(page.Locator("#problem-detail code")).ToHaveTextAsync("字段 input.feedetail[1].pric 的值 \"99999999999\" 不是有效的数值");
        await Expect(page.Locator("#explanation")).ToHaveCountAsync(0);
        await Expect(page.Locator("#bill tbody tr")).ToHaveCountAsync(2);
        await Expect(page.Locator("#bill tbody tr").First.Locator("input.price")).ToHaveValueAsync("50");
        await Expect(page.Locator("#bill tbody tr").Last.Locator("input.price")).ToHaveValueAsync("99999999999");
        await Browser.ScreenshotAsync(page, Name("window-upload-refused"));

        await page.Locator("#bill tbody tr").Last.Locator("input.price").FillAsync("240");
        await page.Locator("#presettle-button").ClickAsync();
        await Expect(page.Locator("#visit-explained")).ToContainTextAsync("290.00");
    }

    [Fact]
    public async Task Registering_a_person_without_a_filing_warns_on_the_visit_page_as_a_warning()
    {
        var page = await SignInAsync("clerk", "clerk-password");
        await page.Locator("#certno").FillAsync("220102197503120110");
        await page.Locator("#certno").PressAsync("Enter");
        await Expect(page.Locator("#person")).ToContainTextAsync("张伟");

        await page.GetByRole(AriaRole.Button, new() { Name = "办理挂号 / 入院" }).ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex("/window/visit/M"));
        await Expect(page.Locator("#warning")).ToContainTextAsync("尚无覆盖");
        await Expect(page.Locator("#warning")).ToContainTextAsync("结算前须办理备案");
        await Expect(page.Locator("#warning")).ToHaveClassAsync("notice");
        await Expect(page.Locator("p.ok")).ToHaveCountAsync(0);
        await Browser.ScreenshotAsync(page, Name("window-visit-without-filing"));
        await page.Locator("#warning a").ClickAsync();
        await Expect(page.Locator("#person")).ToContainTextAsync("张伟");
        await Expect(page.Locator("#warning")).ToHaveCountAsync(0); // said once, where the clerk landed
        await Expect(page.Locator("p.ok")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task The_slip_of_a_settlement_reversed_and_settled_again_keeps_its_own_lines_and_amounts()
    {
        var page = await OpenVisitAsync();
        await AddLineAsync(page, "110200001", "50.00", "1");
        await AddLineAsync(page, "210102001", "240.00", "1");
        await page.Locator("#presettle-button").ClickAsync();
        await page.Locator("#settle-button").ClickAsync();
        await Expect(page.Locator("#slip-lines tbody tr")).ToHaveCountAsync(2);
        var first = page.Url;
        await page.Locator("#reverse-button").ClickAsync();
        await page.Locator("#reverse-reason").FillAsync("收费项目或数量录入错误");
        await page.Locator("#confirm-reverse").ClickAsync();
        await Expect(page.Locator("#reversed")).ToContainTextAsync("已全部退回");

        var visit = await _platform.Database.ReadAsync(u => u.ScalarAsync<string>("SELECT mdtrt_id FROM visits"));
        await page.GotoAsync($"/window/visit/{visit}");
        await Expect(page.Locator("#bill tbody tr")).ToHaveCountAsync(2); // the reversal gave the lines back to the open bill
        await page.Locator("#presettle-button").ClickAsync();
        await page.Locator("#settle-button").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/window/slip/S"));
        Assert.NotEqual(first, page.Url);
        await Expect(page.Locator("#slip-lines tbody tr")).ToHaveCountAsync(2);

        // the reversed slip still lists the lines it had settled, though they were settled again since
        await page.GotoAsync(first);
        await Expect(page.Locator("#reversed")).ToBeVisibleAsync();
        await Expect(page.Locator("#slip-lines tbody tr")).ToHaveCountAsync(2);
        await Expect(page.Locator("#slip-lines tbody")).ToContainTextAsync("110200001");
        await Expect(page.Locator("#slip-lines tbody")).ToContainTextAsync("240.00");
        await Expect(page.Locator("#slip-lines-released")).ToHaveCountAsync(0);
        await Expect(page.Locator("#slip-totals")).ToContainTextAsync("290.00");

        // one reversed before its lines were noted (migration 17) shows its totals and says where its lines went
        await _platform.Database.WriteAsync<int>(async u => (await u.ExecuteAsync("DELETE FROM reversed_lines"), true));
        await page.ReloadAsync();
        await Expect(page.Locator("#slip-lines-released")).ToContainTextAsync("290.00");
        await Expect(page.Locator("#slip-lines-released a")).ToHaveAttributeAsync("href", $"/window/visit/{visit}");
        await Browser.ScreenshotAsync(page, Name("window-slip-reversed"));
    }

    [Fact]
    public async Task A_clerk_settles_the_worked_example_explains_it_prints_it_and_reverses_it()
    {
        var page = await SignInAsync("clerk", "clerk-password");
        await Expect(page).ToHaveURLAsync(new Regex("/window$"));

        await page.Locator("#certno").FillAsync("220102197503120111");
        await page.Locator("#certno").PressAsync("Enter");
        await Expect(page.Locator("#certno-error")).ToContainTextAsync("校验位不正确");
        await page.Locator("#certno").FillAsync("220102197503120110");
        await page.Locator("#certno").PressAsync("Enter");
        await Expect(page.Locator("#person")).ToContainTextAsync("张伟");
        await Expect(page.Locator("#person")).ToContainTextAsync("220102********0110");
        await Expect(page.Locator("#person")).ToContainTextAsync("1,520.50");

        await page.Locator("#dise-search").FillAsync("肺炎");
        await Expect(page.Locator("#dise-list li").First).ToContainTextAsync("J18.9");
        await page.Locator("#dise-search").PressAsync("Enter");
        await page.GetByRole(AriaRole.Button, new() { Name = "备案并核定" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("备案成功");

        await page.GetByRole(AriaRole.Button, new() { Name = "办理挂号 / 入院" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/window/visit/M"));

        await AddLineAsync(page, "110200001", "50.00", "1");
        await AddLineAsync(page, "210102001", "240.00", "1");
        await AddLineAsync(page, "311201001", "72.00", "2", typed: "JZJH");
        await AddLineAsync(page, "XJ01DDA036B001010178838", "23.45", "3", typed: "头孢曲松");
        await AddLineAsync(page, "C14010101001", "6.50", "2");
        await AddLineAsync(page, "XS0000000001", "88.00", "1");
        await Expect(page.Locator("#total")).ToHaveTextAsync("605.35");

        await page.Locator("#presettle-button").ClickAsync();
        await Expect(page.Locator("#explanation")).ToBeVisibleAsync();
        await Expect(page.Locator("#fund")).ToHaveTextAsync("159.45");
        await Expect(page.Locator("#account")).ToHaveTextAsync("445.90");
        await Expect(page.Locator("#cash")).ToHaveTextAsync("0.00");
        await Expect(page.Locator("#lines-explained")).ToContainTextAsync("超过限价 60");
        await Expect(page.Locator("#lines-explained")).ToContainTextAsync("丙类项目，全部自费");
        await Expect(page.Locator("#visit-explained")).ToContainTextAsync("(445.31 − 200.00) × 65%");
        await Browser.ScreenshotAsync(page, Name("window-presettlement"));

        await page.Locator("#settle-button").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/window/slip/S"));
        await Expect(page.Locator("#slip-fund")).ToHaveTextAsync("159.45");
        await Expect(page.Locator("#slip-cash")).ToHaveTextAsync("0.00");
        await Expect(page.Locator("#slip")).ToContainTextAsync("220102********0110");
        await Expect(page.Locator("#slip-lines tbody tr")).ToHaveCountAsync(6); // the bill the settlement took
        await Browser.ScreenshotAsync(page, Name("window-slip"));
        var setlId = await page.Locator("#setl-id").TextContentAsync();
        var visit = await _platform.Database.ReadAsync(u => u.ScalarAsync<string>("SELECT mdtrt_id FROM settlements WHERE setl_id = @setlId", new { setlId }));

        var other = await SignInAsync("other", "other-password", await Browser.NewContextAsync(_platform.Http.BaseAddress!.ToString()));
        Assert.Equal(404, (await other.GotoAsync($"/window/slip/{setlId}"))!.Status);
        Assert.Equal(404, (await other.GotoAsync($"/window/visit/{visit}"))!.Status);

        await page.Locator("#reverse-button").ClickAsync();
        await page.Locator("#reverse-reason").FillAsync("收费项目或数量录入错误");
        await page.Locator("#confirm-reverse").ClickAsync();
        await Expect(page.Locator("#reversed")).ToContainTextAsync("已全部退回");
        await using (var connection = await _platform.Database.OpenConnectionAsync())
            Assert.Equal(152050L, await connection.ExecuteScalarAsync<long>("SELECT acct_balc_fen FROM persons WHERE psn_no = @p", new { p = ZhangWei }));

        await page.GotoAsync("/window/today");
        await Expect(page.Locator("#today tbody tr")).ToHaveCountAsync(2);
        // the hospital's own figures for the day: settled and reversed, nothing left
        var reconcile = page.Locator("#reconcile");
        await reconcile.GetByLabel("笔数").First.FillAsync("0");
        foreach (var total in new[] { "医疗费总额", "基金支付", "个人账户" }) await reconcile.GetByLabel(total).First.FillAsync("0.00");
        await reconcile.GetByRole(AriaRole.Button, new() { Name = "对账" }).First.ClickAsync();
        await Expect(page.Locator("#reconcile-result")).ToContainTextAsync("对账平衡");
        await Browser.ScreenshotAsync(page, Name("window-today"));
    }

    [Fact]
    public async Task An_emergency_admission_is_previewed_before_discharge_and_settled_after_it()
    {
        var page = await OpenVisitAsync("yanbian", "220104198807210227", "王芳", search: "I21.0", found: "急性前壁心肌梗死", admission: true);

        await AddLineAsync(page, "110900001", "55.00", "4");
        await AddLineAsync(page, "XB05BBA030B001010104416", "4.28", "12");
        await AddLineAsync(page, "ZA12BAD0011010103983", "31.70", "2");
        await AddLineAsync(page, "120400001", "18.00", "8");
        await AddLineAsync(page, "210102001", "240.00", "2");
        await Expect(page.Locator("#total")).ToHaveTextAsync("958.76");
        await page.Locator("#presettle-button").ClickAsync();
        await Expect(page.Locator("#fund")).ToHaveTextAsync("160.93");
        await page.Locator("#settle-button").ClickAsync();
        await Expect(page.Locator("#problem")).ToContainTextAsync("须先办理出院（在就诊页点击“办理出院”）");
        await Expect(page.Locator("#problem")).ToContainTextAsync("如需不出院先结算，请勾选“中途结算（未出院）”后重新预结算");
        await Expect(page.Locator("#problem")).Not.ToContainTextAsync("mid_setl_flag");
        await Expect(page.Locator("#problem")).Not.ToContainTextAsync("2402");
        await Expect(page.Locator("#problem-detail code")).ToContainTextAsync("须先办理出院（2402）；中途结算请传 mid_setl_flag = 1");
        await Browser.ScreenshotAsync(page, Name("window-refusal-in-clerk-words"));

        await page.GetByRole(AriaRole.Button, new() { Name = "办理出院" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("已办理出院");
        await page.Locator("#presettle-button").ClickAsync();
        await Expect(page.Locator("#cash")).ToHaveTextAsync("797.83");
        await page.Locator("#settle-button").ClickAsync();
        await Expect(page.Locator("#slip-fund")).ToHaveTextAsync("160.93");
        await Expect(page.Locator("#slip")).ToContainTextAsync("24 急诊转住院");
    }

    private Task<string> OneVisitAsync() => _platform.Database.ReadAsync(u => u.ScalarAsync<string>("SELECT mdtrt_id FROM visits"));

    private static async Task SettleOpenBillAsync(IPage page)
    {
        await page.Locator("#presettle-button").ClickAsync();
        await page.Locator("#settle-button").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/window/slip/S"));
    }

    [Fact]
    public async Task A_filing_is_revoked_from_the_person_card_after_confirming_and_refused_while_a_settlement_uses_it()
    {
        var page = await OpenVisitAsync();
        await AddLineAsync(page, "110200001", "50.00", "1");
        await SettleOpenBillAsync(page);
        var slip = page.Url;
        var sn = await _platform.Database.ReadAsync(u => u.ScalarAsync<string>("SELECT trt_dcla_detl_sn FROM filings"));

        await page.GotoAsync($"/window?psn={ZhangWei}");
        var row = page.Locator($"#filing-{sn}");
        await row.GetByRole(AriaRole.Button, new() { Name = "撤销备案" }).ClickAsync();
        await Expect(page.Locator($"#revoke-filing-{sn}")).ToBeVisibleAsync();
        await page.Locator($"#revoke-filing-{sn}").GetByRole(AriaRole.Button, new() { Name = "返回" }).ClickAsync();
        await Expect(page.Locator($"#revoke-filing-{sn}")).ToBeHiddenAsync();
        await row.GetByRole(AriaRole.Button, new() { Name = "撤销备案" }).ClickAsync();
        await page.Locator($"#revoke-filing-{sn}").GetByRole(AriaRole.Button, new() { Name = "确认撤销备案" }).ClickAsync();

        await Expect(page.Locator("#problem")).ToContainTextAsync("须先撤销");
        await Expect(page.Locator($"#filing-{sn}")).ToContainTextAsync("有效");
        await Browser.ScreenshotAsync(page, Name("window-filing-revoke-refused"));

        await page.GotoAsync(slip);
        await page.Locator("#reverse-button").ClickAsync();
        await page.Locator("#reverse-reason").FillAsync("收费项目或数量录入错误");
        await page.Locator("#confirm-reverse").ClickAsync();
        await Expect(page.Locator("#reversed")).ToBeVisibleAsync();
        await page.GotoAsync($"/window?psn={ZhangWei}");
        await page.Locator($"#filing-{sn}").GetByRole(AriaRole.Button, new() { Name = "撤销备案" }).ClickAsync();
        await page.Locator($"#revoke-filing-{sn}").GetByRole(AriaRole.Button, new() { Name = "确认撤销备案" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync($"已撤销备案 {sn}");
        await Expect(page.Locator($"#filing-{sn}")).ToContainTextAsync("已撤销");
        await Expect(page.Locator($"#filing-{sn}").GetByRole(AriaRole.Button, new() { Name = "撤销备案" })).ToHaveCountAsync(0);
        Assert.NotNull(await _platform.Database.ReadAsync(u => u.ScalarAsync<string?>("SELECT revoked_at FROM filings")));
    }

    [Fact]
    public async Task Cancelling_a_registration_with_fee_lines_withdraws_them_and_leaves_the_visit_cancelled_with_no_actions()
    {
        var page = await OpenVisitAsync();
        await AddLineAsync(page, "110200001", "50.00", "1");
        await page.Locator("#presettle-button").ClickAsync();
        await Expect(page.Locator("#explanation")).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "取消挂号" }).ClickAsync();
        await Expect(page.Locator("#cancel-visit-dialog")).ToContainTextAsync("1 条未结算费用明细将一并撤销");
        await page.Locator("#confirm-cancel-visit").ClickAsync();

        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("已取消挂号");
        await Expect(page.Locator("#cancelled")).ToContainTextAsync("取消挂号");
        await Expect(page.Locator("#bill-form")).ToHaveCountAsync(0);
        await Expect(page.Locator("#explanation")).ToHaveCountAsync(0);
        await Expect(page.Locator("main button, main form, main dialog")).ToHaveCountAsync(0); // no further actions on a cancelled visit
        await Browser.ScreenshotAsync(page, Name("window-visit-cancelled"));
        var visit = await OneVisitAsync();
        Assert.NotNull(await _platform.Database.ReadAsync(u => u.ScalarAsync<string?>("SELECT cancelled_at FROM visits")));
        Assert.Equal(0L, await _platform.Database.ReadAsync(u => u.ScalarAsync<long>("SELECT COUNT(*) FROM fee_lines WHERE withdrawn_at IS NULL")));

        await page.GotoAsync($"/window/visit/{visit}");
        await Expect(page.Locator("#cancelled")).ToBeVisibleAsync();
        await Expect(page.Locator("#cancel-visit-button")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task Cancelling_a_settled_registration_shows_the_refusal_and_keeps_the_visit()
    {
        var page = await OpenVisitAsync();
        await AddLineAsync(page, "110200001", "50.00", "1");
        await SettleOpenBillAsync(page);
        var visit = await OneVisitAsync();
        await page.GotoAsync($"/window/visit/{visit}");

        await page.GetByRole(AriaRole.Button, new() { Name = "取消挂号" }).ClickAsync();
        await page.Locator("#confirm-cancel-visit").ClickAsync();

        await Expect(page.Locator("#problem")).ToContainTextAsync("须先撤销结算");
        await Expect(page.Locator("#cancelled")).ToHaveCountAsync(0);
        Assert.Null(await _platform.Database.ReadAsync(u => u.ScalarAsync<string?>("SELECT cancelled_at FROM visits")));
    }

    [Fact]
    public async Task A_discharge_is_undone_only_once_its_settlement_is_reversed_and_then_the_admission_is_cancelled()
    {
        var page = await OpenVisitAsync("yanbian", "220104198807210227", "王芳", search: "I21.0", found: "急性前壁心肌梗死", admission: true);
        var visit = await OneVisitAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "办理出院" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("已办理出院");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "入院撤销" })).ToHaveCountAsync(0); // discharged: undo the discharge first
        await AddLineAsync(page, "110900001", "55.00", "1");
        await SettleOpenBillAsync(page);
        var slip = page.Url;

        await page.GotoAsync($"/window/visit/{visit}");
        await page.GetByRole(AriaRole.Button, new() { Name = "出院撤销" }).ClickAsync();
        await page.Locator("#confirm-cancel-discharge").ClickAsync();
        await Expect(page.Locator("#problem")).ToContainTextAsync("须先撤销结算");

        await page.GotoAsync(slip);
        await page.Locator("#reverse-button").ClickAsync();
        await page.Locator("#reverse-reason").FillAsync("收费项目或数量录入错误");
        await page.Locator("#confirm-reverse").ClickAsync();
        await Expect(page.Locator("#reversed")).ToBeVisibleAsync();
        await page.GotoAsync($"/window/visit/{visit}");
        await page.GetByRole(AriaRole.Button, new() { Name = "出院撤销" }).ClickAsync();
        await page.Locator("#confirm-cancel-discharge").ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("已撤销出院");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "办理出院" })).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "入院撤销" }).ClickAsync();
        await page.Locator("#confirm-cancel-visit").ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("已撤销入院");
        await Expect(page.Locator("#cancelled")).ToContainTextAsync("撤销入院");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "办理出院" })).ToHaveCountAsync(0);
        await Expect(page.Locator("#bill-form")).ToHaveCountAsync(0);
    }

    private static Task<int> KeptBillsAsync(IPage page) =>
        page.EvaluateAsync<int>("() => Object.keys(localStorage).filter(k => k.startsWith('medsettle.bill.')).length");

    [Fact]
    public async Task Lines_not_yet_uploaded_survive_a_discharge_and_leaving_the_page_after_a_warning_and_go_once_uploaded()
    {
        var page = await OpenVisitAsync("yanbian", "220104198807210227", "王芳", search: "I21.0", found: "急性前壁心肌梗死", admission: true);
        var visitUrl = page.Url;
        var dialogs = new List<string>();
        var accept = true;
        page.Dialog += async (_, dialog) =>
        {
            dialogs.Add(dialog.Message);
            if (accept) await dialog.AcceptAsync(); else await dialog.DismissAsync();
        };
        await AddLineAsync(page, "110900001", "55.00", "4");
        await AddLineAsync(page, "120400001", "18.00", "8");
        await Expect(page.Locator("#bill-unsent")).ToContainTextAsync("尚未上传");

        // Leaving for the window's first page: the clerk is asked, and saying no stays with the bill.
        accept = false;
        await page.GetByRole(AriaRole.Link, new() { Name = "收费窗口", Exact = true }).ClickAsync();
        await Expect(page.Locator("#bill tbody tr")).ToHaveCountAsync(2);
        Assert.Single(dialogs);
        Assert.Contains("2 行费用明细尚未上传", dialogs[0]);
        Assert.Equal(visitUrl, page.Url);

        // 办理出院 with the bill unsent: asked first; after it the lines are back in the editor, still marked unsent.
        accept = true;
        await page.GetByRole(AriaRole.Button, new() { Name = "办理出院" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("已办理出院");
        Assert.Equal(2, dialogs.Count);
        Assert.Contains("尚未上传", dialogs[1]);
        await Expect(page.Locator("#bill tbody tr")).ToHaveCountAsync(2);
        await Expect(page.Locator("#bill tbody tr").First.Locator("input.price")).ToHaveValueAsync("55");
        await Expect(page.Locator("#bill tbody tr").Last.Locator("input.count")).ToHaveValueAsync("8");
        await Expect(page.Locator("#total")).ToHaveTextAsync("364.00");
        await Expect(page.Locator("#bill-unsent")).ToContainTextAsync("已恢复上次未上传的费用明细");
        await Browser.ScreenshotAsync(page, Name("window-unsent-bill-restored"));
        Assert.Equal(0L, await FeeLinesAsync());

        // Away to 收费窗口 (confirmed) and back: the bill is still there.
        await page.GetByRole(AriaRole.Link, new() { Name = "收费窗口", Exact = true }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/window$"));
        Assert.Equal(3, dialogs.Count);
        await page.GotoAsync(visitUrl);
        await Expect(page.Locator("#bill tbody tr")).ToHaveCountAsync(2);
        await Expect(page.Locator("#total")).ToHaveTextAsync("364.00");

        // Uploaded: nothing is kept any more, and leaving asks nothing.
        await page.Locator("#presettle-button").ClickAsync();
        await Expect(page.Locator("#explanation")).ToBeVisibleAsync();
        Assert.Equal(2L, await FeeLinesAsync());
        Assert.Equal(0, await KeptBillsAsync(page));
        await Expect(page.Locator("#bill-unsent")).ToBeHiddenAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "收费窗口", Exact = true }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/window$"));
        Assert.Equal(3, dialogs.Count);
    }

    [Fact]
    public async Task An_unsent_bill_is_cleared_only_when_the_clerk_says_so()
    {
        var page = await OpenVisitAsync();
        page.Dialog += async (_, dialog) => await dialog.AcceptAsync();
        await AddLineAsync(page, "110200001", "50.00", "1");
        await page.ReloadAsync();
        await Expect(page.Locator("#bill tbody tr")).ToHaveCountAsync(1);
        Assert.Equal(1, await KeptBillsAsync(page));

        await page.Locator("#clear-unsent").ClickAsync();
        await Expect(page.Locator("#bill tbody tr")).ToHaveCountAsync(0);
        await Expect(page.Locator("#bill-unsent")).ToBeHiddenAsync();
        Assert.Equal(0, await KeptBillsAsync(page));
    }

    [Fact]
    public async Task The_days_reconciliation_starts_empty_needs_the_hospitals_figures_and_names_each_total_that_differs()
    {
        var page = await OpenVisitAsync();
        await AddLineAsync(page, "110200001", "50.00", "1");
        await SettleOpenBillAsync(page);
        var fund = await _platform.Database.ReadAsync(u => u.ScalarAsync<long>("SELECT fund_pay_fen FROM settlements WHERE kind = 'settle'"));
        var acct = await _platform.Database.ReadAsync(u => u.ScalarAsync<long>("SELECT acct_pay_fen FROM settlements WHERE kind = 'settle'"));

        await page.GotoAsync("/window/today");
        var reconcile = page.Locator("#reconcile");
        await Expect(reconcile.Locator("tbody tr")).ToHaveCountAsync(1);
        foreach (var field in new[] { "笔数", "医疗费总额", "基金支付", "个人账户" })
            await Expect(reconcile.GetByLabel(field)).ToHaveValueAsync(""); // never the platform's own figures

        await reconcile.GetByRole(AriaRole.Button, new() { Name = "对账" }).ClickAsync();
        await Expect(page.Locator("#reconcile-result")).ToContainTextAsync("未填写：笔数、医疗费总额、基金支付、个人账户");
        await Expect(page.Locator("#reconcile-result")).Not.ToContainTextAsync("对账平衡");

        await reconcile.GetByLabel("笔数").FillAsync("1");
        await reconcile.GetByLabel("医疗费总额").FillAsync("60.00");
        await reconcile.GetByLabel("基金支付").FillAsync((fund / 100m).ToString("0.00", System.Globalization.CultureInfo.InvariantCulture));
        await reconcile.GetByLabel("个人账户").FillAsync((acct / 100m).ToString("0.00", System.Globalization.CultureInfo.InvariantCulture));
        await reconcile.GetByRole(AriaRole.Button, new() { Name = "对账" }).ClickAsync();
        await Expect(page.Locator("#reconcile-result")).ToContainTextAsync("医疗费总额：医院 60.00，平台 50.00，相差 10.00");
        await Expect(page.Locator("#reconcile-result")).ToContainTextAsync("1 项合计不一致");
        await Expect(page.Locator("#reconcile-result")).Not.ToContainTextAsync("基金支付：");
        await Expect(reconcile.GetByLabel("医疗费总额")).ToHaveValueAsync("60.00"); // what the clerk typed stays to be corrected

        await reconcile.GetByLabel("医疗费总额").FillAsync("50.00");
        await reconcile.GetByRole(AriaRole.Button, new() { Name = "对账" }).ClickAsync();
        await Expect(page.Locator("#reconcile-result")).ToContainTextAsync("对账平衡");
    }

    [Fact]
    public async Task The_day_page_names_schemes_and_regions_and_reconciles_a_file_the_HIS_exported()
    {
        var page = await OpenVisitAsync();
        await AddLineAsync(page, "110200001", "50.00", "1");
        await SettleOpenBillAsync(page);
        var (fund, acct) = await _platform.Database.ReadAsync(async u => (
            await u.ScalarAsync<long>("SELECT fund_pay_fen FROM settlements WHERE kind = 'settle'") / 100m,
            await u.ScalarAsync<long>("SELECT acct_pay_fen FROM settlements WHERE kind = 'settle'") / 100m));
        var gbk = System.Text.CodePagesEncodingProvider.Instance.GetEncoding(936)!;
        FilePayload Csv(string name, string text) => new() { Name = name, MimeType = "text/csv", Buffer = gbk.GetBytes(text) };
        const string Header = "险种,清算类别,清算机构,笔数,医疗费总额,基金支付,个人账户\r\n";
        string Amount(decimal yuan) => yuan.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture);

        await page.GotoAsync("/window/today");
        await Expect(page.Locator("#today tbody tr").First).ToContainTextAsync("职工基本医疗保险");
        await Expect(page.Locator("#today tbody tr").First.Locator("span[title='医保区划 220100']")).ToHaveTextAsync("长春市");
        await Expect(page.Locator("#reconcile tbody tr").First).ToContainTextAsync(new Regex(@"职工基本医疗保险\s*门诊\s*长春市"));
        await Expect(page.Locator("#reconcile").GetByLabel("医疗费总额")).ToHaveValueAsync("");

        await page.Locator("#reconcile-file").SetInputFilesAsync(Csv("his-bad.csv", Header + "310,11,220100,1,六十,0,0\r\n"));
        await page.GetByRole(AriaRole.Button, new() { Name = "导入并对账" }).ClickAsync();
        await Expect(page.Locator("#reconcile-file-problems")).ToContainTextAsync("“his-bad.csv”未导入，未进行对账");
        await Expect(page.Locator("#reconcile-file-problems")).ToContainTextAsync("第 2 行“医疗费总额”列：“六十”不是金额");
        await Expect(page.Locator("#reconcile-file-outcomes")).ToHaveCountAsync(0);

        await page.Locator("#reconcile-file").SetInputFilesAsync(Csv("his-2026-03-15.csv",
            Header + $"职工基本医疗保险,门诊,长春市,1,60.00,{Amount(fund)},{Amount(acct)}\r\n" + "城乡居民基本医疗保险,住院,吉林市,0,0.00,0.00,0.00\r\n"));
        await page.GetByRole(AriaRole.Button, new() { Name = "导入并对账" }).ClickAsync();

        await Expect(page.Locator("#reconcile-file-result")).ToContainTextAsync("对账不平，共 2 组：平衡 0 组，不平 1 组，平台无 1 组");
        var outcomes = page.Locator("#reconcile-file-outcomes tbody tr");
        await Expect(outcomes).ToHaveCountAsync(2);
        await Expect(outcomes.Nth(0)).ToContainTextAsync(new Regex(@"职工基本医疗保险\s*门诊\s*长春市\s*不平\s*医疗费总额：医院 60\.00，平台 50\.00，相差 10\.00"));
        await Expect(outcomes.Nth(0)).Not.ToContainTextAsync("基金支付：");
        await Expect(outcomes.Nth(1)).ToContainTextAsync(new Regex(@"城乡居民基本医疗保险\s*住院\s*吉林市\s*平台无此组\s*平台当日没有此组的结算，文件此组合计均为 0"));
        await Expect(page.Locator("#reconcile").GetByLabel("医疗费总额")).ToHaveValueAsync(""); // still the clerk's own to type
        await Browser.ScreenshotAsync(page, Name("window-today-file-reconciliation"));

        await page.Locator("#reconcile-file").SetInputFilesAsync(new FilePayload { Name = "his-export.xlsx", MimeType = "text/csv", Buffer = new byte[300 * 1024] });
        await page.GetByRole(AriaRole.Button, new() { Name = "导入并对账" }).ClickAsync();
        await Expect(page.Locator("#reconcile-file-problems")).ToContainTextAsync($"对总账文件不能超过 {HisTotalsFile.MaxBytes / 1024} KB");
        await Expect(page.Locator("#reconcile-file-outcomes")).ToHaveCountAsync(0);
        await Expect(page.Locator("#today tbody tr")).ToHaveCountAsync(1); // the day's page as it was
    }

    private Task<long> OpenVisitCountAsync() =>
        _platform.Database.ReadAsync(u => u.ScalarAsync<long>("SELECT COUNT(*) FROM visits WHERE cancelled_at IS NULL"));

    [Fact]
    public async Task Double_clicking_register_opens_one_visit()
    {
        var page = await SignInAsync("clerk", "clerk-password");
        await page.Locator("#certno").FillAsync("220102197503120110");
        await page.Locator("#certno").PressAsync("Enter");
        await Expect(page.Locator("#person")).ToContainTextAsync("张伟");
        // the register request is held a moment, as on a slow line, so that the second click comes while the first is in flight
        await page.RouteAsync(new Regex("handler=Register"), async route => { await Task.Delay(400); await route.ContinueAsync(); });

        await page.GetByRole(AriaRole.Button, new() { Name = "办理挂号 / 入院" }).DblClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex("/window/visit/M"));
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        await Task.Delay(500);
        Assert.Equal(1L, await OpenVisitCountAsync());
    }

    [Fact]
    public async Task The_same_registration_form_sent_twice_at_once_opens_one_visit_whatever_the_page_allows()
    {
        var page = await SignInAsync("clerk", "clerk-password");
        await page.Locator("#certno").FillAsync("220102197503120110");
        await page.Locator("#certno").PressAsync("Enter");
        await Expect(page.Locator("#person")).ToContainTextAsync("张伟");

        // two posts of the form, confirmed as "another visit", side by side (as two tabs or a retrying proxy would send them)
        var statuses = await page.EvaluateAsync<int[]>("""
            async () => {
                const form = document.getElementById('register-form');
                const body = () => { const d = new FormData(form); d.set('another', 'true'); return new URLSearchParams(d); };
                const send = () => fetch(form.action, { method: 'POST', body: body(), redirect: 'manual' }).then(r => r.status);
                return Promise.all([send(), send()]);
            }
            """);

        Assert.All(statuses, status => Assert.NotEqual(500, status));
        Assert.Equal(1L, await OpenVisitCountAsync()); // one msgid: the platform answers the second with the first's visit
    }

    [Fact]
    public async Task Registering_again_after_going_back_shows_the_open_visit_and_needs_a_confirmation()
    {
        var page = await OpenVisitAsync();
        var first = await OneVisitAsync();
        await page.GoBackAsync();
        await Expect(page.Locator("#person")).ToContainTextAsync("张伟");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "办理挂号 / 入院" })).ToBeEnabledAsync();

        // the form sent as a page kept from before the registration sends it (no confirmation asked): the server asks
        await page.EvaluateAsync("() => { document.getElementById('another').value = 'false'; document.getElementById('register-form').submit(); }");

        await Expect(page.Locator("#problem")).ToContainTextAsync($"已有未结束的就诊 {first}");
        await Expect(page.Locator("#open-visits a")).ToHaveAttributeAsync("href", $"/window/visit/{first}");
        Assert.Equal(1L, await OpenVisitCountAsync());
        await Browser.ScreenshotAsync(page, Name("window-open-visit"));

        await page.GetByRole(AriaRole.Button, new() { Name = "办理挂号 / 入院" }).ClickAsync();
        await Expect(page.Locator("#register-another-dialog")).ToContainTextAsync(first);
        await page.Locator("#register-another-dialog").GetByRole(AriaRole.Button, new() { Name = "返回" }).ClickAsync();
        Assert.Equal(1L, await OpenVisitCountAsync());
        await page.GetByRole(AriaRole.Button, new() { Name = "办理挂号 / 入院" }).ClickAsync();
        await page.Locator("#confirm-register-another").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/window/visit/M"));
        Assert.NotEqual($"/window/visit/{first}", new Uri(page.Url).AbsolutePath);
        Assert.Equal(2L, await OpenVisitCountAsync());

        await page.GotoAsync($"/window/visit/{first}");
        await page.GetByRole(AriaRole.Button, new() { Name = "取消挂号" }).ClickAsync();
        await page.Locator("#confirm-cancel-visit").ClickAsync();
        await Expect(page.Locator("#cancelled")).ToBeVisibleAsync();
        await page.GotoAsync($"/window?psn={ZhangWei}");
        await Expect(page.Locator("#open-visits a")).ToHaveCountAsync(1); // a cancelled visit is not open
        await Expect(page.Locator("#open-visits")).Not.ToContainTextAsync(first);
    }

    [Fact]
    public async Task A_posting_button_shows_it_is_busy_while_its_request_is_in_flight()
    {
        var page = await OpenVisitAsync();
        await AddLineAsync(page, "110200001", "50.00", "1");
        var sent = 0;
        await page.RouteAsync(new Regex("handler=PreSettle"), async route => { Interlocked.Increment(ref sent); await Task.Delay(1500); await route.ContinueAsync(); });

        // clicked twice, and looked at while the request is in flight (Playwright's own locators wait for the next page)
        var state = await page.EvaluateAsync<string[]>("""
            async () => {
                const button = document.getElementById('presettle-button');
                button.click();
                await new Promise(r => setTimeout(r, 50));
                button.click();
                await new Promise(r => setTimeout(r, 50));
                return [String(button.disabled), button.textContent, button.form.getAttribute('aria-busy')];
            }
            """);

        Assert.Equal(["true", "处理中…", "true"], state);
        await Expect(page.Locator("#explanation")).ToBeVisibleAsync();
        Assert.Equal(1, sent);
        await Expect(page.Locator("#settle-button")).ToBeEnabledAsync();
    }

    private static async Task<IPage> RegisterAnotherAsync(IPage page, bool admission)
    {
        await page.GotoAsync($"/window?psn={ZhangWei}");
        if (admission) await page.Locator("#kind").SelectOptionAsync("inpatient");
        await Expect(page.Locator("#person")).ToBeVisibleAsync();
        var asked = await page.Locator("#register-another-dialog").CountAsync() > 0; // only while another visit is open
        await page.GetByRole(AriaRole.Button, new() { Name = "办理挂号 / 入院" }).ClickAsync();
        if (asked) await page.Locator("#confirm-register-another").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex(admission ? "/window/visit/Z" : "/window/visit/M"));
        return page;
    }

    [Fact]
    public async Task The_days_visit_list_shows_each_visits_state_in_chinese()
    {
        var page = await OpenVisitAsync();
        var settled = await OneVisitAsync();
        await AddLineAsync(page, "110200001", "50.00", "1");
        await SettleOpenBillAsync(page);
        await RegisterAnotherAsync(page, admission: false);
        var registered = new Uri(page.Url).AbsolutePath.Split('/').Last();
        await RegisterAnotherAsync(page, admission: false);
        var cancelled = new Uri(page.Url).AbsolutePath.Split('/').Last();
        await page.GetByRole(AriaRole.Button, new() { Name = "取消挂号" }).ClickAsync();
        await page.Locator("#confirm-cancel-visit").ClickAsync();
        await Expect(page.Locator("#cancelled")).ToBeVisibleAsync();
        await RegisterAnotherAsync(page, admission: true);
        var admitted = new Uri(page.Url).AbsolutePath.Split('/').Last();
        await RegisterAnotherAsync(page, admission: true);
        var discharged = new Uri(page.Url).AbsolutePath.Split('/').Last();
        await page.GetByRole(AriaRole.Button, new() { Name = "办理出院" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("已办理出院");

        await page.GotoAsync("/window/today");

        await Expect(page.Locator("#visits thead")).ToContainTextAsync("状态");
        await Expect(page.Locator("#visits tbody tr")).ToHaveCountAsync(5);
        await Expect(page.Locator($"#visit-{settled} .visit-state")).ToHaveTextAsync("已结算");
        await Expect(page.Locator($"#visit-{registered} .visit-state")).ToHaveTextAsync("已挂号");
        await Expect(page.Locator($"#visit-{cancelled} .visit-state")).ToHaveTextAsync("已撤销挂号");
        await Expect(page.Locator($"#visit-{admitted} .visit-state")).ToHaveTextAsync("已入院");
        await Expect(page.Locator($"#visit-{discharged} .visit-state")).ToHaveTextAsync("已出院");
        await Expect(page.Locator($"#visit-{settled}")).ToContainTextAsync("张*");
        await Expect(page.Locator("#visits")).Not.ToContainTextAsync("张伟");
        await Browser.ScreenshotAsync(page, Name("window-today-visits"));
        await page.Locator($"#visit-{admitted} a").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"/window/visit/{admitted}$"));
    }

    [Fact]
    public async Task Pre_settling_without_a_filing_names_the_button_to_press_not_the_transaction_number()
    {
        var page = await SignInAsync("clerk", "clerk-password");
        await page.Locator("#certno").FillAsync("220102197503120110");
        await page.Locator("#certno").PressAsync("Enter");
        await page.GetByRole(AriaRole.Button, new() { Name = "办理挂号 / 入院" }).ClickAsync();
        await Expect(page.Locator("#warning")).ToContainTextAsync("结算前须办理备案（在收费窗口点击“备案并核定”）");
        await AddLineAsync(page, "110200001", "50.00", "1");

        await page.Locator("#presettle-button").ClickAsync();

        await Expect(page.Locator("#problem")).ToContainTextAsync("请先办理备案（在收费窗口点击“备案并核定”）后再结算");
        await Expect(page.Locator("#problem")).Not.ToContainTextAsync("2551");
        await Expect(page.Locator("#problem")).ToHaveAttributeAsync("title", new Regex("请先办理备案（2551）"));
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("2026-02-30")]
    [InlineData("3/15/2026")]
    public async Task A_day_that_is_not_a_date_is_explained_not_answered_with_an_error_page(string day)
    {
        var page = await SignInAsync("clerk", "clerk-password");
        await Expect(page).ToHaveURLAsync(new Regex("/window$"));

        var response = await page.GotoAsync($"/window/today?day={Uri.EscapeDataString(day)}");

        Assert.Equal(200, response!.Status);
        await Expect(page.Locator("#day-error")).ToContainTextAsync("无法识别，请按“年-月-日”填写（如 2026-03-15）");
        await Expect(page.Locator("#today tbody tr")).ToHaveCountAsync(0);
        await page.GetByLabel("日期").FillAsync("2026-03-15");
        await page.GetByRole(AriaRole.Button, new() { Name = "查看" }).ClickAsync();
        await Expect(page.Locator("h1")).ToContainTextAsync("2026-03-15");
        await Expect(page.Locator("#day-error")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task A_clerk_opening_the_dashboard_is_told_no_access_as_who_and_can_go_back_or_sign_out()
    {
        var page = await SignInAsync("clerk", "clerk-password");
        await Expect(page).ToHaveURLAsync(new Regex("/window$"));

        var response = await page.GotoAsync("/dashboard");

        Assert.Equal(403, response!.Status);
        await Expect(page.Locator("h1")).ToHaveTextAsync("无权访问");
        await Expect(page.Locator("#denied")).ToContainTextAsync("收费员小李（账号 clerk，医院收费员 · H22020000001）");
        await Expect(page.Locator("#denied")).ToContainTextAsync("/dashboard");
        await Expect(page.GetByLabel("用户名")).ToHaveCountAsync(0);
        await Browser.ScreenshotAsync(page, Name("denied"));
        await page.Locator("#denied-home").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/window$"));

        await page.GotoAsync("/dashboard/reads");
        await page.Locator("#denied-logout").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/login"));
        await page.GotoAsync("/window");
        await Expect(page).ToHaveURLAsync(new Regex("/login"));
    }

    [Fact]
    public async Task An_agency_user_opening_the_provinces_reads_is_told_no_access()
    {
        await Accounts.AddAsync(_platform.Database, "changchun", "长春市医保经办中心", Roles.Agency, null, "220100", "agency-password",
            _platform.Clock.GetLocalNow().DateTime);
        var page = await _browser.NewPageAsync();
        await page.GotoAsync("/login");
        await page.GetByLabel("用户名").FillAsync("changchun");
        await page.GetByLabel("密码").FillAsync("agency-password");
        await page.GetByLabel("密码").PressAsync("Enter");
        await Expect(page).ToHaveURLAsync(new Regex("/dashboard"));

        var response = await page.GotoAsync("/dashboard/reads");

        Assert.Equal(403, response!.Status);
        await Expect(page.Locator("h1")).ToHaveTextAsync("无权访问");
        await Expect(page.Locator("#denied-user")).ToHaveTextAsync("长春市医保经办中心");
        await Expect(page.Locator("#denied")).ToContainTextAsync("医保经办机构 · 220100");
    }

    [Theory]
    [InlineData("TBQS")]
    [InlineData("tbqs")]
    [InlineData("ZSYTBQSN")]
    [InlineData("头孢曲松")]
    [InlineData("XJ01DDA")]
    public async Task The_catalogue_is_found_by_pinyin_initials_anywhere_in_the_name_as_well_as_by_code_and_name(string typed)
    {
        var page = await OpenVisitAsync();

        await page.Locator("#catalogue-search").FillAsync(typed);

        await Expect(page.Locator("#catalogue-list li").First).ToContainTextAsync("XJ01DDA036B001010178838  注射用头孢曲松钠");
    }

    [Fact]
    public async Task The_full_identity_number_never_appears_in_a_url_or_referer_while_finding_filing_and_registering()
    {
        var page = await SignInAsync("clerk", "clerk-password");
        await Expect(page).ToHaveURLAsync(new Regex("/window$"));
        var seen = new List<string>();
        page.Request += (_, request) => seen.Add($"{request.Url} referer={request.Headers.GetValueOrDefault("referer")}");

        await page.Locator("#certno").FillAsync("220102197503120111");
        await page.EvaluateAsync("() => document.getElementById('find').submit()"); // past the page's own check: the server checks too
        await Expect(page.Locator("#certno-error")).ToContainTextAsync("校验位不正确");
        await page.Locator("#certno").FillAsync("220102197503120110");
        await page.Locator("#certno").PressAsync("Enter");
        await Expect(page.Locator("#person")).ToContainTextAsync("张伟");
        await Expect(page.Locator("#person")).ToContainTextAsync("220102********0110");
        await page.Locator("#dise-search").FillAsync("肺炎");
        await Expect(page.Locator("#dise-list li").First).ToContainTextAsync("J18.9");
        await page.Locator("#dise-search").PressAsync("Enter");
        await page.GetByRole(AriaRole.Button, new() { Name = "备案并核定" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("备案成功");
        await Expect(page.Locator("#person")).ToContainTextAsync("张伟"); // back on the same person after filing
        await page.GetByRole(AriaRole.Button, new() { Name = "办理挂号 / 入院" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/window/visit/M"));
        await page.GoBackAsync();
        await Expect(page.Locator("#person")).ToContainTextAsync("张伟");

        Assert.NotEmpty(seen);
        Assert.DoesNotContain(seen, s => s.Contains("220102197503120", StringComparison.Ordinal));
        Assert.DoesNotContain("220102197503120110", await page.ContentAsync());
    }

    [Fact]
    public async Task Signing_out_from_the_header_ends_the_session()
    {
        var page = await SignInAsync("clerk", "clerk-password");
        await Expect(page).ToHaveURLAsync(new Regex("/window$"));

        await page.Locator("header").GetByRole(AriaRole.Button, new() { Name = "退出" }).ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex("/login"));
        await page.GotoAsync("/window/today");
        await Expect(page).ToHaveURLAsync(new Regex("/login"));
    }

    [Fact]
    public async Task Pages_need_a_signed_in_clerk_and_a_wrong_password_is_refused_without_saying_which_part()
    {
        var page = await SignInAsync("clerk", "not-the-password");

        await Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("用户名或密码不正确");
        var anonymous = await _browser.NewPageAsync();
        await anonymous.GotoAsync("/window/today");
        await Expect(anonymous).ToHaveURLAsync(new Regex("/login"));
    }
}

// On SQLite only, to keep the suite's time: the window on PostgreSQL is walked by ClerkDayTests, ReversalAtWindowTests,
// OneStopWindowTests and TransferToAdmissionTests, and its catalogue search over HTTP on both databases.
public sealed class ClerkWindowTests_Sqlite() : ClerkWindowTests(new SqliteTarget());
