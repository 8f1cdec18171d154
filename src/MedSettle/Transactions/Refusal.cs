namespace MedSettle.Transactions;

/// <summary>
/// A business refusal: the transaction answers infcode -1 with this message, a sentence the clerk can act on, and its
/// unit of work is rolled back so nothing changes. Its <see cref="Code"/> and <see cref="Field"/> say the same to a
/// program: the platform's own window words it for the clerk from them (Web/ClerkWords). A HIS reads the message alone:
/// the envelope carries nothing else.
/// </summary>
public sealed class Refusal(string message) : Exception(message)
{
    /// <summary>What kind of refusal this is; <see cref="RefusalCode.General"/> when only the message says it.</summary>
    public RefusalCode Code { get; init; } = RefusalCode.General;

    /// <summary>The input field (or node) the refusal concerns, if one.</summary>
    public InputField? Field { get; init; }

    /// <summary>What <see cref="Field"/> should hold (a number, a date...): for the field codes.</summary>
    public FieldKind? Kind { get; init; }

    /// <summary>The value refused (as sent, or as the refusal names it, e.g. the visit's date no filing covers).</summary>
    public string? Value { get; init; }

    /// <summary>The transaction that would resolve the refusal (2551 files the emergency, 2402 discharges), if one.</summary>
    public string? Resolves { get; init; }

    /// <summary>
    /// A fee upload's own item codes that no mapping (3301) covered (<see cref="RefusalCode.MappingMissing"/>): counted for the
    /// mapping pages in a transaction of their own, though the upload is refused and changes nothing.
    /// </summary>
    public IReadOnlyList<string> UnmappedCodes { get; init; } = [];

    /// <summary>
    /// An object that does not exist, or is another hospital's: both answer alike, so that no hospital can learn from a
    /// refusal whether another hospital's id is real.
    /// </summary>
    public static Refusal NotFound(string what, string id) => new($"未找到{what} {id}（或不属于本机构）") { Code = RefusalCode.NotFound, Value = id };
}

/// <summary>What a refusal is about, for a program: only the kinds someone acts on differently are told apart.</summary>
public enum RefusalCode
{
    /// <summary>The message says it all.</summary>
    General,

    /// <summary>A required field or node is absent or empty (<see cref="Refusal.Field"/>, <see cref="Refusal.Kind"/>).</summary>
    FieldMissing,

    /// <summary>A field's value is not what it should be (<see cref="Refusal.Kind"/>; the value sent in <see cref="Refusal.Value"/>).</summary>
    FieldInvalid,

    /// <summary>A text field is longer than the platform keeps.</summary>
    FieldTooLong,

    /// <summary>A date or time field is later than now (a visit that has not begun, a filing ahead of the emergency).</summary>
    InTheFuture,

    /// <summary>No such object, or another hospital's (<see cref="Refusal.NotFound"/>).</summary>
    NotFound,

    /// <summary>The envelope's sign_no is missing, another hospital's or signed out: sign in (9001) again and resend.</summary>
    SignInRequired,

    /// <summary>A stay settled as a whole before its discharge: discharge it (2402), or settle it in parts (mid_setl_flag).</summary>
    NotDischarged,

    /// <summary>No filing covers the visit's date (<see cref="Refusal.Value"/>): file the emergency (2551) first.</summary>
    FilingRequired,

    /// <summary>The declared medical fee total (<see cref="Refusal.Value"/>) differs from the bill uploaded.</summary>
    TotalMismatch,

    /// <summary>
    /// Fee lines that carry only the hospital's own item code (medins_list_codg), with no mapping (3301) in force when they
    /// occurred: the message names each line and code (<see cref="Refusal.UnmappedCodes"/>); map them (3301) or send med_list_codg.
    /// </summary>
    MappingMissing,

    /// <summary>A supervision rule of severity block, on lines the hospital did not approve (docs/SUPERVISION.md): the message names lines and rules.</summary>
    SupervisionBlocked,
}

/// <summary>What a field should hold.</summary>
public enum FieldKind
{
    Text,
    Number,

    /// <summary>A whole number not below 0.</summary>
    Count,
    Date,
    Time,
    Array,
    Object,
}

/// <summary>
/// A field of a transaction's input: the node it sits in (input.data, input.feedetail), its position when that node is an
/// array (input.feedetail[2]: 2, the bill's third line), and its name (null for the node or array item itself).
/// </summary>
public sealed record InputField(string Node, int? Index, string? Name)
{
    /// <summary>The path as the message gives it: input.feedetail[2].pric.</summary>
    public string Path => (Index is { } index ? $"{Node}[{index}]" : Node) + (Name is null ? "" : $".{Name}");

    public override string ToString() => Path;
}
