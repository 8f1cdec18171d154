using MedSettle.Tests.Infrastructure;
using MedSettle.Web;
using static MedSettle.Tests.Transactions.WorkedExampleTests;

namespace MedSettle.Tests.Web;

/// <summary>
/// Web sessions end on the server: a sign-in cookie kept after signing out, or made before the account's password,
/// role or state changed, opens nothing any more (each account's security stamp, checked on every request).
/// </summary>
public abstract class WebSessionTests(DatabaseTarget target) : PlatformTests(target, JilinCentral)
{
    private Uri Site => Platform.Http.BaseAddress!;

    private DateTime Now => Platform.Clock.GetLocalNow().DateTime;

    private async Task<WebSession> ClerkAsync(string username = "clerk")
    {
        await Accounts.AddAsync(Platform.Database, username, "收费员小李", Roles.Clerk, JilinCentral, null, "clerk-password", Now);
        var session = await WebSession.SignInAsync(Site, username, "clerk-password");
        Assert.True(await WebSession.OpensAsync(Site, "/window", session.Cookie!));
        return session;
    }

    [Fact]
    public async Task A_cookie_kept_after_signing_out_opens_nothing()
    {
        using var clerk = await ClerkAsync();
        var kept = clerk.Cookie!;

        await clerk.LogOutAsync("/window");

        Assert.False(await WebSession.OpensAsync(Site, "/window", kept));
        Assert.False(await WebSession.OpensAsync(Site, "/window/today", kept));
    }

    [Fact]
    public async Task Signing_in_again_after_signing_out_works()
    {
        using var clerk = await ClerkAsync();
        await clerk.LogOutAsync("/window");

        using var again = await WebSession.SignInAsync(Site, "clerk", "clerk-password");

        Assert.True(await WebSession.OpensAsync(Site, "/window", again.Cookie!));
    }

    [Fact]
    public async Task Changing_the_password_ends_the_accounts_sessions()
    {
        using var clerk = await ClerkAsync();

        await Accounts.AddAsync(Platform.Database, "clerk", "收费员小李", Roles.Clerk, JilinCentral, null, "a-new-password", Now);

        Assert.False(await WebSession.OpensAsync(Site, "/window", clerk.Cookie!));
        using var renewed = await WebSession.SignInAsync(Site, "clerk", "a-new-password");
        Assert.True(await WebSession.OpensAsync(Site, "/window", renewed.Cookie!));
    }

    [Fact]
    public async Task Changing_the_role_ends_the_accounts_sessions()
    {
        using var clerk = await ClerkAsync();

        await Accounts.AddAsync(Platform.Database, "clerk", "收费员小李", Roles.Clerk, "H22020000002", null, "clerk-password", Now);

        Assert.False(await WebSession.OpensAsync(Site, "/window", clerk.Cookie!));
    }

    [Fact]
    public async Task Disabling_the_account_in_the_database_ends_its_sessions()
    {
        using var clerk = await ClerkAsync();

        await Platform.Database.WriteAsync(async unit =>
            (await unit.ExecuteAsync("UPDATE users SET disabled_at = '2026-03-15 10:00:00' WHERE username = 'clerk'"), true));

        Assert.False(await WebSession.OpensAsync(Site, "/window", clerk.Cookie!));
    }

    [Fact]
    public async Task The_user_disable_command_ends_the_accounts_sessions_and_refuses_its_sign_in()
    {
        using var clerk = await ClerkAsync();
        using var other = await ClerkAsync("other");

        await InProcessCli.SucceedsAsync("user", "disable", "--db", Platform.DatabaseValue, "clerk");

        Assert.False(await WebSession.OpensAsync(Site, "/window", clerk.Cookie!));
        Assert.True(await WebSession.OpensAsync(Site, "/window", other.Cookie!));
        using var again = new WebSession(Site);
        var (status, body) = await again.TryLogInAsync("clerk", "clerk-password");
        Assert.Equal(System.Net.HttpStatusCode.OK, status);
        Assert.Contains("用户名或密码不正确", body);
    }

    [Fact]
    public async Task An_account_from_before_security_stamps_signs_in_and_gets_one()
    {
        await Accounts.AddAsync(Platform.Database, "clerk", "收费员小李", Roles.Clerk, JilinCentral, null, "clerk-password", Now);
        await Platform.Database.WriteAsync(async unit => (await unit.ExecuteAsync("UPDATE users SET security_stamp = ''"), true));

        using var clerk = await WebSession.SignInAsync(Site, "clerk", "clerk-password");

        Assert.True(await WebSession.OpensAsync(Site, "/window", clerk.Cookie!));
        Assert.NotEqual("", await Platform.Database.ReadAsync(unit => unit.ScalarAsync<string>("SELECT security_stamp FROM users WHERE username = 'clerk'")));
    }

    [Fact]
    public async Task Emptying_every_stamp_signs_everyone_out()
    {
        using var clerk = await ClerkAsync();

        await Platform.Database.WriteAsync(async unit => (await unit.ExecuteAsync("UPDATE users SET security_stamp = ''"), true));

        Assert.False(await WebSession.OpensAsync(Site, "/window", clerk.Cookie!));
    }

    [Fact]
    public async Task Signing_out_ends_only_the_session_of_that_account()
    {
        using var clerk = await ClerkAsync();
        using var other = await ClerkAsync("other");

        await clerk.LogOutAsync("/window");

        Assert.True(await WebSession.OpensAsync(Site, "/window", other.Cookie!));
    }
}

public sealed class WebSessionTests_Sqlite() : WebSessionTests(new SqliteTarget());

public sealed class WebSessionTests_Postgres() : WebSessionTests(new PostgresTarget());
