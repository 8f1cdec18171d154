using MedSettle.Storage;
using MedSettle.Web;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace MedSettle.Pages.Dashboard;

/// <summary>
/// 目录对照: the item mapping of each hospital in scope, and one hospital's in full. Mapping is the treating side's
/// (就医地目录、就医地管理): an agency sees the hospitals of its own region, the province every hospital; another region's
/// hospital answers as one that does not exist.
/// </summary>
public sealed class MappingModel(Database database, PlatformClock clock) : PageModel
{
    /// <summary>The agency's region, or null for the province.</summary>
    public string? Region { get; private set; }
    public IReadOnlyDictionary<string, string> RegionNames { get; private set; } = new Dictionary<string, string>();
    public IReadOnlyList<MappingSummary> Hospitals { get; private set; } = [];

    /// <summary>The hospital chosen (/dashboard/mapping/{code}), or null for the list alone.</summary>
    public MappingView? View { get; private set; }

    public async Task<IActionResult> OnGetAsync(string? code)
    {
        if (DashboardScope.IsMisconfigured(User)) return Forbid();
        Region = DashboardScope.ForcedHome(User);
        var today = clock.Today;
        RegionNames = (await DashboardScope.RegionsAsync(database)).ToDictionary(r => r.Admdvs, r => r.Name);
        Hospitals = await MappingPages.SummariesAsync(database, Region, today);
        if (code is null) return Page();
        if (Hospitals.All(h => h.FixmedinsCode != code) || await MappingPages.ViewAsync(database, code, today) is not { } view) return NotFound();
        View = view;
        return Page();
    }

    public string RegionName(string admdvs) => RegionNames.GetValueOrDefault(admdvs, admdvs);
}
