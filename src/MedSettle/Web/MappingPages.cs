using MedSettle.Storage;
using MedSettle.Transactions;

namespace MedSettle.Web;

/// <summary>Items mapped and in force on a day, of one list type (101 西药中成药, 201 医疗服务项目…).</summary>
public sealed record MappedCount(string ListType, long Items)
{
    public string ListTypeName => Dictionaries.Label("list_type", ListType);
}

/// <summary>One change of a hospital's mapping: a row uploaded (3301) or withdrawn (3302), with the message that did it.</summary>
public sealed class MappingChange
{
    public string At { get; set; } = "";
    public string Kind { get; set; } = "";
    public string Msgid { get; set; } = "";
    public string FixmedinsHilistId { get; set; } = "";
    public string FixmedinsHilistName { get; set; } = "";
    public string ListType { get; set; } = "";
    public string MedListCodg { get; set; } = "";
    public string? MedListName { get; set; }
    public string Begndate { get; set; } = "";
    public string? Enddate { get; set; }
    public bool Withdrawal => Kind == "withdraw";
    public string Period => ItemMappings.Period(Begndate, Enddate);
}

/// <summary>A code fee uploads sent without a mapping in force: how often, when first and last, and whether one is in force today.</summary>
public sealed class MappingMiss
{
    public string FixmedinsHilistId { get; set; } = "";
    public long SeenCount { get; set; }
    public string FirstSeenAt { get; set; } = "";
    public string LastSeenAt { get; set; } = "";
    public long MappedNow { get; set; }
}

/// <summary>One hospital's mapping as the pages show it: what is in force today, the latest changes, the codes seen unmapped.</summary>
public sealed record MappingView(HospitalRow Hospital, DateOnly Today, IReadOnlyList<MappedCount> InForce, long Withdrawn,
    IReadOnlyList<MappingChange> Recent, IReadOnlyList<MappingMiss> Misses, long MissesTotal)
{
    public long ItemsInForce => InForce.Sum(c => c.Items);
    public long StillUnmapped => Misses.Count(m => m.MappedNow == 0);
}

/// <summary>A hospital's line in the agencies' list: items in force today, codes still unmapped and how often they were sent, the last change.</summary>
public sealed class MappingSummary
{
    public string FixmedinsCode { get; set; } = "";
    public string FixmedinsName { get; set; } = "";
    public string Admdvs { get; set; } = "";
    public long CrossRegionEnabled { get; set; }
    public long InForce { get; set; }
    public long Unmapped { get; set; }
    public long UnmappedSeen { get; set; }
    public string? LastChange { get; set; }
}

/// <summary>
/// The reads of the 目录对照 pages (the window's, for the clerk's own hospital; the dashboard's, for the hospitals in an
/// agency's region or the whole province). Read only: mappings change through 3301/3302 alone.
/// </summary>
public static class MappingPages
{
    /// <summary>How many changes and unmapped codes a hospital's page lists (the latest, the most sent).</summary>
    public const int Listed = 50;

    /// <summary>"in force on @today" for item_mappings aliased <paramref name="alias"/>.</summary>
    private static string InForce(string alias) =>
        $"{alias}.withdrawn_at IS NULL AND {alias}.begndate <= @today AND ({alias}.enddate IS NULL OR {alias}.enddate >= @today)";

    /// <summary>One hospital's mapping on <paramref name="today"/>; null when there is no such hospital.</summary>
    public static Task<MappingView?> ViewAsync(Database database, string fixmedinsCode, DateOnly today) =>
        database.ReadAsync(async unit =>
        {
            var hospital = await unit.FirstOrDefaultAsync<HospitalRow>("SELECT * FROM hospitals WHERE fixmedins_code = @fixmedinsCode", new { fixmedinsCode });
            if (hospital is null) return null;
            var p = new { fixmedinsCode, today = today.ToText(), limit = Listed };
            var counts = (await unit.QueryAsync<MappedCount>(
                $"""
                SELECT i.list_type, COUNT(DISTINCT i.fixmedins_hilist_id) AS items FROM item_mappings i
                WHERE i.fixmedins_code = @fixmedinsCode AND {InForce("i")} GROUP BY i.list_type ORDER BY i.list_type
                """, p)).ToList();
            var withdrawn = await unit.ScalarAsync<long>(
                "SELECT COUNT(*) FROM item_mappings WHERE fixmedins_code = @fixmedinsCode AND withdrawn_at IS NOT NULL", p);
            var recent = (await unit.QueryAsync<MappingChange>(
                """
                SELECT c.at, c.kind, c.msgid, c.fixmedins_hilist_id, c.fixmedins_hilist_name, c.list_type, c.med_list_codg, g.med_list_name, c.begndate, c.enddate
                FROM (SELECT uploaded_at AS at, 'upload' AS kind, upload_msgid AS msgid, row_no, fixmedins_hilist_id, fixmedins_hilist_name, list_type, med_list_codg, begndate, enddate
                      FROM item_mappings WHERE fixmedins_code = @fixmedinsCode
                      UNION ALL
                      SELECT withdrawn_at, 'withdraw', withdrawn_msgid, row_no, fixmedins_hilist_id, fixmedins_hilist_name, list_type, med_list_codg, begndate, enddate
                      FROM item_mappings WHERE fixmedins_code = @fixmedinsCode AND withdrawn_at IS NOT NULL) c
                LEFT JOIN catalogue g ON g.med_list_codg = c.med_list_codg
                ORDER BY c.at DESC, c.kind DESC, c.msgid DESC, c.row_no DESC
                LIMIT @limit
                """, p)).ToList();
            var misses = (await unit.QueryAsync<MappingMiss>(
                $"""
                SELECT m.fixmedins_hilist_id, m.seen_count, m.first_seen_at, m.last_seen_at,
                       CAST(CASE WHEN EXISTS (SELECT 1 FROM item_mappings i WHERE i.fixmedins_code = m.fixmedins_code AND i.fixmedins_hilist_id = m.fixmedins_hilist_id
                                              AND {InForce("i")}) THEN 1 ELSE 0 END AS BIGINT) AS mapped_now
                FROM item_mapping_misses m WHERE m.fixmedins_code = @fixmedinsCode
                ORDER BY mapped_now, m.seen_count DESC, m.last_seen_at DESC, m.fixmedins_hilist_id
                LIMIT @limit
                """, p)).ToList();
            var missesTotal = await unit.ScalarAsync<long>("SELECT COUNT(*) FROM item_mapping_misses WHERE fixmedins_code = @fixmedinsCode", p);
            return new MappingView(hospital, today, counts, withdrawn, recent, misses, missesTotal);
        });

    /// <summary>The hospitals of region <paramref name="admdvs"/> (null: the province's), each with its mapping in short.</summary>
    public static async Task<IReadOnlyList<MappingSummary>> SummariesAsync(Database database, string? admdvs, DateOnly today) =>
        (await database.ReadAsync(unit => unit.QueryAsync<MappingSummary>(
            $"""
            SELECT h.fixmedins_code, h.fixmedins_name, h.admdvs, h.cross_region_enabled,
                   (SELECT COUNT(DISTINCT i.fixmedins_hilist_id) FROM item_mappings i WHERE i.fixmedins_code = h.fixmedins_code AND {InForce("i")}) AS in_force,
                   (SELECT COUNT(*) FROM item_mapping_misses m WHERE m.fixmedins_code = h.fixmedins_code AND NOT EXISTS (
                        SELECT 1 FROM item_mappings i WHERE i.fixmedins_code = m.fixmedins_code AND i.fixmedins_hilist_id = m.fixmedins_hilist_id AND {InForce("i")})) AS unmapped,
                   (SELECT CAST(COALESCE(SUM(m.seen_count), 0) AS BIGINT) FROM item_mapping_misses m WHERE m.fixmedins_code = h.fixmedins_code) AS unmapped_seen,
                   (SELECT MAX(COALESCE(i.withdrawn_at, i.uploaded_at)) FROM item_mappings i WHERE i.fixmedins_code = h.fixmedins_code) AS last_change
            FROM hospitals h {(admdvs is null ? "" : "WHERE h.admdvs = @admdvs")}
            ORDER BY h.admdvs, h.fixmedins_code
            """, new { admdvs, today = today.ToText() }))).ToList();
}
