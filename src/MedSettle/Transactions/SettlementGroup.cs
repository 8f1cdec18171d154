using System.Collections.Concurrent;
using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using Dapper;
using MedSettle.Engine;
using MedSettle.Privacy;
using MedSettle.Storage;
using Npgsql;
using NpgsqlTypes;

namespace MedSettle.Transactions;

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
/// </summary>
public sealed class SettlementGroup
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

    private static readonly ConditionalWeakTable<Database, SettlementGroup> Groups = new();

    private readonly Database _database;
    // One loop reads the queue, but it may wait for a request while it also waits for a group to commit (see RunAsync):
    // a single-reader channel allows one wait at a time.
    private readonly Channel<Request> _queue = Channel.CreateUnbounded<Request>();
    private readonly SemaphoreSlim _inFlight = new(MaxInFlight, MaxInFlight);

    /// <summary>The psn_no of every person each group in flight has locked, until that group commits or rolls back.</summary>
    private readonly List<HashSet<string>> _holding = [];

    /// <summary>Completed (and replaced) each time a group lets its persons go.</summary>
    private TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private SettlementGroup(Database database)
    {
        _database = database;
        _ = Task.Run(RunAsync);
    }

    public static SettlementGroup Of(Database database) => Groups.GetValue(database, d => new SettlementGroup(d));

    /// <summary>Groups committed and the settlements and answers they carried, for /health and the benchmark.</summary>
    public static object? Figures(Database database) =>
        Groups.TryGetValue(database, out var group)
            ? new
            {
                committed_groups = group._committedGroups, settled = group._settled, answered = group._answered,
                // where a group's time goes, in ms per committed group: waiting for a slot, lock and read, decide, write and commit
                ms_per_group = group._committedGroups == 0 ? null : new
                {
                    slot = group.PerGroup(group._slotTicks), read = group.PerGroup(group._readTicks),
                    decide = group.PerGroup(group._decideTicks), write = group.PerGroup(group._writeTicks),
                },
            }
            : null;

    private long _committedGroups;
    private long _settled;
    private long _answered;
    private long _slotTicks;
    private long _readTicks;
    private long _decideTicks;
    private long _writeTicks;

    private double PerGroup(long ticks) => Math.Round(Stopwatch.GetElapsedTime(0, ticks).TotalMilliseconds / Math.Max(1, _committedGroups), 3);

    /// <summary>One settlement request waiting for its group.</summary>
    public sealed class Request(TransactionKind kind, VisitKind visitKind, Caller caller, HospitalSignature.Nonce? nonce,
        Input input, string inputHash, DateTime received, PlatformClock clock, TransactionSettings settings)
    {
        public TransactionKind Kind { get; } = kind;
        public VisitKind VisitKind { get; } = visitKind;

        /// <summary>The envelope's hospital, msgid, sign_no, and who asked how (for the audit log of personal-data reads).</summary>
        public Caller Caller { get; } = caller;

        /// <summary>The signature's nonce, recorded in the group's transaction with whatever the request does (none in-process).</summary>
        public HospitalSignature.Nonce? Nonce { get; } = nonce;
        public Input Input { get; } = input;
        public string InputHash { get; } = inputHash;
        public DateTime Received { get; } = received;
        public PlatformClock Clock { get; } = clock;
        public TransactionSettings Settings { get; } = settings;
        internal int Attempts { get; set; }
        internal TaskCompletionSource<string> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>The group could not place the request; it must run alone, in its own transaction.</summary>
    public sealed class RunAlone(Exception? cause = null, bool mayHaveCommitted = false) : Exception("This settlement runs alone", cause)
    {
        /// <summary>
        /// The group's write and commit went out and no answer came back (the connection broke, not the statement): the
        /// commit may have gone through, with this request's settlement, stored answer and nonce. Otherwise nothing of
        /// the request was committed.
        /// </summary>
        public bool MayHaveCommitted { get; } = mayHaveCommitted;
    }

    /// <summary>A fault for the tests, made once by the next group that writes.</summary>
    internal CommitFault NextCommitFault { get; set; }

    private Task? _nextCommitWaitsFor;

    /// <summary>For the tests: the next group that writes waits for this first, holding its persons locked meanwhile.</summary>
    internal Task? NextCommitWaitsFor
    {
        get => Volatile.Read(ref _nextCommitWaitsFor);
        set => Volatile.Write(ref _nextCommitWaitsFor, value);
    }

    internal enum CommitFault
    {
        None,

        /// <summary>The connection breaks before the write reaches PostgreSQL: nothing is committed.</summary>
        LostBeforeCommit,

        /// <summary>The commit goes through but its answer is lost, as when the connection breaks just after it.</summary>
        LostAfterCommit,
    }

    private void Fault(CommitFault at)
    {
        if (NextCommitFault != at) return;
        NextCommitFault = CommitFault.None;
        throw new NpgsqlException($"The connection broke: {at} (a fault set by a test)");
    }

    /// <summary>The response body once the request's group has committed (or it was answered without a change).</summary>
    public Task<string> SubmitAsync(Request request)
    {
        if (!_queue.Writer.TryWrite(request)) request.Done.TrySetException(new RunAlone());
        return request.Done.Task;
    }

    private async Task RunAsync()
    {
        var carried = new Queue<Request>();
        while (carried.Count > 0 || await _queue.Reader.WaitToReadAsync())
        {
            // taken before anyone is found held: a group that lets its persons go after this completes it
            Task released;
            lock (_holding) released = _released.Task;
            var group = new List<Request>(MaxSize);
            while (group.Count < MaxSize && carried.TryDequeue(out var waiting)) group.Add(waiting);
            while (group.Count < MaxSize && _queue.Reader.TryRead(out var request)) group.Add(request);

            var waited = Stopwatch.GetTimestamp();
            await _inFlight.WaitAsync();
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
                await Task.WhenAny(released, _queue.Reader.WaitToReadAsync().AsTask());
        }
    }

    private sealed record Answer(Request Request, string Response, Settle.Decided? Decided);

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
    private async Task<(Prepared? Group, bool OnlyHeld)> ReadAndDecideAsync(List<Request> group, Queue<Request> carried)
    {
        // One request per msgid and per nonce in a group: a repeat waits and is then answered from the store (or refused).
        var placeable = new List<(Request Request, string MdtrtId, string? Batch)>(group.Count);
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
            string? mdtrtId, psnNo, batch;
            try
            {
                var data = request.Input.Node("data", orSelf: true);
                (mdtrtId, psnNo, batch) = (data.OptionalText("mdtrt_id"), data.OptionalText("psn_no"), Settle.BatchOf(data, request.VisitKind));
            }
            catch (Refusal)
            {
                (mdtrtId, psnNo, batch) = (null, null, null);
            }
            if (mdtrtId is null) request.Done.TrySetException(new RunAlone());
            // for a person a committing group holds: a later group (RunAsync waits when such requests are all there is)
            else if (Held(psnNo)) { carried.Enqueue(request); held++; }
            else placeable.Add((request, mdtrtId, batch));
        }
        if (placeable.Count == 0) return (null, held > 0);

        NpgsqlConnection? connection = null;
        Action? release = null;
        try
        {
            var started = Stopwatch.GetTimestamp();
            connection = (NpgsqlConnection)await _database.OpenByKeyConnectionAsync();
            var reads = await GroupReads.LoadAsync(_database, connection, placeable);
            release = Hold(reads.LockedPsnNos);
            var read = Stopwatch.GetTimestamp();
            Interlocked.Add(ref _readTicks, read - started);
            var unit = new UnitOfWork(_database, connection, transaction: null);

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
                    answers.Add(new Answer(request, Responses.Failure(request.Received, request.Clock, notSignedIn), null));
                    continue;
                }
                var context = new TransactionContext
                {
                    Infno = request.Kind.Infno,
                    Msgid = request.Caller.Msgid,
                    Hospital = hospital,
                    Input = request.Input,
                    Db = unit,
                    Now = request.Received,
                    Settings = request.Settings,
                };
                try
                {
                    var decided = await Settle.DecideAsync(context, request.VisitKind, reads);
                    answers.Add(new Answer(request, Responses.Success(request.Received, request.Clock, decided.Output, context.Warning), decided));
                }
                catch (Refusal refusal)
                {
                    answers.Add(new Answer(request, Responses.Failure(request.Received, request.Clock, refusal.Message), null));
                }
                catch (RunAlone alone)
                {
                    // it must file implicitly first (GroupReads.FileImplicitlyAsync): nothing of it is in the group
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
                    if (Interlocked.Exchange(ref _nextCommitWaitsFor, null) is { } wait) await wait;
                    var started = Stopwatch.GetTimestamp();
                    Fault(CommitFault.LostBeforeCommit);
                    await GroupWrites.WriteAndCommitAsync(prepared.Connection, settled.Select(a => (a.Request, a.Response, a.Decided!)).ToList(), nonces, now);
                    prepared.Committed = true;
                    Fault(CommitFault.LostAfterCommit);
                    Interlocked.Add(ref _writeTicks, Stopwatch.GetTimestamp() - started);
                    Interlocked.Increment(ref _committedGroups);
                    Interlocked.Add(ref _settled, settled.Count);
                }
            }
            Interlocked.Add(ref _answered, prepared.Answers.Count);
            foreach (var answer in prepared.Answers) answer.Request.Done.TrySetResult(answer.Response);
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
    private void Retry(Request request, Exception cause, bool mayHaveCommitted = false)
    {
        request.Attempts++;
        // A deadlock with another server's group, or a msgid stored meanwhile by another request (then the store answers it).
        var conflict = cause is PostgresException { SqlState: PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure }
            or PostgresException { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: "messages_pkey" or "request_nonces_pkey" };
        if (conflict && request.Attempts < MaxAttempts && _queue.Writer.TryWrite(request)) return;
        request.Done.TrySetException(new RunAlone(cause, mayHaveCommitted));
    }

    /// <summary>The group's reads, made in one round trip after the persons' locks; a key it did not read falls back to <see cref="SettlementReads.Direct"/>.</summary>
    private sealed class GroupReads : ISettlementReads
    {
        public IReadOnlyDictionary<string, HospitalRow> Hospitals => _reference.Hospitals;
        public Dictionary<string, VisitRow> Visits { get; } = new();
        public Dictionary<(string, string), MessageRow> Messages { get; } = new();
        public Dictionary<string, SignIn.SignInRow> SignIns { get; } = new(StringComparer.Ordinal);
        public HashSet<(string Paasid, string Nonce)> UsedNonces { get; } = new();
        private readonly Dictionary<(string, string), PersonRow> _persons = new();
        private readonly Dictionary<(string, string, string), List<FilingRow>> _filings = new();
        private readonly Dictionary<string, List<SettlementRow>> _standing = new();
        private readonly Dictionary<(string, string?), OpenBill> _bills = new();
        private ReferenceData _reference = null!;
        private readonly Dictionary<(string, string, string), List<KeyedAccumulator>> _accumulators = new();

        /// <summary>The persons the group's transaction has locked (FOR UPDATE), by psn_no.</summary>
        public IEnumerable<string> LockedPsnNos => _persons.Keys.Select(k => k.Item1);

        public static async Task<GroupReads> LoadAsync(Database database, NpgsqlConnection connection, List<(Request Request, string MdtrtId, string? Batch)> placeable)
        {
            var mdtrtIds = placeable.Select(p => p.MdtrtId).Distinct().ToArray();
            var bills = placeable.Select(p => (p.MdtrtId, p.Batch)).Distinct().ToArray();
            var codes = placeable.Select(p => p.Request.Caller.FixmedinsCode).ToArray();
            var msgids = placeable.Select(p => p.Request.Caller.Msgid).ToArray();
            var signNos = placeable.Select(p => p.Request.Caller.SignNo ?? "").Distinct().ToArray();
            var nonces = placeable.Select(p => p.Request.Nonce).OfType<HospitalSignature.Nonce>().ToList();

            await using var batch = new NpgsqlBatch(connection);
            Add(batch, "BEGIN");
            // Every read starts from the group's keys and looks each one up (LATERAL … OFFSET 0, which the planner may not
            // fold into a join). The statements are planned once and generically (see Database.OpenByKeyConnectionAsync):
            // a join could be planned as a scan of a table that was empty when planned (a new database's settlements) and
            // stay so, a scan per group, while the table grows. That happened: 0.02 ms became 4.5 ms per group.
            // The lock comes first: every read after it sees whatever the persons' previous holders committed. (Persons
            // are joined, as FOR UPDATE needs: they are imported and analysed before anyone can settle.)
            Add(batch, """
                SELECT p.* FROM unnest($1::text[]) AS k(mdtrt_id)
                CROSS JOIN LATERAL (SELECT v.insuplc_admdvs, v.psn_no, v.insutype FROM visits v WHERE v.mdtrt_id = k.mdtrt_id OFFSET 0) v
                JOIN persons p ON p.insuplc_admdvs = v.insuplc_admdvs AND p.psn_no = v.psn_no AND p.insutype = v.insutype
                ORDER BY p.insuplc_admdvs, p.psn_no, p.insutype FOR UPDATE OF p
                """, Text(mdtrtIds));
            // Hospitals and policies come from memory while no import has moved this on (see ReferenceData).
            Add(batch, ReferenceData.VersionSql);
            Add(batch, "SELECT v.* FROM unnest($1::text[]) AS k(mdtrt_id) CROSS JOIN LATERAL (SELECT * FROM visits v WHERE v.mdtrt_id = k.mdtrt_id OFFSET 0) v",
                Text(mdtrtIds));
            Add(batch, """
                SELECT m.* FROM unnest($1::text[], $2::text[]) AS k(fixmedins_code, msgid)
                CROSS JOIN LATERAL (SELECT * FROM messages m WHERE m.fixmedins_code = k.fixmedins_code AND m.msgid = k.msgid OFFSET 0) m
                """, Text(codes), Text(msgids));
            Add(batch, """
                SELECT s.* FROM unnest($1::text[]) AS k(sign_no)
                CROSS JOIN LATERAL (SELECT s.sign_no, s.fixmedins_code, s.sign_out_time FROM sign_ins s WHERE s.sign_no = k.sign_no OFFSET 0) s
                """, Text(signNos));
            // A nonce recorded before refuses its request; the group records the others with its writes.
            Add(batch, """
                SELECT n.* FROM unnest($1::text[], $2::text[]) AS k(paasid, nonce)
                CROSS JOIN LATERAL (SELECT n.paasid, n.nonce FROM request_nonces n WHERE n.paasid = k.paasid AND n.nonce = k.nonce OFFSET 0) n
                """, Text(nonces.Select(n => n.Paasid)), Text(nonces.Select(n => n.Value)));
            // Only the filing that covers the visit's day (Filings.FindCovering, in the index's order): a person may have
            // filed many times at one hospital, and a settlement needs one.
            Add(batch, """
                SELECT f.* FROM unnest($1::text[]) AS k(mdtrt_id)
                CROSS JOIN LATERAL (SELECT v.psn_no, v.insutype, v.fixmedins_code, left(v.begntime, 10) AS day FROM visits v
                                    WHERE v.mdtrt_id = k.mdtrt_id OFFSET 0) v
                CROSS JOIN LATERAL (SELECT * FROM filings f WHERE f.psn_no = v.psn_no AND f.insutype = v.insutype AND f.fixmedins_code = v.fixmedins_code
                                      AND f.revoked_at IS NULL AND f.begndate COLLATE "C" <= v.day AND f.enddate COLLATE "C" >= v.day
                                    ORDER BY f.created_at COLLATE "C", f.trt_dcla_detl_sn COLLATE "C" LIMIT 1) f
                """, Text(mdtrtIds));
            Add(batch, $"""
                SELECT s.* FROM unnest($1::text[]) AS k(mdtrt_id)
                CROSS JOIN LATERAL (SELECT {SettlementReads.StandingColumns} FROM settlements s
                                    WHERE s.mdtrt_id = k.mdtrt_id AND s.kind = 'settle' AND s.reversed_by IS NULL OFFSET 0) s
                """, Text(mdtrtIds));
            // each visit's open bill (of one charge batch, where a request asks for one), its lines summed (its number found
            // once per visit); a row for every visit and batch asked, lines or none
            Add(batch, $"""
                SELECT k.mdtrt_id, k.chrg_bchno, b.* FROM unnest($1::text[], $2::text[]) AS k(mdtrt_id, chrg_bchno)
                CROSS JOIN LATERAL (SELECT {OpenBill.Columns("(k.chrg_bchno IS NULL OR f.chrg_bchno = k.chrg_bchno)")}
                                    FROM fee_lines f WHERE {Bills.OpenLinesOf("k.mdtrt_id")}) b
                """, Text(bills.Select(b => b.MdtrtId)), Text(bills.Select(b => b.Batch)));
            Add(batch, """
                SELECT a.* FROM unnest($1::text[]) AS k(mdtrt_id)
                CROSS JOIN LATERAL (SELECT v.insuplc_admdvs, v.psn_no, v.insutype FROM visits v WHERE v.mdtrt_id = k.mdtrt_id OFFSET 0) v
                CROSS JOIN LATERAL (SELECT * FROM year_accumulators a
                                    WHERE a.insuplc_admdvs = v.insuplc_admdvs AND a.psn_no = v.psn_no AND a.insutype = v.insutype OFFSET 0) a
                """, Text(mdtrtIds));

            var reads = new GroupReads();
            await using var reader = await batch.ExecuteReaderAsync();
            foreach (var p in await RowsAsync<PersonRow>(reader)) reads._persons[(p.PsnNo, p.Insutype)] = p;
            var version = (await NextRowsAsync<long>(reader)).Single();
            foreach (var v in await NextRowsAsync<VisitRow>(reader)) reads.Visits[v.MdtrtId] = v;
            foreach (var m in await NextRowsAsync<MessageRow>(reader)) reads.Messages[(m.FixmedinsCode, m.Msgid)] = m;
            foreach (var s in await NextRowsAsync<SignIn.SignInRow>(reader)) reads.SignIns[s.SignNo] = s;
            foreach (var n in await NextRowsAsync<NonceRow>(reader)) reads.UsedNonces.Add((n.Paasid, n.Nonce));
            var filings = await NextRowsAsync<FilingRow>(reader);
            var standing = await NextRowsAsync<SettlementRow>(reader);
            var openBills = await NextRowsAsync<OpenBill>(reader);
            var accumulators = await NextRowsAsync<KeyedAccumulator>(reader);
            await reader.DisposeAsync();

            reads._reference = await ReferenceData.AtAsync(database, new UnitOfWork(database, connection, transaction: null), version);

            // Every key the group read is answered from here, found or not; other keys go to the database.
            foreach (var visit in reads.Visits.Values)
            {
                reads._filings[(visit.PsnNo, visit.Insutype, visit.FixmedinsCode)] = [];
                reads._standing[visit.MdtrtId] = [];
                reads._accumulators[(visit.InsuplcAdmdvs, visit.PsnNo, visit.Insutype)] = [];
            }
            foreach (var f in filings) reads._filings[(f.PsnNo, f.Insutype, f.FixmedinsCode)].Add(f);
            foreach (var s in standing) reads._standing[s.MdtrtId].Add(s);
            foreach (var b in openBills) reads._bills[(b.MdtrtId, b.ChrgBchno)] = b;
            foreach (var a in accumulators) reads._accumulators[(a.InsuplcAdmdvs, a.PsnNo, a.Insutype)].Add(a);
            return reads;
        }

        public Task<(VisitRow Visit, PersonRow Person)> OwnVisitLockedAsync(TransactionContext ctx, string mdtrtId, string psnNo, VisitKind kind)
        {
            if (!Visits.TryGetValue(mdtrtId, out var visit) || !_persons.TryGetValue((visit.PsnNo, visit.Insutype), out var person))
                return SettlementReads.Direct.OwnVisitLockedAsync(ctx, mdtrtId, psnNo, kind);
            MedSettle.Transactions.Visits.EnsureOwn(ctx, visit, mdtrtId, psnNo, kind);
            MedSettle.Transactions.Visits.EnsureNotCancelled(visit, kind);
            return Task.FromResult((visit, person));
        }

        public Task<IReadOnlyList<FilingRow>> FilingsAsync(TransactionContext ctx, PersonRow person) =>
            _filings.TryGetValue((person.PsnNo, person.Insutype, ctx.FixmedinsCode), out var found)
                ? Task.FromResult<IReadOnlyList<FilingRow>>(found)
                : SettlementReads.Direct.FilingsAsync(ctx, person);

        /// <summary>Not in a group: the request runs alone, where its filing is made in its own transaction.</summary>
        public Task<FilingRow> FileImplicitlyAsync(TransactionContext ctx, PersonRow person, VisitRow visit) => throw new RunAlone();

        public Task<IReadOnlyList<SettlementRow>> StandingAsync(TransactionContext ctx, string mdtrtId) =>
            _standing.TryGetValue(mdtrtId, out var found)
                ? Task.FromResult<IReadOnlyList<SettlementRow>>(found)
                : SettlementReads.Direct.StandingAsync(ctx, mdtrtId);

        public Task<OpenBill> OpenBillAsync(TransactionContext ctx, string mdtrtId, string? batch) =>
            _bills.TryGetValue((mdtrtId, batch), out var found) ? Task.FromResult(found) : SettlementReads.Direct.OpenBillAsync(ctx, mdtrtId, batch);

        /// <summary>From the whole policy table as of the group's reads: a key absent there has no policy.</summary>
        public Task<IReadOnlyList<PolicyRow>> PoliciesAsync(TransactionContext ctx, PolicyKey key) =>
            Task.FromResult(_reference.Policies.TryGetValue(key, out var found) ? found : (IReadOnlyList<PolicyRow>)[]);

        public Task<AccumulatorRow?> AccumulatedAsync(TransactionContext ctx, PersonRow person, int year) =>
            _accumulators.TryGetValue((person.InsuplcAdmdvs, person.PsnNo, person.Insutype), out var found)
                ? Task.FromResult<AccumulatorRow?>(found.FirstOrDefault(a => a.Year == year))
                : SettlementReads.Direct.AccumulatedAsync(ctx, person, year);

        /// <summary>From the whole supplements table as of the group's reads: a region absent there has none.</summary>
        public Task<IReadOnlyList<SupplementaryRule>> SupplementsAsync(TransactionContext ctx, string region) =>
            Task.FromResult(_reference.Supplements.TryGetValue(region, out var found) ? found : (IReadOnlyList<SupplementaryRule>)[]);
    }

    private sealed class NonceRow
    {
        public string Paasid { get; set; } = "";
        public string Nonce { get; set; } = "";
    }

    /// <summary>A person's year as the group reads it: the key, then every amount (AccumulatorRow's).</summary>
    private sealed class KeyedAccumulator : AccumulatorRow
    {
        public string InsuplcAdmdvs { get; set; } = "";
        public string PsnNo { get; set; } = "";
        public string Insutype { get; set; } = "";
        public long Year { get; set; }
    }

    /// <summary>
    /// The group's writes and its commit in one round trip: the same rows and moves <see cref="Settle.SettleAsync"/>
    /// makes one at a time. A msgid stored meanwhile by another request breaks the messages key, and the whole group
    /// is rolled back and tried again.
    /// </summary>
    private static class GroupWrites
    {
        public static async Task WriteAndCommitAsync(NpgsqlConnection connection, List<(Request Request, string Response, Settle.Decided Decided)> settled,
            List<HospitalSignature.Nonce> nonces, long now)
        {
            var writes = new Writes();
            if (nonces.Count > 0)
            {
                // Every answered request's nonce: a copy racing it in another group breaks the key, and that group tries again.
                writes.Add("INSERT INTO request_nonces (paasid, nonce, expires_at) SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[])",
                    Text(nonces.Select(n => n.Paasid)), Text(nonces.Select(n => n.Value)), Long(nonces.Select(n => n.ExpiresAt)));
                if (HospitalSignature.ShouldPrune(nonces.Count)) writes.Add("DELETE FROM request_nonces WHERE expires_at < $1", new NpgsqlParameter { Value = now });
            }
            if (settled.Count > 0) AddSettlements(writes, settled);
            await using var batch = new NpgsqlBatch(connection);
            Add(batch, writes.Sql, [.. writes.Parameters]);
            Add(batch, "COMMIT");
            await batch.ExecuteNonQueryAsync();
        }

        private static void AddSettlements(Writes writes, List<(Request Request, string Response, Settle.Decided Decided)> settled)
        {
            var rows = settled.Select(s => s.Decided.Row).ToList();
            writes.Add("""
                INSERT INTO messages (fixmedins_code, msgid, infno, input_hash, state, subject, response, received_at)
                SELECT c, m, i, h, 'done', s, r, t FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
                    AS u(c, m, i, h, s, r, t)
                """,
                Text(settled.Select(s => s.Request.Caller.FixmedinsCode)), Text(settled.Select(s => s.Request.Caller.Msgid)),
                Text(settled.Select(s => s.Request.Kind.Infno)), Text(settled.Select(s => s.Request.InputHash)),
                Text(rows.Select(r => r.SetlId)), Text(settled.Select(s => StoredResponses.Redact(s.Response))), Text(settled.Select(s => s.Request.Received.ToText())));
            // Each row takes its visit's open bill, read under the persons' locks: no fee line is written (see Bills).
            // Rows, years and balances are rendered from SettlementEffects' column lists, as the single path writes them.
            var effects = settled.Select(s => s.Decided.Effects).ToList();
            writes.Add(InsertSettlementsSql,
                [.. SettlementEffects.SettlementColumns.Select(c => Array(c.Type, rows.Select(c.Value)))]);
            writes.Add(AddToYearsSql,
                [
                    Text(effects.Select(e => e.Person.InsuplcAdmdvs)), Text(effects.Select(e => e.Person.PsnNo)), Text(effects.Select(e => e.Person.Insutype)),
                    Int(effects.Select(e => e.Year)),
                    .. SettlementEffects.YearColumns.Select(c => Long(effects.Select(c.Delta))),
                ]);
            // a settlement of one charge batch moves the bill's other lines on to the next bill, as SettlementEffects.WriteAsync does
            var batches = rows.Where(r => r is { Kind: "settle", ChrgBchno: not null }).ToList();
            if (batches.Count > 0)
                writes.Add("""
                    UPDATE fee_lines f SET bill_no = f.bill_no + 1
                    FROM unnest($1::text[], $2::bigint[], $3::text[]) AS u(mdtrt_id, bill_no, chrg_bchno)
                    WHERE f.mdtrt_id = u.mdtrt_id AND f.bill_no = u.bill_no AND f.chrg_bchno <> u.chrg_bchno
                    """,
                    Text(batches.Select(r => r.MdtrtId)), Long(batches.Select(r => r.BillNo!.Value)), Text(batches.Select(r => r.ChrgBchno)));
            var spent = effects.Where(e => e.Effect.AccountSpent != 0).ToList();
            if (spent.Count > 0)
                writes.Add("""
                    UPDATE persons p SET acct_balc_fen = p.acct_balc_fen - u.spent
                    FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[]) AS u(insuplc_admdvs, psn_no, insutype, spent)
                    WHERE p.insuplc_admdvs = u.insuplc_admdvs AND p.psn_no = u.psn_no AND p.insutype = u.insutype
                    """,
                    Text(spent.Select(e => e.Person.InsuplcAdmdvs)), Text(spent.Select(e => e.Person.PsnNo)), Text(spent.Select(e => e.Person.Insutype)),
                    Long(spent.Select(e => Money.ToFen(e.Effect.AccountSpent))));
            // the answers carry name and identity number: one audit row each, in the same batch and transaction
            writes.Add("""
                INSERT INTO personal_data_reads (read_at, channel, actor, fixmedins_code, insuplc_admdvs, psn_no, source, purpose, reference)
                SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
                """,
                Text(settled.Select(s => s.Request.Received.ToText())), Text(settled.Select(s => s.Request.Caller.Channel)),
                Text(settled.Select(s => s.Request.Caller.Actor)), Text(settled.Select(s => s.Request.Caller.FixmedinsCode)),
                Text(effects.Select(e => e.Person.InsuplcAdmdvs)), Text(effects.Select(e => e.Person.PsnNo)),
                Text(settled.Select(s => $"{s.Request.Kind.Infno} {s.Request.Kind.Name}")),
                Text(settled.Select(s => PersonalDataReads.Transactions[s.Request.Kind.Infno])), Text(settled.Select(s => s.Request.Caller.Msgid)));
        }
    
        private static readonly string InsertSettlementsSql =
            $"INSERT INTO settlements ({SettlementEffects.InsertSettlementColumns}) SELECT * FROM unnest("
            + string.Join(", ", SettlementEffects.SettlementColumns.Select((c, i) => $"${i + 1}::{SqlType(c.Type)}[]")) + ")";

        private static readonly string AddToYearsSql = SettlementEffects.AddToYearSql(
            "SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], "
            + string.Join(", ", SettlementEffects.YearColumns.Select((_, i) => $"${i + 5}::bigint[]")) + ")");

        private static string SqlType(SettlementEffects.ColumnType type) => type switch
        {
            SettlementEffects.ColumnType.Text => "text",
            SettlementEffects.ColumnType.Int => "int",
            _ => "bigint",
        };

        private static NpgsqlParameter Array(SettlementEffects.ColumnType type, IEnumerable<object?> values) => type switch
        {
            SettlementEffects.ColumnType.Text => Text(values.Cast<string?>()),
            SettlementEffects.ColumnType.Int => Int(values.Cast<int>()),
            SettlementEffects.ColumnType.Long => Long(values.Cast<long>()),
            _ => new NpgsqlParameter { Value = values.Cast<long?>().ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint },
        };

        /// <summary>
        /// The group's writes as one statement, <c>WITH w0 AS (…), w1 AS (…) SELECT 1</c>: one round of the protocol and
        /// one executor instead of one per table. They all see the same snapshot, so none may depend on another's rows,
        /// and a group's never do (one request per person, visit, msgid and nonce: each row is written once).
        /// </summary>
        private sealed class Writes
        {
            private readonly List<string> _parts = [];

            public List<NpgsqlParameter> Parameters { get; } = [];

            /// <summary>Adds a statement written with its own $1…$n.</summary>
            public void Add(string sql, params NpgsqlParameter[] parameters)
            {
                _parts.Add(Renumbered.GetOrAdd((sql, Parameters.Count), key => Placeholder.Replace(key.Sql,
                    m => "$" + (int.Parse(m.Groups[1].ValueSpan, CultureInfo.InvariantCulture) + key.Offset).ToString(CultureInfo.InvariantCulture))));
                Parameters.AddRange(parameters);
            }

            public string Sql => "WITH " + string.Join(",\n", _parts.Select((part, i) => $"w{i} AS (\n{part}\n)")) + "\nSELECT 1";

            private static readonly Regex Placeholder = new(@"\$(\d+)", RegexOptions.Compiled);

            /// <summary>Each statement renumbered once per offset it is met at (a handful: the group's writes come in few shapes).</summary>
            private static readonly ConcurrentDictionary<(string Sql, int Offset), string> Renumbered = new();
        }
    }

    private static NpgsqlBatchCommand Add(NpgsqlBatch batch, string sql, params NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.AddRange(parameters);
        batch.BatchCommands.Add(command);
        return command;
    }

    private static NpgsqlParameter Text(IEnumerable<string?> values) =>
        new() { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text };

    private static NpgsqlParameter Int(IEnumerable<int> values) =>
        new() { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer };

    private static NpgsqlParameter Long(IEnumerable<long> values) =>
        new() { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint };

    private static async Task<List<T>> RowsAsync<T>(DbDataReader reader)
    {
        var parse = reader.GetRowParser<T>();
        var rows = new List<T>();
        while (await reader.ReadAsync()) rows.Add(parse(reader));
        return rows;
    }

    private static async Task<List<T>> NextRowsAsync<T>(DbDataReader reader)
    {
        if (!await reader.NextResultAsync()) throw new InvalidOperationException("The group's reads returned fewer results than asked for");
        return await RowsAsync<T>(reader);
    }
}
