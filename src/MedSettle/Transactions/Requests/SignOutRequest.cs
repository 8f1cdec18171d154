namespace MedSettle.Transactions.Requests;

/// <summary>9002 签退, from input.signOut or its fields directly in input: the sign-in to end (sign_no).</summary>
public sealed record SignOutRequest(string SignNo)
{
    public static SignOutRequest Read(Input input) => new(input.Node("signOut", orSelf: true).Text("sign_no"));
}
