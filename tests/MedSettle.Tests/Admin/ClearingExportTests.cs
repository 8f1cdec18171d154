using MedSettle.Admin;
using MedSettle.Tests.Infrastructure;
using MiniExcelLibs;

namespace MedSettle.Tests.Admin;

public class ClearingExportTests
{
    private static readonly ClearingStatement Statement = new(
        "2026-03", MonthlyClearing.Confirmed, "2026-04-02 09:00:00", "2026-04-02 09:00:00",
        new ClearingTotals(3, 1285.70m, 367.65m, 445.90m, 813.55m),
        [
            new ClearingLineOut("220100", "长春市", "220200", "吉林市", "H22020000001", "吉林市示例中心医院", 2, 680.35m, 208.20m, 445.90m, 654.10m, 1),
            new ClearingLineOut("220200", "吉林市", "220100", "长春市", "H22010000001", "长春市示例第一医院, 急诊部", 1, 605.35m, 159.45m, 0.00m, 159.45m, 0),
        ],
        [new PositionOut("220100", "长春市", 159.45m, 654.10m, -494.65m), new PositionOut("220200", "吉林市", 654.10m, 159.45m, 494.65m)],
        [new TransferOut("220100", "长春市", "pay", 494.65m, "省级清算账户"), new TransferOut("220200", "吉林市", "receive", 494.65m, "省级清算账户")],
        [new DisputeOut("S1", "H22020000001", "220100", "220200", "2026-03-25 16:00:00", 75.00m, 48.75m, "患者已退费", "2026-04-01 10:00:00")]);

    [Fact]
    public void The_statement_is_exported_as_csv_and_xlsx_with_chinese_headings()
    {
        var (csv, xlsx) = ClearingExport.Write(Statement, TestPaths.TempDirectory());

        var lines = File.ReadAllLines(csv);
        Assert.StartsWith("清算月份,付款方（参保地）编码,付款方（参保地）", lines[0].TrimStart('\uFEFF'));
        Assert.Equal("2026-03,220200,吉林市,220100,长春市,H22010000001,\"长春市示例第一医院, 急诊部\",1,605.35,159.45,0.00,159.45,0", lines[2]);

        Assert.Equal(["清算明细", "统筹区头寸", "资金划拨", "争议明细"], MiniExcel.GetSheetNames(xlsx));
        var transfers = MiniExcel.Query(xlsx, useHeaderRow: true, sheetName: "资金划拨").Cast<IDictionary<string, object>>().ToList();
        Assert.Equal("上缴省级清算账户", transfers[0]["方向"]);
        Assert.Equal(494.65m, Convert.ToDecimal(transfers[0]["金额"]));
        var disputes = MiniExcel.Query(xlsx, useHeaderRow: true, sheetName: "争议明细").Cast<IDictionary<string, object>>().Single();
        Assert.Equal("患者已退费", disputes["异议说明"]);
    }
}
