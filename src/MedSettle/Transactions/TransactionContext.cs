using MedSettle.Storage;

namespace MedSettle.Transactions;

/// <summary>What a transaction handler works with: the envelope, its input, the open unit of work and the time.</summary>
public sealed class TransactionContext
{
    public required string Infno { get; init; }
    public required string Msgid { get; init; }
    public required HospitalRow Hospital { get; init; }
    public required Input Input { get; init; }
    public required UnitOfWork Db { get; init; }
    public required DateTime Now { get; init; }

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

    /// <summary>The file a 9102 answers; over HTTP its bytes are the answer's body.</summary>
    public Files.Download? Download { get; set; }

    public string FixmedinsCode => Hospital.FixmedinsCode;

    /// <summary>A new id (setl_id, mdtrt_id, …) of this server's, stamped with the request's time (see <see cref="Storage.Ids"/>).</summary>
    public string NewId(char prefix, string admdvs) => Db.Database.Ids.Next(prefix, admdvs, Now);
}

/// <summary>One transaction code: its handler and whether it changes state (and so is exactly-once by msgid). A settlement
/// (<paramref name="Settles"/>) may be settled in a group with others on PostgreSQL. <paramref name="CarriesFile"/>: its input
/// is a file (9101), limited by the file's own limit and the body's instead of the 40,000 characters of any other input.
/// <paramref name="StoresFiles"/>: it changes no state but may keep a file for the hospital to download (3202's result), so
/// it runs in a transaction that commits.</summary>
public sealed record TransactionKind(string Infno, string Name, bool ChangesState, Func<TransactionContext, Task<object?>> Handle,
    VisitKind? Settles = null, bool CarriesFile = false, bool StoresFiles = false);
