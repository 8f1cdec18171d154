using System.Security.Claims;
using MedSettle.Storage;
using MedSettle.Transactions;

namespace MedSettle.Web;

/// <summary>The personal-data reads of the pages (<see cref="PersonalDataReads"/>, channel web): who read whom, on which page, why.</summary>
public static class PageReads
{
    /// <summary>A page that shows one person, read by a signed-in account (clerk, agency or province staff).</summary>
    public static Task WriteAsync(UnitOfWork unit, ClaimsPrincipal user, DateTime at, string page, PersonRow person, string purpose, string? reference) =>
        PersonalDataReads.WriteAsync(unit, at, PersonalDataReads.Web, user.Identity?.Name ?? "", user.Hospital(), page,
            new PersonalDataRead(person.PsnNo, person.InsuplcAdmdvs, purpose), reference);
}
