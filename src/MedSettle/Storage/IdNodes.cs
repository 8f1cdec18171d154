namespace MedSettle.Storage;

/// <summary>
/// The id node leases (table id_nodes): each process that hands out ids holds one node number, 0..999, that no other
/// live process holds. A lease is claimed in one transaction, renewed while the process runs, given back on a clean
/// shutdown, and taken by another process only once it has ended — ran out or given back — a quarantine ago. Times are
/// the database's clock, the one clock every server shares.
/// </summary>
public static class IdNodes
{
    public const int Count = 1000;

    /// <summary>Claims the node free longest (or a new number), in one transaction; another claim waits for it.</summary>
    public static Task<int> ClaimAsync(Database database, string holder, IdLeaseTimes times, CancellationToken cancel = default) =>
        database.WriteAsync(async unit =>
        {
            if (database.Provider == DbProvider.Postgres)
                await unit.ExecuteAsync("LOCK TABLE id_nodes IN SHARE ROW EXCLUSIVE MODE");
            var now = await unit.ScalarAsync<long>($"SELECT {Now(database)}");
            var free = await unit.FirstOrDefaultAsync<long?>(
                "SELECT node FROM id_nodes WHERE expires_at + @quarantine < @now ORDER BY expires_at, node LIMIT 1",
                new { now, quarantine = Milliseconds(times.Quarantine) });
            var node = free ?? await unit.ScalarAsync<long>("SELECT COALESCE(MAX(node) + 1, 0) FROM id_nodes");
            if (node >= Count)
                throw new InvalidOperationException($"All {Count} id nodes are leased or in quarantine: no more servers can hand out ids on this database");
            var expiresAt = now + Milliseconds(times.Lease);
            if (free is null)
                await unit.ExecuteAsync("INSERT INTO id_nodes (node, holder, expires_at) VALUES (@node, @holder, @expiresAt)", new { node, holder, expiresAt });
            else
                await unit.ExecuteAsync("UPDATE id_nodes SET holder = @holder, expires_at = @expiresAt WHERE node = @node", new { node, holder, expiresAt });
            return ((int)node, true);
        }, cancel);

    /// <summary>Extends <paramref name="holder"/>'s lease of <paramref name="node"/>; false when it no longer holds it.</summary>
    public static async Task<bool> RenewAsync(Database database, int node, string holder, IdLeaseTimes times, CancellationToken cancel = default) =>
        await database.WriteAsync(async unit =>
        {
            var renewed = await unit.ExecuteAsync(
                $"UPDATE id_nodes SET expires_at = {Now(database)} + @lease WHERE node = @node AND holder = @holder",
                new { node, holder, lease = Milliseconds(times.Lease) });
            return (renewed == 1, true);
        }, cancel);

    /// <summary>Ends <paramref name="holder"/>'s lease of <paramref name="node"/> now; the quarantine starts.</summary>
    public static Task ReleaseAsync(Database database, int node, string holder, CancellationToken cancel = default) =>
        database.WriteAsync(async unit =>
        {
            await unit.ExecuteAsync($"UPDATE id_nodes SET expires_at = {Now(database)} WHERE node = @node AND holder = @holder", new { node, holder });
            return (0, true);
        }, cancel);

    /// <summary>The database's clock in milliseconds since 1970.</summary>
    private static string Now(Database database) => database.Provider == DbProvider.Postgres
        ? "CAST(extract(epoch FROM clock_timestamp()) * 1000 AS BIGINT)"
        : "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)";

    private static long Milliseconds(TimeSpan span) => (long)span.TotalMilliseconds;
}
