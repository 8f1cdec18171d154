namespace MedSettle.Transactions;

/// <summary>9001 签到 and 9002 签退.</summary>
public static class SignIn
{
    public static async Task<object?> SignInAsync(TransactionContext ctx)
    {
        var data = ctx.Input.Node("signIn", orSelf: true);
        var opterNo = data.Text("opter_no");
        var signNo = Ids.Next('Q', ctx.Hospital.Admdvs, ctx.Now);
        await ctx.Db.ExecuteAsync(
            """
            INSERT INTO sign_ins (sign_no, fixmedins_code, opter_no, mac, ip, sign_time)
            VALUES (@signNo, @fixmedinsCode, @opterNo, @mac, @ip, @signTime)
            """,
            new { signNo, fixmedinsCode = ctx.FixmedinsCode, opterNo, mac = data.OptionalText("mac") ?? "", ip = data.OptionalText("ip") ?? "", signTime = ctx.Now.ToText() });
        ctx.Subject = signNo;
        return new { signinoutb = new { sign_time = ctx.Now.ToText(), sign_no = signNo } };
    }

    public static async Task<object?> SignOutAsync(TransactionContext ctx)
    {
        var data = ctx.Input.Node("signOut", orSelf: true);
        var signNo = data.Text("sign_no");
        var changed = await ctx.Db.ExecuteAsync(
            "UPDATE sign_ins SET sign_out_time = @now WHERE sign_no = @signNo AND fixmedins_code = @fixmedinsCode AND sign_out_time IS NULL",
            new { now = ctx.Now.ToText(), signNo, fixmedinsCode = ctx.FixmedinsCode });
        if (changed == 0) throw new Refusal($"签到流水号 {signNo} 不存在、不属于本机构或已签退");
        ctx.Subject = signNo;
        return new { signinoutb = new { sign_time = ctx.Now.ToText(), sign_no = signNo } };
    }
}
