using MedSettle.Engine;
using MedSettle.Storage;
using MedSettle.Transactions;
using MedSettle.Web;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace MedSettle.Pages.Dashboard;

/// <summary>智能监管: the review queue of the cases the account may see, counted per rule, per hospital and per month, with filters.</summary>
public sealed class SupervisionModel(Database database) : PageModel
{
    [BindProperty(SupportsGet = true)] public string? Status { get; set; }
    [BindProperty(SupportsGet = true)] public string? Rule { get; set; }
    [BindProperty(SupportsGet = true)] public string? Hospital { get; set; }
    [BindProperty(SupportsGet = true)] public string? Month { get; set; }

    public string? ForcedHome { get; private set; }
    public IReadOnlyDictionary<string, string> RegionNames { get; private set; } = new Dictionary<string, string>();
    public IReadOnlyList<HospitalOption> Hospitals { get; private set; } = [];
    public IReadOnlyList<CaseListRow> Cases { get; private set; } = [];
    public long Total { get; private set; }
    public IReadOnlyList<CaseCount> ByRule { get; private set; } = [];
    public IReadOnlyList<CaseCount> ByHospital { get; private set; } = [];
    public IReadOnlyList<CaseCount> ByMonth { get; private set; } = [];
    public string? MonthError { get; private set; }

    public async Task<IActionResult> OnGetAsync()
    {
        if (SupervisionPages.ActorOf(User) is not { IsStaff: true } actor) return Forbid();
        ForcedHome = DashboardScope.ForcedHome(User);
        RegionNames = (await DashboardScope.RegionsAsync(database)).ToDictionary(r => r.Admdvs, r => r.Name);
        Hospitals = await DashboardScope.HospitalsAsync(database);
        if (!string.IsNullOrWhiteSpace(Month) && !System.Text.RegularExpressions.Regex.IsMatch(Month.Trim(), "^\\d{4}-(0[1-9]|1[0-2])$"))
        {
            MonthError = $"月份“{Month}”格式不对，应为 yyyy-MM（如 2026-03）";
            Month = null;
        }
        var filter = new CaseFilter(Status, Rule, Hospital, Month);
        (Cases, Total) = await SupervisionPages.QueueAsync(database, actor, filter);
        (ByRule, ByHospital, ByMonth) = await SupervisionPages.CountsAsync(database, actor, filter);
        return Page();
    }

    public string RegionName(string admdvs) => RegionNames.GetValueOrDefault(admdvs, admdvs);

    public static decimal M(long fen) => Money.FromFen(fen);

    public static IEnumerable<(string Code, string Name)> RuleOptions =>
        Enum.GetValues<SupervisionRule>().Select(r => (r.Code(), r.ChineseName()));

    public static string StatusName(string status) => SupervisionReview.StatusName(status);
}
