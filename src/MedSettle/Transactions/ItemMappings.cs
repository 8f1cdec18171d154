using System.Data.Common;
using MedSettle.Storage;
using MedSettle.Transactions.Requests;

namespace MedSettle.Transactions;

/// <summary>
/// 目录对照 (item mapping, docs/INTERFACE.md "Item mapping"): a hospital maps its own item codes to catalogue codes (3301)
/// and withdraws them (3302); a fee line that carries only its own code is graded by the catalogue code its mapping in force
/// on the day the line occurred names. A hospital only ever reads and changes its own mappings.
/// <para>
/// The rules, as a real platform keeps them: a mapping covers begndate to enddate (open when none is sent); on any day one
/// hospital code maps to one catalogue code, so an upload whose period overlaps a mapping in force of the same code is
/// refused (change a mapping by withdrawing it, 3302, then uploading again, as Jilin's HIS does), while the very mapping
/// again (same code, list type, catalogue code and period) is acknowledged and not stored twice. A withdrawal ends the
/// mapping for good, whatever day later lines occurred on; rows are never deleted, and lines already graded keep both codes.
/// </para>
/// </summary>
public static class ItemMappings
{
    public static async Task<object?> UploadAsync(TransactionContext ctx, ItemMappingUpload request)
    {
        var rows = request.Rows;
        foreach (var row in rows) EnsureOwn(ctx, row.FixmedinsCode, row.Row);
        await LockAsync(ctx);

        var codes = rows.Select(r => r.MedListCodg).Distinct().ToArray();
        var catalogue = (await ctx.Db.QueryAsync<CatalogueRow>(
            "SELECT med_list_codg, med_list_name, list_type FROM catalogue WHERE " + ctx.Db.IsOneOf("med_list_codg", "codes"), new { codes }))
            .ToDictionary(c => c.MedListCodg, StringComparer.Ordinal);
        foreach (var row in rows)
        {
            if (!catalogue.TryGetValue(row.MedListCodg, out var item))
                throw new Refusal($"{row.Path}：医保目录编码 {row.MedListCodg} 不在医保目录中（本院项目 {row.HilistId} {row.HilistName}），本次对照全部未上传：请核对医保目录编码")
                    { Code = RefusalCode.FieldInvalid, Field = row.Field("med_list_codg"), Kind = FieldKind.Text, Value = row.MedListCodg };
            if (item.ListType != row.ListType)
                throw new Refusal($"{row.Path}：目录类别 list_type {row.ListType} 与医保目录 {item.MedListCodg}（{item.MedListName}）的类别 {item.ListType} 不一致，本次对照全部未上传")
                    { Code = RefusalCode.FieldInvalid, Field = row.Field("list_type"), Kind = FieldKind.Text, Value = row.ListType };
        }

        var standing = await LiveAsync(ctx, rows.Select(r => r.HilistId));
        var unchanged = new List<ItemMappingLine>();
        var added = new List<ItemMappingLine>();
        foreach (var row in rows)
        {
            var mine = standing.Where(m => m.FixmedinsHilistId == row.HilistId).ToList();
            if (mine.Any(m => m.ListType == row.ListType && m.MedListCodg == row.MedListCodg && m.Begndate == row.Begndate.ToText()
                              && m.Enddate == row.Enddate?.ToText()))
            {
                unchanged.Add(row);
                continue;
            }
            if (mine.FirstOrDefault(m => row.Overlaps(Formats.ParseDate(m.Begndate), m.Enddate is null ? null : Formats.ParseDate(m.Enddate))) is { } overlapped)
                throw new Refusal($"{row.Path}：本院项目 {row.HilistId} 已有对照到医保目录编码 {overlapped.MedListCodg} 的有效对照（{Period(overlapped)}），"
                                  + $"与本行期间 {row.Period} 重叠，本次对照全部未上传：如需更改对照，请先撤销原对照（3302），再重新上传")
                    { Code = RefusalCode.FieldInvalid, Field = row.Field("begndate"), Kind = FieldKind.Date, Value = row.Begndate.ToText(), Resolves = "3302" };
            added.Add(row);
        }

        var now = ctx.Now.ToText();
        foreach (var (row, i) in rows.Select((r, i) => (r, i)).Where(x => added.Contains(x.r)))
            await ctx.Db.ExecuteAsync(
                """
                INSERT INTO item_mappings (fixmedins_code, upload_msgid, row_no, fixmedins_hilist_id, fixmedins_hilist_name, list_type, med_list_codg,
                                           begndate, enddate, aprvno, dosform, exct_cont, item_cont, prcunt, spec, pacspec, memo, uploaded_at)
                VALUES (@fixmedinsCode, @msgid, @rowNo, @HilistId, @HilistName, @ListType, @MedListCodg, @begndate, @enddate,
                        @Aprvno, @Dosform, @ExctCont, @ItemCont, @Prcunt, @Spec, @Pacspec, @Memo, @now)
                """,
                new
                {
                    fixmedinsCode = ctx.FixmedinsCode, msgid = ctx.Msgid, rowNo = i + 1, row.HilistId, row.HilistName, row.ListType, row.MedListCodg,
                    begndate = row.Begndate.ToText(), enddate = row.Enddate?.ToText(), row.Aprvno, row.Dosform, row.ExctCont, row.ItemCont, row.Prcunt,
                    row.Spec, row.Pacspec, row.Memo, now,
                });
        if (unchanged.Count > 0)
            ctx.Warn($"以下对照与本院已有的有效对照相同，未重复登记：{string.Join("、", unchanged.Select(r => $"{r.HilistId} → {r.MedListCodg}（{r.Period}）"))}");
        if (added.Count > 0) ctx.Subject = $"3301:{added.Count}";
        return new
        {
            result = rows.Select(r => new
            {
                fixmedins_hilist_id = r.HilistId,
                fixmedins_hilist_name = r.HilistName,
                list_type = r.ListType,
                med_list_codg = r.MedListCodg,
                med_list_name = catalogue[r.MedListCodg].MedListName,
                begndate = r.Begndate.ToText(),
                enddate = r.Enddate?.ToText(),
                vali_flag = "1",
                rslt = added.Contains(r) ? "已对照" : "已有相同对照，未变更",
            }).ToList(),
        };
    }

    public static async Task<object?> WithdrawAsync(TransactionContext ctx, ItemMappingWithdrawal request)
    {
        var keys = request.Rows;
        foreach (var key in keys) EnsureOwn(ctx, key.FixmedinsCode, key.Row);
        await LockAsync(ctx);

        var standing = await LiveAsync(ctx, keys.Select(k => k.HilistId));
        var withdrawn = new List<ItemMappingRow>();
        foreach (var key in keys)
        {
            var these = standing.Where(m => m.FixmedinsHilistId == key.HilistId && m.ListType == key.ListType && m.MedListCodg == key.MedListCodg
                                            && !withdrawn.Contains(m)).ToList();
            if (these.Count == 0)
                throw new Refusal($"{key.Row.Path}：本院没有项目 {key.HilistId}（目录类别 {key.ListType}）对照到医保目录编码 {key.MedListCodg} 的有效对照，本次未撤销任何对照："
                                  + "请核对医疗机构目录编码、目录类别与医保目录编码（已撤销的对照不能再撤销）")
                    { Code = RefusalCode.NotFound, Field = key.Row with { Name = "fixmedins_hilist_id" }, Value = key.HilistId };
            withdrawn.AddRange(these);
        }
        foreach (var key in keys)
            await ctx.Db.ExecuteAsync(
                """
                UPDATE item_mappings SET withdrawn_at = @now, withdrawn_msgid = @msgid
                WHERE fixmedins_code = @fixmedinsCode AND fixmedins_hilist_id = @HilistId AND list_type = @ListType AND med_list_codg = @MedListCodg
                    AND withdrawn_at IS NULL
                """,
                new { now = ctx.Now.ToText(), msgid = ctx.Msgid, fixmedinsCode = ctx.FixmedinsCode, key.HilistId, key.ListType, key.MedListCodg });
        ctx.Subject = $"3302:{withdrawn.Count}";
        return new
        {
            result = withdrawn.Select(m => new
            {
                fixmedins_hilist_id = m.FixmedinsHilistId,
                fixmedins_hilist_name = m.FixmedinsHilistName,
                list_type = m.ListType,
                med_list_codg = m.MedListCodg,
                begndate = m.Begndate,
                enddate = m.Enddate,
                vali_flag = "0",
                rslt = "已撤销",
            }).ToList(),
        };
    }

    /// <summary>
    /// The catalogue code each line that carries only the hospital's own code (a refund line aside: it is graded as the line
    /// it offsets) is graded by, by feedetl_sn: its mapping's in force on the day the line occurred (the upload's day when it
    /// sends no fee_ocur_time). One read of the hospital's mappings of those codes, none when every line carries
    /// med_list_codg. A line without a mapping in force refuses the upload, naming each such line and code
    /// (<see cref="RefusalCode.MappingMissing"/>).
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, string>> MappedCodesAsync(TransactionContext ctx, IReadOnlyList<FeeLine> lines)
    {
        var unmapped = lines.Select((line, index) => (line, index)).Where(l => l.line.Code is null && l.line.InitFeedetlSn is null).ToList();
        if (unmapped.Count == 0) return new Dictionary<string, string>();
        var mappings = (await LiveAsync(ctx, unmapped.Select(l => l.line.MedinsCode))).ToLookup(m => m.FixmedinsHilistId, StringComparer.Ordinal);

        var codes = new Dictionary<string, string>(StringComparer.Ordinal);
        var missing = new List<(FeeLine Line, int Index, string Why)>();
        foreach (var (line, index) in unmapped)
        {
            var day = (line.OccurredAt ?? ctx.Now).ToText()[..10];
            if (mappings[line.MedinsCode].FirstOrDefault(m => m.InForceOn(day)) is { } mapping) codes[line.FeedetlSn] = mapping.MedListCodg;
            else missing.Add((line, index, mappings[line.MedinsCode].Any()
                ? $"{line.MedinsCode}：费用发生于 {day}，本院对照期间为 {string.Join("、", mappings[line.MedinsCode].Select(Period))}"
                : line.MedinsCode));
        }
        if (missing.Count > 0)
            throw new Refusal($"以下明细只有医疗机构目录编码 medins_list_codg，本院没有其费用发生之日有效的目录对照，本次明细全部未上传："
                              + string.Join("、", missing.Select(m => $"明细 {m.Line.FeedetlSn}（{m.Why}）"))
                              + "。请先用目录对照上传（3301）把本院项目编码对照到医保目录编码，或在明细中填写医保目录编码 med_list_codg，再重新上传")
            {
                Code = RefusalCode.MappingMissing, Field = new InputField("input.feedetail", missing[0].Index, "medins_list_codg"), Kind = FieldKind.Text,
                Value = missing[0].Line.MedinsCode, Resolves = "3301", UnmappedCodes = missing.Select(m => m.Line.MedinsCode).Distinct().ToList(),
            };
        return codes;
    }

    /// <summary>
    /// Counts the codes a refused upload sent without a mapping (<see cref="Refusal.UnmappedCodes"/>), in a transaction of its
    /// own after the upload's was rolled back. Only a count for the mapping pages: should it fail, the refusal stands as answered.
    /// </summary>
    public static async Task CountMissesAsync(Database database, string fixmedinsCode, string msgid, DateTime now, IReadOnlyList<string> codes,
        CancellationToken cancel)
    {
        try
        {
            await database.WriteAsync(async unit =>
            {
                foreach (var code in codes.Order(StringComparer.Ordinal))
                    await unit.ExecuteAsync(
                        """
                        INSERT INTO item_mapping_misses (fixmedins_code, fixmedins_hilist_id, seen_count, first_seen_at, last_seen_at, last_msgid)
                        VALUES (@fixmedinsCode, @code, 1, @now, @now, @msgid)
                        ON CONFLICT (fixmedins_code, fixmedins_hilist_id) DO UPDATE
                            SET seen_count = item_mapping_misses.seen_count + 1, last_seen_at = excluded.last_seen_at, last_msgid = excluded.last_msgid
                        """, new { fixmedinsCode, code = code.Length > 100 ? code[..100] : code, now = now.ToText(), msgid });
                return (0, true);
            }, cancel);
        }
        catch (DbException)
        {
            // the upload was refused and said so; a count lost to a failing database is not worth a second failure
        }
    }

    /// <summary>A row naming a hospital names this one: a hospital neither uploads nor withdraws another's mappings.</summary>
    private static void EnsureOwn(TransactionContext ctx, string? named, InputField row)
    {
        if (named is not null && named != ctx.FixmedinsCode)
            throw new Refusal($"{row.Path}.fixmedins_code {named} 与报文头 fixmedins_code {ctx.FixmedinsCode} 不一致：只能上传、撤销本机构的目录对照")
                { Code = RefusalCode.FieldInvalid, Field = row with { Name = "fixmedins_code" }, Kind = FieldKind.Text, Value = named };
    }

    /// <summary>One hospital's mapping changes one at a time (PostgreSQL: its hospital row locked; SQLite writes one at a time anyway).</summary>
    private static Task LockAsync(TransactionContext ctx) =>
        ctx.Db.ExecuteAsync("SELECT fixmedins_code FROM hospitals WHERE fixmedins_code = @fixmedinsCode" + ctx.Db.ForUpdate, new { fixmedinsCode = ctx.FixmedinsCode });

    /// <summary>The hospital's mappings not withdrawn of the codes <paramref name="hilistIds"/>.</summary>
    private static async Task<IReadOnlyList<ItemMappingRow>> LiveAsync(TransactionContext ctx, IEnumerable<string> hilistIds) =>
        (await ctx.Db.QueryAsync<ItemMappingRow>(
            "SELECT * FROM item_mappings WHERE fixmedins_code = @fixmedinsCode AND withdrawn_at IS NULL AND " + ctx.Db.IsOneOf("fixmedins_hilist_id", "ids")
            + " ORDER BY begndate, upload_msgid, row_no",
            new { fixmedinsCode = ctx.FixmedinsCode, ids = hilistIds.Distinct().ToArray() })).ToList();

    /// <summary>A mapping's period as a message gives it: 2026-01-01 至 2026-06-30, or 2026-01-01 起.</summary>
    public static string Period(ItemMappingRow m) => Period(m.Begndate, m.Enddate);

    /// <summary>A period from <paramref name="begndate"/> to <paramref name="enddate"/> (null: open) as messages and pages give it.</summary>
    public static string Period(string begndate, string? enddate) => enddate is null ? $"{begndate} 起" : $"{begndate} 至 {enddate}";
}
