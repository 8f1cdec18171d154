using System.Security.Cryptography;
using System.Text;
using MedSettle.Storage;
using MedSettle.Transactions;

namespace MedSettle.Admin;

/// <summary>Bearer tokens for /api/admin: random, shown once, stored only as a SHA-256 hash.</summary>
public static class AdminTokens
{
    public static async Task<string> IssueAsync(Database database, string name, DateTime now)
    {
        var token = "msa_" + Base64Url(RandomNumberGenerator.GetBytes(32));
        await database.WriteAsync<int>(async unit =>
        {
            await unit.ExecuteAsync("INSERT INTO admin_tokens (token_hash, name, created_at) VALUES (@hash, @name, @now)",
                new { hash = Hash(token), name, now = now.ToText() });
            return (0, true);
        });
        return token;
    }

    public static async Task<bool> IsValidAsync(Database database, string? authorization)
    {
        const string scheme = "Bearer ";
        if (authorization is null || !authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)) return false;
        var token = authorization[scheme.Length..].Trim();
        if (token.Length is < 16 or > 200) return false;
        return await database.ReadAsync(unit => unit.ScalarAsync<long>(
            "SELECT COUNT(*) FROM admin_tokens WHERE token_hash = @hash AND revoked_at IS NULL", new { hash = Hash(token) })) == 1;
    }

    /// <summary>Every path under /api/admin answers 401, and nothing else, without a valid token.</summary>
    public static WebApplication UseAdminTokens(this WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            if (context.Request.Path.StartsWithSegments("/api/admin"))
            {
                var database = context.RequestServices.GetRequiredService<Database>();
                if (!await IsValidAsync(database, context.Request.Headers.Authorization))
                {
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    context.Response.Headers.WWWAuthenticate = "Bearer";
                    return;
                }
            }
            await next(context);
        });
        return app;
    }

    private static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
