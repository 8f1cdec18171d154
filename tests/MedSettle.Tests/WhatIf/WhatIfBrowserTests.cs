using System.Globalization;
using System.Text.RegularExpressions;
using MedSettle.Tests.Infrastructure;
using MedSettle.Web;
using Microsoft.Playwright;
using static MedSettle.Tests.Transactions.WorkedExampleTests;
using static Microsoft.Playwright.Assertions;

namespace MedSettle.Tests.WhatIf;

/// <summary>
/// The 政策测算 page in a real browser (SQLite) over a half year of jilin-mini settlements: the province edits ratios,
/// runs, follows the progress to the results and their charts, saves the draft (the screenshot the README shows), is told
/// of a value the importer refuses, and compares two saved drafts.
/// </summary>
public sealed class WhatIfBrowserTests : IAsyncLifetime
{
    private const string SunLi = "22010000000000000006";
    private const string ChenGang = "22010000000000000007";
    private const string ZhaoMin = "22010000000000000008";
    private const string LiNa = "22020000000000000003";
    private const string JinMingzhe = "22240000000000000004";
    private RunningPlatform _platform = null!;
    private IBrowserContext _context = null!;

    public async Task InitializeAsync()
    {
        _platform = await RunningPlatform.StartAsync(new SqliteTarget());
        await SettleHistoryAsync();
        await Accounts.AddAsync(_platform.Database, "province", "吉林省医保局", Roles.Province, null, null, "province-password", _platform.Clock.GetLocalNow().DateTime);
        _context = await Browser.NewContextAsync(_platform.Http.BaseAddress!.ToString());
    }

    public async Task DisposeAsync()
    {
        await _context.DisposeAsync();
        await _platform.DisposeAsync();
    }

    /// <summary>Emergency visits of 长春市, 吉林市 and 延边州 insured in March, and DESIGN.md's one-stop admissions from April to June.</summary>
    private async Task SettleHistoryAsync()
    {
        var jilin = new His(_platform, JilinCentral);
        var changchun = new His(_platform, "H22010000001");
        async Task OutpatientAsync(His his, string psnNo, string insutype, string day, (string, decimal, decimal)[] bill, decimal medfee, bool useAccount)
        {
            _platform.Clock.Set(DateTime.Parse(day + " 11:00:00", CultureInfo.InvariantCulture));
            var mdtrtId = await his.OutpatientVisitAsync(psnNo, insutype, bill, day);
            (await his.SettleAsync(mdtrtId, psnNo, insutype, medfee, useAccount)).ShouldSucceed();
        }
        async Task AdmissionAsync(string psnNo, string insutype, string day, decimal medfee, bool useAccount, params (string, decimal, decimal)[] items)
        {
            _platform.Clock.Set(DateTime.Parse(day + " 18:00:00", CultureInfo.InvariantCulture));
            (await jilin.FileAsync(psnNo, insutype, day)).ShouldSucceed();
            var mdtrtId = (await jilin.AdmitAsync(psnNo, insutype, day + " 08:00:00", "ZY" + Guid.NewGuid().ToString("N")[..10])).ShouldSucceed().Text("result", "mdtrt_id");
            (await jilin.UploadAsync(mdtrtId, psnNo, items, inpatient: true)).ShouldSucceed();
            (await jilin.DischargeAsync(mdtrtId, psnNo, insutype, day + " 17:00:00")).ShouldSucceed();
            (await jilin.SettleAsync(mdtrtId, psnNo, insutype, medfee, useAccount, inpatient: true)).ShouldSucceed();
        }

        await OutpatientAsync(jilin, ZhangWei, "310", "2026-03-10", FirstVisitBill, 605.35m, useAccount: true);
        await OutpatientAsync(jilin, WangFang, "390", "2026-03-11", SecondVisitBill, 75.00m, useAccount: false);
        await OutpatientAsync(changchun, LiNa, "310", "2026-03-12", FirstVisitBill, 605.35m, useAccount: false);
        await OutpatientAsync(jilin, JinMingzhe, "390", "2026-03-13", FirstVisitBill, 605.35m, useAccount: false);
        await OutpatientAsync(jilin, ZhangWei, "310", "2026-03-20", SecondVisitBill, 75.00m, useAccount: false);
        await AdmissionAsync(SunLi, "390", "2026-04-02", 39180.00m, false,
            ("311300001", 1800.00m, 20), ("210102001", 240.00m, 5), ("110900001", 55.00m, 20), ("XS0000000001", 88.00m, 10));
        await AdmissionAsync(ChenGang, "310", "2026-04-20", 216960.00m, true, ("311300001", 1800.00m, 120), ("210102001", 240.00m, 4));
        await AdmissionAsync(SunLi, "390", "2026-05-10", 54938.00m, false, ("311300001", 1800.00m, 30), ("XJ01DDA036B001010178838", 23.45m, 40));
        await AdmissionAsync(ZhaoMin, "390", "2026-06-01", 45909.00m, false,
            ("311300001", 1800.00m, 25), ("XJ01DDA036B001010178838", 23.45m, 20), ("XS0000000001", 88.00m, 5));
        _platform.Clock.Set(new DateTime(2026, 6, 15, 10, 0, 0));
    }

    [Fact]
    public async Task The_province_edits_ratios_runs_sees_the_results_and_charts_saves_the_draft_and_compares_two()
    {
        var page = await _context.NewPageAsync();
        var scriptErrors = new List<string>();
        page.PageError += (_, error) => scriptErrors.Add(error);
        page.Console += (_, message) => { if (message.Text.Contains("Content Security Policy", StringComparison.Ordinal)) scriptErrors.Add(message.Text); };
        await page.GotoAsync("/dashboard/whatif");
        await page.GetByLabel("用户名").FillAsync("province");
        await page.GetByLabel("密码").FillAsync("province-password");
        await page.GetByLabel("密码").PressAsync("Enter");
        await Expect(page).ToHaveURLAsync(new Regex("/dashboard/whatif$"));
        await Expect(page.Locator("h1")).ToHaveTextAsync("政策测算 · 全省");
        await Expect(page.Locator("#from")).ToHaveValueAsync("2026-01-01");
        await Expect(page.Locator("#to")).ToHaveValueAsync("2026-06-15");

        // 长春市: employees' emergency care at level-3 hospitals from 65% to 80%, residents' admissions from 65% to 70%; 吉林市's employees' emergency care down to 60%
        await page.Locator("details[data-region='220100'] > summary").ClickAsync();
        var changchunOutpatient = page.GetByLabel("长春市 职工 急诊门诊 三级医院 支付比例");
        await Expect(changchunOutpatient).ToHaveValueAsync("0.65");
        await changchunOutpatient.FillAsync("0.80");
        await Expect(changchunOutpatient).ToHaveClassAsync(new Regex("changed"));
        await page.GetByLabel("长春市 居民 住院 三级医院 支付比例").FillAsync("0.70");
        await page.Locator("details[data-region='220200'] > summary").ClickAsync();
        await page.GetByLabel("吉林市 职工 急诊门诊 三级医院 支付比例").FillAsync("0.60");
        await Expect(page.Locator("#changed-count")).ToHaveTextAsync("3");
        await Expect(page.Locator("details[data-region='220100'] .region-changed")).ToHaveTextAsync("2");
        await page.Locator("#draft-name").FillAsync("长春提高门诊和居民住院比例");

        await page.GetByRole(AriaRole.Button, new() { Name = "运行测算" }).ClickAsync();
        await Expect(page.Locator("#whatif-results")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Expect(page.Locator("#self-check")).ToHaveTextAsync("自检：重放 9 笔，与已存结算一致 9 笔");
        await Expect(page.Locator("#funds tbody tr[data-region='220100'][data-fund='basic'] td.change").First).ToHaveTextAsync(new Regex(@"^\+[\d,]+\.\d\d$"));
        await Expect(page.Locator("#funds tbody tr[data-region='220200'][data-fund='basic'] td.change")).ToHaveTextAsync(new Regex(@"^-[\d,]+\.\d\d$"));
        await Expect(page.Locator("#funds tbody tr[data-region='222400'][data-fund='basic'] td.change")).ToHaveTextAsync("0.00");
        await Expect(page.Locator("body[data-charts-ready='true']")).ToHaveCountAsync(1);
        await Expect(page.Locator("#chart-change canvas")).ToHaveCountAsync(1);
        await Expect(page.Locator("#chart-deciles canvas")).ToHaveCountAsync(1);
        await Expect(page.Locator("#largest tbody tr")).Not.ToHaveCountAsync(0);
        await Expect(page.Locator("#download-xlsx")).ToBeVisibleAsync();
        // the edits are in the form again, marked, and the draft's name kept for saving
        await Expect(page.GetByLabel("长春市 职工 急诊门诊 三级医院 支付比例")).ToHaveValueAsync("0.8");
        await Expect(page.Locator("#changed-count")).ToHaveTextAsync("3");
        await Expect(page.Locator("#draft-name")).ToHaveValueAsync("长春提高门诊和居民住院比例");

        await page.GetByRole(AriaRole.Button, new() { Name = "保存草案" }).ClickAsync();
        await Expect(page.Locator("#message")).ToHaveTextAsync("已保存草案“长春提高门诊和居民住院比例”（3 行）。");
        await Expect(page.Locator("#draft-list")).ToContainTextAsync("长春提高门诊和居民住院比例");
        await Expect(page.Locator("#whatif-results")).ToBeVisibleAsync(); // the results of that very draft stay
        await Expect(page.Locator("body[data-charts-ready='true']")).ToHaveCountAsync(1);
        await page.WaitForTimeoutAsync(600); // let the charts finish their short entry animation for the picture
        await Browser.ScreenshotAsync(page, "whatif", height: 1700); // the results and charts; the form below them is long

        // a value the importer refuses is named by its row and marked; nothing runs
        var jilinOutpatient = page.GetByLabel("吉林市 职工 急诊门诊 三级医院 支付比例");
        await jilinOutpatient.FillAsync("1.2");
        await page.GetByRole(AriaRole.Button, new() { Name = "运行测算" }).ClickAsync();
        await Expect(page.Locator("#problems")).ToContainTextAsync("吉林市 · 职工 · 急诊门诊 · 三级医院（执行日期 2026-01-01）：支付比例应为 0 到 1 之间的小数");
        await Expect(page.GetByLabel("吉林市 职工 急诊门诊 三级医院 支付比例")).ToHaveClassAsync(new Regex("invalid"));
        await Expect(page.Locator("#whatif-results")).ToHaveCountAsync(0);
        await Browser.ScreenshotAsync(page, "whatif-problems");

        // a second draft saved beside the first, and the two compared over the same period
        await page.GetByLabel("吉林市 职工 急诊门诊 三级医院 支付比例").FillAsync("0.66");
        await page.GetByLabel("长春市 职工 急诊门诊 三级医院 支付比例").FillAsync("0.90");
        await page.Locator("#draft-name").FillAsync("长春门诊九成");
        await page.GetByRole(AriaRole.Button, new() { Name = "保存草案" }).ClickAsync();
        await Expect(page.Locator("#message")).ToHaveTextAsync("已保存草案“长春门诊九成”（2 行）。");
        await page.Locator("#compare-first").SelectOptionAsync(new SelectOptionValue { Label = "长春提高门诊和居民住院比例" });
        await page.Locator("#compare-second").SelectOptionAsync(new SelectOptionValue { Label = "长春门诊九成" });
        await page.Locator("#compare").ClickAsync();
        await Expect(page.Locator("#whatif-compare")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Expect(page.Locator("#compare tbody tr").First).ToContainTextAsync("长春市");
        await Expect(page.Locator("#chart-change canvas")).ToHaveCountAsync(1);
        await page.WaitForTimeoutAsync(600);
        await Browser.ScreenshotAsync(page, "whatif-compare");
        Assert.Empty(scriptErrors);
    }
}
