using Dapper;
using MedSettle.Engine;
using MedSettle.Storage;

namespace MedSettle.Transactions;

/// <summary>
/// What a settlement or its reversal changes, as one record: its row, the person's year (every fund's pay and base, the
/// deductible used), the account balance, the bill's other charge batches, and the audit row of the personal data its
/// answer shows. Each of these writes is described once below (<see cref="Writes"/>: its table, the key that finds its row,
/// the values it takes from the record, and the kind of write), and rendered two ways only: one record as one statement
/// with parameters (<see cref="WriteAsync"/>: the single path, on SQLite and PostgreSQL), and many records as one
/// <c>unnest</c> statement per write (Transactions/Groups/GroupWrites: PostgreSQL's settlement groups).
/// </summary>
public sealed record SettlementEffects(SettlementRow Row, PersonRow Person, AccumulatorEffect Effect, PersonalDataAudit? Audit)
{
    public int Year => (int)Row.Year;

    /// <summary>How the stored row of a settlement (or of a reversal, negative) moved the accumulators and the balance.</summary>
    public static AccumulatorEffect EffectOf(SettlementRow s) => new(
        Money.FromFen(s.HifpFen), Money.FromFen(s.DedcAddedFen), Money.FromFen(s.AcctPayFen),
        new FundYear(Money.FromFen(s.HifobBaseFen ?? 0), Money.FromFen(s.HifobFen)),
        new FundYear(Money.FromFen(s.HifmiBaseFen ?? 0), Money.FromFen(s.HifmiFen)),
        new FundYear(Money.FromFen(s.MafBaseFen ?? 0), Money.FromFen(s.MafFen)));

    /// <summary>The effects of a stored row (a reversal's, negative), with the audit row of the answer that shows it, if any.</summary>
    public static SettlementEffects Of(SettlementRow row, PersonRow person, PersonalDataAudit? audit) => new(row, person, EffectOf(row), audit);

    // What a settlement changes: every write of its effects, in the order the single path makes them.

    /// <summary>The settlement's row (a reversal's: every amount negative).</summary>
    public static readonly Write InsertSettlement = new("settlements", WriteKind.Insert, Key: [], Values: SettlementRowColumns.All, When: _ => true);

    /// <summary>
    /// A settlement of one charge batch takes the open bill with only that batch's lines in it: the bill's other lines move
    /// on to the next bill, which is the open one once the settlement is written (Transactions/Bills).
    /// </summary>
    public static readonly Write MoveOtherBatches = new("fee_lines", WriteKind.UpdateMove,
        Key: [new("mdtrt_id", ColumnType.Text, e => e.Row.MdtrtId), new("bill_no", ColumnType.NullableLong, e => e.Row.BillNo)],
        Values: [new("chrg_bchno", ColumnType.Text, e => e.Row.ChrgBchno)],
        When: e => e.Row is { Kind: "settle", ChrgBchno: not null });

    /// <summary>The person's year (year_accumulators) as a settlement moves it; a reversal's effects move it back.</summary>
    public static readonly Write AddToYear = new("year_accumulators", WriteKind.UpsertAdd,
        Key:
        [
            new("insuplc_admdvs", ColumnType.Text, e => e.Person.InsuplcAdmdvs), new("psn_no", ColumnType.Text, e => e.Person.PsnNo),
            new("insutype", ColumnType.Text, e => e.Person.Insutype), new("year", ColumnType.Int, e => e.Year),
        ],
        Values:
        [
            Fen("hifp_paid_fen", e => e.Effect.FundPaid),
            Fen("dedc_outpatient_fen", e => e.Row.ClrType == "21" ? 0 : e.Effect.DeductibleUsed),
            Fen("dedc_inpatient_fen", e => e.Row.ClrType == "21" ? e.Effect.DeductibleUsed : 0),
            Fen("hifob_base_fen", e => e.Effect.Hifob.Base),
            Fen("hifob_paid_fen", e => e.Effect.Hifob.Paid),
            Fen("hifmi_base_fen", e => e.Effect.Hifmi.Base),
            Fen("hifmi_paid_fen", e => e.Effect.Hifmi.Paid),
            Fen("maf_base_fen", e => e.Effect.Maf.Base),
            Fen("maf_paid_fen", e => e.Effect.Maf.Paid),
        ],
        When: _ => true);

    /// <summary>What the personal account paid (a reversal's: negative, given back).</summary>
    public static readonly Write SpendAccount = new("persons", WriteKind.UpdateSubtract,
        Key:
        [
            new("insuplc_admdvs", ColumnType.Text, e => e.Person.InsuplcAdmdvs), new("psn_no", ColumnType.Text, e => e.Person.PsnNo),
            new("insutype", ColumnType.Text, e => e.Person.Insutype),
        ],
        Values: [Fen("acct_balc_fen", e => e.Effect.AccountSpent)],
        When: e => e.Effect.AccountSpent != 0);

    /// <summary>
    /// The answer shows the person's name and identity number: one row of the audit log (<see cref="PersonalDataReads"/>),
    /// committed with the settlement. A settlement undone by 2601 shows no one and has none.
    /// </summary>
    public static readonly Write AuditPersonalDataRead = new("personal_data_reads", WriteKind.Insert,
        Key: [],
        Values:
        [
            new("read_at", ColumnType.Text, e => e.Audit!.ReadAt.ToText()),
            new("channel", ColumnType.Text, e => e.Audit!.Channel),
            new("actor", ColumnType.Text, e => e.Audit!.Actor),
            new("fixmedins_code", ColumnType.Text, e => e.Audit!.FixmedinsCode),
            new("insuplc_admdvs", ColumnType.Text, e => e.Person.InsuplcAdmdvs),
            new("psn_no", ColumnType.Text, e => e.Person.PsnNo),
            new("source", ColumnType.Text, e => e.Audit!.Source),
            new("purpose", ColumnType.Text, e => e.Audit!.Purpose),
            new("reference", ColumnType.Text, e => e.Audit!.Reference),
        ],
        When: e => e.Audit is not null);

    /// <summary>Every write of a settlement's (or reversal's) effects.</summary>
    public static readonly Write[] Writes = [InsertSettlement, MoveOtherBatches, AddToYear, SpendAccount, AuditPersonalDataRead];

    /// <summary>Writes one settlement's (or reversal's) effects in <paramref name="db"/>'s transaction: one statement per write it has.</summary>
    public static Task WriteAsync(UnitOfWork db, SettlementEffects e) => WriteEachAsync(db, e, Writes);

    /// <summary>
    /// Takes a reversal back (2601 of its 2208/2305): the reversal's row is deleted and what it had given back is taken
    /// again, so that the settlement it reversed stands as it was (the caller clears its reversed_by and its bill).
    /// </summary>
    public static async Task UndoReversalAsync(UnitOfWork db, SettlementRow reversal, PersonRow person)
    {
        await db.ExecuteAsync("DELETE FROM settlements WHERE setl_id = @SetlId AND kind = 'reversal'", new { reversal.SetlId });
        await WriteEachAsync(db, new SettlementEffects(reversal, person, EffectOf(reversal).Reversed(), Audit: null), [AddToYear, SpendAccount]);
    }

    private static async Task WriteEachAsync(UnitOfWork db, SettlementEffects e, IEnumerable<Write> writes)
    {
        foreach (var write in writes.Where(w => w.When(e)))
        {
            var parameters = new DynamicParameters();
            var i = 0;
            foreach (var column in write.Columns) parameters.Add($"p{i++}", column.Value(e));
            await db.ExecuteAsync(OneRowStatements[write], parameters);
        }
    }

    /// <summary>The single path's rendering of each write, made once: one statement, its columns bound to @p0, @p1, … in order.</summary>
    private static readonly Dictionary<Write, string> OneRowStatements = Writes.ToDictionary<Write, Write, string>(w => w, OneRowStatement, ReferenceEqualityComparer.Instance);

    private static string OneRowStatement(Write write)
    {
        var bound = write.Columns.Select((c, i) => (c.Name, Parameter: $"@p{i}")).ToList();
        var key = bound.Take(write.Key.Length);
        var values = bound.Skip(write.Key.Length);
        string Matching(IEnumerable<(string Name, string Parameter)> columns, string comparison) =>
            string.Join(" AND ", columns.Select(c => $"{c.Name} {comparison} {c.Parameter}"));
        var insert = $"INSERT INTO {write.Table} ({string.Join(", ", bound.Select(c => c.Name))}) VALUES ({string.Join(", ", bound.Select(c => c.Parameter))})";
        return write.Kind switch
        {
            WriteKind.Insert => insert,
            WriteKind.UpsertAdd => $"{insert} {write.AddingOnConflict}",
            WriteKind.UpdateSubtract =>
                $"UPDATE {write.Table} SET {string.Join(", ", values.Select(c => $"{c.Name} = {c.Name} - {c.Parameter}"))} WHERE {Matching(key, "=")}",
            WriteKind.UpdateMove =>
                $"UPDATE {write.Table} SET {write.Moved.Name} = {write.Moved.Name} + 1 WHERE {Matching(key, "=")} AND {Matching(values, "<>")}",
            _ => throw new ArgumentOutOfRangeException(nameof(write), write.Kind, null),
        };
    }

    // How a write is described.

    public enum ColumnType { Text, Int, Long, NullableLong }

    /// <summary>A column a write sets or finds its row by, and how its value is taken from the effects record.</summary>
    public sealed record Column(string Name, ColumnType Type, Func<SettlementEffects, object?> Value);

    public enum WriteKind
    {
        /// <summary>A new row of the values.</summary>
        Insert,

        /// <summary>The row at the key, new with the values or, where it stands, each value added to what it holds.</summary>
        UpsertAdd,

        /// <summary>The row at the key, each value subtracted from what it holds.</summary>
        UpdateSubtract,

        /// <summary>The rows at the key whose values differ from the record's move on by one in the key's last column.</summary>
        UpdateMove,
    }

    /// <summary>One write of the effects: its table, key and values, the kind of write, and whether a record has it at all.</summary>
    public sealed record Write(string Table, WriteKind Kind, Column[] Key, Column[] Values, Func<SettlementEffects, bool> When)
    {
        /// <summary>The key's columns and then the values', in the order both renderings bind them.</summary>
        public IEnumerable<Column> Columns => Key.Concat(Values);

        /// <summary>The column an <see cref="WriteKind.UpdateMove"/> moves on: the key's last.</summary>
        public Column Moved => Key[^1];

        /// <summary>The conflict clause of an <see cref="WriteKind.UpsertAdd"/>: each value added to the row that stands.</summary>
        public string AddingOnConflict =>
            $"ON CONFLICT ({string.Join(", ", Key.Select(c => c.Name))}) DO UPDATE SET "
            + string.Join(", ", Values.Select(c => $"{c.Name} = {Table}.{c.Name} + excluded.{c.Name}"));
    }

    private static Column Fen(string name, Func<SettlementEffects, decimal> amount) => new(name, ColumnType.Long, e => Money.ToFen(amount(e)));

    /// <summary>Every column of a settlement's row (in a class of their own, so that the writes above may come first).</summary>
    private static class SettlementRowColumns
    {
        public static readonly Column[] All =
        [
            RowColumn("setl_id", ColumnType.Text, r => r.SetlId),
            RowColumn("kind", ColumnType.Text, r => r.Kind),
            RowColumn("orig_setl_id", ColumnType.Text, r => r.OrigSetlId),
            RowColumn("mdtrt_id", ColumnType.Text, r => r.MdtrtId),
            RowColumn("insuplc_admdvs", ColumnType.Text, r => r.InsuplcAdmdvs),
            RowColumn("mdtrtarea_admvs", ColumnType.Text, r => r.MdtrtareaAdmvs),
            RowColumn("fixmedins_code", ColumnType.Text, r => r.FixmedinsCode),
            RowColumn("psn_no", ColumnType.Text, r => r.PsnNo),
            RowColumn("insutype", ColumnType.Text, r => r.Insutype),
            RowColumn("med_type", ColumnType.Text, r => r.MedType),
            RowColumn("clr_type", ColumnType.Text, r => r.ClrType),
            RowColumn("mid_setl_flag", ColumnType.Text, r => r.MidSetlFlag),
            RowColumn("acct_used_flag", ColumnType.Text, r => r.AcctUsedFlag),
            RowColumn("year", ColumnType.Int, r => (int)r.Year),
            RowColumn("setl_time", ColumnType.Text, r => r.SetlTime),
            RowColumn("trt_dcla_detl_sn", ColumnType.Text, r => r.TrtDclaDetlSn),
            RowColumn("policy_effective_from", ColumnType.Text, r => r.PolicyEffectiveFrom),
            RowColumn("pool_prop_selfpay", ColumnType.Text, r => r.PoolPropSelfpay),
            RowColumn("begndate", ColumnType.Text, r => r.Begndate),
            RowColumn("medfee_fen", ColumnType.Long, r => r.MedfeeFen),
            RowColumn("fulamt_ownpay_fen", ColumnType.Long, r => r.FulamtOwnpayFen),
            RowColumn("overlmt_fen", ColumnType.Long, r => r.OverlmtFen),
            RowColumn("preselfpay_fen", ColumnType.Long, r => r.PreselfpayFen),
            RowColumn("inscp_fen", ColumnType.Long, r => r.InscpFen),
            RowColumn("act_pay_dedc_fen", ColumnType.Long, r => r.ActPayDedcFen),
            RowColumn("dedc_added_fen", ColumnType.Long, r => r.DedcAddedFen),
            RowColumn("cap_left_fen", ColumnType.Long, r => r.CapLeftFen),
            RowColumn("hifp_fen", ColumnType.Long, r => r.HifpFen),
            RowColumn("fund_pay_fen", ColumnType.Long, r => r.FundPayFen),
            RowColumn("psn_part_fen", ColumnType.Long, r => r.PsnPartFen),
            RowColumn("acct_pay_fen", ColumnType.Long, r => r.AcctPayFen),
            RowColumn("psn_cash_fen", ColumnType.Long, r => r.PsnCashFen),
            RowColumn("balc_fen", ColumnType.Long, r => r.BalcFen),
            RowColumn("msgid", ColumnType.Text, r => r.Msgid),
            RowColumn("bill_no", ColumnType.NullableLong, r => r.BillNo),
            RowColumn("hifob_fen", ColumnType.Long, r => r.HifobFen),
            RowColumn("hifmi_fen", ColumnType.Long, r => r.HifmiFen),
            RowColumn("maf_fen", ColumnType.Long, r => r.MafFen),
            RowColumn("hifob_base_fen", ColumnType.NullableLong, r => r.HifobBaseFen),
            RowColumn("hifmi_base_fen", ColumnType.NullableLong, r => r.HifmiBaseFen),
            RowColumn("maf_base_fen", ColumnType.NullableLong, r => r.MafBaseFen),
            RowColumn("hifob_cap_left_fen", ColumnType.NullableLong, r => r.HifobCapLeftFen),
            RowColumn("hifmi_cap_left_fen", ColumnType.NullableLong, r => r.HifmiCapLeftFen),
            RowColumn("maf_cap_left_fen", ColumnType.NullableLong, r => r.MafCapLeftFen),
            RowColumn("reason", ColumnType.Text, r => r.Reason),
            RowColumn("chrg_bchno", ColumnType.Text, r => r.ChrgBchno),
        ];

        private static Column RowColumn(string name, ColumnType type, Func<SettlementRow, object?> value) => new(name, type, e => value(e.Row));
    }
}
