using MedSettle.Storage;

namespace MedSettle.Transactions;

/// <summary>
/// What a transaction handler works with: the envelope, its input as read once into the transaction's request record
/// (Transactions/Requests, see <see cref="TransactionKind.Read"/>), the open unit of work and the time.
/// </summary>
public sealed class TransactionContext
{
    public required string Infno { get; init; }
    public required string Msgid { get; init; }
    public required HospitalRow Hospital { get; init; }

    /// <summary>The request record the input was read into (the handler takes it typed; e.g. the audit log reads its psn_no).</summary>
    public required object Request { get; init; }
    public required UnitOfWork Db { get; init; }
    public required DateTime Now { get; init; }

    /// <summary>Who sent the request: the hospital, the msgid, and for the audit log the actor and the channel.</summary>
    public required Caller Caller { get; init; }

    /// <summary>The province's settings (e.g. whether an emergency without a filing is filed implicitly).</summary>
    public TransactionSettings Settings { get; init; } = TransactionSettings.Defaults;

    /// <summary>What warn_msg says (the request succeeded): every <see cref="Warn"/>, in order.</summary>
    public string? Warning { get; private set; }

    /// <summary>Adds a sentence to warn_msg (after any said before, separated by "；").</summary>
    public void Warn(string message) => Warning = Warning is null ? message : $"{Warning}；{message}";

    /// <summary>What this message created or changed (a setl_id, a filing, a visit, an upload), so 2601 can undo it.</summary>
    public string? Subject { get; set; }

    /// <summary>The person whose full name or identity number this answer shows; written to the audit log with the answer.</summary>
    public PersonalDataRead? PersonalDataRead { get; set; }

    /// <summary>
    /// The audit row of this answer, for the effects of the settlement (or reversal) it shows, which write it in their own
    /// statements (<see cref="SettlementEffects.AuditPersonalDataRead"/>); TransactionApi then writes no other for this
    /// answer. Null when the answer shows no one's name (2601).
    /// </summary>
    public PersonalDataAudit? AuditWithEffects()
    {
        var audit = PersonalDataReads.AuditOf(Infno, Caller, Now);
        AuditedWithEffects |= audit is not null;
        return audit;
    }

    /// <summary>Whether this answer's audit row goes with the effects of its state change (<see cref="AuditWithEffects"/>).</summary>
    public bool AuditedWithEffects { get; private set; }

    /// <summary>The file a 9102 answers; over HTTP its bytes are the answer's body.</summary>
    public Files.Download? Download { get; set; }

    public string FixmedinsCode => Hospital.FixmedinsCode;

    /// <summary>A new id (setl_id, mdtrt_id, …) of this server's, stamped with the request's time (see <see cref="Storage.Ids"/>).</summary>
    public string NewId(char prefix, string admdvs) => Db.Database.Ids.Next(prefix, admdvs, Now);
}

/// <summary>
/// One transaction code: its request record (Transactions/Requests) and how the input is read into it, its handler, and whether
/// it changes state (and so is exactly-once by msgid). Made by <see cref="Of"/> only, so that no transaction reads its input
/// any other way. A settlement (<see cref="Settles"/>) may be settled in a group with others on PostgreSQL. <see cref="CarriesFile"/>:
/// its input is a file (9101), limited by the file's own limit and the body's instead of the 40,000 characters of any other
/// input. <see cref="StoresFiles"/>: it changes no state but may keep a file for the hospital to download (3202's result), so
/// it runs in a transaction that commits.
/// </summary>
public sealed class TransactionKind
{
    private readonly Func<Input, object> _read;
    private readonly Func<TransactionContext, Task<object?>> _handle;

    private TransactionKind(string infno, string name, bool changesState, Type request, Func<Input, object> read,
        Func<TransactionContext, Task<object?>> handle)
    {
        (Infno, Name, ChangesState, Request, _read, _handle) = (infno, name, changesState, request, read, handle);
    }

    /// <summary>
    /// Transaction <paramref name="infno"/>, whose input <paramref name="read"/> reads into a <typeparamref name="TRequest"/>
    /// (every field, and every check of the input alone), which <paramref name="handle"/> then acts on.
    /// </summary>
    public static TransactionKind Of<TRequest>(string infno, string name, bool changesState, Func<Input, TRequest> read,
        Func<TransactionContext, TRequest, Task<object?>> handle, VisitKind? settles = null, bool carriesFile = false, bool storesFiles = false)
        where TRequest : class =>
        new(infno, name, changesState, typeof(TRequest), input => read(input), ctx => handle(ctx, (TRequest)ctx.Request))
        {
            Settles = settles,
            CarriesFile = carriesFile,
            StoresFiles = storesFiles,
        };

    public string Infno { get; }
    public string Name { get; }
    public bool ChangesState { get; }

    /// <summary>The type of the record its input is read into.</summary>
    public Type Request { get; }

    public VisitKind? Settles { get; private init; }
    public bool CarriesFile { get; private init; }
    public bool StoresFiles { get; private init; }

    /// <summary>The input read into the transaction's request record; a missing or malformed field is refused (<see cref="Refusal"/>).</summary>
    public object Read(Input input) => _read(input);

    /// <summary>As <see cref="Read"/>, or null where the input would be refused.</summary>
    public object? TryRead(Input input)
    {
        try
        {
            return _read(input);
        }
        catch (Refusal)
        {
            return null;
        }
    }

    /// <summary>The handler, on the request record in <see cref="TransactionContext.Request"/>.</summary>
    public Task<object?> Handle(TransactionContext ctx) => _handle(ctx);
}
