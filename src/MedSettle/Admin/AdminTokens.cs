using System.Security.Cryptography;
using System.Text;
using MedSettle.Storage;

namespace MedSettle.Admin;

/// <summary>What a valid admin token may see: the whole province (Region null) or one pooling region's data.</summary>
public sealed record AdminScope(string Name, string? Region)
{
    public bool IsProvince => Region is null;
}

/// <summary>
/// Bearer tokens for /api/admin: random, shown once, stored only as a SHA-256 hash. A token is the province's, or scoped
/// to one region (an agency's): then it sees only that region's insured and clearing, and cannot compute or confirm.
/// </summary>
public static class AdminTokens
{
    public static async Task<string> IssueAsync(Database database, string name, DateTime now, string? region = null)
    {
        var token = "msa_" + Base64Url(RandomNumberGenerator.GetBytes(32));
        await database.WriteAsync<int>(async unit =>
        {
            if (region is not null && await unit.FirstOrDefaultAsync<string>("SELECT admdvs FROM regions WHERE admdvs = @region", new { region }) is null)
                throw new ArgumentException($"no pooling region {region} (import the regions first)");
            await unit.ExecuteAsync("INSERT INTO admin_tokens (token_hash, name, created_at, admdvs) VALUES (@hash, @name, @now, @region)",
                new { hash = Hash(token), name, now = now.ToText(), region });
            return (0, true);
        });
        return token;
    }

    public static async Task<AdminScope?> ScopeAsync(Database database, string? authorization)
    {
        const string scheme = "Bearer ";
        if (authorization is null || !authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)) return null;
        var token = authorization[scheme.Length..].Trim();
        if (token.Length is < 16 or > 200) return null;
        return await database.ReadAsync(unit => unit.FirstOrDefaultAsync<AdminScope>(
            "SELECT name, admdvs AS region FROM admin_tokens WHERE token_hash = @hash AND revoked_at IS NULL", new { hash = Hash(token) }));
    }

    /// <summary>The scope of the request's token (set by <see cref="UseAdminTokens"/> for every /api/admin path).</summary>
    public static AdminScope Scope(this HttpContext context) => (AdminScope)context.Items[typeof(AdminScope)]!;

    /// <summary>Every path under /api/admin answers 401, and nothing else, without a valid token.</summary>
    public static WebApplication UseAdminTokens(this WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            if (context.Request.Path.StartsWithSegments("/api/admin"))
            {
                var database = context.RequestServices.GetRequiredService<Database>();
                var scope = await ScopeAsync(database, context.Request.Headers.Authorization);
                if (scope is null)
                {
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    context.Response.Headers.WWWAuthenticate = "Bearer";
                    return;
                }
                context.Items[typeof(AdminScope)] = scope;
            }
            await next(context);
        });
        return app;
    }

    private static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
