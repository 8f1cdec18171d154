namespace MedSettle.Engine.Tests;

public class ClearingTests
{
    [Fact]
    public void Positions_net_to_zero_and_each_region_makes_at_most_one_transfer()
    {
        ClearingLine[] lines =
        [
            new("220100", "220200", "H22020000001", 3, 1000.00m, 500.00m, new FundPays(400.00m, 0.00m, 70.00m, 30.00m), 100.00m),
            new("220100", "222400", "H22240000001", 1, 900.00m, 160.93m, new FundPays(160.93m, 0m, 0m, 0m), 0.00m),
            new("220200", "220100", "H22010000001", 2, 300.00m, 120.00m, new FundPays(100.00m, 20.00m, 0m, 0m), 30.00m),
            new("220200", "220100", "H22010000001", -1, -100.00m, -40.00m, new FundPays(-30.00m, -10.00m, 0m, 0m), -10.00m),
        ];

        var (positions, transfers) = Clearing.Net(lines);

        Assert.Equal(0m, positions.Sum(p => p.Net));
        var changchun = positions.Single(p => p.Admdvs == "220100");
        Assert.Equal(100.00m, changchun.Receivable);
        Assert.Equal(760.93m, changchun.Payable);
        Assert.Equal(-660.93m, changchun.Net);
        Assert.Equal((new FundPays(560.93m, 0.00m, 70.00m, 30.00m), 100.00m), (changchun.PayableFunds, changchun.PayableAcct));
        var jilin = positions.Single(p => p.Admdvs == "220200");
        Assert.Equal((new FundPays(70.00m, 10.00m, 0.00m, 0.00m), 20.00m, 100.00m), (jilin.PayableFunds, jilin.PayableAcct, jilin.Payable));
        Assert.All(positions, p => Assert.Equal(p.Payable, p.PayableFunds.Total + p.PayableAcct));
        Assert.Equal(new Transfer("220100", TransferDirection.PayToProvince, 660.93m), transfers.Single(t => t.Admdvs == "220100"));
        Assert.Equal(new Transfer("220200", TransferDirection.ReceiveFromProvince, 500.00m), transfers.Single(t => t.Admdvs == "220200"));
        Assert.Equal(new Transfer("222400", TransferDirection.ReceiveFromProvince, 160.93m), transfers.Single(t => t.Admdvs == "222400"));
        Assert.Equal(transfers.Count, transfers.Select(t => t.Admdvs).Distinct().Count());
    }

    [Fact]
    public void A_region_whose_receipts_and_payments_cancel_makes_no_transfer()
    {
        var (positions, transfers) = Clearing.Net([
            new("220100", "220200", "H1", 1, 10m, 5m, new FundPays(5m, 0m, 0m, 0m), 0m),
            new("220200", "220100", "H2", 1, 10m, 5m, new FundPays(3m, 0m, 2m, 0m), 0m),
        ]);

        Assert.All(positions, p => Assert.Equal(0m, p.Net));
        Assert.Empty(transfers);
    }
}
