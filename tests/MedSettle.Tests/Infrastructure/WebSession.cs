using System.Net;
using System.Text.RegularExpressions;

namespace MedSettle.Tests.Infrastructure;

/// <summary>
/// A browser-like client of the web pages over HTTP: signs in through the login form (antiforgery token included) and
/// keeps the sign-in cookie's value, so that a test can replay it after the browser would have dropped it.
/// </summary>
public sealed partial class WebSession : IDisposable
{
    private readonly CookieContainer _cookies = new();
    private readonly Uri _site;

    public WebSession(Uri site)
    {
        _site = site;
        Client = new HttpClient(new HttpClientHandler { CookieContainer = _cookies, AllowAutoRedirect = false }) { BaseAddress = site };
    }

    public HttpClient Client { get; }

    /// <summary>The sign-in cookie as a Cookie header value, or null when there is none.</summary>
    public string? Cookie => _cookies.GetCookies(_site)["medsettle"] is { } cookie ? $"medsettle={cookie.Value}" : null;

    /// <summary>Posts the login form; returns the response (a redirect when signed in, the form again when refused).</summary>
    public async Task<(HttpStatusCode Status, string Body)> TryLogInAsync(string username, string password)
    {
        var token = AntiforgeryToken().Match(await Client.GetStringAsync("/login")).Groups[1].Value;
        Assert.NotEmpty(token);
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Username"] = username, ["Password"] = password, ["__RequestVerificationToken"] = token,
        });
        using var response = await Client.PostAsync("/login", form);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public static async Task<WebSession> SignInAsync(Uri site, string username, string password)
    {
        var session = new WebSession(site);
        var (status, body) = await session.TryLogInAsync(username, password);
        Assert.True(status == HttpStatusCode.Redirect, $"{username} should be signed in, got {(int)status}: {body}");
        Assert.NotNull(session.Cookie);
        return session;
    }

    /// <summary>Signs out through the layout's form on <paramref name="page"/>, as the 退出 button does.</summary>
    public async Task LogOutAsync(string page)
    {
        var token = AntiforgeryToken().Match(await Client.GetStringAsync(page)).Groups[1].Value;
        Assert.NotEmpty(token);
        using var form = new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token });
        using var response = await Client.PostAsync("/logout", form);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
    }

    /// <summary>GET <paramref name="path"/> with exactly this Cookie header (no cookie jar): what a stolen or kept cookie opens.</summary>
    public static async Task<HttpResponseMessage> GetWithCookieAsync(Uri site, string path, string cookie)
    {
        using var client = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = site };
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("Cookie", cookie);
        return await client.SendAsync(request);
    }

    /// <summary>Whether the cookie still opens <paramref name="path"/> (200), rather than being sent to the login page.</summary>
    public static async Task<bool> OpensAsync(Uri site, string path, string cookie)
    {
        using var response = await GetWithCookieAsync(site, path, cookie);
        if (response.StatusCode == HttpStatusCode.OK) return true;
        Assert.True(response.StatusCode == HttpStatusCode.Redirect && response.Headers.Location!.ToString().Contains("/login"),
            $"expected 200 or a redirect to /login, got {(int)response.StatusCode} {response.Headers.Location}");
        return false;
    }

    public void Dispose() => Client.Dispose();

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();
}
