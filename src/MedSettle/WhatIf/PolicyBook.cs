using MedSettle.Engine;
using MedSettle.Storage;
using MedSettle.Transactions;

namespace MedSettle.WhatIf;

/// <summary>
/// The rules a replay settles by: the stored policy and supplementary versions with a draft's rows in place of the
/// versions they replace (same key and effective_from) or added beside them. The version in force is chosen as a
/// settlement chooses it (<see cref="PolicySelection.InForce"/>, <see cref="Settle.RulesOf"/>); the replay keeps what it finds
/// per scheme, key and day (HistoryReplay).
/// </summary>
public sealed class PolicyBook
{
    private readonly Dictionary<(string Region, string Insutype, CareCategory Category, long HospLv), List<Policy>> _policies = [];
    private readonly Dictionary<string, List<SupplementaryRule>> _supplements = new(StringComparer.Ordinal);

    public PolicyBook(IEnumerable<PolicyRow> stored, IEnumerable<SupplementRow> storedSupplements, PolicyDraft draft)
    {
        static string PolicyKey(PolicyRow p) => $"{p.InsuplcAdmdvs}/{p.Insutype}/{p.Category}/{p.HospLv}/{p.EffectiveFrom}";
        static string SupplementKey(SupplementRow s) => $"{s.InsuplcAdmdvs}/{s.Fund}/{s.Insutype}/{s.AssistanceType}/{s.EffectiveFrom}";
        var policies = stored.ToDictionary(PolicyKey, StringComparer.Ordinal);
        foreach (var p in draft.Policies) policies[PolicyKey(p)] = p;
        foreach (var policy in policies.Values.Select(Settle.ToPolicy))
        {
            var key = (policy.InsuplcAdmdvs, policy.Insutype, policy.Category, (long)policy.HospLv);
            if (!_policies.TryGetValue(key, out var versions)) _policies[key] = versions = [];
            versions.Add(policy);
        }
        var supplements = storedSupplements.ToDictionary(SupplementKey, StringComparer.Ordinal);
        foreach (var s in draft.Supplements) supplements[SupplementKey(s)] = s;
        foreach (var rule in supplements.Values.Select(Supplements.ToRule))
        {
            if (!_supplements.TryGetValue(rule.InsuplcAdmdvs, out var rules)) _supplements[rule.InsuplcAdmdvs] = rules = [];
            rules.Add(rule);
        }
    }

    /// <summary>The policy in force on <paramref name="day"/> (a visit's begin date) for the key; null where none is.</summary>
    public Policy? PolicyOn(string region, string insutype, CareCategory category, long hospLv, DateOnly day) =>
        _policies.TryGetValue((region, insutype, category, hospLv), out var versions) ? PolicySelection.InForce(versions, day) : null;

    /// <summary>The supplementary rules in force on <paramref name="day"/> for a person of the region, scheme and assistance class.</summary>
    public (SupplementaryRule? Hifob, SupplementaryRule? Hifmi, SupplementaryRule? Maf) RulesOn(string region, string insutype, string? assistance, DateOnly day) =>
        _supplements.TryGetValue(region, out var all) ? Settle.RulesOf(insutype, assistance, all, day) : default;
}
