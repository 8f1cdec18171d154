using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using MedSettle.Tests.Infrastructure;
using MedSettle.Transactions;
using MedSettle.Verify;
using Xunit.Abstractions;
using static MedSettle.Tests.Transactions.WorkedExampleTests;

namespace MedSettle.Tests.Fuzz;

/// <summary>
/// Ten thousand malformed or mutated requests — broken JSON, wrong types, huge and negative numbers, odd unicode,
/// missing fields, other hospitals' ids — through the transaction API: never a 500, always an envelope with a
/// reason, and a refused request changes nothing. One in 25 goes over HTTP, signed as the hospital it claims to be; one in 50
/// with a forged signature, which must answer 401.
/// </summary>
public sealed class HostileInputTests(ITestOutputHelper output) : PlatformTests(new SqliteTarget(), JilinCentral)
{
    private const int Requests = 10_000;

    private async Task<List<JsonObject>> SeedsAsync()
    {
        var settledVisit = await His.OutpatientVisitAsync(ZhangWei, "310", FirstVisitBill);
        var setlMsgid = Platform.NewMsgid(JilinCentral);
        var setlId = (await His.SettleAsync(settledVisit, ZhangWei, "310", 605.35m, useAccount: true, msgid: setlMsgid)).ShouldSucceed().Text("setlinfo", "setl_id");
        var open = await His.OutpatientVisitAsync(ZhangWei, "310", SecondVisitBill);
        var other = await new His(Platform, "H22020000002").OutpatientVisitAsync(ZhangWei, "310", SecondVisitBill, day: "2026-03-15");

        JsonObject Request(string infno, string hospital, object input) => JsonNode.Parse(JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["infno"] = infno, ["msgid"] = Platform.NewMsgid(hospital), ["fixmedins_code"] = hospital, ["mdtrtarea_admvs"] = "220200",
            ["insuplc_admdvs"] = "220100", ["inf_time"] = "2026-03-15 10:00:00", ["sign_no"] = Platform.SignNos[hospital], ["input"] = input,
        }))!.AsObject();

        var line = new { feedetl_sn = "9001", mdtrt_id = open, psn_no = ZhangWei, chrg_bchno = "Z", med_list_codg = "250101001", pric = 25.00m, cnt = 1m, det_item_fee_sumamt = 25.00m };
        return
        [
            Request("1101", JilinCentral, new { data = new { mdtrt_cert_type = "02", mdtrt_cert_no = "220102197503120110" } }),
            Request("2551", JilinCentral, new { data = new { psn_no = ZhangWei, insutype = "310", begndate = "2026-03-15", dise_codg = "J18.9", dise_name = "肺炎" } }),
            Request("2201", JilinCentral, new { data = new { psn_no = ZhangWei, insutype = "310", begntime = "2026-03-15 09:00:00", ipt_otp_no = "MZ-FUZZ" } }),
            Request("2204", JilinCentral, new { feedetail = new[] { line } }),
            Request("2206", JilinCentral, new { data = new { psn_no = ZhangWei, mdtrt_id = open, medfee_sumamt = 75.00m, insutype = "310", med_type = "13", acct_used_flag = "1" } }),
            Request("2207", JilinCentral, new { data = new { psn_no = ZhangWei, mdtrt_id = other, medfee_sumamt = 75.00m, insutype = "310", med_type = "13", acct_used_flag = "1" } }),
            Request("2208", JilinCentral, new { data = new { setl_id = setlId, mdtrt_id = settledVisit, psn_no = ZhangWei } }),
            Request("2205", JilinCentral, new { data = new { mdtrt_id = settledVisit, chrg_bchno = "B1", psn_no = ZhangWei } }),
            Request("2601", JilinCentral, new { data = new { psn_no = ZhangWei, omsgid = setlMsgid, oinfno = "2207" } }),
            Request("2552", "H22020000002", new { data = new { trt_dcla_detl_sn = "B0", psn_no = ZhangWei } }),
            Request("3201", JilinCentral, new { data = new { insutype = "310", clr_type = "11", setl_optins = "220100", stmt_begndate = "2026-03-01", stmt_enddate = "2026-03-31", medfee_sumamt = 1m, fund_pay_sumamt = 1m, acct_pay = 1m, fixmedins_setl_cnt = 1 } }),
            Request("3261", "H22020000002", new { data = new { trt_year = 2026, trt_month = 3, detail = new[] { new { setl_sn = setlId, cnfm_flag = "0" } } } }),
            Request("2401", JilinCentral, new { mdtrtinfo = new { psn_no = ZhangWei, insutype = "310", begntime = "2026-03-15 09:30:00", med_type = "24", ipt_no = "ZY-FUZZ" } }),
            Request("3301", JilinCentral, new { data = new[] { new { fixmedins_hilist_id = "YY-FUZZ", fixmedins_hilist_name = "血常规", list_type = "201", med_list_codg = "250101001", begndate = "2026-01-01" } } }),
            Request("3302", JilinCentral, new { data = new { fixmedins_hilist_id = "YY-FUZZ", list_type = "201", med_list_codg = "250101001" } }),
            Request("2204", JilinCentral, new { feedetail = new[] { new { feedetl_sn = "9002", mdtrt_id = open, psn_no = ZhangWei, medins_list_codg = "YY-FUZZ", pric = 25.00m, cnt = 1m, det_item_fee_sumamt = 25.00m } } }),
        ];
    }


    private static readonly JsonNode?[] Oddities =
    [
        null, JsonValue.Create(-1), JsonValue.Create(0), JsonValue.Create(-99999999999m), JsonValue.Create(1e300), JsonValue.Create(decimal.MaxValue),
        JsonValue.Create(true), JsonValue.Create(""), JsonValue.Create(" "), JsonValue.Create("𠀀🦠\u202e\u0000"), JsonValue.Create(new string('长', 5000)),
        JsonValue.Create("2026-02-30"), JsonValue.Create("9999-99-99 99:99:99"), JsonValue.Create("1e9999"), JsonValue.Create("NaN"), JsonValue.Create("-0.001"),
        JsonValue.Create("H22020000002"), JsonValue.Create("S0000"), JsonValue.Create("'; DROP TABLE settlements; --"), new JsonArray(), new JsonObject(),
        new JsonArray(JsonValue.Create(1), JsonValue.Create("x")),
    ];

    private static string Mutate(JsonObject seed, Random random)
    {
        var request = seed.DeepClone().AsObject();
        var leaves = new List<(JsonNode Parent, object Key)>();
        void Walk(JsonNode node)
        {
            if (node is JsonObject o) foreach (var (k, v) in o.ToList()) { leaves.Add((o, k)); if (v is not null) Walk(v); }
            else if (node is JsonArray a) for (var i = 0; i < a.Count; i++) { leaves.Add((a, i)); if (a[i] is { } v) Walk(v); }
        }
        Walk(request);
        var mutations = 1 + random.Next(3);
        for (var m = 0; m < mutations; m++)
        {
            var (parent, key) = leaves[random.Next(leaves.Count)];
            switch (random.Next(4))
            {
                case 0 when parent is JsonObject o: o.Remove((string)key); break;
                case 1 when parent is JsonObject o: o[(string)key] = Oddities[random.Next(Oddities.Length)]?.DeepClone(); break;
                case 2 when parent is JsonArray a: a[(int)key] = Oddities[random.Next(Oddities.Length)]?.DeepClone(); break;
                default:
                    if (parent is JsonObject obj) obj["extra_" + random.Next(100)] = Oddities[random.Next(Oddities.Length)]?.DeepClone();
                    break;
            }
        }
        var text = request.ToJsonString();
        return random.Next(10) switch
        {
            0 => text[..random.Next(text.Length)],
            1 => text.Replace("\"infno\":\"", "\"infno\":\"9"),
            2 => "[" + text + "]",
            _ => text,
        };
    }

    private async Task<string> FingerprintAsync()
    {
        await using var connection = await Platform.Database.OpenConnectionAsync();
        var row = await connection.QuerySingleAsync(
            """
            SELECT (SELECT COUNT(*) FROM messages) AS m, (SELECT COUNT(*) FROM filings WHERE revoked_at IS NULL) AS f,
                   (SELECT COUNT(*) FROM visits WHERE cancelled_at IS NULL) AS v, (SELECT COUNT(*) FROM fee_lines WHERE withdrawn_at IS NULL) AS l,
                   (SELECT COUNT(*) FROM settlements) AS s, (SELECT COALESCE(SUM(acct_balc_fen), 0) FROM persons) AS b,
                   (SELECT COALESCE(SUM(hifp_paid_fen), 0) FROM year_accumulators) AS y, (SELECT COUNT(*) FROM clearing_confirmations) AS c,
                   (SELECT COUNT(*) FROM item_mappings WHERE withdrawn_at IS NULL) AS im
            """);
        return JsonSerializer.Serialize(row);
    }

    private async Task<(int Status, string Body)> HttpAsync(string body, bool forged)
    {
        var reply = await Platform.PostAsync(body, headers: forged ? [new(HospitalSignature.SignatureHeader, new string('0', 64))] : null);
        return (reply.Status, reply.Body);
    }

    [Fact]
    public async Task Text_that_is_not_whole_characters_is_a_bad_request_and_changes_nothing()
    {
        var filing = (await SeedsAsync())[1].ToJsonString(); // a 2551, valid as it stands
        var clock = new PlatformClock(Platform.Clock);
        var (status, answer) = await TransactionApi.CallAsync(Platform.Database, clock, Encoding.UTF8.GetBytes(filing));
        Assert.Equal((200, true), (status, answer.Contains("\"infcode\":0")));
        var value = filing.IndexOf("\"dise_name\":\"", StringComparison.Ordinal) + "\"dise_name\":\"".Length;
        byte[][] bodies =
        [
            Encoding.UTF8.GetBytes(filing.Insert(value, "\\ud800")),                                         // half a character, escaped, in a value
            Encoding.UTF8.GetBytes(filing.Replace("\"dise_name\"", "\"dise_\\udc00name\"")),                 // and in a name
            [.. Encoding.UTF8.GetBytes(filing[..value]), 0xFF, 0xFE, .. Encoding.UTF8.GetBytes(filing[value..])], // bytes that are not UTF-8, in a value
        ];

        var before = await FingerprintAsync();
        foreach (var body in bodies)
        {
            (status, answer) = await TransactionApi.CallAsync(Platform.Database, clock, body);
            Assert.Equal(400, status);
            using var reply = JsonDocument.Parse(answer);
            Assert.Equal(-1, reply.RootElement.GetProperty("infcode").GetInt32());
            Assert.Matches("UTF-8|\\\\u 转义", reply.RootElement.GetProperty("err_msg").GetString());
        }
        Assert.Equal(before, await FingerprintAsync());
    }

    [Fact]
    public async Task Ten_thousand_hostile_requests_never_fail_the_server_and_a_refusal_changes_nothing()
    {
        var seeds = await SeedsAsync();
        var clock = new PlatformClock(Platform.Clock);
        var random = new Random(20261129);
        var (refused, accepted, badRequests) = (0, 0, 0);
        var reasons = new Dictionary<string, int>();

        for (var i = 0; i < Requests; i++)
        {
            var body = Mutate(seeds[random.Next(seeds.Count)], random);
            var before = await FingerprintAsync();
            // most go in process; every 25th over HTTP, signed as the hospital it claims to be, and every 50th with a forged signature
            var (status, answer) = (i % 25) switch
            {
                0 => await HttpAsync(body, forged: i % 50 == 0),
                _ => await TransactionApi.CallAsync(Platform.Database, clock, Encoding.UTF8.GetBytes(body)),
            };

            Assert.True(status is 200 or 400 or 401, $"HTTP {status} for {body}: {answer}");
            if (i % 50 == 0) Assert.Equal(401, status);
            using var reply = JsonDocument.Parse(answer);
            var infcode = reply.RootElement.GetProperty("infcode").GetInt32();
            if (status == 400) badRequests++;
            if (infcode == 0)
            {
                accepted++;
                continue;
            }
            refused++;
            var reason = reply.RootElement.GetProperty("err_msg").GetString();
            Assert.False(string.IsNullOrWhiteSpace(reason), $"no reason for {body}");
            var kind = reason![..Math.Min(8, reason.Length)];
            reasons[kind] = reasons.GetValueOrDefault(kind) + 1;
            Assert.True(before == await FingerprintAsync(), $"refused but changed the database: {body} → {reason}");
        }

        output.WriteLine($"{Requests} requests: {refused} refused ({badRequests} as HTTP 400), {accepted} accepted (mutations that left a valid request)");
        foreach (var (kind, count) in reasons.OrderByDescending(r => r.Value).Take(15)) output.WriteLine($"  {count,5} × {kind}…");
        Assert.True(refused > Requests * 0.8);
        Assert.Empty(await Invariants.CheckAsync(Platform.Database));
    }
}
