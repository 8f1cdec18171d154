using System.Globalization;

namespace MedSettle.Tests.Infrastructure;

/// <summary>A hospital's HIS speaking to the platform: the steps of the flow as one-line calls for tests.</summary>
public sealed class His(ITransactionCaller platform, string hospital)
{
    public string Hospital => hospital;

    /// <summary>Any transaction of this hospital's, for the queries (5201, 5203…) that need no helper of their own.</summary>
    public Task<Reply> CallAsync(string infno, object input, string? msgid = null) => platform.CallAsync(infno, hospital, input, msgid);

    public Task<Reply> FileAsync(string psnNo, string insutype, string begndate, string diseCodg = "J18.9", string? enddate = null, string? msgid = null) =>
        platform.CallAsync("2551", hospital, new
        {
            data = new { psn_no = psnNo, insutype, begndate, enddate, dise_codg = diseCodg, dise_name = "急诊诊断", main_cond_dscr = "急诊就医" },
        }, msgid);

    public Task<Reply> RegisterAsync(string psnNo, string insutype, string begntime, string iptOtpNo, string? msgid = null) =>
        platform.CallAsync("2201", hospital, new
        {
            data = new
            {
                psn_no = psnNo, insutype, begntime, mdtrt_cert_type = "02", mdtrt_cert_no = "", ipt_otp_no = iptOtpNo,
                atddr_no = "D001", dr_name = "李医生", dept_code = "A03", dept_name = "急诊科", caty = "A03",
            },
        }, msgid);

    public Task<Reply> AdmitAsync(string psnNo, string insutype, string begntime, string iptNo, string? msgid = null) =>
        platform.CallAsync("2401", hospital, new
        {
            mdtrtinfo = new { psn_no = psnNo, insutype, begntime, med_type = "24", ipt_no = iptNo, dise_codg = "I21.0", dise_name = "急性心肌梗死" },
        }, msgid);

    public Task<Reply> DischargeAsync(string mdtrtId, string psnNo, string insutype, string endtime) =>
        platform.CallAsync("2402", hospital, new { dscginfo = new { mdtrt_id = mdtrtId, psn_no = psnNo, insutype, endtime, dise_codg = "I21.0", dscg_way = "1" } });

    public Task<Reply> UploadAsync(string mdtrtId, string psnNo, IEnumerable<(string Code, decimal Price, decimal Count)> items,
        bool inpatient = false, string? msgid = null, string batch = "B1", decimal? amountOverride = null, int firstSn = 1,
        string feeOcurTime = "2026-03-15 10:30:00")
    {
        var n = firstSn;
        var feedetail = items.Select(i => new
        {
            feedetl_sn = (n++).ToString("D4", CultureInfo.InvariantCulture),
            mdtrt_id = mdtrtId,
            psn_no = psnNo,
            chrg_bchno = batch,
            fee_ocur_time = feeOcurTime,
            med_list_codg = i.Code,
            medins_list_codg = "H-" + i.Code,
            det_item_fee_sumamt = amountOverride ?? Math.Round(i.Price * i.Count, 2, MidpointRounding.AwayFromZero),
            cnt = i.Count,
            pric = i.Price,
        }).ToList();
        return platform.CallAsync(inpatient ? "2301" : "2204", hospital, new { feedetail }, msgid);
    }

    /// <summary>2206/2303; with <paramref name="batch"/>, of that charge batch (chrg_bchno) alone, else of the whole open bill.</summary>
    public Task<Reply> PreSettleAsync(string mdtrtId, string psnNo, string insutype, decimal medfee, bool useAccount, bool inpatient = false,
        string? batch = null) =>
        platform.CallAsync(inpatient ? "2303" : "2206", hospital, SettleInput(mdtrtId, psnNo, insutype, medfee, useAccount, inpatient, batch: batch));

    /// <summary>2207/2304; with <paramref name="batch"/>, of that charge batch (chrg_bchno) alone, else of the whole open bill.</summary>
    public Task<Reply> SettleAsync(string mdtrtId, string psnNo, string insutype, decimal medfee, bool useAccount, bool inpatient = false,
        string? msgid = null, string? midSetlFlag = null, string? batch = null) =>
        platform.CallAsync(inpatient ? "2304" : "2207", hospital, SettleInput(mdtrtId, psnNo, insutype, medfee, useAccount, inpatient, midSetlFlag, batch), msgid);

    public Task<Reply> ReverseAsync(string setlId, string mdtrtId, string psnNo, bool inpatient = false, string? msgid = null) =>
        platform.CallAsync(inpatient ? "2305" : "2208", hospital, new { data = new { setl_id = setlId, mdtrt_id = mdtrtId, psn_no = psnNo } }, msgid);

    public Task<Reply> UndoAsync(string psnNo, string omsgid, string oinfno, string? msgid = null) =>
        platform.CallAsync("2601", hospital, new { data = new { psn_no = psnNo, omsgid, oinfno } }, msgid);

    internal static object SettleInput(string mdtrtId, string psnNo, string insutype, decimal medfee, bool useAccount, bool inpatient, string? midSetlFlag = null,
        string? batch = null) =>
        new
        {
            data = new
            {
                psn_no = psnNo, mdtrt_cert_type = "02", mdtrt_cert_no = "", med_type = inpatient ? "24" : "13", medfee_sumamt = medfee,
                psn_setlway = "01", mdtrt_id = mdtrtId, chrg_bchno = batch, insutype, acct_used_flag = useAccount ? "1" : "0",
                mid_setl_flag = midSetlFlag,
            },
        };

    /// <summary>File, register and upload: an outpatient emergency visit ready to settle; returns its mdtrt_id.</summary>
    public async Task<string> OutpatientVisitAsync(string psnNo, string insutype, IEnumerable<(string, decimal, decimal)> items, string day = "2026-03-15")
    {
        (await FileAsync(psnNo, insutype, day)).ShouldSucceed();
        var visit = (await RegisterAsync(psnNo, insutype, day + " 09:00:00", "MZ" + Guid.NewGuid().ToString("N")[..10])).ShouldSucceed();
        var mdtrtId = visit.Text("data", "mdtrt_id");
        (await UploadAsync(mdtrtId, psnNo, items)).ShouldSucceed();
        return mdtrtId;
    }
}
