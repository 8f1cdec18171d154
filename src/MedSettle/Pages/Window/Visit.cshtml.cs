using System.Globalization;
using System.Text.Json;
using MedSettle.Engine;
using MedSettle.Storage;
using MedSettle.Transactions;
using MedSettle.Web;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace MedSettle.Pages.Window;

/// <summary>One visit at the window: enter the bill, pre-settle with an explanation of every fen, settle.</summary>
public sealed class VisitModel(WindowClient client, Database database, PlatformClock clock) : PageModel
{

    public sealed record BillLine(string Code, string Name, int Level, decimal? Price, decimal? Count);

    /// <summary>
    /// A pre-settlement as the clerk reads it: every figure is the platform's answer (2206/2303's setlinfo, and the basic
    /// fund's setldetail row for <see cref="Reimbursable"/>, <see cref="CapLeft"/> and <see cref="Fund"/>); the page computes
    /// no rule of its own.
    /// </summary>
    /// <param name="Reimbursable">The basic fund's base (rule 6): the in-scope part above the deductible, its setldetail inscp_scp_amt.</param>
    /// <param name="CapLeft">What the annual cap left the basic fund before this settlement (rule 7): its setldetail crt_payb_lmt_amt.</param>
    public sealed record Preview(
        decimal Medfee, decimal FullOwnPay, decimal OverLimit, decimal PreSelfPay, decimal InScope, decimal Deductible, decimal Ratio,
        decimal Reimbursable, decimal Fund, decimal CapLeft, decimal PersonPart, decimal Account, decimal Cash, decimal BalanceAfter, bool UseAccount,
        bool MidSettle, decimal FundTotal, IReadOnlyList<Tier> Tiers, IReadOnlyList<Flag>? Flags = null)
    {
        /// <summary>The supervision rules the pre-settlement found (2206/2303 violations), each with the lines it names.</summary>
        public IReadOnlyList<Flag> Found => Flags ?? [];

        /// <summary>The rules naming line <paramref name="feedetlSn"/>, blocking ones first.</summary>
        public IEnumerable<Flag> Of(string feedetlSn) => Found.Where(f => f.Lines.Contains(feedetlSn)).OrderByDescending(f => f.Blocks);

        /// <summary>What the basic fund leaves of its base (before the supplementary funds).</summary>
        public decimal PersonShareOfInScope => Reimbursable - Fund;

        /// <summary>The annual cap bound the basic fund: of a base above nothing, it paid all the cap left.</summary>
        public bool Capped => Reimbursable > 0m && Fund == CapLeft;

        /// <summary>The funds with something to say: a fund with nothing to compute on (大额 while the basic cap holds) stays off the page.</summary>
        public IReadOnlyList<Tier> ShownTiers => Tiers.Where(t => t.Base != 0m || t.Pay != 0m).ToList();
    }

    /// <summary>
    /// One supplementary fund's share of the pre-settlement (a setldetail row: its base, cap left before, pay) with how it
    /// was reached in the clerk's words (<see cref="FundWords.Explain"/>).
    /// </summary>
    public sealed record Tier(SupplementaryFund Fund, decimal Base, decimal CapLeft, decimal Pay, string Why)
    {
        public string Name => FundWords.Name(Fund);
        public string Code => Supplements.FundCode(Fund);
    }

    /// <summary>The supplementary funds in force for the person on the visit's begin date (the rules its settlements use).</summary>
    public SupplementaryCover Cover { get; private set; } = SupplementaryCover.None;

    /// <summary>The person's assistance class in words (特困人员, 低保对象, 返贫致贫/监测对象), null for none.</summary>
    public string? Assistance => FundWords.AssistanceName(Person.AssistanceType);

    public VisitRow Visit { get; private set; } = null!;
    public PersonRow Person { get; private set; } = null!;
    public Policy? Policy { get; private set; }
    public IReadOnlyList<FeeLineRow> Lines { get; private set; } = [];
    public IReadOnlyList<SettlementRow> Settlements { get; private set; } = [];

    /// <summary>Every settlement of the visit in order, those reversed too, each with its reversal (null while it stands): the 已结算 table.</summary>
    public IReadOnlyList<(SettlementRow Settlement, SettlementRow? Reversal)> SettlementHistory { get; private set; } = [];
    public Preview? Explained { get; private set; }
    public string? Problem { get; private set; }

    /// <summary>The API's own text of a refusal shown in the clerk's words, for support.</summary>
    public string? ProblemDetail { get; private set; }
    public string? Message { get; private set; }

    /// <summary>The registration's warning (e.g. no filing yet), carried over from the window's first page.</summary>
    [TempData] public string? Warning { get; set; }
    public string EditorJson { get; private set; } = "[]";

    /// <summary>The visit's open lines as uploaded: the bill editor keeps (in the browser) whatever differs from them as unsent.</summary>
    public string UploadedJson { get; private set; } = "[]";
    public bool Inpatient => Visit.Kind == "inpatient";
    public bool FinallySettled => Settlements.Any(MedSettle.Transactions.Visits.ClosesVisit);
    public bool Cancelled => Visit.CancelledAt is not null;

    /// <summary>The action that undoes the visit, as the page names it: 取消挂号 (2202) or 入院撤销 (2404).</summary>
    public string CancelName => Inpatient ? "入院撤销" : "取消挂号";

    /// <summary>The visit's lines no settlement has taken: the open bill.</summary>
    public IEnumerable<FeeLineRow> OpenLines => Lines.Where(l => l.SetlId is null);
    public int OpenLineCount => OpenLines.Count();
    public string Now => Later(clock.Now.ToString("yyyy-MM-ddTHH:mm", CultureInfo.InvariantCulture), EarliestDischarge);

    /// <summary>
    /// The earliest discharge time the form takes (yyyy-MM-ddTHH:mm): the admission, or the latest settlement of the stay
    /// already made (rounded up to the minute), since a discharge before a 中途结算 would put that settlement after the stay.
    /// </summary>
    public string EarliestDischarge
    {
        get
        {
            var latest = Settlements.Select(s => s.SetlTime).Append(Visit.Begntime).Max(StringComparer.Ordinal)!;
            var time = Formats.ParseTime(latest);
            if (time.Second > 0) time = time.AddSeconds(60 - time.Second);
            return time.ToString("yyyy-MM-ddTHH:mm", CultureInfo.InvariantCulture);
        }
    }

    private static string Later(string a, string b) => string.CompareOrdinal(a, b) >= 0 ? a : b;
    private string Hospital => User.Hospital()!;

    /// <summary>What a 转住院 did, carried to the admission's page (or back to this one) across its redirect.</summary>
    [TempData] public string? CarriedMessage { get; set; }
    [TempData] public string? CarriedProblem { get; set; }

    /// <summary>转住院 is offered on an open emergency registration with no settlement standing.</summary>
    public bool CanTransfer => !Inpatient && !Cancelled && Settlements.Count == 0;

    /// <summary>
    /// The msgid the 转住院 form sends, made when the page is shown; each of its transactions has its own msgid derived from
    /// it (<see cref="StepMsgid"/>), so the same form sent again repeats them and the platform does nothing twice.
    /// </summary>
    public async Task<string> TransferMsgidAsync() => _transferMsgid ??= await client.NewMsgidAsync(Hospital);
    private string? _transferMsgid;

    /// <summary>
    /// The msgid the 确认结算 form sends, made when the pre-settlement is shown: a second click, or the form sent again after
    /// going back, repeats it, and the platform answers with the settlement it made the first time.
    /// </summary>
    public async Task<string> SettleMsgidAsync() => _settleMsgid ??= await client.NewMsgidAsync(Hospital);
    private string? _settleMsgid;

    public async Task<IActionResult> OnGetAsync(string mdtrtId)
    {
        if (!await LoadAsync(mdtrtId)) return NotFound();
        Message = CarriedMessage;
        Problem = CarriedProblem;
        return Page();
    }

    /// <summary>Why a 中途结算 cannot be made now, in the clerk's words: only an admission not yet discharged takes one.</summary>
    private string? MidSettleProblem(bool midSettle) =>
        !midSettle ? null
        : !Inpatient ? "急诊门诊不办理中途结算"
        : Visit.Endtime is not null ? $"患者已于 {Visit.Endtime} 出院，不能再中途结算：请办理出院结算。未结算。"
        : null;

    public async Task<IActionResult> OnPostPreSettleAsync(string mdtrtId, string lines, bool useAccount, bool midSettle)
    {
        if (!await LoadAsync(mdtrtId)) return NotFound();
        var bill = ParseBill(lines);
        EditorJson = lines;
        if (MidSettleProblem(midSettle) is { } notNow)
        {
            Problem = notNow;
            return Page();
        }
        if (bill.Count == 0)
        {
            Problem = "请先录入费用明细";
            return Page();
        }
        if (BillProblem(bill) is { } problem)
        {
            Problem = problem;
            return Page();
        }
        if (!IsUploaded(bill))
        {
            if (OpenLines.Any())
            {
                var withdrawn = await client.CallAsync(Hospital, User.DisplayName(), Inpatient ? "2302" : "2205",
                    new { data = new { mdtrt_id = mdtrtId, psn_no = Visit.PsnNo, chrg_bchno = "0000" } });
                if (!withdrawn.Ok) return await ShowAsync(mdtrtId, withdrawn.Error, editor: lines, detail: withdrawn.Detail);
            }
            var first = Lines.Count + 1;
            var now = clock.Now.ToText();
            var feedetail = bill.Select((l, i) => new
            {
                feedetl_sn = $"{clock.Now:HHmmss}{first + i:D4}", mdtrt_id = mdtrtId, psn_no = Visit.PsnNo, chrg_bchno = clock.Now.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture),
                fee_ocur_time = now, med_list_codg = l.Code, medins_list_codg = l.Code, pric = l.Price!.Value, cnt = l.Count!.Value,
                det_item_fee_sumamt = LineGrading.ExpectedAmount(l.Price.Value, l.Count.Value),
            }).ToList();
            var uploaded = await client.CallAsync(Hospital, User.DisplayName(), Inpatient ? "2301" : "2204", new { feedetail });
            if (!uploaded.Ok) return await ShowAsync(mdtrtId, uploaded.Error, editor: lines, detail: uploaded.Detail);
        }
        await LoadAsync(mdtrtId);
        EditorJson = lines;
        var medfee = Money.FromFen(OpenLines.Sum(l => l.AmountFen));
        var reply = await client.CallAsync(Hospital, User.DisplayName(), Inpatient ? "2303" : "2206", SettleInput(medfee, useAccount, midSettle));
        if (!reply.Ok) return await ShowAsync(mdtrtId, reply.Error, editor: lines, detail: reply.Detail);
        Explained = await ReadAsync(reply.Output, useAccount, midSettle);
        return Page();
    }

    public async Task<IActionResult> OnPostSettleAsync(string mdtrtId, decimal medfee, bool useAccount, bool midSettle, string? lines, string? msgid)
    {
        if (!await LoadAsync(mdtrtId)) return NotFound();
        if (MidSettleProblem(midSettle) is { } notNow)
            return await ShowAsync(mdtrtId, notNow, editor: string.IsNullOrEmpty(lines) ? null : lines);
        if (!string.IsNullOrEmpty(lines) && !IsUploaded(ParseBill(lines)))
        {
            EditorJson = lines;
            Problem = "账单已修改，请重新预结算：点击“上传明细并预结算”，核对新的预结算说明后再确认结算。本次未结算。";
            return Page();
        }
        var reply = await client.CallAsync(Hospital, User.DisplayName(), Inpatient ? "2304" : "2207", SettleInput(medfee, useAccount, midSettle),
            WindowClient.IsWindowMsgid(msgid, Hospital) ? msgid : null);
        if (!reply.Ok) return await ShowAsync(mdtrtId, reply.Error, editor: string.IsNullOrEmpty(lines) ? null : lines, detail: reply.Detail);
        return Redirect($"/window/slip/{reply.Output.GetProperty("setlinfo").GetProperty("setl_id").GetString()}");
    }

    public async Task<IActionResult> OnPostDischargeAsync(string mdtrtId, string endtime)
    {
        if (!await LoadAsync(mdtrtId)) return NotFound();
        var time = endtime.Replace('T', ' ');
        if (time.Length == 16) time += ":00";
        if (Settlements.MaxBy(x => x.SetlTime, StringComparer.Ordinal) is { } last && string.CompareOrdinal(time, last.SetlTime) < 0)
            return await ShowAsync(mdtrtId, $"出院时间 {time} 早于本次住院已办理的中途结算 {last.SetlId}（{last.SetlTime}）：出院时间不能早于已办理的结算，请核对后重新填写。未办理出院。");
        var reply = await client.CallAsync(Hospital, User.DisplayName(), "2402",
            new { dscginfo = new { mdtrt_id = mdtrtId, psn_no = Visit.PsnNo, insutype = Visit.Insutype, endtime = time, dise_codg = Visit.DiseCodg } });
        return await ShowAsync(mdtrtId, reply.Ok ? null : reply.Error, reply.Ok ? "已办理出院，可以出院结算" : null, detail: reply.Detail);
    }

    /// <summary>取消挂号 (2202) or 入院撤销 (2404): the platform refuses while a settlement stands; unsettled lines go with the visit.</summary>
    public async Task<IActionResult> OnPostCancelAsync(string mdtrtId, bool confirmed)
    {
        if (!await LoadAsync(mdtrtId)) return NotFound();
        if (!confirmed) return await ShowAsync(mdtrtId, $"{CancelName}须先确认");
        var lines = OpenLineCount; // before the visit, and its lines, are gone
        var reply = await client.CallAsync(Hospital, User.DisplayName(), Inpatient ? "2404" : "2202",
            new { data = new { mdtrt_id = mdtrtId, psn_no = Visit.PsnNo } });
        return await ShowAsync(mdtrtId, reply.Ok ? null : reply.Error,
            reply.Ok ? $"已{(Inpatient ? "撤销入院" : "取消挂号")}：就诊 {mdtrtId} 已撤销{(lines > 0 ? $"，{lines} 条未结算费用明细一并撤销" : "")}" : null, detail: reply.Detail);
    }

    /// <summary>出院撤销 (2405): the platform refuses once the stay is finally settled.</summary>
    public async Task<IActionResult> OnPostCancelDischargeAsync(string mdtrtId, bool confirmed)
    {
        if (!await LoadAsync(mdtrtId)) return NotFound();
        if (!confirmed) return await ShowAsync(mdtrtId, "出院撤销须先确认");
        var reply = await client.CallAsync(Hospital, User.DisplayName(), "2405", new { data = new { mdtrt_id = mdtrtId, psn_no = Visit.PsnNo } });
        return await ShowAsync(mdtrtId, reply.Ok ? null : reply.Error, reply.Ok ? "已撤销出院：患者恢复为在院，可继续录入费用、中途结算或重新办理出院" : null, detail: reply.Detail);
    }

    /// <summary>
    /// 急诊转住院: admits the person (2401) from the registration's begin time, so under the same filing; withdraws the
    /// registration's open lines (2205) and uploads the same lines to the admission (2301); then cancels the registration
    /// (2202). Each step has its own msgid derived from the form's: the same form sent again repeats them, and a step the
    /// platform refuses stops the transfer with what was done undone where the interface allows (2204 back, 2404).
    /// </summary>
    public async Task<IActionResult> OnPostToAdmissionAsync(string mdtrtId, bool confirmed, string? msgid)
    {
        if (!await LoadAsync(mdtrtId)) return NotFound();
        if (!WindowClient.IsWindowMsgid(msgid, Hospital)) msgid = await client.NewMsgidAsync(Hospital);
        var number = "ZY" + msgid[^18..];
        var hospital = Hospital;
        var earlier = await database.ReadAsync(unit => unit.FirstOrDefaultAsync<string>(
            "SELECT mdtrt_id FROM visits WHERE fixmedins_code = @hospital AND ipt_otp_no = @number AND kind = 'inpatient' AND cancelled_at IS NULL",
            new { hospital, number }));
        if (Cancelled && earlier is not null) // this very form, sent again after it was done
        {
            CarriedMessage = $"已转住院：住院就诊 {earlier}（门诊挂号 {mdtrtId} 已撤销）。本次为重复提交，未重复办理。";
            return Redirect($"/window/visit/{earlier}");
        }
        if (Inpatient) return await ShowAsync(mdtrtId, "本次就诊已是住院就诊，无需转住院");
        if (Cancelled) return await ShowAsync(mdtrtId, $"就诊 {mdtrtId} 已取消挂号，不能转住院：如患者需住院，请返回收费窗口办理入院");
        if (Settlements.Count > 0) return await ShowAsync(mdtrtId, "本次门诊已结算，不能转住院：如需转住院，请先在结算单上撤销结算");
        if (!confirmed) return await ShowAsync(mdtrtId, "转住院须先确认");

        var psnNo = Visit.PsnNo;
        var lines = OpenLines.ToList();
        var admitted = await Step("2401", 'A', new
        {
            mdtrtinfo = new { psn_no = psnNo, insutype = Visit.Insutype, begntime = Visit.Begntime, med_type = "24", ipt_no = number, adm_dept_name = "急诊科" },
        });
        if (!admitted.Ok) return await ShowAsync(mdtrtId, $"未转住院：入院未被受理（{admitted.Error}）。门诊就诊及其费用明细未作任何改变。", detail: admitted.Detail);
        var admission = admitted.Output.GetProperty("result").GetProperty("mdtrt_id").GetString()!;

        if (lines.Count == 0 && earlier is not null)
            lines = await WithdrawnEarlierAsync(mdtrtId, msgid); // this form, sent again after its lines were withdrawn
        if (lines.Count > 0)
        {
            var withdrawn = await Step("2205", 'B', new { data = new { mdtrt_id = mdtrtId, psn_no = psnNo, chrg_bchno = "0000" } });
            if (!withdrawn.Ok)
                return await ShowAsync(mdtrtId, $"未转住院：门诊费用明细撤销未被受理（{withdrawn.Error}）。{await UndoAdmissionAsync(admission)}门诊就诊及其费用明细未作改变。",
                    detail: withdrawn.Detail);
            var moved = await Step("2301", 'C', new { feedetail = Feedetail(lines, admission) });
            if (!moved.Ok)
            {
                var restored = await Step("2204", 'F', new { feedetail = Feedetail(lines, mdtrtId) });
                var linesState = restored.Ok
                    ? $"门诊费用明细 {lines.Count} 条已重新上传到门诊就诊。"
                    : $"门诊费用明细 {lines.Count} 条已撤销但未能恢复（{restored.Error}），请在本页重新录入。";
                return await ShowAsync(mdtrtId, $"未转住院：住院费用明细上传未被受理（{moved.Error}）。{await UndoAdmissionAsync(admission)}{linesState}", detail: moved.Detail);
            }
        }

        var cancelled = await Step("2202", 'D', new { data = new { mdtrt_id = mdtrtId, psn_no = psnNo } });
        var carried = lines.Count > 0 ? $"门诊费用明细 {lines.Count} 条已转入住院" : "门诊无已上传的费用明细";
        if (cancelled.Ok) CarriedMessage = $"已转住院：住院就诊 {admission}，{carried}，门诊挂号 {mdtrtId} 已撤销";
        else CarriedProblem = $"已转住院：住院就诊 {admission}，{carried}；但门诊挂号 {mdtrtId} 未能撤销（{cancelled.Error}），请打开门诊就诊 {mdtrtId} 取消挂号";
        if (admitted.Warning is not null) Warning = admitted.Warning;
        return Redirect($"/window/visit/{admission}");

        Task<WindowReply> Step(string infno, char step, object input) =>
            client.CallAsync(hospital, User.DisplayName(), infno, input, StepMsgid(msgid, step));

        async Task<string> UndoAdmissionAsync(string id)
        {
            var undone = await Step("2404", 'E', new { data = new { mdtrt_id = id, psn_no = psnNo } });
            return undone.Ok ? $"已撤销刚办理的入院 {id}。" : $"刚办理的入院 {id} 未能撤销（{undone.Error}），请打开住院就诊 {id} 办理入院撤销。";
        }
    }

    /// <summary>The msgid of step <paramref name="step"/> of the 转住院 sent as <paramref name="msgid"/>: its <see cref="WindowClient.WindowMark"/> replaced by another letter, so it is no msgid the window makes otherwise.</summary>
    public static string StepMsgid(string msgid, char step) =>
        step == WindowClient.WindowMark ? throw new ArgumentOutOfRangeException(nameof(step)) : string.Concat(msgid.AsSpan(0, msgid.Length - 4), step.ToString(), msgid.AsSpan(msgid.Length - 3));

    /// <summary>The registration's lines this 转住院's own 2205 withdrew (its stored answer names them), for the same form sent again.</summary>
    private async Task<List<FeeLineRow>> WithdrawnEarlierAsync(string mdtrtId, string msgid)
    {
        var withdrawn = await client.CallAsync(Hospital, User.DisplayName(), "2205",
            new { data = new { mdtrt_id = mdtrtId, psn_no = Visit.PsnNo, chrg_bchno = "0000" } }, StepMsgid(msgid, 'B'));
        if (!withdrawn.Ok || !withdrawn.Output.TryGetProperty("result", out var result)) return [];
        var sns = result.EnumerateArray().Select(r => r.GetProperty("feedetl_sn").GetString()!).ToHashSet();
        var rows = await database.ReadAsync(unit => unit.QueryAsync<FeeLineRow>(
            "SELECT * FROM fee_lines WHERE mdtrt_id = @mdtrtId AND withdrawn_at IS NOT NULL ORDER BY withdrawn_at DESC", new { mdtrtId }));
        return rows.Where(r => sns.Contains(r.FeedetlSn)).DistinctBy(r => r.FeedetlSn).OrderBy(r => r.UploadMsgid, StringComparer.Ordinal).ThenBy(r => r.FeedetlSn, StringComparer.Ordinal).ToList();
    }

    /// <summary>The lines as uploaded to visit <paramref name="to"/>: the same serial numbers, items, prices, counts and fee times.</summary>
    private object Feedetail(IEnumerable<FeeLineRow> lines, string to) => lines.Select(l => new
    {
        feedetl_sn = l.FeedetlSn, mdtrt_id = to, psn_no = Visit.PsnNo, chrg_bchno = l.ChrgBchno, fee_ocur_time = l.FeeOcurTime,
        med_list_codg = l.MedListCodg, medins_list_codg = l.MedListCodg, pric = decimal.Parse(l.Pric, CultureInfo.InvariantCulture),
        cnt = decimal.Parse(l.Cnt, CultureInfo.InvariantCulture), det_item_fee_sumamt = Money.FromFen(l.AmountFen),
    }).ToList();

    private static List<BillLine> ParseBill(string lines) =>
        JsonSerializer.Deserialize<List<BillLine>>(lines, WebJson) ?? [];

    private static readonly JsonSerializerOptions WebJson = new(JsonSerializerDefaults.Web);

    /// <summary>The first line without a price or count above 0, in the clerk's words (a 0.00 line is never uploaded).</summary>
    private static string? BillProblem(IReadOnlyList<BillLine> bill)
    {
        for (var i = 0; i < bill.Count; i++)
        {
            var l = bill[i];
            if (l.Price is not > 0) return $"第 {i + 1} 行 {l.Code} {l.Name}：单价须大于 0，请填写实际收费单价（元）";
            if (l.Count is not > 0) return $"第 {i + 1} 行 {l.Code} {l.Name}：数量须大于 0";
        }
        return null;
    }

    /// <summary>Whether the bill the clerk has on screen is the one uploaded and open (the one a settlement would take).</summary>
    private bool IsUploaded(IReadOnlyList<BillLine> bill)
    {
        var unsettled = OpenLines.ToList();
        return unsettled.Count == bill.Count && unsettled.Zip(bill).All(p => p.First.MedListCodg == p.Second.Code
            && decimal.Parse(p.First.Pric, CultureInfo.InvariantCulture) == p.Second.Price && decimal.Parse(p.First.Cnt, CultureInfo.InvariantCulture) == p.Second.Count);
    }

    private object SettleInput(decimal medfee, bool useAccount, bool midSettle) => new
    {
        data = new
        {
            psn_no = Visit.PsnNo, mdtrt_cert_type = "02", med_type = Visit.MedType, medfee_sumamt = medfee, psn_setlway = "01", mdtrt_id = Visit.MdtrtId,
            insutype = Visit.Insutype, acct_used_flag = useAccount ? "1" : "0", mid_setl_flag = midSettle ? "1" : "0",
        },
    };

    /// <summary>
    /// The answer of 2206/2303 as the clerk reads it. Each supplementary fund's line is explained from its setldetail row,
    /// the rule in force and the person's year as it stands (a pre-settlement changes neither); where those no longer give
    /// the answer's figure to the fen (a settlement of the person elsewhere in between), the line gives the answer's figures only.
    /// </summary>
    private async Task<Preview> ReadAsync(JsonElement output, bool useAccount, bool midSettle)
    {
        var s = output.GetProperty("setlinfo");
        decimal D(string name) => s.GetProperty(name).GetDecimal();
        var detail = output.GetProperty("setldetail");
        var basic = detail[0]; // rule 15: the basic fund's row comes first
        var (reimbursable, capLeft, fund) = (basic.GetProperty("inscp_scp_amt").GetDecimal(), basic.GetProperty("crt_payb_lmt_amt").GetDecimal(),
            basic.GetProperty("fund_payamt").GetDecimal());
        var shares = detail.EnumerateArray()
            .Select(d => (Fund: FundWords.OfPayType(d.GetProperty("fund_pay_type").GetString()), Row: d))
            .Where(d => d.Fund is not null)
            .Select(d => new FundShare(d.Fund!.Value, d.Row.GetProperty("inscp_scp_amt").GetDecimal(), d.Row.GetProperty("crt_payb_lmt_amt").GetDecimal(),
                d.Row.GetProperty("fund_payamt").GetDecimal()))
            .ToList();
        var year = shares.Count == 0 ? new AccumulatorRow() : await YearAsync();
        var tiers = shares.Select(share =>
        {
            var (rule, fundYear) = share.Fund switch
            {
                SupplementaryFund.Hifob => (Cover.Hifob, new FundYear(Money.FromFen(year.HifobBaseFen), Money.FromFen(year.HifobPaidFen))),
                SupplementaryFund.Hifmi => (Cover.Hifmi, new FundYear(Money.FromFen(year.HifmiBaseFen), Money.FromFen(year.HifmiPaidFen))),
                _ => (Cover.Maf, new FundYear(Money.FromFen(year.MafBaseFen), Money.FromFen(year.MafPaidFen))),
            };
            var why = rule is null ? null : FundWords.Explain(rule, fundYear, share);
            if (share.Fund == SupplementaryFund.Hifob && FundWords.BeyondTheCap(reimbursable, capLeft, D("pool_prop_selfpay"), share.Base) is { } beyond)
                why = why is null ? beyond : $"{beyond}；{why}";
            return new Tier(share.Fund, share.Base, share.CapLeft, share.Pay,
                why ?? $"计算基数 {share.Base:N2}，结算前本年剩余最高支付限额 {share.CapLeft:N2}，支付 {share.Pay:N2}");
        }).ToList();
        return new Preview(D("medfee_sumamt"), D("fulamt_ownpay_amt"), D("overlmt_selfpay"), D("preselfpay_amt"), D("inscp_scp_amt"), D("act_pay_dedc"),
            D("pool_prop_selfpay"), reimbursable, fund, capLeft, D("psn_part_amt"),
            D("acct_pay"), D("psn_cash_pay"), D("balc"), useAccount, midSettle, D("fund_pay_sumamt"), tiers, FlagsOf(output));
    }

    /// <summary>
    /// A supervision rule the pre-settlement found (docs/SUPERVISION.md): a block one will refuse the settlement, a warn one
    /// lets it settle and sends it to the home region's agency for review.
    /// </summary>
    public sealed record Flag(string Code, string Name, bool Blocks, string Message, IReadOnlyList<string> Lines)
    {
        /// <summary>The clerk's words for what it means.</summary>
        public string Meaning => Blocks ? "阻断：确认结算将被拒绝，请核对或撤销该明细" : "提醒：可以结算，结算后转参保地医保经办机构审核";
    }

    private static IReadOnlyList<Flag> FlagsOf(JsonElement output) =>
        output.TryGetProperty("violations", out var violations) && violations.ValueKind == JsonValueKind.Array
            ? violations.EnumerateArray().Select(v => new Flag(v.GetProperty("rule_code").GetString()!, v.GetProperty("rule_name").GetString()!,
                v.GetProperty("severity").GetString() == "block", v.GetProperty("msg").GetString()!,
                v.GetProperty("lines").EnumerateArray().Select(l => l.GetString()!).ToList())).ToList()
            : [];

    /// <summary>The person's year of the visit (year of its begin date) as it stands: every fund's cumulative base and pay.</summary>
    private Task<AccumulatorRow> YearAsync()
    {
        var person = Person;
        var year = Formats.ParseDate(Visit.Begntime).Year;
        return database.ReadAsync(async unit => await unit.FirstOrDefaultAsync<AccumulatorRow>(
            "SELECT * FROM year_accumulators WHERE insuplc_admdvs = @region AND psn_no = @psnNo AND insutype = @insutype AND year = @year",
            new { region = person.InsuplcAdmdvs, psnNo = person.PsnNo, insutype = person.Insutype, year }) ?? new AccumulatorRow());
    }

    /// <summary>The visit again with a problem or message; <paramref name="editor"/> keeps the bill the clerk typed (a refusal must not wipe it).</summary>
    private async Task<IActionResult> ShowAsync(string mdtrtId, string? problem, string? message = null, string? editor = null, string? detail = null)
    {
        await LoadAsync(mdtrtId);
        if (editor is not null) EditorJson = editor;
        Problem = problem;
        ProblemDetail = problem is null ? null : detail;
        Message = message;
        return Page();
    }

    private async Task<bool> LoadAsync(string mdtrtId)
    {
        var hospital = Hospital;
        var loaded = await database.WriteAsync(async unit =>
        {
            var visit = await unit.FirstOrDefaultAsync<VisitRow>("SELECT * FROM visits WHERE mdtrt_id = @mdtrtId AND fixmedins_code = @hospital", new { mdtrtId, hospital });
            if (visit is null) return (false, false);
            Visit = visit;
            Person = (await unit.FirstOrDefaultAsync<PersonRow>("SELECT * FROM persons WHERE psn_no = @psnNo AND insutype = @insutype",
                new { psnNo = visit.PsnNo, insutype = visit.Insutype }))!;
            var level = await unit.ScalarAsync<long>("SELECT hosp_lv FROM hospitals WHERE fixmedins_code = @hospital", new { hospital });
            Policy = await Settle.PolicyAsync(unit, Person.InsuplcAdmdvs, Person.Insutype,
                visit.Kind == "inpatient" ? CareCategory.Inpatient : CareCategory.EmergencyOutpatient, (int)level, Formats.ParseDate(visit.Begntime));
            Cover = Settle.CoverOf(Person, await Supplements.VersionsAsync(unit, Person.InsuplcAdmdvs), Formats.ParseDate(visit.Begntime), new AccumulatorRow());
            Lines = (await unit.QueryAsync<FeeLineRow>(
                $"{Bills.LinesWithSettlement} WHERE {Bills.LinesOf("@mdtrtId")} ORDER BY f.upload_msgid, f.feedetl_sn", new { mdtrtId })).ToList();
            Settlements = (await unit.QueryAsync<SettlementRow>(
                $"SELECT * FROM settlements s WHERE {Visits.StandingSettlementOf("@mdtrtId")} ORDER BY s.setl_time", new { mdtrtId })).ToList();
            var all = (await unit.QueryAsync<SettlementRow>(
                "SELECT * FROM settlements WHERE mdtrt_id = @mdtrtId ORDER BY setl_time, setl_id", new { mdtrtId })).ToList();
            SettlementHistory = all.Where(s => s.Kind == "settle")
                .Select(s => (s, all.FirstOrDefault(r => r.Kind == "reversal" && r.OrigSetlId == s.SetlId))).ToList();
            await PageReads.WriteAsync(unit, User, clock.Now, "/Window/Visit", Person, "窗口办理就诊、费用与结算", mdtrtId);
            return (true, true);
        });
        if (loaded)
            UploadedJson = EditorJson = JsonSerializer.Serialize(OpenLines.Select(l => new BillLine(l.MedListCodg, l.MedListName, (int)l.ChrgitmLv,
                decimal.Parse(l.Pric, CultureInfo.InvariantCulture), decimal.Parse(l.Cnt, CultureInfo.InvariantCulture))), WebJson);
        return loaded;
    }

    /// <summary>Why the patient pays what they pay for one line, in the clerk's words.</summary>
    public static string Why(FeeLineRow l)
    {
        var level = (ChargeLevel)l.ChrgitmLv;
        if (level == ChargeLevel.ClassC) return "丙类项目，全部自费";
        var parts = new List<string>();
        if (l.OverlmtFen > 0) parts.Add($"单价 {l.Pric} 超过限价 {l.PricUplmtAmt}，超出部分 {Money.FromFen(l.OverlmtFen):N2} 自付");
        if (level == ChargeLevel.ClassB)
            parts.Add($"乙类项目先行自付 {Formats.Percent(l.SelfpayProp)}：{Money.FromFen(l.PreselfpayFen):N2}");
        if (parts.Count == 0) parts.Add("甲类项目，全部纳入政策范围");
        return string.Join("；", parts);
    }
}
