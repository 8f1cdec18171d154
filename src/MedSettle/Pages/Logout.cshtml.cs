using MedSettle.Storage;
using MedSettle.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace MedSettle.Pages;

/// <summary>Signing out ends the account's sessions on the server too (a new security stamp), not only this browser's cookie.</summary>
public sealed class LogoutModel(Database database) : PageModel
{
    public async Task<IActionResult> OnPostAsync()
    {
        if (User.Identity is { IsAuthenticated: true, Name: { } username }) await Accounts.EndSessionsAsync(database, username);
        await HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        return LocalRedirect("/login");
    }

    public IActionResult OnGet() => LocalRedirect("/login");
}
