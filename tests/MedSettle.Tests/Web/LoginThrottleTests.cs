using System.Diagnostics;
using System.Globalization;
using System.Net;
using MedSettle.Hosting;
using MedSettle.Storage;
using MedSettle.Tests.Infrastructure;
using MedSettle.Web;
using static MedSettle.Tests.Transactions.WorkedExampleTests;

namespace MedSettle.Tests.Web;

/// <summary>
/// Guessing passwords at the login form: failures are counted per username and per client address in the database
/// (so every server of one database counts the same), a run of them locks the sign-in for a while that grows, the
/// clerk is told in Chinese how long, and an unknown username costs as much time as a known one.
/// </summary>
public abstract class LoginThrottleTests : PlatformTests
{
    private readonly DatabaseTarget _target;

    protected LoginThrottleTests(DatabaseTarget target) : base(target, JilinCentral) => _target = target;

    private const string Locked5 = "登录失败次数过多，请 5 分钟后再试";

    private Uri Site => Platform.Http.BaseAddress!;

    private Task AddClerkAsync(string username = "clerk") =>
        Accounts.AddAsync(Platform.Database, username, "收费员小李", Roles.Clerk, JilinCentral, null, "clerk-password",
            Platform.Clock.GetLocalNow().DateTime);

    private static async Task<(HttpStatusCode Status, string Body)> LogInAsync(Uri site, string username, string password)
    {
        using var session = new WebSession(site);
        return await session.TryLogInAsync(username, password);
    }

    private static async Task FailAsync(Uri site, string username, int times)
    {
        for (var i = 0; i < times; i++)
        {
            var (status, body) = await LogInAsync(site, username, "wrong-password");
            Assert.NotEqual(HttpStatusCode.Redirect, status);
            Assert.Contains(i < 4 ? "用户名或密码不正确" : "登录失败次数过多", body);
        }
    }

    [Fact]
    public async Task Five_wrong_passwords_lock_the_username_for_five_minutes_and_the_clerk_is_told_so()
    {
        await AddClerkAsync();

        await FailAsync(Site, "clerk", 5);
        var (status, body) = await LogInAsync(Site, "clerk", "clerk-password");

        Assert.Equal(HttpStatusCode.TooManyRequests, status);
        Assert.Contains(Locked5, body);
        Assert.DoesNotContain("用户名或密码不正确", body);

        Platform.Clock.Advance(TimeSpan.FromMinutes(4));
        Assert.Contains("登录失败次数过多，请 1 分钟后再试", (await LogInAsync(Site, "clerk", "clerk-password")).Body);

        Platform.Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(HttpStatusCode.Redirect, (await LogInAsync(Site, "clerk", "clerk-password")).Status);
    }

    [Fact]
    public async Task Each_lockout_after_the_first_lasts_twice_as_long()
    {
        await AddClerkAsync();
        await FailAsync(Site, "clerk", 5);

        Platform.Clock.Advance(TimeSpan.FromMinutes(5));
        var (_, body) = await LogInAsync(Site, "clerk", "wrong-password");

        Assert.Contains("登录失败次数过多，请 10 分钟后再试", body);
    }

    [Fact]
    public async Task A_successful_sign_in_forgets_the_usernames_earlier_failures()
    {
        await AddClerkAsync();
        await FailAsync(Site, "clerk", 4);
        Assert.Equal(HttpStatusCode.Redirect, (await LogInAsync(Site, "clerk", "clerk-password")).Status);

        await FailAsync(Site, "clerk", 4);

        Assert.Equal(HttpStatusCode.Redirect, (await LogInAsync(Site, "clerk", "clerk-password")).Status);
    }

    [Fact]
    public async Task An_unknown_username_is_locked_exactly_like_a_real_one()
    {
        await FailAsync(Site, "nobody", 5);

        var (status, body) = await LogInAsync(Site, "nobody", "whatever-password");

        Assert.Equal(HttpStatusCode.TooManyRequests, status);
        Assert.Contains(Locked5, body);
    }

    [Fact]
    public async Task Failures_on_two_servers_of_one_database_add_up()
    {
        await AddClerkAsync();
        await using var database = Database.Open(Platform.DatabaseValue);
        var second = await MedSettleHost.BuildAsync(database, "http://127.0.0.1:0", Platform.Clock);
        await second.StartAsync();
        try
        {
            var secondSite = new Uri(second.Address());
            await FailAsync(Site, "clerk", 3);
            for (var i = 0; i < 2; i++) await LogInAsync(secondSite, "clerk", "wrong-password");

            var onFirst = await LogInAsync(Site, "clerk", "clerk-password");
            var onSecond = await LogInAsync(secondSite, "clerk", "clerk-password");

            Assert.Contains(Locked5, onFirst.Body);
            Assert.Contains(Locked5, onSecond.Body);
        }
        finally
        {
            await second.StopAsync();
            await second.DisposeAsync();
        }
    }

    [Fact]
    public async Task Twenty_failures_from_one_address_lock_every_username_from_it()
    {
        await AddClerkAsync();
        for (var i = 0; i < 20; i++)
            await LogInAsync(Site, $"guess{i:D2}", "wrong-password");

        var (status, body) = await LogInAsync(Site, "clerk", "clerk-password");

        Assert.Equal(HttpStatusCode.TooManyRequests, status);
        Assert.Contains(Locked5, body);
    }

    [Fact]
    public async Task With_the_address_limit_set_to_0_only_usernames_are_limited()
    {
        await using var platform = await RunningPlatform.StartAsync(_target, settings: new Dictionary<string, string?> { [LoginThrottle.AddressLimitSetting] = "0" });
        await Accounts.AddAsync(platform.Database, "clerk", "收费员小李", Roles.Clerk, JilinCentral, null, "clerk-password", platform.Clock.GetLocalNow().DateTime);
        var site = platform.Http.BaseAddress!;
        for (var i = 0; i < 20; i++)
            await LogInAsync(site, $"guess{i:D2}", "wrong-password");

        Assert.Equal(HttpStatusCode.Redirect, (await LogInAsync(site, "clerk", "clerk-password")).Status);
        await FailAsync(site, "clerk", 5);
    }

    [Fact]
    public async Task An_unknown_username_takes_as_long_to_refuse_as_a_wrong_password()
    {
        const int Rounds = 7;
        for (var i = 0; i < Rounds; i++) await AddClerkAsync($"clerk{i}");
        await LogInAsync(Site, "warm-up", "wrong-password");

        var known = new List<double>();
        var unknown = new List<double>();
        for (var i = 0; i < Rounds; i++)
        {
            known.Add(await TimeAsync($"clerk{i}"));
            unknown.Add(await TimeAsync($"nobody{i}"));
        }

        // The fastest of each: a busy machine only ever adds time, so the minimum is the work itself.
        Assert.True(unknown.Min() > 0.5 * known.Min(),
            $"an unknown username is refused in {unknown.Min():0.0} ms at best, a wrong password in {known.Min():0.0} ms at best "
            + $"(all: {string.Join(", ", unknown.Select(t => t.ToString("0", CultureInfo.InvariantCulture)))} / "
            + $"{string.Join(", ", known.Select(t => t.ToString("0", CultureInfo.InvariantCulture)))})");
    }

    private async Task<double> TimeAsync(string username)
    {
        using var session = new WebSession(Site);
        var timer = Stopwatch.StartNew();
        var (status, _) = await session.TryLogInAsync(username, "wrong-password");
        timer.Stop();
        Assert.Equal(HttpStatusCode.OK, status);
        return timer.Elapsed.TotalMilliseconds;
    }
}

public sealed class LoginThrottleTests_Sqlite() : LoginThrottleTests(new SqliteTarget());

public sealed class LoginThrottleTests_Postgres() : LoginThrottleTests(new PostgresTarget());
