using System.Globalization;

namespace MedSettle.Transactions.Requests;

/// <summary>
/// A page asked for (page_num from 1, page_size rows): the catalogue queries (1312, 1318, 1319) always page; a catalogue
/// download pages instead of answering a file when either field is sent (the variant some provinces use). A page_size above
/// <see cref="MaxSize"/> is served as <see cref="MaxSize"/> (<see cref="AskedSize"/> keeps what was asked, for warn_msg).
/// </summary>
public sealed record Paging(int PageNum, int PageSize, int AskedSize)
{
    public const int DefaultSize = 100;
    public const int MaxSize = 1000;

    /// <summary>The rows before this page.</summary>
    public long Offset => (long)(PageNum - 1) * PageSize;

    /// <summary>The page asked for, page 1 of <see cref="DefaultSize"/> rows where a field is not sent.</summary>
    public static Paging Read(Input data)
    {
        var num = Number(data, "page_num") ?? 1;
        var size = Number(data, "page_size") ?? DefaultSize;
        return new Paging(num, Math.Min(size, MaxSize), size);
    }

    /// <summary>The page asked for, or null when neither page_num nor page_size is sent.</summary>
    public static Paging? ReadOptional(Input data) =>
        data.OptionalText("page_num") is null && data.OptionalText("page_size") is null ? null : Read(data);

    private static int? Number(Input data, string name)
    {
        if (data.OptionalText(name) is not { } text) return null;
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < 1)
            throw new Refusal($"字段 {data.Path}.{name} 的值 \"{text}\" 应为不小于 1 的整数（page_num 从 1 起，page_size 为每页行数）")
                { Code = RefusalCode.FieldInvalid, Field = data.Field(name), Kind = FieldKind.Count, Value = text };
        return value;
    }
}
