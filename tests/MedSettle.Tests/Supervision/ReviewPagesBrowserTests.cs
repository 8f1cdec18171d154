using System.Text.RegularExpressions;
using MedSettle.Tests.Infrastructure;
using MedSettle.Web;
using Microsoft.Playwright;
using static MedSettle.Tests.Transactions.WorkedExampleTests;
using static Microsoft.Playwright.Assertions;

namespace MedSettle.Tests.Supervision;

/// <summary>The reviewer's 智能监管 pages and the clerk's 监管扣款与申诉 page in a real browser (SQLite), with screenshots.</summary>
public sealed class ReviewPagesBrowserTests : IAsyncLifetime
{
    private const string Password = "review-password";
    private RunningPlatform _platform = null!;
    private readonly List<IBrowserContext> _contexts = [];

    public async Task InitializeAsync()
    {
        _platform = await RunningPlatform.StartAsync(new SqliteTarget());
        var now = _platform.Clock.GetLocalNow().DateTime;
        await Accounts.AddAsync(_platform.Database, "cc-first", "长春市医保经办中心 初审", Roles.Agency, null, "220100", Password, now);
        await Accounts.AddAsync(_platform.Database, "cc-second", "长春市医保经办中心 复核", Roles.Agency, null, "220100", Password, now);
        await Accounts.AddAsync(_platform.Database, "jl-clerk", "收费员小李", Roles.Clerk, JilinCentral, null, Password, now);
    }

    public async Task DisposeAsync()
    {
        foreach (var context in _contexts) await context.DisposeAsync();
        await _platform.DisposeAsync();
    }

    private async Task<IPage> SignInAsync(string start, string username)
    {
        var context = await Browser.NewContextAsync(_platform.Http.BaseAddress!.ToString());
        _contexts.Add(context);
        var page = await context.NewPageAsync();
        await page.GotoAsync(start);
        await page.GetByLabel("用户名").FillAsync(username);
        await page.GetByLabel("密码").FillAsync(Password);
        await page.GetByLabel("密码").PressAsync("Enter");
        await Expect(page).ToHaveURLAsync(new Regex(Regex.Escape(start) + "$"));
        return page;
    }

    [Fact]
    public async Task A_reviewer_proposes_the_clerk_appeals_and_a_second_reviewer_decides()
    {
        var his = new His(_platform, JilinCentral);
        var mdtrtId = await his.OutpatientVisitAsync(ZhangWei, "310", FirstVisitBill);
        var setlId = (await his.SettleAsync(mdtrtId, ZhangWei, "310", 605.35m, useAccount: true)).ShouldSucceed().Text("setlinfo", "setl_id");
        var caseId = await ReviewWorkflowTests.FileCaseAsync(_platform.Database, setlId, ReviewWorkflowTests.ChinaNow(_platform));

        var reviewer = await SignInAsync("/dashboard/supervision", "cc-first");
        await Expect(reviewer.Locator("#by-rule")).ToContainTextAsync("R06 超住院天数");
        await Expect(reviewer.Locator($"#queue")).ToContainTextAsync(caseId);
        await Expect(reviewer.Locator("#queue")).ToContainTextAsync("张*");
        await Browser.ScreenshotAsync(reviewer, "supervision-queue");

        await reviewer.Locator($"#queue a[href$='{caseId}']").ClickAsync();
        await Expect(reviewer.Locator("#violations")).ToContainTextAsync("床位费");
        await Expect(reviewer.Locator("#evidence-lines tbody tr")).ToHaveCountAsync(2);
        await Expect(reviewer.Locator("#fund-pay")).ToHaveTextAsync("159.45");
        await reviewer.Locator("#propose-amount").FillAsync("300");
        await reviewer.Locator("#propose-reason").FillAsync("床位费超过住院天数，扣除多收床位费");
        await reviewer.GetByRole(AriaRole.Button, new() { Name = "提出扣款" }).ClickAsync();
        await Expect(reviewer.Locator("#problem")).ToContainTextAsync("超过该结算的基金支付金额 159.45 元");
        await Expect(reviewer.Locator("#propose-amount")).ToHaveValueAsync("300");
        await reviewer.Locator("#propose-amount").FillAsync("55.00");
        await reviewer.GetByRole(AriaRole.Button, new() { Name = "提出扣款" }).ClickAsync();
        await Expect(reviewer.Locator("#message")).ToContainTextAsync("拟扣款 55.00 元");
        await Expect(reviewer.Locator("#case-status")).ToHaveTextAsync("拟扣款");
        await Browser.ScreenshotAsync(reviewer, "supervision-case-proposed");

        var clerk = await SignInAsync("/window", "jl-clerk");
        await clerk.GetByRole(AriaRole.Link, new() { Name = "监管扣款与申诉" }).ClickAsync();
        var card = clerk.Locator($"#case-{caseId}");
        await Expect(card).ToContainTextAsync("55.00 元");
        await Expect(card).ToContainTextAsync("2026-03-25");
        await Browser.ScreenshotAsync(clerk, "window-supervision");
        await card.Locator("textarea.appeal-text").FillAsync("患者当日由急诊转入重症监护室，床位费按实际占用收取，附转科记录。");
        await card.GetByRole(AriaRole.Button, new() { Name = "提交申诉" }).ClickAsync();
        await Expect(clerk.Locator("#message")).ToContainTextAsync("申诉已提交");
        await Expect(clerk.Locator($"#case-{caseId}")).ToContainTextAsync("申诉中");
        await Expect(clerk.Locator($"#case-{caseId} textarea")).ToHaveCountAsync(0);
        await Browser.ScreenshotAsync(clerk, "window-supervision-appealed");

        await reviewer.ReloadAsync();
        await Expect(reviewer.Locator("#four-eyes")).ToBeVisibleAsync();
        var second = await SignInAsync($"/dashboard/supervision/case/{caseId}", "cc-second");
        await Expect(second.Locator("#appeal-text")).ToContainTextAsync("转科记录");
        await second.Locator("#decision-uphold").CheckAsync();
        await second.Locator("#decide-amount").FillAsync("40");
        await second.Locator("#decide-note").FillAsync("转科当日床位费属实，核减后扣款 40 元");
        await second.GetByRole(AriaRole.Button, new() { Name = "提交复核" }).ClickAsync();
        await Expect(second.Locator("#message")).ToContainTextAsync("扣款 40.00 元");
        await Expect(second.Locator("#case-status")).ToHaveTextAsync("已扣款");
        await Expect(second.Locator("#history")).ToContainTextAsync("医院申诉");
        await Browser.ScreenshotAsync(second, "supervision-case-decided");

        // the month's clearing (a preview of the month in progress) shows the deduction beside the lines
        await second.GotoAsync("/dashboard/clearing?month=2026-03");
        var deductions = second.Locator("#clearing-deductions");
        await Expect(deductions).ToContainTextAsync("吉林市示例中心医院");
        await Expect(deductions.Locator("tbody tr td").Nth(4)).ToHaveTextAsync("40.00");
        await Expect(deductions.Locator("tbody tr td").Nth(6)).ToHaveTextAsync("-40.00");
        await Browser.ScreenshotAsync(second, "clearing-deductions");
    }
}
