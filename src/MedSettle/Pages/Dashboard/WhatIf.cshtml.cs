using System.Globalization;
using System.Text;
using System.Text.Json;
using MedSettle.Import;
using MedSettle.Storage;
using MedSettle.WhatIf;
using MedSettle.Web;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace MedSettle.Pages.Dashboard;

/// <summary>
/// 政策测算 (policy what-if): the rows in force on a period's last day as editable inputs; the rows changed are the draft,
/// checked by the importer, replayed over the period's settlements in the background (<see cref="WhatIfJobs"/>), read only,
/// and shown with charts; drafts saved by name, loaded, deleted and compared. An agency sees, drafts and replays its own
/// region only, whatever a POST holds; the province every region.
/// </summary>
[RequestFormLimits(ValueCountLimit = 20_000)] // the province's form holds every region's rows, a few inputs each
public sealed class WhatIfModel(Database database, PlatformClock clock, WhatIfJobs jobs) : PageModel
{
    public const int CrossingsShown = 50;

    /// <summary>What a run of the form's rows is called when the draft has no name.</summary>
    public const string CurrentDraft = "当前草案";

    [BindProperty(SupportsGet = true)] public string? From { get; set; }
    [BindProperty(SupportsGet = true)] public string? To { get; set; }

    /// <summary>The name to save the draft under (a loaded draft's, to save it again).</summary>
    [BindProperty] public string? DraftName { get; set; }

    public string? FromError { get; private set; }
    public string? ToError { get; private set; }
    public string? NameError { get; private set; }

    /// <summary>A refusal of the whole request (another region's rows, a busy server), in the staff's words.</summary>
    public string? Refusal { get; private set; }
    public string? Message { get; private set; }
    public IReadOnlyList<DraftProblem> Problems { get; private set; } = [];

    /// <summary>The agency's region (its rows only, its replay only), or null for the province.</summary>
    public string? ForcedHome { get; private set; }
    public IReadOnlyDictionary<string, string> RegionNames { get; private set; } = new Dictionary<string, string>();
    public IReadOnlyList<RegionInputs> Rows { get; private set; } = [];
    public IReadOnlyList<WhatIfDraftRow> Drafts { get; private set; } = [];
    public WhatIfDraftRow? Loaded { get; private set; }
    public WhatIfJob? Job { get; private set; }
    public IReadOnlyDictionary<string, string> HospitalNames { get; private set; } = new Dictionary<string, string>();
    public string ChartJson { get; private set; } = "{}";

    public string ScopeName => ForcedHome is null ? "全省" : RegionNames.GetValueOrDefault(ForcedHome, ForcedHome);
    public int ChangedRows => Rows.Sum(r => r.Changed);
    public WhatIfReport? Report => Job is { Reports: [var report] } ? report : null;
    public bool HasPeriodErrors => FromError is not null || ToError is not null;

    private string Owner => WhatIfDrafts.OwnerOf(User);
    private string Me => User.Identity?.Name ?? "";

    public async Task<IActionResult> OnGetAsync(string? job, string? draft)
    {
        if (DashboardScope.IsMisconfigured(User)) return Forbid();
        await ScopeAsync();
        var stored = await WhatIfForm.StoredAsync(database, ForcedHome);
        if (job is not null)
        {
            if (jobs.Find(job, Me) is not { } found) return NotFound();
            Job = found;
            (From, To) = (found.Run.From.ToText(), found.Run.To.ToText());
            var overlay = found.Run.IsComparison ? PolicyDraft.Empty : found.Run.Drafts[0].Draft;
            var (policies, supplements) = WhatIfForm.Inputs(overlay, stored);
            await ShowAsync(stored, found.Run.To, policies, supplements);
            if (found.Run.Drafts is [{ Name: var name }] && name != CurrentDraft) DraftName = name;
            return Page();
        }
        if (draft is not null)
        {
            if (await WhatIfDrafts.FindAsync(database, Owner, draft) is not { } row) return NotFound();
            Loaded = row;
            DraftName = row.Name;
            From ??= row.PeriodFrom;
            To ??= row.PeriodTo;
        }
        var (_, to) = Period();
        var (draftPolicies, draftSupplements) = Loaded is null ? ([], []) : WhatIfForm.Inputs(await ReadSavedAsync(Loaded), stored);
        await ShowAsync(stored, HasPeriodErrors ? clock.Today : to, draftPolicies, draftSupplements);
        if (Loaded is not null) Message = $"已载入草案“{Loaded.Name}”（{Loaded.PeriodFrom} 至 {Loaded.PeriodTo}，修改 {ChangedRows} 行）。";
        return Page();
    }

    /// <summary>The form again for the period typed, the changes kept.</summary>
    public async Task<IActionResult> OnPostRefreshAsync()
    {
        if (DashboardScope.IsMisconfigured(User)) return Forbid();
        await ScopeAsync();
        var (stored, policies, supplements) = await PostedAsync();
        var (_, to) = Period();
        await ShowAsync(stored, HasPeriodErrors ? clock.Today : to, policies, supplements);
        return Page();
    }

    public async Task<IActionResult> OnPostRunAsync()
    {
        if (DashboardScope.IsMisconfigured(User)) return Forbid();
        var (draft, from, to) = await DraftAsync();
        if (draft is null) return Page();
        var (job, refusal) = jobs.Start(Me, new WhatIfRun(from, to, Scope(), [new NamedDraft(DraftName?.Trim() is { Length: > 0 } name ? name : CurrentDraft, draft)]));
        if (job is null)
        {
            Refusal = refusal;
            return Page();
        }
        return Redirect("/dashboard/whatif" + DashboardScope.Query(("job", job.Id)));
    }

    public async Task<IActionResult> OnPostSaveAsync()
    {
        if (DashboardScope.IsMisconfigured(User)) return Forbid();
        var (draft, from, to) = await DraftAsync();
        if (draft is null) return Page();
        var (name, problem) = WhatIfDrafts.CheckName(DraftName);
        if (problem is not null) NameError = problem;
        else if (draft.IsEmpty) NameError = "草案没有修改任何行：请先修改要测算的数值，再保存。";
        if (NameError is not null) return Page();
        var (saved, replaced) = await WhatIfDrafts.SaveAsync(database, Owner, name!, from, to, draft, Me, clock.Now);
        Message = replaced ? $"已更新草案“{saved.Name}”（{draft.Count} 行）。" : $"已保存草案“{saved.Name}”（{draft.Count} 行）。";
        Loaded = saved;
        Drafts = await WhatIfDrafts.ListAsync(database, Owner);
        // saved after looking at its results: they stay on the page, if they are this very draft's over this period
        if (jobs.Find(Request.Form["job"], Me) is { IsDone: true, Run: { IsComparison: false } run } job
            && run.From == from && run.To == to && WhatIfForm.SameRows(run.Drafts[0].Draft, draft))
        {
            Job = job;
            await ResultsAsync();
        }
        return Page();
    }

    public async Task<IActionResult> OnPostDeleteAsync(string? id)
    {
        if (DashboardScope.IsMisconfigured(User)) return Forbid();
        if (await WhatIfDrafts.FindAsync(database, Owner, id) is not { } row || !await WhatIfDrafts.DeleteAsync(database, Owner, row.Id)) return NotFound();
        await ScopeAsync();
        var stored = await WhatIfForm.StoredAsync(database, ForcedHome);
        var (_, to) = Period();
        await ShowAsync(stored, HasPeriodErrors ? clock.Today : to, [], []);
        Message = $"已删除草案“{row.Name}”。";
        return Page();
    }

    /// <summary>Replays two of the owner's saved drafts over the period typed.</summary>
    public async Task<IActionResult> OnPostCompareAsync(string? first, string? second)
    {
        if (DashboardScope.IsMisconfigured(User)) return Forbid();
        var a = await WhatIfDrafts.FindAsync(database, Owner, first);
        var b = await WhatIfDrafts.FindAsync(database, Owner, second);
        if ((first is not null && a is null) || (second is not null && b is null)) return NotFound();
        await ScopeAsync();
        var stored = await WhatIfForm.StoredAsync(database, ForcedHome);
        var (from, to) = Period();
        await ShowAsync(stored, HasPeriodErrors ? clock.Today : to, [], []);
        if (HasPeriodErrors) return Page();
        if (a is null || b is null || a.Id == b.Id)
        {
            Refusal = "请选择两个不同的已保存草案进行对比。";
            return Page();
        }
        var drafts = new List<NamedDraft>();
        foreach (var row in new[] { a, b })
        {
            var draft = await ReadSavedAsync(row);
            if (Problems.Count > 0) return Page();
            if (RefuseOtherRegions(draft.Regions)) return Page();
            drafts.Add(new NamedDraft(row.Name, draft));
        }
        var (job, refusal) = jobs.Start(Me, new WhatIfRun(from, to, Scope(), drafts));
        if (job is null)
        {
            Refusal = refusal;
            return Page();
        }
        return Redirect("/dashboard/whatif" + DashboardScope.Query(("job", job.Id)));
    }

    /// <summary>How far the job has come, for the page's progress bar.</summary>
    public IActionResult OnGetProgress(string? job)
    {
        if (DashboardScope.IsMisconfigured(User)) return Forbid();
        if (jobs.Find(job, Me) is not { } found) return NotFound();
        var progress = found.Progress;
        return new JsonResult(new
        {
            state = !found.IsDone ? "running" : found.Failure is null ? "done" : "failed",
            percent = Math.Round(progress.Share * 100, 1),
            done = progress.Done,
            total = progress.Total,
            draft = Math.Min(progress.Draft + 1, progress.Drafts),
            drafts = progress.Drafts,
        });
    }

    public IActionResult OnGetJson(string? job) => Download(job, xlsx: false);

    public IActionResult OnGetXlsx(string? job) => Download(job, xlsx: true);

    private IActionResult Download(string? job, bool xlsx)
    {
        if (DashboardScope.IsMisconfigured(User)) return Forbid();
        if (jobs.Find(job, Me) is not { Reports: [var report] }) return NotFound();
        var name = $"whatif-{report.From.ToText()}-{report.To.ToText()}";
        if (!xlsx) return File(Encoding.UTF8.GetBytes(WhatIfExport.ToJson(report)), "application/json; charset=utf-8", name + ".json");
        var path = Path.Combine(Path.GetTempPath(), $"medsettle-whatif-{Guid.NewGuid():N}.xlsx");
        try
        {
            WhatIfExport.WriteXlsx(report, path);
            return File(System.IO.File.ReadAllBytes(path), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", name + ".xlsx");
        }
        finally
        {
            System.IO.File.Delete(path);
        }
    }

    /// <summary>The agency's region or null, the region names, and the owner's saved drafts.</summary>
    private async Task ScopeAsync()
    {
        ForcedHome = DashboardScope.ForcedHome(User);
        RegionNames = (await DashboardScope.RegionsAsync(database)).ToDictionary(r => r.Admdvs, r => r.Name, StringComparer.Ordinal);
        Drafts = await WhatIfDrafts.ListAsync(database, Owner);
    }

    /// <summary>The home regions a replay is limited to: the agency's own; null (all) for the province.</summary>
    private IReadOnlySet<string>? Scope() => ForcedHome is null ? null : new HashSet<string>(StringComparer.Ordinal) { ForcedHome };

    /// <summary>The period typed (the year to date when blank); errors go beside the fields.</summary>
    private (DateOnly From, DateOnly To) Period()
    {
        var today = clock.Today;
        var from = DashboardScope.ParseDate(From, new DateOnly(today.Year, 1, 1), "开始日期", out var fromError);
        var to = DashboardScope.ParseDate(To, today, "结束日期", out var toError);
        (FromError, ToError) = (fromError, toError);
        From = FromError is null ? from.ToText() : From;
        To = ToError is null ? to.ToText() : To;
        if (!HasPeriodErrors && to < from) ToError = "结束日期不能早于开始日期";
        return (from, to);
    }

    /// <summary>The changed rows a POST holds; none when one of its rows is of a region the staff member may not draft for (refused).</summary>
    private async Task<(StoredRows Stored, List<PolicyInput> Policies, List<SupplementInput> Supplements)> PostedAsync()
    {
        var stored = await WhatIfForm.StoredAsync(database, ForcedHome);
        var (policies, supplements) = WhatIfForm.Posted(Request.Form, stored);
        if (RefuseOtherRegions(policies.Select(p => p.Region).Concat(supplements.Select(s => s.Region)))) return (stored, [], []);
        return (stored, policies.Where(p => p.Changed).ToList(), supplements.Where(s => s.Changed).ToList());
    }

    /// <summary>An agency's request that holds another region's rows is refused whole: nothing is run or saved.</summary>
    private bool RefuseOtherRegions(IEnumerable<string> regions)
    {
        if (ForcedHome is null) return false;
        var others = regions.Where(r => r != ForcedHome).Distinct().Order(StringComparer.Ordinal).ToList();
        if (others.Count == 0) return false;
        Refusal = $"不能测算其他统筹区的政策：草案含有{string.Join("、", others.Select(r => $"{RegionNames.GetValueOrDefault(r, r)}（{r}）"))}的行，"
                  + $"经办机构只能修改本统筹区（{ScopeName}）的政策。本次未测算、未保存。";
        HttpContext.Response.StatusCode = StatusCodes.Status403Forbidden;
        return true;
    }

    /// <summary>The period and the draft of the posted form's changed rows, the form laid out again; a null draft when the page must say why not (another region's rows, problems, a bad period).</summary>
    private async Task<(PolicyDraft? Draft, DateOnly From, DateOnly To)> DraftAsync()
    {
        await ScopeAsync();
        var (stored, policies, supplements) = await PostedAsync();
        var (from, to) = Period();
        await ShowAsync(stored, HasPeriodErrors ? clock.Today : to, policies, supplements);
        if (Refusal is not null || HasPeriodErrors) return (null, from, to);
        var (draft, problems) = await WhatIfForm.ReadAsync(database, policies, supplements, RegionNames, HttpContext.RequestAborted);
        Problems = problems;
        return (draft, from, to);
    }

    /// <summary>A saved draft's rows, read as a draft file is; its problems (rules changed since) shown when it cannot be.</summary>
    private async Task<PolicyDraft> ReadSavedAsync(WhatIfDraftRow row)
    {
        try
        {
            return await new BundleImporter(database).ReadDraftAsync(row.Name, Encoding.UTF8.GetBytes(row.Rows), HttpContext.RequestAborted);
        }
        catch (ImportFailed failed)
        {
            Problems = failed.Problems.Select(p => new DraftProblem(null, null, $"已保存的草案“{row.Name}”", "无法读取，请重新编辑后保存", p.ToString())).ToList();
            return PolicyDraft.Empty;
        }
    }

    private async Task ShowAsync(StoredRows stored, DateOnly day, IEnumerable<PolicyInput> policies, IEnumerable<SupplementInput> supplements)
    {
        Rows = WhatIfForm.Lay(stored, RegionNames, day, policies, supplements);
        await ResultsAsync();
    }

    /// <summary>What the results shown need besides the reports: the hospitals' names and the charts' data.</summary>
    private async Task ResultsAsync()
    {
        if (Job is not { IsDone: true, Reports: { } reports }) return;
        HospitalNames = (await DashboardScope.HospitalsAsync(database)).ToDictionary(h => h.FixmedinsCode, h => h.FixmedinsName, StringComparer.Ordinal);
        ChartJson = Charts(Job.Run, reports);
    }

    /// <summary>The charts' data: each draft's change of fund pay by home region, and a single run's deciles of the change in each settlement's cash.</summary>
    private static string Charts(WhatIfRun run, IReadOnlyList<WhatIfReport> reports)
    {
        var regions = reports.SelectMany(r => r.Funds).Select(f => (f.Region, f.RegionName)).Distinct().OrderBy(r => r.Region, StringComparer.Ordinal).ToList();
        return JsonSerializer.Serialize(new
        {
            regions = regions.Select(r => r.RegionName).ToList(),
            series = reports.Select((report, i) => new
            {
                name = run.Drafts[i].Name,
                change = regions.Select(r => report.Funds.Where(f => f.Region == r.Region).Sum(f => f.Change)).ToList(),
            }).ToList(),
            deciles = reports is [var only] ? only.CashChangeDeciles : null,
        });
    }

    /// <summary>The comparison's lines: each home region × scheme × fund either draft touched, as stored and after each draft.</summary>
    public IReadOnlyList<(WhatIfFundLine Line, decimal? AfterFirst, decimal? AfterSecond)> Compared()
    {
        if (Job is not { Reports: [var first, var second] }) return [];
        static (string, string, string) Key(WhatIfFundLine f) => (f.Region, f.Insutype, f.Fund);
        var a = first.Funds.ToDictionary(Key);
        var b = second.Funds.ToDictionary(Key);
        return a.Keys.Union(b.Keys).Order().Select(k =>
            (a.GetValueOrDefault(k) ?? b[k], a.GetValueOrDefault(k)?.After, b.GetValueOrDefault(k)?.After)).ToList();
    }

    public static string Yuan(decimal amount) => amount.ToString("N2", CultureInfo.InvariantCulture);

    /// <summary>A change, signed: +1,234.00, -56.70, 0.00.</summary>
    public static string Signed(decimal amount) => (amount > 0 ? "+" : "") + amount.ToString("N2", CultureInfo.InvariantCulture);

    public static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>How many rows a saved draft holds (policies and supplementary versions).</summary>
    public static int RowCount(WhatIfDraftRow draft)
    {
        using var json = JsonDocument.Parse(draft.Rows);
        return json.RootElement.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.Array).Sum(p => p.Value.GetArrayLength());
    }

    public string RegionName(string admdvs) => RegionNames.GetValueOrDefault(admdvs, admdvs);

    /// <summary>Whether a problem names this row's field, so that its input is marked.</summary>
    public bool Invalid(string key, string field) => Problems.Any(p => p.Key == key && p.Field == field);

    public string DownloadLink(string handler) => "/dashboard/whatif" + DashboardScope.Query(("handler", handler), ("job", Job?.Id));

    public string ProgressLink => DownloadLink("Progress");
}
