namespace MedSettle.Engine;

/// <summary>
/// Fund pay split by fund: the basic fund (统筹基金, hifp) and the three settled with it (大额补助 hifob, 大病保险 hifmi,
/// 医疗救助 maf; DESIGN.md rules 11–15). Each is the home region's and owes its own part of what the region pays.
/// </summary>
public readonly record struct FundPays(decimal Hifp, decimal Hifob, decimal Hifmi, decimal Maf)
{
    public decimal Total => Hifp + Hifob + Hifmi + Maf;

    public static FundPays operator +(FundPays a, FundPays b) => new(a.Hifp + b.Hifp, a.Hifob + b.Hifob, a.Hifmi + b.Hifmi, a.Maf + b.Maf);

    public static FundPays Sum<T>(IEnumerable<T> items, Func<T, FundPays> funds) => items.Aggregate(default(FundPays), (sum, item) => sum + funds(item));

    /// <summary>Each amount written with two places.</summary>
    public FundPays WithTwoPlaces() => new(Money.Fen(Hifp), Money.Fen(Hifob), Money.Fen(Hifmi), Money.Fen(Maf));
}

/// <summary>
/// What one home region (payer) owes one treating region (payee) for one hospital's cross-region care in a month;
/// <paramref name="Funds"/> says which of the payer's funds owes what of <paramref name="FundPaySumamt"/>.
/// </summary>
public sealed record ClearingLine(
    string PayerAdmdvs,
    string PayeeAdmdvs,
    string FixmedinsCode,
    long Count,
    decimal MedfeeSumamt,
    decimal FundPaySumamt,
    FundPays Funds,
    decimal AcctPay)
{
    /// <summary>The home region pays what its fund and its insured's personal accounts paid.</summary>
    public decimal AmountOwed => FundPaySumamt + AcctPay;
}

/// <summary>
/// A region's month: what it is owed as treating region, what it owes as home region, and the difference. What it owes
/// is its funds' part (<paramref name="PayableFunds"/>, fund by fund) and its insured's personal accounts' (<paramref name="PayableAcct"/>).
/// </summary>
public sealed record RegionPosition(string Admdvs, decimal Receivable, decimal Payable, FundPays PayableFunds, decimal PayableAcct)
{
    public decimal Net => Receivable - Payable;
}

public enum TransferDirection { PayToProvince, ReceiveFromProvince }

/// <summary>One movement between a region and the provincial clearing account.</summary>
public sealed record Transfer(string Admdvs, TransferDirection Direction, decimal Amount);

public static class Clearing
{
    /// <summary>
    /// Nets the month's lines into one position per region (the nets sum to zero) and at most one transfer per region
    /// with the provincial clearing account: a region with a negative net pays it, a positive one receives it. The
    /// funds' split says which fund owes what of a region's payable; it never splits the transfer.
    /// </summary>
    public static (IReadOnlyList<RegionPosition> Positions, IReadOnlyList<Transfer> Transfers) Net(IEnumerable<ClearingLine> lines)
    {
        var receivable = new SortedDictionary<string, decimal>(StringComparer.Ordinal);
        var payable = new SortedDictionary<string, (decimal Amount, FundPays Funds, decimal Acct)>(StringComparer.Ordinal);
        foreach (var line in lines)
        {
            receivable[line.PayeeAdmdvs] = receivable.GetValueOrDefault(line.PayeeAdmdvs) + line.AmountOwed;
            var owed = payable.GetValueOrDefault(line.PayerAdmdvs);
            payable[line.PayerAdmdvs] = (owed.Amount + line.AmountOwed, owed.Funds + line.Funds, owed.Acct + line.AcctPay);
        }

        var positions = receivable.Keys.Union(payable.Keys).Order(StringComparer.Ordinal)
            .Select(region =>
            {
                var owed = payable.GetValueOrDefault(region);
                return new RegionPosition(region, Money.Fen(receivable.GetValueOrDefault(region)), Money.Fen(owed.Amount), owed.Funds.WithTwoPlaces(), Money.Fen(owed.Acct));
            })
            .ToList();
        var transfers = positions.Where(p => p.Net != 0)
            .Select(p => new Transfer(p.Admdvs, p.Net < 0 ? TransferDirection.PayToProvince : TransferDirection.ReceiveFromProvince, Money.Fen(Math.Abs(p.Net))))
            .ToList();
        return (positions, transfers);
    }
}
