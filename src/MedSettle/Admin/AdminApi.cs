using System.Globalization;
using MedSettle.Privacy;
using MedSettle.Storage;
using MedSettle.Transactions;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MedSettle.Admin;

/// <summary>/api/admin: the province's figures and the monthly clearing, behind a bearer token.</summary>
public static class AdminApi
{
    public sealed record Problem(string Error);

    public static IEndpointRouteBuilder MapAdminApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/api/admin");
        admin.MapGet("/stats", GetStatsAsync);
        admin.MapPost("/clearing/{month}", (string month, Database db, PlatformClock clock) =>
            Answer(() => MonthlyClearing.ComputeAsync(db, month, clock.Now)));
        admin.MapGet("/clearing/{month}", (string month, Database db, PlatformClock clock) =>
            Answer(() => MonthlyClearing.GetAsync(db, month, clock.Now)));
        admin.MapGet("/personal-data-reads", GetPersonalDataReadsAsync);
        admin.MapPost("/clearing/{month}/confirm", (string month, Database db, PlatformClock clock) =>
            Answer(() => MonthlyClearing.ConfirmAsync(db, month, clock.Now)));
        return app;
    }

    private static async Task<Results<JsonHttpResult<StatsReport>, JsonHttpResult<Problem>>> GetStatsAsync(
        string? from, string? to, string? insuplc_admdvs, string? mdtrtarea_admvs, string? fixmedins_code, Database db)
    {
        if (!TryDate(from, out var start) || !TryDate(to, out var end))
            return TypedResults.Json(new Problem("from 与 to 必填，格式 yyyy-MM-dd，如 ?from=2026-03-01&to=2026-03-31"), TransactionApi.Json, statusCode: 400);
        if (end < start)
            return TypedResults.Json(new Problem($"to（{to}）不能早于 from（{from}）"), TransactionApi.Json, statusCode: 400);
        var report = await Stats.ComputeAsync(db, new StatsQuery(start, end, Blank(insuplc_admdvs), Blank(mdtrtarea_admvs), Blank(fixmedins_code)));
        return TypedResults.Json(report, TransactionApi.Json);
    }

    /// <summary>The audit log of personal-data reads: ?from&amp;to (yyyy-MM-dd, required), psn_no, fixmedins_code, channel (api|web),
    /// actor, limit (≤ 100000); format=csv for a file. A province token's view (admin tokens are the province's).</summary>
    private static async Task<IResult> GetPersonalDataReadsAsync(string? from, string? to, string? psn_no, string? fixmedins_code, string? channel,
        string? actor, int? limit, string? format, Database db)
    {
        if (!TryDate(from, out var start) || !TryDate(to, out var end))
            return TypedResults.Json(new Problem("from 与 to 必填，格式 yyyy-MM-dd，如 ?from=2026-03-01&to=2026-03-31"), TransactionApi.Json, statusCode: 400);
        if (end < start)
            return TypedResults.Json(new Problem($"to（{to}）不能早于 from（{from}）"), TransactionApi.Json, statusCode: 400);
        var rows = await PersonalDataReads.QueryAsync(db, new PersonalDataReadQuery(start, end, Blank(psn_no), Blank(fixmedins_code), Blank(channel),
            Blank(actor), limit ?? 10_000));
        return format == "csv"
            ? TypedResults.File(PersonalDataReads.Csv(rows), "text/csv; charset=utf-8", $"personal-data-reads-{start:yyyyMMdd}-{end:yyyyMMdd}.csv")
            : TypedResults.Json(new { count = rows.Count, reads = rows }, TransactionApi.Json);
    }

    private static async Task<Results<JsonHttpResult<ClearingStatement>, JsonHttpResult<Problem>>> Answer(Func<Task<ClearingStatement>> work)
    {
        try
        {
            return TypedResults.Json(await work(), TransactionApi.Json);
        }
        catch (ClearingRefused refused)
        {
            return TypedResults.Json(new Problem(refused.Message), TransactionApi.Json, statusCode: refused.Status);
        }
    }

    private static bool TryDate(string? text, out DateOnly date) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date);

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
