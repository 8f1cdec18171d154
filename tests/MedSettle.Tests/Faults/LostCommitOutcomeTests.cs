using Dapper;
using MedSettle.Tests.Infrastructure;
using MedSettle.Transactions;
using static MedSettle.Tests.Transactions.WorkedExampleTests;
using MedSettle.Storage;

namespace MedSettle.Tests.Faults;

/// <summary>
/// The connection of a settlement group breaks while it writes, and the server cannot tell whether its commit went
/// through. Its requests then run alone. If the commit went through (the break came just after it), each finds its own
/// signature nonce recorded by that commit and must get the answer that commit stored, not a 401 for a replayed nonce;
/// if it did not, each is settled alone. Either way the request is answered once with its settlement, and nothing is
/// settled twice. A request that group refused stored no answer; it is decided again and gets its refusal, not a 401.
/// PostgreSQL only: settlement groups are PostgreSQL's (on SQLite every settlement runs alone).
/// </summary>
public sealed class LostCommitOutcomeTests() : PlatformTests(new PostgresTarget(), JilinCentral)
{
    [Theory]
    [InlineData(GroupFaults.Fault.LostAfterCommit)]
    [InlineData(GroupFaults.Fault.LostBeforeCommit)]
    public async Task A_signed_settlement_whose_group_lost_its_connection_is_answered_with_its_settlement_once(GroupFaults.Fault fault)
    {
        var mdtrtId = await His.OutpatientVisitAsync(ZhangWei, "310", FirstVisitBill);
        var msgid = Platform.NewMsgid(JilinCentral);
        var body = Platform.Envelope("2207", JilinCentral, His.SettleInput(mdtrtId, ZhangWei, "310", 605.35m, useAccount: true, inpatient: false), msgid);
        var headers = Platform.SignatureOf(body, JilinCentral);

        var group = GroupFaults.On(Platform);
        group.NextCommitFault = fault;
        var reply = await Platform.PostAsync(body, headers: headers);

        Assert.Equal(GroupFaults.Fault.None, group.NextCommitFault); // the fault did happen: the settlement went through a group
        Assert.True(reply.Status == 200, $"expected HTTP 200 with the stored answer, got {reply.Status}: {reply.Body}");
        var settled = reply.ShouldSucceed();
        Assert.Equal(159.45m, settled.Money("setlinfo", "hifp_pay"));
        Assert.Equal(445.90m, settled.Money("setlinfo", "acct_pay"));

        await using var connection = await Platform.Database.OpenConnectionAsync();
        var stored = await connection.ExecuteScalarAsync<string>("SELECT response FROM messages WHERE msgid = @msgid", new { msgid });
        Assert.Equal(stored, StoredResponses.Redact(reply.Body)); // the stored answer, with the name and identity number read back
        Assert.Equal("张伟", settled.Text("setlinfo", "psn_name"));
        Assert.Equal(1L, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM settlements WHERE mdtrt_id = @mdtrtId", new { mdtrtId }));
        Assert.Equal(1L, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM request_nonces WHERE nonce = @nonce",
            new { nonce = headers.Single(h => h.Key == HospitalSignature.NonceHeader).Value }));
        Assert.Empty(await MedSettle.Verify.Invariants.CheckAsync(Platform.Database));

        // The nonce stays spent for anyone else: the same signed request again is a replay.
        var replayed = await Platform.PostAsync(body, headers: headers);
        Assert.Equal(401, replayed.Status);
        replayed.ShouldFail("已使用过");
    }

    [Fact]
    public async Task A_signed_settlement_its_group_refused_and_whose_commit_answer_was_lost_gets_its_refusal_not_a_401()
    {
        var mdtrtId = await His.OutpatientVisitAsync(ZhangWei, "310", FirstVisitBill);
        // The bill comes to 605.35; a declared total of 600.00 is refused (rule: medfee_sumamt must match the lines).
        var body = Platform.Envelope("2207", JilinCentral, His.SettleInput(mdtrtId, ZhangWei, "310", 600.00m, useAccount: true, inpatient: false),
            Platform.NewMsgid(JilinCentral));
        var headers = Platform.SignatureOf(body, JilinCentral);

        var group = GroupFaults.On(Platform);
        group.NextCommitFault = GroupFaults.Fault.LostAfterCommit;
        var reply = await Platform.PostAsync(body, headers: headers);

        Assert.Equal(GroupFaults.Fault.None, group.NextCommitFault); // it went through a group, whose commit spent its nonce
        Assert.True(reply.Status == 200, $"expected HTTP 200 with the refusal, got {reply.Status}: {reply.Body}");
        reply.ShouldFail("与已上传的费用明细合计 605.35 不一致");

        // Nothing was settled; the same visit settles with the right total, once.
        var settled = (await Platform.CallAsync("2207", JilinCentral, His.SettleInput(mdtrtId, ZhangWei, "310", 605.35m, useAccount: true, inpatient: false)))
            .ShouldSucceed();
        Assert.Equal(159.45m, settled.Money("setlinfo", "hifp_pay"));
        await using var connection = await Platform.Database.OpenConnectionAsync();
        Assert.Equal(1L, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM settlements WHERE mdtrt_id = @mdtrtId", new { mdtrtId }));
        Assert.Empty(await MedSettle.Verify.Invariants.CheckAsync(Platform.Database));

        // A copy of the refused request sent afterwards is a replay.
        var replayed = await Platform.PostAsync(body, headers: headers);
        Assert.Equal(401, replayed.Status);
        replayed.ShouldFail("已使用过");
    }
}
