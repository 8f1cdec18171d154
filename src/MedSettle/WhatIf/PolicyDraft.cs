using System.Globalization;
using System.Text.Json;
using MedSettle.Engine;
using MedSettle.Storage;

namespace MedSettle.WhatIf;

/// <summary>
/// The rows a policy what-if puts in place of the stored ones (docs/WHATIF.md): policies.json and supplements.json rows. A
/// draft row replaces the stored version with the same key and effective_from, or, with another effective_from, is one more
/// version of its key. Read and checked by <see cref="Import.BundleImporter.ReadDraftAsync(string, CancellationToken)"/>.
/// </summary>
public sealed record PolicyDraft(IReadOnlyList<PolicyRow> Policies, IReadOnlyList<SupplementRow> Supplements)
{
    public static readonly PolicyDraft Empty = new([], []);

    public bool IsEmpty => Policies.Count == 0 && Supplements.Count == 0;

    public int Count => Policies.Count + Supplements.Count;

    /// <summary>The home regions whose rows the draft holds.</summary>
    public IReadOnlySet<string> Regions => Policies.Select(p => p.InsuplcAdmdvs).Concat(Supplements.Select(s => s.InsuplcAdmdvs)).ToHashSet(StringComparer.Ordinal);

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The draft as a file <c>--draft</c> reads: <c>{"policies": [...], "supplements": [...]}</c>, each row as in a bundle.</summary>
    public string ToJson() => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["policies"] = Policies.Select(p => new Dictionary<string, object>
        {
            ["insuplc_admdvs"] = p.InsuplcAdmdvs,
            ["insutype"] = p.Insutype,
            ["category"] = p.Category,
            ["hosp_lv"] = p.HospLv,
            ["effective_from"] = p.EffectiveFrom,
            ["deductible"] = Money.FromFen(p.DeductibleFen),
            ["deductible_basis"] = p.DeductibleBasis,
            ["ratio"] = decimal.Parse(p.Ratio, CultureInfo.InvariantCulture),
            ["annual_cap"] = Money.FromFen(p.AnnualCapFen),
        }).ToList(),
        ["supplements"] = Supplements.Select(s =>
        {
            var rule = Transactions.Supplements.ToRule(s);
            var row = new Dictionary<string, object?>
            {
                ["insuplc_admdvs"] = s.InsuplcAdmdvs,
                ["fund"] = s.Fund,
            };
            if (s.Insutype.Length > 0) row["insutype"] = s.Insutype;
            if (s.AssistanceType.Length > 0) row["assistance_type"] = s.AssistanceType;
            row["effective_from"] = s.EffectiveFrom;
            row["threshold"] = rule.Threshold;
            row["bands"] = rule.Bands.Select(b => new Dictionary<string, object?> { ["upto"] = b.Upto, ["ratio"] = b.Ratio }).ToList();
            row["annual_cap"] = rule.AnnualCap;
            return row;
        }).ToList(),
    }, Json);
}
