namespace MedSettle.Engine;

/// <summary>公民身份号码 (GB 11643-1999): 17 digits and a check character.</summary>
public static class IdentityNumber
{
    private static readonly int[] Weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    private const string CheckCharacters = "10X98765432";

    public static char CheckCharacter(ReadOnlySpan<char> first17)
    {
        var sum = 0;
        for (var i = 0; i < 17; i++)
            sum += (first17[i] - '0') * Weights[i];
        return CheckCharacters[sum % 11];
    }

    public static bool IsValid(string? number)
    {
        if (number is null || number.Length != 18) return false;
        for (var i = 0; i < 17; i++)
            if (!char.IsAsciiDigit(number[i])) return false;
        return char.ToUpperInvariant(number[17]) == CheckCharacter(number);
    }

    /// <summary>Shows the region and the last four characters only: 220102********0110.</summary>
    public static string Mask(string? number) => number switch
    {
        null or "" => "",
        { Length: >= 10 } => number[..6] + new string('*', number.Length - 10) + number[^4..],
        _ => new string('*', number.Length),
    };
}
