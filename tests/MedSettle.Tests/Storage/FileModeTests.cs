using System.Runtime.Versioning;
using MedSettle.Storage;
using MedSettle.Tests.Infrastructure;

namespace MedSettle.Tests.Storage;

/// <summary>An embedded database and its personal-data key file are readable and writable by their owner alone (0600).</summary>
[UnsupportedOSPlatform("windows")]
public sealed class FileModeTests
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Fact]
    public async Task A_new_sqlite_database_its_wal_its_shm_and_its_key_file_are_0600()
    {
        var path = Path.Combine(TestPaths.TempDirectory(), "medsettle.db");
        await using var database = Database.Open("sqlite:" + path);

        await Schema.MigrateAsync(database);
        await database.WriteAsync(async unit => (await unit.ExecuteAsync("UPDATE reference_data SET version = version + 1"), true));
        await using var reading = await database.OpenConnectionAsync(); // keeps -wal and -shm in place

        foreach (var file in new[] { path, path + "-wal", path + "-shm", path + ".keys" })
        {
            Assert.True(File.Exists(file), $"{file} should exist");
            Assert.Equal(OwnerOnly, File.GetUnixFileMode(file));
        }
    }

    [Fact]
    public async Task An_existing_world_readable_database_is_narrowed_to_0600_when_opened()
    {
        var path = Path.Combine(TestPaths.TempDirectory(), "medsettle.db");
        await using (var first = Database.Open("sqlite:" + path)) await Schema.MigrateAsync(first);
        File.SetUnixFileMode(path, OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        await using var database = Database.Open("sqlite:" + path);
        await Schema.MigrateAsync(database);

        Assert.Equal(OwnerOnly, File.GetUnixFileMode(path));
    }
}
