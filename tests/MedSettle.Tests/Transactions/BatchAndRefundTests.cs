using Dapper;
using MedSettle.Tests.Infrastructure;
using MedSettle.Verify;
using static MedSettle.Tests.Transactions.WorkedExampleTests;

namespace MedSettle.Tests.Transactions;

/// <summary>
/// What real HIS clients send (issue 20, points 4 and 7): 2206/2207 of one charge batch (chrg_bchno) of the open bill, and
/// refund lines (负数量 with init_feedetl_sn, in 2204 or 2301) that offset an open line of the same visit.
/// </summary>
public abstract class BatchAndRefundTests(DatabaseTarget target) : PlatformTests(target, JilinCentral)
{
    /// <summary>DESIGN.md's first visit as batch B1 (lines 0001–0006), its second visit's bill as batch B2 (0010, 0011), in one visit.</summary>
    private async Task<string> TwoBatchesAsync()
    {
        var mdtrtId = await His.OutpatientVisitAsync(ZhangWei, "310", FirstVisitBill);
        (await His.UploadAsync(mdtrtId, ZhangWei, SecondVisitBill, batch: "B2", firstSn: 10)).ShouldSucceed();
        return mdtrtId;
    }

    private Task<Reply> RefundAsync(string mdtrtId, string sn, string initSn, string code, decimal price, decimal count, string? msgid = null,
        string psnNo = ZhangWei, bool inpatient = false) =>
        Platform.CallAsync(inpatient ? "2301" : "2204", JilinCentral, new
        {
            feedetail = new[]
            {
                new
                {
                    feedetl_sn = sn, init_feedetl_sn = initSn, mdtrt_id = mdtrtId, psn_no = psnNo, chrg_bchno = "R1", fee_ocur_time = "2026-03-15 11:00:00",
                    med_list_codg = code, medins_list_codg = "H-" + code, pric = price, cnt = count,
                    det_item_fee_sumamt = Math.Round(price * count, 2, MidpointRounding.AwayFromZero),
                },
            },
        }, msgid);

    private async Task<(long FundPaid, long Deductible, long Balance, long Settlements, long OpenBillFen)> StateAsync(string mdtrtId)
    {
        await using var connection = await Platform.Database.OpenConnectionAsync();
        var fund = await connection.ExecuteScalarAsync<long?>("SELECT hifp_paid_fen FROM year_accumulators WHERE psn_no = @p AND year = 2026", new { p = ZhangWei }) ?? 0;
        var dedc = await connection.ExecuteScalarAsync<long?>("SELECT dedc_outpatient_fen FROM year_accumulators WHERE psn_no = @p AND year = 2026", new { p = ZhangWei }) ?? 0;
        var balance = await connection.ExecuteScalarAsync<long>("SELECT acct_balc_fen FROM persons WHERE psn_no = @p", new { p = ZhangWei });
        var settlements = await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM settlements WHERE mdtrt_id = @mdtrtId", new { mdtrtId });
        var open = await connection.ExecuteScalarAsync<long>(
            $"SELECT CAST(COALESCE(SUM(f.amount_fen), 0) AS BIGINT) FROM fee_lines f WHERE {MedSettle.Transactions.Bills.OpenLinesOf("@mdtrtId")}", new { mdtrtId });
        return (fund, dedc, balance, settlements, open);
    }

    private static readonly string[] MoneyFields =
    [
        "medfee_sumamt", "fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt", "inscp_scp_amt", "act_pay_dedc", "hifp_pay", "fund_pay_sumamt",
        "psn_part_amt", "acct_pay", "psn_cash_pay", "balc",
    ];

    private static void SameFigures(Reply expected, Reply actual)
    {
        foreach (var field in MoneyFields) Assert.True(expected.Money("setlinfo", field) == actual.Money("setlinfo", field), $"{field}: {expected.Money("setlinfo", field)} ≠ {actual.Money("setlinfo", field)}");
    }

    [Fact]
    public async Task Settling_one_batch_settles_only_its_lines_and_the_next_batch_after_it()
    {
        var mdtrtId = await TwoBatchesAsync();

        // batch B1 alone is DESIGN.md's first visit, to the cent; the visit stays open for B2
        Assert.Equal(605.35m, (await His.PreSettleAsync(mdtrtId, ZhangWei, "310", 605.35m, useAccount: true, batch: "B1")).ShouldSucceed()
            .Money("setlinfo", "medfee_sumamt"));
        var first = (await His.SettleAsync(mdtrtId, ZhangWei, "310", 605.35m, useAccount: true, batch: "B1")).ShouldSucceed();
        Assert.Equal(605.35m, first.Money("setlinfo", "medfee_sumamt"));
        Assert.Equal(88.00m, first.Money("setlinfo", "fulamt_ownpay_amt"));
        Assert.Equal(27.00m, first.Money("setlinfo", "overlmt_selfpay"));
        Assert.Equal(45.04m, first.Money("setlinfo", "preselfpay_amt"));
        Assert.Equal(445.31m, first.Money("setlinfo", "inscp_scp_amt"));
        Assert.Equal(200.00m, first.Money("setlinfo", "act_pay_dedc"));
        Assert.Equal(159.45m, first.Money("setlinfo", "hifp_pay"));
        Assert.Equal(445.90m, first.Money("setlinfo", "acct_pay"));
        Assert.Equal(0.00m, first.Money("setlinfo", "psn_cash_pay"));
        Assert.Equal(1074.60m, first.Money("setlinfo", "balc"));

        // B1 again, while B2 is open: nothing of it left to settle
        (await His.SettleAsync(mdtrtId, ZhangWei, "310", 605.35m, useAccount: true, batch: "B1")).ShouldFail($"收费批次 B1 的费用明细已全部结算（结算 {first.Text("setlinfo", "setl_id")}）");

        // batch B2 then settles as DESIGN.md's second visit of the year: the deductible met, the cap left shown
        var second = (await His.SettleAsync(mdtrtId, ZhangWei, "310", 75.00m, useAccount: false, batch: "B2")).ShouldSucceed();
        Assert.Equal(75.00m, second.Money("setlinfo", "medfee_sumamt"));
        Assert.Equal(0.00m, second.Money("setlinfo", "act_pay_dedc"));
        Assert.Equal(48.75m, second.Money("setlinfo", "hifp_pay"));
        Assert.Equal(26.25m, second.Money("setlinfo", "psn_cash_pay"));
        Assert.Equal(149840.55m, second.Output.GetProperty("setldetail")[0].GetProperty("crt_payb_lmt_amt").GetDecimal());

        var (firstId, secondId) = (first.Text("setlinfo", "setl_id"), second.Text("setlinfo", "setl_id"));
        await using var connection = await Platform.Database.OpenConnectionAsync();
        var lines = (await connection.QueryAsync<(string SetlId, string Batch, long Count, long Fen)>(
            $"""
            SELECT f.setl_id, f.chrg_bchno, COUNT(*), CAST(SUM(f.amount_fen) AS BIGINT)
            FROM ({MedSettle.Transactions.Bills.LinesWithSettlement} WHERE f.mdtrt_id = @mdtrtId) f GROUP BY f.setl_id, f.chrg_bchno ORDER BY f.chrg_bchno
            """, new { mdtrtId })).ToList();
        Assert.Equal([(firstId, "B1", 6L, 60535L), (secondId, "B2", 2L, 7500L)], lines);
        // B2, holding every line still open, is the whole open bill: settled as such, it closes the visit
        Assert.Equal(["B1", null], await connection.QueryAsync<string?>(
            "SELECT chrg_bchno FROM settlements WHERE mdtrt_id = @mdtrtId ORDER BY bill_no", new { mdtrtId }));
        Assert.Empty(await Invariants.CheckAsync(Platform.Database));

        // each batch is settled once; the batches settled, the visit is closed
        (await His.SettleAsync(mdtrtId, ZhangWei, "310", 75.00m, useAccount: false, batch: "B2")).ShouldFail($"已结算（{secondId}）");
        (await His.SettleAsync(mdtrtId, ZhangWei, "310", 75.00m, useAccount: false)).ShouldFail($"已结算（{secondId}）");
    }

    [Fact]
    public async Task A_batch_settles_to_the_same_figures_as_its_lines_settled_as_a_whole_bill()
    {
        var batched = await TwoBatchesAsync();
        var whole = await His.OutpatientVisitAsync(ZhangWei, "310", SecondVisitBill);

        // pre-settlement changes nothing, so both are the year's first settlement
        var ofBatch = (await His.PreSettleAsync(batched, ZhangWei, "310", 75.00m, useAccount: true, batch: "B2")).ShouldSucceed();
        var ofBill = (await His.PreSettleAsync(whole, ZhangWei, "310", 75.00m, useAccount: true)).ShouldSucceed();
        SameFigures(ofBill, ofBatch);
        Assert.Equal(75.00m, ofBatch.Money("setlinfo", "act_pay_dedc"));
    }

    [Fact]
    public async Task A_batch_whose_medfee_sumamt_is_not_its_total_is_refused_and_changes_nothing()
    {
        var mdtrtId = await TwoBatchesAsync();
        var before = await StateAsync(mdtrtId);

        // the whole bill's total is not batch B1's
        (await His.SettleAsync(mdtrtId, ZhangWei, "310", 680.35m, useAccount: true, batch: "B1"))
            .ShouldFail("医疗费总额 medfee_sumamt 680.35 与收费批次 B1 未结算的费用明细合计 605.35 不一致");
        (await His.PreSettleAsync(mdtrtId, ZhangWei, "310", 75.00m, useAccount: true, batch: "B1")).ShouldFail("合计 605.35 不一致");

        Assert.Equal(before, await StateAsync(mdtrtId));
        Assert.Equal(680.35m, (await His.SettleAsync(mdtrtId, ZhangWei, "310", 680.35m, useAccount: true)).ShouldSucceed().Money("setlinfo", "medfee_sumamt"));
    }

    [Fact]
    public async Task An_unknown_batch_is_refused_by_name_and_changes_nothing()
    {
        var mdtrtId = await TwoBatchesAsync();
        var before = await StateAsync(mdtrtId);

        (await His.SettleAsync(mdtrtId, ZhangWei, "310", 605.35m, useAccount: true, batch: "B9"))
            .ShouldFail($"就诊 {mdtrtId} 没有收费批次号 chrg_bchno B9 的费用明细");
        (await His.PreSettleAsync(mdtrtId, ZhangWei, "310", 605.35m, useAccount: true, batch: "B9")).ShouldFail("请核对批次号");

        Assert.Equal(before, await StateAsync(mdtrtId));
        Assert.Equal(68035L, before.OpenBillFen);
        // "0000" is every batch, as in 2205
        (await Platform.CallAsync("2207", JilinCentral, His.SettleInput(mdtrtId, ZhangWei, "310", 680.35m, useAccount: true, inpatient: false, batch: "0000")))
            .ShouldSucceed();
    }

    [Fact]
    public async Task Settling_a_batch_with_the_same_msgid_again_answers_the_same_and_settles_once()
    {
        var mdtrtId = await TwoBatchesAsync();
        var msgid = JilinCentral + "20260315120000" + "0777";

        var first = (await His.SettleAsync(mdtrtId, ZhangWei, "310", 605.35m, useAccount: true, msgid: msgid, batch: "B1")).ShouldSucceed();
        var again = (await His.SettleAsync(mdtrtId, ZhangWei, "310", 605.35m, useAccount: true, msgid: msgid, batch: "B1")).ShouldSucceed();

        Assert.Equal(first.Text("setlinfo", "setl_id"), again.Text("setlinfo", "setl_id"));
        Assert.Equal(first.Money("setlinfo", "balc"), again.Money("setlinfo", "balc"));
        var state = await StateAsync(mdtrtId);
        Assert.Equal((15945L, 20000L, 107460L, 1L, 7500L), state);
        // the same msgid for another batch is another content: refused
        (await His.SettleAsync(mdtrtId, ZhangWei, "310", 75.00m, useAccount: false, msgid: msgid, batch: "B2")).ShouldFail("内容不同");
        Assert.Equal(state, await StateAsync(mdtrtId));
    }

    [Fact]
    public async Task A_reversed_batch_settlement_puts_its_lines_back_and_they_settle_again()
    {
        var mdtrtId = await TwoBatchesAsync();
        var before = await StateAsync(mdtrtId);
        var setlId = (await His.SettleAsync(mdtrtId, ZhangWei, "310", 605.35m, useAccount: true, batch: "B1")).ShouldSucceed().Text("setlinfo", "setl_id");

        (await His.ReverseAsync(setlId, mdtrtId, ZhangWei)).ShouldSucceed();

        Assert.Equal(before with { Settlements = 2 }, await StateAsync(mdtrtId));
        Assert.Equal(159.45m, (await His.SettleAsync(mdtrtId, ZhangWei, "310", 605.35m, useAccount: true, batch: "B1")).ShouldSucceed().Money("setlinfo", "hifp_pay"));
        Assert.Empty(await Invariants.CheckAsync(Platform.Database));
    }

    [Fact]
    public async Task A_refund_line_offsets_its_line_and_the_settlement_is_that_of_the_bill_with_what_is_left()
    {
        var refunded = await His.OutpatientVisitAsync(ZhangWei, "310", FirstVisitBill);
        // one of two 心电监测 (72.00 over a 60.00 ceiling, 乙类 10 %) and one of three of a 乙类 drug come back
        var offset = (await RefundAsync(refunded, "0101", "0003", "311201001", 72.00m, -1)).ShouldSucceed().Output.GetProperty("result")[0];
        Assert.Equal(-72.00m, offset.GetProperty("det_item_fee_sumamt").GetDecimal());
        Assert.Equal(-12.00m, offset.GetProperty("overlmt_amt").GetDecimal());
        Assert.Equal(-6.00m, offset.GetProperty("preselfpay_amt").GetDecimal());
        Assert.Equal(-54.00m, offset.GetProperty("inscp_scp_amt").GetDecimal());
        (await RefundAsync(refunded, "0102", "0004", "XJ01DDA036B001010178838", 23.45m, -1)).ShouldSucceed();

        // the same bill uploaded once with what is left, in another visit
        var left = FirstVisitBill.Select(l => l.Item1 switch
        {
            "311201001" => (l.Item1, l.Item2, 1m),
            "XJ01DDA036B001010178838" => (l.Item1, l.Item2, 2m),
            _ => l,
        }).ToList();
        var whole = await His.OutpatientVisitAsync(ZhangWei, "310", left);

        var ofRefunded = (await His.PreSettleAsync(refunded, ZhangWei, "310", 509.90m, useAccount: true)).ShouldSucceed();
        var ofWhole = (await His.PreSettleAsync(whole, ZhangWei, "310", 509.90m, useAccount: true)).ShouldSucceed();
        SameFigures(ofWhole, ofRefunded);

        // and by DESIGN.md's rules: 605.35 − 72.00 − 23.45; over the ceiling 27.00 − 12.00; 乙类 first 45.04 − 6.00 − 2.35
        var settled = (await His.SettleAsync(refunded, ZhangWei, "310", 509.90m, useAccount: true)).ShouldSucceed();
        SameFigures(ofRefunded, settled);
        Assert.Equal(509.90m, settled.Money("setlinfo", "medfee_sumamt"));
        Assert.Equal(15.00m, settled.Money("setlinfo", "overlmt_selfpay"));
        Assert.Equal(36.69m, settled.Money("setlinfo", "preselfpay_amt"));
        Assert.Equal(370.21m, settled.Money("setlinfo", "inscp_scp_amt"));
        Assert.Equal(200.00m, settled.Money("setlinfo", "act_pay_dedc"));
        Assert.Equal(110.64m, settled.Money("setlinfo", "hifp_pay")); // round(170.21 × 0.65)
        Assert.Equal(399.26m, settled.Money("setlinfo", "acct_pay"));
        Assert.Empty(await Invariants.CheckAsync(Platform.Database));
    }

    /// <summary>DESIGN.md's admission bill (王芳's worked example).</summary>
    private static readonly (string Code, decimal Price, decimal Count)[] AdmissionBill =
    [
        ("110900001", 55.00m, 4), ("XB05BBA030B001010104416", 4.28m, 12), ("ZA12BAD0011010103983", 31.70m, 2),
        ("120400001", 18.00m, 8), ("210102001", 240.00m, 2),
    ];

    /// <summary>The catalogue rows of the admission bill's items, as samples/jilin-mini's catalogue.csv gives them: level, self-pay share, price ceiling.</summary>
    private static readonly Dictionary<string, (string Level, decimal SelfpayProp, decimal? Ceiling)> AdmissionCatalogue = new()
    {
        ["110900001"] = ("01", 0m, 40.00m), ["XB05BBA030B001010104416"] = ("01", 0m, null), ["ZA12BAD0011010103983"] = ("02", 0.05m, null),
        ["120400001"] = ("01", 0m, null), ["210102001"] = ("02", 0.10m, null),
    };

    private static decimal Round(decimal amount) => Math.Round(amount, 2, MidpointRounding.AwayFromZero);

    /// <summary>
    /// DESIGN.md's settlement of <paramref name="bill"/> for 王芳 (390, Changchun) in her first stay at a level-3 hospital, worked
    /// here from the rules: per line 1–4, then the per-visit deductible 600.00 and ratio 0.65 of policies.json (rules 5–8; no
    /// account in scheme 390, no supplementary fund below hifmi's 15000.00 threshold).
    /// </summary>
    private static (decimal Medfee, decimal Overlmt, decimal Preself, decimal Inscp, decimal Dedc, decimal Hifp, decimal Cash) ByTheRules(
        IEnumerable<(string Code, decimal Price, decimal Count)> bill)
    {
        decimal medfee = 0, overlmt = 0, preself = 0, inscp = 0;
        foreach (var (code, price, count) in bill)
        {
            var (level, prop, ceiling) = AdmissionCatalogue[code];
            var amount = Round(price * count);
            var over = ceiling is { } c && price > c ? Round((price - c) * count) : 0m;
            var pre = level == "02" ? Round((amount - over) * prop) : 0m;
            (medfee, overlmt, preself, inscp) = (medfee + amount, overlmt + over, preself + pre, inscp + amount - over - pre);
        }
        var dedc = Math.Min(inscp, 600.00m);
        var hifp = Round((inscp - dedc) * 0.65m);
        return (medfee, overlmt, preself, inscp, dedc, hifp, medfee - hifp);
    }

    private static (decimal, decimal, decimal, decimal, decimal, decimal, decimal) Figures(Reply reply) =>
        (reply.Money("setlinfo", "medfee_sumamt"), reply.Money("setlinfo", "overlmt_selfpay"), reply.Money("setlinfo", "preselfpay_amt"),
            reply.Money("setlinfo", "inscp_scp_amt"), reply.Money("setlinfo", "act_pay_dedc"), reply.Money("setlinfo", "hifp_pay"),
            reply.Money("setlinfo", "psn_cash_pay"));

    private async Task<string> AdmittedAsync(IEnumerable<(string, decimal, decimal)> bill)
    {
        var mdtrtId = (await His.AdmitAsync(WangFang, "390", "2026-03-14 22:10:00", "ZY" + Guid.NewGuid().ToString("N")[..8])).ShouldSucceed().Text("result", "mdtrt_id");
        (await His.UploadAsync(mdtrtId, WangFang, bill, inpatient: true)).ShouldSucceed();
        return mdtrtId;
    }

    [Fact]
    public async Task A_2301_refund_line_offsets_its_admission_line_and_2303_and_2304_settle_what_is_left()
    {
        (await His.FileAsync(WangFang, "390", "2026-03-14")).ShouldSucceed();
        var refunded = await AdmittedAsync(AdmissionBill);
        // one of four bed days (55.00 over a 40.00 ceiling, 甲类) and one of two 复方丹参滴丸 (乙类 5 %: 3.17 for two, 1.59 for one) come back
        var bed = (await RefundAsync(refunded, "0101", "0001", "110900001", 55.00m, -1, psnNo: WangFang, inpatient: true)).ShouldSucceed().Output.GetProperty("result")[0];
        Assert.Equal((-55.00m, -15.00m, -40.00m), (bed.GetProperty("det_item_fee_sumamt").GetDecimal(), bed.GetProperty("overlmt_amt").GetDecimal(),
            bed.GetProperty("inscp_scp_amt").GetDecimal()));
        var drug = (await RefundAsync(refunded, "0102", "0003", "ZA12BAD0011010103983", 31.70m, -1, psnNo: WangFang, inpatient: true)).ShouldSucceed()
            .Output.GetProperty("result")[0];
        // the line and its refund sum to the grading of the one left: 1.59 self-paid first, not 3.17 − 1.59
        Assert.Equal((-31.70m, -1.58m, -30.12m), (drug.GetProperty("det_item_fee_sumamt").GetDecimal(), drug.GetProperty("preselfpay_amt").GetDecimal(),
            drug.GetProperty("inscp_scp_amt").GetDecimal()));

        // the same stay billed once with what is left, in another admission
        var left = AdmissionBill.Select(l => l.Code switch
        {
            "110900001" => l with { Count = 3 },
            "ZA12BAD0011010103983" => l with { Count = 1 },
            _ => l,
        }).ToList();
        var whole = await AdmittedAsync(left);
        var expected = ByTheRules(left);
        Assert.Equal(872.06m, expected.Medfee); // 958.76 − 55.00 − 31.70

        // 2303 (mid-stay and at discharge alike) changes nothing, so both stays are settled as the year's first
        var ofRefunded = (await His.PreSettleAsync(refunded, WangFang, "390", expected.Medfee, useAccount: false, inpatient: true)).ShouldSucceed();
        var ofWhole = (await His.PreSettleAsync(whole, WangFang, "390", expected.Medfee, useAccount: false, inpatient: true)).ShouldSucceed();
        SameFigures(ofWhole, ofRefunded);
        Assert.Equal(expected, Figures(ofRefunded));
        (await His.PreSettleAsync(refunded, WangFang, "390", 958.76m, useAccount: false, inpatient: true)).ShouldFail("958.76");

        (await His.DischargeAsync(refunded, WangFang, "390", "2026-03-15 09:00:00")).ShouldSucceed();
        var settled = (await His.SettleAsync(refunded, WangFang, "390", expected.Medfee, useAccount: false, inpatient: true)).ShouldSucceed();
        SameFigures(ofRefunded, settled);
        Assert.Equal(expected, Figures(settled));
        Assert.Equal(0.00m, settled.Money("setlinfo", "fulamt_ownpay_amt"));
        Assert.Equal(expected.Hifp, settled.Money("setlinfo", "fund_pay_sumamt"));
        Assert.Empty(await Invariants.CheckAsync(Platform.Database));

        // settled, the line is no longer refunded
        (await RefundAsync(refunded, "0103", "0005", "210102001", 240.00m, -1, psnNo: WangFang, inpatient: true)).ShouldFail("已结算");
    }

    [Fact]
    public async Task Refunding_more_than_is_left_of_a_line_is_refused_and_changes_nothing()
    {
        var mdtrtId = await His.OutpatientVisitAsync(ZhangWei, "310", FirstVisitBill);

        (await RefundAsync(mdtrtId, "0101", "0003", "311201001", 72.00m, -3)).ShouldFail("退费数量 3（金额 216.00）超过原明细 0003 可退的数量 2（金额 144.00）");
        (await RefundAsync(mdtrtId, "0101", "0003", "311201001", 72.00m, -1)).ShouldSucceed();
        (await RefundAsync(mdtrtId, "0102", "0003", "311201001", 72.00m, -2)).ShouldFail("可退的数量 1");
        (await RefundAsync(mdtrtId, "0102", "0003", "311201001", 72.00m, -1)).ShouldSucceed();
        (await RefundAsync(mdtrtId, "0103", "0003", "311201001", 72.00m, -1)).ShouldFail("可退的数量 0");

        // a refund is of the line's own item and price, names an uploaded line, and a negative count needs it
        (await RefundAsync(mdtrtId, "0104", "0001", "311201001", 72.00m, -1)).ShouldFail("与原明细 0001 的 110200001 不同");
        (await RefundAsync(mdtrtId, "0104", "0004", "XJ01DDA036B001010178838", 20.00m, -1)).ShouldFail("退费须按原单价");
        (await RefundAsync(mdtrtId, "0104", "0101", "311201001", 72.00m, -1)).ShouldFail("本身是退费明细");
        (await His.UploadAsync(mdtrtId, ZhangWei, [("250101001", 25.00m, -1)], firstSn: 20)).ShouldFail("数量 -1 必须大于0");

        Assert.Equal(461.35m, (await His.PreSettleAsync(mdtrtId, ZhangWei, "310", 461.35m, useAccount: true)).ShouldSucceed().Money("setlinfo", "medfee_sumamt"));
    }

    [Fact]
    public async Task A_refund_naming_another_visits_line_is_refused()
    {
        var mdtrtId = await His.OutpatientVisitAsync(ZhangWei, "310", FirstVisitBill);
        var other = await His.OutpatientVisitAsync(ZhangWei, "310", SecondVisitBill);
        (await His.UploadAsync(other, ZhangWei, [("311201001", 72.00m, 2)], firstSn: 50)).ShouldSucceed();

        (await RefundAsync(mdtrtId, "0101", "0050", "311201001", 72.00m, -1)).ShouldFail($"退费所指原明细 init_feedetl_sn 0050 不是就诊 {mdtrtId} 已上传（未撤销）的费用明细");

        Assert.Equal(605.35m, (await His.PreSettleAsync(mdtrtId, ZhangWei, "310", 605.35m, useAccount: true)).ShouldSucceed().Money("setlinfo", "medfee_sumamt"));
        Assert.Equal(219.00m, (await His.PreSettleAsync(other, ZhangWei, "310", 219.00m, useAccount: true)).ShouldSucceed().Money("setlinfo", "medfee_sumamt"));
    }

    [Fact]
    public async Task A_settled_line_is_not_refunded_until_its_settlement_is_reversed()
    {
        var mdtrtId = await TwoBatchesAsync();
        var setlId = (await His.SettleAsync(mdtrtId, ZhangWei, "310", 605.35m, useAccount: true, batch: "B1")).ShouldSucceed().Text("setlinfo", "setl_id");

        (await RefundAsync(mdtrtId, "0101", "0003", "311201001", 72.00m, -1)).ShouldFail($"原明细 0003 已结算（结算 {setlId}），不能再冲减：请先撤销该结算（2208）");

        (await His.ReverseAsync(setlId, mdtrtId, ZhangWei)).ShouldSucceed();
        (await RefundAsync(mdtrtId, "0101", "0003", "311201001", 72.00m, -1)).ShouldSucceed();
        // the refund went into the line's batch, and settles with it
        Assert.Equal(533.35m, (await His.SettleAsync(mdtrtId, ZhangWei, "310", 533.35m, useAccount: true, batch: "B1")).ShouldSucceed()
            .Money("setlinfo", "medfee_sumamt"));
    }

    [Fact]
    public async Task A_refund_sent_again_with_its_msgid_offsets_once_and_goes_with_its_line()
    {
        var mdtrtId = await His.OutpatientVisitAsync(ZhangWei, "310", FirstVisitBill);
        var msgid = JilinCentral + "20260315120000" + "0888";

        var first = (await RefundAsync(mdtrtId, "0101", "0003", "311201001", 72.00m, -1, msgid)).ShouldSucceed();
        var again = (await RefundAsync(mdtrtId, "0101", "0003", "311201001", 72.00m, -1, msgid)).ShouldSucceed();
        Assert.Equal(first.Output.GetRawText(), again.Output.GetRawText());
        Assert.Equal(53335L, (await StateAsync(mdtrtId)).OpenBillFen);

        // withdrawing the line withdraws its refund with it; 冲正 of the refund's message then has nothing left to undo
        var withdrawn = (await Platform.CallAsync("2205", JilinCentral, new { data = new { mdtrt_id = mdtrtId, psn_no = ZhangWei, feedetl_sn = "0003" } }))
            .ShouldSucceed().Output.GetProperty("result").EnumerateArray().Select(l => l.GetProperty("feedetl_sn").GetString()).Order().ToList();
        Assert.Equal(["0003", "0101"], withdrawn);
        Assert.Equal(46135L, (await StateAsync(mdtrtId)).OpenBillFen);
        (await His.UndoAsync(ZhangWei, msgid, "2204")).ShouldFail("已全部撤销");
    }
}

public sealed class BatchAndRefundTests_Sqlite() : BatchAndRefundTests(new SqliteTarget());

public sealed class BatchAndRefundTests_Postgres() : BatchAndRefundTests(new PostgresTarget());
