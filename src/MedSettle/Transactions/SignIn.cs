using MedSettle.Storage;
using MedSettle.Transactions.Requests;

namespace MedSettle.Transactions;

/// <summary>
/// 9001 签到 and 9002 签退. Every other transaction names, in the envelope's sign_no, a sign-in of its own hospital that
/// has not been signed out; a sign-in stays valid until its 9002.
/// </summary>
public static class SignIn
{
    /// <summary>Every refusal for a missing or unusable sign_no says this, so a client can sign in again and retry.</summary>
    public const string SignInAgain = "请先签到（9001）";

    public sealed class SignInRow
    {
        public string SignNo { get; set; } = "";
        public string FixmedinsCode { get; set; } = "";
        public string? SignOutTime { get; set; }
    }

    public static async Task EnsureSignedInAsync(UnitOfWork unit, TransactionKind kind, HospitalRow hospital, string? signNo)
    {
        if (kind.Infno == "9001") return;
        var row = signNo is null ? null
            : await unit.FirstOrDefaultAsync<SignInRow>("SELECT sign_no, fixmedins_code, sign_out_time FROM sign_ins WHERE sign_no = @signNo", new { signNo });
        if (Problem(hospital, signNo, row) is { } problem) throw problem;
    }

    /// <summary>
    /// Why <paramref name="signNo"/> (found as <paramref name="row"/>) does not let the hospital act (a refusal of code
    /// <see cref="RefusalCode.SignInRequired"/>), or null when it does.
    /// </summary>
    public static Refusal? Problem(HospitalRow hospital, string? signNo, SignInRow? row)
    {
        if (signNo is null) return SignInRequired(signNo, $"报文头缺少签到流水号 sign_no：{SignInAgain}，并在报文头 sign_no 中填写签到返回的流水号");
        if (row is null || row.FixmedinsCode != hospital.FixmedinsCode)
            return SignInRequired(signNo, $"签到流水号 {signNo} 不是本机构（{hospital.FixmedinsCode}）的签到：{SignInAgain}，使用本机构签到返回的流水号");
        if (row.SignOutTime is not null) return SignInRequired(signNo, $"签到流水号 {signNo} 已于 {row.SignOutTime} 签退：{SignInAgain}后再办理");
        return null;
    }

    private static Refusal SignInRequired(string? signNo, string message) =>
        new(message) { Code = RefusalCode.SignInRequired, Field = new InputField("报文头", null, "sign_no"), Value = signNo, Resolves = "9001" };

    public static async Task<object?> SignInAsync(TransactionContext ctx, SignInRequest request)
    {
        var signNo = ctx.NewId('Q', ctx.Hospital.Admdvs);
        await ctx.Db.ExecuteAsync(
            """
            INSERT INTO sign_ins (sign_no, fixmedins_code, opter_no, mac, ip, sign_time)
            VALUES (@signNo, @fixmedinsCode, @opterNo, @mac, @ip, @signTime)
            """,
            new { signNo, fixmedinsCode = ctx.FixmedinsCode, opterNo = request.OpterNo, mac = request.Mac ?? "", ip = request.Ip ?? "", signTime = ctx.Now.ToText() });
        ctx.Subject = signNo;
        return new { signinoutb = new { sign_time = ctx.Now.ToText(), sign_no = signNo } };
    }

    public static async Task<object?> SignOutAsync(TransactionContext ctx, SignOutRequest request)
    {
        var signNo = request.SignNo;
        var changed = await ctx.Db.ExecuteAsync(
            "UPDATE sign_ins SET sign_out_time = @now WHERE sign_no = @signNo AND fixmedins_code = @fixmedinsCode AND sign_out_time IS NULL",
            new { now = ctx.Now.ToText(), signNo, fixmedinsCode = ctx.FixmedinsCode });
        if (changed == 0) throw new Refusal($"签到流水号 {signNo} 不存在、不属于本机构或已签退");
        ctx.Subject = signNo;
        return new { signinoutb = new { sign_time = ctx.Now.ToText(), sign_no = signNo } };
    }
}
