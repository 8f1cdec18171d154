using System.Globalization;
using System.Text.Json;
using Dapper;
using MedSettle.Tests.Infrastructure;
using static MedSettle.Tests.Transactions.WorkedExampleTests;

namespace MedSettle.Tests.Transactions;

/// <summary>
/// 3301 目录对照上传 and 3302 目录对照撤销 over HTTP, and 2204/2301 lines that carry only the hospital's own item code
/// (medins_list_codg), graded through the mapping in force on the day each line occurred.
/// </summary>
public abstract class ItemMappingTests(DatabaseTarget target) : PlatformTests(target, JilinCentral)
{
    private const string Other = "H22020000002";

    /// <summary>The catalogue's list type of each code of DESIGN.md's first visit (samples/jilin-mini/catalogue.csv).</summary>
    private static readonly Dictionary<string, string> ListTypes = new()
    {
        ["110200001"] = "201", ["210102001"] = "201", ["311201001"] = "201", ["XJ01DDA036B001010178838"] = "101", ["C14010101001"] = "301",
        ["XS0000000001"] = "101", ["250101001"] = "201", ["120400001"] = "201",
    };

    /// <summary>Our own code of a catalogue code, as the hospital's HIS numbers its items.</summary>
    private static string Own(string code) => "YY-" + code;

    private static object Row(string code, string begndate = "2026-01-01", string? enddate = null, string? own = null) => new
    {
        fixmedins_hilist_id = own ?? Own(code), fixmedins_hilist_name = "本院项目 " + code, list_type = ListTypes[code], med_list_codg = code,
        begndate, enddate, aprvno = "国药准字H00000000", dosform = "注射剂", prcunt = "次", spec = "1支", memo = "",
    };

    private static Task<Reply> MapAsync(His his, object data, string? msgid = null) => his.CallAsync("3301", new { data }, msgid);

    private static Task<Reply> WithdrawAsync(His his, string code, string? own = null, string? msgid = null, string? fixmedinsCode = null) =>
        his.CallAsync("3302", new { data = new { fixmedins_code = fixmedinsCode ?? his.Hospital, fixmedins_hilist_id = own ?? Own(code), list_type = ListTypes[code], med_list_codg = code } }, msgid);

    /// <summary>2204 (or 2301) of lines that carry only our own code, each sent at <paramref name="feeOcurTime"/>.</summary>
    private static Task<Reply> UploadOwnCodesAsync(His his, string mdtrtId, string psnNo, IEnumerable<(string Own, decimal Price, decimal Count)> items,
        string feeOcurTime = "2026-03-15 10:30:00", int firstSn = 1, bool inpatient = false, string? msgid = null)
    {
        var n = firstSn;
        var feedetail = items.Select(i => new
        {
            feedetl_sn = (n++).ToString("D4", CultureInfo.InvariantCulture), mdtrt_id = mdtrtId, psn_no = psnNo, chrg_bchno = "B1",
            fee_ocur_time = feeOcurTime, medins_list_codg = i.Own, det_item_fee_sumamt = Math.Round(i.Price * i.Count, 2, MidpointRounding.AwayFromZero),
            cnt = i.Count, pric = i.Price,
        }).ToList();
        return his.CallAsync(inpatient ? "2301" : "2204", new { feedetail }, msgid);
    }

    private static async Task<string> RegisteredVisitAsync(His his, string ipt)
    {
        (await his.FileAsync(ZhangWei, "310", "2026-03-15")).ShouldSucceed();
        return (await his.RegisterAsync(ZhangWei, "310", "2026-03-15 09:00:00", ipt)).ShouldSucceed().Text("data", "mdtrt_id");
    }

    private async Task<T> ScalarAsync<T>(string sql, object? param = null)
    {
        await using var connection = await Platform.Database.OpenConnectionAsync();
        return (await connection.ExecuteScalarAsync<T>(sql, param))!;
    }

    private async Task<List<(string Own, string Code, string Begndate, string? WithdrawnAt)>> MappingsAsync(string hospital)
    {
        await using var connection = await Platform.Database.OpenConnectionAsync();
        return (await connection.QueryAsync<(string, string, string, string?)>(
            "SELECT fixmedins_hilist_id, med_list_codg, begndate, withdrawn_at FROM item_mappings WHERE fixmedins_code = @hospital ORDER BY uploaded_at, upload_msgid, row_no",
            new { hospital })).ToList();
    }

    private async Task<long> MissesAsync(string hospital, string own) =>
        await ScalarAsync<long>("SELECT COALESCE(SUM(seen_count), 0) FROM item_mapping_misses WHERE fixmedins_code = @hospital AND fixmedins_hilist_id = @own",
            new { hospital, own });

    private static readonly string[] GradingFields =
        ["med_list_codg", "det_item_fee_sumamt", "cnt", "pric", "pric_uplmt_amt", "selfpay_prop", "fulamt_ownpay_amt", "overlmt_amt", "preselfpay_amt",
         "inscp_scp_amt", "chrgitm_lv", "med_chrgitm_type"];

    private static string Grading(JsonElement line) => string.Join("|", GradingFields.Select(f => line.GetProperty(f).GetRawText()));

    [Fact]
    public async Task Lines_sent_with_only_our_own_codes_are_graded_and_settled_exactly_as_the_catalogue_codes_they_map_to()
    {
        // the mapping in each form clients send it: a list (Jilin's HIS), one object, and the fields directly in input
        var codes = FirstVisitBill.Select(i => i.Item1).ToList();
        var listed = (await MapAsync(His, codes.Take(4).Select(c => Row(c)).ToArray())).ShouldSucceed();
        Assert.Equal(codes.Take(4), listed.Output.GetProperty("result").EnumerateArray().Select(r => r.GetProperty("med_list_codg").GetString()));
        Assert.Equal("急诊诊察费", listed.Output.GetProperty("result")[0].GetProperty("med_list_name").GetString());
        (await MapAsync(His, Row(codes[4]))).ShouldSucceed();
        (await His.CallAsync("3301", Row(codes[5]))).ShouldSucceed();
        Assert.Equal(6, (await MappingsAsync(JilinCentral)).Count);

        var mapped = await RegisteredVisitAsync(His, "MZ-MAPPED");
        var byOwnCode = (await UploadOwnCodesAsync(His, mapped, ZhangWei, FirstVisitBill.Select(i => (Own(i.Item1), i.Item2, i.Item3)))).ShouldSucceed();
        var direct = await RegisteredVisitAsync(His, "MZ-DIRECT");
        var byCatalogueCode = (await His.UploadAsync(direct, ZhangWei, FirstVisitBill)).ShouldSucceed();
        Assert.Equal(byCatalogueCode.Output.GetProperty("result").EnumerateArray().Select(Grading),
            byOwnCode.Output.GetProperty("result").EnumerateArray().Select(Grading));

        // the stored line keeps both codes, as 5204 shows them
        var lines = (await His.CallAsync("5204", new { data = new { psn_no = ZhangWei, mdtrt_id = mapped } })).ShouldSucceed().Output.GetProperty("feedetail");
        Assert.Equal(FirstVisitBill.Select(i => (i.Item1, Own(i.Item1))),
            lines.EnumerateArray().Select(l => (l.GetProperty("med_list_codg").GetString()!, l.GetProperty("medins_list_codg").GetString()!)));

        var settled = (await His.SettleAsync(mapped, ZhangWei, "310", 605.35m, useAccount: true)).ShouldSucceed();
        Assert.Equal((605.35m, 88.00m, 27.00m, 45.04m, 445.31m, 200.00m, 159.45m, 1074.60m),
            (settled.Money("setlinfo", "medfee_sumamt"), settled.Money("setlinfo", "fulamt_ownpay_amt"), settled.Money("setlinfo", "overlmt_selfpay"),
                settled.Money("setlinfo", "preselfpay_amt"), settled.Money("setlinfo", "inscp_scp_amt"), settled.Money("setlinfo", "act_pay_dedc"),
                settled.Money("setlinfo", "hifp_pay"), settled.Money("setlinfo", "balc")));
    }

    [Fact]
    public async Task An_admissions_lines_and_a_refund_by_our_own_code_go_through_the_mapping_too()
    {
        (await MapAsync(His, new[] { Row("120400001"), Row("210102001") })).ShouldSucceed();
        (await His.FileAsync(WangFang, "390", "2026-03-14")).ShouldSucceed();
        var admission = (await His.AdmitAsync(WangFang, "390", "2026-03-14 22:10:00", "ZY-MAPPED")).ShouldSucceed().Text("result", "mdtrt_id");

        var uploaded = (await UploadOwnCodesAsync(His, admission, WangFang, [(Own("120400001"), 18.00m, 8), (Own("210102001"), 240.00m, 2)], inpatient: true))
            .ShouldSucceed();
        Assert.Equal(["120400001", "210102001"], uploaded.Output.GetProperty("result").EnumerateArray().Select(r => r.GetProperty("med_list_codg").GetString()));
        Assert.Equal(48.00m, uploaded.Output.GetProperty("result")[1].GetProperty("preselfpay_amt").GetDecimal());

        // a refund names the line it offsets; sent with our own code alone it needs no mapping of its own
        var refund = new
        {
            feedetl_sn = "0003", mdtrt_id = admission, psn_no = WangFang, chrg_bchno = "B1", fee_ocur_time = "2026-03-15 08:00:00",
            medins_list_codg = Own("210102001"), pric = 240.00m, cnt = -1m, det_item_fee_sumamt = -240.00m, init_feedetl_sn = "0002",
        };
        var refunded = (await His.CallAsync("2301", new { feedetail = new[] { refund } })).ShouldSucceed();
        Assert.Equal(-24.00m, refunded.Output.GetProperty("result")[0].GetProperty("preselfpay_amt").GetDecimal());
        (await His.CallAsync("2301", new { feedetail = new[] { refund with { feedetl_sn = "0004", medins_list_codg = Own("120400001") } } }))
            .ShouldFail($"医疗机构目录编码 {Own("120400001")} 与原明细 0002 的 {Own("210102001")} 不同");
    }

    [Fact]
    public async Task A_line_without_a_mapping_is_refused_naming_it_and_its_code_nothing_is_written_and_the_code_is_counted()
    {
        (await MapAsync(His, Row("110200001"))).ShouldSucceed();
        var mdtrtId = await RegisteredVisitAsync(His, "MZ-UNMAPPED");
        var before = await Fingerprint.OfAsync(Platform.Database);
        var msgid = Platform.NewMsgid(JilinCentral);

        var refused = await UploadOwnCodesAsync(His, mdtrtId, ZhangWei, [(Own("110200001"), 50.00m, 1), ("YY-NOT-MAPPED", 12.00m, 1)], msgid: msgid);

        refused.ShouldFail("明细 0002（YY-NOT-MAPPED）");
        Assert.Contains("目录对照上传（3301）", refused.ErrMsg);
        Assert.DoesNotContain("0001", refused.ErrMsg);
        Assert.Equal(before, await Fingerprint.OfAsync(Platform.Database));
        Assert.Equal(1, await MissesAsync(JilinCentral, "YY-NOT-MAPPED"));
        Assert.Equal(0, await MissesAsync(JilinCentral, Own("110200001")));

        // sent again (the same msgid: a refusal stores no answer), refused again and counted again
        (await UploadOwnCodesAsync(His, mdtrtId, ZhangWei, [(Own("110200001"), 50.00m, 1), ("YY-NOT-MAPPED", 12.00m, 1)], msgid: msgid))
            .ShouldFail("明细 0002（YY-NOT-MAPPED）");
        Assert.Equal(2, await MissesAsync(JilinCentral, "YY-NOT-MAPPED"));
        Assert.Equal(before, await Fingerprint.OfAsync(Platform.Database));

        // a line without either code is refused by name
        (await His.CallAsync("2204", new { feedetail = new[] { new { feedetl_sn = "1", mdtrt_id = mdtrtId, psn_no = ZhangWei, pric = 1m, cnt = 1m, det_item_fee_sumamt = 1m } } }))
            .ShouldFail("缺少必填字段 input.feedetail[0].med_list_codg");
    }

    [Fact]
    public async Task A_withdrawn_mapping_grades_nothing_more_and_an_upload_again_maps_again_keeping_the_history()
    {
        (await MapAsync(His, Row("110200001"))).ShouldSucceed();
        var mdtrtId = await RegisteredVisitAsync(His, "MZ-WITHDRAWN");
        (await UploadOwnCodesAsync(His, mdtrtId, ZhangWei, [(Own("110200001"), 50.00m, 1)])).ShouldSucceed();

        var withdrawn = (await WithdrawAsync(His, "110200001")).ShouldSucceed();
        Assert.Equal(("110200001", "0", "已撤销"), (withdrawn.Output.GetProperty("result")[0].GetProperty("med_list_codg").GetString(),
            withdrawn.Output.GetProperty("result")[0].GetProperty("vali_flag").GetString(), withdrawn.Output.GetProperty("result")[0].GetProperty("rslt").GetString()));
        (await UploadOwnCodesAsync(His, mdtrtId, ZhangWei, [(Own("110200001"), 50.00m, 1)], firstSn: 2)).ShouldFail($"明细 0002（{Own("110200001")}）");
        (await WithdrawAsync(His, "110200001")).ShouldFail($"本院没有项目 {Own("110200001")}（目录类别 201）对照到医保目录编码 110200001 的有效对照");

        (await MapAsync(His, Row("110200001"))).ShouldSucceed();
        var again = (await UploadOwnCodesAsync(His, mdtrtId, ZhangWei, [(Own("110200001"), 50.00m, 1)], firstSn: 2)).ShouldSucceed();
        Assert.Equal("110200001", again.Output.GetProperty("result")[0].GetProperty("med_list_codg").GetString());

        var history = await MappingsAsync(JilinCentral);
        Assert.Equal(2, history.Count);
        Assert.NotNull(history[0].WithdrawnAt);
        Assert.Null(history[1].WithdrawnAt);
        // the line graded before the withdrawal stands as graded
        Assert.Equal(2, await ScalarAsync<long>("SELECT COUNT(*) FROM fee_lines WHERE mdtrt_id = @mdtrtId AND withdrawn_at IS NULL AND med_list_codg = '110200001'", new { mdtrtId }));
    }

    [Fact]
    public async Task A_line_is_graded_by_the_mapping_of_its_own_day_and_refused_outside_every_mapped_period()
    {
        // 110200001 until the 14th, 120400001 from the 16th: the 15th has no mapping
        (await MapAsync(His, new[] { Row("110200001", "2026-01-01", "2026-03-14", own: "YY-DATED"), Row("120400001", "2026-03-16", own: "YY-DATED") })).ShouldSucceed();
        var mdtrtId = await RegisteredVisitAsync(His, "MZ-DATED");

        (await UploadOwnCodesAsync(His, mdtrtId, ZhangWei, [("YY-DATED", 50.00m, 1)], feeOcurTime: "2026-03-15 10:30:00"))
            .ShouldFail("明细 0001（YY-DATED：费用发生于 2026-03-15，本院对照期间为 2026-01-01 至 2026-03-14、2026-03-16 起）");
        var onThe14th = (await UploadOwnCodesAsync(His, mdtrtId, ZhangWei, [("YY-DATED", 50.00m, 1)], feeOcurTime: "2026-03-14 23:59:00")).ShouldSucceed();
        Assert.Equal("110200001", onThe14th.Output.GetProperty("result")[0].GetProperty("med_list_codg").GetString());
        var onThe16th = (await UploadOwnCodesAsync(His, mdtrtId, ZhangWei, [("YY-DATED", 18.00m, 1)], feeOcurTime: "2026-03-16 00:00:00", firstSn: 2)).ShouldSucceed();
        Assert.Equal("120400001", onThe16th.Output.GetProperty("result")[0].GetProperty("med_list_codg").GetString());

        // a mapping that begins after the line's day
        (await MapAsync(His, Row("250101001", "2026-03-20"))).ShouldSucceed();
        (await UploadOwnCodesAsync(His, mdtrtId, ZhangWei, [(Own("250101001"), 25.00m, 1)], firstSn: 3))
            .ShouldFail($"明细 0003（{Own("250101001")}：费用发生于 2026-03-15，本院对照期间为 2026-03-20 起）");
    }

    [Fact]
    public async Task An_overlapping_mapping_is_refused_the_very_same_mapping_again_is_acknowledged_and_a_bad_row_is_refused_by_name()
    {
        (await MapAsync(His, Row("110200001", own: "YY-X"))).ShouldSucceed();

        (await MapAsync(His, Row("120400001", "2026-06-01", own: "YY-X")))
            .ShouldFail("input.data：本院项目 YY-X 已有对照到医保目录编码 110200001 的有效对照（2026-01-01 起），与本行期间 2026-06-01 起 重叠");
        var same = (await MapAsync(His, new[] { Row("110200001", own: "YY-X"), Row("250101001") })).ShouldSucceed();
        Assert.Contains("未重复登记：YY-X → 110200001（2026-01-01 起）", same.WarnMsg);
        Assert.Equal(["已有相同对照，未变更", "已对照"], same.Output.GetProperty("result").EnumerateArray().Select(r => r.GetProperty("rslt").GetString()));
        Assert.Equal(2, (await MappingsAsync(JilinCentral)).Count);

        (await MapAsync(His, new[] { Row("210102001", "2026-01-01", "2026-06-30", own: "YY-Y"), Row("311201001", "2026-06-30", own: "YY-Y") }))
            .ShouldFail("input.data[1] 与 input.data[0] 是同一医疗机构目录编码 YY-Y，期间 2026-06-30 起 与 2026-01-01 至 2026-06-30 重叠");
        (await MapAsync(His, new[] { Row("210102001"), new { fixmedins_hilist_id = "YY-Z", fixmedins_hilist_name = "无此项目", list_type = "201", med_list_codg = "999999999", begndate = "2026-01-01" } }))
            .ShouldFail("input.data[1]：医保目录编码 999999999 不在医保目录中（本院项目 YY-Z 无此项目）");
        (await MapAsync(His, new { fixmedins_hilist_id = "YY-Z", fixmedins_hilist_name = "监护", list_type = "101", med_list_codg = "311201001", begndate = "2026-01-01" }))
            .ShouldFail("input.data：目录类别 list_type 101 与医保目录 311201001（急诊监护）的类别 201 不一致");
        (await MapAsync(His, new { fixmedins_hilist_id = "YY-Z", list_type = "201", med_list_codg = "311201001", begndate = "2026-01-01" }))
            .ShouldFail("缺少必填字段 input.data.fixmedins_hilist_name");
        (await MapAsync(His, Row("311201001", "2026-03-01", "2026-02-01")))
            .ShouldFail("input.data.enddate 2026-02-01 早于 begndate 2026-03-01");
        (await MapAsync(His, new { fixmedins_hilist_id = new string('Y', 31), fixmedins_hilist_name = "长", list_type = "201", med_list_codg = "311201001", begndate = "2026-01-01" }))
            .ShouldFail("字段 input.data.fixmedins_hilist_id 过长（最多 30 个字符）");
        Assert.Equal(2, (await MappingsAsync(JilinCentral)).Count);
    }

    [Fact]
    public async Task Another_hospital_can_neither_withdraw_nor_use_our_mapping_and_its_own_is_its_own()
    {
        var other = new His(Platform, Other);
        (await MapAsync(His, Row("110200001"))).ShouldSucceed();
        var ours = await MappingsAsync(JilinCentral);

        (await WithdrawAsync(other, "110200001")).ShouldFail("本院没有项目");
        (await WithdrawAsync(other, "110200001", fixmedinsCode: JilinCentral))
            .ShouldFail($"input.data.fixmedins_code {JilinCentral} 与报文头 fixmedins_code {Other} 不一致：只能上传、撤销本机构的目录对照");
        (await MapAsync(other, new { fixmedins_code = JilinCentral, fixmedins_hilist_id = "YY-B", fixmedins_hilist_name = "B", list_type = "201", med_list_codg = "110200001", begndate = "2026-01-01" }))
            .ShouldFail("只能上传、撤销本机构的目录对照");
        Assert.Equal(ours, await MappingsAsync(JilinCentral));

        var theirs = await RegisteredVisitAsync(other, "MZ-OTHER");
        (await UploadOwnCodesAsync(other, theirs, ZhangWei, [(Own("110200001"), 50.00m, 1)])).ShouldFail($"明细 0001（{Own("110200001")}）");
        Assert.Equal((1, 0), (await MissesAsync(Other, Own("110200001")), await MissesAsync(JilinCentral, Own("110200001"))));

        // the same own code mapped by the other hospital, to another item, is its own: ours still grades as ours
        (await MapAsync(other, Row("250101001", own: Own("110200001")))).ShouldSucceed();
        var graded = (await UploadOwnCodesAsync(other, theirs, ZhangWei, [(Own("110200001"), 25.00m, 1)])).ShouldSucceed();
        Assert.Equal("250101001", graded.Output.GetProperty("result")[0].GetProperty("med_list_codg").GetString());
        var mine = await RegisteredVisitAsync(His, "MZ-OURS");
        Assert.Equal("110200001", (await UploadOwnCodesAsync(His, mine, ZhangWei, [(Own("110200001"), 50.00m, 1)])).ShouldSucceed()
            .Output.GetProperty("result")[0].GetProperty("med_list_codg").GetString());
        Assert.Equal(ours, await MappingsAsync(JilinCentral));
    }

    [Fact]
    public async Task Retries_with_the_same_msgid_act_once_and_mappings_are_corrected_by_withdrawal_not_by_2601()
    {
        var upload = Platform.NewMsgid(JilinCentral);
        var first = (await MapAsync(His, Row("110200001"), upload)).ShouldSucceed();
        var again = (await MapAsync(His, Row("110200001"), upload)).ShouldSucceed();
        Assert.Equal(first.Output.GetRawText(), again.Output.GetRawText());
        Assert.Null(again.WarnMsg);
        (await MapAsync(His, Row("250101001"), upload)).ShouldFail(upload);
        Assert.Single(await MappingsAsync(JilinCentral));

        var withdrawal = Platform.NewMsgid(JilinCentral);
        var withdrawn = (await WithdrawAsync(His, "110200001", msgid: withdrawal)).ShouldSucceed();
        Assert.Equal(withdrawn.Output.GetRawText(), (await WithdrawAsync(His, "110200001", msgid: withdrawal)).ShouldSucceed().Output.GetRawText());
        Assert.NotNull(Assert.Single(await MappingsAsync(JilinCentral)).WithdrawnAt);

        (await His.UndoAsync(ZhangWei, upload, "3301")).ShouldFail("目录对照（3301）不支持冲正：对照上传有误的，请用目录对照撤销（3302）撤销后重新上传（3301）");
    }
}

public sealed class ItemMappingTests_Sqlite() : ItemMappingTests(new SqliteTarget());

public sealed class ItemMappingTests_Postgres() : ItemMappingTests(new PostgresTarget());
