using System.Globalization;
using MedSettle.Engine;
using MedSettle.Storage;

namespace MedSettle.Transactions;

/// <summary>
/// Who acts on a supervision case: agency staff of one home region, the province, or a clerk of one hospital.
/// <paramref name="User"/> is the account's username (what four eyes compares); <paramref name="Name"/> what pages show.
/// </summary>
public sealed record CaseActor(string User, string Name, string? Region, string? Hospital, bool Province)
{
    public static CaseActor Agency(string user, string name, string region) => new(user, name, region, null, false);

    public static CaseActor ProvinceStaff(string user, string name) => new(user, name, null, null, true);

    public static CaseActor Clerk(string user, string name, string hospital) => new(user, name, null, hospital, false);

    public bool IsStaff => Province || Region is not null;

    /// <summary>Whether the actor may see the case: its home region's agency or the province, or its treating hospital's clerk.</summary>
    public bool Sees(SupervisionCaseRow c) => Province || (Region is not null && Region == c.InsuplcAdmdvs) || (Hospital is not null && Hospital == c.FixmedinsCode);

    /// <summary>The actor as written in the case's history (at most 100 characters).</summary>
    public string Label => User;
}

/// <summary>A row of supervision_cases.</summary>
public sealed class SupervisionCaseRow
{
    public string CaseId { get; set; } = "";
    public string SubjectKind { get; set; } = "";
    public string? SetlId { get; set; }
    public string? MdtrtId { get; set; }
    public string? TrtDclaDetlSn { get; set; }
    public string InsuplcAdmdvs { get; set; } = "";
    public string MdtrtareaAdmvs { get; set; } = "";
    public string FixmedinsCode { get; set; } = "";
    public string PsnNo { get; set; } = "";
    public string Insutype { get; set; } = "";
    public long MedfeeFen { get; set; }
    public long FundPayFen { get; set; }
    public string Status { get; set; } = "";
    public string OpenedAt { get; set; } = "";
    public string UpdatedAt { get; set; } = "";
    public string? ReviewedBy { get; set; }
    public string? ReviewedAt { get; set; }
    public string? ReviewNote { get; set; }
    public long? ProposedFen { get; set; }
    public string? AppealText { get; set; }
    public string? AppealedBy { get; set; }
    public string? AppealedAt { get; set; }
    public string? DecidedBy { get; set; }
    public string? DecidedAt { get; set; }
    public string? DecisionNote { get; set; }
    public long? DeductedFen { get; set; }
    public string? DeductionMonth { get; set; }

    /// <summary>The last day the hospital may appeal a proposal (the proposal's day + <see cref="SupervisionReview.AppealDays"/>), if proposed.</summary>
    public DateOnly? AppealDeadline => ProposedFen is not null && ReviewedAt is not null
        ? Formats.ParseDate(ReviewedAt).AddDays(SupervisionReview.AppealDays) : null;
}

/// <summary>Why an action on a case was refused: a code engineers test against, and the words for the clerk or reviewer.</summary>
public enum ReviewRefusalCode
{
    NotFound, NotAllowed, WrongStatus, NoteMissing, AmountInvalid, AmountAboveFundPay, AmountAboveProposal, NoSettlement,
    AppealedBefore, AppealTooLate, AppealTextMissing, SameReviewer, AppealWindowOpen,
}

public sealed record ReviewRefusal(ReviewRefusalCode Code, string Message, string? Field = null);

/// <summary>What an action did (<see cref="Status"/> after it) or why it was refused (nothing changed).</summary>
public sealed record ReviewOutcome(string? Status, string Message, ReviewRefusal? Refusal)
{
    public bool Ok => Refusal is null;
}

/// <summary>
/// 事后审核 (docs/SUPERVISION.md "After settlement"): the agency's first review (clear, or propose a deduction), the
/// hospital's one appeal within <see cref="AppealDays"/> days (or its acceptance), the second reviewer's decision (four
/// eyes), the confirmation of a proposal not appealed in time. Each action is pure checks on the case read under lock,
/// then its writes and one event, in one transaction; a refused action changes nothing. A confirmed deduction is a row
/// of supervision_deductions in the month it is confirmed; the settlement is never edited.
/// </summary>
public static class SupervisionReview
{
    /// <summary>The hospital may appeal a proposed deduction until the proposal's day plus this many days (inclusive).</summary>
    public const int AppealDays = 10;

    /// <summary>Kinds of supervision_deductions rows: a confirmed deduction (positive, back to the home region) and its refund when the settlement is reversed (negative).</summary>
    public const string DeductionKind = "deduction", RefundKind = "refund";

    public const int MaxNoteLength = 500, MaxAppealLength = 1000;

    /// <summary>The statuses in the words of clerks and reviewers.</summary>
    public static string StatusName(string status) => status switch
    {
        SupervisionCases.Open => "待审核",
        SupervisionCases.Cleared => "无违规（已结案）",
        SupervisionCases.Proposed => "拟扣款",
        SupervisionCases.Appealed => "申诉中",
        SupervisionCases.Deducted => "已扣款",
        SupervisionCases.Waived => "申诉成立（不扣款）",
        SupervisionCases.Withdrawn => "结算已撤销",
        _ => status,
    };

    public static readonly string[] Statuses =
    [
        SupervisionCases.Open, SupervisionCases.Proposed, SupervisionCases.Appealed, SupervisionCases.Deducted, SupervisionCases.Waived,
        SupervisionCases.Cleared, SupervisionCases.Withdrawn,
    ];

    /// <summary>第一审核人: 无违规，结案 (open → cleared), with a note.</summary>
    public static Task<ReviewOutcome> ClearAsync(Database database, string caseId, CaseActor actor, string? note, DateTime now) =>
        ActAsync(database, caseId, actor, now, async (db, c) =>
        {
            if (Staff(c, actor) is { } notAllowed) return notAllowed;
            if (c.Status != SupervisionCases.Open) return WrongStatus(c, "结案");
            if (Text(note, MaxNoteLength, "审核意见", "note") is { } bad) return bad;
            await db.ExecuteAsync(
                $"""
                UPDATE supervision_cases SET status = '{SupervisionCases.Cleared}', reviewed_by = @user, reviewed_at = @at, review_note = @note,
                    proposed_fen = NULL, {NewRound}, updated_at = @at WHERE case_id = @caseId
                """, new { user = actor.User, at = now.ToText(), note = note!.Trim(), caseId });
            await SupervisionCases.RecordAsync(db, caseId, actor.Label, "cleared", now, "无违规：" + note.Trim());
            return Done(SupervisionCases.Cleared, $"案件 {caseId} 已审核为无违规并结案");
        });

    /// <summary>第一审核人: 拟扣款 (open → proposed): an amount above 0 and at most the settlement's fund pay, and a reason.</summary>
    public static Task<ReviewOutcome> ProposeAsync(Database database, string caseId, CaseActor actor, decimal? amount, string? reason, DateTime now) =>
        ActAsync(database, caseId, actor, now, async (db, c) =>
        {
            if (Staff(c, actor) is { } notAllowed) return notAllowed;
            if (c.Status != SupervisionCases.Open) return WrongStatus(c, "提出扣款");
            if (c.SetlId is null)
                return Refused(ReviewRefusalCode.NoSettlement, $"案件 {caseId} 不是结算案件（没有医保基金支付），不能扣款；请审核后结案");
            var settlement = await db.FirstOrDefaultAsync<(long FundPayFen, string? ReversedBy)>(
                "SELECT fund_pay_fen, reversed_by FROM settlements WHERE setl_id = @setlId", new { setlId = c.SetlId });
            if (settlement.ReversedBy is not null)
                return Refused(ReviewRefusalCode.WrongStatus, $"结算 {c.SetlId} 已撤销（撤销结算ID {settlement.ReversedBy}），基金支付已全额退回，不能扣款");
            if (Amount(amount, settlement.FundPayFen, "扣款金额", "基金支付金额") is { } badAmount) return badAmount;
            if (Text(reason, MaxNoteLength, "扣款理由", "reason") is { } bad) return bad;
            var fen = Money.ToFen(amount!.Value);
            await db.ExecuteAsync(
                $"""
                UPDATE supervision_cases SET status = '{SupervisionCases.Proposed}', reviewed_by = @user, reviewed_at = @at, review_note = @reason,
                    proposed_fen = @fen, {NewRound}, updated_at = @at WHERE case_id = @caseId
                """, new { user = actor.User, at = now.ToText(), reason = reason!.Trim(), fen, caseId });
            await SupervisionCases.RecordAsync(db, caseId, actor.Label, "proposed", now, $"拟扣款 {Yuan(fen)} 元：{reason.Trim()}");
            var deadline = DateOnly.FromDateTime(now).AddDays(AppealDays);
            return Done(SupervisionCases.Proposed, $"案件 {caseId} 拟扣款 {Yuan(fen)} 元，已通知医院；医院可在 {deadline.ToText()} 前（含当日）申诉一次");
        });

    /// <summary>医院: 申诉 (proposed → appealed), once, until the proposal's day + <see cref="AppealDays"/>, with a text.</summary>
    public static Task<ReviewOutcome> AppealAsync(Database database, string caseId, CaseActor actor, string? text, DateTime now) =>
        ActAsync(database, caseId, actor, now, async (db, c) =>
        {
            if (Hospital(c, actor) is { } notAllowed) return notAllowed;
            if (c.AppealedAt is not null)
                return Refused(ReviewRefusalCode.AppealedBefore, $"案件 {caseId} 已于 {c.AppealedAt[..10]} 申诉过，每个案件只能申诉一次");
            if (c.Status != SupervisionCases.Proposed) return WrongStatus(c, "申诉");
            if (DateOnly.FromDateTime(now) > c.AppealDeadline!.Value)
                return Refused(ReviewRefusalCode.AppealTooLate,
                    $"申诉期已过：拟扣款于 {c.ReviewedAt![..10]} 提出，申诉截止 {c.AppealDeadline.Value.ToText()}（{AppealDays} 日内），不能再申诉");
            if (Text(text, MaxAppealLength, "申诉理由", "text") is { } bad) return bad;
            await db.ExecuteAsync(
                $"""
                UPDATE supervision_cases SET status = '{SupervisionCases.Appealed}', appeal_text = @text, appealed_by = @user, appealed_at = @at,
                    updated_at = @at WHERE case_id = @caseId
                """, new { text = text!.Trim(), user = actor.User, at = now.ToText(), caseId });
            await SupervisionCases.RecordAsync(db, caseId, actor.Label, "appealed", now, "申诉：" + text.Trim());
            return Done(SupervisionCases.Appealed, $"案件 {caseId} 的申诉已提交，由经办机构另一名审核人复核");
        });

    /// <summary>医院: 认可扣款 (proposed → deducted at the proposed amount, in this month).</summary>
    public static Task<ReviewOutcome> AcceptAsync(Database database, string caseId, CaseActor actor, DateTime now) =>
        ActAsync(database, caseId, actor, now, async (db, c) =>
        {
            if (Hospital(c, actor) is { } notAllowed) return notAllowed;
            if (c.Status != SupervisionCases.Proposed) return WrongStatus(c, "认可扣款");
            await DeductAsync(db, c, actor, c.ProposedFen!.Value, "医院认可扣款", now);
            await SupervisionCases.RecordAsync(db, caseId, actor.Label, "accepted", now, $"医院认可扣款 {Yuan(c.ProposedFen.Value)} 元");
            return Done(SupervisionCases.Deducted, $"已认可扣款 {Yuan(c.ProposedFen.Value)} 元，计入 {Month(now)} 月清算");
        });

    /// <summary>
    /// 第二审核人 (not the one who proposed): decides an appeal. Upheld (the proposed amount, or less) → deducted;
    /// the appeal accepted → waived.
    /// </summary>
    public static Task<ReviewOutcome> DecideAsync(Database database, string caseId, CaseActor actor, bool uphold, decimal? amount, string? note, DateTime now) =>
        ActAsync(database, caseId, actor, now, async (db, c) =>
        {
            if (Staff(c, actor) is { } notAllowed) return notAllowed;
            if (c.Status != SupervisionCases.Appealed) return WrongStatus(c, "复核申诉");
            if (string.Equals(c.ReviewedBy, actor.User, StringComparison.Ordinal))
                return Refused(ReviewRefusalCode.SameReviewer, $"您是案件 {caseId} 的初审人（提出扣款），申诉须由经办机构另一名审核人复核（双人复核）");
            if (Text(note, MaxNoteLength, "复核意见", "note") is { } bad) return bad;
            if (!uphold)
            {
                await db.ExecuteAsync(
                    $"""
                    UPDATE supervision_cases SET status = '{SupervisionCases.Waived}', decided_by = @user, decided_at = @at, decision_note = @note,
                        updated_at = @at WHERE case_id = @caseId
                    """, new { user = actor.User, at = now.ToText(), note = note!.Trim(), caseId });
                await SupervisionCases.RecordAsync(db, caseId, actor.Label, "waived", now, "申诉成立，不扣款：" + note.Trim());
                return Done(SupervisionCases.Waived, $"案件 {caseId} 申诉成立，不扣款");
            }
            var fen = amount is null ? c.ProposedFen!.Value : Money.ToFen(amount.Value);
            if (amount is not null && Amount(amount, c.ProposedFen!.Value, "扣款金额", "拟扣款金额", ReviewRefusalCode.AmountAboveProposal) is { } badAmount)
                return badAmount;
            await DeductAsync(db, c, actor, fen, note!.Trim(), now);
            await SupervisionCases.RecordAsync(db, caseId, actor.Label, "upheld", now, $"申诉不成立，扣款 {Yuan(fen)} 元：{note.Trim()}");
            return Done(SupervisionCases.Deducted, $"案件 {caseId} 申诉不成立，扣款 {Yuan(fen)} 元，计入 {Month(now)} 月清算");
        });

    /// <summary>审核人 (may be the proposer): confirms a proposal the hospital did not appeal within the appeal window (proposed → deducted).</summary>
    public static Task<ReviewOutcome> ConfirmAsync(Database database, string caseId, CaseActor actor, DateTime now) =>
        ActAsync(database, caseId, actor, now, async (db, c) =>
        {
            if (Staff(c, actor) is { } notAllowed) return notAllowed;
            if (c.Status != SupervisionCases.Proposed) return WrongStatus(c, "确认扣款");
            if (DateOnly.FromDateTime(now) <= c.AppealDeadline!.Value)
                return Refused(ReviewRefusalCode.AppealWindowOpen,
                    $"医院申诉期至 {c.AppealDeadline.Value.ToText()} 止，期满未申诉后才能确认扣款（医院也可先行认可扣款）");
            await DeductAsync(db, c, actor, c.ProposedFen!.Value, "申诉期满未申诉", now);
            await SupervisionCases.RecordAsync(db, caseId, actor.Label, "confirmed", now, $"申诉期满未申诉，确认扣款 {Yuan(c.ProposedFen.Value)} 元");
            return Done(SupervisionCases.Deducted, $"案件 {caseId} 确认扣款 {Yuan(c.ProposedFen.Value)} 元，计入 {Month(now)} 月清算");
        });

    /// <summary>
    /// In a reversal's own transaction (2208/2305, 2601 of a settlement, the window's 撤销): the settlement's case ends as
    /// 结算已撤销. A confirmed deduction is refunded to the hospital by a negative row of the reversal's month (the reversal
    /// already takes the whole fund pay back); an open, proposed or appealed case ends with no money. A cleared or waived
    /// case stays as decided; its history notes the reversal.
    /// </summary>
    public static async Task SettlementReversedAsync(UnitOfWork db, string setlId, string reversalId, string actor, DateTime now)
    {
        var c = await db.FirstOrDefaultAsync<SupervisionCaseRow>("SELECT * FROM supervision_cases WHERE case_id = @caseId" + db.ForUpdate,
            new { caseId = CaseSubject.SettlementCase(setlId) });
        if (c is null) return;
        if (c.Status is SupervisionCases.Cleared or SupervisionCases.Waived or SupervisionCases.Withdrawn)
        {
            await SupervisionCases.RecordAsync(db, c.CaseId, actor, "settlement_reversed", now, $"结算已撤销（撤销结算ID {reversalId}），案件状态不变");
            return;
        }
        var refund = c.Status == SupervisionCases.Deducted ? c.DeductedFen ?? 0 : 0;
        if (refund > 0)
            await db.ExecuteAsync(
                """
                INSERT INTO supervision_deductions (case_id, kind, month, at, insuplc_admdvs, mdtrtarea_admvs, fixmedins_code, setl_id, amount_fen)
                VALUES (@CaseId, @kind, @month, @at, @InsuplcAdmdvs, @MdtrtareaAdmvs, @FixmedinsCode, @SetlId, @amount)
                """, new { c.CaseId, kind = RefundKind, month = Month(now), at = now.ToText(), c.InsuplcAdmdvs, c.MdtrtareaAdmvs, c.FixmedinsCode, c.SetlId, amount = -refund });
        await db.ExecuteAsync($"UPDATE supervision_cases SET status = '{SupervisionCases.Withdrawn}', updated_at = @at WHERE case_id = @caseId",
            new { at = now.ToText(), caseId = c.CaseId });
        await SupervisionCases.RecordAsync(db, c.CaseId, actor, "withdrawn", now,
            $"结算已撤销（撤销结算ID {reversalId}），案件终止（原状态：{StatusName(c.Status)}）"
            + (refund > 0 ? $"；已扣款 {Yuan(refund)} 元于 {Month(now)} 月清算退回医院" : ""));
    }

    /// <summary>
    /// In a 2601's transaction that undoes a reversal (the settlement stands again, in the reversal's own month): a case
    /// the reversal withdrew comes back. One whose deduction was refunded is deducted again (the refund row is removed;
    /// it belongs to this month, not yet cleared); any other is open again, to be reviewed afresh.
    /// </summary>
    public static async Task SettlementReinstatedAsync(UnitOfWork db, string setlId, string actor, DateTime now)
    {
        var caseId = CaseSubject.SettlementCase(setlId);
        var c = await db.FirstOrDefaultAsync<SupervisionCaseRow>("SELECT * FROM supervision_cases WHERE case_id = @caseId" + db.ForUpdate, new { caseId });
        if (c is null || c.Status != SupervisionCases.Withdrawn) return;
        var refunded = await db.ExecuteAsync("DELETE FROM supervision_deductions WHERE case_id = @caseId AND kind = @kind", new { caseId, kind = RefundKind });
        var status = refunded > 0 ? SupervisionCases.Deducted : SupervisionCases.Open;
        await db.ExecuteAsync("UPDATE supervision_cases SET status = @status, updated_at = @at WHERE case_id = @caseId", new { status, at = now.ToText(), caseId });
        await SupervisionCases.RecordAsync(db, caseId, actor, "reinstated", now,
            refunded > 0 ? "撤销已冲正，结算恢复：扣款恢复有效，退回取消" : "撤销已冲正，结算恢复：案件重新待审核");
    }

    /// <summary>
    /// A first review starts a new round: a case opened again by a new finding (after 结案 or 申诉成立) forgets the last
    /// round's appeal and decision (its history keeps them), so the hospital may appeal the new proposal once.
    /// </summary>
    private const string NewRound =
        "appeal_text = NULL, appealed_by = NULL, appealed_at = NULL, decided_by = NULL, decided_at = NULL, decision_note = NULL";

    private static async Task DeductAsync(UnitOfWork db, SupervisionCaseRow c, CaseActor actor, long fen, string note, DateTime now)
    {
        var month = Month(now);
        await db.ExecuteAsync(
            $"""
            UPDATE supervision_cases SET status = '{SupervisionCases.Deducted}', decided_by = @user, decided_at = @at, decision_note = @note,
                deducted_fen = @fen, deduction_month = @month, updated_at = @at WHERE case_id = @caseId
            """, new { user = actor.User, at = now.ToText(), note, fen, month, caseId = c.CaseId });
        await db.ExecuteAsync(
            """
            INSERT INTO supervision_deductions (case_id, kind, month, at, insuplc_admdvs, mdtrtarea_admvs, fixmedins_code, setl_id, amount_fen)
            VALUES (@CaseId, @kind, @month, @at, @InsuplcAdmdvs, @MdtrtareaAdmvs, @FixmedinsCode, @SetlId, @fen)
            """, new { c.CaseId, kind = DeductionKind, month, at = now.ToText(), c.InsuplcAdmdvs, c.MdtrtareaAdmvs, c.FixmedinsCode, c.SetlId, fen });
    }

    private static async Task<ReviewOutcome> ActAsync(Database database, string caseId, CaseActor actor, DateTime now,
        Func<UnitOfWork, SupervisionCaseRow, Task<ReviewOutcome>> act) =>
        await database.WriteAsync(async db =>
        {
            var c = await db.FirstOrDefaultAsync<SupervisionCaseRow>("SELECT * FROM supervision_cases WHERE case_id = @caseId" + db.ForUpdate, new { caseId });
            // a case outside the actor's scope is answered as if it did not exist
            if (c is null || !actor.Sees(c)) return (Refused(ReviewRefusalCode.NotFound, $"没有找到案件 {caseId}，或它不在您的管辖范围内"), false);
            var outcome = await act(db, c);
            return (outcome, outcome.Ok);
        });

    private static ReviewOutcome? Staff(SupervisionCaseRow c, CaseActor actor) =>
        actor.Province || (actor.Region is not null && actor.Region == c.InsuplcAdmdvs) ? null
            : Refused(ReviewRefusalCode.NotAllowed, "只有参保地经办机构或省级审核人员可以审核该案件");

    private static ReviewOutcome? Hospital(SupervisionCaseRow c, CaseActor actor) =>
        actor.Hospital is not null && actor.Hospital == c.FixmedinsCode ? null
            : Refused(ReviewRefusalCode.NotAllowed, "只有就医医院可以对该案件申诉或认可扣款");

    private static ReviewOutcome WrongStatus(SupervisionCaseRow c, string what) =>
        Refused(ReviewRefusalCode.WrongStatus, $"案件 {c.CaseId} 当前状态为“{StatusName(c.Status)}”，不能{what}" + c.Status switch
        {
            SupervisionCases.Open => "：请先审核（结案或提出扣款）",
            SupervisionCases.Proposed => "：拟扣款待医院申诉或认可",
            SupervisionCases.Appealed => "：申诉待经办机构复核",
            _ => "：案件已办结",
        });

    private static ReviewOutcome? Text(string? text, int max, string label, string field) =>
        string.IsNullOrWhiteSpace(text) ? Refused(ReviewRefusalCode.NoteMissing, $"请填写{label}", field)
        : text.Trim().Length > max ? Refused(ReviewRefusalCode.NoteMissing, $"{label}最多 {max} 字，现有 {text.Trim().Length} 字", field)
        : null;

    private static ReviewOutcome? Amount(decimal? amount, long ceilingFen, string label, string ceilingLabel,
        ReviewRefusalCode above = ReviewRefusalCode.AmountAboveFundPay)
    {
        if (amount is not { } a || a <= 0 || !Money.HasAtMostTwoPlaces(a))
            return Refused(ReviewRefusalCode.AmountInvalid, $"请填写{label}（元，大于 0，最多两位小数）", "amount");
        return Money.ToFen(a) > ceilingFen
            ? Refused(above, $"{label} {a:0.00} 元超过该结算的{ceilingLabel} {Yuan(ceilingFen)} 元", "amount")
            : null;
    }

    private static ReviewOutcome Done(string status, string message) => new(status, message, null);

    private static ReviewOutcome Refused(ReviewRefusalCode code, string message, string? field = null) => new(null, message, new ReviewRefusal(code, message, field));

    public static string Yuan(long fen) => Money.FromFen(fen).ToString("0.00", CultureInfo.InvariantCulture);

    public static string Month(DateTime now) => now.ToString("yyyy-MM", CultureInfo.InvariantCulture);
}
