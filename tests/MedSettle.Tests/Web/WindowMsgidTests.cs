using MedSettle.Storage;
using MedSettle.Tests.Infrastructure;
using MedSettle.Web;

namespace MedSettle.Tests.Web;

/// <summary>
/// The msgids the clerk's window mints (Web/WindowClient): distinct across every server on one database, whatever their
/// clocks say, and never one a hospital's HIS mints in the national shape (hospital + time + four digits).
/// </summary>
public abstract class WindowMsgidTests(DatabaseTarget target)
{
    private const string Hospital = "H22010000001";

    [Fact]
    public async Task Two_servers_with_stopped_clocks_mint_distinct_msgids_that_run_on_into_the_next_second()
    {
        var value = await target.NewDatabaseValueAsync();
        await using var first = Database.Open(value);
        await using var second = Database.Open(value);
        await Schema.MigrateAsync(first);
        await Schema.MigrateAsync(second);
        var clock = new PlatformClock(new TestClock(new DateTime(2026, 3, 15, 10, 0, 0)));
        var servers = new[] { new WindowClient(first, clock), new WindowClient(second, clock) };

        // 1,200 from two servers at once, all in one second by the clocks: more than the second's 1,000
        var minted = (await Task.WhenAll(servers.Select(server => Task.Run(async () =>
        {
            var ids = new List<string>();
            for (var i = 0; i < 600; i++) ids.Add(await server.NewMsgidAsync(Hospital));
            return ids;
        })))).SelectMany(ids => ids).ToList();

        Assert.Equal(minted.Count, minted.Distinct(StringComparer.Ordinal).Count());
        Assert.All(minted, id => Assert.Matches("^H2201000000120260315100(000|001)W[0-9]{3}$", id));
        Assert.All(minted, id => Assert.True(WindowClient.IsWindowMsgid(id, Hospital)));
        Assert.Equal(200, minted.Count(id => id.Contains("20260315100001W", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_server_whose_clock_is_behind_mints_after_the_last_msgid_not_before_it()
    {
        var value = await target.NewDatabaseValueAsync();
        await using var database = Database.Open(value);
        await Schema.MigrateAsync(database);
        var ahead = new WindowClient(database, new PlatformClock(new TestClock(new DateTime(2026, 3, 15, 10, 0, 5))));
        var behind = new WindowClient(database, new PlatformClock(new TestClock(new DateTime(2026, 3, 15, 10, 0, 0))));

        var a = await ahead.NewMsgidAsync(Hospital);
        var b = await behind.NewMsgidAsync(Hospital);

        Assert.Equal("H2201000000120260315100005W000", a);
        Assert.Equal("H2201000000120260315100005W001", b);
    }

    [Theory]
    [InlineData("H22010000001202603151000000001")] // the national shape a HIS sends
    [InlineData("H220100000012026031510000W001")] // one character short
    [InlineData("H2201000000120260315100000W0011")] // one character long
    [InlineData("H2201000000120260315100000A001")] // a step of a 转住院, not a form's own
    [InlineData("H2201000000220260315100000W001")] // another hospital's
    [InlineData(null)]
    public void A_msgid_a_form_sends_back_is_taken_only_in_the_window_s_own_shape(string? msgid) =>
        Assert.False(WindowClient.IsWindowMsgid(msgid, Hospital));
}

public sealed class WindowMsgidTests_Sqlite() : WindowMsgidTests(new SqliteTarget());

public sealed class WindowMsgidTests_Postgres() : WindowMsgidTests(new PostgresTarget());
