namespace MedSettle.Storage;

// Rows as stored; Dapper maps snake_case columns onto these names. Money columns end in Fen (whole fen).

public sealed class HospitalRow
{
    public string FixmedinsCode { get; set; } = "";
    public string FixmedinsName { get; set; } = "";
    public string Admdvs { get; set; } = "";
    public long HospLv { get; set; }
    public long CrossRegionEnabled { get; set; }
}

/// <summary>A person as stored: name and identity number sealed (AES-GCM), opened on first use of <see cref="PsnName"/> or <see cref="Certno"/>.</summary>
public sealed class PersonRow
{
    private string? _psnName;
    private string? _certno;

    public string InsuplcAdmdvs { get; set; } = "";
    public string PsnNo { get; set; } = "";
    public string Insutype { get; set; } = "";
    public byte[]? PsnNameEnc { get; set; }
    public byte[]? CertnoEnc { get; set; }

    /// <summary>The name in the clear (decrypted once, on first use).</summary>
    public string PsnName => _psnName ??= MedSettle.Privacy.PersonalData.Open(PsnNameEnc);

    /// <summary>The identity number in the clear (decrypted once, on first use).</summary>
    public string Certno => _certno ??= MedSettle.Privacy.PersonalData.Open(CertnoEnc);

    public string Gend { get; set; } = "";
    public string Brdy { get; set; } = "";
    public string PsnInsuStas { get; set; } = "";
    public long AcctBalcFen { get; set; }
    public long AcctImportedFen { get; set; }

    /// <summary>医疗救助 class: 1 特困人员, 2 低保对象, 3 返贫致贫/监测对象; null for none.</summary>
    public string? AssistanceType { get; set; }

    /// <summary>民族 (GB 3304 code, 01–56, 97, 98); null where the bundle does not say.</summary>
    public string? Naty { get; set; }

    /// <summary>单位名称, the employer's name (not a personal identifier, but never logged); null where the bundle does not say.</summary>
    public string? EmpName { get; set; }

    /// <summary>个人参保日期 (yyyy-MM-dd); null where the bundle does not say.</summary>
    public string? PsnInsuDate { get; set; }

    /// <summary>暂停参保日期 (yyyy-MM-dd); null where the bundle does not say (or the insurance was never paused).</summary>
    public string? PausInsuDate { get; set; }

    /// <summary>公务员标志 0/1; null where the bundle does not say.</summary>
    public string? CvlservFlag { get; set; }
}

public sealed class CatalogueRow
{
    public string MedListCodg { get; set; } = "";
    public string MedListName { get; set; } = "";
    public string ListType { get; set; } = "";
    public string MedChrgitmType { get; set; } = "";
    public long ChrgitmLv { get; set; }
    public string SelfpayProp { get; set; } = "0";
    public string? PricUplmtAmt { get; set; }
    public string? LmtGend { get; set; }
    public long? LmtAgeMin { get; set; }
    public long? LmtAgeMax { get; set; }
    public string? LmtDailyCnt { get; set; }
    public string? ExclGroup { get; set; }
}

public class PolicyRow
{
    public string InsuplcAdmdvs { get; set; } = "";
    public string Insutype { get; set; } = "";
    public string Category { get; set; } = "";
    public long HospLv { get; set; }
    public string EffectiveFrom { get; set; } = "";
    public long DeductibleFen { get; set; }
    public string DeductibleBasis { get; set; } = "";
    public string Ratio { get; set; } = "";
    public long AnnualCapFen { get; set; }
}

/// <summary>
/// A supplementary fund's version (supplements.json): 大额 hifob and 大病 hifmi by scheme (<see cref="Insutype"/>),
/// 医疗救助 maf by assistance class (<see cref="AssistanceType"/>); the key's other part is ''. <see cref="Bands"/> is JSON,
/// <c>[{"upto": 50000.00 or null, "ratio": 0.6}, …]</c>.
/// </summary>
public class SupplementRow
{
    public string InsuplcAdmdvs { get; set; } = "";
    public string Fund { get; set; } = "";
    public string Insutype { get; set; } = "";
    public string AssistanceType { get; set; } = "";
    public string EffectiveFrom { get; set; } = "";
    public long ThresholdFen { get; set; }
    public string Bands { get; set; } = "[]";
    public long AnnualCapFen { get; set; }
}

/// <summary>A supervision rule's version (rules.json): <see cref="Params"/> is a JSON object with every parameter of the rule.</summary>
public sealed class SupervisionRuleRow
{
    public string Code { get; set; } = "";
    public string EffectiveFrom { get; set; } = "";
    public long Enabled { get; set; }
    public string Severity { get; set; } = "";
    public string Params { get; set; } = "{}";
}

public sealed class FilingRow
{
    public string TrtDclaDetlSn { get; set; } = "";
    public string InsuplcAdmdvs { get; set; } = "";
    public string PsnNo { get; set; } = "";
    public string Insutype { get; set; } = "";
    public string FixmedinsCode { get; set; } = "";
    public string Begndate { get; set; } = "";
    public string Enddate { get; set; } = "";
    public string DiseCodg { get; set; } = "";
    public string DiseName { get; set; } = "";

    /// <summary>The contact phone given with the filing, sealed (AES-GCM) like a name; null when none was given.</summary>
    public byte[]? TelEnc { get; set; }

    /// <summary>The contact phone in the clear, or null.</summary>
    public string? Tel => TelEnc is null ? null : MedSettle.Privacy.PersonalData.Open(TelEnc);

    public string CreatedAt { get; set; } = "";
    public string? RevokedAt { get; set; }

    /// <summary>1 for a filing an emergency made for itself (异地急诊视同备案, MedSettle:Filing:ImplicitEmergency), 0 for one filed by 2551.</summary>
    public long FiledImplicitly { get; set; }
}

public sealed class VisitRow
{
    public string MdtrtId { get; set; } = "";
    public string InsuplcAdmdvs { get; set; } = "";
    public string PsnNo { get; set; } = "";
    public string Insutype { get; set; } = "";
    public string FixmedinsCode { get; set; } = "";
    public string MdtrtareaAdmvs { get; set; } = "";
    public string Kind { get; set; } = "";
    public string MedType { get; set; } = "";
    public string Begntime { get; set; } = "";
    public string? Endtime { get; set; }
    public string IptOtpNo { get; set; } = "";
    public string? DiseCodg { get; set; }
    public string? DiseName { get; set; }
    public string? DeptName { get; set; }
    public string? DrName { get; set; }
    public string? TrtDclaDetlSn { get; set; }
    public string? CancelledAt { get; set; }
}

public sealed class FeeLineRow
{
    public string MdtrtId { get; set; } = "";
    public string UploadMsgid { get; set; } = "";
    public string FeedetlSn { get; set; } = "";
    public string ChrgBchno { get; set; } = "";
    public string FeeOcurTime { get; set; } = "";
    public string MedListCodg { get; set; } = "";
    public string MedinsListCodg { get; set; } = "";
    public string MedListName { get; set; } = "";
    public string Pric { get; set; } = "";
    public string Cnt { get; set; } = "";
    public long AmountFen { get; set; }
    public long ChrgitmLv { get; set; }
    public string MedChrgitmType { get; set; } = "";
    public string SelfpayProp { get; set; } = "0";
    public string? PricUplmtAmt { get; set; }
    public long FulamtOwnpayFen { get; set; }
    public long OverlmtFen { get; set; }
    public long PreselfpayFen { get; set; }
    public long InscpFen { get; set; }
    public long BillNo { get; set; }

    /// <summary>On a refund line (negative cnt), the feedetl_sn of the line of the same visit it offsets; null on every other line.</summary>
    public string? InitFeedetlSn { get; set; }

    /// <summary>The settlement that took the line (see <see cref="Transactions.Bills.LinesWithSettlement"/>); null while open.</summary>
    public string? SetlId { get; set; }
    public string? WithdrawnAt { get; set; }

    /// <summary>hosp_appr_flag as the hospital sent it ("1": approved by the hospital), and the reason it gave (the line's memo).</summary>
    public string? HospApprFlag { get; set; }
    public string? HospApprReason { get; set; }

    /// <summary>The most severe supervision rule the line broke at its visit's last upload or withdrawal: warn, block, or null.</summary>
    public string? SpvsSeverity { get; set; }

    /// <summary>The hospital approved the line: hosp_appr_flag "1" with a reason. The flag alone is not approval (many clients send it on every line).</summary>
    public bool Approved => HospApprFlag == "1" && !string.IsNullOrWhiteSpace(HospApprReason);
}

public sealed record SettlementRow
{
    public string SetlId { get; set; } = "";
    public string Kind { get; set; } = "";
    public string? OrigSetlId { get; set; }
    public string? ReversedBy { get; set; }
    public string MdtrtId { get; set; } = "";
    public string InsuplcAdmdvs { get; set; } = "";
    public string MdtrtareaAdmvs { get; set; } = "";
    public string FixmedinsCode { get; set; } = "";
    public string PsnNo { get; set; } = "";
    public string Insutype { get; set; } = "";
    public string MedType { get; set; } = "";
    public string ClrType { get; set; } = "";
    public string MidSetlFlag { get; set; } = "0";
    public string AcctUsedFlag { get; set; } = "0";
    public long Year { get; set; }
    public string SetlTime { get; set; } = "";
    public string TrtDclaDetlSn { get; set; } = "";
    public string PolicyEffectiveFrom { get; set; } = "";
    public string PoolPropSelfpay { get; set; } = "";
    /// <summary>The visit's begin date (yyyy-MM-dd), by which its policy was chosen; null only on rows of before migration 42 without a visit.</summary>
    public string? Begndate { get; set; }
    public long MedfeeFen { get; set; }
    public long FulamtOwnpayFen { get; set; }
    public long OverlmtFen { get; set; }
    public long PreselfpayFen { get; set; }
    public long InscpFen { get; set; }
    public long ActPayDedcFen { get; set; }
    public long DedcAddedFen { get; set; }
    public long CapLeftFen { get; set; }
    public long HifpFen { get; set; }
    public long FundPayFen { get; set; }
    public long PsnPartFen { get; set; }
    public long AcctPayFen { get; set; }
    public long PsnCashFen { get; set; }
    public long BalcFen { get; set; }
    public string Msgid { get; set; } = "";

    // The supplementary funds' shares (rules 11–15): what each paid; its base and cap left before, null where the fund
    // does not apply to the person (no row in force), so that its setldetail row is left out.
    public long HifobFen { get; set; }
    public long HifmiFen { get; set; }
    public long MafFen { get; set; }
    public long? HifobBaseFen { get; set; }
    public long? HifmiBaseFen { get; set; }
    public long? MafBaseFen { get; set; }
    public long? HifobCapLeftFen { get; set; }
    public long? HifmiCapLeftFen { get; set; }
    public long? MafCapLeftFen { get; set; }

    /// <summary>The visit's bill the settlement took (Transactions/Bills); null on a reversal's row.</summary>
    public long? BillNo { get; set; }

    /// <summary>The charge batch the settlement took of the open bill (2206/2207 with chrg_bchno); null when it took the whole bill.</summary>
    public string? ChrgBchno { get; set; }

    /// <summary>On a reversal's row, why it was reversed (free text from the clerk or the HIS); null when none was given.</summary>
    public string? Reason { get; set; }
}

public class AccumulatorRow
{
    public long HifpPaidFen { get; set; }
    public long DedcOutpatientFen { get; set; }
    public long DedcInpatientFen { get; set; }
    public long HifobBaseFen { get; set; }
    public long HifobPaidFen { get; set; }
    public long HifmiBaseFen { get; set; }
    public long HifmiPaidFen { get; set; }
    public long MafBaseFen { get; set; }
    public long MafPaidFen { get; set; }
}

public sealed class MessageRow
{
    public string FixmedinsCode { get; set; } = "";
    public string Msgid { get; set; } = "";
    public string Infno { get; set; } = "";
    public string InputHash { get; set; } = "";
    public string State { get; set; } = "";
    public string? Subject { get; set; }
    public string? Response { get; set; }
    public string? UndoneBy { get; set; }
}

/// <summary>
/// One row of a 3301 目录对照上传: a hospital's own item code (FixmedinsHilistId) mapped to a catalogue code for a period
/// (Enddate null: open), with the other fields as sent; withdrawn (3302) when WithdrawnAt is set, never deleted.
/// </summary>
public sealed class ItemMappingRow
{
    public string FixmedinsCode { get; set; } = "";
    public string UploadMsgid { get; set; } = "";
    public long RowNo { get; set; }
    public string FixmedinsHilistId { get; set; } = "";
    public string FixmedinsHilistName { get; set; } = "";
    public string ListType { get; set; } = "";
    public string MedListCodg { get; set; } = "";
    public string Begndate { get; set; } = "";
    public string? Enddate { get; set; }
    public string? Aprvno { get; set; }
    public string? Dosform { get; set; }
    public string? ExctCont { get; set; }
    public string? ItemCont { get; set; }
    public string? Prcunt { get; set; }
    public string? Spec { get; set; }
    public string? Pacspec { get; set; }
    public string? Memo { get; set; }
    public string UploadedAt { get; set; } = "";
    public string? WithdrawnAt { get; set; }
    public string? WithdrawnMsgid { get; set; }

    /// <summary>Whether the mapping, not withdrawn, covers <paramref name="day"/> (yyyy-MM-dd): begndate ≤ day ≤ enddate.</summary>
    public bool InForceOn(string day) =>
        WithdrawnAt is null && string.CompareOrdinal(Begndate, day) <= 0 && (Enddate is null || string.CompareOrdinal(day, Enddate) <= 0);
}
