using System.Net;
using System.Text.RegularExpressions;
using MedSettle.Tests.Infrastructure;
using MedSettle.Web;
using Microsoft.Playwright;
using static MedSettle.Tests.Transactions.WorkedExampleTests;
using static Microsoft.Playwright.Assertions;

namespace MedSettle.Tests.Web;

/// <summary>
/// Every response carries the browser's protections (a Content-Security-Policy that runs only the platform's own
/// script files, no framing, no sniffing, no referrer beyond the site), the pages work under that policy, and the
/// sign-in and antiforgery cookies are Secure whenever the request came over HTTPS (directly or through a TLS proxy).
/// </summary>
public sealed class SecurityHeadersTests : IAsyncLifetime
{
    private RunningPlatform _platform = null!;
    private string _setlId = null!, _mdtrtId = null!;

    public async Task InitializeAsync()
    {
        _platform = await RunningPlatform.StartAsync(new SqliteTarget());
        var now = _platform.Clock.GetLocalNow().DateTime;
        await Accounts.AddAsync(_platform.Database, "clerk", "收费员小李", Roles.Clerk, JilinCentral, null, "clerk-password", now);
        await Accounts.AddAsync(_platform.Database, "province", "吉林省医保局", Roles.Province, null, null, "province-password", now);
        var his = new His(_platform, JilinCentral);
        var settled = await his.OutpatientVisitAsync(ZhangWei, "310", SecondVisitBill);
        _setlId = (await his.SettleAsync(settled, ZhangWei, "310", 75.00m, useAccount: false)).ShouldSucceed().Text("setlinfo", "setl_id");
        _mdtrtId = await his.OutpatientVisitAsync(WangFang, "390", SecondVisitBill);
        (await his.CallAsync("3301", new { data = new[] { new { fixmedins_hilist_id = "JLZX-0001", fixmedins_hilist_name = "急诊诊察<b>费</b>", list_type = "201", med_list_codg = "110200001", begndate = "2026-01-01" } } }))
            .ShouldSucceed();
    }

    public async Task DisposeAsync() => await _platform.DisposeAsync();

    private static void HasTheHeaders(string what, Func<string, string?> header)
    {
        Assert.True(header("content-security-policy") is { } csp && csp.Contains("frame-ancestors 'none'"), $"{what}: Content-Security-Policy {header("content-security-policy")}");
        Assert.True(header("x-content-type-options") == "nosniff", $"{what}: X-Content-Type-Options {header("x-content-type-options")}");
        Assert.True(header("x-frame-options") == "DENY", $"{what}: X-Frame-Options {header("x-frame-options")}");
        Assert.True(header("referrer-policy") is "same-origin" or "no-referrer", $"{what}: Referrer-Policy {header("referrer-policy")}");
    }

    /// <summary>
    /// Walks <paramref name="paths"/> signed in as <paramref name="username"/>: every response (pages, scripts, styles,
    /// look-ups) carries the headers, no page has inline script or an inline event handler, and the browser reports no
    /// violation of the policy (the pages' own script and ECharts work under it).
    /// </summary>
    private async Task WalkAsync(string username, string landing, params string[] paths)
    {
        await using var context = await Browser.NewContextAsync(_platform.Http.BaseAddress!.ToString());
        var page = await context.NewPageAsync();
        var responses = new List<IResponse>();
        var violations = new List<string>();
        page.Response += (_, response) => { lock (responses) responses.Add(response); };
        page.Console += (_, message) => { if (message.Text.Contains("Content Security Policy")) lock (violations) violations.Add(message.Text); };
        page.PageError += (_, error) => { lock (violations) violations.Add(error); };

        await page.GotoAsync("/login");
        await page.GetByLabel("用户名").FillAsync(username);
        await page.GetByLabel("密码").FillAsync(username + "-password");
        await page.GetByLabel("密码").PressAsync("Enter");
        await Expect(page).ToHaveURLAsync(new Regex(landing));
        foreach (var path in paths)
        {
            await page.GotoAsync(path);
            await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
            Assert.Equal(0, await page.EvaluateAsync<int>(
                "() => [...document.scripts].filter(s => !s.src && s.type !== 'application/json').length"));
            Assert.Equal("", await page.EvaluateAsync<string>(
                "() => [...document.querySelectorAll('*')].flatMap(e => [...e.attributes].filter(a => /^on/i.test(a.name) || /^\\s*javascript:/i.test(a.value)).map(a => e.tagName + ' ' + a.name)).join(', ')"));
            if (path.StartsWith("/dashboard?", StringComparison.Ordinal))
            {
                await Expect(page.Locator("body[data-charts-ready]")).ToHaveCountAsync(1, new() { Timeout = 20_000 });
                await Expect(page.Locator("#chart-day canvas")).ToHaveCountAsync(1);
                await page.EvaluateAsync("() => echarts.getInstanceByDom(document.querySelector('#chart-area')).dispatchAction({ type: 'showTip', seriesIndex: 0, dataIndex: 0 })");
                await Expect(page.Locator("#chart-area div", new() { HasTextString = "备案人次" }).Last).ToBeVisibleAsync();
            }
            if (path == $"/window/visit/{_mdtrtId}")
            {
                await page.Locator("#cancel-visit-button").ClickAsync(); // its dialog opens without an inline handler
                await Expect(page.Locator("#cancel-visit-dialog")).ToBeVisibleAsync();
                await page.Locator("#cancel-visit-dialog button", new() { HasTextString = "返回" }).ClickAsync();
                await Expect(page.Locator("#cancel-visit-dialog")).ToBeHiddenAsync();
                await page.Locator("#catalogue-search").FillAsync("110200001");
                await Expect(page.Locator("#catalogue-list li").First).ToContainTextAsync("110200001");
            }
        }

        Assert.True(responses.Count > paths.Length * 2, $"only {responses.Count} responses");
        foreach (var response in responses)
        {
            if (response.Url.StartsWith("data:", StringComparison.Ordinal)) continue;
            var headers = await response.AllHeadersAsync();
            HasTheHeaders($"{response.Request.Method} {response.Url} ({response.Status})", name => headers.GetValueOrDefault(name));
        }
        Assert.Empty(violations);
    }

    [Fact]
    public async Task Every_page_of_the_window_carries_the_headers_and_works_under_the_policy() =>
        await WalkAsync("clerk", "/window", "/window", "/window?psn=" + WangFang, $"/window/visit/{_mdtrtId}", $"/window/slip/{_setlId}", "/window/today", "/window/mapping",
            "/", "/dashboard", "/window/visit/M000000000000000000", "/no-such-page");

    [Fact]
    public async Task Every_page_of_the_dashboard_carries_the_headers_and_works_under_the_policy() =>
        await WalkAsync("province", "/dashboard", "/dashboard?from=2026-03-01&to=2026-03-15", $"/dashboard/hospital/{JilinCentral}",
            $"/dashboard/settlement/{_setlId}", "/dashboard/clearing?month=2026-03", "/dashboard/policies", "/dashboard/reads", "/dashboard/whatif",
            "/dashboard/mapping", $"/dashboard/mapping/{JilinCentral}", "/window");

    [Fact]
    public async Task Answers_outside_the_pages_carry_the_headers_too()
    {
        foreach (var path in new[] { "/login", "/denied", "/no-such-page", "/css/site.css", "/js/window.js", "/health", "/api/admin/stats", "/window/api/catalogue?q=1" })
        {
            using var response = await _platform.Http.GetAsync(path);
            HasTheHeaders($"GET {path} ({(int)response.StatusCode})",
                name => response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : null);
        }
        var api = await _platform.CallAsync("1101", JilinCentral, new { data = new { mdtrt_cert_type = "02", mdtrt_cert_no = "220102197503120110" } });
        api.ShouldSucceed();
        using var unsigned = await _platform.Http.PostAsync(RunningPlatform.Endpoint, new StringContent("{}"));
        Assert.Equal(HttpStatusCode.Unauthorized, unsigned.StatusCode);
        Assert.Equal("nosniff", string.Join(",", unsigned.Headers.GetValues("X-Content-Type-Options")));
    }

    [Fact]
    public async Task The_policy_runs_only_the_platforms_own_script_files()
    {
        using var response = await _platform.Http.GetAsync("/login");
        var policy = string.Join(",", response.Headers.GetValues("Content-Security-Policy"));
        var directives = policy.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .ToDictionary(d => d.Split(' ')[0], d => d.Split(' ').Skip(1).ToArray());
        Assert.Equal(new[] { "'self'" }, directives["script-src"]);
        Assert.Equal(new[] { "'self'" }, directives["default-src"]);
        Assert.Equal(new[] { "'none'" }, directives["object-src"]);
        Assert.Equal(new[] { "'none'" }, directives["frame-ancestors"]);
        Assert.DoesNotContain(directives, d => d.Value.Contains("'unsafe-eval'") || d.Key != "style-src" && d.Value.Contains("'unsafe-inline'"));

        // In the browser: markup slipped into a page runs nothing, neither an inline script nor an inline handler.
        await using var context = await Browser.NewContextAsync(_platform.Http.BaseAddress!.ToString());
        var page = await context.NewPageAsync();
        var violations = new List<string>();
        page.Console += (_, message) => { if (message.Text.Contains("Content Security Policy")) lock (violations) violations.Add(message.Text); };
        await page.GotoAsync("/login");
        await page.EvaluateAsync("""
            () => {
              document.addEventListener('securitypolicyviolation', e => { window.__blocked = (window.__blocked || 0) + 1; });
              const script = document.createElement('script');
              script.textContent = 'window.__inline = 1';
              document.body.appendChild(script);
              document.body.insertAdjacentHTML('beforeend', '<img src="data:," onerror="window.__handler = 1" onload="window.__handler = 1">');
            }
            """);
        await page.WaitForFunctionAsync("() => (window.__blocked || 0) >= 2");
        Assert.Equal("undefined", await page.EvaluateAsync<string>("() => typeof window.__inline"));
        Assert.Equal("undefined", await page.EvaluateAsync<string>("() => typeof window.__handler"));
        Assert.NotEmpty(violations); // the console reports them, which the walks above rely on
    }

    [Fact]
    public async Task Sign_in_and_antiforgery_cookies_are_Secure_when_the_request_came_over_https()
    {
        var overTls = await SignInCookiesAsync(forwardedProto: "https");
        Assert.Contains(overTls, c => c.StartsWith(".AspNetCore.Antiforgery.", StringComparison.Ordinal) && Secure(c));
        Assert.Contains(overTls, c => c.StartsWith("medsettle=", StringComparison.Ordinal) && Secure(c));
        Assert.All(overTls, c => Assert.True(Secure(c), c));

        // Plain HTTP on a developer's machine still signs in (the cookies follow the request's scheme).
        var plain = await SignInCookiesAsync(forwardedProto: null);
        Assert.Contains(plain, c => c.StartsWith("medsettle=", StringComparison.Ordinal) && !Secure(c));
    }

    private static bool Secure(string setCookie) => setCookie.Split(';').Any(p => p.Trim().Equals("secure", StringComparison.OrdinalIgnoreCase));

    /// <summary>Every Set-Cookie of opening /login and signing in as the clerk, the requests coming through a proxy that says X-Forwarded-Proto.</summary>
    private async Task<List<string>> SignInCookiesAsync(string? forwardedProto)
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = _platform.Http.BaseAddress };
        var cookies = new List<string>();
        using var login = new HttpRequestMessage(HttpMethod.Get, "/login");
        if (forwardedProto is not null) login.Headers.Add("X-Forwarded-Proto", forwardedProto);
        using var form = await http.SendAsync(login);
        cookies.AddRange(form.Headers.GetValues("Set-Cookie"));
        var token = Regex.Match(await form.Content.ReadAsStringAsync(), "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value;
        using var post = new HttpRequestMessage(HttpMethod.Post, "/login")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["Username"] = "clerk", ["Password"] = "clerk-password", ["__RequestVerificationToken"] = token,
            }),
        };
        if (forwardedProto is not null) post.Headers.Add("X-Forwarded-Proto", forwardedProto);
        post.Headers.Add("Cookie", string.Join("; ", cookies.Select(c => c.Split(';')[0])));
        using var signedIn = await http.SendAsync(post);
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        cookies.AddRange(signedIn.Headers.GetValues("Set-Cookie"));
        return cookies;
    }
}
