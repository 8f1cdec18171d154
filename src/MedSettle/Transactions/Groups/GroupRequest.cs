using MedSettle.Transactions.Requests;

namespace MedSettle.Transactions.Groups;

/// <summary>One settlement request waiting for its group.</summary>
public sealed class GroupRequest(TransactionKind kind, SettlementRequest settlement, Caller caller, HospitalSignature.Nonce? nonce,
    string inputHash, DateTime received, PlatformClock clock, TransactionSettings settings)
{
    public TransactionKind Kind { get; } = kind;

    /// <summary>The input, read when the request was queued: its visit, person and charge batch are the group's keys.</summary>
    public SettlementRequest Settlement { get; } = settlement;

    /// <summary>The envelope's hospital, msgid, sign_no, and who asked how (for the audit log of personal-data reads).</summary>
    public Caller Caller { get; } = caller;

    /// <summary>The signature's nonce, recorded in the group's transaction with whatever the request does (none in-process).</summary>
    public HospitalSignature.Nonce? Nonce { get; } = nonce;
    public string InputHash { get; } = inputHash;
    public DateTime Received { get; } = received;
    public PlatformClock Clock { get; } = clock;
    public TransactionSettings Settings { get; } = settings;
    internal int Attempts { get; set; }

    /// <summary>Once answered: the refusal its answer gives (for an in-process caller, which reads its code), or null.</summary>
    public Refusal? Refusal { get; internal set; }
    internal TaskCompletionSource<string> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>The group could not place the request; it must run alone, in its own transaction (TransactionApi's single path).</summary>
public sealed class RunAlone(Exception? cause = null, bool mayHaveCommitted = false) : Exception("This settlement runs alone", cause)
{
    /// <summary>
    /// The group's write and commit went out and no answer came back (the connection broke, not the statement): the
    /// commit may have gone through, with this request's settlement, stored answer and nonce. Otherwise nothing of
    /// the request was committed.
    /// </summary>
    public bool MayHaveCommitted { get; } = mayHaveCommitted;
}
