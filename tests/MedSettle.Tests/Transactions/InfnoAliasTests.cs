using MedSettle.Hosting;
using MedSettle.Storage;
using MedSettle.Tests.Infrastructure;
using MedSettle.Transactions;
using static MedSettle.Tests.Transactions.WorkedExampleTests;

namespace MedSettle.Tests.Transactions;

/// <summary>
/// A province's own transaction codes (issue 20, point 8): MedSettle:Interface:InfnoAliases maps each to the national
/// code it stands for, beside the common ones (2203A); an alias for a code the platform does not serve stops the start.
/// </summary>
public abstract class InfnoAliasTests(DatabaseTarget target)
{
    [Fact]
    public async Task A_configured_local_code_is_served_as_its_national_transaction_and_an_unconfigured_one_is_refused()
    {
        await using var platform = await RunningPlatform.StartAsync(target, settings: new Dictionary<string, string?>
        {
            [$"{TransactionSettings.InfnoAliasesSection}:25510"] = "2551",
        });
        var filing = new { data = new { psn_no = ZhangWei, insutype = "310", begndate = "2026-03-15", dise_codg = "J18.9", dise_name = "肺炎" } };

        (await platform.CallAsync("25510", JilinCentral, filing)).ShouldSucceed().Text("result", "trt_dcla_detl_sn");
        (await platform.CallAsync("25511", JilinCentral, filing)).ShouldFail("不支持的交易编号 25511");
    }

    [Fact]
    public async Task An_alias_for_a_transaction_the_platform_does_not_serve_stops_the_server_naming_it()
    {
        await using var database = Database.Open(await target.NewDatabaseValueAsync());
        await Schema.MigrateAsync(database);

        var refused = await Assert.ThrowsAsync<SettingsProblem>(() => MedSettleHost.BuildAsync(database, "http://127.0.0.1:0", new TestClock(new DateTime(2026, 3, 15, 10, 0, 0)),
            new Dictionary<string, string?> { [$"{TransactionSettings.InfnoAliasesSection}:3203A"] = "3203" }));
        Assert.Contains("3203A", refused.Message);
        Assert.Contains("serves no transaction 3203", refused.Message);
    }
}

public sealed class InfnoAliasTests_Sqlite() : InfnoAliasTests(new SqliteTarget());

public sealed class InfnoAliasTests_Postgres() : InfnoAliasTests(new PostgresTarget());
