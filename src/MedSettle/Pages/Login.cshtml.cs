using MedSettle.Storage;
using MedSettle.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace MedSettle.Pages;

/// <summary>Sign-in, throttled per username and per client address (<see cref="LoginThrottle"/>): a lockout is said in words, with its minutes.</summary>
public sealed class LoginModel(Database database, LoginThrottle throttle) : PageModel
{
    [BindProperty(SupportsGet = true)] public string? ReturnUrl { get; set; }
    [BindProperty] public string Username { get; set; } = "";
    [BindProperty] public string Password { get; set; } = "";
    public string? Error { get; private set; }

    public void OnGet() { }

    public async Task<IActionResult> OnPostAsync()
    {
        var username = Username.Trim();
        var (attempt, locked) = await throttle.BeginAsync(username, HttpContext.Connection.RemoteIpAddress);
        if (attempt is null) return Locked(locked!.Value);
        var principal = await Accounts.SignInAsync(database, username, Password);
        if (principal is null)
        {
            if (attempt.LockedIfWrong is { } lockout) return Locked(lockout);
            Error = "用户名或密码不正确";
            return Page();
        }
        await throttle.SucceededAsync(attempt);
        await HttpContext.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, principal);
        if (!string.IsNullOrEmpty(ReturnUrl) && Url.IsLocalUrl(ReturnUrl)) return LocalRedirect(ReturnUrl);
        return LocalRedirect(principal.IsInRole(Roles.Clerk) ? "/window" : "/dashboard");
    }

    private PageResult Locked(TimeSpan lockout)
    {
        Error = LoginThrottle.Message(lockout);
        Response.StatusCode = StatusCodes.Status429TooManyRequests;
        return Page();
    }
}
