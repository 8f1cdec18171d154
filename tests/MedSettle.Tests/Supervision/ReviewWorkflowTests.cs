using System.Text.Json;
using Dapper;
using MedSettle.Admin;
using MedSettle.Engine;
using MedSettle.Storage;
using MedSettle.Tests.Infrastructure;
using MedSettle.Transactions;
using MedSettle.Verify;
using Violation = MedSettle.Engine.Violation;
using static MedSettle.Tests.Transactions.WorkedExampleTests;

namespace MedSettle.Tests.Supervision;

/// <summary>
/// 事后审核 end to end: a settlement over HTTP, a finding filed on it (as the settlement-time flags and `medsettle audit`
/// file them), then the review, the appeal, the decision, the month's clearing and 3260, and a reversal after the deduction.
/// </summary>
public abstract class ReviewWorkflowTests(DatabaseTarget target) : PlatformTests(target, JilinCentral)
{
    internal static readonly CaseActor First = CaseActor.Agency("cc-first", "长春初审", "220100");
    internal static readonly CaseActor Second = CaseActor.Agency("cc-second", "长春复核", "220100");
    internal static readonly CaseActor OtherRegion = CaseActor.Agency("jl-agency", "吉林市经办", "220200");
    internal static readonly CaseActor ProvinceStaff = CaseActor.ProvinceStaff("province", "省医保局");
    internal static readonly CaseActor Clerk = CaseActor.Clerk("jl-clerk", "吉林中心收费员", JilinCentral);
    internal static readonly CaseActor OtherClerk = CaseActor.Clerk("jl2-clerk", "吉林人民收费员", "H22020000002");

    private DateTime Now => ChinaNow(Platform);

    /// <summary>The platform's time (China Standard Time), as its pages and transactions read it.</summary>
    internal static DateTime ChinaNow(RunningPlatform platform) => platform.Clock.GetUtcNow().ToOffset(TimeSpan.FromHours(8)).DateTime;

    private void At(int month, int day, int hour = 10) => Platform.Clock.Set(new DateTime(2026, month, day, hour, 0, 0));

    /// <summary>张伟 (长春 220100) at 吉林市示例中心医院 (220200): fund pay 159.45, account 445.90. Returns (setl_id, mdtrt_id, 2207's msgid).</summary>
    private async Task<(string SetlId, string MdtrtId)> SettleAsync(string day)
    {
        var mdtrtId = await His.OutpatientVisitAsync(ZhangWei, "310", FirstVisitBill, day: day);
        var setlId = (await His.SettleAsync(mdtrtId, ZhangWei, "310", 605.35m, useAccount: true)).ShouldSucceed().Text("setlinfo", "setl_id");
        return (setlId, mdtrtId);
    }

    /// <summary>Files an R06 finding on lines 0001 and 0003 of the settlement, as the settlement's flags would.</summary>
    internal static async Task<string> FileCaseAsync(Database database, string setlId, DateTime now)
    {
        return await database.WriteAsync(async unit =>
        {
            var s = (await unit.FirstOrDefaultAsync<SettlementRow>("SELECT * FROM settlements WHERE setl_id = @setlId", new { setlId }))!;
            var subject = CaseSubject.Of(s);
            var violation = new Violation(SupervisionRule.R06, RuleSeverity.Warn, "明细 0001、0003：床位费共 3 日，超过住院天数 1 日", ["0001", "0003"],
                DateOnly.FromDateTime(now), 3m, 1m);
            await SupervisionCases.FileAsync(unit, subject, [new Finding(violation)], SupervisionCases.AtSettlement, "test", now);
            return (subject.CaseId, true);
        });
    }

    private async Task<string> CaseAsync(string day)
    {
        var (setlId, _) = await SettleAsync(day);
        return await FileCaseAsync(Platform.Database, setlId, Now);
    }

    private async Task<SupervisionCaseRow> RowAsync(string caseId) =>
        (await Platform.Database.ReadAsync(unit => unit.FirstOrDefaultAsync<SupervisionCaseRow>("SELECT * FROM supervision_cases WHERE case_id = @caseId", new { caseId })))!;

    /// <summary>Everything an action may change: the case, its events and its money.</summary>
    private async Task<string> SnapshotAsync(string caseId)
    {
        await using var connection = await Platform.Database.OpenConnectionAsync();
        var events = await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM supervision_events WHERE case_id = @caseId", new { caseId });
        var money = await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM supervision_deductions WHERE case_id = @caseId", new { caseId });
        return JsonSerializer.Serialize(await RowAsync(caseId)) + $"/{events}/{money}";
    }

    private async Task<List<(string Kind, string Month, long AmountFen)>> MoneyAsync(string caseId)
    {
        await using var connection = await Platform.Database.OpenConnectionAsync();
        return (await connection.QueryAsync<(string, string, long)>(
            "SELECT kind, month, amount_fen FROM supervision_deductions WHERE case_id = @caseId ORDER BY at, kind", new { caseId })).ToList();
    }

    private async Task RefusedAsync(string caseId, ReviewRefusalCode code, Func<Task<ReviewOutcome>> act)
    {
        var before = await SnapshotAsync(caseId);
        var outcome = await act();
        Assert.False(outcome.Ok, $"expected {code}, the action succeeded: {outcome.Message}");
        Assert.Equal(code, outcome.Refusal!.Code);
        Assert.Matches("\\p{IsCJKUnifiedIdeographs}", outcome.Message);
        Assert.Equal(before, await SnapshotAsync(caseId));
    }

    private static void Succeeded(ReviewOutcome outcome, string status)
    {
        Assert.True(outcome.Ok, outcome.Message);
        Assert.Equal(status, outcome.Status);
    }

    private async Task<JsonElement> DetailAsync(int month)
    {
        var reply = (await Platform.CallAsync("3260", JilinCentral, new { data = new { trt_year = 2026, trt_month = month, startrow = 1 } })).ShouldSucceed();
        return reply.Output;
    }

    [Fact]
    public async Task Review_appeal_and_decision_deduct_in_the_month_confirmed_and_a_later_reversal_refunds_it()
    {
        At(3, 10);
        var (setlId, mdtrtId) = await SettleAsync("2026-03-10");
        var caseId = await FileCaseAsync(Platform.Database, setlId, Now);

        At(3, 12);
        Succeeded(await SupervisionReview.ProposeAsync(Platform.Database, caseId, First, 100.00m, "床位费超过住院天数，扣除多收部分", Now), SupervisionCases.Proposed);
        Assert.Equal(new DateOnly(2026, 3, 22), (await RowAsync(caseId)).AppealDeadline);
        At(3, 15);
        Succeeded(await SupervisionReview.AppealAsync(Platform.Database, caseId, Clerk, "患者当日转入重症监护，床位费按实际占用收取", Now), SupervisionCases.Appealed);
        At(3, 16);
        await RefusedAsync(caseId, ReviewRefusalCode.SameReviewer,
            () => SupervisionReview.DecideAsync(Platform.Database, caseId, First, true, null, "维持", Now));
        Succeeded(await SupervisionReview.DecideAsync(Platform.Database, caseId, Second, true, 80.00m, "申诉部分成立，核减为 80 元", Now), SupervisionCases.Deducted);

        var decided = await RowAsync(caseId);
        Assert.Equal((8000L, "2026-03", "cc-first", "cc-second", "jl-clerk"), (decided.DeductedFen!.Value, decided.DeductionMonth!, decided.ReviewedBy!, decided.DecidedBy!, decided.AppealedBy!));
        Assert.Equal([("deduction", "2026-03", 8000L)], await MoneyAsync(caseId));
        await using (var connection = await Platform.Database.OpenConnectionAsync())
        {
            Assert.Equal(["filed", "proposed", "appealed", "upheld"],
                await connection.QueryAsync<string>("SELECT action FROM supervision_events WHERE case_id = @caseId ORDER BY seq", new { caseId }));
            Assert.Equal(15945L, await connection.ExecuteScalarAsync<long>("SELECT fund_pay_fen FROM settlements WHERE setl_id = @setlId", new { setlId }));
        }

        // March: the settlement is owed 605.35, the deduction gives 80.00 back to 长春
        var march3260 = await DetailAsync(3);
        Assert.Equal(2, march3260.GetProperty("totalrow").GetInt32());
        var rows = march3260.GetProperty("data").EnumerateArray().ToList();
        var deductionRow = rows.Single(r => r.GetProperty("spvs_dedu_flag").GetString() == "1");
        Assert.Equal((setlId, caseId, "deduction", -80.00m, -80.00m, 0.00m), (deductionRow.GetProperty("setl_sn").GetString(), deductionRow.GetProperty("spvs_case_id").GetString(),
            deductionRow.GetProperty("spvs_dedu_type").GetString(), deductionRow.GetProperty("optins_pay_sumamt").GetDecimal(),
            deductionRow.GetProperty("hifp_pay").GetDecimal(), deductionRow.GetProperty("medfee_sumamt").GetDecimal()));
        Assert.Equal("220102********0110", deductionRow.GetProperty("certno").GetString());
        Assert.Equal(525.35m, rows.Sum(r => r.GetProperty("optins_pay_sumamt").GetDecimal()));

        At(4, 1);
        var march = await MonthlyClearing.ConfirmAsync(Platform.Database, "2026-03", Now);
        var line = Assert.Single(march.Lines);
        Assert.Equal(605.35m, line.AmountOwed);
        var deduction = Assert.Single(march.Deductions!);
        Assert.Equal(("220100", "220200", JilinCentral, 1L, 80.00m, 0.00m, -80.00m),
            (deduction.PayerAdmdvs, deduction.PayeeAdmdvs, deduction.FixmedinsCode, deduction.Cases, deduction.Deducted, deduction.Refunded, deduction.AmountOwed));
        var positions = march.Positions.ToDictionary(p => p.Admdvs);
        Assert.Equal((525.35m, -525.35m), (positions["220200"].Net, positions["220100"].Net));
        Assert.Equal(525.35m, march.Transfers.Single(t => t.Admdvs == "220100" && t.Direction == "pay").Amount);

        // April: the settlement is reversed; the reversal takes the whole 605.35 back, so the 80.00 goes back to the hospital
        At(4, 3);
        (await His.ReverseAsync(setlId, mdtrtId, ZhangWei)).ShouldSucceed();
        var withdrawn = await RowAsync(caseId);
        Assert.Equal(SupervisionCases.Withdrawn, withdrawn.Status);
        Assert.Equal([("deduction", "2026-03", 8000L), ("refund", "2026-04", -8000L)], await MoneyAsync(caseId));

        var frozen = await MonthlyClearing.GetAsync(Platform.Database, "2026-03", Now);
        Assert.Equal(JsonSerializer.Serialize(march, Responses.Json), JsonSerializer.Serialize(frozen, Responses.Json));

        At(5, 1);
        var april = await MonthlyClearing.ComputeAsync(Platform.Database, "2026-04", Now);
        Assert.Equal(-605.35m, Assert.Single(april.Lines).AmountOwed);
        var refund = Assert.Single(april.Deductions!);
        Assert.Equal((0.00m, 80.00m, 80.00m), (refund.Deducted, refund.Refunded, refund.AmountOwed));
        Assert.Equal(-525.35m, april.Positions.Single(p => p.Admdvs == "220200").Net);
        Assert.Equal(0m, march.Positions.Single(p => p.Admdvs == "220200").Net + april.Positions.Single(p => p.Admdvs == "220200").Net);

        var april3260 = (await DetailAsync(4)).GetProperty("data").EnumerateArray().ToList();
        Assert.Equal(2, april3260.Count);
        var refundRow = april3260.Single(r => r.GetProperty("spvs_dedu_flag").GetString() == "1");
        Assert.Equal(("refund", 80.00m), (refundRow.GetProperty("spvs_dedu_type").GetString(), refundRow.GetProperty("optins_pay_sumamt").GetDecimal()));
        Assert.Equal(-525.35m, april3260.Sum(r => r.GetProperty("optins_pay_sumamt").GetDecimal()));

        Assert.Empty(await Invariants.CheckAsync(Platform.Database));
        await RefusedAsync(caseId, ReviewRefusalCode.WrongStatus, () => SupervisionReview.ConfirmAsync(Platform.Database, caseId, First, Now));
    }

    [Fact]
    public async Task The_hospital_appeals_once_and_the_accepted_appeal_waives_the_deduction()
    {
        At(3, 10);
        var caseId = await CaseAsync("2026-03-10");
        At(3, 12);
        Succeeded(await SupervisionReview.ProposeAsync(Platform.Database, caseId, ProvinceStaff, 50m, "重复收取床位费", Now), SupervisionCases.Proposed);
        At(3, 22, 23); // the tenth day after the proposal is the last one
        Succeeded(await SupervisionReview.AppealAsync(Platform.Database, caseId, Clerk, "同日两次床位费为转科所致", Now), SupervisionCases.Appealed);
        await RefusedAsync(caseId, ReviewRefusalCode.AppealedBefore, () => SupervisionReview.AppealAsync(Platform.Database, caseId, Clerk, "再次申诉", Now));
        await RefusedAsync(caseId, ReviewRefusalCode.SameReviewer, () => SupervisionReview.DecideAsync(Platform.Database, caseId, ProvinceStaff, false, null, "同意", Now));
        await RefusedAsync(caseId, ReviewRefusalCode.AmountAboveProposal,
            () => SupervisionReview.DecideAsync(Platform.Database, caseId, Second, true, 50.01m, "维持", Now));
        await RefusedAsync(caseId, ReviewRefusalCode.NoteMissing, () => SupervisionReview.DecideAsync(Platform.Database, caseId, Second, false, null, " ", Now));
        Succeeded(await SupervisionReview.DecideAsync(Platform.Database, caseId, Second, false, null, "转科记录属实，申诉成立", Now), SupervisionCases.Waived);
        await RefusedAsync(caseId, ReviewRefusalCode.AppealedBefore, () => SupervisionReview.AppealAsync(Platform.Database, caseId, Clerk, "第三次", Now));
        Assert.Empty(await MoneyAsync(caseId));
        Assert.Empty(await Invariants.CheckAsync(Platform.Database));

        // a new finding opens the waived case again: a new round, whose proposal the hospital may appeal once again
        At(4, 2);
        await Platform.Database.WriteAsync(async unit =>
        {
            var c = (await unit.FirstOrDefaultAsync<SupervisionCaseRow>("SELECT * FROM supervision_cases WHERE case_id = @caseId", new { caseId }))!;
            var subject = new CaseSubject(caseId, c.SubjectKind, c.SetlId, c.MdtrtId, c.TrtDclaDetlSn, c.InsuplcAdmdvs, c.MdtrtareaAdmvs, c.FixmedinsCode,
                c.PsnNo, c.Insutype, c.MedfeeFen, c.FundPayFen);
            var found = new Violation(SupervisionRule.R04, RuleSeverity.Warn, "明细 0002、0004：重复收费", ["0002", "0004"]);
            return (await SupervisionCases.FileAsync(unit, subject, [new Finding(found)], SupervisionCases.AtAudit, "audit", Now), true);
        });
        Assert.Equal(SupervisionCases.Open, (await RowAsync(caseId)).Status);
        Succeeded(await SupervisionReview.ProposeAsync(Platform.Database, caseId, First, 30m, "重复收费", Now), SupervisionCases.Proposed);
        Assert.Null((await RowAsync(caseId)).AppealedAt);
        Succeeded(await SupervisionReview.AppealAsync(Platform.Database, caseId, Clerk, "两次为不同项目", Now), SupervisionCases.Appealed);
        await RefusedAsync(caseId, ReviewRefusalCode.AppealedBefore, () => SupervisionReview.AppealAsync(Platform.Database, caseId, Clerk, "再次", Now));
    }

    [Fact]
    public async Task A_proposal_not_appealed_in_ten_days_is_confirmed_and_wrong_steps_change_nothing()
    {
        At(3, 10);
        var caseId = await CaseAsync("2026-03-10");
        At(3, 12);
        await RefusedAsync(caseId, ReviewRefusalCode.AmountAboveFundPay,
            () => SupervisionReview.ProposeAsync(Platform.Database, caseId, First, 159.46m, "超出", Now));
        await RefusedAsync(caseId, ReviewRefusalCode.AmountInvalid, () => SupervisionReview.ProposeAsync(Platform.Database, caseId, First, 0m, "零", Now));
        await RefusedAsync(caseId, ReviewRefusalCode.AmountInvalid, () => SupervisionReview.ProposeAsync(Platform.Database, caseId, First, 1.005m, "三位小数", Now));
        await RefusedAsync(caseId, ReviewRefusalCode.NoteMissing, () => SupervisionReview.ProposeAsync(Platform.Database, caseId, First, 10m, "", Now));
        await RefusedAsync(caseId, ReviewRefusalCode.WrongStatus, () => SupervisionReview.AppealAsync(Platform.Database, caseId, Clerk, "尚未拟扣款", Now));
        await RefusedAsync(caseId, ReviewRefusalCode.NotAllowed, () => SupervisionReview.ProposeAsync(Platform.Database, caseId, Clerk, 10m, "医院不能审核", Now));
        Succeeded(await SupervisionReview.ProposeAsync(Platform.Database, caseId, First, 159.45m, "全部基金支付", Now), SupervisionCases.Proposed);
        await RefusedAsync(caseId, ReviewRefusalCode.WrongStatus, () => SupervisionReview.ClearAsync(Platform.Database, caseId, Second, "无违规", Now));
        await RefusedAsync(caseId, ReviewRefusalCode.NotAllowed, () => SupervisionReview.AppealAsync(Platform.Database, caseId, First, "审核人不能申诉", Now));
        At(3, 22);
        await RefusedAsync(caseId, ReviewRefusalCode.AppealWindowOpen, () => SupervisionReview.ConfirmAsync(Platform.Database, caseId, First, Now));

        At(3, 23, 8);
        await RefusedAsync(caseId, ReviewRefusalCode.AppealTooLate, () => SupervisionReview.AppealAsync(Platform.Database, caseId, Clerk, "晚了", Now));
        Succeeded(await SupervisionReview.ConfirmAsync(Platform.Database, caseId, First, Now), SupervisionCases.Deducted);
        Assert.Equal([("deduction", "2026-03", 15945L)], await MoneyAsync(caseId));
        Assert.Empty(await Invariants.CheckAsync(Platform.Database));
    }

    [Fact]
    public async Task Two_reviewers_deciding_the_same_appeal_at_once_deduct_once()
    {
        At(3, 10);
        var caseId = await CaseAsync("2026-03-10");
        Succeeded(await SupervisionReview.ProposeAsync(Platform.Database, caseId, First, 25m, "多收", Now), SupervisionCases.Proposed);
        Succeeded(await SupervisionReview.AppealAsync(Platform.Database, caseId, Clerk, "有医嘱", Now), SupervisionCases.Appealed);

        var outcomes = await Task.WhenAll(
            Task.Run(() => SupervisionReview.DecideAsync(Platform.Database, caseId, Second, true, null, "维持", Now)),
            Task.Run(() => SupervisionReview.DecideAsync(Platform.Database, caseId, ProvinceStaff, true, 10m, "核减", Now)),
            Task.Run(() => SupervisionReview.DecideAsync(Platform.Database, caseId, Second, false, null, "申诉成立", Now)));

        Assert.Single(outcomes, o => o.Ok);
        Assert.All(outcomes.Where(o => !o.Ok), o => Assert.Equal(ReviewRefusalCode.WrongStatus, o.Refusal!.Code));
        var row = await RowAsync(caseId);
        Assert.Equal(row.Status == SupervisionCases.Deducted ? 1 : 0, (await MoneyAsync(caseId)).Count);
        Assert.Empty(await Invariants.CheckAsync(Platform.Database));
    }

    [Fact]
    public async Task Another_hospital_and_another_region_cannot_act_on_a_case_and_are_told_it_is_not_theirs()
    {
        At(3, 10);
        var caseId = await CaseAsync("2026-03-10");
        await RefusedAsync(caseId, ReviewRefusalCode.NotFound, () => SupervisionReview.ProposeAsync(Platform.Database, caseId, OtherRegion, 10m, "吉林市不管长春参保人", Now));
        await RefusedAsync(caseId, ReviewRefusalCode.NotFound, () => SupervisionReview.ClearAsync(Platform.Database, caseId, OtherRegion, "无违规", Now));
        Succeeded(await SupervisionReview.ProposeAsync(Platform.Database, caseId, First, 10m, "多收", Now), SupervisionCases.Proposed);
        await RefusedAsync(caseId, ReviewRefusalCode.NotFound, () => SupervisionReview.AppealAsync(Platform.Database, caseId, OtherClerk, "不是本院", Now));
        await RefusedAsync(caseId, ReviewRefusalCode.NotFound, () => SupervisionReview.AcceptAsync(Platform.Database, caseId, OtherClerk, Now));
        Succeeded(await SupervisionReview.AppealAsync(Platform.Database, caseId, Clerk, "有医嘱", Now), SupervisionCases.Appealed);
        await RefusedAsync(caseId, ReviewRefusalCode.NotFound, () => SupervisionReview.DecideAsync(Platform.Database, caseId, OtherRegion, true, null, "维持", Now));
        Succeeded(await SupervisionReview.DecideAsync(Platform.Database, caseId, ProvinceStaff, true, null, "维持", Now), SupervisionCases.Deducted);
    }

    [Fact]
    public async Task A_reversal_withdraws_a_proposal_with_no_money_and_undoing_a_reversal_brings_a_deduction_back()
    {
        At(3, 10);
        var (proposedSetl, proposedVisit) = await SettleAsync("2026-03-10");
        var proposed = await FileCaseAsync(Platform.Database, proposedSetl, Now);
        Succeeded(await SupervisionReview.ProposeAsync(Platform.Database, proposed, First, 10m, "多收", Now), SupervisionCases.Proposed);
        At(3, 11);
        (await His.ReverseAsync(proposedSetl, proposedVisit, ZhangWei)).ShouldSucceed();
        Assert.Equal(SupervisionCases.Withdrawn, (await RowAsync(proposed)).Status);
        Assert.Empty(await MoneyAsync(proposed));

        At(3, 12);
        var (setlId, mdtrtId) = await SettleAsync("2026-03-12");
        var caseId = await FileCaseAsync(Platform.Database, setlId, Now);
        Succeeded(await SupervisionReview.ProposeAsync(Platform.Database, caseId, First, 20m, "多收", Now), SupervisionCases.Proposed);
        Succeeded(await SupervisionReview.AcceptAsync(Platform.Database, caseId, Clerk, Now), SupervisionCases.Deducted);
        At(3, 13);
        var reversalMsgid = Platform.NewMsgid(JilinCentral);
        (await His.ReverseAsync(setlId, mdtrtId, ZhangWei, msgid: reversalMsgid)).ShouldSucceed();
        Assert.Equal([("deduction", "2026-03", 2000L), ("refund", "2026-03", -2000L)], await MoneyAsync(caseId));
        Assert.Empty(await Invariants.CheckAsync(Platform.Database));

        (await His.UndoAsync(ZhangWei, reversalMsgid, "2208")).ShouldSucceed();
        var back = await RowAsync(caseId);
        Assert.Equal(SupervisionCases.Deducted, back.Status);
        Assert.Equal([("deduction", "2026-03", 2000L)], await MoneyAsync(caseId));
        Assert.Empty(await Invariants.CheckAsync(Platform.Database));
        await RefusedAsync(caseId, ReviewRefusalCode.WrongStatus, () => SupervisionReview.AppealAsync(Platform.Database, caseId, Clerk, "已认可", Now));
    }
}

public sealed class ReviewWorkflowTests_Sqlite() : ReviewWorkflowTests(new SqliteTarget());

public sealed class ReviewWorkflowTests_Postgres() : ReviewWorkflowTests(new PostgresTarget());
