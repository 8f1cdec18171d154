namespace MedSettle.Transactions;

/// <summary>
/// A business refusal: the transaction answers infcode -1 with this message, a sentence the clerk can act on, and its
/// unit of work is rolled back so nothing changes.
/// </summary>
public sealed class Refusal(string message) : Exception(message);
