using System.Globalization;
using System.Net;
using MedSettle.Storage;

namespace MedSettle.Web;

/// <summary>
/// Limits password guessing at the login form. Failed sign-ins are counted in the database (<c>login_failures</c>),
/// per username (known or not, alike) and per client address, so that every server of one database counts the same.
/// From the 5th failure in a row of a username, or the 20th of an address (<see cref="AddressLimitSetting"/>), sign-in is locked for 5 minutes, and each
/// further failure after a lockout doubles it (10, 20, 40, at most 60 minutes); a quarter of an hour without failures
/// after the last failure or lockout forgets the count, and signing in forgets the username's.
/// <para>
/// Each attempt is charged before its password is checked, in one transaction with the check of the lock, so that
/// attempts sent at once cannot all pass before the first failure is written; a successful sign-in then takes its
/// charge back.
/// </para>
/// </summary>
public sealed class LoginThrottle(Database database, PlatformClock clock, int addressLimit = LoginThrottle.DefaultAddressLimit)
{
    public const int UsernameLimit = 5, DefaultAddressLimit = 20;

    /// <summary>
    /// Setting for the failures from one client address that lock it (0: no limit by address). Behind a load balancer
    /// every client has the balancer's address: there, 0, and rely on the limit by username.
    /// </summary>
    public const string AddressLimitSetting = "MedSettle:Login:AddressLimit";
    private static readonly TimeSpan FirstLockout = TimeSpan.FromMinutes(5), LongestLockout = TimeSpan.FromMinutes(60), Forget = TimeSpan.FromMinutes(15);

    private sealed class FailureRow
    {
        public string Subject { get; set; } = "";
        public long Failures { get; set; }
        public long LastFailureAt { get; set; }
        public long LockedUntil { get; set; }
    }

    /// <summary>An attempt that may go on: <see cref="LockedIfWrong"/> is how long sign-in is locked when its password is wrong.</summary>
    public sealed record Attempt(string UsernameSubject, string? AddressSubject, TimeSpan? LockedIfWrong);

    /// <summary>The attempt, charged as a failure; or how long sign-in is still locked (nothing charged).</summary>
    public async Task<(Attempt? Attempt, TimeSpan? Locked)> BeginAsync(string username, IPAddress? address)
    {
        var now = clock.UtcNow.ToUnixTimeSeconds();
        var user = "user:" + Truncate(username.Trim().ToLowerInvariant(), 128);
        var from = address is null ? null : "addr:" + (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);
        if (addressLimit <= 0) from = null;
        string[] subjects = from is null ? [user] : [.. new[] { user, from }.Order(StringComparer.Ordinal)];
        return await database.WriteAsync(async unit =>
        {
            foreach (var subject in subjects) // rows first, in one order, so that FOR UPDATE below locks existing rows only
                await unit.ExecuteAsync(
                    "INSERT INTO login_failures (subject, failures, last_failure_at, locked_until) VALUES (@subject, 0, 0, 0) ON CONFLICT (subject) DO NOTHING",
                    new { subject });
            var rows = (await unit.QueryAsync<FailureRow>(
                $"SELECT subject, failures, last_failure_at, locked_until FROM login_failures WHERE {unit.IsOneOf("subject", "subjects")} ORDER BY subject{unit.ForUpdate}",
                new { subjects })).ToList();
            var lockedUntil = rows.Max(r => r.LockedUntil);
            if (lockedUntil > now) return (((Attempt?)null, (TimeSpan?)TimeSpan.FromSeconds(lockedUntil - now)), false);
            long lockedIfWrong = 0;
            foreach (var row in rows)
            {
                var failures = Math.Max(row.LastFailureAt, row.LockedUntil) + (long)Forget.TotalSeconds < now ? 1 : row.Failures + 1;
                var limit = row.Subject == user ? UsernameLimit : addressLimit;
                var locked = failures >= limit ? now + (long)Lockout(failures - limit).TotalSeconds : 0;
                lockedIfWrong = Math.Max(lockedIfWrong, locked);
                await unit.ExecuteAsync("UPDATE login_failures SET failures = @failures, last_failure_at = @now, locked_until = @locked WHERE subject = @subject",
                    new { failures, now, locked, subject = row.Subject });
            }
            return ((new Attempt(user, from, lockedIfWrong > now ? TimeSpan.FromSeconds(lockedIfWrong - now) : null), (TimeSpan?)null), true);
        });
    }

    /// <summary>The password was right: the username's failures are forgotten, and the address gets this attempt's charge back.</summary>
    public Task SucceededAsync(Attempt attempt)
    {
        var stale = clock.UtcNow.ToUnixTimeSeconds() - (long)(Forget + LongestLockout).TotalSeconds;
        return database.WriteAsync(async unit =>
        {
            await unit.ExecuteAsync("DELETE FROM login_failures WHERE subject = @subject", new { subject = attempt.UsernameSubject });
            if (attempt.AddressSubject is not null)
                await unit.ExecuteAsync(
                    """
                    UPDATE login_failures SET failures = failures - 1, locked_until = CASE WHEN failures - 1 < @limit THEN 0 ELSE locked_until END
                    WHERE subject = @subject AND failures > 0
                    """, new { subject = attempt.AddressSubject, limit = addressLimit });
            await unit.ExecuteAsync("DELETE FROM login_failures WHERE last_failure_at < @stale AND locked_until < @stale", new { stale });
            return (0, true);
        });
    }

    /// <summary>The lockout after <paramref name="beyond"/> failures past the limit: 5 minutes, doubling, at most an hour.</summary>
    private static TimeSpan Lockout(long beyond) =>
        beyond >= 4 ? LongestLockout : TimeSpan.FromTicks(Math.Min(FirstLockout.Ticks << (int)beyond, LongestLockout.Ticks));

    /// <summary>What the clerk is told: the lock in whole minutes, rounded up.</summary>
    public static string Message(TimeSpan locked) =>
        string.Create(CultureInfo.InvariantCulture, $"登录失败次数过多，请 {Math.Max(1, (int)Math.Ceiling(locked.TotalMinutes))} 分钟后再试");

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..length];
}
