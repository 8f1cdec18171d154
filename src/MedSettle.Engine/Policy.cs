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

    /// <summary>The category a policy row's code names; false (and no category) for any other code.</summary>
    public static bool TryParse(string? code, out CareCategory category)
    {
        (var known, category) = code switch
        {
            "emergency_outpatient" => (true, CareCategory.EmergencyOutpatient),
            "inpatient" => (true, CareCategory.Inpatient),
            _ => (false, default),
        };
        return known;
    }

    /// <summary>The deductible basis a policy row's code names: per_visit or per_year; false for any other code.</summary>
    public static bool TryParseDeductibleBasis(string? code, out DeductibleBasis basis)
    {
        (var known, basis) = code switch
        {
            "per_visit" => (true, DeductibleBasis.PerVisit),
            "per_year" => (true, DeductibleBasis.PerYear),
            _ => (false, default),
        };
        return known;
    }

    public static string DeductibleBasisCode(this DeductibleBasis basis) => basis == DeductibleBasis.PerYear ? "per_year" : "per_visit";
}

public static class PolicySelection
{
    /// <summary>The version in force on <paramref name="visitDate"/>: the latest effective_from on or before it.</summary>
    public static Policy? InForce(IEnumerable<Policy> versions, DateOnly visitDate) =>
        versions.Where(p => p.EffectiveFrom <= visitDate).MaxBy(p => p.EffectiveFrom);
}
