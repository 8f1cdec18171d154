using Dapper;
using MedSettle.Storage;
using MedSettle.Tests.Infrastructure;

namespace MedSettle.Tests.Import;

/// <summary>Import tests' common ground: a fresh database per test on <paramref name="target"/>, and a row count.</summary>
public abstract class ImportDatabaseTests(DatabaseTarget target) : IAsyncLifetime
{
    private protected Database _database = null!;

    public async Task InitializeAsync() => _database = await target.NewDatabaseAsync();

    public async Task DisposeAsync() => await _database.DisposeAsync();

    protected async Task<long> CountAsync(string table)
    {
        await using var connection = await _database.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<long>($"SELECT COUNT(*) FROM {table}");
    }
}
