using MedSettle.Engine;
using MedSettle.Storage;
using MedSettle.Transactions;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using MedSettle.Web;

namespace MedSettle.Pages.Dashboard;

/// <summary>One settlement as the agency sees it: who, where, the figures and the fee lines. Another region's insured answer 404 to an agency.</summary>
public sealed class SettlementModel(Database database, PlatformClock clock) : PageModel
{

    public SettlementRow Settlement { get; private set; } = null!;
    public SettlementRow? Related { get; private set; }
    public PersonRow? Person { get; private set; }
    public VisitRow? Visit { get; private set; }
    public HospitalRow? Hospital { get; private set; }
    public string HomeName { get; private set; } = "";
    public string AreaName { get; private set; } = "";
    public IReadOnlyList<FeeLineRow> Lines { get; private set; } = [];

    /// <summary>True when the lines shown are the visit's lines released by the reversal (the lines of a reversed settlement are no longer tied to it).</summary>
    public bool LinesFromVisit { get; private set; }

    /// <summary>Later settlements of the same visit (after this one was reversed).</summary>
    public IReadOnlyList<string> Resettled { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(string setlId)
    {
        if (DashboardScope.IsMisconfigured(User)) return Forbid();
        var home = DashboardScope.ForcedHome(User);
        var found = await database.WriteAsync(async unit =>
        {
            var settlement = await unit.FirstOrDefaultAsync<SettlementRow>(
                "SELECT * FROM settlements WHERE setl_id = @setlId" + (home is null ? "" : " AND insuplc_admdvs = @home"), new { setlId, home });
            if (settlement is null) return (false, false);
            Settlement = settlement;
            var relatedId = settlement.Kind == "settle" ? settlement.ReversedBy : settlement.OrigSetlId;
            Related = relatedId is null ? null : await unit.FirstOrDefaultAsync<SettlementRow>("SELECT * FROM settlements WHERE setl_id = @relatedId", new { relatedId });
            Person = await unit.FirstOrDefaultAsync<PersonRow>(
                "SELECT * FROM persons WHERE insuplc_admdvs = @home AND psn_no = @psnNo AND insutype = @insutype",
                new { home = settlement.InsuplcAdmdvs, psnNo = settlement.PsnNo, insutype = settlement.Insutype });
            Visit = await unit.FirstOrDefaultAsync<VisitRow>("SELECT * FROM visits WHERE mdtrt_id = @mdtrtId", new { mdtrtId = settlement.MdtrtId });
            Hospital = await unit.FirstOrDefaultAsync<HospitalRow>("SELECT * FROM hospitals WHERE fixmedins_code = @code", new { code = settlement.FixmedinsCode });
            var names = (await unit.QueryAsync<(string, string)>(
                "SELECT admdvs, name FROM regions WHERE admdvs = @a OR admdvs = @b", new { a = settlement.InsuplcAdmdvs, b = settlement.MdtrtareaAdmvs }))
                .ToDictionary(r => r.Item1, r => r.Item2);
            HomeName = names.GetValueOrDefault(settlement.InsuplcAdmdvs, settlement.InsuplcAdmdvs);
            AreaName = names.GetValueOrDefault(settlement.MdtrtareaAdmvs, settlement.MdtrtareaAdmvs);

            // A standing settlement shows the lines of the bill it took. A reversal puts its lines back into the visit's open
            // bill (perhaps settled again later), so a reversed settlement, or a reversal, shows the visit's current lines, marked as such.
            var standing = settlement.Kind == "settle" && settlement.ReversedBy is null;
            Lines = (await unit.QueryAsync<FeeLineRow>(
                $"""
                SELECT feedetl_sn, med_list_codg, med_list_name, chrgitm_lv, pric, cnt, amount_fen, fulamt_ownpay_fen, overlmt_fen, preselfpay_fen, inscp_fen
                FROM fee_lines f WHERE {(standing ? Bills.LinesOfBill("@mdtrtId", "@billNo") : Bills.LinesOf("@mdtrtId"))}
                ORDER BY fee_ocur_time, feedetl_sn
                """, new { mdtrtId = settlement.MdtrtId, billNo = settlement.BillNo })).ToList();
            LinesFromVisit = !standing && Lines.Count > 0;
            Resettled = (await unit.QueryAsync<string>(
                "SELECT setl_id FROM settlements WHERE mdtrt_id = @mdtrtId AND kind = 'settle' AND setl_id <> @setlId AND setl_time > @setlTime ORDER BY setl_time",
                new { mdtrtId = settlement.MdtrtId, setlId = settlement.SetlId, setlTime = settlement.SetlTime })).ToList();
            if (Person is not null)
                await PageReads.WriteAsync(unit, User, clock.Now, "/Dashboard/Settlement", Person, "查看结算明细（姓名、证件号码已脱敏）", setlId);
            return (true, true);
        });
        return found ? Page() : NotFound();
    }

    public static decimal M(long fen) => Money.FromFen(fen);

    /// <summary>A supplementary fund's part of a settlement, as the page lists it.</summary>
    public sealed record Share(string Code, string Name, decimal Base, decimal CapLeft, decimal Pay);

    /// <summary>The supplementary funds that applied to the settlement (those with a base), in setldetail's order: 大额补助, 大病保险, 医疗救助.</summary>
    public static IReadOnlyList<Share> Supplementary(SettlementRow s)
    {
        var shares = new List<Share>(3);
        Add(SupplementaryFund.Hifob, s.HifobBaseFen, s.HifobCapLeftFen, s.HifobFen);
        Add(SupplementaryFund.Hifmi, s.HifmiBaseFen, s.HifmiCapLeftFen, s.HifmiFen);
        Add(SupplementaryFund.Maf, s.MafBaseFen, s.MafCapLeftFen, s.MafFen);
        return shares;

        void Add(SupplementaryFund fund, long? baseFen, long? capLeftFen, long payFen)
        {
            if (baseFen is { } b)
                shares.Add(new Share(Supplements.FundCode(fund), MedSettle.Web.FundWords.Name(fund), M(b), M(capLeftFen ?? 0), M(payFen)));
        }
    }

    public static string LevelTag(long level) =>
        ChargeLevels.TryParse(level.ToString(System.Globalization.CultureInfo.InvariantCulture), out var known)
            ? known.ChineseName()
            : level.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static string LevelClass(long level) => level switch { 1 => "a", 2 => "b", 3 => "c", _ => "" };
}
