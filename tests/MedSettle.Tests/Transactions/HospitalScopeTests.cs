using System.Text.Json;
using System.Text.RegularExpressions;
using MedSettle.Tests.Infrastructure;
using MedSettle.Transactions;
using Xunit.Abstractions;
using static MedSettle.Tests.Transactions.WorkedExampleTests;

namespace MedSettle.Tests.Transactions;

/// <summary>
/// Hospital A's world for the object-level authorisation tests (OWASP API1, BOLA): a settled visit, an open visit with
/// its bill, a discharged admission with its bill, a filing, a disputed clearing row; built once per database and kept
/// as a template. Each case runs on its own copy (<see cref="FreshAsync"/>): what one case's requests change (B signs in,
/// files, registers…) no other case sees, in whatever order they run.
/// </summary>
public sealed class ScopeWorld<TTarget> : IAsyncLifetime where TTarget : DatabaseTarget, new()
{
    public const string A = JilinCentral, B = "H22020000002";

    /// <summary>A's own code of an item A has mapped (3301) to the catalogue.</summary>
    public const string MappedItem = "A-ITEM-0001";

    private RunningPlatform.Template _template = null!;
    public string SettledVisit { get; private set; } = "";
    public string SetlId { get; private set; } = "";
    public string SettleMsgid { get; private set; } = "";
    public string OpenVisit { get; private set; } = "";
    public string Admission { get; private set; } = "";
    public string FilingSn { get; private set; } = "";
    public string AdmissionNumber { get; private set; } = "";
    public string FileQuryNo { get; private set; } = "";

    /// <summary>Every identifier of A's objects: none may appear in an answer to B unless B itself sent it.</summary>
    public IReadOnlyList<string> Ids => [SettledVisit, SetlId, SettleMsgid, OpenVisit, Admission, FilingSn, FileQuryNo, _template.SignNos[A]];

    /// <summary>A platform on a new copy of the world as built: one case's own, dropped when the case disposes of it.</summary>
    public Task<RunningPlatform> FreshAsync() => _template.StartCopyAsync();

    public async Task InitializeAsync()
    {
        var target = new TTarget();
        var platform = await RunningPlatform.StartAsync(target);
        var a = new His(platform, A);
        SettledVisit = await a.OutpatientVisitAsync(ZhangWei, "310", FirstVisitBill);
        SettleMsgid = platform.NewMsgid(A);
        SetlId = (await a.SettleAsync(SettledVisit, ZhangWei, "310", 605.35m, useAccount: true, msgid: SettleMsgid)).ShouldSucceed().Text("setlinfo", "setl_id");
        OpenVisit = (await a.RegisterAsync(ZhangWei, "310", "2026-03-15 09:30:00", "MZ-A-OPEN")).ShouldSucceed().Text("data", "mdtrt_id");
        (await a.UploadAsync(OpenVisit, ZhangWei, SecondVisitBill)).ShouldSucceed();
        FilingSn = (await a.FileAsync(WangFang, "390", "2026-03-14")).ShouldSucceed().Text("result", "trt_dcla_detl_sn");
        AdmissionNumber = "ZY-A-0001";
        Admission = (await a.AdmitAsync(WangFang, "390", "2026-03-14 22:10:00", AdmissionNumber)).ShouldSucceed().Text("result", "mdtrt_id");
        (await a.UploadAsync(Admission, WangFang, [("120400001", 18.00m, 8)], inpatient: true)).ShouldSucceed();
        (await a.DischargeAsync(Admission, WangFang, "390", "2026-03-15 09:00:00")).ShouldSucceed();
        (await platform.CallAsync("3261", A, new { data = new { trt_year = 2026, trt_month = 3, detail = new[] { new { setl_sn = SetlId, cnfm_flag = "0", memo = "金额待核" } } } }))
            .ShouldSucceed();
        (await platform.CallAsync("3301", A, new { data = new[] { new { fixmedins_hilist_id = MappedItem, fixmedins_hilist_name = "A 的急诊诊察费", list_type = "201",
            med_list_codg = "110200001", begndate = "2026-01-01" } } })).ShouldSucceed();
        FileQuryNo = (await platform.CallAsync("9101", A, new { fsUploadIn = new { @in = Convert.ToBase64String("A 的明细\n"u8.ToArray()), filename = "a.txt", fixmedins_code = A } }))
            .ShouldSucceed().Output.GetProperty("file_qury_no").GetString()!;
        _template = await platform.StopAsTemplateAsync(target);
    }

    public async Task DisposeAsync() => await _template.Target.DropDatabaseAsync(_template.DatabaseValue);
}

/// <summary>
/// For every transaction the platform serves, hospital B — properly signed in and signed — sends A's identifiers:
/// whatever it sends, A's visits, settlements, filings and messages do not change, and no identifier of A's that B did
/// not send comes back. And B can never borrow A's identity: a request naming A in the envelope but signed with B's
/// credentials is 401, and A's sign_no in B's envelope is refused.
/// </summary>
public abstract partial class HospitalScopeTests<TTarget>(ScopeWorld<TTarget> world, ITestOutputHelper output) : IClassFixture<ScopeWorld<TTarget>>, IAsyncLifetime
    where TTarget : DatabaseTarget, new()
{
    private const string A = ScopeWorld<TTarget>.A, B = ScopeWorld<TTarget>.B;

    public static TheoryData<string> Kinds => new(TransactionApi.Kinds.Keys.Order());

    /// <summary>B's request for each transaction, aimed at A's objects wherever the input names one.</summary>
    private object InputAimedAtA(string infno)
    {
        var w = world;
        object Settle(string visit, string psn, string insutype, decimal medfee, string medType) =>
            new { data = new { psn_no = psn, mdtrt_id = visit, medfee_sumamt = medfee, insutype, med_type = medType, acct_used_flag = "1" } };
        object Line(string visit, string psn) =>
            new { feedetail = new[] { new { feedetl_sn = "9", mdtrt_id = visit, psn_no = psn, med_list_codg = "110200001", pric = 50.00m, cnt = 1m, det_item_fee_sumamt = 50.00m } } };
        return infno switch
        {
            "9001" => new { signIn = new { opter_no = "B01" } },
            "9002" => new { signOut = new { sign_no = Platform.SignNos[A], opter_no = "B01" } },
            "1101" => new { data = new { mdtrt_cert_type = "02", mdtrt_cert_no = "220102197503120110" } },
            "5301" => new { data = new { psn_no = ZhangWei } },
            "5201" => new { data = new { psn_no = ZhangWei, mdtrt_id = w.SettledVisit } },
            "5203" or "5204" => new { data = new { psn_no = ZhangWei, setl_id = w.SetlId, mdtrt_id = w.SettledVisit } },
            "5205" => new { data = new { psn_no = ZhangWei, begntime = "2026-01-01 00:00:00" } },
            "5206" => new { data = new { psn_no = ZhangWei, cum_ym = "202603" } },
            "1201" => new { medinsinfo = new { fixmedins_type = "1", fixmedins_code = A } },
            "1901" => new { data = new { type = "fund_pay_type" } },
            "1312" or "1318" or "1319" => new { data = new { hilist_code = "311201001", query_date = "2026-03-15" } },
            _ when CatalogueLists.ByInfno.ContainsKey(infno) => new { data = new { ver = "0" } }, // the catalogue is every hospital's; the file B's own
            "2551" => new { data = new { psn_no = WangFang, insutype = "390", begndate = "2026-03-14", dise_codg = "J18.9", dise_name = "肺炎" } },
            "2552" => new { data = new { trt_dcla_detl_sn = w.FilingSn, psn_no = WangFang } },
            "2201" => new { data = new { psn_no = ZhangWei, insutype = "310", begntime = "2026-03-15 09:30:00", ipt_otp_no = "MZ-A-OPEN" } },
            "2202" => new { data = new { mdtrt_id = w.OpenVisit, psn_no = ZhangWei } },
            "2203" => new { mdtrtinfo = new { mdtrt_id = w.OpenVisit, psn_no = ZhangWei, med_type = "13", dise_codg = "J18.9", dise_name = "肺炎" } },
            "2204" => Line(w.OpenVisit, ZhangWei),
            "2205" => new { data = new { mdtrt_id = w.OpenVisit, psn_no = ZhangWei } },
            "2206" or "2207" => Settle(w.OpenVisit, ZhangWei, "310", 75.00m, "13"),
            "2208" => new { data = new { setl_id = w.SetlId, mdtrt_id = w.SettledVisit, psn_no = ZhangWei } },
            "2401" => new { mdtrtinfo = new { psn_no = WangFang, insutype = "390", begntime = "2026-03-14 22:10:00", med_type = "24", ipt_no = w.AdmissionNumber } },
            "2402" => new { dscginfo = new { mdtrt_id = w.Admission, psn_no = WangFang, endtime = "2026-03-15 09:30:00" } },
            "2404" or "2405" => new { data = new { mdtrt_id = w.Admission, psn_no = WangFang } },
            "2301" => Line(w.Admission, WangFang),
            "2302" => new { data = new { mdtrt_id = w.Admission, psn_no = WangFang } },
            "2303" or "2304" => Settle(w.Admission, WangFang, "390", 144.00m, "24"),
            "2305" => new { data = new { setl_id = w.SetlId, mdtrt_id = w.SettledVisit, psn_no = ZhangWei } },
            "2601" => new { data = new { psn_no = ZhangWei, omsgid = w.SettleMsgid, oinfno = "2207" } },
            "3201" => new { data = new { insutype = "310", clr_type = "11", setl_optins = "220100", stmt_begndate = "2026-03-01", stmt_enddate = "2026-03-31",
                medfee_sumamt = 605.35m, fund_pay_sumamt = 159.45m, acct_pay = 445.90m, fixmedins_setl_cnt = 1 } },
            "3202" => new { data = new { stmt_begndate = "2026-03-01", stmt_enddate = "2026-03-31",
                details = new[] { new { setl_id = w.SetlId, mdtrt_id = w.SettledVisit, psn_no = ZhangWei, medfee_sumamt = 605.35m, fund_pay_sumamt = 159.45m, acct_pay = 445.90m } } } },
            "3260" => new { data = new { trt_year = 2026, trt_month = 3, startrow = 1 } },
            "3301" => new { data = new[] { new { fixmedins_code = A, fixmedins_hilist_id = ScopeWorld<TTarget>.MappedItem, fixmedins_hilist_name = "B 的项目", list_type = "201",
                med_list_codg = "250101001", begndate = "2026-01-01" } } },
            "3302" => new { data = new { fixmedins_code = A, fixmedins_hilist_id = ScopeWorld<TTarget>.MappedItem, list_type = "201", med_list_codg = "110200001" } },
            "3261" => new { data = new { trt_year = 2026, trt_month = 3, detail = new[] { new { setl_sn = w.SetlId, cnfm_flag = "1" } } } },
            "9101" => new { fsUploadIn = new { @in = Convert.ToBase64String("B 的明细\n"u8.ToArray()), filename = "b.txt", fixmedins_code = B } },
            "9102" => new { fsDownloadIn = new { file_qury_no = w.FileQuryNo, filename = "a.txt", fixmedins_code = A } },
            _ => throw new InvalidOperationException($"no BOLA case written for transaction {infno}: add one"),
        };
    }

    /// <summary>This case's own copy of A's world (xUnit makes a new instance of the class for every case).</summary>
    private RunningPlatform Platform { get; set; } = null!;

    public async Task InitializeAsync() => Platform = await world.FreshAsync();

    public async Task DisposeAsync() => await Platform.DisposeAsync();

    private string Envelope(string infno, string hospital, string signNo, object input) => JsonSerializer.Serialize(new Dictionary<string, object?>
    {
        ["infno"] = infno, ["msgid"] = Platform.NewMsgid(hospital), ["fixmedins_code"] = hospital, ["mdtrtarea_admvs"] = "220200",
        ["insuplc_admdvs"] = "", ["sign_no"] = signNo, ["input"] = input,
    });

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Hospital_B_cannot_touch_or_see_hospital_As_objects(string infno)
    {
        var input = InputAimedAtA(infno);
        var everything = await Fingerprint.OfAsync(Platform.Database);
        var ofA = await Fingerprint.OfHospitalAsync(Platform.Database, A);

        var body = Envelope(infno, B, Platform.SignNos[B], input);
        var reply = await Platform.PostAsync(body, signAs: B);

        Assert.True(reply.Status == 200, reply.Body);
        output.WriteLine($"{infno}: {(reply.Infcode == 0 ? "served for B alone" + (reply.WarnMsg is { } warn ? $" ({warn})" : "") : "refused: " + reply.ErrMsg)}");
        Assert.Equal(ofA, await Fingerprint.OfHospitalAsync(Platform.Database, A));
        if (reply.Infcode != 0)
        {
            Assert.False(string.IsNullOrWhiteSpace(reply.ErrMsg));
            Assert.Equal(everything, await Fingerprint.OfAsync(Platform.Database));
        }
        foreach (var id in world.Ids.Where(id => !body.Contains(id, StringComparison.Ordinal)))
            Assert.DoesNotContain(id, reply.Body);
    }

    /// <summary>The transactions whose input names one of A's objects by its id (a visit, settlement, filing or sign-in).</summary>
    public static TheoryData<string> NamingAnId =>
        new("5201", "5203", "5204", "2202", "2203", "2204", "2205", "2206", "2207", "2208", "2301", "2302", "2303", "2304", "2305", "2402", "2404", "2405", "2552", "3202", "3261", "9002", "9102");

    [Theory]
    [MemberData(nameof(NamingAnId))]
    public async Task Hospital_B_hears_the_same_of_As_ids_as_of_ids_that_do_not_exist(string infno)
    {
        var aimedAtA = JsonSerializer.Serialize(InputAimedAtA(infno));
        var madeUp = world.Ids.Aggregate(aimedAtA, (text, id) => text.Replace(id, MadeUp(id), StringComparison.Ordinal));
        Assert.NotEqual(aimedAtA, madeUp);

        var toA = await Platform.PostAsync(Envelope(infno, B, Platform.SignNos[B], JsonDocument.Parse(aimedAtA).RootElement), signAs: B);
        var toNothing = await Platform.PostAsync(Envelope(infno, B, Platform.SignNos[B], JsonDocument.Parse(madeUp).RootElement), signAs: B);

        output.WriteLine($"{infno}: {toA.ErrMsg ?? "served"} | {toNothing.ErrMsg ?? "served"}");
        Assert.Equal(Answer(toNothing, MadeUp), Answer(toA, id => id));
    }

    /// <summary>An id of the same shape as <paramref name="id"/> that names nothing: its last six digits each moved by one.</summary>
    private static string MadeUp(string id) => id[..^6] + new string(id[^6..].Select(c => c == '9' ? '0' : (char)(c + 1)).ToArray());

    /// <summary>
    /// What an answer says (infcode, err_msg, warn_msg, output), with each of A's ids as <paramref name="sent"/> wrote it put
    /// as «id», and the number of a file the answer itself made (3202's result file, new at each call; never one of A's) put as «file».
    /// </summary>
    private string Answer(Reply reply, Func<string, string> sent) =>
        world.Ids.Aggregate(
            MadeFile().Replace($"{reply.Infcode}|{reply.ErrMsg}|{reply.WarnMsg}|{reply.Output.GetRawText()}",
                m => world.Ids.Contains(m.Groups[1].Value) ? m.Value : "\"file_qury_no\":\"«file»\""),
            (text, id) => text.Replace(sent(id), "«id»", StringComparison.Ordinal));

    [GeneratedRegex("\"file_qury_no\":\"([0-9a-f]{30})\"")]
    private static partial Regex MadeFile();

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Hospital_B_cannot_send_in_As_name_nor_with_As_sign_no(string infno)
    {
        var input = InputAimedAtA(infno);
        var everything = await Fingerprint.OfAsync(Platform.Database);

        var impersonating = await Platform.PostAsync(Envelope(infno, A, Platform.SignNos[A], input), signAs: B);
        Assert.Equal(401, impersonating.Status);
        impersonating.ShouldFail($"与凭证 x-tif-paasid 所属机构 {B} 不一致");
        Assert.Equal(everything, await Fingerprint.OfAsync(Platform.Database));

        if (infno == "9001") return; // signing in needs no sign_no
        var borrowed = await Platform.PostAsync(Envelope(infno, B, Platform.SignNos[A], input), signAs: B);
        borrowed.ShouldFail("不是本机构");
        Assert.Equal(everything, await Fingerprint.OfAsync(Platform.Database));
    }
}

public sealed class HospitalScopeTests_Sqlite(ScopeWorld<SqliteTarget> world, ITestOutputHelper output) : HospitalScopeTests<SqliteTarget>(world, output);

public sealed class HospitalScopeTests_Postgres(ScopeWorld<PostgresTarget> world, ITestOutputHelper output) : HospitalScopeTests<PostgresTarget>(world, output);
