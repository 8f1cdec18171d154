using MedSettle.Storage;
using MedSettle.Web;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace MedSettle.Pages.Window;

/// <summary>目录对照: the clerk's own hospital's item mapping (3301/3302), what is in force today and the codes its uploads sent unmapped.</summary>
public sealed class MappingModel(Database database, PlatformClock clock) : PageModel
{
    public MappingView View { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync()
    {
        if (User.Hospital() is not { Length: > 0 } hospital || await MappingPages.ViewAsync(database, hospital, clock.Today) is not { } view) return Forbid();
        View = view;
        return Page();
    }
}
