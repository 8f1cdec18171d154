namespace MedSettle.Engine;

public enum CareCategory { EmergencyOutpatient, Inpatient }

public enum DeductibleBasis { PerVisit, PerYear }

/// <summary>The home region's rule (参保地政策) for one scheme, care category and hospital level, from a date on.</summary>
public sealed record Policy(
    string InsuplcAdmdvs,
    string Insutype,
    CareCategory Category,
    int HospLv,
    DateOnly EffectiveFrom,
    decimal Deductible,
    DeductibleBasis DeductibleBasis,
    decimal Ratio,
    decimal AnnualCap);

public static class CareCategories
{
    public const string EmergencyMedType = "13";
    public const string EmergencyAdmissionMedType = "24";

    /// <summary>med_type 13 (急诊) is emergency outpatient care, 24 (急诊转住院) is an emergency admission; nothing else is settled here.</summary>
    public static CareCategory? FromMedType(string? medType) => medType switch
    {
        EmergencyMedType => CareCategory.EmergencyOutpatient,
        EmergencyAdmissionMedType => CareCategory.Inpatient,
        _ => null,
    };

    public static string Code(this CareCategory category) =>
        category == CareCategory.Inpatient ? "inpatient" : "emergency_outpatient";

    public static bool TryParse(string? code, out CareCategory category)
    {
        category = code == "inpatient" ? CareCategory.Inpatient : CareCategory.EmergencyOutpatient;
        return code is "inpatient" or "emergency_outpatient";
    }

    public static string DeductibleBasisCode(this DeductibleBasis basis) => basis == DeductibleBasis.PerYear ? "per_year" : "per_visit";
}

public static class PolicySelection
{
    /// <summary>The version in force on <paramref name="visitDate"/>: the latest effective_from on or before it.</summary>
    public static Policy? InForce(IEnumerable<Policy> versions, DateOnly visitDate) =>
        versions.Where(p => p.EffectiveFrom <= visitDate).MaxBy(p => p.EffectiveFrom);
}
