using MedSettle.Storage;

namespace MedSettle.Tests.Infrastructure;

/// <summary>Which database a test class runs on; each test class gets a new, empty database.</summary>
public abstract class DatabaseTarget
{
    public abstract string Name { get; }

    public abstract Task<string> NewDatabaseValueAsync();

    /// <summary>A new database holding a copy of <paramref name="value"/>'s (closed: no connection open to it), with its key file.</summary>
    public abstract Task<string> CopyDatabaseAsync(string value);

    /// <summary>Removes a database no connection is open to (a copy, or a template done with), with its key file.</summary>
    public abstract Task DropDatabaseAsync(string value);

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

    /// <summary>The database's folder copied whole: the file, its key file (FILE.keys) and any write-ahead log left.</summary>
    public override Task<string> CopyDatabaseAsync(string value)
    {
        var source = value["sqlite:".Length..];
        var directory = TestPaths.TempDirectory();
        foreach (var file in Directory.GetFiles(Path.GetDirectoryName(source)!))
            File.Copy(file, Path.Combine(directory, Path.GetFileName(file)));
        return Task.FromResult("sqlite:" + Path.Combine(directory, Path.GetFileName(source)));
    }

    public override Task DropDatabaseAsync(string value)
    {
        Directory.Delete(Path.GetDirectoryName(value["sqlite:".Length..])!, recursive: true);
        return Task.CompletedTask;
    }
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

    public override async Task<string> CopyDatabaseAsync(string value)
    {
        var copy = "postgres:" + await PostgresServer.Instance.CreateDatabaseAsync(template: DatabaseName(value));
        File.Copy(MedSettle.Privacy.KeySource.DefaultFile(value), MedSettle.Privacy.KeySource.DefaultFile(copy));
        return copy;
    }

    public override async Task DropDatabaseAsync(string value)
    {
        await PostgresServer.Instance.DropDatabaseAsync(DatabaseName(value));
        File.Delete(MedSettle.Privacy.KeySource.DefaultFile(value));
    }

    private static string DatabaseName(string value) => new Npgsql.NpgsqlConnectionStringBuilder(value["postgres:".Length..]).Database!;
}
