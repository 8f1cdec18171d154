namespace MedSettle.Transactions.Requests;

/// <summary>
/// 3301 目录对照上传: rows of the hospital's own item codes, each mapped to a catalogue code for a period. <c>input.data</c>
/// as a list of rows (as Jilin's HIS sends it), one object, or one row's fields directly in <c>input</c>. Two rows of one
/// hospital code whose periods overlap are refused here: a code maps to one catalogue code on any day.
/// </summary>
public sealed record ItemMappingUpload(IReadOnlyList<ItemMappingLine> Rows)
{
    public static ItemMappingUpload Read(Input input)
    {
        var rows = input.Rows("data", orSelf: true).Select(ItemMappingLine.Read).ToList();
        foreach (var (row, i) in rows.Select((r, i) => (r, i)))
            if (rows.Take(i).FirstOrDefault(r => r.HilistId == row.HilistId && r.Overlaps(row.Begndate, row.Enddate)) is { } earlier)
                throw new Refusal($"{row.Path} 与 {earlier.Path} 是同一医疗机构目录编码 {row.HilistId}，期间 {row.Period} 与 {earlier.Period} 重叠："
                                  + "同一项目在同一天只能对照一个医保目录编码，请调整开始、结束日期")
                    { Code = RefusalCode.FieldInvalid, Field = row.Field("begndate"), Kind = FieldKind.Date, Value = row.Begndate.ToText() };
        return new ItemMappingUpload(rows);
    }
}

/// <summary>
/// One row of a 3301: the hospital's code and name (fixmedins_hilist_id, fixmedins_hilist_name), the catalogue code it maps to
/// (med_list_codg) and its list type, from begndate to enddate (null: open), and the descriptive fields of the national table,
/// each no longer than the table allows. <see cref="FixmedinsCode"/>: the hospital the row names, when it names one.
/// </summary>
public sealed record ItemMappingLine(InputField Row, string? FixmedinsCode, string HilistId, string HilistName, string ListType, string MedListCodg,
    DateOnly Begndate, DateOnly? Enddate, string? Aprvno, string? Dosform, string? ExctCont, string? ItemCont, string? Prcunt, string? Spec,
    string? Pacspec, string? Memo)
{
    public static ItemMappingLine Read(Input row)
    {
        var begndate = row.Date("begndate");
        var enddate = row.OptionalDate("enddate");
        if (enddate < begndate)
            throw new Refusal($"{row.Path}.enddate {enddate.Value.ToText()} 早于 begndate {begndate.ToText()}：结束日期不能早于开始日期")
                { Code = RefusalCode.FieldInvalid, Field = row.Field("enddate"), Kind = FieldKind.Date, Value = enddate.Value.ToText() };
        return new ItemMappingLine(new InputField(row.ArrayPath, row.Index, null), row.OptionalText("fixmedins_code"), row.Text("fixmedins_hilist_id", 30),
            row.Text("fixmedins_hilist_name", 200), row.Text("list_type", 30), row.Text("med_list_codg", 30), begndate, enddate,
            row.OptionalText("aprvno", 100), row.OptionalText("dosform", 200), row.OptionalText("exct_cont", 2000), row.OptionalText("item_cont", 2000),
            row.OptionalText("prcunt", 100), row.OptionalText("spec", 200), row.OptionalText("pacspec", 100), row.OptionalText("memo", 500));
    }

    /// <summary>The row as a message names it: input.data[2].</summary>
    public string Path => Row.Path;

    /// <summary>The row's field <paramref name="name"/>, as a refusal names it.</summary>
    public InputField Field(string name) => Row with { Name = name };

    /// <summary>Whether the period from <paramref name="begndate"/> to <paramref name="enddate"/> (null: open) shares a day with this row's.</summary>
    public bool Overlaps(DateOnly begndate, DateOnly? enddate) =>
        (Enddate is null || begndate <= Enddate) && (enddate is null || Begndate <= enddate);

    /// <summary>The period as a message gives it: 2026-01-01 至 2026-06-30, or 2026-01-01 起.</summary>
    public string Period => ItemMappings.Period(Begndate.ToText(), Enddate?.ToText());
}
