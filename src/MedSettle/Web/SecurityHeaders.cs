using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

namespace MedSettle.Web;

/// <summary>
/// What every response tells the browser: run only the platform's own script files (no inline script, no inline event
/// handler, no eval), never be framed, never sniff a content type, send no referrer to other sites; and behind a TLS
/// proxy, the request's scheme as the proxy saw it, so that cookies are Secure whenever the user came over HTTPS.
/// </summary>
public static class SecurityHeaders
{
    /// <summary>
    /// style-src allows inline styles: the pages use style attributes and ECharts' tooltip HTML carries its own styles.
    /// Scripts never are inline: page data goes in data-* attributes or &lt;script type="application/json"&gt; blocks.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; " +
        "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>Configuration: proxies (IP addresses, comma-separated) besides the loopback whose X-Forwarded-Proto and -For are believed.</summary>
    public const string TrustedProxiesSetting = "MedSettle:TrustedProxies";

    public static IServiceCollection AddForwardedHeadersFromTrustedProxies(this IServiceCollection services, IConfiguration configuration)
    {
        var proxies = (configuration[TrustedProxiesSetting] ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var invalid = proxies.Where(p => !IPAddress.TryParse(p, out _)).ToList();
        if (invalid.Count > 0)
            throw new InvalidOperationException($"{TrustedProxiesSetting}: \"{string.Join(", ", invalid)}\" is not an IP address; list the TLS proxies' addresses, comma-separated");
        return services.Configure<ForwardedHeadersOptions>(options =>
        {
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            // the loopback stays trusted by default (a proxy on the same machine); the ones named are added to it
            foreach (var proxy in proxies) options.KnownProxies.Add(IPAddress.Parse(proxy));
        });
    }

    /// <summary>First in the pipeline, so that every answer carries the headers, refusals and static files included.</summary>
    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app)
    {
        app.UseForwardedHeaders();
        return app.Use((context, next) =>
        {
            var headers = context.Response.Headers;
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "same-origin";
            return next(context);
        });
    }
}
