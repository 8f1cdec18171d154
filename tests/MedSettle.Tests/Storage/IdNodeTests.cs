using System.Globalization;
using Dapper;
using MedSettle.Storage;
using MedSettle.Tests.Infrastructure;

namespace MedSettle.Tests.Storage;

/// <summary>
/// The id node leases (Storage/IdNodes) that make the platform's ids unique across servers on one database: each holder
/// of a live lease has its own node; a lease that ran out, or was given back, is taken again only after its quarantine;
/// a process whose lease ran out hands out no id until it has one again.
/// </summary>
public abstract class IdNodeTests(DatabaseTarget target)
{
    private static readonly DateTime Second = new(2026, 3, 15, 10, 0, 0);

    /// <summary>Short leases, taken again at once once ended: what a test can wait for.</summary>
    private static readonly IdLeaseTimes Brief = new(TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(250), TimeSpan.Zero);

    [Fact]
    public async Task Servers_sharing_a_database_hold_different_nodes_and_never_mint_the_same_id()
    {
        var value = await target.NewDatabaseValueAsync();
        var servers = new List<Database>();
        try
        {
            for (var i = 0; i < 4; i++)
            {
                var database = Database.Open(value);
                servers.Add(database);
                await Schema.MigrateAsync(database);
            }
            Assert.Equal(servers.Count, servers.Select(s => s.Ids.Node).Distinct().Count());

            // all in the same second, from all four at once
            var minted = await Task.WhenAll(servers.Select(s => Task.Run(() =>
                Enumerable.Range(0, 25_000).Select(_ => s.Ids.Next('S', "220100", Second)).ToList())));
            var all = minted.SelectMany(ids => ids).ToList();
            Assert.Equal(all.Count, all.Distinct(StringComparer.Ordinal).Count());
            Assert.All(all, id => Assert.Matches("^S220100260315100000[0-9]{10}$", id));
            for (var i = 0; i < servers.Count; i++)
                Assert.All(minted[i], id => Assert.Equal(servers[i].Ids.Node.ToString("D3", CultureInfo.InvariantCulture), id[19..22]));
        }
        finally
        {
            foreach (var server in servers) await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_lease_that_ran_out_is_taken_again_and_its_old_holder_mints_nothing_until_it_has_a_node_again()
    {
        await using var database = await target.NewDatabaseAsync();
        var crashed = await Ids.LeaseAsync(database, Brief); // never renewed, never given back: its process died
        crashed.Next('M', "220200", Second);

        await Task.Delay(TimeSpan.FromSeconds(1.5));
        Assert.Throws<IdNodeLapsed>(() => crashed.Next('M', "220200", Second));
        var successor = await Ids.LeaseAsync(database, Brief);
        Assert.Equal(crashed.Node, successor.Node);

        // the old holder, back: its node is someone else's now, so it leases another
        await crashed.RenewAsync();
        Assert.NotEqual(successor.Node, crashed.Node);
        Assert.NotEqual(database.Ids.Node, crashed.Node);
        Assert.StartsWith($"M220200260315100000{crashed.Node:D3}", crashed.Next('M', "220200", Second));
    }

    [Fact]
    public async Task A_renewed_lease_is_kept_and_an_ended_one_waits_out_its_quarantine()
    {
        await using var database = await target.NewDatabaseAsync();
        var kept = await Ids.LeaseAsync(database, Brief);
        var ranOut = await Ids.LeaseAsync(database, Brief);
        for (var i = 0; i < 6; i++)
        {
            await Task.Delay(Brief.RenewEvery);
            await kept.RenewAsync();
        }
        kept.Next('B', "220200", Second);

        // neither the renewed node nor the one whose lease ended less than a quarantine (here five minutes) ago is taken
        var newcomer = await Ids.LeaseAsync(database, Brief with { Lease = TimeSpan.FromMinutes(1), Quarantine = TimeSpan.FromMinutes(5) });
        Assert.DoesNotContain(newcomer.Node, new[] { database.Ids.Node, kept.Node, ranOut.Node });

        // given back, a node is free as one that ran out (after the quarantine, here none)
        await kept.ReleaseAsync();
        Assert.Throws<IdNodeLapsed>(() => kept.Next('B', "220200", Second));
        await Task.Delay(50);
        var taken = new[] { (await Ids.LeaseAsync(database, Brief)).Node, (await Ids.LeaseAsync(database, Brief)).Node };
        Assert.Equal(new[] { kept.Node, ranOut.Node }.Order(), taken.Order());
        await using var connection = await database.OpenConnectionAsync();
        Assert.Equal(4, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM id_nodes"));
    }

    /// <summary>The permutation's keys are drawn from <paramref name="seed"/> (in the test's name), so a failure can be run again.</summary>
    [Theory]
    [InlineData(20261201)]
    public void The_sequence_permutation_is_one_to_one_and_does_not_count(int seed)
    {
        var random = new Random(seed);
        byte[] Key()
        {
            var key = new byte[32];
            random.NextBytes(key);
            return key;
        }
        var permutation = new DecimalPermutation(4, Key());
        var images = Enumerable.Range(0, 10_000).Select(i => permutation.Apply(i)).ToList();
        Assert.Equal(10_000, images.Distinct().Count());
        Assert.All(images, n => Assert.InRange(n, 0, 9_999));
        var close = images.Zip(images.Skip(1), (a, b) => Math.Abs(b - a) <= 1).Count(c => c);
        Assert.True(close < 20, $"seed {seed}: {close} neighbours of 10,000 images are next to each other");

        var seven = new DecimalPermutation(7, Key());
        var other = new DecimalPermutation(7, Key());
        Assert.NotEqual(Enumerable.Range(0, 10).Select(i => seven.Apply(i)), Enumerable.Range(0, 10).Select(i => other.Apply(i)));
    }
}

public sealed class IdNodeTests_Sqlite() : IdNodeTests(new SqliteTarget());

public sealed class IdNodeTests_Postgres() : IdNodeTests(new PostgresTarget());
