using MedSettle.Storage;

namespace MedSettle.Tests.Infrastructure;

/// <summary>Which database a test class runs on; each test class gets a new, empty database.</summary>
public abstract class DatabaseTarget
{
    public abstract string Name { get; }

    public abstract Task<string> NewDatabaseValueAsync();

    public async Task<Database> NewDatabaseAsync()
    {
        var database = Database.Open(await NewDatabaseValueAsync());
        await Schema.MigrateAsync(database);
        return database;
    }
}

public sealed class SqliteTarget : DatabaseTarget
{
    public override string Name => "sqlite";

    public override Task<string> NewDatabaseValueAsync() =>
        Task.FromResult("sqlite:" + Path.Combine(TestPaths.TempDirectory(), "medsettle.db"));
}

public sealed class PostgresTarget : DatabaseTarget
{
    public override string Name => "postgres";

    /// <summary>The default personal-data key files of the test databases (DATA_DIR/NAME.keys) live in this run's scratch folder.</summary>
    private static readonly Lazy<string> KeyDirectory = new(() =>
    {
        var directory = TestPaths.TempDirectory();
        Environment.SetEnvironmentVariable(MedSettle.Privacy.KeySource.DataDirVariable, directory);
        return directory;
    });

    public override async Task<string> NewDatabaseValueAsync()
    {
        _ = KeyDirectory.Value;
        return "postgres:" + await PostgresServer.Instance.CreateDatabaseAsync();
    }
}
