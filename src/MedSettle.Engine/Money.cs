namespace MedSettle.Engine;

/// <summary>Money is decimal yuan with two places (分). Every rounding point rounds half away from zero.</summary>
public static class Money
{
    /// <summary>round(x) in DESIGN.md: to the fen, half away from zero, always carrying two places.</summary>
    public static decimal Round(decimal amount) =>
        Fen(amount.Scale <= 2 ? amount : decimal.Round(amount, 2, MidpointRounding.AwayFromZero));

    /// <summary>The same amount written with at least two places (88 → 88.00), for output.</summary>
    public static decimal Fen(decimal amount) => amount.Scale >= 2 ? amount : amount + 0.00m;

    public static long ToFen(decimal amount)
    {
        // an amount with exactly two places is its fen count over 100: read it off (the replay of a history does this a
        // million times); any other scale is multiplied and rounded
        if (amount.Scale == 2)
        {
            Span<int> bits = stackalloc int[4];
            decimal.GetBits(amount, bits);
            var fen = ((ulong)(uint)bits[1] << 32) | (uint)bits[0];
            if (bits[2] == 0 && fen <= long.MaxValue) return amount < 0 ? -(long)fen : (long)fen;
        }
        return checked((long)decimal.Round(amount * 100m, 0, MidpointRounding.AwayFromZero));
    }

    /// <summary>The amount of <paramref name="fen"/> 分 with exactly two places (what fen / 100m + 0.00m gives, without the division).</summary>
    public static decimal FromFen(long fen)
    {
        var magnitude = fen < 0 ? (ulong)-(fen + 1) + 1 : (ulong)fen;
        return new decimal((int)(uint)magnitude, (int)(uint)(magnitude >> 32), 0, fen < 0, 2);
    }

    public static bool HasAtMostTwoPlaces(decimal amount) => decimal.Round(amount, 2) == amount;
}
