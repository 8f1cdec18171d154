using MedSettle.Storage;

namespace MedSettle.Web;

/// <summary>Look-ups the window's pages call as the clerk types: diagnoses and catalogue items.</summary>
public static class WindowApi
{
    /// <summary>
    /// One item found. Settable properties, not a positional record: a search that finds nothing gives SQLite no row to
    /// type the level column by, and a constructor match would fail on it (HTTP 500 instead of an empty list).
    /// </summary>
    public sealed class CatalogueHit
    {
        public string Code { get; init; } = "";
        public string Name { get; init; } = "";
        public string ListType { get; init; } = "";
        public string ChargeType { get; init; } = "";
        public long Level { get; init; }
        public string SelfpayProp { get; init; } = "";
        public string? PricUplmtAmt { get; init; }

        /// <summary>
        /// The count above which one line of this item is unusual enough for the window to ask (a slipped key: 100 for 10):
        /// drugs (list_type 1xx) are billed by the tablet, ampoule or gram, services (2xx) and consumables (3xx) one by one.
        /// </summary>
        public int UsualMaxCount => ListType.StartsWith('1') ? 100 : 30;
    }

    /// <summary>
    /// Catalogue search: a code by its start, a name or its pinyin initials anywhere in it (TBQS finds 注射用头孢曲松钠,
    /// ZSYTBQSN); code and initials prefixes first. The name was always matched anywhere, so the initials cost no extra scan.
    /// </summary>
    public static IEndpointRouteBuilder MapWindowApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/window/api").RequireAuthorization(WebSetup.ClerkPolicy);
        api.MapGet("/icd10", (string? q) => TypedResults.Json(Icd10.Search(q).Select(d => new { code = d.Code, name = d.Name })));
        api.MapGet("/catalogue", async (string? q, Database db) =>
        {
            var query = (q ?? "").Trim();
            if (query.Length == 0) return TypedResults.Json(Array.Empty<CatalogueHit>());
            var hits = await db.ReadAsync(unit => unit.QueryAsync<CatalogueHit>(
                """
                SELECT med_list_codg AS code, med_list_name AS name, list_type, med_chrgitm_type AS charge_type, CAST(chrgitm_lv AS BIGINT) AS level,
                       selfpay_prop, pric_uplmt_amt
                FROM catalogue
                WHERE med_list_codg LIKE @prefix OR med_list_name LIKE @contains OR name_initials LIKE @initials
                ORDER BY CASE WHEN med_list_codg LIKE @prefix THEN 0 WHEN name_initials LIKE @prefix THEN 1 ELSE 2 END, med_list_codg
                LIMIT 20
                """, new { prefix = query.ToUpperInvariant() + "%", contains = "%" + query + "%", initials = "%" + query.ToUpperInvariant() + "%" }));
            return TypedResults.Json(hits.ToArray());
        });
        return app;
    }
}
