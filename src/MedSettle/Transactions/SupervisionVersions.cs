using System.Globalization;
using System.Text.Json;
using MedSettle.Engine;
using MedSettle.Storage;

namespace MedSettle.Transactions;

/// <summary>
/// The supervision rules' versions as stored (table supervision_rules) and the catalogue's limits (its lmt_* and excl_group
/// columns), as the engine takes them (docs/SUPERVISION.md). Nothing settles by them yet.
/// </summary>
public static class SupervisionVersions
{
    /// <summary>A version's parameters as the params column holds them: <c>{"filings":3,"within_days":30}</c>, names in order.</summary>
    public static string ParamsJson(IReadOnlyDictionary<string, decimal> values) =>
        JsonSerializer.Serialize(new SortedDictionary<string, decimal>(values.ToDictionary(), StringComparer.Ordinal));

    public static RuleVersion ToVersion(SupervisionRuleRow row)
    {
        _ = SupervisionRules.TryParse(row.Code, out var rule);
        _ = SupervisionRules.TryParseSeverity(row.Severity, out var severity);
        return new RuleVersion(rule, Formats.ParseDate(row.EffectiveFrom), row.Enabled == 1, severity,
            JsonSerializer.Deserialize<Dictionary<string, decimal>>(row.Params) ?? []);
    }

    /// <summary>Every version of every rule (RuleSet.InForce chooses among them for a day).</summary>
    public static async Task<IReadOnlyList<RuleVersion>> AllAsync(UnitOfWork db) =>
        (await db.QueryAsync<SupervisionRuleRow>("SELECT * FROM supervision_rules")).Select(ToVersion).ToList();

    /// <summary>The limits a catalogue row sets on its item (none where its columns are NULL).</summary>
    public static ItemLimits LimitsOf(CatalogueRow row) => new(
        Sexes.FromGend(row.LmtGend),
        row.LmtAgeMin is { } min ? (int)min : null,
        row.LmtAgeMax is { } max ? (int)max : null,
        row.LmtDailyCnt is { } daily ? decimal.Parse(daily, CultureInfo.InvariantCulture) : null,
        row.ExclGroup);
}
