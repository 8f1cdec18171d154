using System.Text.Json;
using Dapper;
using MedSettle.Hosting;
using MedSettle.Storage;
using MedSettle.Tests.Infrastructure;
using MedSettle.Transactions;
using static MedSettle.Tests.Transactions.WorkedExampleTests;
using MedSettle.Privacy;

namespace MedSettle.Tests.Transactions;

/// <summary>
/// Who may call the transaction API over HTTP: signed requests (x-tif-paasid, x-tif-timestamp, x-tif-nonce,
/// x-tif-signature) of a hospital speaking for itself, signed in (9001), within its rate. Every refusal is HTTP 401 (429
/// for the rate) with the envelope's infcode -1, and changes nothing.
/// </summary>
public abstract class HospitalAuthenticationTests(DatabaseTarget target) : PlatformTests(target, JilinCentral)
{
    private const string Other = "H22020000002";
    private readonly DatabaseTarget _target = target;

    private string LookUpBody(string hospital, string? signNo = null, string? msgid = null) => JsonSerializer.Serialize(new Dictionary<string, object?>
    {
        ["infno"] = "2551", ["msgid"] = msgid ?? Platform.NewMsgid(hospital), ["fixmedins_code"] = hospital, ["mdtrtarea_admvs"] = "220200",
        ["insuplc_admdvs"] = "220100", ["sign_no"] = signNo ?? Platform.SignNos[hospital],
        ["input"] = new { data = new { psn_no = ZhangWei, insutype = "310", begndate = "2026-03-15", dise_codg = "J18.9", dise_name = "肺炎" } },
    });

    private async Task RefusedAndUnchangedAsync(Func<Task<Reply>> send, int status, string reason)
    {
        var before = await Fingerprint.OfAsync(Platform.Database);
        var reply = await send();
        Assert.True(reply.Status == status, $"expected HTTP {status}, got {reply.Status}: {reply.Body}");
        reply.ShouldFail(reason);
        Assert.Equal(before, await Fingerprint.OfAsync(Platform.Database));
    }

    private static KeyValuePair<string, string?> Header(string name, string? value) => new(name, value);

    [Fact]
    public async Task A_signed_request_of_a_signed_in_hospital_is_served()
    {
        (await Platform.PostAsync(LookUpBody(JilinCentral))).ShouldSucceed();
    }

    [Theory]
    [InlineData(HospitalSignature.PaasidHeader)]
    [InlineData(HospitalSignature.TimestampHeader)]
    [InlineData(HospitalSignature.NonceHeader)]
    [InlineData(HospitalSignature.SignatureHeader)]
    public async Task A_request_without_any_one_of_the_four_headers_is_refused_with_401(string header)
    {
        await RefusedAndUnchangedAsync(() => Platform.PostAsync(LookUpBody(JilinCentral), headers: [Header(header, null)]), 401, header);
    }

    [Fact]
    public async Task A_timestamp_more_than_five_minutes_off_is_refused()
    {
        var credential = Platform.Credentials[JilinCentral];
        foreach (var offset in new[] { TimeSpan.FromMinutes(-5.5), TimeSpan.FromMinutes(6) })
        {
            var body = LookUpBody(JilinCentral);
            var headers = HospitalSignature.Headers(credential.Paasid, credential.Secret, Platform.Clock.GetUtcNow() + offset, System.Text.Encoding.UTF8.GetBytes(body));
            await RefusedAndUnchangedAsync(() => Platform.PostAsync(body, headers: headers.Select(h => Header(h.Key, h.Value))), 401, "相差超过 5 分钟");
        }
        var withinWindow = LookUpBody(JilinCentral);
        var fresh = HospitalSignature.Headers(credential.Paasid, credential.Secret, Platform.Clock.GetUtcNow() + TimeSpan.FromMinutes(4), System.Text.Encoding.UTF8.GetBytes(withinWindow));
        (await Platform.PostAsync(withinWindow, headers: fresh.Select(h => Header(h.Key, h.Value)))).ShouldSucceed();
    }

    [Fact]
    public async Task A_replayed_request_is_refused_even_at_another_server_sharing_the_database()
    {
        var body = LookUpBody(JilinCentral);
        var headers = Platform.SignatureOf(body, JilinCentral);
        (await Platform.PostAsync(body, headers: headers)).ShouldSucceed();

        await RefusedAndUnchangedAsync(() => Platform.PostAsync(body, headers: headers), 401, "已使用过");

        await using var second = await MedSettleHost.BuildAsync(Platform.Database, "http://127.0.0.1:0", Platform.Clock);
        await second.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(second.Address()) };
        using var request = new HttpRequestMessage(HttpMethod.Post, RunningPlatform.Endpoint) { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        foreach (var (name, value) in headers) request.Headers.TryAddWithoutValidation(name, value);
        var before = await Fingerprint.OfAsync(Platform.Database);
        using var response = await http.SendAsync(request);
        Assert.Equal(401, (int)response.StatusCode);
        Assert.Contains("已使用过", await response.Content.ReadAsStringAsync());
        Assert.Equal(before, await Fingerprint.OfAsync(Platform.Database));
        await second.StopAsync();
    }

    [Fact]
    public async Task A_wrong_signature_or_a_body_changed_after_signing_is_refused()
    {
        var credential = Platform.Credentials[JilinCentral];
        var body = LookUpBody(JilinCentral);
        var signed = HospitalSignature.Headers(credential.Paasid, credential.Secret, Platform.Clock.GetUtcNow(), System.Text.Encoding.UTF8.GetBytes(body));
        var tampered = body.Replace("J18.9", "J18.0");
        await RefusedAndUnchangedAsync(() => Platform.PostAsync(tampered, headers: signed.Select(h => Header(h.Key, h.Value))), 401, "签名 x-tif-signature 不正确");

        var wrongSecret = HospitalSignature.Headers(credential.Paasid, credential.Secret + "x", Platform.Clock.GetUtcNow(), System.Text.Encoding.UTF8.GetBytes(body));
        await RefusedAndUnchangedAsync(() => Platform.PostAsync(body, headers: wrongSecret.Select(h => Header(h.Key, h.Value))), 401, "签名 x-tif-signature 不正确");
    }

    [Fact]
    public async Task A_replayed_settlement_is_refused_and_settles_once_even_when_the_copies_race()
    {
        // On PostgreSQL a 2207 is settled in a group, which checks and records the nonce in its own transaction.
        var mdtrtId = await His.OutpatientVisitAsync(ZhangWei, "310", FirstVisitBill);
        var body = Platform.Envelope("2207", JilinCentral, His.SettleInput(mdtrtId, ZhangWei, "310", 605.35m, useAccount: true, inpatient: false));
        var headers = Platform.SignatureOf(body, JilinCentral);

        var copies = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Platform.PostAsync(body, headers: headers)));
        Assert.Single(copies, c => c.Status == 200);
        Assert.All(copies.Where(c => c.Status != 200), c => { Assert.Equal(401, c.Status); c.ShouldFail("已使用过"); });
        Assert.Equal(159.45m, copies.Single(c => c.Status == 200).ShouldSucceed().Money("setlinfo", "hifp_pay"));

        await RefusedAndUnchangedAsync(() => Platform.PostAsync(body, headers: headers), 401, "已使用过");
        await using var connection = await Platform.Database.OpenConnectionAsync();
        Assert.Equal(1, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM settlements WHERE mdtrt_id = @mdtrtId", new { mdtrtId }));
        Assert.Equal(1, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM request_nonces WHERE nonce = @nonce",
            new { nonce = headers.Single(h => h.Key == HospitalSignature.NonceHeader).Value }));
    }

    [Fact]
    public async Task A_rotation_made_elsewhere_is_honoured_within_the_credential_cache_time()
    {
        var old = Platform.Credentials[JilinCentral];
        (await Platform.PostAsync(LookUpBody(JilinCentral))).ShouldSucceed();

        // Another process (the CLI, another server) rotates: this server trusted the old secret a moment ago.
        await using var elsewhere = Database.Open(Platform.DatabaseValue);
        var rotated = await HospitalCredentials.IssueAsync(elsewhere, JilinCentral, Platform.Clock.GetLocalNow().DateTime);
        (await Platform.PostAsync(LookUpBody(JilinCentral))).ShouldSucceed();

        Platform.Clock.Advance(HospitalCredentials.CacheFor + TimeSpan.FromSeconds(1));
        await RefusedAndUnchangedAsync(() => Platform.PostAsync(LookUpBody(JilinCentral)), 401, "已于");
        var body = LookUpBody(JilinCentral);
        var headers = HospitalSignature.Headers(rotated.Paasid, rotated.Secret, Platform.Clock.GetUtcNow(), System.Text.Encoding.UTF8.GetBytes(body));
        (await Platform.PostAsync(body, headers: headers.Select(h => Header(h.Key, h.Value)))).ShouldSucceed();
        Assert.NotEqual(old.Paasid, rotated.Paasid);
    }

    [Fact]
    public async Task An_unknown_paasid_and_a_rotated_one_are_refused_and_the_new_one_works()
    {
        await RefusedAndUnchangedAsync(() => Platform.PostAsync(LookUpBody(JilinCentral), headers: [Header(HospitalSignature.PaasidHeader, "H22020000001-0000000000")]),
            401, "未在平台登记");

        var old = Platform.Credentials[JilinCentral];
        var rotated = await HospitalCredentials.IssueAsync(Platform.Database, JilinCentral, Platform.Clock.GetLocalNow().DateTime);
        Assert.NotEqual(old.Paasid, rotated.Paasid);
        await RefusedAndUnchangedAsync(() => Platform.PostAsync(LookUpBody(JilinCentral)), 401, "已于");

        var body = LookUpBody(JilinCentral);
        var headers = HospitalSignature.Headers(rotated.Paasid, rotated.Secret, Platform.Clock.GetUtcNow(), System.Text.Encoding.UTF8.GetBytes(body));
        (await Platform.PostAsync(body, headers: headers.Select(h => Header(h.Key, h.Value)))).ShouldSucceed();
    }

    [Fact]
    public async Task A_hospital_cannot_speak_for_another_hospital()
    {
        await RefusedAndUnchangedAsync(() => Platform.PostAsync(LookUpBody(JilinCentral), signAs: Other), 401, $"凭证 x-tif-paasid 所属机构 {Other}");
    }

    [Fact]
    public async Task The_secret_is_stored_sealed_and_a_server_without_its_key_refuses_without_acting()
    {
        await using var connection = await Platform.Database.OpenConnectionAsync();
        var stored = await connection.QuerySingleAsync<string>("SELECT secret_enc FROM hospital_credentials WHERE paasid = @paasid",
            new { paasid = Platform.Credentials[JilinCentral].Paasid });
        Assert.DoesNotContain(Platform.Credentials[JilinCentral].Secret, stored);

        var foreign = await HospitalCredentials.IssueAsync(Platform.Database, Other, Platform.Clock.GetLocalNow().DateTime,
            new SecretBox(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)));
        var body = LookUpBody(Other);
        var headers = HospitalSignature.Headers(foreign.Paasid, foreign.Secret, Platform.Clock.GetUtcNow(), System.Text.Encoding.UTF8.GetBytes(body));
        await RefusedAndUnchangedAsync(() => Platform.PostAsync(body, headers: headers.Select(h => Header(h.Key, h.Value))), 500, "平台密钥配置错误");
    }

    [Fact]
    public async Task Business_transactions_need_a_sign_no_of_the_hospitals_own_standing_sign_in()
    {
        await RefusedAndUnchangedAsync(() => Platform.PostAsync(LookUpBody(JilinCentral, signNo: "")), 200, "缺少签到流水号");
        await RefusedAndUnchangedAsync(() => Platform.PostAsync(LookUpBody(JilinCentral, signNo: "Q000000")), 200, "请先签到（9001）");
        await RefusedAndUnchangedAsync(() => Platform.PostAsync(LookUpBody(JilinCentral, signNo: Platform.SignNos[Other])), 200, "不是本机构");

        var signNo = (await Platform.CallAsync("9001", JilinCentral, new { signIn = new { opter_no = "002" } })).ShouldSucceed().Text("signinoutb", "sign_no");
        (await Platform.PostAsync(LookUpBody(JilinCentral, signNo: signNo))).ShouldSucceed();
        (await Platform.CallAsync("9002", JilinCentral, new { signOut = new { sign_no = signNo, opter_no = "002" } })).ShouldSucceed();
        await RefusedAndUnchangedAsync(() => Platform.PostAsync(LookUpBody(JilinCentral, signNo: signNo)), 200, "已于 2026-03-15 10:00:00 签退");
    }

    [Fact]
    public async Task A_settlement_with_a_signed_out_sign_no_is_refused_and_settles_once_signed_in()
    {
        var visit = await His.OutpatientVisitAsync(ZhangWei, "310", FirstVisitBill);
        var signNo = (await Platform.CallAsync("9001", JilinCentral, new { signIn = new { opter_no = "002" } })).ShouldSucceed().Text("signinoutb", "sign_no");
        (await Platform.CallAsync("9002", JilinCentral, new { signOut = new { sign_no = signNo, opter_no = "002" } })).ShouldSucceed();
        string Settle(string sign) => JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["infno"] = "2207", ["msgid"] = "H22020000001202603151000009999", ["fixmedins_code"] = JilinCentral, ["sign_no"] = sign,
            ["input"] = new { data = new { psn_no = ZhangWei, mdtrt_id = visit, medfee_sumamt = 605.35m, insutype = "310", med_type = "13", acct_used_flag = "1" } },
        });

        await RefusedAndUnchangedAsync(() => Platform.PostAsync(Settle(signNo)), 200, "签退");
        (await Platform.PostAsync(Settle(Platform.SignNos[JilinCentral]))).ShouldSucceed();
    }

    [Fact]
    public async Task A_retry_of_an_acknowledged_message_is_answered_even_after_sign_out()
    {
        var signNo = (await Platform.CallAsync("9001", JilinCentral, new { signIn = new { opter_no = "002" } })).ShouldSucceed().Text("signinoutb", "sign_no");
        var msgid = Platform.NewMsgid(JilinCentral);
        var first = (await Platform.PostAsync(LookUpBody(JilinCentral, signNo, msgid))).ShouldSucceed();
        (await Platform.CallAsync("9002", JilinCentral, new { signOut = new { sign_no = signNo, opter_no = "002" } })).ShouldSucceed();

        var again = (await Platform.PostAsync(LookUpBody(JilinCentral, signNo, msgid))).ShouldSucceed();
        Assert.Equal(first.Output.GetRawText(), again.Output.GetRawText());
    }

    [Fact]
    public async Task The_credentials_command_prints_paasid_and_secret_once_and_refuses_an_unknown_hospital()
    {
        var db = await _target.NewDatabaseValueAsync();
        await InProcessCli.SucceedsAsync("import", "--db", db, TestPaths.JilinMini);

        var (code, output, _) = await InProcessCli.RunAsync("hospital", "credentials", "--db", db, JilinCentral);
        var (unknown, _, unknownErrors) = await InProcessCli.RunAsync("hospital", "credentials", "--db", db, "H99999999999");

        Assert.Equal(0, code);
        Assert.Equal(2, unknown);
        Assert.Contains("H99999999999", unknownErrors);
        var printed = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1].Trim());
        Assert.StartsWith(JilinCentral + "-", printed["paasid"]);
        Assert.Equal(43, printed["secret"].Length);

        await using var database = Database.Open(db);
        await using var connection = await database.OpenConnectionAsync();
        Assert.Equal(1L, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM hospital_credentials WHERE revoked_at IS NULL"));
        Assert.Equal(0L, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM hospital_credentials WHERE secret_enc LIKE @s", new { s = "%" + printed["secret"] + "%" }));
    }
}

/// <summary>A hospital over its rate gets 429 with a reason, and nothing is done; the other hospitals are not slowed.</summary>
public abstract class HospitalRateLimitTests(DatabaseTarget target) : IAsyncLifetime
{
    private RunningPlatform _platform = null!;

    public async Task InitializeAsync() => _platform = await RunningPlatform.StartAsync(target, settings: new Dictionary<string, string?>
    {
        ["MedSettle:RateLimit:PerSecond"] = "1",
        ["MedSettle:RateLimit:Burst"] = "3",
    });

    public async Task DisposeAsync() => await _platform.DisposeAsync();

    [Fact]
    public async Task Over_its_rate_a_hospital_is_told_to_slow_down_and_retry_the_same_msgid()
    {
        var filing = new { data = new { psn_no = ZhangWei, insutype = "310", begndate = "2026-03-15", dise_codg = "J18.9", dise_name = "肺炎" } };
        Reply? limited = null;
        string msgid = "";
        for (var i = 0; i < 10 && limited is null; i++)
        {
            var before = await Fingerprint.OfAsync(_platform.Database);
            msgid = _platform.NewMsgid(JilinCentral);
            var reply = await _platform.CallAsync("2551", JilinCentral, filing, msgid);
            if (reply.Status != 429) continue;
            limited = reply;
            Assert.Equal(before, await Fingerprint.OfAsync(_platform.Database));
        }
        Assert.NotNull(limited);
        limited.ShouldFail("请放慢速度，稍后用同一 msgid 重试");

        (await _platform.CallAsync("1101", "H22020000002", new { data = new { mdtrt_cert_type = "02", mdtrt_cert_no = "220102197503120110" } })).ShouldSucceed();
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        (await _platform.CallAsync("2551", JilinCentral, filing, msgid)).ShouldSucceed();
    }
}

public sealed class HospitalAuthenticationTests_Sqlite() : HospitalAuthenticationTests(new SqliteTarget());

public sealed class HospitalAuthenticationTests_Postgres() : HospitalAuthenticationTests(new PostgresTarget());

public sealed class HospitalRateLimitTests_Sqlite() : HospitalRateLimitTests(new SqliteTarget());

public sealed class HospitalRateLimitTests_Postgres() : HospitalRateLimitTests(new PostgresTarget());
