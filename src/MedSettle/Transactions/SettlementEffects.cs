using Dapper;
using MedSettle.Engine;
using MedSettle.Storage;

namespace MedSettle.Transactions;

/// <summary>
/// What a settlement or its reversal changes, as one record: its row, the person's year (every fund's pay and base,
/// the deductible used) and the account balance. The single path writes one record with named parameters
/// (<see cref="WriteAsync"/>); a settlement group writes many at once from arrays (Transactions/Groups/GroupWrites). Both are
/// rendered from the column lists here, so what a settlement moves is written down once.
/// </summary>
public sealed record SettlementEffects(SettlementRow Row, PersonRow Person, AccumulatorEffect Effect)
{
    public int Year => (int)Row.Year;

    /// <summary>How the stored row of a settlement (or of a reversal, negative) moved the accumulators and the balance.</summary>
    public static AccumulatorEffect EffectOf(SettlementRow s) => new(
        Money.FromFen(s.HifpFen), Money.FromFen(s.DedcAddedFen), Money.FromFen(s.AcctPayFen),
        new FundYear(Money.FromFen(s.HifobBaseFen ?? 0), Money.FromFen(s.HifobFen)),
        new FundYear(Money.FromFen(s.HifmiBaseFen ?? 0), Money.FromFen(s.HifmiFen)),
        new FundYear(Money.FromFen(s.MafBaseFen ?? 0), Money.FromFen(s.MafFen)));

    public static SettlementEffects Of(SettlementRow row, PersonRow person) => new(row, person, EffectOf(row));

    public enum ColumnType { Text, Int, Long, NullableLong }

    public sealed record Column(string Name, ColumnType Type, Func<SettlementRow, object?> Value);

    /// <summary>Every column of a settlement's row, in the order both renderings write them.</summary>
    public static readonly Column[] SettlementColumns =
    [
        new("setl_id", ColumnType.Text, r => r.SetlId),
        new("kind", ColumnType.Text, r => r.Kind),
        new("orig_setl_id", ColumnType.Text, r => r.OrigSetlId),
        new("mdtrt_id", ColumnType.Text, r => r.MdtrtId),
        new("insuplc_admdvs", ColumnType.Text, r => r.InsuplcAdmdvs),
        new("mdtrtarea_admvs", ColumnType.Text, r => r.MdtrtareaAdmvs),
        new("fixmedins_code", ColumnType.Text, r => r.FixmedinsCode),
        new("psn_no", ColumnType.Text, r => r.PsnNo),
        new("insutype", ColumnType.Text, r => r.Insutype),
        new("med_type", ColumnType.Text, r => r.MedType),
        new("clr_type", ColumnType.Text, r => r.ClrType),
        new("mid_setl_flag", ColumnType.Text, r => r.MidSetlFlag),
        new("acct_used_flag", ColumnType.Text, r => r.AcctUsedFlag),
        new("year", ColumnType.Int, r => (int)r.Year),
        new("setl_time", ColumnType.Text, r => r.SetlTime),
        new("trt_dcla_detl_sn", ColumnType.Text, r => r.TrtDclaDetlSn),
        new("policy_effective_from", ColumnType.Text, r => r.PolicyEffectiveFrom),
        new("pool_prop_selfpay", ColumnType.Text, r => r.PoolPropSelfpay),
        new("medfee_fen", ColumnType.Long, r => r.MedfeeFen),
        new("fulamt_ownpay_fen", ColumnType.Long, r => r.FulamtOwnpayFen),
        new("overlmt_fen", ColumnType.Long, r => r.OverlmtFen),
        new("preselfpay_fen", ColumnType.Long, r => r.PreselfpayFen),
        new("inscp_fen", ColumnType.Long, r => r.InscpFen),
        new("act_pay_dedc_fen", ColumnType.Long, r => r.ActPayDedcFen),
        new("dedc_added_fen", ColumnType.Long, r => r.DedcAddedFen),
        new("cap_left_fen", ColumnType.Long, r => r.CapLeftFen),
        new("hifp_fen", ColumnType.Long, r => r.HifpFen),
        new("fund_pay_fen", ColumnType.Long, r => r.FundPayFen),
        new("psn_part_fen", ColumnType.Long, r => r.PsnPartFen),
        new("acct_pay_fen", ColumnType.Long, r => r.AcctPayFen),
        new("psn_cash_fen", ColumnType.Long, r => r.PsnCashFen),
        new("balc_fen", ColumnType.Long, r => r.BalcFen),
        new("msgid", ColumnType.Text, r => r.Msgid),
        new("bill_no", ColumnType.NullableLong, r => r.BillNo),
        new("hifob_fen", ColumnType.Long, r => r.HifobFen),
        new("hifmi_fen", ColumnType.Long, r => r.HifmiFen),
        new("maf_fen", ColumnType.Long, r => r.MafFen),
        new("hifob_base_fen", ColumnType.NullableLong, r => r.HifobBaseFen),
        new("hifmi_base_fen", ColumnType.NullableLong, r => r.HifmiBaseFen),
        new("maf_base_fen", ColumnType.NullableLong, r => r.MafBaseFen),
        new("hifob_cap_left_fen", ColumnType.NullableLong, r => r.HifobCapLeftFen),
        new("hifmi_cap_left_fen", ColumnType.NullableLong, r => r.HifmiCapLeftFen),
        new("maf_cap_left_fen", ColumnType.NullableLong, r => r.MafCapLeftFen),
        new("reason", ColumnType.Text, r => r.Reason),
        new("chrg_bchno", ColumnType.Text, r => r.ChrgBchno),
    ];

    public sealed record YearColumn(string Name, Func<SettlementEffects, long> Delta);

    /// <summary>The person's year (year_accumulators) as a settlement moves it; a reversal's effects move it back.</summary>
    public static readonly YearColumn[] YearColumns =
    [
        new("hifp_paid_fen", e => Money.ToFen(e.Effect.FundPaid)),
        new("dedc_outpatient_fen", e => e.Row.ClrType == "21" ? 0 : Money.ToFen(e.Effect.DeductibleUsed)),
        new("dedc_inpatient_fen", e => e.Row.ClrType == "21" ? Money.ToFen(e.Effect.DeductibleUsed) : 0),
        new("hifob_base_fen", e => Money.ToFen(e.Effect.Hifob.Base)),
        new("hifob_paid_fen", e => Money.ToFen(e.Effect.Hifob.Paid)),
        new("hifmi_base_fen", e => Money.ToFen(e.Effect.Hifmi.Base)),
        new("hifmi_paid_fen", e => Money.ToFen(e.Effect.Hifmi.Paid)),
        new("maf_base_fen", e => Money.ToFen(e.Effect.Maf.Base)),
        new("maf_paid_fen", e => Money.ToFen(e.Effect.Maf.Paid)),
    ];

    /// <summary>The key of a person's year, before <see cref="YearColumns"/>.</summary>
    public static readonly string[] YearKey = ["insuplc_admdvs", "psn_no", "insutype", "year"];

    /// <summary><c>INSERT INTO year_accumulators … ON CONFLICT</c> adding each column, for VALUES or a SELECT of them (<paramref name="source"/>).</summary>
    public static string AddToYearSql(string source) => $"""
        INSERT INTO year_accumulators ({string.Join(", ", YearKey.Concat(YearColumns.Select(c => c.Name)))})
        {source}
        ON CONFLICT (insuplc_admdvs, psn_no, insutype, year) DO UPDATE SET
            {string.Join(", ", YearColumns.Select(c => $"{c.Name} = year_accumulators.{c.Name} + excluded.{c.Name}"))}
        """;

    public static readonly string InsertSettlementColumns = string.Join(", ", SettlementColumns.Select(c => c.Name));

    private static readonly string InsertOneSql =
        $"INSERT INTO settlements ({InsertSettlementColumns}) VALUES ({string.Join(", ", SettlementColumns.Select((_, i) => $"@s{i}"))})";

    private static readonly string AddOneToYearSql =
        AddToYearSql($"VALUES ({string.Join(", ", YearKey.Concat(YearColumns.Select(c => c.Name)).Select((_, i) => $"@y{i}"))})");

    /// <summary>
    /// A settlement of one charge batch takes the open bill with only that batch's lines in it: the bill's other lines move
    /// on to the next bill, which is the open one once the settlement is written (Transactions/Bills).
    /// </summary>
    public const string MoveOtherBatchesSql =
        "UPDATE fee_lines SET bill_no = bill_no + 1 WHERE mdtrt_id = @mdtrtId AND bill_no = @billNo AND chrg_bchno <> @batch";

    public const string SpendAccountSql =
        "UPDATE persons SET acct_balc_fen = acct_balc_fen - @spent WHERE insuplc_admdvs = @insuplcAdmdvs AND psn_no = @psnNo AND insutype = @insutype";

    /// <summary>Writes one settlement's (or reversal's) effects in <paramref name="db"/>'s transaction.</summary>
    public static async Task WriteAsync(UnitOfWork db, SettlementEffects e)
    {
        var row = new DynamicParameters();
        for (var i = 0; i < SettlementColumns.Length; i++) row.Add($"s{i}", SettlementColumns[i].Value(e.Row));
        await db.ExecuteAsync(InsertOneSql, row);
        if (e.Row is { Kind: "settle", ChrgBchno: { } batch })
            await db.ExecuteAsync(MoveOtherBatchesSql, new { mdtrtId = e.Row.MdtrtId, billNo = e.Row.BillNo, batch });

        await MoveYearAndAccountAsync(db, e);
    }

    /// <summary>
    /// Takes a reversal back (2601 of its 2208/2305): the reversal's row is deleted and what it had given back is taken
    /// again, so that the settlement it reversed stands as it was (the caller clears its reversed_by and its bill).
    /// </summary>
    public static async Task UndoReversalAsync(UnitOfWork db, SettlementRow reversal, PersonRow person)
    {
        await db.ExecuteAsync("DELETE FROM settlements WHERE setl_id = @SetlId AND kind = 'reversal'", new { reversal.SetlId });
        await MoveYearAndAccountAsync(db, new SettlementEffects(reversal, person, EffectOf(reversal).Reversed()));
    }

    private static async Task MoveYearAndAccountAsync(UnitOfWork db, SettlementEffects e)
    {
        var year = new DynamicParameters();
        object[] key = [e.Person.InsuplcAdmdvs, e.Person.PsnNo, e.Person.Insutype, e.Year];
        for (var i = 0; i < key.Length; i++) year.Add($"y{i}", key[i]);
        for (var i = 0; i < YearColumns.Length; i++) year.Add($"y{key.Length + i}", YearColumns[i].Delta(e));
        await db.ExecuteAsync(AddOneToYearSql, year);

        if (e.Effect.AccountSpent != 0)
            await db.ExecuteAsync(SpendAccountSql, new
            {
                spent = Money.ToFen(e.Effect.AccountSpent), insuplcAdmdvs = e.Person.InsuplcAdmdvs, psnNo = e.Person.PsnNo, insutype = e.Person.Insutype,
            });
    }
}
