using System.Diagnostics;
using MedSettle.Tests.Infrastructure;
using Xunit.Abstractions;

namespace MedSettle.Tests.Web;

/// <summary>The browser-test plumbing itself: Chromium reaches the real server, and Chinese text renders.</summary>
public sealed class BrowserSmokeTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Browser_opens_the_health_endpoint_of_the_running_server()
    {
        await using var platform = await RunningPlatform.StartAsync(new SqliteTarget());
        var clock = Stopwatch.StartNew();
        await using var context = await Browser.NewContextAsync(platform.Http.BaseAddress!.ToString());
        var page = await context.NewPageAsync();

        var response = await page.GotoAsync("/health");

        Assert.NotNull(response);
        Assert.Equal(200, response.Status);
        Assert.Contains("ok", await page.InnerTextAsync("body"));
        output.WriteLine($"browser start {Browser.StartupTime.TotalMilliseconds:F0} ms; context + /health {clock.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task Chinese_text_renders_and_is_screenshotted()
    {
        var clock = Stopwatch.StartNew();
        await using var context = await Browser.NewContextAsync();
        var page = await context.NewPageAsync();

        await page.SetContentAsync("<h1>异地急诊直接结算</h1>");
        var path = await Browser.ScreenshotAsync(page, "smoke-cjk");

        Assert.Equal("异地急诊直接结算", await page.InnerTextAsync("h1"));
        Assert.True(new FileInfo(path).Length > 0, $"empty screenshot at {path}");
        Assert.Equal("zh-CN", await page.EvaluateAsync<string>("navigator.language"));
        Assert.Equal("Asia/Shanghai", await page.EvaluateAsync<string>("Intl.DateTimeFormat().resolvedOptions().timeZone"));
        output.WriteLine($"browser start {Browser.StartupTime.TotalMilliseconds:F0} ms; context + render + screenshot {clock.ElapsedMilliseconds} ms; {path}");
    }
}
