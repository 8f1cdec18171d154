using MedSettle.Engine;
using MedSettle.Storage;
using MedSettle.Transactions;
using MedSettle.Web;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace MedSettle.Pages.Window;

/// <summary>The settlement slip (结算单): printable, and the place to reverse a settlement after confirming.</summary>
public sealed class SlipModel(WindowClient client, Database database, PlatformClock clock) : PageModel
{

    public SettlementRow Settlement { get; private set; } = null!;
    public SettlementRow? Reversal { get; private set; }
    public PersonRow Person { get; private set; } = null!;
    public HospitalRow Hospital { get; private set; } = null!;
    public string HomeRegionName { get; private set; } = "";
    public IReadOnlyList<FeeLineRow> Lines { get; private set; } = [];

    /// <summary>The diagnosis: the visit's own (admissions carry one), else its filing's.</summary>
    public string Diagnosis { get; private set; } = "";

    /// <summary>
    /// Each fund that paid its part of the settlement, in the slip's order: 统筹基金, then the supplementary funds that apply
    /// to the person (those with a base: 大额补助, 大病保险, 医疗救助), then 基金支付总额; each with its cell's id.
    /// </summary>
    public IReadOnlyList<(string Label, long Fen, string Id)> FundCells
    {
        get
        {
            var s = Settlement;
            var cells = new List<(string, long, string)> { ("统筹基金支付", s.HifpFen, "slip-fund") };
            if (s.HifobBaseFen is not null) cells.Add(($"{FundWords.Name(SupplementaryFund.Hifob)}支付", s.HifobFen, "slip-hifob"));
            if (s.HifmiBaseFen is not null) cells.Add(($"{FundWords.Name(SupplementaryFund.Hifmi)}支付", s.HifmiFen, "slip-hifmi"));
            if (s.MafBaseFen is not null) cells.Add(($"{FundWords.Name(SupplementaryFund.Maf)}支付", s.MafFen, "slip-maf"));
            cells.Add(("基金支付总额", s.FundPayFen, "slip-fund-total"));
            return cells;
        }
    }

    /// <summary>A 中途结算, taken while the patient is still in hospital.</summary>
    public bool MidStay => Settlement.MidSetlFlag == "1";

    /// <summary>
    /// On a stay's final settlement: every settlement of the stay standing with it (the earlier 中途结算 first), so the slip
    /// shows the whole stay; empty when the final settlement is the stay's only one.
    /// </summary>
    public IReadOnlyList<SettlementRow> Stay { get; private set; } = [];

    /// <summary>
    /// A reversal moves its settlement's lines into the visit's open bill and notes which they were; a settlement
    /// reversed before that note was kept (migration 17) shows its totals only.
    /// </summary>
    public bool LinesReleased => Settlement.ReversedBy is not null && Lines.Count == 0;
    public string? Problem { get; private set; }

    /// <summary>The API's own text of a refusal shown in the clerk's words, for support.</summary>
    public string? ProblemDetail { get; private set; }

    /// <summary>After a reversal: what goes back to whom (<see cref="RefundMessage"/>).</summary>
    public string? Message { get; private set; }

    /// <summary>The reason the clerk typed, shown again in the form when the reversal was not made.</summary>
    public string? Reason { get; private set; }

    public async Task<IActionResult> OnGetAsync(string setlId) => await LoadAsync(setlId) ? Page() : NotFound();

    public async Task<IActionResult> OnPostReverseAsync(string setlId, bool confirmed, string? reason)
    {
        if (!await LoadAsync(setlId)) return NotFound();
        Reason = reason?.Trim();
        if (!confirmed)
        {
            Problem = "撤销结算须先确认";
            return Page();
        }
        if (string.IsNullOrEmpty(Reason))
        {
            Problem = "请填写撤销原因（可选择常见原因或直接填写），本次未撤销";
            return Page();
        }
        if (Reason.Length > Settle.MaxReasonLength)
        {
            Problem = $"撤销原因最多 {Settle.MaxReasonLength} 个字（现为 {Reason.Length} 个），请简要填写，本次未撤销";
            return Page();
        }
        var reply = await client.CallAsync(Hospital.FixmedinsCode, User.DisplayName(), Settlement.ClrType == "21" ? "2305" : "2208",
            new { data = new { setl_id = setlId, mdtrt_id = Settlement.MdtrtId, psn_no = Settlement.PsnNo, memo = Reason } });
        if (!reply.Ok) (Problem, ProblemDetail) = (reply.Error, reply.Detail);
        await LoadAsync(setlId);
        if (reply.Ok && Reversal is not null) Message = RefundMessage(Reversal);
        return Page();
    }

    /// <summary>What a reversal gives back, in the clerk's words: the cash to hand the patient, the account's and the funds' money.</summary>
    public static string RefundMessage(SettlementRow reversal)
    {
        var account = reversal.AcctPayFen == 0 ? "" : $"个人账户退回 {Money.FromFen(-reversal.AcctPayFen):N2} 元，";
        return $"已撤销结算 {reversal.OrigSetlId}：退还患者现金 {Money.FromFen(-reversal.PsnCashFen):N2} 元，{account}"
               + $"基金支付 {Money.FromFen(-reversal.FundPayFen):N2} 元已冲回";
    }

    private async Task<bool> LoadAsync(string setlId)
    {
        var hospital = User.Hospital();
        return await database.WriteAsync(async unit =>
        {
            var settlement = await unit.FirstOrDefaultAsync<SettlementRow>(
                "SELECT * FROM settlements WHERE setl_id = @setlId AND fixmedins_code = @hospital AND kind = 'settle'", new { setlId, hospital });
            if (settlement is null) return (false, false);
            Settlement = settlement;
            Reversal = settlement.ReversedBy is null ? null
                : await unit.FirstOrDefaultAsync<SettlementRow>("SELECT * FROM settlements WHERE setl_id = @id", new { id = settlement.ReversedBy });
            Person = (await unit.FirstOrDefaultAsync<PersonRow>("SELECT * FROM persons WHERE psn_no = @psnNo AND insutype = @insutype",
                new { psnNo = settlement.PsnNo, insutype = settlement.Insutype }))!;
            Hospital = (await unit.FirstOrDefaultAsync<HospitalRow>("SELECT * FROM hospitals WHERE fixmedins_code = @hospital", new { hospital }))!;
            var visit = await unit.FirstOrDefaultAsync<VisitRow>("SELECT * FROM visits WHERE mdtrt_id = @mdtrtId", new { mdtrtId = settlement.MdtrtId });
            var filing = visit?.DiseCodg is null && settlement.TrtDclaDetlSn.Length > 0
                ? await unit.FirstOrDefaultAsync<FilingRow>("SELECT * FROM filings WHERE trt_dcla_detl_sn = @sn", new { sn = settlement.TrtDclaDetlSn })
                : null;
            Diagnosis = visit?.DiseCodg is { } code ? $"{code} {visit.DiseName}" : filing is null ? "" : $"{filing.DiseCodg} {filing.DiseName}";
            var stay = settlement.MidSetlFlag != "1" && settlement.ReversedBy is null && settlement.ClrType == "21"
                ? (await unit.QueryAsync<SettlementRow>(
                    $"SELECT * FROM settlements s WHERE {Visits.StandingSettlementOf("@mdtrtId")} ORDER BY s.bill_no", new { mdtrtId = settlement.MdtrtId })).ToList()
                : [];
            Stay = stay.Count > 1 ? stay : [];
            HomeRegionName = await unit.FirstOrDefaultAsync<string>("SELECT name FROM regions WHERE admdvs = @admdvs", new { admdvs = settlement.InsuplcAdmdvs }) ?? "";
            Lines = (await unit.QueryAsync<FeeLineRow>(settlement.ReversedBy is null
                    ? $"SELECT * FROM fee_lines f WHERE {Bills.LinesOfBill("@mdtrtId", "@billNo")} ORDER BY f.feedetl_sn"
                    : $"{Bills.LinesOfReversed} ORDER BY f.feedetl_sn",
                new { mdtrtId = settlement.MdtrtId, billNo = settlement.BillNo, setlId })).ToList();
            await PageReads.WriteAsync(unit, User, clock.Now, "/Window/Slip", Person, "结算单（含姓名）", setlId);
            return (true, true);
        });
    }
}
