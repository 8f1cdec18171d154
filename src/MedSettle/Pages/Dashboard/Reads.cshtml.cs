using MedSettle.Storage;
using MedSettle.Transactions;
using MedSettle.Web;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace MedSettle.Pages.Dashboard;

/// <summary>The audit log of personal-data reads (个人信息访问记录), for the province only: filter, read, export as CSV.</summary>
[Authorize(Roles = Roles.Province)]
public sealed class ReadsModel(Database database, PlatformClock clock) : PageModel
{
    public const int PageSize = 500;

    [BindProperty(SupportsGet = true)] public string? From { get; set; }
    [BindProperty(SupportsGet = true)] public string? To { get; set; }
    [BindProperty(SupportsGet = true)] public string? PsnNo { get; set; }
    [BindProperty(SupportsGet = true)] public string? Hospital { get; set; }
    [BindProperty(SupportsGet = true)] public string? Channel { get; set; }
    [BindProperty(SupportsGet = true)] public string? Actor { get; set; }

    public string? FromError { get; private set; }
    public string? ToError { get; private set; }
    public IReadOnlyList<PersonalDataReadRow> Rows { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync()
    {
        Rows = await PersonalDataReads.QueryAsync(database, Query(PageSize));
        return Page();
    }

    public async Task<IActionResult> OnGetCsvAsync()
    {
        var query = Query(100_000);
        if (FromError is not null || ToError is not null) return await OnGetAsync();
        var rows = await PersonalDataReads.QueryAsync(database, query);
        return File(PersonalDataReads.Csv(rows), "text/csv; charset=utf-8", $"personal-data-reads-{query.From:yyyyMMdd}-{query.To:yyyyMMdd}.csv");
    }

    private PersonalDataReadQuery Query(int limit)
    {
        var today = clock.Today;
        var from = DashboardScope.ParseDate(From, today.AddDays(-6), "开始日期", out var fromError);
        var to = DashboardScope.ParseDate(To, today, "结束日期", out var toError);
        FromError = fromError;
        ToError = toError ?? (to < from ? "结束日期不能早于开始日期" : null);
        From = from.ToText();
        To = to.ToText();
        return new PersonalDataReadQuery(from, to, Blank(PsnNo), Blank(Hospital), Blank(Channel), Blank(Actor), limit);
    }

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
