using MedSettle.Engine;
using MedSettle.Storage;
using MedSettle.Transactions;
using MedSettle.Web;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace MedSettle.Pages.Window;

/// <summary>
/// 监管扣款: the hospital's side of 事后审核. The agencies' proposed deductions on this hospital's settlements, with the
/// evidence, an appeal form (once, within 10 days) and the button to accept; then how each was decided. Only this
/// hospital's cases.
/// </summary>
public sealed class SupervisionModel(Database database, PlatformClock clock) : PageModel
{
    public IReadOnlyList<CaseListRow> Cases { get; private set; } = [];
    public long Total { get; private set; }
    public string? Message { get; private set; }
    public string? Problem { get; private set; }

    /// <summary>The case the last action concerned, and the appeal text typed (shown again after a refusal).</summary>
    public string? ActedOn { get; private set; }
    public string? TypedAppeal { get; private set; }

    public DateOnly Today => clock.Today;

    public Task OnGetAsync() => LoadAsync();

    public Task OnPostAppealAsync(string caseId, string? text) =>
        ActAsync(caseId, text, actor => SupervisionReview.AppealAsync(database, caseId, actor, text, clock.Now));

    public Task OnPostAcceptAsync(string caseId) =>
        ActAsync(caseId, null, actor => SupervisionReview.AcceptAsync(database, caseId, actor, clock.Now));

    private async Task ActAsync(string caseId, string? text, Func<CaseActor, Task<ReviewOutcome>> act)
    {
        var outcome = await act(SupervisionPages.ActorOf(User)!);
        ActedOn = caseId;
        if (outcome.Ok) Message = outcome.Message;
        else (Problem, TypedAppeal) = (outcome.Message, text);
        await LoadAsync();
    }

    private async Task LoadAsync() =>
        (Cases, Total) = await SupervisionPages.QueueAsync(database, SupervisionPages.ActorOf(User)!, new CaseFilter(), proposalsOnly: true);

    public static decimal M(long fen) => Money.FromFen(fen);
}
