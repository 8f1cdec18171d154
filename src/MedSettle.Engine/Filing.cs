using System.Text.RegularExpressions;

namespace MedSettle.Engine;

/// <summary>Emergency filing (异地急诊备案) rules that need no storage.</summary>
public static partial class Filing
{
    /// <summary>The 72-hour emergency window: a filing without an end date covers its begin date and the two days after.</summary>
    public static DateOnly DefaultEndDate(DateOnly begin) => begin.AddDays(2);

    public static bool Covers(DateOnly filingBegin, DateOnly filingEnd, DateOnly visitDate) =>
        filingBegin <= visitDate && visitDate <= filingEnd;

    public static bool Overlaps(DateOnly aBegin, DateOnly aEnd, DateOnly bBegin, DateOnly bEnd) =>
        aBegin <= bEnd && bBegin <= aEnd;

    /// <summary>ICD-10 shape: a letter, two digits, and optionally a dot with a subcategory (J18.9, I21.0, S06, J18.900x001).</summary>
    public static bool IsIcd10Code(string? code) => code is not null && Icd10().IsMatch(code);

    [GeneratedRegex(@"^[A-Z][0-9]{2}(\.[0-9A-Za-z]{1,8})?$")]
    private static partial Regex Icd10();
}
