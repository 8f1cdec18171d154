using System.Text.Json;
using MedSettle.Engine;
using MedSettle.Storage;
using MedSettle.Web;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace MedSettle.Pages.Window;

/// <summary>
/// The window's first screen: find the insured by identity number, file the emergency, register the visit. The identity
/// number is only ever posted (the answer shows the person); filing and registering come back to the person by psn_no,
/// so the full number stays out of URLs (history, proxy logs, Referer headers). A person is shown by psn_no only as 1101
/// allows it (a filing or visit at this hospital), or when this clerk has just looked them up by identity number (kept in
/// the encrypted temp-data cookie, never in the URL). Lookups are limited per clerk (<see cref="WindowLookupLimit"/>).
/// </summary>
public sealed class IndexModel(WindowClient client, Database database, PlatformClock clock, WindowLookupLimit lookups) : PageModel
{
    /// <summary>Temp data: "psn_no\nidentity number" of the person this clerk last found by identity number.</summary>
    private const string LookedUpKey = "window-looked-up";

    public sealed record Insurance(string Insutype, string Status, decimal Balance, string HomeRegion, string HomeRegionName);
    /// <param name="Assistance">The 医疗救助 classes 1101 answers in idetinfo, in words (特困人员, 低保对象, 返贫致贫/监测对象); empty for none.</param>
    public sealed record Person(string PsnNo, string Name, string MaskedCertno, string Gender, string Birthday, int Age, IReadOnlyList<Insurance> Insurances,
        IReadOnlyList<string> Assistance);

    public string? Certno { get; private set; }
    [BindProperty(SupportsGet = true)] public string? Psn { get; set; }
    public string? CertnoError { get; private set; }
    public Person? Found { get; private set; }
    public IReadOnlyList<FilingRow> Filings { get; private set; } = [];
    public IReadOnlyList<VisitRow> Visits { get; private set; } = [];

    /// <summary>The person's visits at this hospital still open: not cancelled and not finally settled (a mid-stay settlement leaves it open).</summary>
    public IReadOnlyList<VisitRow> OpenVisits { get; private set; } = [];
    [TempData] public string? Message { get; set; }
    [TempData] public string? Problem { get; set; }

    /// <summary>The API's own text of a refusal shown in the clerk's words, for support.</summary>
    [TempData] public string? ProblemDetail { get; set; }

    /// <summary>A transaction's warning (warn_msg), shown as a warning on the page the clerk lands on (this one or the visit's).</summary>
    [TempData] public string? Warning { get; set; }
    public string Today => clock.Today.ToText();
    public string Now => clock.Now.ToString("yyyy-MM-ddTHH:mm", System.Globalization.CultureInfo.InvariantCulture);
    private string Hospital => User.Hospital()!;

    public async Task OnGetAsync()
    {
        if (string.IsNullOrWhiteSpace(Psn)) return;
        if (!TryLookUp()) return;
        var psnNo = Psn.Trim();
        var reply = TempData.Peek(LookedUpKey) is string lookedUp && lookedUp.Split('\n') is [var seenPsnNo, var seenCertno] && seenPsnNo == psnNo
            ? await client.CallAsync(Hospital, User.DisplayName(), "1101", new { data = new { mdtrt_cert_type = "02", mdtrt_cert_no = seenCertno, psn_cert_type = "01" } })
            : await client.CallAsync(Hospital, User.DisplayName(), "1101", new { data = new { psn_no = psnNo } });
        if (!reply.Ok)
        {
            CertnoError = reply.Error;
            return;
        }
        await ShowAsync(reply);
    }

    public async Task<IActionResult> OnPostFindAsync(string? certno)
    {
        Certno = certno?.Trim().ToUpperInvariant();
        if (string.IsNullOrEmpty(Certno)) return Page();
        if (!IdentityNumber.IsValid(Certno))
        {
            CertnoError = Certno.Length != 18 ? "身份证号码应为18位" : "身份证号码校验位不正确，请核对后重新输入";
            return Page();
        }
        if (!TryLookUp()) return Page();
        var reply = await client.CallAsync(Hospital, User.DisplayName(), "1101", new { data = new { mdtrt_cert_type = "02", mdtrt_cert_no = Certno, psn_cert_type = "01" } });
        if (!reply.Ok)
        {
            CertnoError = reply.Error;
            return Page();
        }
        TempData[LookedUpKey] = $"{reply.Output.GetProperty("baseinfo").GetProperty("psn_no").GetString()}\n{Certno}";
        TempData.Keep(LookedUpKey);
        Certno = null; // found: the card shows the number masked
        await ShowAsync(reply);
        return Page();
    }

    /// <summary>Takes one of the clerk's lookups, or says when the next is allowed.</summary>
    private bool TryLookUp()
    {
        if (lookups.TryAcquire(User.Identity?.Name ?? Hospital, out var retryAfter)) return true;
        CertnoError = $"查询过于频繁：每位操作员每分钟最多查询 {lookups.PerMinute} 次，请 {Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds))} 秒后再试";
        Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return false;
    }

    private async Task ShowAsync(WindowReply reply)
    {
        var baseinfo = reply.Output.GetProperty("baseinfo");
        var regions = (await database.ReadAsync(unit => unit.QueryAsync<(string, string)>("SELECT admdvs, name FROM regions"))).ToDictionary(r => r.Item1, r => r.Item2);
        Found = new Person(
            baseinfo.GetProperty("psn_no").GetString()!,
            baseinfo.GetProperty("psn_name").GetString()!,
            IdentityNumber.Mask(baseinfo.GetProperty("certno").GetString()),
            baseinfo.GetProperty("gend").GetString() == "1" ? "男" : "女",
            baseinfo.GetProperty("brdy").GetString()!,
            baseinfo.GetProperty("age").GetInt32(),
            reply.Output.GetProperty("insuinfo").EnumerateArray().Select(i => new Insurance(
                i.GetProperty("insutype").GetString()!, i.GetProperty("psn_insu_stas").GetString()!, i.GetProperty("balc").GetDecimal(),
                i.GetProperty("insuplc_admdvs").GetString()!, regions.GetValueOrDefault(i.GetProperty("insuplc_admdvs").GetString()!, ""))).ToList(),
            reply.Output.TryGetProperty("idetinfo", out var idetinfo) && idetinfo.ValueKind == JsonValueKind.Array
                ? idetinfo.EnumerateArray().Select(d => d.GetProperty("psn_idet_type").GetString()).Select(t => FundWords.AssistanceName(t) ?? $"人员身份{t}")
                    .Distinct().ToList()
                : []);
        var psnNo = Found.PsnNo;
        Filings = (await database.ReadAsync(unit => unit.QueryAsync<FilingRow>(
            "SELECT * FROM filings WHERE psn_no = @psnNo AND fixmedins_code = @hospital ORDER BY created_at DESC LIMIT 10",
            new { psnNo, hospital = Hospital }))).ToList();
        Visits = (await database.ReadAsync(unit => unit.QueryAsync<VisitRow>(
            "SELECT * FROM visits WHERE psn_no = @psnNo AND fixmedins_code = @hospital AND cancelled_at IS NULL ORDER BY begntime DESC LIMIT 10",
            new { psnNo, hospital = Hospital }))).ToList();
        OpenVisits = await OpenVisitsAsync(psnNo);
    }

    private async Task<IReadOnlyList<VisitRow>> OpenVisitsAsync(string psnNo) =>
        (await database.ReadAsync(unit => unit.QueryAsync<VisitRow>(
            $"""
            SELECT * FROM visits v
            WHERE v.psn_no = @psnNo AND v.fixmedins_code = @hospital AND v.cancelled_at IS NULL
              AND NOT EXISTS (SELECT 1 FROM settlements s WHERE {MedSettle.Transactions.Visits.FinalSettlementOf("v.mdtrt_id")})
            ORDER BY v.begntime DESC
            """, new { psnNo, hospital = Hospital }))).ToList();

    /// <summary>
    /// The msgid the registration form sends, made when the page is shown: a second click, or the same form sent again
    /// after going back, repeats that msgid, and the platform answers it with the visit it opened the first time.
    /// </summary>
    public async Task<string> RegisterMsgidAsync() => _registerMsgid ??= await client.NewMsgidAsync(Hospital);
    private string? _registerMsgid;

    public static string KindName(VisitRow visit) => visit.Kind == "inpatient" ? "急诊转住院" : "急诊门诊";

    public async Task<IActionResult> OnPostFileAsync(string psnNo, string insutype, string begndate, string diseCodg, string diseName, string? tel)
    {
        var reply = await client.CallAsync(Hospital, User.DisplayName(), "2551", new
        {
            data = new { psn_no = psnNo, insutype, begndate, dise_codg = diseCodg, dise_name = diseName, tel },
        });
        if (reply.Ok && reply.Warning is not null) Warning = reply.Warning;
        else if (reply.Ok) Message = $"备案成功：备案流水号 {reply.Output.GetProperty("trt_dcla_detl_sn").GetString()}，有效期至 {reply.Output.GetProperty("enddate").GetString()}";
        else (Problem, ProblemDetail) = (reply.Error, reply.Detail);
        return RedirectToPage(new { psn = psnNo });
    }

    public async Task<IActionResult> OnPostRevokeFilingAsync(string psnNo, string sn, bool confirmed)
    {
        if (!confirmed)
        {
            Problem = "撤销备案须先确认";
            return RedirectToPage(new { psn = psnNo });
        }
        var reply = await client.CallAsync(Hospital, User.DisplayName(), "2552", new { data = new { trt_dcla_detl_sn = sn, psn_no = psnNo } });
        if (reply.Ok) Message = $"已撤销备案 {sn}。如该参保人仍需在本院急诊结算，请重新办理备案。";
        else (Problem, ProblemDetail) = (reply.Error, reply.Detail);
        return RedirectToPage(new { psn = psnNo });
    }

    /// <summary>
    /// Registers (2201) or admits (2401). With a visit of the person still open here, only when the clerk confirmed
    /// <paramref name="another"/>: a second click, or a click again after going back, would otherwise open a second visit.
    /// </summary>
    public async Task<IActionResult> OnPostRegisterAsync(string psnNo, string insutype, string kind, string begntime, string? deptName, bool another, string? msgid)
    {
        var time = begntime.Replace('T', ' ');
        if (time.Length == 16) time += ":00";
        // the form's own msgid (see RegisterMsgidAsync); the visit's number follows from it, so a repeat is the same request
        if (!WindowClient.IsWindowMsgid(msgid, Hospital)) msgid = await client.NewMsgidAsync(Hospital);
        var number = (kind == "inpatient" ? "ZY" : "MZ") + msgid[^18..];
        var open = await OpenVisitsAsync(psnNo);
        if (open.Count > 0 && !another && !open.Any(v => v.IptOtpNo == number)) // this very form, sent again: the platform answers it
        {
            var v = open[0];
            Problem = $"未办理：该参保人在本院已有未结束的就诊 {v.MdtrtId}（{KindName(v)}，{v.Begntime}）。如为同一次就诊，请在下方打开它继续办理；如确属另一次就诊，请再次点击“办理挂号 / 入院”并确认。";
            return RedirectToPage(new { psn = psnNo });
        }
        var reply = kind == "inpatient"
            ? await client.CallAsync(Hospital, User.DisplayName(), "2401", new { mdtrtinfo = new { psn_no = psnNo, insutype, begntime = time, med_type = "24", ipt_no = number, adm_dept_name = deptName ?? "急诊科" } }, msgid)
            : await client.CallAsync(Hospital, User.DisplayName(), "2201", new { data = new { psn_no = psnNo, insutype, begntime = time, ipt_otp_no = number, dept_name = deptName ?? "急诊科", mdtrt_cert_type = "02" } }, msgid);
        if (!reply.Ok)
        {
            (Problem, ProblemDetail) = (reply.Error, reply.Detail);
            return RedirectToPage(new { psn = psnNo });
        }
        var mdtrtId = kind == "inpatient" ? reply.Output.GetProperty("result").GetProperty("mdtrt_id").GetString() : reply.Output.GetProperty("data").GetProperty("mdtrt_id").GetString();
        if (reply.Warning is not null) Warning = reply.Warning;
        return Redirect($"/window/visit/{mdtrtId}");
    }

    public static string StatusName(string status) => Formats.InsuranceStatusName(status);
}
