using MedSettle.Storage;

namespace MedSettle.Hosting;

/// <summary>
/// Renews this process's id node lease (see <see cref="Ids"/>) every <see cref="IdLeaseTimes.RenewEvery"/> while it
/// runs: registered in the web host, and run around a simulation by the command line. A renewal that fails is tried
/// again at the next tick; the lease outlasts a few failed ones, and ids stop only once it has run out.
/// </summary>
public sealed class IdNodeRenewal(Database database, ILogger<IdNodeRenewal> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(database.Ids.Times.RenewEvery);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await database.Ids.RenewAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogWarning(e, "Could not renew the lease of id node {Node}; trying again in {Seconds} s", database.Ids.Node,
                    database.Ids.Times.RenewEvery.TotalSeconds);
            }
        }
    }
}
