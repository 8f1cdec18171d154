using System.Runtime.CompilerServices;
using MedSettle.Engine;
using MedSettle.Storage;

namespace MedSettle.Transactions;

/// <summary>
/// The hospitals and policies as of the last import, held in memory for settlement groups. Only an import changes
/// them, and it moves <c>reference_data.version</c> on in the same transaction; a group reads that version among its
/// other reads and answers from memory only while it matches, so an import by any process (the CLI, another server)
/// is seen by the very next group, as a read of the tables would be.
/// </summary>
public sealed class ReferenceData
{
    private static readonly ConditionalWeakTable<Database, StrongBox<ReferenceData?>> Held = new();

    private ReferenceData(long version, Dictionary<string, HospitalRow> hospitals, Dictionary<PolicyKey, IReadOnlyList<PolicyRow>> policies,
        Dictionary<string, IReadOnlyList<SupplementaryRule>> supplements)
    {
        Version = version;
        Hospitals = hospitals;
        Policies = policies;
        Supplements = supplements;
    }

    /// <summary>Every version of every supplementary fund, by home region; a region that is absent has none.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<SupplementaryRule>> Supplements { get; }

    public long Version { get; }

    public IReadOnlyDictionary<string, HospitalRow> Hospitals { get; }

    /// <summary>Every version of every policy, by the key a settlement looks it up with; a key that is absent has none.</summary>
    public IReadOnlyDictionary<PolicyKey, IReadOnlyList<PolicyRow>> Policies { get; }

    /// <summary>The statement that reads the version, for a batch.</summary>
    public const string VersionSql = "SELECT version FROM reference_data WHERE id = 1";

    /// <summary>
    /// The reference data at <paramref name="version"/> (just read in <paramref name="unit"/>'s transaction): from memory
    /// if it is that version, else read again through <paramref name="unit"/> and kept.
    /// </summary>
    public static async Task<ReferenceData> AtAsync(Database database, UnitOfWork unit, long version)
    {
        var held = Held.GetValue(database, _ => new StrongBox<ReferenceData?>());
        if (Volatile.Read(ref held.Value) is { } current && current.Version == version) return current;

        // Read committed: the version read again here is at least the one the caller saw, and matches the rows after it
        // unless an import commits in between, in which case the next group finds the version moved on and reads again.
        var loaded = await unit.ScalarAsync<long>(VersionSql);
        var hospitals = (await unit.QueryAsync<HospitalRow>("SELECT * FROM hospitals")).ToDictionary(h => h.FixmedinsCode, StringComparer.Ordinal);
        var policies = (await unit.QueryAsync<PolicyRow>("SELECT * FROM policies"))
            .GroupBy(p => new PolicyKey(p.InsuplcAdmdvs, p.Insutype, p.Category, p.HospLv))
            .ToDictionary(g => g.Key, g => (IReadOnlyList<PolicyRow>)g.ToList());
        var supplements = (await unit.QueryAsync<SupplementRow>("SELECT * FROM supplements"))
            .GroupBy(r => r.InsuplcAdmdvs, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<SupplementaryRule>)g.Select(Transactions.Supplements.ToRule).ToList(), StringComparer.Ordinal);
        var fresh = new ReferenceData(loaded, hospitals, policies, supplements);
        Volatile.Write(ref held.Value, fresh);
        return fresh;
    }
}
