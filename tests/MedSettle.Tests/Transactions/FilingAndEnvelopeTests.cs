using System.Text.Json;
using Dapper;
using MedSettle.Tests.Infrastructure;
using static MedSettle.Tests.Transactions.WorkedExampleTests;

namespace MedSettle.Tests.Transactions;

/// <summary>Filing and its verification (2551/2552), person lookup, sign-in, and the envelope's own refusals.</summary>
public abstract class FilingAndEnvelopeTests(DatabaseTarget target) : PlatformTests(target, JilinCentral)
{
    private const string LiNa = "22020000000000000003";
    private const string LiuYang = "22070000000000000005";

    private async Task<long> FilingsAsync()
    {
        await using var connection = await Platform.Database.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM filings");
    }

    [Fact]
    public async Task A_filing_is_verified_at_once_and_defaults_to_the_72_hour_window()
    {
        var filed = (await His.FileAsync(ZhangWei, "310", "2026-03-14")).ShouldSucceed();

        Assert.Equal("220100", filed.Text("result", "insuplc_admdvs"));
        Assert.Equal("2026-03-14", filed.Text("result", "begndate"));
        Assert.Equal("2026-03-16", filed.Text("result", "enddate"));
        Assert.Equal("1", filed.Text("result", "vali_flag"));
        Assert.False(string.IsNullOrEmpty(filed.Output.GetProperty("trt_dcla_detl_sn").GetString()));
    }

    [Theory]
    [InlineData("99999999999999999999", "310", "H22020000001", "J18.9", "2026-03-15", "未找到人员编号")]
    [InlineData(LiuYang, "310", "H22020000001", "J18.9", "2026-03-15", "暂停参保")]
    [InlineData(LiNa, "310", "H22010000002", "J18.9", "2026-03-15", "未开通省内异地就医直接结算")]
    [InlineData(ZhangWei, "310", "H22010000001", "J18.9", "2026-03-15", "属于本地就医")]
    [InlineData(ZhangWei, "310", "H22020000001", "pneumonia", "2026-03-15", "不是有效的ICD-10编码")]
    [InlineData(ZhangWei, "310", "H22020000001", "J18.9", "2026-03-16", "晚于今天")]
    [InlineData(ZhangWei, "390", "H22020000001", "J18.9", "2026-03-15", "未参加城乡居民基本医疗保险")]
    public async Task A_filing_that_fails_verification_is_refused_with_its_reason(string psnNo, string insutype, string hospital, string dise, string begndate, string reason)
    {
        var his = new His(Platform, hospital);

        (await his.FileAsync(psnNo, insutype, begndate, dise)).ShouldFail(reason);

        Assert.Equal(0, await FilingsAsync());
    }

    [Fact]
    public async Task A_filing_without_a_diagnosis_is_refused()
    {
        (await Platform.CallAsync("2551", JilinCentral, new { data = new { psn_no = ZhangWei, insutype = "310", begndate = "2026-03-15" } }))
            .ShouldFail("dise_codg");
    }

    [Fact]
    public async Task Filing_again_for_an_overlapping_window_returns_the_existing_filing_with_a_warning()
    {
        var first = (await His.FileAsync(ZhangWei, "310", "2026-03-14")).ShouldSucceed();
        var again = (await His.FileAsync(ZhangWei, "310", "2026-03-15")).ShouldSucceed();

        Assert.Equal(first.Text("result", "trt_dcla_detl_sn"), again.Text("result", "trt_dcla_detl_sn"));
        Assert.Contains("已返回原备案", again.WarnMsg);
        Assert.Equal(1, await FilingsAsync());
    }

    [Fact]
    public async Task A_filing_in_use_by_a_settlement_cannot_be_revoked_until_the_settlement_is_reversed()
    {
        var mdtrtId = await His.OutpatientVisitAsync(ZhangWei, "310", SecondVisitBill);
        var sn = (await His.FileAsync(ZhangWei, "310", "2026-03-15")).Text("result", "trt_dcla_detl_sn");
        var setlId = (await His.SettleAsync(mdtrtId, ZhangWei, "310", 75m, useAccount: false)).ShouldSucceed().Text("setlinfo", "setl_id");
        var revoke = new { data = new { trt_dcla_detl_sn = sn, psn_no = ZhangWei } };

        (await Platform.CallAsync("2552", JilinCentral, revoke)).ShouldFail("须先撤销该结算");
        (await new His(Platform, "H22020000002").ReverseAsync(setlId, mdtrtId, ZhangWei)).ShouldFail($"未找到结算 {setlId}（或不属于本机构）");
        (await Platform.CallAsync("2552", "H22020000002", revoke)).ShouldFail($"未找到备案 {sn}（或不属于本机构）");
        (await His.ReverseAsync(setlId, mdtrtId, ZhangWei)).ShouldSucceed();
        (await Platform.CallAsync("2552", JilinCentral, revoke)).ShouldSucceed();
        (await His.SettleAsync(mdtrtId, ZhangWei, "310", 75m, useAccount: false)).ShouldFail("请先办理备案（2551）");
    }

    [Fact]
    public async Task Concurrent_revocations_of_one_filing_revoke_it_once_and_refuse_the_others()
    {
        var sn = (await His.FileAsync(ZhangWei, "310", "2026-03-15")).ShouldSucceed().Text("result", "trt_dcla_detl_sn");
        var revoke = new { data = new { trt_dcla_detl_sn = sn, psn_no = ZhangWei } };

        var replies = await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => Platform.CallAsync("2552", JilinCentral, revoke)));

        Assert.Single(replies, r => r.Infcode == 0);
        Assert.All(replies.Where(r => r.Infcode != 0), r => r.ShouldFail($"备案 {sn} 已于"));
        await using var connection = await Platform.Database.OpenConnectionAsync();
        Assert.Equal(1L, await connection.ExecuteScalarAsync<long>(
            "SELECT COUNT(*) FROM messages WHERE infno = '2552' AND state = 'done' AND subject = @sn", new { sn }));
    }

    [Fact]
    public async Task A_request_that_fails_unexpectedly_says_its_outcome_is_unknown_and_the_same_msgid_later_does_it_once()
    {
        var msgid = Platform.NewMsgid(JilinCentral);
        var filing = new { data = new { psn_no = ZhangWei, insutype = "310", begndate = "2026-03-15", dise_codg = "J18.9", dise_name = "肺炎" } };
        await using var connection = await Platform.Database.OpenConnectionAsync();
        await connection.ExecuteAsync("ALTER TABLE filings RENAME TO filings_away"); // the request's statement fails

        var failed = await Platform.CallAsync("2551", JilinCentral, filing, msgid);

        Assert.Equal(500, failed.Status);
        failed.ShouldFail("结果未能确认");
        Assert.Contains("请用同一 msgid 原样重发", failed.ErrMsg);
        Assert.DoesNotContain("未改变任何数据", failed.ErrMsg); // it cannot know that when only the commit's acknowledgement was lost
        await connection.ExecuteAsync("ALTER TABLE filings_away RENAME TO filings");
        (await Platform.CallAsync("2551", JilinCentral, filing, msgid)).ShouldSucceed();
        (await Platform.CallAsync("2551", JilinCentral, filing, msgid)).ShouldSucceed();
        Assert.Equal(1L, await FilingsAsync());
    }

    [Fact]
    public async Task The_insured_are_found_by_identity_number()
    {
        var found = (await Platform.CallAsync("1101", JilinCentral, new { data = new { mdtrt_cert_type = "02", mdtrt_cert_no = "220102197503120110", psn_cert_type = "01" } }))
            .ShouldSucceed();

        Assert.Equal(ZhangWei, found.Text("baseinfo", "psn_no"));
        Assert.Equal("张伟", found.Text("baseinfo", "psn_name"));
        var insurance = found.Output.GetProperty("insuinfo")[0];
        Assert.Equal("310", insurance.GetProperty("insutype").GetString());
        Assert.Equal("220100", insurance.GetProperty("insuplc_admdvs").GetString());
        Assert.Equal(1520.50m, insurance.GetProperty("balc").GetDecimal());
        (await Platform.CallAsync("1101", JilinCentral, new { data = new { mdtrt_cert_type = "02", mdtrt_cert_no = "110101199001011234" } }))
            .ShouldFail("110101********1234");
    }

    [Fact]
    public async Task Sign_in_gives_a_sign_number_and_sign_out_closes_it()
    {
        var signedIn = (await Platform.CallAsync("9001", JilinCentral, new { signIn = new { opter_no = "001", mac = "00:11:22:33:44:55", ip = "10.0.0.8" } }))
            .ShouldSucceed();
        var signNo = signedIn.Text("signinoutb", "sign_no");

        (await Platform.CallAsync("9002", JilinCentral, new { signOut = new { sign_no = signNo, opter_no = "001" } })).ShouldSucceed();
        (await Platform.CallAsync("9002", JilinCentral, new { signOut = new { sign_no = signNo, opter_no = "001" } })).ShouldFail("已签退");
    }

    [Fact]
    public async Task A_body_that_is_not_json_or_has_no_envelope_answers_400_with_the_envelope_shape()
    {
        var broken = await Platform.PostAsync("{not json");
        Assert.Equal(400, broken.Status);
        Assert.Equal(-1, broken.Infcode);
        Assert.Contains("JSON", broken.ErrMsg);

        var bare = await Platform.PostAsync("""{"psn_no":"1"}""");
        Assert.Equal(400, bare.Status);
        Assert.Contains("infno", bare.ErrMsg);
        Assert.True(bare.Root.TryGetProperty("inf_refmsgid", out _));

        var noMsgid = await Platform.PostAsync("""{"infno":"1101","fixmedins_code":"H22020000001","input":{}}""");
        Assert.Equal((400, -1), (noMsgid.Status, noMsgid.Infcode));
        Assert.Contains("请求缺少报文头字段 msgid", noMsgid.ErrMsg);
    }

    [Fact]
    public async Task An_input_sent_as_a_string_holding_the_json_object_is_read_as_that_object()
    {
        var asText = JsonSerializer.Serialize(new { data = new { psn_no = ZhangWei, insutype = "310", begndate = "2026-03-14", dise_codg = "J18.9", dise_name = "肺炎" } });

        var filed = (await Platform.CallAsync("2551", JilinCentral, asText)).ShouldSucceed();

        Assert.Equal("2026-03-16", filed.Text("result", "enddate"));
        Assert.Equal(1, await FilingsAsync());
        (await Platform.CallAsync("2551", JilinCentral, "[1,2]")).ShouldFail("input 是字符串，但其内容不是 JSON 对象");
        (await Platform.CallAsync("2551", JilinCentral, "{\"data\":")).ShouldFail("input 是字符串，但其内容不是 JSON 对象");
        (await Platform.CallAsync("2551", JilinCentral, "{\"data\":{\"psn_no\":\"\\ud800\"}}")).ShouldFail("不是 JSON 对象");
        (await Platform.CallAsync("2551", JilinCentral, JsonSerializer.Serialize(new { data = new { psn_no = ZhangWei } }))).ShouldFail("input.data.");
        Assert.Equal(1, await FilingsAsync());
    }

    [Fact]
    public async Task Unknown_transactions_hospitals_and_missing_fields_are_refused_by_name()
    {
        (await Platform.CallAsync("2999", JilinCentral, new { data = new { } })).ShouldFail("不支持的交易编号 2999");
        var stranger = (await Platform.CallAsync("2551", "H99999999999", new { data = new { psn_no = ZhangWei } })).ShouldFail("fixmedins_code H99999999999 与凭证");
        Assert.Equal(401, stranger.Status); // an unregistered hospital has no credentials, so it cannot speak for itself either
        (await Platform.CallAsync("2201", JilinCentral, new { data = new { psn_no = ZhangWei, insutype = "310", ipt_otp_no = "MZ9" } })).ShouldFail("input.data.begntime");
        (await Platform.CallAsync("2204", JilinCentral, new { feedetail = new[] { new { feedetl_sn = "1" } } })).ShouldFail("input.feedetail[0].");
        (await Platform.CallAsync("2551", JilinCentral, new { data = new { psn_no = ZhangWei, insutype = "310", begndate = "2026-03-15", dise_codg = "J18.9", dise_name = "肺\u0000炎" } }))
            .ShouldFail("字段 input.data.dise_name 含有不可见的控制字符");
        (await Platform.CallAsync("2551", JilinCentral, new { data = new { psn_no = ZhangWei, insutype = "310", begndate = "2026-03-15", dise_codg = "J18.9", dise_name = "肺炎",
            main_cond_dscr = "发热三天\r\n咳嗽\t加重" } })).ShouldSucceed(); // line breaks and tabs in a description are fine
    }
}

public sealed class FilingAndEnvelopeTests_Sqlite() : FilingAndEnvelopeTests(new SqliteTarget());

public sealed class FilingAndEnvelopeTests_Postgres() : FilingAndEnvelopeTests(new PostgresTarget());
