namespace MedSettle.Transactions;

/// <summary>
/// The province's settings for the transaction handlers, read once from configuration. <c>MedSettle:Filing:ImplicitEmergency</c>
/// (default false; environment <c>MedSettle__Filing__ImplicitEmergency=true</c>): a 2401 admission, or a 2207/2304 settlement,
/// of an emergency for which no filing covers the visit files one itself (异地急诊视同备案), with 2551's verification and refusals,
/// in the request's own transaction. Off, such a settlement is refused until the hospital files (2551), as before.
/// <para><c>MedSettle:Interface:InfnoAliases</c>: local transaction codes a province's clients send, each mapped to the
/// national code it stands for (environment <c>MedSettle__Interface__InfnoAliases__3203A=3203</c>), added to the common
/// ones found in real clients (<see cref="TransactionApi.InfnoAliases"/>); an alias for a code the platform does not
/// serve stops the server at start, naming it.</para>
/// </summary>
public sealed record TransactionSettings(bool ImplicitEmergencyFiling = false, IReadOnlyDictionary<string, string>? Aliases = null)
{
    public const string ImplicitEmergencyFilingSetting = "MedSettle:Filing:ImplicitEmergency";
    public const string InfnoAliasesSection = "MedSettle:Interface:InfnoAliases";

    /// <summary>Every setting at its default: what an in-process caller that passes none gets.</summary>
    public static readonly TransactionSettings Defaults = new();

    /// <summary>Local transaction code → national code: the common ones and the province's own.</summary>
    public IReadOnlyDictionary<string, string> InfnoAliases => Aliases ?? TransactionApi.InfnoAliases;

    public static TransactionSettings From(IConfiguration configuration)
    {
        var aliases = new Dictionary<string, string>(TransactionApi.InfnoAliases, StringComparer.Ordinal);
        foreach (var alias in configuration.GetSection(InfnoAliasesSection).GetChildren())
        {
            var national = alias.Value?.Trim() ?? "";
            if (!TransactionApi.Serves(national))
                throw new SettingsProblem(
                    $"{InfnoAliasesSection}:{alias.Key} = \"{national}\": the platform serves no transaction {national}; an alias must name one it serves (e.g. 2203)");
            aliases[alias.Key.Trim()] = national;
        }
        return new(configuration.GetValue(ImplicitEmergencyFilingSetting, false), aliases);
    }
}

/// <summary>A setting the operator must correct before the server can start: its message says which and how.</summary>
public sealed class SettingsProblem(string message) : Exception(message);
