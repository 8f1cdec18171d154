using System.Globalization;
using MedSettle.Engine;
using MedSettle.Storage;
using MedSettle.Transactions;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace MedSettle.Pages.Dashboard;

/// <summary>Each region's policy versions (待遇政策), readable: which version is in force today, which are history, which are yet to come.</summary>
public sealed class PoliciesModel(Database database, PlatformClock clock) : PageModel
{
    public const int PageSize = 100;

    /// <summary>A policy row with its region's name and the version in force today for its key.</summary>
    public sealed class Row : PolicyRow
    {
        public string RegionName { get; set; } = "";
        public string? CurrentFrom { get; set; }
    }

    /// <summary>A supplementary fund's version (大额补助, 大病保险, 医疗救助) with its region's name and the version in force today for its key.</summary>
    public sealed class SupplementVersion : SupplementRow
    {
        public string RegionName { get; set; } = "";
        public string? CurrentFrom { get; set; }

        public SupplementaryRule Rule => Supplements.ToRule(this);
    }

    /// <summary>The supplementary funds' versions of the region (and scheme) shown; they apply to both care categories.</summary>
    public IReadOnlyList<SupplementVersion> SupplementRows { get; private set; } = [];

    /// <summary>Region shown; blank means all regions. An agency starts on its own region.</summary>
    [BindProperty(SupportsGet = true)] public string? Region { get; set; }
    [BindProperty(SupportsGet = true)] public string? Scheme { get; set; }
    [BindProperty(SupportsGet = true)] public string? Category { get; set; }
    [BindProperty(SupportsGet = true)] public bool Current { get; set; }

    public string? RegionError { get; private set; }
    public string? SchemeError { get; private set; }
    public string? CategoryError { get; private set; }
    public string Today { get; private set; } = "";
    public IReadOnlyList<RegionOption> Regions { get; private set; } = [];
    public IReadOnlyList<Row> Rows { get; private set; } = [];
    public long Total { get; private set; }
    public int PageNumber { get; private set; } = 1;
    public int Pages => (int)Math.Max(1, (Total + PageSize - 1) / PageSize);

    public async Task<IActionResult> OnGetAsync()
    {
        if (DashboardScope.IsMisconfigured(User)) return Forbid();
        Today = clock.Today.ToText();
        Regions = await DashboardScope.RegionsAsync(database);
        // an agency opening the page without choosing sees its own region; "all" is asked for explicitly with region=all
        if (Region is null && !Request.Query.ContainsKey("region")) Region = DashboardScope.ForcedHome(User);
        Region = string.IsNullOrWhiteSpace(Region) || Region == "all" ? null : Region.Trim();
        Scheme = string.IsNullOrWhiteSpace(Scheme) ? null : Scheme.Trim();
        Category = string.IsNullOrWhiteSpace(Category) ? null : Category.Trim();
        if (Region is not null && Regions.All(r => r.Admdvs != Region)) RegionError = $"没有编码为 {Region} 的统筹区";
        if (Scheme is not null and not ("310" or "390")) SchemeError = "险种应为 310 职工 或 390 居民";
        if (Category is not null and not ("emergency_outpatient" or "inpatient")) CategoryError = "类别应为 急诊门诊 或 住院";
        if (RegionError is not null || SchemeError is not null || CategoryError is not null) return Page();

        PageNumber = int.TryParse(Request.Query["page"], out var page) && page > 0 ? page : 1;
        var where = "1 = 1"
                    + (Region is null ? "" : " AND p.insuplc_admdvs = @region")
                    + (Scheme is null ? "" : " AND p.insutype = @scheme")
                    + (Category is null ? "" : " AND p.category = @category");
        const string currentFrom = """
            (SELECT MAX(q.effective_from) FROM policies q
             WHERE q.insuplc_admdvs = p.insuplc_admdvs AND q.insutype = p.insutype AND q.category = p.category AND q.hosp_lv = p.hosp_lv
               AND q.effective_from <= @today)
            """;
        if (Current) where += $" AND p.effective_from = {currentFrom}";
        var param = new { region = Region, scheme = Scheme, category = Category, today = Today, limit = PageSize, offset = 0 };
        Total = await database.ReadAsync(unit => unit.ScalarAsync<long>($"SELECT COUNT(*) FROM policies p WHERE {where}", param));
        PageNumber = Math.Min(PageNumber, Pages);
        Rows = (await database.ReadAsync(unit => unit.QueryAsync<Row>(
            $"""
            SELECT p.insuplc_admdvs, COALESCE(r.name, p.insuplc_admdvs) AS region_name, p.insutype, p.category, p.hosp_lv, p.effective_from,
                   p.deductible_fen, p.deductible_basis, p.ratio, p.annual_cap_fen, {currentFrom} AS current_from
            FROM policies p LEFT JOIN regions r ON r.admdvs = p.insuplc_admdvs
            WHERE {where}
            ORDER BY p.insuplc_admdvs, p.insutype, CASE p.category WHEN 'emergency_outpatient' THEN 0 ELSE 1 END, p.hosp_lv DESC, p.effective_from DESC
            LIMIT @limit OFFSET @offset
            """, param with { offset = (PageNumber - 1) * PageSize }))).ToList();
        SupplementRows = await SupplementVersionsAsync();
        return Page();
    }

    /// <summary>Every version of the supplementary funds under the page's filters (region; a scheme keeps 医疗救助, which is for either scheme).</summary>
    private async Task<IReadOnlyList<SupplementVersion>> SupplementVersionsAsync()
    {
        var where = "1 = 1"
                    + (Region is null ? "" : " AND s.insuplc_admdvs = @region")
                    + (Scheme is null ? "" : " AND (s.insutype = @scheme OR s.fund = 'maf')");
        const string currentFrom = """
            (SELECT MAX(q.effective_from) FROM supplements q
             WHERE q.insuplc_admdvs = s.insuplc_admdvs AND q.fund = s.fund AND q.insutype = s.insutype AND q.assistance_type = s.assistance_type
               AND q.effective_from <= @today)
            """;
        if (Current) where += $" AND s.effective_from = {currentFrom}";
        return (await database.ReadAsync(unit => unit.QueryAsync<SupplementVersion>(
            $"""
            SELECT s.*, COALESCE(r.name, s.insuplc_admdvs) AS region_name, {currentFrom} AS current_from
            FROM supplements s LEFT JOIN regions r ON r.admdvs = s.insuplc_admdvs
            WHERE {where}
            ORDER BY s.insuplc_admdvs, CASE s.fund WHEN 'hifob' THEN 0 WHEN 'hifmi' THEN 1 ELSE 2 END, s.insutype, s.assistance_type, s.effective_from DESC
            """, new { region = Region, scheme = Scheme, today = Today }))).ToList();
    }

    public static decimal M(long fen) => Money.FromFen(fen);

    /// <summary>现行 (in force today), 历史 (replaced) or 待生效 (from a later date).</summary>
    public (string Text, string Css) State(Row row) => State(row.EffectiveFrom, row.CurrentFrom);

    public (string Text, string Css) State(SupplementVersion row) => State(row.EffectiveFrom, row.CurrentFrom);

    private (string Text, string Css) State(string effectiveFrom, string? currentFrom) =>
        string.CompareOrdinal(effectiveFrom, Today) > 0 ? ("待生效", "b")
        : effectiveFrom == currentFrom ? ("现行", "a")
        : ("历史", "");

    /// <summary>Whom a version is for: the scheme (大额补助 职工, 大病保险 居民) or the assistance class (医疗救助).</summary>
    public static string ForWhom(SupplementVersion row) =>
        row.Fund == "maf" ? MedSettle.Web.FundWords.AssistanceName(row.AssistanceType) ?? row.AssistanceType : DashboardScope.SchemeName(row.Insutype);

    public string PageLink(int page) =>
        "/dashboard/policies" + DashboardScope.Query(("region", Region ?? "all"), ("scheme", Scheme), ("category", Category),
            ("current", Current ? "true" : null), ("page", page == 1 ? null : page.ToString(CultureInfo.InvariantCulture)));
}
