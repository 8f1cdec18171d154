using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;

namespace MedSettle.Storage;

/// <summary>
/// The ids this process hands out — setl_id, mdtrt_id, trt_dcla_detl_sn, sign_no and reversal ids: prefix + region (6)
/// + yyMMddHHmmss + node (3) + sequence (7), 29 characters. They are unique by construction across every server on one
/// database: the node is leased in the database (<see cref="IdNodes"/>), so no two live processes hold the same one, and
/// within a node the sequence is this process's counter through a keyed permutation of 0..9,999,999, distinct for ten
/// million ids in a row. The permutation's key is random per process and never leaves it, so the ids one has seen tell
/// nothing of the next. Minting an id is arithmetic in memory; the lease costs a statement every
/// <see cref="IdLeaseTimes.RenewEvery"/> (Hosting/IdNodeRenewal), none per id.
/// </summary>
public sealed class Ids
{
    public const int NodeDigits = 3;
    public const int SequenceDigits = 7;
    private const long SequenceSpace = 10_000_000;

    private readonly Database _database;
    private readonly DecimalPermutation _permutation = new(SequenceDigits, RandomNumberGenerator.GetBytes(32));
    private readonly SemaphoreSlim _leasing = new(1, 1);
    private long _counter = -1;
    private volatile Lease _lease;
    private bool _released;

    /// <summary>The node this process holds and until when (Stopwatch ticks) it may mint ids with it.</summary>
    private sealed record Lease(int Node, long ValidUntil);

    private Ids(Database database, IdLeaseTimes times, string holder, Lease lease)
    {
        _database = database;
        Times = times;
        Holder = holder;
        _lease = lease;
    }

    public IdLeaseTimes Times { get; }

    /// <summary>Who holds the lease, as written in id_nodes.holder: random per process.</summary>
    public string Holder { get; }

    /// <summary>The node this process's ids carry.</summary>
    public int Node => _lease.Node;

    /// <summary>Leases a node for <paramref name="database"/> (one transaction); <see cref="Schema.MigrateAsync(Database, CancellationToken)"/> does this.</summary>
    public static async Task<Ids> LeaseAsync(Database database, IdLeaseTimes? times = null, CancellationToken cancel = default)
    {
        times ??= IdLeaseTimes.Default;
        var holder = $"{Environment.MachineName}/{Environment.ProcessId}/{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}";
        var started = Stopwatch.GetTimestamp();
        var node = await IdNodes.ClaimAsync(database, holder, times, cancel);
        return new Ids(database, times, holder, new Lease(node, ValidUntil(started, times)));
    }

    /// <summary>A new id: <paramref name="prefix"/> + <paramref name="admdvs"/> + <paramref name="now"/> (to the second) + node + sequence.</summary>
    /// <exception cref="IdNodeLapsed">The lease ran out unrenewed (the database was unreachable): no id may be minted until it is renewed.</exception>
    public string Next(char prefix, string admdvs, DateTime now)
    {
        var lease = _lease;
        if (Stopwatch.GetTimestamp() > lease.ValidUntil) throw new IdNodeLapsed(lease.Node);
        var sequence = _permutation.Apply(Interlocked.Increment(ref _counter) % SequenceSpace);
        return string.Create(CultureInfo.InvariantCulture, $"{prefix}{admdvs}{now:yyMMddHHmmss}{lease.Node:D3}{sequence:D7}");
    }

    /// <summary>
    /// Extends the lease; where it was lost (it ran out and another process took the node), leases another node, and the
    /// ids go on with that one. Nothing after <see cref="ReleaseAsync"/>.
    /// </summary>
    public async Task RenewAsync(CancellationToken cancel = default)
    {
        await _leasing.WaitAsync(cancel);
        try
        {
            if (_released) return;
            var started = Stopwatch.GetTimestamp();
            var node = _lease.Node;
            if (!await IdNodes.RenewAsync(_database, node, Holder, Times, cancel))
                node = await IdNodes.ClaimAsync(_database, Holder, Times, cancel);
            _lease = new Lease(node, ValidUntil(started, Times));
        }
        finally
        {
            _leasing.Release();
        }
    }

    /// <summary>Gives the node back (on a clean shutdown): no id is minted after this, and the node is free again after the quarantine.</summary>
    public async Task ReleaseAsync(CancellationToken cancel = default)
    {
        await _leasing.WaitAsync(cancel);
        try
        {
            if (_released) return;
            _released = true;
            var node = _lease.Node;
            _lease = new Lease(node, long.MinValue);
            await IdNodes.ReleaseAsync(_database, node, Holder, cancel);
        }
        finally
        {
            _leasing.Release();
        }
    }

    /// <summary>
    /// inf_refmsgid: receiver's region (6) + time (14) + serial (10). The serial is random: it needs no uniqueness beyond
    /// chance, and carries nothing of the node or the counter behind the platform's ids.
    /// </summary>
    public static string RefMessageId(DateTime now)
    {
        Span<byte> random = stackalloc byte[8];
        RandomNumberGenerator.Fill(random);
        var serial = BinaryPrimitives.ReadUInt64LittleEndian(random) % 10_000_000_000UL;
        return string.Create(CultureInfo.InvariantCulture, $"220000{now:yyyyMMddHHmmss}{serial:D10}");
    }

    /// <summary>
    /// The database stamps the lease's end from its own clock after <paramref name="started"/>, so this process stops
    /// a little before the database lets anyone else take the node.
    /// </summary>
    private static long ValidUntil(long started, IdLeaseTimes times) =>
        started + (long)((times.Lease - times.Lease / 20).TotalSeconds * Stopwatch.Frequency);
}

/// <param name="Lease">How long a lease lasts unrenewed.</param>
/// <param name="RenewEvery">How often a running server renews it (Hosting/IdNodeRenewal).</param>
/// <param name="Quarantine">How long a node stays unused after its lease ended (ran out or given back) before another
/// process may take it: more than the servers' clocks may differ, so that the ids of the node's next holder never fall
/// in a second its last holder used.</param>
public sealed record IdLeaseTimes(TimeSpan Lease, TimeSpan RenewEvery, TimeSpan Quarantine)
{
    public static readonly IdLeaseTimes Default = new(TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(60));
}

/// <summary>This process's id node lease ran out unrenewed: it mints no id until the lease is renewed.</summary>
public sealed class IdNodeLapsed(int node)
    : Exception($"The lease of id node {node} ran out unrenewed (is the database reachable?): no id is handed out until it is renewed");

/// <summary>
/// A keyed permutation of the numbers with <c>digits</c> decimal digits (2 to 10): an alternating Feistel network over
/// the number's high and low digits (as FF1 builds one), ten rounds. Each round's function is a table over its input's
/// few thousand values, drawn at construction from AES-256 in counter mode under the key — a random function per
/// round, the construction Luby and Rackoff proved — so that applying it is ten lookups, not ten ciphers.
/// </summary>
public sealed class DecimalPermutation
{
    private const int Rounds = 10;
    private readonly int _highSpace;
    private readonly int _lowSpace;
    private readonly int[][] _rounds = new int[Rounds][];

    public DecimalPermutation(int digits, byte[] key)
    {
        if (digits is < 2 or > 10) throw new ArgumentOutOfRangeException(nameof(digits));
        _highSpace = (int)Math.Pow(10, digits / 2);
        _lowSpace = (int)Math.Pow(10, digits - digits / 2);

        // round r adds F_r(b) into a: b has the low digits' range in even rounds, the high digits' in odd ones
        var sizes = Enumerable.Range(0, Rounds).Select(r => r % 2 == 0 ? _lowSpace : _highSpace).ToArray();
        var counters = new byte[(sizes.Sum() * sizeof(uint) + 15) / 16 * 16];
        for (var block = 0; block < counters.Length / 16; block++) BinaryPrimitives.WriteInt64LittleEndian(counters.AsSpan(block * 16), block);
        using var aes = Aes.Create();
        aes.Key = key;
        var stream = aes.EncryptEcb(counters, PaddingMode.None);
        var offset = 0;
        for (var r = 0; r < Rounds; r++)
        {
            var into = (uint)(r % 2 == 0 ? _highSpace : _lowSpace);
            _rounds[r] = new int[sizes[r]];
            for (var b = 0; b < sizes[r]; b++, offset += sizeof(uint))
                _rounds[r][b] = (int)(BinaryPrimitives.ReadUInt32LittleEndian(stream.AsSpan(offset)) % into);
        }
    }

    public long Space => (long)_highSpace * _lowSpace;

    public long Apply(long value)
    {
        if (value < 0 || value >= Space) throw new ArgumentOutOfRangeException(nameof(value));
        // a has the high digits, b the low ones; each round adds F(b) into a, then the halves change places
        int a = (int)(value / _lowSpace), b = (int)(value % _lowSpace);
        int aSpace = _highSpace, bSpace = _lowSpace;
        for (var round = 0; round < Rounds; round++)
        {
            var c = a + _rounds[round][b];
            if (c >= aSpace) c -= aSpace;
            (a, b) = (b, c);
            (aSpace, bSpace) = (bSpace, aSpace);
        }
        return (long)a * bSpace + b;
    }
}
