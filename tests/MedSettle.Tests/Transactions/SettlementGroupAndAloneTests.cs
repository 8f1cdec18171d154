using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using MedSettle.Tests.Infrastructure;
using MedSettle.Transactions;
using static MedSettle.Tests.Transactions.WorkedExampleTests;

namespace MedSettle.Tests.Transactions;

/// <summary>
/// A settlement's effects are described once (Transactions/SettlementEffects) and rendered for one request alone or for a
/// settlement group. The same requests, on two copies of one PostgreSQL database, one copy settling each request alone and
/// the other in groups, leave the same rows: settlements, years, balances, bills, reversed lines, messages and audit rows.
/// </summary>
public sealed class SettlementGroupAndAloneTests : IAsyncLifetime
{
    private const string SunLi = "22010000000000000006", ChenGang = "22010000000000000007", ZhaoMin = "22010000000000000008";

    /// <summary>Longer than the audit log keeps of an actor (100 characters): both paths cut it alike.</summary>
    private static readonly string LongOperatorName = new('收', 120);

    private RunningPlatform.Template _template = null!;
    private string _batches = "", _wangFang = "", _sunLi = "", _chenGang = "", _zhaoMin = "";

    public async Task InitializeAsync()
    {
        var target = new PostgresTarget();
        var platform = await RunningPlatform.StartAsync(target);
        var his = new His(platform, JilinCentral);
        // Zhang Wei's visit has two charge batches: settling B1 alone moves B2's lines on to the next bill. B2 is charged an
        // hour later: its 急诊诊察费 at B1's very time and amount would be R04 重复收费, and a settlement with a line a
        // supervision rule marks runs alone, not in a group (docs/SUPERVISION.md)
        _batches = await his.OutpatientVisitAsync(ZhangWei, "310", FirstVisitBill);
        (await his.UploadAsync(_batches, ZhangWei, SecondVisitBill, batch: "B2", firstSn: 10, feeOcurTime: "2026-03-15 11:30:00")).ShouldSucceed();
        _wangFang = await his.OutpatientVisitAsync(WangFang, "390", SecondVisitBill);
        // admissions that reach 大病保险 (Sun Li), 大额补助 with the account (Chen Gang) and 医疗救助 (Zhao Min)
        _sunLi = await AdmissionAsync(his, SunLi, "390", ("311300001", 1800.00m, 30), ("XJ01DDA036B001010178838", 23.45m, 40));
        _chenGang = await AdmissionAsync(his, ChenGang, "310", ("311300001", 1800.00m, 120), ("210102001", 240.00m, 4));
        _zhaoMin = await AdmissionAsync(his, ZhaoMin, "390", ("311300001", 1800.00m, 25), ("XJ01DDA036B001010178838", 23.45m, 20), ("XS0000000001", 88.00m, 5));
        _template = await platform.StopAsTemplateAsync(target);
    }

    public async Task DisposeAsync() => await _template.Target.DropDatabaseAsync(_template.DatabaseValue);

    private static async Task<string> AdmissionAsync(His his, string psnNo, string insutype, params (string, decimal, decimal)[] items)
    {
        (await his.FileAsync(psnNo, insutype, "2026-03-14")).ShouldSucceed();
        var mdtrtId = (await his.AdmitAsync(psnNo, insutype, "2026-03-14 08:00:00", "ZY" + psnNo[^4..])).ShouldSucceed().Text("result", "mdtrt_id");
        (await his.UploadAsync(mdtrtId, psnNo, items, inpatient: true)).ShouldSucceed();
        (await his.DischargeAsync(mdtrtId, psnNo, insutype, "2026-03-15 09:00:00")).ShouldSucceed();
        return mdtrtId;
    }

    [Fact]
    public async Task The_single_path_and_a_settlement_group_leave_the_same_rows_for_the_same_requests()
    {
        await using var alone = await _template.StartCopyAsync();
        await using var grouped = await _template.StartCopyAsync();

        await SendAsync(alone, viaGroups: false);
        await SendAsync(grouped, viaGroups: true);

        var settledInGroups = JsonSerializer.SerializeToElement(grouped.Groups.Figures()).GetProperty("settled").GetInt64();
        Assert.Equal(8L, settledInGroups); // every 2207/2304 sent but the retry, which is answered from the store
        Assert.Equal(0L, JsonSerializer.SerializeToElement(alone.Groups.Figures()).GetProperty("settled").GetInt64());
        var (expected, actual) = (await RowsAsync(alone), await RowsAsync(grouped));
        foreach (var table in expected.Keys)
            Assert.Equal($"{table}:\n{string.Join("\n", expected[table])}", $"{table}:\n{string.Join("\n", actual[table])}");
        Assert.Empty(await MedSettle.Verify.Invariants.CheckAsync(grouped.Database));

        // one audit row per answer that shows a name (the retry's is a second read), none for a 2601
        await using var connection = await alone.Database.OpenConnectionAsync();
        Assert.Empty(await connection.QueryAsync<string>(
            "SELECT reference FROM personal_data_reads WHERE purpose <> @replay GROUP BY reference, source HAVING COUNT(*) > 1",
            new { replay = "重发报文（同一 msgid）返回已存应答" }));
        Assert.Equal(2L, await connection.ExecuteScalarAsync<long>(
            "SELECT COUNT(*) FROM personal_data_reads WHERE reference = (SELECT msgid FROM settlements WHERE mdtrt_id = @mdtrtId ORDER BY setl_time, msgid LIMIT 1)",
            new { mdtrtId = _wangFang }));
        Assert.Equal(0L, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM personal_data_reads WHERE source LIKE '2601%'"));
    }

    /// <summary>The same requests, in the same order, with the same msgids: settlements at once, a replay, reversals, 2601s, settlements again.</summary>
    private async Task SendAsync(RunningPlatform platform, bool viaGroups)
    {
        var his = new His(new InProcess(platform, viaGroups), JilinCentral);
        string Msgid() => platform.NewMsgid(JilinCentral);
        var (batchOne, wangFang, sunLi, chenGang, zhaoMin) = (Msgid(), Msgid(), Msgid(), Msgid(), Msgid());
        var first = await Task.WhenAll(
            his.SettleAsync(_batches, ZhangWei, "310", 605.35m, useAccount: true, msgid: batchOne, batch: "B1"),
            his.SettleAsync(_wangFang, WangFang, "390", 75.00m, useAccount: false, msgid: wangFang),
            his.SettleAsync(_sunLi, SunLi, "390", 54938.00m, useAccount: false, inpatient: true, msgid: sunLi),
            his.SettleAsync(_chenGang, ChenGang, "310", 216960.00m, useAccount: true, inpatient: true, msgid: chenGang),
            his.SettleAsync(_zhaoMin, ZhaoMin, "390", 45909.00m, useAccount: false, inpatient: true, msgid: zhaoMin));
        foreach (var reply in first) reply.ShouldSucceed();

        var batchTwo = Msgid();
        var second = await Task.WhenAll(
            his.SettleAsync(_batches, ZhangWei, "310", 75.00m, useAccount: false, msgid: batchTwo, batch: "B2"),
            his.SettleAsync(_wangFang, WangFang, "390", 75.00m, useAccount: false, msgid: wangFang)); // a retry: its stored answer, audited again
        foreach (var reply in second) reply.ShouldSucceed();

        (await his.ReverseAsync(second[0].Text("setlinfo", "setl_id"), _batches, ZhangWei, msgid: Msgid())).ShouldSucceed();
        var chenGangsReversal = Msgid();
        (await his.ReverseAsync(first[3].Text("setlinfo", "setl_id"), _chenGang, ChenGang, inpatient: true, msgid: chenGangsReversal)).ShouldSucceed();
        (await his.UndoAsync(ChenGang, chenGangsReversal, "2305", msgid: Msgid())).ShouldSucceed(); // the reversal taken back
        (await his.UndoAsync(ZhaoMin, zhaoMin, "2304", msgid: Msgid())).ShouldSucceed(); // the settlement reversed, auditing no one

        var third = await Task.WhenAll(
            his.SettleAsync(_batches, ZhangWei, "310", 75.00m, useAccount: true, msgid: Msgid(), batch: "B2"),
            his.SettleAsync(_zhaoMin, ZhaoMin, "390", 45909.00m, useAccount: false, inpatient: true, msgid: Msgid()));
        foreach (var reply in third) reply.ShouldSucceed();
    }

    /// <summary>
    /// Each table's rows a settlement touches, as text in a fixed order. The ids a server mints at random (setl_id, a
    /// reversal's) are written as the msgid of the message that made the settlement; audit rows without their serial, messages
    /// without their answer and the hash of their input (both name such ids), settlements without their seq (each person's order of them
    /// compared on its own).
    /// </summary>
    private static async Task<Dictionary<string, List<string>>> RowsAsync(RunningPlatform platform)
    {
        await using var connection = await platform.Database.OpenConnectionAsync();
        // a reversal taken back by 2601 has no row left: its id is its message's subject
        var ids = (await connection.QueryAsync<(string SetlId, string Msgid)>(
                "SELECT setl_id, msgid FROM settlements UNION SELECT subject, msgid FROM messages WHERE infno IN ('2208', '2305') AND subject IS NOT NULL"))
            .ToDictionary(s => s.SetlId, s => "settlement of " + s.Msgid);
        string Text(IDictionary<string, object?> row) => string.Join(" | ", row.Where(c => c.Key is not ("id" or "seq" or "response" or "input_hash")).Select(c =>
            $"{c.Key}={(c.Value is string id && ids.TryGetValue(id, out var named) ? named : Convert.ToString(c.Value, CultureInfo.InvariantCulture))}"));
        async Task<List<string>> Rows(string sql) =>
            (await connection.QueryAsync(sql)).Select(row => Text((IDictionary<string, object?>)row)).Order(StringComparer.Ordinal).ToList();
        return new()
        {
            ["settlements"] = await Rows("SELECT * FROM settlements"),
            // seq is drawn as rows are written, so settlements of different persons draw in whichever order they commit;
            // one person's rows must draw in the order they were made (a replay takes them so: docs/WHATIF.md)
            ["each person's settlements in seq order"] = (await connection.QueryAsync<(string PsnNo, string SetlId)>(
                    "SELECT psn_no, setl_id FROM settlements ORDER BY psn_no, seq"))
                .GroupBy(s => s.PsnNo).Select(g => $"{g.Key}: {string.Join(", ", g.Select(s => ids[s.SetlId]))}").ToList(),
            ["year_accumulators"] = await Rows("SELECT * FROM year_accumulators"),
            ["persons"] = await Rows("SELECT insuplc_admdvs, psn_no, insutype, acct_balc_fen FROM persons"),
            ["fee_lines"] = await Rows("SELECT * FROM fee_lines"),
            ["reversed_lines"] = await Rows("SELECT * FROM reversed_lines"),
            ["messages"] = await Rows("SELECT * FROM messages"),
            ["personal_data_reads"] = await Rows("SELECT * FROM personal_data_reads"),
        };
    }

    /// <summary>The platform's own transaction API in process, alone or through its settlement groups, as one operator with a long name.</summary>
    private sealed class InProcess(RunningPlatform platform, bool viaGroups) : ITransactionCaller
    {
        public async Task<Reply> CallAsync(string infno, string hospital, object input, string? msgid = null)
        {
            var envelope = JsonNode.Parse(platform.Envelope(infno, hospital, input, msgid))!;
            envelope["opter_name"] = LongOperatorName;
            var (status, body) = await TransactionApi.CallAsync(platform.Database, new PlatformClock(platform.Clock),
                Encoding.UTF8.GetBytes(envelope.ToJsonString()), groups: viaGroups ? platform.Groups : null);
            return new Reply(status, body, JsonDocument.Parse(body).RootElement.Clone());
        }
    }
}
