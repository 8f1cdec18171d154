namespace MedSettle.Engine;

/// <summary>Money is decimal yuan with two places (分). Every rounding point rounds half away from zero.</summary>
public static class Money
{
    /// <summary>round(x) in DESIGN.md: to the fen, half away from zero, always carrying two places.</summary>
    public static decimal Round(decimal amount) =>
        Fen(amount.Scale <= 2 ? amount : decimal.Round(amount, 2, MidpointRounding.AwayFromZero));

    /// <summary>The same amount written with at least two places (88 → 88.00), for output.</summary>
    public static decimal Fen(decimal amount) => amount.Scale >= 2 ? amount : amount + 0.00m;

    public static long ToFen(decimal amount) => checked((long)decimal.Round(amount * 100m, 0, MidpointRounding.AwayFromZero));

    public static decimal FromFen(long fen) => fen / 100m + 0.00m;

    public static bool HasAtMostTwoPlaces(decimal amount) => decimal.Round(amount, 2) == amount;
}
