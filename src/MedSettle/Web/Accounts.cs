using System.Security.Claims;
using System.Security.Cryptography;
using MedSettle.Storage;

namespace MedSettle.Web;

/// <summary>Who signs in to the web application: a clerk bound to one hospital, an agency bound to one region, or the province.</summary>
public static class Roles
{
    public const string Clerk = "clerk", Agency = "agency", Province = "province";
}

public sealed class UserRow
{
    public string Username { get; set; } = "";
    public string DisplayName { get; set; } = "";
    public string Role { get; set; } = "";
    public string? FixmedinsCode { get; set; }
    public string? Admdvs { get; set; }
    public string PasswordHash { get; set; } = "";
    public string? DisabledAt { get; set; }
    public string SecurityStamp { get; set; } = "";
}

/// <summary>
/// Web accounts, with passwords kept only as salted PBKDF2-SHA256 hashes. Each account has a security stamp, a random
/// value its sign-in cookies carry and every request checks (<see cref="IsCurrentAsync"/>): changing the account
/// (password, role, hospital, region), disabling it or signing out gives it a new stamp, which ends every session made
/// before at once, on every server.
/// </summary>
public static class Accounts
{
    private const int Iterations = 210_000;

    public const string HospitalClaim = "fixmedins_code", RegionClaim = "admdvs", StampClaim = "medsettle_stamp";

    /// <summary>What an unknown username's password is checked against, so that refusing it takes as long as refusing a wrong password.</summary>
    private static readonly Lazy<string> NobodysHash = new(() => Hash(Convert.ToBase64String(RandomNumberGenerator.GetBytes(16))));

    private static string NewStamp() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    public static async Task AddAsync(Database database, string username, string displayName, string role, string? hospital, string? region,
        string password, DateTime now)
    {
        if (role is not (Roles.Clerk or Roles.Agency or Roles.Province)) throw new ArgumentException($"role must be clerk, agency or province, not {role}");
        if (role == Roles.Clerk && hospital is null) throw new ArgumentException("a clerk belongs to a hospital: give --hospital");
        if (role == Roles.Agency && region is null) throw new ArgumentException("agency staff belong to a region: give --region");
        if (password.Length < 8) throw new ArgumentException("the password needs at least 8 characters");
        await database.WriteAsync<int>(async unit =>
        {
            if (hospital is not null && await unit.ScalarAsync<long>("SELECT COUNT(*) FROM hospitals WHERE fixmedins_code = @hospital", new { hospital }) == 0)
                throw new ArgumentException($"hospital {hospital} is not in the reference data");
            await unit.ExecuteAsync(
                """
                INSERT INTO users (username, display_name, role, fixmedins_code, admdvs, password_hash, created_at, security_stamp)
                VALUES (@username, @displayName, @role, @hospital, @region, @hash, @now, @stamp)
                ON CONFLICT (username) DO UPDATE SET display_name = excluded.display_name, role = excluded.role,
                    fixmedins_code = excluded.fixmedins_code, admdvs = excluded.admdvs, password_hash = excluded.password_hash, disabled_at = NULL,
                    security_stamp = excluded.security_stamp
                """,
                new { username, displayName, role, hospital = role == Roles.Clerk ? hospital : null, region = role == Roles.Agency ? region : null,
                      hash = Hash(password), now = now.ToText(), stamp = NewStamp() });
            return (0, true);
        });
    }

    /// <summary>Disables the account and ends its sessions; false when there is no such account.</summary>
    public static async Task<bool> DisableAsync(Database database, string username, DateTime now) =>
        await database.WriteAsync(async unit =>
        {
            var changed = await unit.ExecuteAsync("UPDATE users SET disabled_at = @now, security_stamp = @stamp WHERE username = @username",
                new { username, now = now.ToText(), stamp = NewStamp() });
            return (changed == 1, true);
        });

    /// <summary>Ends every session of the account (signing out): its cookies made so far open nothing any more.</summary>
    public static Task EndSessionsAsync(Database database, string username) =>
        database.WriteAsync(async unit =>
            (await unit.ExecuteAsync("UPDATE users SET security_stamp = @stamp WHERE username = @username", new { username, stamp = NewStamp() }), true));

    /// <summary>Whether a session of <paramref name="username"/> made with <paramref name="stamp"/> may still be used: the account exists, is enabled and has that stamp.</summary>
    public static async Task<bool> IsCurrentAsync(Database database, string username, string stamp)
    {
        if (stamp.Length == 0) return false;
        var user = await database.ReadOnceAsync(unit => unit.FirstOrDefaultAsync<UserRow>(
            "SELECT security_stamp, disabled_at FROM users WHERE username = @username", new { username }));
        return user is { DisabledAt: null } && user.SecurityStamp == stamp;
    }

    /// <summary>
    /// The account's claims when the password is right; null otherwise (the caller says nothing about which part was
    /// wrong). An unknown or disabled account costs the same password hashing as a known one.
    /// </summary>
    public static async Task<ClaimsPrincipal?> SignInAsync(Database database, string username, string password)
    {
        var user = await database.ReadAsync(unit => unit.FirstOrDefaultAsync<UserRow>("SELECT * FROM users WHERE username = @username", new { username }));
        var verified = Verify(password, user?.PasswordHash ?? NobodysHash.Value);
        if (user is null || user.DisabledAt is not null || !verified) return null;
        if (user.SecurityStamp.Length == 0)
        {
            user.SecurityStamp = NewStamp(); // an account from before security stamps
            await database.WriteAsync(async unit => (await unit.ExecuteAsync(
                "UPDATE users SET security_stamp = @stamp WHERE username = @username AND security_stamp = ''", new { username, stamp = user.SecurityStamp }), true));
            if (!await IsCurrentAsync(database, username, user.SecurityStamp)) return null; // changed meanwhile
        }
        var claims = new List<Claim>
        {
            new(ClaimTypes.Name, user.Username),
            new(ClaimTypes.GivenName, user.DisplayName),
            new(ClaimTypes.Role, user.Role),
            new(StampClaim, user.SecurityStamp),
        };
        if (user.FixmedinsCode is not null) claims.Add(new Claim(HospitalClaim, user.FixmedinsCode));
        if (user.Admdvs is not null) claims.Add(new Claim(RegionClaim, user.Admdvs));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, "medsettle"));
    }

    public static string Hash(string password)
    {
        var salt = RandomNumberGenerator.GetBytes(16);
        var hash = Rfc2898DeriveBytes.Pbkdf2(password, salt, Iterations, HashAlgorithmName.SHA256, 32);
        return $"pbkdf2-sha256${Iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}";
    }

    public static bool Verify(string password, string stored)
    {
        var parts = stored.Split('$');
        if (parts.Length != 4 || parts[0] != "pbkdf2-sha256" || !int.TryParse(parts[1], out var iterations)) return false;
        var expected = Convert.FromBase64String(parts[3]);
        var actual = Rfc2898DeriveBytes.Pbkdf2(password, Convert.FromBase64String(parts[2]), iterations, HashAlgorithmName.SHA256, expected.Length);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    public static string? Hospital(this ClaimsPrincipal user) => user.FindFirst(HospitalClaim)?.Value;

    public static string? Region(this ClaimsPrincipal user) => user.FindFirst(RegionClaim)?.Value;

    public static string DisplayName(this ClaimsPrincipal user) => user.FindFirst(ClaimTypes.GivenName)?.Value ?? user.Identity?.Name ?? "";
}
