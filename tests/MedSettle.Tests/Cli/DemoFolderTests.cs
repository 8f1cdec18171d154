using Dapper;
using MedSettle.Storage;
using MedSettle.Tools.Demo;
using MedSettle.Transactions;
using MedSettle.Web;

namespace MedSettle.Tests.Cli;

/// <summary>
/// Two demos on one machine (issue 20, point 11): the second takes its own folder instead of deleting the running one's
/// database, and each banner says which folder is its own. SQLite only: a demo always runs on its embedded database.
/// </summary>
public sealed class DemoFolderTests : IDisposable
{
    private readonly string _parent = Directory.CreateTempSubdirectory("medsettle-demofolder-").FullName;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools(); // the demos' databases, so that their files can go
        Directory.Delete(_parent, recursive: true);
    }

    [Fact]
    public void A_second_demo_takes_the_next_folder_while_the_first_runs_and_the_first_folder_once_it_stops()
    {
        var first = DemoFolder.Claim(_parent);
        File.WriteAllText(Path.Combine(first.Path, "demo.db"), "the running demo's database");

        using (var second = DemoFolder.Claim(_parent))
        {
            Assert.Equal(Path.Combine(_parent, "medsettle-demo"), first.Path);
            Assert.Equal(Path.Combine(_parent, "medsettle-demo-2"), second.Path);
            using var third = DemoFolder.Claim(_parent);
            Assert.Equal(Path.Combine(_parent, "medsettle-demo-3"), third.Path);
        }
        Assert.Equal("the running demo's database", File.ReadAllText(Path.Combine(first.Path, "demo.db")));

        first.Dispose();
        using var again = DemoFolder.Claim(_parent);
        Assert.Equal(Path.Combine(_parent, "medsettle-demo"), again.Path);
        Assert.Throws<IOException>(() => DemoFolder.Claim(_parent, tries: 1));
    }

    private static readonly HospitalCredential Walkthrough = new("paasid-demo", "H22020000001", "secret-demo");

    /// <summary>What <c>medsettle demo</c> does before it serves: claim its folder, a fresh database there, an account (the province's: no reference data needed); then its banner.</summary>
    private async Task<(DemoFolder Folder, Database Database, string Banner)> StartDemoAsync(string url)
    {
        var folder = DemoFolder.Claim(_parent);
        var database = folder.OpenFreshDatabase();
        await Schema.MigrateAsync(database);
        await Accounts.AddAsync(database, "province", "吉林省医保局", Roles.Province, null, null, "province123", new DateTime(2026, 3, 15, 10, 0, 0));
        return (folder, database, DemoBanner.Of(url, folder, database, Walkthrough));
    }

    private static async Task<long> AccountsAsync(string databasePath)
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={databasePath};Pooling=False");
        return await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM users");
    }

    [Fact]
    public async Task Two_demos_started_on_one_machine_get_their_own_folders_and_each_banner_names_its_own()
    {
        var (firstFolder, firstDatabase, firstBanner) = await StartDemoAsync("http://127.0.0.1:8080");
        var (secondFolder, secondDatabase, secondBanner) = await StartDemoAsync("http://127.0.0.1:8081");
        try
        {
            Assert.Equal(Path.Combine(_parent, "medsettle-demo"), firstFolder.Path);
            Assert.Equal(Path.Combine(_parent, "medsettle-demo-2"), secondFolder.Path);
            // each banner names its own folder and the database in it, and not the other's
            Assert.Contains($"(folder {firstFolder.Path}, its own while this demo runs; database sqlite:{Path.Combine(firstFolder.Path, "demo.db")};", firstBanner);
            Assert.Contains($"(folder {secondFolder.Path}, its own while this demo runs; database sqlite:{Path.Combine(secondFolder.Path, "demo.db")};", secondBanner);
            Assert.DoesNotContain(secondFolder.Path, firstBanner);
            Assert.DoesNotContain($"folder {firstFolder.Path},", secondBanner);
            Assert.Contains($"--db sqlite:{secondFolder.DatabasePath} CODE", secondBanner);
            // the second's fresh database did not touch the first's: both hold their one account
            Assert.Equal((1L, 1L), (await AccountsAsync(firstFolder.DatabasePath), await AccountsAsync(secondFolder.DatabasePath)));
        }
        finally
        {
            await secondDatabase.DisposeAsync();
            secondFolder.Dispose();
            await firstDatabase.DisposeAsync();
            firstFolder.Dispose();
        }

        // the first stopped, the next demo takes its folder again and starts afresh there
        var (again, database, banner) = await StartDemoAsync("http://127.0.0.1:8080");
        using (again)
        await using (database)
        {
            Assert.Equal(firstFolder.Path, again.Path);
            Assert.Contains($"(folder {firstFolder.Path},", banner);
            Assert.Equal(1L, await AccountsAsync(again.DatabasePath));
        }
    }
}
