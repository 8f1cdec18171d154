using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.WebUtilities;

namespace MedSettle.Web;

/// <summary>
/// Turns a totals file larger than <see cref="HisTotalsFile.MaxBytes"/> away before its body is read (the antiforgery
/// check reads the whole form otherwise): back to the day page, which says so in the clerk's words. A body sent without
/// a declared length is cut by the server at the same limit.
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class TotalsUploadLimitAttribute : Attribute, IAuthorizationFilter, IOrderedFilter
{
    /// <summary>The day, the antiforgery token and the multipart framing around the file.</summary>
    private const int FormMargin = 8 * 1024;

    /// <summary>After the sign-in check, before the antiforgery check (1000), which reads the form.</summary>
    public int Order => 500;

    public void OnAuthorization(AuthorizationFilterContext context)
    {
        var request = context.HttpContext.Request;
        if (!HttpMethods.IsPost(request.Method) || !string.Equals(request.Query["handler"], "Import", StringComparison.OrdinalIgnoreCase)) return;
        if (request.ContentLength is { } length)
        {
            if (length > HisTotalsFile.MaxBytes + FormMargin)
                context.Result = new RedirectResult(QueryHelpers.AddQueryString(request.PathBase + request.Path,
                    new Dictionary<string, string?> { ["day"] = request.Query["day"], ["tooLarge"] = length.ToString(System.Globalization.CultureInfo.InvariantCulture) }));
        }
        else if (context.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = HisTotalsFile.MaxBytes + FormMargin;
        }
    }
}
