using MedSettle.Web;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace MedSettle.Pages;

/// <summary>A signed-in user asked for a page their role may not open: say so (HTTP 403), who is signed in, and the ways on.</summary>
public sealed class DeniedModel : PageModel
{
    [BindProperty(SupportsGet = true)] public string? ReturnUrl { get; set; }
    public bool SignedIn => User.Identity?.IsAuthenticated == true;
    public string? Requested => ReturnUrl is { } url && Url.IsLocalUrl(url) ? url.Split('?')[0] : null;

    public IActionResult OnGet()
    {
        if (!SignedIn) return LocalRedirect("/login");
        Response.StatusCode = StatusCodes.Status403Forbidden;
        return Page();
    }

    public string RoleName()
    {
        if (User.IsInRole(Roles.Clerk)) return $"医院收费员 · {User.Hospital()}";
        if (User.IsInRole(Roles.Agency)) return $"医保经办机构 · {User.Region()}";
        if (User.IsInRole(Roles.Province)) return "省医保局";
        return "未分配角色";
    }
}
