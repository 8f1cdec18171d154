using System.Text.RegularExpressions;
using MedSettle.Tests.Infrastructure;
using MedSettle.Web;
using Microsoft.Playwright;
using static MedSettle.Tests.Transactions.WorkedExampleTests;
using static Microsoft.Playwright.Assertions;

namespace MedSettle.Tests.Web;

/// <summary>
/// 急诊转住院 at the window: an open emergency outpatient visit becomes an admission under the same filing, its uploaded
/// lines carried over (withdrawn from the registration, uploaded to the admission) and the registration cancelled.
/// </summary>
public abstract class TransferToAdmissionTests(DatabaseTarget target) : IAsyncLifetime
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

    private async Task<IPage> OpenOutpatientVisitAsync()
    {
        var page = await WindowClerk.SignInAsync(_browser, "clerk", "clerk-password");
        await WindowClerk.FindAsync(page, "220102197503120110", "张伟");
        await WindowClerk.FileAndRegisterAsync(page);
        return page;
    }

    private Task<T> ScalarAsync<T>(string sql, object? args = null) => _platform.Database.ReadAsync(u => u.ScalarAsync<T>(sql, args));

    [Fact]
    public async Task An_open_emergency_visit_becomes_an_admission_with_its_lines_under_the_same_filing_and_is_settled_there()
    {
        var page = await OpenOutpatientVisitAsync();
        var outpatient = page.Url[(page.Url.LastIndexOf('/') + 1)..];
        await WindowClerk.AddLineAsync(page, "110200001", "50.00", "1");
        await WindowClerk.AddLineAsync(page, "210102001", "240.00", "1");
        await WindowClerk.AddLineAsync(page, "311201001", "72.00", "2");
        await page.Locator("#presettle-button").ClickAsync();
        await Expect(page.Locator("#visit-explained")).ToContainTextAsync("434.00");

        await page.GetByRole(AriaRole.Button, new() { Name = "转住院" }).ClickAsync();
        await Expect(page.Locator("#to-admission-dialog")).ToContainTextAsync("3 条");
        await page.Locator("#confirm-to-admission").ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex("/window/visit/Z"));
        var admission = page.Url[(page.Url.LastIndexOf('/') + 1)..];
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync($"已转住院：住院就诊 {admission}");
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("门诊费用明细 3 条已转入住院");
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync($"门诊挂号 {outpatient} 已撤销");
        await Expect(page.Locator("h1")).ToContainTextAsync("急诊转住院");
        await Expect(page.Locator("#bill tbody tr")).ToHaveCountAsync(3);
        await Expect(page.Locator("#total")).ToHaveTextAsync("434.00");
        await Browser.ScreenshotAsync(page, Name("window-to-admission"));

        Assert.NotNull(await ScalarAsync<string?>("SELECT cancelled_at FROM visits WHERE mdtrt_id = @outpatient", new { outpatient }));
        Assert.Equal(0L, await ScalarAsync<long>("SELECT COUNT(*) FROM fee_lines WHERE mdtrt_id = @outpatient AND withdrawn_at IS NULL", new { outpatient }));
        Assert.Equal(3L, await ScalarAsync<long>("SELECT COUNT(*) FROM fee_lines WHERE mdtrt_id = @admission AND withdrawn_at IS NULL", new { admission }));
        var filings = await ScalarAsync<long>("SELECT COUNT(DISTINCT trt_dcla_detl_sn) FROM visits WHERE mdtrt_id IN (@outpatient, @admission)", new { outpatient, admission });
        Assert.Equal(1L, filings);
        Assert.NotNull(await ScalarAsync<string?>("SELECT trt_dcla_detl_sn FROM visits WHERE mdtrt_id = @admission", new { admission }));
        Assert.Equal(1L, await ScalarAsync<long>("SELECT COUNT(*) FROM filings"));

        // The outpatient visit's page says it is cancelled and offers nothing.
        await page.GotoAsync($"/window/visit/{outpatient}");
        await Expect(page.Locator("#cancelled")).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "转住院" })).ToHaveCountAsync(0);

        // The admission is discharged and settled like any other.
        await page.GotoAsync($"/window/visit/{admission}");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "转住院" })).ToHaveCountAsync(0);
        await page.GetByRole(AriaRole.Button, new() { Name = "办理出院" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("已办理出院");
        await page.Locator("#presettle-button").ClickAsync();
        await Expect(page.Locator("#visit-explained")).ToContainTextAsync("434.00");
        await page.Locator("#settle-button").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/window/slip/S"));
        await Expect(page.Locator("#slip-totals")).ToContainTextAsync("434.00");
        await Expect(page.Locator("#slip")).ToContainTextAsync("24 急诊转住院");
    }

    [Fact]
    public async Task The_same_transfer_form_sent_twice_admits_once_and_moves_the_lines_once()
    {
        var page = await OpenOutpatientVisitAsync();
        await WindowClerk.AddLineAsync(page, "110200001", "50.00", "1");
        await page.Locator("#presettle-button").ClickAsync();
        await Expect(page.Locator("#visit-explained")).ToContainTextAsync("50.00");

        await page.GetByRole(AriaRole.Button, new() { Name = "转住院" }).ClickAsync();
        // the same form sent again afterwards, as a resend after going back would: the same msgids, nothing done twice
        var form = await page.EvaluateAsync<string[]>("() => { const f = document.getElementById('to-admission-form'); return [f.action, new URLSearchParams(new FormData(f)).toString()]; }");
        await page.Locator("#confirm-to-admission").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/window/visit/Z"));
        var again = await page.EvaluateAsync<string>(
            "async ([action, body]) => { const r = await fetch(action, { method: 'POST', body, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }); return r.url + ' ' + await r.text(); }", form);
        Assert.Contains("/window/visit/Z", again);
        Assert.Contains("已转住院", again);

        Assert.Equal(1L, await ScalarAsync<long>("SELECT COUNT(*) FROM visits WHERE kind = 'inpatient'"));
        Assert.Equal(1L, await ScalarAsync<long>("SELECT COUNT(*) FROM fee_lines WHERE withdrawn_at IS NULL"));
    }

    [Fact]
    public async Task Transfer_is_not_offered_on_a_settled_visit_nor_on_an_admission()
    {
        var page = await OpenOutpatientVisitAsync();
        await WindowClerk.AddLineAsync(page, "110200001", "50.00", "1");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "转住院" })).ToHaveCountAsync(1);
        await page.Locator("#presettle-button").ClickAsync();
        await page.Locator("#settle-button").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/window/slip/S"));
        var visit = await ScalarAsync<string>("SELECT mdtrt_id FROM visits");

        await page.GotoAsync($"/window/visit/{visit}");
        await Expect(page.Locator("h1")).ToContainTextAsync("急诊门诊");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "转住院" })).ToHaveCountAsync(0);
        await Expect(page.Locator("#to-admission-dialog")).ToHaveCountAsync(0);
    }

    /// <summary>An outpatient visit with one uploaded line (110200001, 50.00), its 转住院 dialog open, not yet confirmed.</summary>
    private async Task<(IPage Page, string Outpatient)> OneLineVisitAskingToAdmitAsync()
    {
        var page = await OpenOutpatientVisitAsync();
        var outpatient = page.Url[(page.Url.LastIndexOf('/') + 1)..];
        await WindowClerk.AddLineAsync(page, "110200001", "50.00", "1");
        await page.Locator("#presettle-button").ClickAsync();
        await Expect(page.Locator("#visit-explained")).ToContainTextAsync("50.00");
        await page.GetByRole(AriaRole.Button, new() { Name = "转住院" }).ClickAsync();
        return (page, outpatient);
    }

    [Fact]
    public async Task A_refused_admission_stops_the_transfer_and_leaves_the_registration_and_its_lines_as_they_were()
    {
        var (page, outpatient) = await OneLineVisitAskingToAdmitAsync();
        await _platform.Database.WriteAsync<int>(async u => (await u.ExecuteAsync("UPDATE persons SET psn_insu_stas = '2' WHERE psn_no = @ZhangWei", new { ZhangWei }), true));

        await page.Locator("#confirm-to-admission").ClickAsync();

        await Expect(page.Locator("#problem")).ToContainTextAsync("未转住院：入院未被受理");
        await Expect(page.Locator("#problem")).ToContainTextAsync("门诊就诊及其费用明细未作任何改变");
        Assert.EndsWith($"/window/visit/{outpatient}", page.Url.Split('?')[0]);
        Assert.Equal(0L, await ScalarAsync<long>("SELECT COUNT(*) FROM visits WHERE kind = 'inpatient'"));
        Assert.Null(await ScalarAsync<string?>("SELECT cancelled_at FROM visits WHERE mdtrt_id = @outpatient", new { outpatient }));
        Assert.Equal(1L, await ScalarAsync<long>("SELECT COUNT(*) FROM fee_lines WHERE mdtrt_id = @outpatient AND withdrawn_at IS NULL", new { outpatient }));
    }

    [Fact]
    public async Task Lines_the_admission_refuses_undo_the_admission_and_the_clerk_is_told_where_the_lines_are()
    {
        var (page, outpatient) = await OneLineVisitAskingToAdmitAsync();
        // the item leaves the catalogue meanwhile: the upload to the admission is refused, and so is the one back
        await _platform.Database.WriteAsync<int>(async u => (await u.ExecuteAsync("UPDATE catalogue SET med_list_codg = 'GONE110200001' WHERE med_list_codg = '110200001'"), true));

        await page.Locator("#confirm-to-admission").ClickAsync();

        await Expect(page.Locator("#problem")).ToContainTextAsync("未转住院：住院费用明细上传未被受理");
        await Expect(page.Locator("#problem")).ToContainTextAsync("已撤销刚办理的入院 Z");
        await Expect(page.Locator("#problem")).ToContainTextAsync("门诊费用明细 1 条已撤销但未能恢复");
        Assert.Equal(0L, await ScalarAsync<long>("SELECT COUNT(*) FROM visits WHERE kind = 'inpatient' AND cancelled_at IS NULL"));
        Assert.Null(await ScalarAsync<string?>("SELECT cancelled_at FROM visits WHERE mdtrt_id = @outpatient", new { outpatient }));
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "转住院" })).ToHaveCountAsync(1);
    }
}

public sealed class TransferToAdmissionTests_Sqlite() : TransferToAdmissionTests(new SqliteTarget());

public sealed class TransferToAdmissionTests_Postgres() : TransferToAdmissionTests(new PostgresTarget());
