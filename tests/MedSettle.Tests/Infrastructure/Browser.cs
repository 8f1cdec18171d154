using System.Diagnostics;
using Microsoft.Playwright;

namespace MedSettle.Tests.Infrastructure;

/// <summary>
/// One headless Chromium for the whole test run (Debian's /usr/bin/chromium driven by Playwright; no
/// `playwright install`), started on first use, and a fresh isolated context per test. The browser is closed when the
/// test process exits; should that be cut short, Playwright's driver ends with the process and takes Chromium along.
/// </summary>
public static class Browser
{
    public const string ExecutablePath = "/usr/bin/chromium";

    private static readonly Lazy<Task<Started>> Shared = new(StartAsync, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>How long starting Playwright and Chromium took (zero until started).</summary>
    public static TimeSpan StartupTime { get; private set; }

    /// <summary>A new isolated context (own cookies and storage): zh-CN, Asia/Shanghai, 1366x900. Dispose it at the end of the test.</summary>
    public static async Task<IBrowserContext> NewContextAsync(string? baseUrl = null)
    {
        var started = await Shared.Value;
        return await started.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            Locale = "zh-CN",
            TimezoneId = "Asia/Shanghai",
            ViewportSize = new ViewportSize { Width = 1366, Height = 900 },
            BaseURL = baseUrl,
        });
    }

    /// <summary>
    /// Saves a full-page PNG as tests/artifacts/screenshots/&lt;name&gt;.png in the repository (or under a screenshots
    /// folder next to the test binaries when the repository is not found) and returns its path; with
    /// <paramref name="height"/>, the page's top that tall only (a long page's picture for the README).
    /// </summary>
    public static async Task<string> ScreenshotAsync(IPage page, string name, float? height = null)
    {
        var safe = string.Concat(name.Select(c => Path.GetInvalidFileNameChars().Contains(c) ? '_' : c));
        var path = Path.Combine(ScreenshotDirectory(), safe + ".png");
        await page.ScreenshotAsync(new PageScreenshotOptions
        {
            Path = path,
            FullPage = true,
            Clip = height is { } h ? new Clip { X = 0, Y = 0, Width = page.ViewportSize?.Width ?? 1366, Height = h } : null,
        });
        return path;
    }

    private static string ScreenshotDirectory()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "MedSettle.slnx")))
                return Path.Combine(directory.FullName, "tests", "artifacts", "screenshots");
        }
        return Path.Combine(AppContext.BaseDirectory, "screenshots");
    }

    private static async Task<Started> StartAsync()
    {
        if (!File.Exists(ExecutablePath))
            throw new InvalidOperationException(
                $"Chromium was not found at {ExecutablePath}; the browser tests drive Debian's Chromium. Install it and the CJK font " +
                "(as root: apt-get update && apt-get install -y chromium fonts-noto-cjk) or run `bash .ci/run`.");

        var clock = Stopwatch.StartNew();
        var playwright = await Playwright.CreateAsync();
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = ExecutablePath,
                Headless = true,
                Args =
                [
                    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run",
                    // Debian's launcher adds this only when /dev/shm is small, and its check breaks when /dev/shm is mounted twice.
                    "--disable-dev-shm-usage",
                ],
            });
            StartupTime = clock.Elapsed;
            var started = new Started(playwright, browser);
            AppDomain.CurrentDomain.ProcessExit += (_, _) => started.Close();
            return started;
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    private sealed record Started(IPlaywright Playwright, IBrowser Browser)
    {
        /// <summary>Closes Chromium and the Playwright driver, bounded: the test host gives exit handlers little time.</summary>
        public void Close()
        {
            try
            {
                Task.Run(async () =>
                {
                    await Browser.CloseAsync();
                    Playwright.Dispose();
                }).Wait(TimeSpan.FromSeconds(5));
            }
            catch (Exception)
            {
                // The process is ending: the driver's exit takes Chromium with it.
            }
        }
    }
}
