namespace MedSettle.Transactions;

/// <summary>
/// A business refusal: the transaction answers infcode -1 with this message, a sentence the clerk can act on, and its
/// unit of work is rolled back so nothing changes.
/// </summary>
public sealed class Refusal(string message) : Exception(message)
{
    /// <summary>
    /// An object that does not exist, or is another hospital's: both answer alike, so that no hospital can learn from a
    /// refusal whether another hospital's id is real.
    /// </summary>
    public static Refusal NotFound(string what, string id) => new($"未找到{what} {id}（或不属于本机构）");
}
