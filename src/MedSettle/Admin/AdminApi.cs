using System.Globalization;
using MedSettle.Privacy;
using MedSettle.Storage;
using MedSettle.Transactions;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MedSettle.Admin;

/// <summary>
/// /api/admin: the province's figures and the monthly clearing, behind a bearer token. A region's token sees the figures
/// of its own insured only (its region is forced as insuplc_admdvs), and of the clearing only the lines, positions,
/// transfers and disputes its region takes part in; computing and confirming are the province's.
/// </summary>
public static class AdminApi
{
    public sealed record Problem(string Error);

    public static IEndpointRouteBuilder MapAdminApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/api/admin");
        admin.MapGet("/stats", GetStatsAsync);
        admin.MapPost("/clearing/{month}", (string month, HttpContext http, Database db, PlatformClock clock) =>
            Answer(http, () => ProvinceOnly(http, () => MonthlyClearing.ComputeAsync(db, month, clock.Now))));
        admin.MapGet("/clearing/{month}", (string month, HttpContext http, Database db, PlatformClock clock) =>
            Answer(http, () => MonthlyClearing.GetAsync(db, month, clock.Now)));
        admin.MapPost("/clearing/{month}/confirm", (string month, HttpContext http, Database db, PlatformClock clock) =>
            Answer(http, () => ProvinceOnly(http, () => MonthlyClearing.ConfirmAsync(db, month, clock.Now))));
        admin.MapGet("/personal-data-reads", GetPersonalDataReadsAsync);
        return app;
    }

    private static async Task<Results<JsonHttpResult<StatsReport>, JsonHttpResult<Problem>>> GetStatsAsync(
        string? from, string? to, string? insuplc_admdvs, string? mdtrtarea_admvs, string? fixmedins_code, HttpContext http, Database db)
    {
        var region = http.Scope().Region;
        if (region is not null && Blank(insuplc_admdvs) is { } asked && asked != region)
            return TypedResults.Json(new Problem($"本令牌只能查询参保地 {region} 的数据，不能查询 {asked}"), TransactionApi.Json, statusCode: 403);
        if (!TryDate(from, out var start) || !TryDate(to, out var end))
            return TypedResults.Json(new Problem("from 与 to 必填，格式 yyyy-MM-dd，如 ?from=2026-03-01&to=2026-03-31"), TransactionApi.Json, statusCode: 400);
        if (end < start)
            return TypedResults.Json(new Problem($"to（{to}）不能早于 from（{from}）"), TransactionApi.Json, statusCode: 400);
        var report = await Stats.ComputeAsync(db, new StatsQuery(start, end, region ?? Blank(insuplc_admdvs), Blank(mdtrtarea_admvs), Blank(fixmedins_code)));
        return TypedResults.Json(report, TransactionApi.Json);
    }

    /// <summary>The audit log of personal-data reads: ?from&amp;to (yyyy-MM-dd, required), psn_no, fixmedins_code, channel (api|web),
    /// actor, limit (≤ 100000); format=csv for a file. The province's tokens only: a region's token is answered 403.</summary>
    private static async Task<IResult> GetPersonalDataReadsAsync(string? from, string? to, string? psn_no, string? fixmedins_code, string? channel,
        string? actor, int? limit, string? format, HttpContext http, Database db)
    {
        if (!http.Scope().IsProvince)
            return TypedResults.Json(new Problem($"本令牌限于统筹区 {http.Scope().Region}：个人信息查询日志只能用全省令牌导出"), TransactionApi.Json, statusCode: 403);
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

    private static async Task<Results<JsonHttpResult<ClearingStatement>, JsonHttpResult<Problem>>> Answer(HttpContext http, Func<Task<ClearingStatement>> work)
    {
        try
        {
            var statement = await work();
            return TypedResults.Json(http.Scope().Region is { } region ? OfRegion(statement, region) : statement, TransactionApi.Json);
        }
        catch (ClearingRefused refused)
        {
            return TypedResults.Json(new Problem(refused.Message), TransactionApi.Json, statusCode: refused.Status);
        }
    }

    private static Task<ClearingStatement> ProvinceOnly(HttpContext http, Func<Task<ClearingStatement>> work) =>
        http.Scope().IsProvince ? work() : throw new ClearingRefused(403, $"本令牌限于统筹区 {http.Scope().Region}：只能查看本统筹区的清算，计算与确认清算须使用全省令牌");

    /// <summary>The part of a statement a region takes part in, with totals over its own lines.</summary>
    public static ClearingStatement OfRegion(ClearingStatement statement, string region)
    {
        var lines = statement.Lines.Where(l => l.PayerAdmdvs == region || l.PayeeAdmdvs == region).ToList();
        return statement with
        {
            Lines = lines,
            Totals = new ClearingTotals(lines.Sum(l => l.Count), lines.Sum(l => l.MedfeeSumamt), lines.Sum(l => l.FundPaySumamt),
                lines.Sum(l => l.AcctPay), lines.Sum(l => l.AmountOwed)),
            Positions = statement.Positions.Where(p => p.Admdvs == region).ToList(),
            Transfers = statement.Transfers.Where(t => t.Admdvs == region).ToList(),
            Disputes = statement.Disputes.Where(d => d.PayerAdmdvs == region || d.PayeeAdmdvs == region).ToList(),
        };
    }

    private static bool TryDate(string? text, out DateOnly date) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date);

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
