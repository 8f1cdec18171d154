using System.Data.Common;

namespace MedSettle.WhatIf;

/// <summary>A home region's scheme (insuplc_admdvs × insutype), met once per replay: the replay keeps its policies by <see cref="Index"/>.</summary>
public sealed class Scheme(string region, string insutype, int index)
{
    public string Region { get; } = region;
    public string Insutype { get; } = insutype;
    public int Index { get; } = index;
}

/// <summary>One insured person of a scheme, met once per replay (their assistance class as it stands now): the replay keeps their year by <see cref="Index"/>.</summary>
public sealed class Enrolment(Scheme scheme, string psnNo, string? assistance, int assistanceClass, int index)
{
    public Scheme Scheme { get; } = scheme;
    public string PsnNo { get; } = psnNo;
    public string? Assistance { get; } = assistance;
    /// <summary>0 for none; each assistance class met gets the next number.</summary>
    public int AssistanceClass { get; } = assistanceClass;
    public int Index { get; } = index;
}

/// <summary>A designated hospital and its level (null where the hospital is not in the reference data).</summary>
public sealed class Hospital(string code, long? level)
{
    public string Code { get; } = code;
    public long? Level { get; } = level;
}

/// <summary>
/// A stored settlement row as the replay reads it: what settling it again takes (who, where, the graded bill, the flags),
/// what it stored (to check the replay against), and its ids, read from the current row of the stream only when asked
/// for (most rows never need them). One instance is filled again for each row, so it must not be kept.
/// </summary>
public sealed class HistoryRow
{
    private DbDataReader? _reader;
    private string? _setlId, _origSetlId, _setlTime, _mdtrtId;
    private int _flags;

    public Enrolment Enrolment { get; private set; } = null!;
    public Hospital Hospital { get; private set; } = null!;
    public bool IsReversal => (_flags & Flag.Reversal) != 0;
    public bool IsReversed => (_flags & Flag.Reversed) != 0;
    public bool Inpatient => (_flags & Flag.Inpatient) != 0;
    public bool AcctUsed => (_flags & Flag.AcctUsed) != 0;
    /// <summary>Settled within the what-if's period (not one of the same years' earlier rows it replays only to start from).</summary>
    public bool InPeriod => (_flags & Flag.InPeriod) != 0;
    /// <summary>A final settlement (neither mid-stay nor of one charge batch), which closes its visit (<see cref="Transactions.Visits.ClosesVisit"/>).</summary>
    public bool ClosesVisit => (_flags & Flag.ClosesVisit) != 0;
    public long Year { get; private set; }
    /// <summary>The day the visit began, which chose its policy; null where neither the row nor a stored visit gives it.</summary>
    public DateOnly? VisitDay { get; private set; }
    public string PolicyEffectiveFrom { get; private set; } = "";
    public decimal PoolPropSelfpay { get; private set; }

    public long MedfeeFen { get; private set; }
    public long FulamtOwnpayFen { get; private set; }
    public long OverlmtFen { get; private set; }
    public long PreselfpayFen { get; private set; }
    public long InscpFen { get; private set; }
    public long ActPayDedcFen { get; private set; }
    public long DedcAddedFen { get; private set; }
    public long CapLeftFen { get; private set; }
    public long HifpFen { get; private set; }
    public long FundPayFen { get; private set; }
    public long PsnPartFen { get; private set; }
    public long AcctPayFen { get; private set; }
    public long PsnCashFen { get; private set; }
    public long BalcFen { get; private set; }
    public long HifobFen { get; private set; }
    public long HifmiFen { get; private set; }
    public long MafFen { get; private set; }
    public long? HifobBaseFen { get; private set; }
    public long? HifmiBaseFen { get; private set; }
    public long? MafBaseFen { get; private set; }
    public long? HifobCapLeftFen { get; private set; }
    public long? HifmiCapLeftFen { get; private set; }
    public long? MafCapLeftFen { get; private set; }

    public string SetlId => _setlId ??= _reader!.GetString(Column.SetlId);
    public string? OrigSetlId => _origSetlId ??= _reader!.IsDBNull(Column.OrigSetlId) ? null : _reader.GetString(Column.OrigSetlId);
    public string SetlTime => _setlTime ??= _reader!.GetString(Column.SetlTime);
    public string MdtrtId => _mdtrtId ??= _reader!.GetString(Column.MdtrtId);
    public string Region => Enrolment.Scheme.Region;
    public string Insutype => Enrolment.Scheme.Insutype;
    public string FixmedinsCode => Hospital.Code;

    /// <summary>
    /// The query's select list, in the order <see cref="Reader.Read"/> takes it: @from is the period's first day. The visit's
    /// begin date (the row's own since migration 42) and the flags are worked out by the database, so that a row brings four
    /// strings rather than sixteen.
    /// </summary>
    public static string Columns(bool postgres) => $"""
        s.setl_id, s.orig_setl_id, s.setl_time,
        s.insuplc_admdvs || '/' || s.insutype || '/' || s.psn_no, s.insuplc_admdvs, s.insutype, s.psn_no, s.fixmedins_code, s.mdtrt_id,
        CASE WHEN s.kind = 'reversal' THEN 1 ELSE 0 END + CASE WHEN s.reversed_by IS NULL THEN 0 ELSE 2 END
            + CASE WHEN s.clr_type = '21' THEN 4 ELSE 0 END + CASE WHEN s.acct_used_flag = '1' THEN 8 ELSE 0 END
            + CASE WHEN s.setl_time >= @from THEN 16 ELSE 0 END + CASE WHEN s.mid_setl_flag <> '1' AND s.chrg_bchno IS NULL THEN 32 ELSE 0 END,
        s.year,
        CAST(REPLACE(COALESCE(s.begndate, (SELECT SUBSTR(v.begntime, 1, 10) FROM visits v WHERE v.mdtrt_id = s.mdtrt_id)), '-', '') AS INTEGER),
        s.policy_effective_from, {(postgres ? "CAST(s.pool_prop_selfpay AS NUMERIC)" : "s.pool_prop_selfpay")},
        s.medfee_fen, s.fulamt_ownpay_fen, s.overlmt_fen, s.preselfpay_fen, s.inscp_fen, s.act_pay_dedc_fen, s.dedc_added_fen, s.cap_left_fen,
        s.hifp_fen, s.fund_pay_fen, s.psn_part_fen, s.acct_pay_fen, s.psn_cash_fen, s.balc_fen, s.hifob_fen, s.hifmi_fen, s.maf_fen,
        s.hifob_base_fen, s.hifmi_base_fen, s.maf_base_fen, s.hifob_cap_left_fen, s.hifmi_cap_left_fen, s.maf_cap_left_fen
        """;

    private static class Column
    {
        public const int SetlId = 0, OrigSetlId = 1, SetlTime = 2, EnrolmentKey = 3, Region = 4, Insutype = 5, PsnNo = 6, Hospital = 7, MdtrtId = 8,
            Flags = 9, Year = 10, VisitDay = 11, PolicyEffectiveFrom = 12, PoolPropSelfpay = 13, Amounts = 14;
    }

    private static class Flag
    {
        public const int Reversal = 1, Reversed = 2, Inpatient = 4, AcctUsed = 8, InPeriod = 16, ClosesVisit = 32;
    }

    /// <summary>
    /// Reads the stream's rows into one <see cref="HistoryRow"/>, finding each row's person and hospital among those met
    /// before (one lookup each), so that the replay keeps its state by index rather than by strings.
    /// </summary>
    public sealed class Reader(IReadOnlyDictionary<string, long> hospitalLevels, IReadOnlyDictionary<(string PsnNo, string Insutype), string> assistance)
    {
        private readonly HistoryRow _row = new();
        private readonly Dictionary<string, Enrolment> _enrolments = new(StringComparer.Ordinal);
        private readonly Dictionary<(string, string), Scheme> _schemes = [];
        private readonly Dictionary<string, Hospital> _hospitals = new(StringComparer.Ordinal);
        private readonly Dictionary<string, int> _assistanceClasses = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string> _policyVersions = new(StringComparer.Ordinal);

        public HistoryRow Read(DbDataReader r)
        {
            static long? NullableLong(DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetInt64(i);
            var row = _row;
            row._reader = r;
            row._setlId = row._origSetlId = row._setlTime = row._mdtrtId = null;
            var key = r.GetString(Column.EnrolmentKey);
            if (!_enrolments.TryGetValue(key, out var enrolment)) _enrolments[key] = enrolment = NewEnrolment(r);
            row.Enrolment = enrolment;
            var code = r.GetString(Column.Hospital);
            if (!_hospitals.TryGetValue(code, out var hospital))
                _hospitals[code] = hospital = new Hospital(code, hospitalLevels.TryGetValue(code, out var level) ? level : null);
            row.Hospital = hospital;
            row._flags = r.GetInt32(Column.Flags);
            row.Year = r.GetInt64(Column.Year);
            if (r.IsDBNull(Column.VisitDay)) row.VisitDay = null;
            else
            {
                var day = r.GetInt32(Column.VisitDay);
                row.VisitDay = new DateOnly(day / 10000, day / 100 % 100, day % 100);
            }
            // the few policy versions, kept once (each row's own copy would be one more string a row)
            var version = r.GetString(Column.PolicyEffectiveFrom);
            if (!_policyVersions.TryGetValue(version, out var kept)) _policyVersions[version] = kept = version;
            row.PolicyEffectiveFrom = kept;
            row.PoolPropSelfpay = r.GetDecimal(Column.PoolPropSelfpay);
            var i = Column.Amounts;
            row.MedfeeFen = r.GetInt64(i++);
            row.FulamtOwnpayFen = r.GetInt64(i++);
            row.OverlmtFen = r.GetInt64(i++);
            row.PreselfpayFen = r.GetInt64(i++);
            row.InscpFen = r.GetInt64(i++);
            row.ActPayDedcFen = r.GetInt64(i++);
            row.DedcAddedFen = r.GetInt64(i++);
            row.CapLeftFen = r.GetInt64(i++);
            row.HifpFen = r.GetInt64(i++);
            row.FundPayFen = r.GetInt64(i++);
            row.PsnPartFen = r.GetInt64(i++);
            row.AcctPayFen = r.GetInt64(i++);
            row.PsnCashFen = r.GetInt64(i++);
            row.BalcFen = r.GetInt64(i++);
            row.HifobFen = r.GetInt64(i++);
            row.HifmiFen = r.GetInt64(i++);
            row.MafFen = r.GetInt64(i++);
            row.HifobBaseFen = NullableLong(r, i++);
            row.HifmiBaseFen = NullableLong(r, i++);
            row.MafBaseFen = NullableLong(r, i++);
            row.HifobCapLeftFen = NullableLong(r, i++);
            row.HifmiCapLeftFen = NullableLong(r, i++);
            row.MafCapLeftFen = NullableLong(r, i);
            return row;
        }

        private Enrolment NewEnrolment(DbDataReader r)
        {
            var region = r.GetString(Column.Region);
            var insutype = r.GetString(Column.Insutype);
            var psnNo = r.GetString(Column.PsnNo);
            if (!_schemes.TryGetValue((region, insutype), out var scheme)) _schemes[(region, insutype)] = scheme = new Scheme(region, insutype, _schemes.Count);
            var assistanceType = assistance.GetValueOrDefault((psnNo, insutype));
            var assistanceClass = 0;
            if (assistanceType is not null && !_assistanceClasses.TryGetValue(assistanceType, out assistanceClass))
                _assistanceClasses[assistanceType] = assistanceClass = _assistanceClasses.Count + 1;
            return new Enrolment(scheme, psnNo, assistanceType, assistanceClass, _enrolments.Count);
        }
    }
}
