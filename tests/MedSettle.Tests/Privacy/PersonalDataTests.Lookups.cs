using Microsoft.Extensions.DependencyInjection;
using MedSettle.Tests.Infrastructure;
using MedSettle.Web;
using static MedSettle.Tests.Transactions.WorkedExampleTests;

namespace MedSettle.Tests.Privacy;

/// <summary>
/// Who may learn a person's name and identity number: a hospital with the person in front of it (their identity number,
/// or a filing or visit there), never one walking psn_no values; every answer that shows a name is audited, a replay
/// included; and the audit log's channel and actor follow from how the request arrived, not from what the body says.
/// </summary>
public abstract partial class PersonalDataTests
{
    private const string OtherHospital = "H22020000002";

    [Fact]
    public async Task _1101_by_psn_no_answers_only_for_a_person_filed_or_seen_at_the_hospital_and_alike_for_anyone_else()
    {
        var b = new His(Platform, OtherHospital);

        // B has never seen 张伟: his psn_no is answered exactly as a psn_no that belongs to nobody, and nothing is audited
        var real = (await Platform.CallAsync("1101", OtherHospital, new { data = new { psn_no = ZhangWei } })).ShouldFail("未查询到人员编号");
        const string madeUp = "22010000000000009999";
        var none = (await Platform.CallAsync("1101", OtherHospital, new { data = new { psn_no = madeUp } })).ShouldFail("未查询到人员编号");
        Assert.Equal(none.ErrMsg!.Replace(madeUp, "?"), real.ErrMsg!.Replace(ZhangWei, "?"));
        Assert.DoesNotContain("张伟", real.Body);
        Assert.Empty(await ReadsAsync());

        // with his identity number in hand, B finds him, and gets the number back in full: it is the one B sent
        var byCertno = (await Platform.CallAsync("1101", OtherHospital, new { data = new { mdtrt_cert_type = "02", mdtrt_cert_no = ZhangWeiCertno } })).ShouldSucceed();
        Assert.Equal(("张伟", ZhangWeiCertno), (byCertno.Text("baseinfo", "psn_name"), byCertno.Text("baseinfo", "certno")));

        // once B has filed him, psn_no is enough, and the identity number comes back masked (B did not send it)
        (await b.FileAsync(ZhangWei, "310", "2026-03-15")).ShouldSucceed();
        var byPsnNo = (await Platform.CallAsync("1101", OtherHospital, new { data = new { psn_no = ZhangWei } })).ShouldSucceed();
        Assert.Equal(("张伟", "220102********0110"), (byPsnNo.Text("baseinfo", "psn_name"), byPsnNo.Text("baseinfo", "certno")));
        Assert.DoesNotContain(ZhangWeiCertno, byPsnNo.Body);

        // A, who never saw 王芳, still cannot walk to her
        (await Platform.CallAsync("1101", JilinCentral, new { data = new { psn_no = WangFang } })).ShouldFail("未查询到人员编号");
        Assert.Equal(2, (await ReadsAsync()).Count);
    }

    [Fact]
    public async Task A_settlement_answer_and_its_replay_carry_the_identity_number_masked_and_each_is_audited()
    {
        var mdtrtId = await His.OutpatientVisitAsync(ZhangWei, "310", SecondVisitBill);
        var msgid = Platform.NewMsgid(JilinCentral);
        var settled = (await His.SettleAsync(mdtrtId, ZhangWei, "310", 75.00m, useAccount: false, msgid: msgid)).ShouldSucceed();
        Assert.Equal(("张伟", "220102********0110"), (settled.Text("setlinfo", "psn_name"), settled.Text("setlinfo", "certno")));
        Assert.DoesNotContain(ZhangWeiCertno, settled.Body);

        var replayed = (await His.SettleAsync(mdtrtId, ZhangWei, "310", 75.00m, useAccount: false, msgid: msgid)).ShouldSucceed();
        Assert.Equal(settled.Body, replayed.Body);

        var reads = (await ReadsAsync()).Where(r => r.Source.StartsWith("2207", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, reads.Count);
        Assert.All(reads, r => Assert.Equal((ZhangWei, msgid, "220100", JilinCentral), (r.PsnNo, r.Reference, r.InsuplcAdmdvs, r.FixmedinsCode)));
        Assert.Contains("重发", reads[1].Purpose);
    }

    [Fact]
    public async Task A_hospital_cannot_write_the_audit_log_s_channel_or_actor_by_what_its_envelope_says()
    {
        string Spoofed(string body)
        {
            var spoofed = body.Replace("\"recer_sys_code\":\"MBS_LOCAL\"", $"\"recer_sys_code\":\"{MedSettle.Transactions.TransactionApi.WebSystemCode}\"")
                .Replace("\"opter\":\"001\"", "\"opter\":\"province\"");
            Assert.Contains(MedSettle.Transactions.TransactionApi.WebSystemCode, spoofed);
            return spoofed;
        }
        (await Platform.PostAsync(Spoofed(Platform.Envelope("1101", JilinCentral, new { data = new { mdtrt_cert_type = "02", mdtrt_cert_no = ZhangWeiCertno } }))))
            .ShouldSucceed();
        // a settlement too (on PostgreSQL it is written by the settlement group, with its own audit rows)
        var mdtrtId = await His.OutpatientVisitAsync(ZhangWei, "310", SecondVisitBill);
        (await Platform.PostAsync(Spoofed(Platform.Envelope("2207", JilinCentral, His.SettleInput(mdtrtId, ZhangWei, "310", 75.00m, useAccount: false, inpatient: false)))))
            .ShouldSucceed();

        var reads = await ReadsAsync();
        Assert.Equal(2, reads.Count);
        Assert.All(reads, read =>
        {
            Assert.Equal("api", read.Channel);
            Assert.StartsWith(Platform.Credentials[JilinCentral].Paasid, read.Actor);
            Assert.Contains("HIS 申报操作员：province 测试收费员", read.Actor);
        });
    }

    [Fact]
    public async Task The_window_shows_a_person_by_psn_no_only_when_reached_by_identity_number_or_seen_at_the_hospital()
    {
        var now = Platform.Clock.GetLocalNow().DateTime;
        await Accounts.AddAsync(Platform.Database, "clerk", "收费员小李", Roles.Clerk, JilinCentral, null, "clerk-password", now);
        using var clerk = await SignInAsync("clerk", "clerk-password");

        // 王芳 was never at this hospital and the clerk has not looked her up: no card, nothing audited
        var walked = await clerk.GetStringAsync($"/window?psn={WangFang}");
        Assert.DoesNotContain("王芳", walked);
        Assert.DoesNotMatch(PersonCard(), walked);
        Assert.Empty(await ReadsAsync());

        // looked up by identity number (posted), the card then comes back by psn_no, as filing and registering need
        var token = AntiforgeryToken().Match(await clerk.GetStringAsync("/window")).Groups[1].Value;
        using (var found = await clerk.PostAsync("/window?handler=Find", new FormUrlEncodedContent(new Dictionary<string, string>
               {
                   ["certno"] = "220104198807210227", ["__RequestVerificationToken"] = token,
               })))
            Assert.Contains("王芳", PersonCard().Match(await found.Content.ReadAsStringAsync()).Value);
        var back = await clerk.GetStringAsync($"/window?psn={WangFang}");
        Assert.Contains("王芳", PersonCard().Match(back).Value);
        Assert.Contains("220104********0227", back);

        // ...but only that person: another psn_no still shows nobody
        Assert.DoesNotMatch(PersonCard(), await clerk.GetStringAsync($"/window?psn={ZhangWei}"));
    }

    [Fact]
    public async Task The_window_s_catalogue_search_answers_on_every_database()
    {
        // (here beside the window's other look-ups because this class signs a clerk in over HTTP on both databases)
        var now = Platform.Clock.GetLocalNow().DateTime;
        await Accounts.AddAsync(Platform.Database, "clerk", "收费员小李", Roles.Clerk, JilinCentral, null, "clerk-password", now);
        using var clerk = await SignInAsync("clerk", "clerk-password");

        using var found = await clerk.GetAsync("/window/api/catalogue?q=110200001");
        Assert.Equal(System.Net.HttpStatusCode.OK, found.StatusCode);
        var hit = Assert.Single(System.Text.Json.JsonDocument.Parse(await found.Content.ReadAsStringAsync()).RootElement.EnumerateArray());
        Assert.Equal("110200001", hit.GetProperty("code").GetString());
    }

    [Fact]
    public async Task The_window_limits_how_fast_a_clerk_looks_people_up()
    {
        var now = Platform.Clock.GetLocalNow().DateTime;
        await Accounts.AddAsync(Platform.Database, "clerk", "收费员小李", Roles.Clerk, JilinCentral, null, "clerk-password", now);
        using var clerk = await SignInAsync("clerk", "clerk-password");
        var limit = Platform.App.Services.GetRequiredService<WindowLookupLimit>();

        var answers = new List<string>();
        for (var i = 0; i < 25; i++)
            answers.Add(await clerk.GetStringAsync($"/window?psn=2201000000000000{i:D4}"));
        var refused = answers.FindIndex(a => a.Contains("查询过于频繁", StringComparison.Ordinal));
        Assert.True(refused > 0, "a burst of lookups is stopped");
        Assert.Contains($"每位操作员每分钟最多查询 {limit.PerMinute} 次", answers[refused]);
        Assert.All(answers.Take(refused), a => Assert.DoesNotContain("查询过于频繁", a));
    }
}
