using MedSettle.Storage;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.WebEncoders;
using MedSettle.Privacy;

namespace MedSettle.Web;

/// <summary>The web application's wiring: cookie sign-in, who may open which folder of pages, static files.</summary>
public static class WebSetup
{
    public const string ClerkPolicy = "clerk", StaffPolicy = "staff";

    public static IServiceCollection AddMedSettleWeb(this IServiceCollection services)
    {
        services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie(options =>
        {
            options.LoginPath = "/login";
            options.LogoutPath = "/logout";
            options.AccessDeniedPath = "/denied";
            options.ExpireTimeSpan = TimeSpan.FromMinutes(30);
            options.SlidingExpiration = true;
            options.Cookie.Name = "medsettle";
            options.Cookie.HttpOnly = true;
            options.Cookie.SameSite = SameSiteMode.Strict;
            options.Events.OnValidatePrincipal = EndedSessionsAsync;
            options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest; // Secure over HTTPS (also through a TLS proxy: SecurityHeaders)
        });
        services.AddAntiforgery(options => options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest);
        services.Configure<CookieTempDataProviderOptions>(options => options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest);
        services.AddAuthorizationBuilder()
            .AddPolicy(ClerkPolicy, p => p.RequireRole(Roles.Clerk).RequireClaim(Accounts.HospitalClaim))
            .AddPolicy(StaffPolicy, p => p.RequireRole(Roles.Agency, Roles.Province));
        services.AddRazorPages(options =>
        {
            options.Conventions.AuthorizeFolder("/Window", ClerkPolicy);
            options.Conventions.AuthorizeFolder("/Dashboard", StaffPolicy);
        });
        services.AddDataProtection().SetApplicationName("MedSettle");
        services.AddOptions<KeyManagementOptions>().Configure<Database, IServiceProvider>((options, database, provider) =>
        {
            options.XmlRepository = new DatabaseXmlRepository(database);
            options.XmlEncryptor = new SecretBoxXmlEncryptor(provider.GetService<SecretBox>() ?? SecretBox.Default);
        });
        services.AddHttpContextAccessor();
        services.AddSingleton<WindowClient>();
        services.AddSingleton<WhatIfJobs>(); // the 政策测算 page's background replays, per server
        services.AddSingleton(provider => new LoginThrottle(provider.GetRequiredService<Database>(), provider.GetRequiredService<PlatformClock>(),
            provider.GetRequiredService<IConfiguration>().GetValue(LoginThrottle.AddressLimitSetting, LoginThrottle.DefaultAddressLimit)));
        services.Configure<WebEncoderOptions>(options => options.TextEncoderSettings = new TextEncoderSettings(UnicodeRanges.All));
        return services;
    }

    /// <summary>
    /// Every request: a cookie whose account has since been changed, disabled or signed out (its security stamp is no
    /// longer the account's) is dropped, and the request goes on anonymous (to the login page). One read by key, not
    /// cached, so that a change takes effect at once on every server.
    /// </summary>
    private static async Task EndedSessionsAsync(CookieValidatePrincipalContext context)
    {
        var user = context.Principal;
        var database = context.HttpContext.RequestServices.GetRequiredService<Database>();
        if (user?.Identity?.Name is { } username && user.FindFirst(Accounts.StampClaim)?.Value is { } stamp
            && await Accounts.IsCurrentAsync(database, username, stamp))
            return;
        context.RejectPrincipal();
        await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
    }

    private const string StatusPage = """
        <!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{0}</title><link rel="stylesheet" href="/css/site.css"></head>
        <body><main><section class="card narrow"><h1>{0}</h1><p>页面不存在，或不属于您的机构、地区。</p><p><a href="/">返回首页</a></p></section></main></body></html>
        """;

    public static WebApplication UseMedSettleWeb(this WebApplication app)
    {
        app.UseWhen(context => !context.Request.Path.StartsWithSegments("/api") && !context.Request.Path.StartsWithSegments("/fsi"),
            pages => pages.UseStatusCodePages("text/html; charset=utf-8", StatusPage));
        app.UseStaticFiles();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapRazorPages();
        app.MapWindowApi();
        return app;
    }
}
