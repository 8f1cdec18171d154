using System.Globalization;
using MedSettle.Engine;
using MedSettle.Storage;
using MedSettle.Transactions;
using MedSettle.Web;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace MedSettle.Pages.Dashboard;

/// <summary>
/// One supervision case for the agency: the evidence (violations and the fee lines they name), the settlement's figures,
/// the person masked, the history, and the forms of the actions its status allows. Another region's case answers 404.
/// </summary>
public sealed class SupervisionCaseModel(Database database, PlatformClock clock) : PageModel
{
    public CaseView View { get; private set; } = null!;
    public string? Message { get; private set; }
    public string? Problem { get; private set; }
    public string? ProblemField { get; private set; }

    /// <summary>What the reviewer typed, shown again after a refusal.</summary>
    public string? Typed { get; private set; }
    public string? TypedAmount { get; private set; }

    public SupervisionCaseRow Case => View.Case;
    public bool IsStaff { get; private set; }
    public string Me => User.Identity?.Name ?? "";

    public Task<IActionResult> OnGetAsync(string caseId) => LoadAsync(caseId);

    public Task<IActionResult> OnPostClearAsync(string caseId, string? note) =>
        ActAsync(caseId, note, null, actor => SupervisionReview.ClearAsync(database, caseId, actor, note, clock.Now));

    public Task<IActionResult> OnPostProposeAsync(string caseId, string? amount, string? reason) =>
        ActAsync(caseId, reason, amount, actor => ParseAmount(amount, out var value) is { } bad ? Task.FromResult(bad)
            : SupervisionReview.ProposeAsync(database, caseId, actor, value, reason, clock.Now));

    public Task<IActionResult> OnPostDecideAsync(string caseId, string? decision, string? amount, string? note) =>
        ActAsync(caseId, note, amount, actor =>
        {
            if (decision is not ("uphold" or "waive"))
                return Task.FromResult(new ReviewOutcome(null, "请选择复核结论：申诉不成立（扣款）或申诉成立（不扣款）",
                    new ReviewRefusal(ReviewRefusalCode.NoteMissing, "请选择复核结论", "decision")));
            decimal? value = null;
            if (decision == "uphold" && !string.IsNullOrWhiteSpace(amount))
            {
                if (ParseAmount(amount, out var parsed) is { } bad) return Task.FromResult(bad);
                value = parsed;
            }
            return SupervisionReview.DecideAsync(database, caseId, actor, decision == "uphold", value, note, clock.Now);
        });

    public Task<IActionResult> OnPostConfirmAsync(string caseId) =>
        ActAsync(caseId, null, null, actor => SupervisionReview.ConfirmAsync(database, caseId, actor, clock.Now));

    private static ReviewOutcome? ParseAmount(string? text, out decimal? value)
    {
        value = null;
        if (string.IsNullOrWhiteSpace(text)) return null; // the workflow says what is missing
        if (decimal.TryParse(text.Trim(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var parsed))
        {
            value = parsed;
            return null;
        }
        var message = $"扣款金额“{text.Trim()}”不是有效金额，请填写元，最多两位小数（如 120.50）";
        return new ReviewOutcome(null, message, new ReviewRefusal(ReviewRefusalCode.AmountInvalid, message, "amount"));
    }

    private async Task<IActionResult> ActAsync(string caseId, string? typed, string? amount, Func<CaseActor, Task<ReviewOutcome>> act)
    {
        if (SupervisionPages.ActorOf(User) is not { IsStaff: true } actor) return Forbid();
        var outcome = await act(actor);
        if (outcome.Refusal?.Code == ReviewRefusalCode.NotFound) return NotFound();
        if (outcome.Ok) Message = outcome.Message;
        else (Problem, ProblemField, Typed, TypedAmount) = (outcome.Message, outcome.Refusal!.Field, typed, amount);
        return await LoadAsync(caseId);
    }

    private async Task<IActionResult> LoadAsync(string caseId)
    {
        if (SupervisionPages.ActorOf(User) is not { IsStaff: true } actor) return Forbid();
        IsStaff = true;
        var view = await database.WriteAsync(async unit =>
        {
            var found = await SupervisionPages.CaseAsync(unit, actor, caseId);
            if (found?.Person is { } person)
                await PageReads.WriteAsync(unit, User, clock.Now, "/Dashboard/SupervisionCase", person, "智能监管案件审核（姓名、证件号码已脱敏）", caseId);
            return (found, found is not null);
        });
        if (view is null) return NotFound();
        View = view;
        return Page();
    }

    public static decimal M(long fen) => Money.FromFen(fen);

    public DateOnly Today => clock.Today;
}
