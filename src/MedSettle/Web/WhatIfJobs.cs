using System.Collections.Concurrent;
using System.Security.Cryptography;
using MedSettle.Storage;
using MedSettle.WhatIf;

namespace MedSettle.Web;

/// <summary>A draft as the 政策测算 page runs it: its rows and the name it goes by on the page (a saved draft's, or 当前草案).</summary>
public sealed record NamedDraft(string Name, PolicyDraft Draft);

/// <summary>What a 政策测算 job replays: the period, the home regions in scope (null: all), and one draft (a run) or two (a comparison).</summary>
public sealed record WhatIfRun(DateOnly From, DateOnly To, IReadOnlySet<string>? Regions, IReadOnlyList<NamedDraft> Drafts)
{
    public bool IsComparison => Drafts.Count == 2;

    public WhatIfQuery Query(int draft) => new(From, To, Drafts[draft].Draft, Regions);
}

/// <summary>How far a job has come: which of its drafts is being replayed (0-based) and that replay's rows done of its rows.</summary>
public readonly record struct WhatIfJobProgress(int Draft, int Drafts, long Done, long Total)
{
    /// <summary>The whole job's share done, 0 to 1: each draft an equal part.</summary>
    public double Share => Drafts == 0 ? 0 : (Draft + (Total == 0 ? 0 : Math.Min(1.0, (double)Done / Total))) / Drafts;
}

/// <summary>One replay (or two, for a comparison) running in the background for the staff member who started it.</summary>
public sealed class WhatIfJob
{
    private readonly Lock _lock = new();
    private WhatIfJobProgress _progress;

    internal WhatIfJob(string id, string owner, WhatIfRun run, DateTimeOffset started)
    {
        Id = id;
        Owner = owner;
        Run = run;
        Started = started;
        _progress = new WhatIfJobProgress(0, run.Drafts.Count, 0, 0);
    }

    /// <summary>Unguessable: the job's results are found by it, for its owner only.</summary>
    public string Id { get; }

    /// <summary>The username of the staff member who started the job.</summary>
    public string Owner { get; }

    public WhatIfRun Run { get; }
    public DateTimeOffset Started { get; }
    public DateTimeOffset? Finished { get; private set; }
    public bool IsDone => Finished is not null;

    /// <summary>One report per draft, in the order of <see cref="WhatIfRun.Drafts"/>, once the job has succeeded.</summary>
    public IReadOnlyList<WhatIfReport>? Reports { get; private set; }

    /// <summary>Why the job stopped without results.</summary>
    public string? Failure { get; private set; }

    internal Task Task { get; set; } = Task.CompletedTask;

    public WhatIfJobProgress Progress
    {
        get { lock (_lock) return _progress; }
    }

    internal void Report(int draft, WhatIfProgress progress)
    {
        lock (_lock) _progress = new WhatIfJobProgress(draft, Run.Drafts.Count, progress.Done, progress.Total);
    }

    internal void Finish(IReadOnlyList<WhatIfReport>? reports, string? failure, DateTimeOffset at)
    {
        lock (_lock) _progress = _progress with { Draft = Run.Drafts.Count };
        (Reports, Failure) = (reports, failure);
        Finished = at;
    }
}

/// <summary>
/// The 政策测算 page's background replays (a replay of a big history takes seconds to minutes): started by a staff
/// member, found by their unguessable id and only by whoever started them, dropped an hour after they finish. One job
/// at a time per staff member and <see cref="MaxRunning"/> in all, so that replays never crowd out settling.
/// Registered once per server (Web/WebSetup); a stopping server cancels what is still running.
/// </summary>
public sealed class WhatIfJobs(Database database, PlatformClock clock) : IAsyncDisposable
{
    public const int MaxRunning = 2;
    public static readonly TimeSpan KeptFor = TimeSpan.FromHours(1);

    private readonly ConcurrentDictionary<string, WhatIfJob> _jobs = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _starting = new();

    /// <summary>Starts <paramref name="run"/> for <paramref name="owner"/>; a refusal (in the staff's words) instead when they or the server are busy.</summary>
    public (WhatIfJob? Job, string? Refusal) Start(string owner, WhatIfRun run)
    {
        DropExpired();
        lock (_starting)
        {
            var running = _jobs.Values.Where(j => !j.IsDone).ToList();
            if (running.Any(j => j.Owner == owner)) return (null, "您已有一次测算正在进行，请等它完成后再运行。");
            if (running.Count >= MaxRunning) return (null, $"服务器上已有 {running.Count} 次测算正在进行，请稍后再试。");
            var job = new WhatIfJob(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)), owner, run, clock.UtcNow);
            _jobs[job.Id] = job;
            job.Task = Task.Run(() => RunAsync(job));
            return (job, null);
        }
    }

    /// <summary>The job with this id if <paramref name="owner"/> started it; null otherwise, as if it did not exist.</summary>
    public WhatIfJob? Find(string? id, string owner)
    {
        DropExpired();
        return id is not null && _jobs.TryGetValue(id, out var job) && job.Owner == owner ? job : null;
    }

    private async Task RunAsync(WhatIfJob job)
    {
        var reports = new List<WhatIfReport>();
        try
        {
            for (var i = 0; i < job.Run.Drafts.Count; i++)
            {
                var draft = i;
                reports.Add(await PolicyReplay.RunAsync(database, job.Run.Query(draft), new InlineProgress(p => job.Report(draft, p)), _stopping.Token));
            }
            job.Finish(reports, null, clock.UtcNow);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            job.Finish(null, "服务器正在停止，测算已中断，请重新运行。", clock.UtcNow);
        }
        catch (Exception e)
        {
            // whatever stopped it, the page must learn that it stopped (a faulted task would leave it waiting)
            job.Finish(null, $"测算未能完成：{e.Message}", clock.UtcNow);
        }
    }

    private void DropExpired()
    {
        var before = clock.UtcNow - KeptFor;
        foreach (var job in _jobs.Values)
            if (job.Finished is { } finished && finished < before) _jobs.TryRemove(job.Id, out _);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        try
        {
            // a job ends on cancellation at its next row; a reader stuck in the database is left to the process's end
            await Task.WhenAll(_jobs.Values.Select(j => j.Task)).WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
        }
        _stopping.Dispose();
    }

    /// <summary>Reports on the replaying thread, at once (Progress&lt;T&gt; would post to a context the job does not have).</summary>
    private sealed class InlineProgress(Action<WhatIfProgress> report) : IProgress<WhatIfProgress>
    {
        public void Report(WhatIfProgress value) => report(value);
    }
}
