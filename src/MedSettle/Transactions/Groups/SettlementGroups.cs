using System.Diagnostics;
using System.Threading.Channels;
using MedSettle.Storage;
using Npgsql;

namespace MedSettle.Transactions.Groups;

/// <summary>
/// Group commit for settlements (2207/2304) on PostgreSQL. Requests that arrive together are settled in one database
/// transaction: one round trip locks every person concerned (in key order) and reads all that their settlements need,
/// <see cref="Settle.DecideAsync"/> decides each one exactly as it would alone, and one round trip writes all of them
/// with their stored responses before the commit. Nobody is answered before that commit.
///
/// Each request keeps its own guarantees. A group holds at most one request per person, per msgid and per signature
/// nonce (later ones wait for the next group), so its settlements are independent; a msgid seen before is answered from
/// the store; a nonce seen before is refused (HTTP 401); a refusal records nothing but its nonce; and a request the group
/// cannot place (an unknown visit, a malformed field) runs alone through the ordinary path. The nonces are checked in
/// the group's reads and recorded with its writes, so a signed settlement costs no round trip of its own. While one
/// group commits, the next may already lock and read: it waits on any person the first still holds, and sees that
/// person's settlement once committed. So that one such person does not hold up the whole next group, a request whose
/// psn_no a committing group holds waits for a later group; when only such requests are ready, the loop waits for a
/// group to commit or for another request, so a slow commit holds up only its own persons.
///
/// A hosted service of the web host (Hosting/MedSettleHost): its queue's loop runs while the host does. Its parts: this
/// file (the queue, the loop, deciding a group), <see cref="GroupReads"/> (the reads in one round trip) and
/// <see cref="GroupWrites"/> (the writes and the commit in one); the answers are <see cref="Responses"/>'.
/// </summary>
public sealed class SettlementGroups(Database database) : BackgroundService
{
    /// <summary>The most requests settled in one transaction.</summary>
    public const int MaxSize = 64;

    /// <summary>
    /// Groups in flight: one reading and deciding while the other writes and commits. With eight clients (bench/run.sh)
    /// one alone made larger groups and spent less CPU per settlement but left the cores idle during each commit
    /// (1,414/s); three were no faster than two (1,386/s against 1,396/s).
    /// </summary>
    private const int MaxInFlight = 2;

    private const int MaxAttempts = 4;

    // One loop reads the queue, but it may wait for a request while it also waits for a group to commit (see RunAsync):
    // a single-reader channel allows one wait at a time.
    private readonly Channel<GroupRequest> _queue = Channel.CreateUnbounded<GroupRequest>();
    private readonly SemaphoreSlim _inFlight = new(MaxInFlight, MaxInFlight);

    /// <summary>The psn_no of every person each group in flight has locked, until that group commits or rolls back.</summary>
    private readonly List<HashSet<string>> _holding = [];

    /// <summary>Completed (and replaced) each time a group lets its persons go.</summary>
    private TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The database this service settles groups on (TransactionApi sends it no request for another).</summary>
    public Database Database { get; } = database;

    /// <summary>What a group does before it writes and after it commits: nothing, unless a test sets faults here (tests/…/GroupFaults).</summary>
    internal IGroupCommitHooks? Hooks { get; set; }

    /// <summary>Groups committed and the settlements and answers they carried, for /health and the benchmark.</summary>
    public object Figures() => new
    {
        committed_groups = _committedGroups, settled = _settled, answered = _answered,
        // where a group's time goes, in ms per committed group: waiting for a slot, lock and read, decide, write and commit
        ms_per_group = _committedGroups == 0 ? null : new
        {
            slot = PerGroup(_slotTicks), read = PerGroup(_readTicks), decide = PerGroup(_decideTicks), write = PerGroup(_writeTicks),
        },
    };

    private long _committedGroups;
    private long _settled;
    private long _answered;
    private long _slotTicks;
    private long _readTicks;
    private long _decideTicks;
    private long _writeTicks;

    private double PerGroup(long ticks) => Math.Round(Stopwatch.GetElapsedTime(0, ticks).TotalMilliseconds / Math.Max(1, _committedGroups), 3);

    /// <summary>The response body once the request's group has committed (or it was answered without a change).</summary>
    /// <remarks>A request the service cannot take (not running, or stopping) runs alone (<see cref="RunAlone"/>).</remarks>
    public Task<string> SubmitAsync(GroupRequest request)
    {
        if (!_running || !_queue.Writer.TryWrite(request)) request.Done.TrySetException(new RunAlone());
        return request.Done.Task;
    }

    private volatile bool _running;

    /// <summary>The queue's loop, for as long as the host runs; then the requests still queued run alone, and the groups in flight finish.</summary>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _running = true;
        try
        {
            await RunAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            _running = false;
            _queue.Writer.TryComplete();
            while (_queue.Reader.TryRead(out var left)) left.Done.TrySetException(new RunAlone());
            for (var i = 0; i < MaxInFlight; i++) await _inFlight.WaitAsync(CancellationToken.None); // the groups in flight have answered
            _inFlight.Release(MaxInFlight);
        }
    }

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        var carried = new Queue<GroupRequest>();
        while (carried.Count > 0 || await _queue.Reader.WaitToReadAsync(stoppingToken))
        {
            if (stoppingToken.IsCancellationRequested)
            {
                while (carried.TryDequeue(out var left)) left.Done.TrySetException(new RunAlone());
                return;
            }
            // taken before anyone is found held: a group that lets its persons go after this completes it
            Task released;
            lock (_holding) released = _released.Task;
            var group = new List<GroupRequest>(MaxSize);
            while (group.Count < MaxSize && carried.TryDequeue(out var waiting)) group.Add(waiting);
            while (group.Count < MaxSize && _queue.Reader.TryRead(out var request)) group.Add(request);

            var waited = Stopwatch.GetTimestamp();
            await _inFlight.WaitAsync(CancellationToken.None); // a slot frees as a group in flight answers: these requests are taken
            Interlocked.Add(ref _slotTicks, Stopwatch.GetTimestamp() - waited);
            Prepared? prepared = null;
            var onlyHeld = false;
            try
            {
                (prepared, onlyHeld) = await ReadAndDecideAsync(group, carried);
            }
            finally
            {
                if (prepared is null) _inFlight.Release();
            }
            _ = FinishAsync(prepared);
            // Everyone ready was for a person a committing group holds: wait for a group to let go, or for someone else.
            if (onlyHeld && _queue.Reader.Count == 0)
                await Task.WhenAny(released, _queue.Reader.WaitToReadAsync(stoppingToken).AsTask());
        }
    }

    private sealed record Answer(GroupRequest Request, string Response, Settle.Decided? Decided, Refusal? Refusal = null);

    /// <summary>A group read and decided, its transaction open, waiting for its writes and commit.</summary>
    private sealed class Prepared(NpgsqlConnection connection, List<Answer> answers, Action released) : IAsyncDisposable
    {
        public NpgsqlConnection Connection { get; } = connection;
        public List<Answer> Answers { get; } = answers;
        public bool Committed { get; set; }

        public async ValueTask DisposeAsync()
        {
            try
            {
                if (!Committed) await RollBackAsync(Connection);
                await Connection.DisposeAsync();
            }
            finally
            {
                released();
            }
        }
    }

    /// <summary>
    /// Whether a group in flight holds this person locked. A request for such a person would make the whole next group
    /// wait at its lock for that group's commit; it waits for a later group instead. The psn_no is the request's own
    /// (a hint: the locks, not this, keep settlements apart).
    /// </summary>
    internal bool Held(string? psnNo)
    {
        if (psnNo is null) return false;
        lock (_holding) return _holding.Exists(persons => persons.Contains(psnNo));
    }

    /// <summary>Notes the persons a group has locked until <see cref="Prepared.DisposeAsync"/>; returns what releases them.</summary>
    private Action Hold(IEnumerable<string> psnNos)
    {
        var persons = psnNos.ToHashSet(StringComparer.Ordinal);
        lock (_holding) _holding.Add(persons);
        return () =>
        {
            TaskCompletionSource released;
            lock (_holding)
            {
                _holding.Remove(persons);
                (released, _released) = (_released, new(TaskCreationOptions.RunContinuationsAsynchronously));
            }
            released.TrySetResult();
        };
    }

    /// <summary>The group's transaction is begun and committed by statements in its batches (no round trip of their own).</summary>
    private static async Task RollBackAsync(NpgsqlConnection connection)
    {
        try
        {
            await using var rollback = new NpgsqlCommand("ROLLBACK", connection);
            await rollback.ExecuteNonQueryAsync();
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            // A broken connection has no transaction left: the server rolled it back when the connection went.
        }
    }

    /// <summary>
    /// Locks, reads and decides a group; requests that must wait for a later group go to <paramref name="carried"/>. No group
    /// and <c>OnlyHeld</c>: every request ready was for a person a committing group holds.
    /// </summary>
    private async Task<(Prepared? Group, bool OnlyHeld)> ReadAndDecideAsync(List<GroupRequest> group, Queue<GroupRequest> carried)
    {
        // One request per msgid and per nonce in a group: a repeat waits and is then answered from the store (or refused).
        var placeable = new List<(GroupRequest Request, string MdtrtId, string? Batch)>(group.Count);
        var held = 0;
        var msgids = new HashSet<(string, string)>();
        var nonces = new HashSet<(string, string)>();
        foreach (var request in group)
        {
            if (!msgids.Add((request.Caller.FixmedinsCode, request.Caller.Msgid)) || request.Nonce is { } nonce && !nonces.Add((nonce.Paasid, nonce.Value)))
            {
                carried.Enqueue(request);
                continue;
            }
            var settlement = request.Settlement;
            // for a person a committing group holds: a later group (RunAsync waits when such requests are all there is)
            if (Held(settlement.PsnNo)) { carried.Enqueue(request); held++; }
            else placeable.Add((request, settlement.MdtrtId, settlement.Batch));
        }
        if (placeable.Count == 0) return (null, held > 0);

        NpgsqlConnection? connection = null;
        Action? release = null;
        try
        {
            var started = Stopwatch.GetTimestamp();
            connection = (NpgsqlConnection)await Database.OpenByKeyConnectionAsync();
            var reads = await GroupReads.LoadAsync(Database, connection, placeable);
            release = Hold(reads.LockedPsnNos);
            var read = Stopwatch.GetTimestamp();
            Interlocked.Add(ref _readTicks, read - started);
            var unit = new UnitOfWork(Database, connection, transaction: null);

            var answers = new List<Answer>(placeable.Count);
            var persons = new HashSet<(string, string)>();
            foreach (var (request, mdtrtId, _) in placeable)
            {
                if (request.Nonce is { } nonce && reads.UsedNonces.Contains((nonce.Paasid, nonce.Value)))
                {
                    request.Done.TrySetException(new HospitalSignature.NonceReused());
                    continue;
                }
                if (!reads.Hospitals.TryGetValue(request.Caller.FixmedinsCode, out var hospital) || !reads.Visits.TryGetValue(mdtrtId, out var visit))
                {
                    request.Done.TrySetException(new RunAlone());
                    continue;
                }
                // One request per person in a group, so that the group's settlements never depend on one another.
                if (!persons.Add((visit.PsnNo, visit.Insutype))) { carried.Enqueue(request); continue; }

                // A msgid seen before is answered on its own path, which audits a replay that shows a person's name again.
                if (reads.Messages.ContainsKey((request.Caller.FixmedinsCode, request.Caller.Msgid)))
                {
                    request.Done.TrySetException(new RunAlone());
                    continue;
                }
                if (SignIn.Problem(hospital, request.Caller.SignNo, request.Caller.SignNo is null ? null : reads.SignIns.GetValueOrDefault(request.Caller.SignNo)) is { } notSignedIn)
                {
                    answers.Add(new Answer(request, Responses.Failure(request.Received, request.Clock, notSignedIn.Message), null, notSignedIn));
                    continue;
                }
                var context = new TransactionContext
                {
                    Infno = request.Kind.Infno,
                    Msgid = request.Caller.Msgid,
                    Hospital = hospital,
                    Request = request.Settlement,
                    Db = unit,
                    Now = request.Received,
                    Caller = request.Caller,
                    Settings = request.Settings,
                };
                try
                {
                    var decided = await Settle.DecideAsync(context, request.Settlement, reads);
                    answers.Add(new Answer(request, Responses.Success(request.Received, request.Clock, decided.Output, context.Warning), decided));
                }
                catch (Refusal refusal)
                {
                    answers.Add(new Answer(request, Responses.Failure(request.Received, request.Clock, refusal.Message), null, refusal));
                }
                catch (RunAlone alone)
                {
                    // it must file implicitly first, or check supervision rules (GroupReads): nothing of it is in the group
                    request.Done.TrySetException(alone);
                }
            }
            Interlocked.Add(ref _decideTicks, Stopwatch.GetTimestamp() - read);
            return (new Prepared(connection, answers, release), false);
        }
        catch (Exception e)
        {
            try
            {
                if (connection is not null)
                {
                    await RollBackAsync(connection);
                    await connection.DisposeAsync();
                }
            }
            finally
            {
                release?.Invoke();
            }
            foreach (var (request, _, _) in placeable)
                if (!request.Done.Task.IsCompleted && !carried.Contains(request)) Retry(request, e);
            return (null, false);
        }
    }

    /// <summary>Writes the group's settlements and stored responses, commits, and only then answers.</summary>
    private async Task FinishAsync(Prepared? prepared)
    {
        if (prepared is null) return;
        try
        {
            await using (prepared)
            {
                var settled = prepared.Answers.Where(a => a.Decided is not null).ToList();
                var nonces = prepared.Answers.Select(a => a.Request.Nonce).OfType<HospitalSignature.Nonce>().ToList();
                if (settled.Count > 0 || nonces.Count > 0)
                {
                    var now = prepared.Answers[0].Request.Clock.UtcNow.ToUnixTimeSeconds();
                    if (Hooks is { } hooks) await hooks.BeforeWriteAsync();
                    var started = Stopwatch.GetTimestamp();
                    await GroupWrites.WriteAndCommitAsync(prepared.Connection, settled.Select(a => (a.Request, a.Response, a.Decided!)).ToList(), nonces, now);
                    prepared.Committed = true;
                    Hooks?.AfterCommit();
                    Interlocked.Add(ref _writeTicks, Stopwatch.GetTimestamp() - started);
                    Interlocked.Increment(ref _committedGroups);
                    Interlocked.Add(ref _settled, settled.Count);
                }
            }
            Interlocked.Add(ref _answered, prepared.Answers.Count);
            foreach (var answer in prepared.Answers)
            {
                answer.Request.Refusal = answer.Refusal;
                answer.Request.Done.TrySetResult(answer.Response);
            }
        }
        catch (Exception e)
        {
            // PostgreSQL refused a statement, so the transaction was rolled back; any other failure may have come after the commit.
            foreach (var answer in prepared.Answers) Retry(answer.Request, e, mayHaveCommitted: e is not PostgresException);
        }
        finally
        {
            _inFlight.Release();
        }
    }

    /// <summary>After a failed group: a conflict is tried again in a later group; anything else runs alone.</summary>
    private void Retry(GroupRequest request, Exception cause, bool mayHaveCommitted = false)
    {
        request.Attempts++;
        // A deadlock with another server's group, or a msgid stored meanwhile by another request (then the store answers it).
        var conflict = cause is PostgresException { SqlState: PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure }
            or PostgresException { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: "messages_pkey" or "request_nonces_pkey" };
        if (conflict && request.Attempts < MaxAttempts && _queue.Writer.TryWrite(request)) return;
        request.Done.TrySetException(new RunAlone(cause, mayHaveCommitted));
    }

}

/// <summary>
/// Where a test steps into a group's commit: <see cref="BeforeWriteAsync"/> just before the group's writes go out (its
/// persons locked), <see cref="AfterCommit"/> just after its commit was acknowledged. Production sets none.
/// </summary>
internal interface IGroupCommitHooks
{
    /// <summary>May wait (a slow commit) or throw (the connection broke before the write: nothing is committed).</summary>
    Task BeforeWriteAsync();

    /// <summary>May throw (the commit went through but its acknowledgement was lost).</summary>
    void AfterCommit();
}
