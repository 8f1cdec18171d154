using MedSettle.Engine;
using MedSettle.Storage;
using MedSettle.Transactions;

namespace MedSettle.Load;

/// <summary>
/// The imported reference data a history is drawn over and settled by: the active insured people (in psn_no order, so
/// that a seed draws the same history), the hospitals open for cross-region care, every policy version by its key and
/// every supplementary rule by home region, read as settling reads them (<see cref="Settle.ToPolicy"/>, <see cref="Supplements.ToRule"/>).
/// </summary>
public sealed class HistoryWorld
{
    private readonly Dictionary<string, int[]> _hospitalsOutside = new(StringComparer.Ordinal);

    public required IReadOnlyList<PersonRow> Persons { get; init; }
    public required IReadOnlyList<HospitalRow> Hospitals { get; init; }
    public required IReadOnlyDictionary<(string Region, string Insutype, CareCategory Category, long HospLv), Policy[]> Policies { get; init; }
    public required IReadOnlyDictionary<string, SupplementaryRule[]> Supplements { get; init; }

    public static async Task<HistoryWorld> LoadAsync(Database database) => await database.ReadAsync(async unit =>
    {
        var persons = (await unit.QueryAsync<PersonRow>(
            """
            SELECT insuplc_admdvs, psn_no, insutype, psn_insu_stas, acct_balc_fen, acct_imported_fen, assistance_type
            FROM persons WHERE psn_insu_stas = '1' ORDER BY psn_no, insutype
            """)).ToList();
        var hospitals = (await unit.QueryAsync<HospitalRow>("SELECT * FROM hospitals WHERE cross_region_enabled = 1 ORDER BY fixmedins_code")).ToList();
        var policies = (await unit.QueryAsync<PolicyRow>("SELECT * FROM policies")).Select(Settle.ToPolicy)
            .GroupBy(p => (p.InsuplcAdmdvs, p.Insutype, p.Category, (long)p.HospLv))
            .ToDictionary(g => g.Key, g => g.ToArray());
        var supplements = (await unit.QueryAsync<SupplementRow>("SELECT * FROM supplements")).Select(Transactions.Supplements.ToRule)
            .GroupBy(r => r.InsuplcAdmdvs, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);
        if (persons.Count == 0 || hospitals.Count == 0 || policies.Count == 0)
            throw new InvalidOperationException("No active person, cross-region hospital or policy: import a reference-data bundle first (medsettle import).");
        return new HistoryWorld { Persons = persons, Hospitals = hospitals, Policies = policies, Supplements = supplements };
    });

    /// <summary>The hospitals (their indexes) open for cross-region care outside <paramref name="region"/>.</summary>
    public int[] HospitalsOutside(string region)
    {
        if (_hospitalsOutside.TryGetValue(region, out var elsewhere)) return elsewhere;
        elsewhere = Enumerable.Range(0, Hospitals.Count).Where(h => Hospitals[h].Admdvs != region).ToArray();
        if (elsewhere.Length == 0) throw new InvalidOperationException($"No hospital outside region {region} is open for cross-region care.");
        return _hospitalsOutside[region] = elsewhere;
    }

    /// <summary>The policy a settlement of the visit uses: the version in force on its first day (<see cref="Settle.PolicyAsync"/>'s choice).</summary>
    public Policy PolicyFor(PersonRow person, HospitalRow hospital, CareCategory category, DateOnly day) =>
        (Policies.TryGetValue((person.InsuplcAdmdvs, person.Insutype, category, hospital.HospLv), out var versions) ? PolicySelection.InForce(versions, day) : null)
        ?? throw new InvalidOperationException($"No {category} policy of {person.InsuplcAdmdvs}/{person.Insutype} for hospital level {hospital.HospLv} on {day}");

    /// <summary>Every supplementary rule of the person's home region (what <see cref="Settle.CoverOf"/> chooses from).</summary>
    public IReadOnlyList<SupplementaryRule> SupplementsOf(PersonRow person) =>
        Supplements.TryGetValue(person.InsuplcAdmdvs, out var rules) ? rules : [];
}
