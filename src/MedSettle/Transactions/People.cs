using MedSettle.Storage;

namespace MedSettle.Transactions;

public enum VisitKind { Outpatient, Inpatient }

/// <summary>The insured person within a transaction. Every change that touches a person first locks that person's row,
/// so concurrent requests for one person are serialised and caps and accounts cannot be overspent.</summary>
public static class People
{
    public static async Task<PersonRow> LockAsync(TransactionContext ctx, string psnNo, string insutype)
    {
        var person = await ctx.Db.FirstOrDefaultAsync<PersonRow>(
            "SELECT * FROM persons WHERE psn_no = @psnNo AND insutype = @insutype" + ctx.Db.ForUpdate, new { psnNo, insutype });
        if (person is not null) return person;

        var anyScheme = await ctx.Db.FirstOrDefaultAsync<string>("SELECT insutype FROM persons WHERE psn_no = @psnNo", new { psnNo });
        throw new Refusal(anyScheme is null
            ? $"未找到人员编号 {psnNo} 的参保人员，请先用1101核对人员信息"
            : $"人员 {psnNo} 未参加{Formats.InsutypeName(insutype)}（险种 {insutype}），其险种为 {anyScheme}");
    }

    public static void EnsureActive(PersonRow person)
    {
        if (person.PsnInsuStas != "1")
            throw new Refusal($"人员 {person.PsnNo} 的{Formats.InsutypeName(person.Insutype)}参保状态为“{Formats.InsuranceStatusName(person.PsnInsuStas)}”，不能享受异地急诊直接结算");
    }

    public static async Task<string> RegionNameAsync(UnitOfWork db, string admdvs) =>
        await db.FirstOrDefaultAsync<string>("SELECT name FROM regions WHERE admdvs = @admdvs", new { admdvs }) ?? admdvs;

    /// <summary>Age in whole years on <paramref name="day"/>.</summary>
    public static int Age(PersonRow person, DateOnly day)
    {
        if (!DateOnly.TryParse(person.Brdy, out var birthday)) return 0;
        var age = day.Year - birthday.Year;
        return birthday.AddYears(age) > day ? age - 1 : age;
    }
}
