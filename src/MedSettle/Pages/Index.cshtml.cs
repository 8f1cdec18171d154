using MedSettle.Web;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace MedSettle.Pages;

public sealed class IndexModel : PageModel
{
    public IActionResult OnGet() =>
        User.Identity?.IsAuthenticated != true ? LocalRedirect("/login")
        : User.IsInRole(Roles.Clerk) ? LocalRedirect("/window")
        : LocalRedirect("/dashboard");
}
