using System.Globalization;
using MedSettle.Engine;
using MedSettle.Transactions.Requests;

namespace MedSettle.Transactions;

/// <summary>
/// 1312 医保目录信息查询, 1318 医保目录限价查询 and 1319 医保目录先自付比例查询: the catalogue's rows by code, name, type and day,
/// from its history (catalogue_history: every version of every row, in force from its import until the next one's). With
/// query_date, the version of each row in force that day (an import on that day counts: a row's version is the one in
/// force at the day's end); without it, every version. 1318 answers the versions with a price ceiling (pric_uplmt_amt),
/// 1319 the 乙类 versions with their self-pay ratio (甲类 pays none first, 丙类 is wholly the patient's: 1312 says which a
/// code is). Paged as the national platform pages (firstPage, lastPage, size, startRow, pageSize, pageNum, recordCounts,
/// pages, data[]); nothing matching is an empty list. The catalogue is the province's, the same for every hospital.
/// </summary>
public static class CatalogueQueries
{
    private sealed class HistoryRow
    {
        public string MedListCodg { get; set; } = "";
        public long Ver { get; set; }
        public string MedListName { get; set; } = "";
        public string ListType { get; set; } = "";
        public string MedChrgitmType { get; set; } = "";
        public long ChrgitmLv { get; set; }
        public string SelfpayProp { get; set; } = "0";
        public string? PricUplmtAmt { get; set; }
        public string? NameInitials { get; set; }
        public long Limited { get; set; }
        public string Begntime { get; set; } = "";
        public string? Endtime { get; set; }
        public string CrteTime { get; set; } = "";

        public string Rid => $"{MedListCodg}-{Ver}";
        public string Begndate => Begntime[..10];
        public string? Enddate => Endtime?[..10];
    }

    public static Task<object?> InformationAsync(TransactionContext ctx, CatalogueQuery query) =>
        QueryAsync(ctx, query, null, r => new
        {
            hilist_code = r.MedListCodg,
            hilist_name = r.MedListName,
            insu_admdvs = (string?)null,
            begndate = r.Begndate,
            enddate = r.Enddate,
            med_chrgitm_type = r.MedChrgitmType,
            chrgitm_lv = ((ChargeLevel)r.ChrgitmLv).Code(),
            lmt_used_flag = r.Limited == 1 ? "1" : "0",
            list_type = r.ListType,
            med_use_flag = "1",
            matn_used_flag = (string?)null,
            hilist_use_type = (string?)null,
            lmt_cpnd_type = (string?)null,
            wubi = (string?)null,
            pinyin = r.NameInitials,
            memo = (string?)null,
            vali_flag = "1",
            rid = r.Rid,
            updt_time = r.Begntime,
            crter_id = (string?)null,
            crter_name = (string?)null,
            crte_time = r.CrteTime,
            crte_optins_no = (string?)null,
            opter_id = (string?)null,
            opter_name = (string?)null,
            opt_time = (string?)null,
            optins_no = (string?)null,
            poolarea_no = (string?)null,
        });

    public static Task<object?> PriceCeilingsAsync(TransactionContext ctx, CatalogueQuery query) =>
        QueryAsync(ctx, query, "h.pric_uplmt_amt IS NOT NULL", r => new
        {
            hilist_code = r.MedListCodg,
            hilist_lmtpric_type = (string?)null,
            overlmt_dspo_way = (string?)null,
            insu_admdvs = (string?)null,
            begndate = r.Begndate,
            enddate = r.Enddate,
            hilist_pric_uplmt_amt = decimal.Parse(r.PricUplmtAmt!, CultureInfo.InvariantCulture),
            vali_flag = "1",
            rid = r.Rid,
            updt_time = r.Begntime,
            crter_id = (string?)null,
            crter_name = (string?)null,
            crte_time = r.CrteTime,
            crte_optins_no = (string?)null,
            opter_id = (string?)null,
            opter_name = (string?)null,
            opt_time = (string?)null,
            optins_no = (string?)null,
            tabname = (string?)null,
            poolarea_no = (string?)null,
        });

    public static Task<object?> SelfPayRatiosAsync(TransactionContext ctx, CatalogueQuery query) =>
        QueryAsync(ctx, query, $"h.chrgitm_lv = {(int)ChargeLevel.ClassB}", r => new
        {
            hilist_code = r.MedListCodg,
            selfpay_prop_psn_type = (string?)null,
            selfpay_prop_type = (string?)null,
            insu_admdvs = (string?)null,
            begndate = r.Begndate,
            enddate = r.Enddate,
            selfpay_prop = decimal.Parse(r.SelfpayProp, CultureInfo.InvariantCulture),
            vali_flag = "1",
            rid = r.Rid,
            updt_time = r.Begntime,
            crter_id = (string?)null,
            crter_name = (string?)null,
            crte_time = r.CrteTime,
            crte_optins_no = (string?)null,
            opter_id = (string?)null,
            opter_name = (string?)null,
            opt_time = (string?)null,
            optins_no = (string?)null,
            tabname = (string?)null,
            poolarea_no = (string?)null,
        });

    /// <summary>The page of the history's rows that match the query (and <paramref name="kind"/>, the transaction's own condition), each answered by <paramref name="answer"/>.</summary>
    private static async Task<object?> QueryAsync(TransactionContext ctx, CatalogueQuery query, string? kind, Func<HistoryRow, object> answer)
    {
        foreach (var ignored in query.Ignored) ctx.Warn($"已忽略 {ignored}：本平台的医保目录为全省统一目录，不按此字段区分");
        var page = query.Page;
        if (page.AskedSize > page.PageSize) ctx.Warn($"page_size {page.AskedSize} 超过每页上限 {Paging.MaxSize}，按 {Paging.MaxSize} 行一页答复");
        if (query.ValiFlag == "0") return PageAnswer(page, 0, Array.Empty<object>()); // every row the platform keeps is valid

        var conditions = new List<string>();
        if (kind is not null) conditions.Add(kind);
        if (query.QueryDate is not null) conditions.Add("h.begntime < @dayAfter AND (h.endtime IS NULL OR h.endtime >= @dayAfter)");
        if (query.HilistCode is not null) conditions.Add("h.med_list_codg = @code");
        if (query.HilistName is not null) conditions.Add(@"h.med_list_name LIKE @name ESCAPE '\'");
        if (query.Pinyin is not null) conditions.Add(@"h.name_initials LIKE @pinyin ESCAPE '\'");
        if (query.ListType is not null) conditions.Add("h.list_type = @listType");
        if (query.MedChrgitmType is not null) conditions.Add("h.med_chrgitm_type = @medChrgitmType");
        if (query.ChrgitmLv is not null) conditions.Add("h.chrgitm_lv = @level");
        if (query.LmtUsedFlag is not null) conditions.Add($"{Limited} = @limited");
        if (query.UpdatedSince is not null) conditions.Add("h.begntime >= @updated");
        var where = conditions.Count == 0 ? "" : "WHERE " + string.Join(" AND ", conditions);
        var parameters = new
        {
            dayAfter = query.QueryDate?.AddDays(1).ToDateTime(TimeOnly.MinValue).ToText(),
            code = query.HilistCode,
            name = Containing(query.HilistName),
            pinyin = Containing(query.Pinyin),
            listType = query.ListType,
            medChrgitmType = query.MedChrgitmType,
            level = (int?)query.ChrgitmLv,
            limited = query.LmtUsedFlag == "1" ? 1 : 0,
            updated = query.UpdatedSince?.ToText(),
            limit = page.PageSize,
            offset = page.Offset,
        };
        var total = await ctx.Db.ScalarAsync<long>($"SELECT COUNT(*) FROM catalogue_history h {where}", parameters);
        IEnumerable<HistoryRow> rows = total <= page.Offset ? [] : await ctx.Db.QueryAsync<HistoryRow>(
            $"""
            SELECT h.med_list_codg, h.ver, h.med_list_name, h.list_type, h.med_chrgitm_type, h.chrgitm_lv, h.selfpay_prop, h.pric_uplmt_amt,
                   h.name_initials, {Limited} AS limited, h.begntime, h.endtime,
                   (SELECT MIN(f.begntime) FROM catalogue_history f WHERE f.med_list_codg = h.med_list_codg) AS crte_time
            FROM catalogue_history h {where}
            ORDER BY h.med_list_codg, h.ver
            LIMIT @limit OFFSET @offset
            """, parameters);
        return PageAnswer(page, total, rows.Select(answer).ToList());
    }

    /// <summary>1 where a version carries a limit of use (the supervision limits of catalogue.csv), else 0.</summary>
    private static readonly string Limited = LimitedOf("h.");

    /// <summary>1 where the catalogue row (columns prefixed <paramref name="prefix"/>) carries a limit of use (the supervision limits of catalogue.csv), else 0.</summary>
    internal static string LimitedOf(string prefix) =>
        $"(CASE WHEN {prefix}lmt_gend IS NULL AND {prefix}lmt_age_min IS NULL AND {prefix}lmt_age_max IS NULL AND {prefix}lmt_daily_cnt IS NULL "
        + $"AND {prefix}excl_group IS NULL THEN 0 ELSE 1 END)";

    /// <summary>A LIKE pattern for text containing <paramref name="part"/> (its own %, _ and \ escaped).</summary>
    private static string? Containing(string? part) =>
        part is null ? null : "%" + part.Replace(@"\", @"\\", StringComparison.Ordinal).Replace("%", @"\%", StringComparison.Ordinal).Replace("_", @"\_", StringComparison.Ordinal) + "%";

    /// <summary>
    /// A page as the national platform answers one (PageHelper's names, camelCase as they are, not snake_case): firstPage and
    /// lastPage (the first and last page numbers; 0 when there are none), size (rows on this page), startRow (the first
    /// row's number from 1; 0 when none), pageSize, pageNum, recordCounts (rows in all), pages, data.
    /// </summary>
    internal static Dictionary<string, object?> PageAnswer<T>(Paging page, long total, IReadOnlyList<T> rows)
    {
        var pages = (total + page.PageSize - 1) / page.PageSize;
        return new Dictionary<string, object?>
        {
            ["firstPage"] = pages > 0 ? 1 : 0,
            ["lastPage"] = pages,
            ["size"] = rows.Count,
            ["startRow"] = rows.Count > 0 ? page.Offset + 1 : 0,
            ["pageSize"] = page.PageSize,
            ["pageNum"] = page.PageNum,
            ["recordCounts"] = total,
            ["pages"] = pages,
            ["data"] = rows,
        };
    }
}
