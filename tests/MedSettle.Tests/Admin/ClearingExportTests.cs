using System.Globalization;
using MedSettle.Admin;
using MedSettle.Tests.Infrastructure;
using MiniExcelLibs;

namespace MedSettle.Tests.Admin;

public class ClearingExportTests
{
    /// <summary>赵敏's admission (DESIGN.md v2: 统筹 29134.37, 大病 772.64, 医疗救助 10160.56) owed by 长春市, and a v1 visit owed by 吉林市.</summary>
    private static readonly ClearingStatement Statement = new(
        "2026-06", MonthlyClearing.Confirmed, "2026-07-02 09:00:00", "2026-07-02 09:00:00",
        new ClearingTotals(2, 46514.35m, 40227.02m, 29293.82m, 0.00m, 772.64m, 10160.56m, 0.00m, 40227.02m),
        [
            new ClearingLineOut("220100", "长春市", "220200", "吉林市", "H22020000001", "吉林市示例中心医院", 1, 45909.00m, 40067.57m,
                29134.37m, 0.00m, 772.64m, 10160.56m, 0.00m, 40067.57m, 1),
            new ClearingLineOut("220200", "吉林市", "220100", "长春市", "H22010000001", "长春市示例第一医院, 急诊部", 1, 605.35m, 159.45m,
                159.45m, 0.00m, 0.00m, 0.00m, 0.00m, 159.45m, 0),
        ],
        [
            new PositionOut("220100", "长春市", 159.45m, 40067.57m, -39908.12m, 29134.37m, 0.00m, 772.64m, 10160.56m, 0.00m),
            new PositionOut("220200", "吉林市", 40067.57m, 159.45m, 39908.12m, 159.45m, 0.00m, 0.00m, 0.00m, 0.00m),
        ],
        [new TransferOut("220100", "长春市", "pay", 39908.12m, "省级清算账户"), new TransferOut("220200", "吉林市", "receive", 39908.12m, "省级清算账户")],
        [new DisputeOut("S1", "H22020000001", "220100", "220200", "2026-06-01 18:00:00", 45909.00m, 40067.57m, "患者已退费", "2026-07-01 10:00:00")],
        MonthlyClearing.SplitComputed);

    [Fact]
    public void The_statement_is_exported_as_csv_and_xlsx_with_chinese_headings_and_each_funds_amount()
    {
        var (csv, xlsx) = ClearingExport.Write(Statement, TestPaths.TempDirectory());

        var lines = File.ReadAllLines(csv);
        Assert.Equal("清算月份,付款方（参保地）编码,付款方（参保地）,收款方（就医地）编码,收款方（就医地）,定点医疗机构编码,定点医疗机构名称,结算人次,医疗费总额,"
                     + "基金支付总额,统筹基金支付,大额补助支付,大病保险支付,医疗救助支付,个人账户支出,应付金额,有异议笔数", lines[0].TrimStart('\uFEFF'));
        Assert.Equal("2026-06,220100,长春市,220200,吉林市,H22020000001,吉林市示例中心医院,1,45909.00,40067.57,29134.37,0.00,772.64,10160.56,0.00,40067.57,1", lines[1]);
        Assert.Equal("2026-06,220200,吉林市,220100,长春市,H22010000001,\"长春市示例第一医院, 急诊部\",1,605.35,159.45,159.45,0.00,0.00,0.00,0.00,159.45,0", lines[2]);

        Assert.Equal(["清算明细", "统筹区头寸", "资金划拨", "争议明细", "监管扣款"], MiniExcel.GetSheetNames(xlsx));
        var detail = MiniExcel.Query(xlsx, useHeaderRow: true, sheetName: "清算明细").Cast<IDictionary<string, object>>().First();
        Assert.Equal((29134.37m, 0.00m, 772.64m, 10160.56m), (Amount(detail["统筹基金支付"]), Amount(detail["大额补助支付"]),
            Amount(detail["大病保险支付"]), Amount(detail["医疗救助支付"])));
        var changchun = MiniExcel.Query(xlsx, useHeaderRow: true, sheetName: "统筹区头寸").Cast<IDictionary<string, object>>().First();
        Assert.Equal((40067.57m, 29134.37m, 772.64m, 10160.56m, 0.00m), (Amount(changchun["应付（作为参保地）"]),
            Amount(changchun["应付中统筹基金"]), Amount(changchun["应付中大病保险"]), Amount(changchun["应付中医疗救助"]),
            Amount(changchun["应付中个人账户"])));
        var transfers = MiniExcel.Query(xlsx, useHeaderRow: true, sheetName: "资金划拨").Cast<IDictionary<string, object>>().ToList();
        Assert.Equal("上缴省级清算账户", transfers[0]["方向"]);
        Assert.Equal(39908.12m, Amount(transfers[0]["金额"]));
        var disputes = MiniExcel.Query(xlsx, useHeaderRow: true, sheetName: "争议明细").Cast<IDictionary<string, object>>().Single();
        Assert.Equal("患者已退费", disputes["异议说明"]);
    }

    [Fact]
    public void A_statement_without_a_split_by_fund_leaves_those_columns_empty_rather_than_zero()
    {
        var (csv, _) = ClearingExport.Write(Statement with { FundSplit = MonthlyClearing.SplitUnavailable }, TestPaths.TempDirectory());

        Assert.Equal("2026-06,220100,长春市,220200,吉林市,H22020000001,吉林市示例中心医院,1,45909.00,40067.57,,,,,0.00,40067.57,1", File.ReadAllLines(csv)[1]);
    }

    [Fact]
    public void The_months_supervision_deductions_are_a_sheet_of_their_own()
    {
        var withDeduction = Statement with
        {
            Deductions = [new DeductionLineOut("220100", "长春市", "220200", "吉林市", "H22020000001", "吉林市示例中心医院", 2, 80.00m, 20.00m, -60.00m)],
        };
        var (_, xlsx) = ClearingExport.Write(withDeduction, TestPaths.TempDirectory());

        var row = MiniExcel.Query(xlsx, useHeaderRow: true, sheetName: "监管扣款").Cast<IDictionary<string, object>>().Single();
        Assert.Equal(("H22020000001", 80.00m, 20.00m, -60.00m), ((string)row["定点医疗机构编码"], Amount(row["扣款金额"]), Amount(row["撤销退回"]), Amount(row["冲减应付金额"])));
        var (_, empty) = ClearingExport.Write(Statement, TestPaths.TempDirectory());
        Assert.Empty(MiniExcel.Query(empty, useHeaderRow: true, sheetName: "监管扣款"));
    }

    /// <summary>A workbook cell read as an amount, whatever the machine's culture.</summary>
    private static decimal Amount(object cell) => Convert.ToDecimal(cell, CultureInfo.InvariantCulture);
}
