using MedSettle.Import;
using MedSettle.Transactions;

namespace MedSettle.Web;

/// <summary>Diagnoses an emergency department files most often (ICD-10, Chinese names; <see cref="Diagnoses"/>), for picking rather than typing blind.</summary>
public static class Icd10
{
    public static readonly (string Code, string Name)[] Common = Diagnoses.Common;

    /// <summary>Each diagnosis's name in pinyin initials (心肌梗死 → XJGS), found like the catalogue's.</summary>
    private static readonly string[] Initials = Common.Select(d => PinyinInitials.Of(d.Name)).ToArray();

    /// <summary>A code by its start, a name or its pinyin initials anywhere in it; codes first.</summary>
    public static IEnumerable<(string Code, string Name)> Search(string? query, int limit = 15)
    {
        var q = query?.Trim() ?? "";
        if (q.Length == 0) return Common.Take(limit);
        var initials = q.ToUpperInvariant();
        return Common.Select((d, i) => (d, Rank: d.Code.StartsWith(q, StringComparison.OrdinalIgnoreCase) ? 0
                : d.Name.Contains(q, StringComparison.Ordinal) ? 1
                : Initials[i].Contains(initials, StringComparison.Ordinal) ? 2 : -1))
            .Where(m => m.Rank >= 0).OrderBy(m => m.Rank).Select(m => m.d).Take(limit);
    }
}
