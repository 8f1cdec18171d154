namespace MedSettle.Transactions.Requests;

/// <summary>9001 签到, from input.signIn or its fields directly in input: the operator (opter_no), and the terminal's mac and ip if sent.</summary>
public sealed record SignInRequest(string OpterNo, string? Mac, string? Ip)
{
    public static SignInRequest Read(Input input)
    {
        var data = input.Node("signIn", orSelf: true);
        var opterNo = data.Text("opter_no");
        return new SignInRequest(opterNo, data.OptionalText("mac"), data.OptionalText("ip"));
    }
}
