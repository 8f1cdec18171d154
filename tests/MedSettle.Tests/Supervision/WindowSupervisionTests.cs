using System.Globalization;
using MedSettle.Tests.Infrastructure;
using MedSettle.Web;
using Microsoft.Playwright;
using static MedSettle.Tests.Transactions.WorkedExampleTests;
using static Microsoft.Playwright.Assertions;

namespace MedSettle.Tests.Supervision;

/// <summary>
/// 事前 at the clerk's window, in a real browser (SQLite): the pre-settlement marks the line a rule names and says why
/// in the clerk's words, and a blocked settlement is refused with the rule named, nothing settled.
/// </summary>
public sealed class WindowSupervisionTests : IAsyncLifetime
{
    private RunningPlatform _platform = null!;
    private IBrowserContext _browser = null!;

    public async Task InitializeAsync()
    {
        _platform = await RunningPlatform.StartAsync(new SqliteTarget());
        await InlineSupervisionTests.ImportLimitsAsync(_platform.Database);
        _platform.Clock.Set(DateTime.Parse("2026-03-15 09:00:00", CultureInfo.InvariantCulture));
        await Accounts.AddAsync(_platform.Database, "clerk", "收费员小李", Roles.Clerk, JilinCentral, null, "clerk-password", _platform.Clock.GetLocalNow().DateTime);
        _browser = await Browser.NewContextAsync(_platform.Http.BaseAddress!.ToString());
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        await _platform.DisposeAsync();
    }

    [Fact]
    public async Task A_female_only_item_for_a_man_is_marked_before_settling_and_the_settlement_is_refused_naming_the_rule()
    {
        var page = await WindowClerk.SignInAsync(_browser, "clerk", "clerk-password");
        page.Dialog += async (_, dialog) => await dialog.AcceptAsync();
        await WindowClerk.FindAsync(page, "220102197503120110", "张伟");
        await WindowClerk.FileAndRegisterAsync(page);
        await WindowClerk.AddLineAsync(page, "110200001", "50.00", "1");
        await WindowClerk.AddLineAsync(page, "310300001", "30.00", "1");
        await page.Locator("#presettle-button").ClickAsync();

        await Expect(page.Locator("#supervision-flags")).ToContainTextAsync("有明细违反阻断规则，确认结算将被拒绝");
        await Expect(page.Locator("#supervision-flags")).ToContainTextAsync("R01 限性别（阻断）");
        await Expect(page.Locator("#supervision-flags")).ToContainTextAsync("宫颈细胞学检查 限女性使用，患者为男性");
        await Expect(page.Locator("#lines-explained tr.spvs-block")).ToHaveCountAsync(1);
        await Expect(page.Locator("#lines-explained tr.spvs-block")).ToContainTextAsync("阻断：确认结算将被拒绝，请核对或撤销该明细");
        await Browser.ScreenshotAsync(page, "window-supervision-presettlement");

        await page.Locator("#settle-button").ClickAsync();
        await Expect(page.Locator("#problem")).ToContainTextAsync("R01 限性别");
        await Expect(page.Locator("#problem")).ToContainTextAsync("本次未结算");
        await using var connection = await _platform.Database.OpenConnectionAsync();
        Assert.Equal(0L, await Dapper.SqlMapper.ExecuteScalarAsync<long>(connection, "SELECT COUNT(*) FROM settlements"));
    }
}
