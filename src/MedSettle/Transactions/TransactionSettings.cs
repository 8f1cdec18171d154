namespace MedSettle.Transactions;

/// <summary>
/// The province's settings for the transaction handlers, read once from configuration. <c>MedSettle:Filing:ImplicitEmergency</c>
/// (default false; environment <c>MedSettle__Filing__ImplicitEmergency=true</c>): a 2401 admission, or a 2207/2304 settlement,
/// of an emergency for which no filing covers the visit files one itself (异地急诊视同备案), with 2551's verification and refusals,
/// in the request's own transaction. Off, such a settlement is refused until the hospital files (2551), as before.
/// </summary>
public sealed record TransactionSettings(bool ImplicitEmergencyFiling = false)
{
    public const string ImplicitEmergencyFilingSetting = "MedSettle:Filing:ImplicitEmergency";

    /// <summary>Every setting at its default: what an in-process caller that passes none gets.</summary>
    public static readonly TransactionSettings Defaults = new();

    public static TransactionSettings From(IConfiguration configuration) =>
        new(configuration.GetValue(ImplicitEmergencyFilingSetting, false));
}
