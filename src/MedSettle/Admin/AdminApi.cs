using System.Globalization;
using MedSettle.Storage;
using MedSettle.Transactions;
using MedSettle.Transactions.Groups;
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
        admin.AddEndpointFilter(AnswerFailuresAsync);
        admin.MapGet("/health", (Database db, SettlementGroups groups) => TypedResults.Json(new
        {
            status = "ok",
            database = db.Provider.ToString().ToLowerInvariant(),
            settlement_groups = db.Provider == DbProvider.Postgres ? groups.Figures() : null, // groups are PostgreSQL's
        }, Responses.Json));
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
            return TypedResults.Json(new Problem($"本令牌只能查询参保地 {region} 的数据，不能查询 {asked}"), Responses.Json, statusCode: 403);
        if (Period(from, to, MaxStatsDays, out var start, out var end) is { } problem)
            return BadRequest(problem);
        var report = await Stats.ComputeAsync(db, new StatsQuery(start, end, region ?? Blank(insuplc_admdvs), Blank(mdtrtarea_admvs), Blank(fixmedins_code)));
        return TypedResults.Json(report, Responses.Json);
    }

    /// <summary>The audit log of personal-data reads: ?from&amp;to (yyyy-MM-dd, required), psn_no, fixmedins_code, channel (api|web),
    /// actor, limit (1 to 100000, default 10000); format=csv for a file (or json). The province's tokens only: a region's token is answered 403.</summary>
    private static async Task<IResult> GetPersonalDataReadsAsync(string? from, string? to, string? psn_no, string? fixmedins_code, string? channel,
        string? actor, string? limit, string? format, HttpContext http, Database db)
    {
        if (!http.Scope().IsProvince)
            return TypedResults.Json(new Problem($"本令牌限于统筹区 {http.Scope().Region}：个人信息查询日志只能用全省令牌导出"), Responses.Json, statusCode: 403);
        if (Period(from, to, maxDays: null, out var start, out var end) is { } problem)
            return BadRequest(problem);
        var rowLimit = 10_000;
        if (Blank(limit) is { } limitText
            && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out rowLimit) || rowLimit is < 1 or > MaxReadRows))
            return BadRequest($"limit“{Shorten(limitText)}”应为 1 至 {MaxReadRows} 的整数");
        if (Blank(channel) is { } channelText && channelText is not (PersonalDataReads.Api or PersonalDataReads.Web))
            return BadRequest($"channel“{Shorten(channelText)}”应为 {PersonalDataReads.Api}（接口）或 {PersonalDataReads.Web}（页面）");
        if (Blank(format) is { } formatText && formatText is not ("csv" or "json"))
            return BadRequest($"format“{Shorten(formatText)}”应为 csv 或 json");
        var rows = await PersonalDataReads.QueryAsync(db, new PersonalDataReadQuery(start, end, Blank(psn_no), Blank(fixmedins_code), Blank(channel),
            Blank(actor), rowLimit));
        return Blank(format) == "csv"
            ? TypedResults.File(PersonalDataReads.Csv(rows), "text/csv; charset=utf-8", $"personal-data-reads-{start:yyyyMMdd}-{end:yyyyMMdd}.csv")
            : TypedResults.Json(new { count = rows.Count, reads = rows }, Responses.Json);
    }

    private static async Task<Results<JsonHttpResult<ClearingStatement>, JsonHttpResult<Problem>>> Answer(HttpContext http, Func<Task<ClearingStatement>> work)
    {
        try
        {
            var statement = await work();
            return TypedResults.Json(http.Scope().Region is { } region ? OfRegion(statement, region) : statement, Responses.Json);
        }
        catch (ClearingRefused refused)
        {
            return TypedResults.Json(new Problem(refused.Message), Responses.Json, statusCode: refused.Status);
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
            Totals = ClearingTotals.Of(lines),
            Positions = statement.Positions.Where(p => p.Admdvs == region).ToList(),
            Transfers = statement.Transfers.Where(t => t.Admdvs == region).ToList(),
            Disputes = statement.Disputes.Where(d => d.PayerAdmdvs == region || d.PayeeAdmdvs == region).ToList(),
            Deductions = statement.Deductions?.Where(d => d.PayerAdmdvs == region || d.PayeeAdmdvs == region).ToList(),
        };
    }

    /// <summary>The days the admin API answers for (months and dates outside are refused with 400): far wider than any data, narrow enough for every date sum.</summary>
    public static readonly DateOnly FirstDay = new(2000, 1, 1), LastDay = new(2099, 12, 31);

    /// <summary>The longest period of one figures request (two years); longer ones are asked year by year.</summary>
    public const int MaxStatsDays = 731;

    public const int MaxReadRows = 100_000;

    /// <summary>Why ?from&amp;to is no period the API answers for (missing, malformed, out of bounds, backwards, longer than <paramref name="maxDays"/>), or null.</summary>
    private static string? Period(string? from, string? to, int? maxDays, out DateOnly start, out DateOnly end)
    {
        end = default;
        if (!TryDate(from, out start) || !TryDate(to, out end))
            return "from 与 to 必填，格式 yyyy-MM-dd，如 ?from=2026-03-01&to=2026-03-31";
        if (start < FirstDay || end > LastDay || start > LastDay || end < FirstDay)
            return $"日期须在 {FirstDay.ToText()} 至 {LastDay.ToText()} 之间（from={Shorten(from!)}，to={Shorten(to!)}）";
        if (end < start)
            return $"to（{to}）不能早于 from（{from}）";
        if (maxDays is { } max && end.DayNumber - start.DayNumber + 1 > max)
            return $"查询期间 {from} 至 {to} 共 {end.DayNumber - start.DayNumber + 1} 天，超过一次最多 {max} 天：请分段（如逐年）查询";
        return null;
    }

    private static bool TryDate(string? text, out DateOnly date) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date);

    private static JsonHttpResult<Problem> BadRequest(string reason) => TypedResults.Json(new Problem(reason), Responses.Json, statusCode: 400);

    private static string Shorten(string text) => text.Length <= 20 ? text : text[..20] + "…";

    /// <summary>An unexpected failure is answered 500 with a reason in JSON, as every other answer of the admin API (and logged), never an empty body.</summary>
    private static async ValueTask<object?> AnswerFailuresAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(AdminApi))
                .LogError(e, "Admin request {Path} failed unexpectedly", context.HttpContext.Request.Path);
            return TypedResults.Json(new Problem("平台内部错误，请稍后重试；如持续出现请联系平台运维"), Responses.Json, statusCode: 500);
        }
    }

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
