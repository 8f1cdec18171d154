using System.Globalization;
using System.Text.Json;

namespace MedSettle.Transactions;

/// <summary>
/// Reads one node of a transaction's input; a missing or malformed required field is refused by its name, with the
/// field (<see cref="InputField"/>) and what is wrong with it as the refusal's code.
/// </summary>
public sealed class Input(JsonElement element, string path)
{
    public string Path { get; } = path;

    public JsonElement Element { get; } = element;

    /// <summary>The array this node is an item of (input.feedetail), or, for any other node, its own path.</summary>
    public string ArrayPath { get; private init; } = path;

    /// <summary>The node's position in its array (input.feedetail[2]: 2), or null when it is no array's item.</summary>
    public int? Index { get; private init; }

    /// <summary>The field <paramref name="name"/> of this node, as a refusal names it.</summary>
    public InputField Field(string name) => new(ArrayPath, Index, name);

    /// <summary>The named object node (input.data, input.mdtrtinfo...); with <paramref name="orSelf"/>, the fields may also sit directly in input.</summary>
    public Input Node(string name, bool orSelf = false)
    {
        if (Element.ValueKind == JsonValueKind.Object && Element.TryGetProperty(name, out var node) && node.ValueKind == JsonValueKind.Object)
            return new Input(node, $"{Path}.{name}");
        if (orSelf && Element.ValueKind == JsonValueKind.Object)
            return this;
        throw new Refusal($"缺少输入节点 {Path}.{name}") { Code = RefusalCode.FieldMissing, Field = Field(name), Kind = FieldKind.Object };
    }

    /// <summary>The node <paramref name="name"/>, or, as some clients name it, <paramref name="alias"/> (2402's dscginfo sent as mdtrtinfo).</summary>
    public Input Node(string name, string alias, bool orSelf = false) =>
        Element.ValueKind == JsonValueKind.Object && Element.TryGetProperty(alias, out var node) && node.ValueKind == JsonValueKind.Object
        && !(Element.TryGetProperty(name, out var named) && named.ValueKind == JsonValueKind.Object)
            ? new Input(node, $"{Path}.{alias}")
            : Node(name, orSelf);

    /// <summary>
    /// The named node as <see cref="Node(string, bool)"/> reads it, or the one object of a one-element list, as some clients send
    /// it (Jilin's HIS sends <c>data</c> as a list); an empty list is read as absent, a list of several is refused by name.
    /// </summary>
    public Input OneNode(string name, bool orSelf = false)
    {
        if (Element.ValueKind == JsonValueKind.Object && Element.TryGetProperty(name, out var node) && node.ValueKind == JsonValueKind.Array
            && node.GetArrayLength() > 0)
        {
            if (node.GetArrayLength() > 1 || node[0].ValueKind != JsonValueKind.Object)
                throw new Refusal($"输入节点 {Path}.{name} 应为一个对象（或只含一个对象的数组），收到 {node.GetArrayLength()} 项")
                    { Code = RefusalCode.FieldInvalid, Field = Field(name), Kind = FieldKind.Object };
            return new Input(node[0], $"{Path}.{name}[0]");
        }
        return Node(name, orSelf);
    }

    public IReadOnlyList<Input> Array(string name)
    {
        if (Element.ValueKind != JsonValueKind.Object || !Element.TryGetProperty(name, out var node) || node.ValueKind != JsonValueKind.Array)
            throw new Refusal($"缺少输入节点 {Path}.{name}（应为数组）") { Code = RefusalCode.FieldMissing, Field = Field(name), Kind = FieldKind.Array };
        var items = new List<Input>(node.GetArrayLength());
        var arrayPath = $"{Path}.{name}";
        var index = 0;
        foreach (var item in node.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object)
                throw new Refusal($"{arrayPath}[{index}] 应为对象")
                    { Code = RefusalCode.FieldInvalid, Field = new InputField(arrayPath, index, null), Kind = FieldKind.Object };
            items.Add(new Input(item, $"{arrayPath}[{index}]") { ArrayPath = arrayPath, Index = index });
            index++;
        }
        if (items.Count == 0) throw new Refusal($"{Path}.{name} 不能为空") { Code = RefusalCode.FieldMissing, Field = Field(name), Kind = FieldKind.Array };
        return items;
    }

    /// <summary>
    /// The rows of node <paramref name="name"/>, as clients send a transaction of several: a list of objects (Jilin's HIS sends
    /// 3301's <c>data</c> so), one object, or, with <paramref name="orSelf"/>, one row of fields directly in this node. An
    /// empty list is refused by name.
    /// </summary>
    public IReadOnlyList<Input> Rows(string name, bool orSelf = false) =>
        Element.ValueKind == JsonValueKind.Object && Element.TryGetProperty(name, out var node) && node.ValueKind == JsonValueKind.Array
            ? Array(name)
            : [Node(name, orSelf)];

    /// <summary>The longest text a field may hold unless its transaction says otherwise.</summary>
    public const int MaxTextLength = 1000;

    public string? OptionalText(string name) => OptionalText(name, MaxTextLength);

    /// <summary>The field as text, refused when longer than <paramref name="maxLength"/> characters (the national table's length).</summary>
    public string? OptionalText(string name, int maxLength)
    {
        if (Element.ValueKind != JsonValueKind.Object || !Element.TryGetProperty(name, out var value)) return null;
        var text = value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.GetRawText(),
            JsonValueKind.Null => null,
            _ => throw new Refusal($"字段 {Path}.{name} 应为文本") { Code = RefusalCode.FieldInvalid, Field = Field(name), Kind = FieldKind.Text },
        };
        text = text?.Trim();
        if (text?.Length > maxLength)
            throw new Refusal($"字段 {Path}.{name} 过长（最多 {maxLength} 个字符）") { Code = RefusalCode.FieldTooLong, Field = Field(name), Kind = FieldKind.Text };
        if (text is not null && text.AsSpan().IndexOfAny(ControlCharacters) >= 0)
            throw new Refusal($"字段 {Path}.{name} 含有不可见的控制字符（如 \\u0000），请删除后重新发送")
                { Code = RefusalCode.FieldInvalid, Field = Field(name), Kind = FieldKind.Text };
        return string.IsNullOrEmpty(text) ? null : text;
    }

    /// <summary>
    /// A field read only to say, in warn_msg, that it is ignored: its text as sent (a number's digits, any other JSON as
    /// written), trimmed and cut to 40 characters; null when absent, null or empty. Never refused: nothing depends on it.
    /// </summary>
    public string? IgnoredText(string name)
    {
        if (Element.ValueKind != JsonValueKind.Object || !Element.TryGetProperty(name, out var value)) return null;
        var text = (value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Null => null,
            _ => value.GetRawText(),
        })?.Trim();
        if (string.IsNullOrEmpty(text)) return null;
        text = string.Concat(text.Select(c => char.IsControl(c) ? ' ' : c));
        return text.Length > 40 ? text[..40] + "…" : text;
    }

    /// <summary>C0 controls other than tab and line breaks (which a free-text description may hold), and DEL.</summary>
    private static readonly System.Buffers.SearchValues<char> ControlCharacters = System.Buffers.SearchValues.Create(
        "\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u000b\u000c\u000e\u000f\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c\u001d\u001e\u001f\u007f");

    /// <summary>The field <paramref name="name"/>, or the name some clients give it (<paramref name="alias"/>, e.g. dise_code for dise_codg).</summary>
    public string? OptionalText(string name, string alias) => OptionalText(name) ?? OptionalText(alias);

    public string Text(string name) => OptionalText(name) ?? throw Missing(name, FieldKind.Text);

    public string Text(string name, int maxLength) => OptionalText(name, maxLength) ?? throw Missing(name, FieldKind.Text);

    public decimal Decimal(string name) => OptionalDecimal(name) ?? throw Missing(name, FieldKind.Number);

    private Refusal Missing(string name, FieldKind kind) =>
        new($"缺少必填字段 {Path}.{name}") { Code = RefusalCode.FieldMissing, Field = Field(name), Kind = kind };

    private Refusal Invalid(string message, string name, FieldKind kind, string value) =>
        new(message) { Code = RefusalCode.FieldInvalid, Field = Field(name), Kind = kind, Value = value };

    public decimal? OptionalDecimal(string name)
    {
        var text = OptionalText(name);
        if (text is null) return null;
        if (!decimal.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out var value)
            || Math.Abs(value) > 999_999_999m)
            throw Invalid($"字段 {Path}.{name} 的值 \"{text}\" 不是有效的数值", name, FieldKind.Number, text);
        return value;
    }

    /// <summary>A whole number of things (a count): no fraction, not negative.</summary>
    public long Count(string name)
    {
        var value = OptionalDecimal(name) ?? throw Missing(name, FieldKind.Count);
        if (value < 0 || value != decimal.Truncate(value))
            throw Invalid($"字段 {Path}.{name} 的值 {value} 应为不小于 0 的整数", name, FieldKind.Count, value.ToString(CultureInfo.InvariantCulture));
        return (long)value;
    }

    public DateOnly Date(string name) => OptionalDate(name) ?? throw Missing(name, FieldKind.Date);

    /// <summary>yyyy-MM-dd; a full time (yyyy-MM-dd HH:mm:ss) is accepted and its date taken.</summary>
    public DateOnly? OptionalDate(string name)
    {
        var text = OptionalText(name);
        if (text is null) return null;
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)) return date;
        if (DateTime.TryParseExact(text, TimeFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var time)) return DateOnly.FromDateTime(time);
        throw Invalid($"字段 {Path}.{name} 的值 \"{text}\" 不是日期（格式 yyyy-MM-dd）", name, FieldKind.Date, text);
    }

    public DateTime Time(string name) => OptionalTime(name) ?? throw Missing(name, FieldKind.Time);

    /// <summary>yyyy-MM-dd HH:mm:ss; a bare date is taken as its midnight.</summary>
    public DateTime? OptionalTime(string name)
    {
        var text = OptionalText(name);
        if (text is null) return null;
        if (DateTime.TryParseExact(text, TimeFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var time)) return time;
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)) return date.ToDateTime(TimeOnly.MinValue);
        throw Invalid($"字段 {Path}.{name} 的值 \"{text}\" 不是时间（格式 yyyy-MM-dd HH:mm:ss）", name, FieldKind.Time, text);
    }

    private static readonly string[] TimeFormats = ["yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm", "yyyy-MM-ddTHH:mm:ss", "yyyyMMddHHmmss"];
}
