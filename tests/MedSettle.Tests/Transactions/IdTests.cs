using System.Globalization;
using System.Text;
using System.Text.Json;
using MedSettle.Hosting;
using MedSettle.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MedSettle.Tests.Infrastructure;
using MedSettle.Transactions;
using static MedSettle.Tests.Transactions.WorkedExampleTests;

namespace MedSettle.Tests.Transactions;

/// <summary>
/// The ids the platform hands out (here sign_no, which every 9001 mints) are unique across servers on one database and
/// guessable from none that one has seen; inf_refmsgid, on every answer even an anonymous 401's, carries nothing of them.
/// An id is prefix + region (6) + yyMMddHHmmss + node + sequence: characters 19-21 are where the node begins.
/// </summary>
public abstract class IdTests(DatabaseTarget target) : PlatformTests(target, JilinCentral)
{
    private const int Calls = 16;

    [Fact]
    public async Task Two_servers_on_one_database_hand_out_ids_of_different_nodes()
    {
        await using var elsewhere = Database.Open(Platform.DatabaseValue);
        await Schema.MigrateAsync(elsewhere);

        var here = (await SignInAsync(Platform.Database)).SignNo;
        var there = (await SignInAsync(elsewhere)).SignNo;

        Assert.NotEqual(here[19..22], there[19..22]);
        Assert.Equal(Platform.Database.Ids.Node.ToString("D3", CultureInfo.InvariantCulture), here[19..22]);
        Assert.Equal(elsewhere.Ids.Node.ToString("D3", CultureInfo.InvariantCulture), there[19..22]);
        // the web host keeps its lease renewed
        Assert.Contains(Platform.App.Services.GetServices<IHostedService>(), service => service is IdNodeRenewal);
    }

    [Fact]
    public async Task Consecutive_ids_of_one_server_are_not_consecutive_numbers()
    {
        var sequences = new List<long>();
        for (var i = 0; i < Calls; i++) sequences.Add(Number((await SignInAsync(Platform.Database)).SignNo[^5..]));

        // Neighbours a thousand apart or less (of 100,000): chance alone makes about one in a hundred such.
        var close = sequences.Zip(sequences.Skip(1), (a, b) => (b - a + 100_000) % 100_000).Count(d => d <= 1000);
        Assert.True(close <= 2, $"ids follow one another: {string.Join(", ", sequences)}");
    }

    [Fact]
    public async Task Inf_refmsgid_carries_nothing_of_the_ids_node_or_counter()
    {
        var answers = new List<(string SignNo, string Serial)>();
        for (var i = 0; i < Calls; i++)
        {
            var (signNo, refmsgid) = await SignInAsync(Platform.Database);
            Assert.Equal(30, refmsgid.Length);
            answers.Add((signNo, refmsgid[20..]));
        }

        var showingTheNode = answers.Count(a => a.Serial.StartsWith(a.SignNo[19..22], StringComparison.Ordinal));
        Assert.True(showingTheNode <= 2, $"inf_refmsgid shows the ids' node: {string.Join(", ", answers)}");
        var serials = answers.Select(a => Number(a.Serial[^5..])).ToList();
        var close = serials.Zip(serials.Skip(1), (a, b) => (b - a + 100_000) % 100_000).Count(d => d <= 1000);
        Assert.True(close <= 2, $"inf_refmsgid counts: {string.Join(", ", serials)}");

        // and an anonymous refusal's (HTTP 401) is no different
        var anonymous = await Platform.PostAsync(Platform.Envelope("1101", JilinCentral, new { data = new { psn_no = ZhangWei } }),
            headers: [new("x-tif-signature", null), new("x-tif-paasid", null)]);
        Assert.Equal(401, anonymous.Status);
        var serial = anonymous.Root.GetProperty("inf_refmsgid").GetString()![20..];
        Assert.DoesNotContain(answers, a => serial.StartsWith(a.SignNo[19..22], StringComparison.Ordinal));
    }

    /// <summary>A 9001 of the walkthrough hospital on <paramref name="database"/>, in process: its sign_no and inf_refmsgid.</summary>
    private async Task<(string SignNo, string Refmsgid)> SignInAsync(Database database)
    {
        var body = Platform.Envelope("9001", JilinCentral, new { signIn = new { opter_no = "001" } });
        var (_, answer) = await TransactionApi.CallAsync(database, new PlatformClock(Platform.Clock), Encoding.UTF8.GetBytes(body));
        var root = JsonDocument.Parse(answer).RootElement;
        Assert.True(root.GetProperty("infcode").GetInt32() == 0, answer);
        return (root.GetProperty("output").GetProperty("signinoutb").GetProperty("sign_no").GetString()!, root.GetProperty("inf_refmsgid").GetString()!);
    }

    private static long Number(string digits) => long.Parse(digits, CultureInfo.InvariantCulture);
}

public sealed class IdTests_Sqlite() : IdTests(new SqliteTarget());

public sealed class IdTests_Postgres() : IdTests(new PostgresTarget());
