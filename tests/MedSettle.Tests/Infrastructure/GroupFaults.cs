using MedSettle.Transactions.Groups;
using Npgsql;

namespace MedSettle.Tests.Infrastructure;

/// <summary>
/// Faults a test sets on the running platform's settlement groups (<see cref="SettlementGroups"/>'s commit hooks), each
/// made once by the next group that writes: a connection that breaks before the write or just after the commit, and a
/// commit that waits for the test while the group holds its persons locked.
/// </summary>
public sealed class GroupFaults : IGroupCommitHooks
{
    public enum Fault
    {
        None,

        /// <summary>The connection breaks before the write reaches PostgreSQL: nothing is committed.</summary>
        LostBeforeCommit,

        /// <summary>The commit goes through but its answer is lost, as when the connection breaks just after it.</summary>
        LostAfterCommit,
    }

    private Task? _nextCommitWaitsFor;

    private GroupFaults(SettlementGroups groups) => Groups = groups;

    public SettlementGroups Groups { get; }

    /// <summary>The fault the next group that writes makes (None once it has).</summary>
    public Fault NextCommitFault { get; set; }

    /// <summary>The next group that writes waits for this first, holding its persons locked meanwhile.</summary>
    public Task? NextCommitWaitsFor
    {
        get => Volatile.Read(ref _nextCommitWaitsFor);
        set => Volatile.Write(ref _nextCommitWaitsFor, value);
    }

    /// <summary>Sets faults on <paramref name="platform"/>'s settlement groups.</summary>
    public static GroupFaults On(RunningPlatform platform)
    {
        var groups = platform.Groups;
        var faults = new GroupFaults(groups);
        groups.Hooks = faults;
        return faults;
    }

    async Task IGroupCommitHooks.BeforeWriteAsync()
    {
        if (Interlocked.Exchange(ref _nextCommitWaitsFor, null) is { } wait) await wait;
        Make(Fault.LostBeforeCommit);
    }

    void IGroupCommitHooks.AfterCommit() => Make(Fault.LostAfterCommit);

    private void Make(Fault at)
    {
        if (NextCommitFault != at) return;
        NextCommitFault = Fault.None;
        throw new NpgsqlException($"The connection broke: {at} (a fault set by a test)");
    }
}
