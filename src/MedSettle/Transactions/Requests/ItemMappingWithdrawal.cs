namespace MedSettle.Transactions.Requests;

/// <summary>
/// 3302 目录对照撤销: for each row, the hospital (fixmedins_code, the envelope's when not sent), its own item code, the list
/// type and the catalogue code of the mapping to withdraw. <c>input.data</c> as one object, a list of them, or flat.
/// </summary>
public sealed record ItemMappingWithdrawal(IReadOnlyList<ItemMappingKey> Rows)
{
    public static ItemMappingWithdrawal Read(Input input) =>
        new(input.Rows("data", orSelf: true).Select(row => new ItemMappingKey(new InputField(row.ArrayPath, row.Index, null), row.OptionalText("fixmedins_code"),
            row.Text("fixmedins_hilist_id", 30), row.Text("list_type", 30), row.Text("med_list_codg", 30))).ToList());
}

/// <summary>A mapping as 3302 names it: the hospital's code mapped to a catalogue code (one list type); <see cref="Row"/>: where it was sent.</summary>
public sealed record ItemMappingKey(InputField Row, string? FixmedinsCode, string HilistId, string ListType, string MedListCodg);
