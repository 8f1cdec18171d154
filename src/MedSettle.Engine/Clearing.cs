namespace MedSettle.Engine;

/// <summary>What one home region (payer) owes one treating region (payee) for one hospital's cross-region care in a month.</summary>
public sealed record ClearingLine(
    string PayerAdmdvs,
    string PayeeAdmdvs,
    string FixmedinsCode,
    long Count,
    decimal MedfeeSumamt,
    decimal FundPaySumamt,
    decimal AcctPay)
{
    /// <summary>The home region pays what its fund and its insured's personal accounts paid.</summary>
    public decimal AmountOwed => FundPaySumamt + AcctPay;
}

/// <summary>A region's month: what it is owed as treating region, what it owes as home region, and the difference.</summary>
public sealed record RegionPosition(string Admdvs, decimal Receivable, decimal Payable)
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
    /// with the provincial clearing account: a region with a negative net pays it, a positive one receives it.
    /// </summary>
    public static (IReadOnlyList<RegionPosition> Positions, IReadOnlyList<Transfer> Transfers) Net(IEnumerable<ClearingLine> lines)
    {
        var receivable = new SortedDictionary<string, decimal>(StringComparer.Ordinal);
        var payable = new SortedDictionary<string, decimal>(StringComparer.Ordinal);
        foreach (var line in lines)
        {
            receivable[line.PayeeAdmdvs] = receivable.GetValueOrDefault(line.PayeeAdmdvs) + line.AmountOwed;
            payable[line.PayerAdmdvs] = payable.GetValueOrDefault(line.PayerAdmdvs) + line.AmountOwed;
        }

        var positions = receivable.Keys.Union(payable.Keys).Order(StringComparer.Ordinal)
            .Select(region => new RegionPosition(region, Money.Fen(receivable.GetValueOrDefault(region)), Money.Fen(payable.GetValueOrDefault(region))))
            .ToList();
        var transfers = positions.Where(p => p.Net != 0)
            .Select(p => new Transfer(p.Admdvs, p.Net < 0 ? TransferDirection.PayToProvince : TransferDirection.ReceiveFromProvince, Money.Fen(Math.Abs(p.Net))))
            .ToList();
        return (positions, transfers);
    }
}
