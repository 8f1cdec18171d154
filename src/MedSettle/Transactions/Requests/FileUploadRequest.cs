using System.Globalization;
using System.Text.Json;

namespace MedSettle.Transactions.Requests;

/// <summary>
/// 9101 文件上传, from input.fsUploadIn or its fields directly in input: the file's name (without any path the client's
/// machine sent along), the hospital it names (fixmedins_code, if sent) and its bytes, from <c>in</c>: a JSON array of bytes
/// (Java's signed -128..127, or 0..255), that array written as text ("[1, -2, 3]"), or Base64 text; at most
/// <see cref="Files.MaxBytes"/>.
/// </summary>
public sealed record FileUploadRequest(string Filename, string? FixmedinsCode, InputField FixmedinsCodeField, ReadOnlyMemory<byte> Content)
{
    public static FileUploadRequest Read(Input input)
    {
        var node = input.Node("fsUploadIn", orSelf: true);
        var filename = ReadFilename(node);
        var owner = node.OptionalText("fixmedins_code");
        return new FileUploadRequest(filename, owner, node.Field("fixmedins_code"), ReadContent(node));
    }

    private static string ReadFilename(Input node)
    {
        var given = node.Text("filename");
        // a path the client's machine sent along is not part of the name
        var name = given[(given.LastIndexOfAny(['/', '\\']) + 1)..].Trim();
        if (name.Length == 0) throw new Refusal($"字段 {node.Path}.filename “{given}” 不是文件名，请填写如 3202_20260331.txt 的文件名");
        if (name.Length > 200) throw new Refusal($"字段 {node.Path}.filename 过长（最多 200 个字符）");
        return name;
    }

    private static byte[] ReadContent(Input node)
    {
        var field = $"{node.Path}.in";
        if (node.Element.ValueKind != JsonValueKind.Object || !node.Element.TryGetProperty("in", out var value)
            || value.ValueKind is JsonValueKind.Null || value is { ValueKind: JsonValueKind.String } && value.GetString()!.Trim().Length == 0)
            throw new Refusal($"缺少必填字段 {field}（文件内容：字节数组，或 Base64 编码的文本）");
        byte[] content;
        switch (value.ValueKind)
        {
            case JsonValueKind.Array:
                content = Bytes(value, field);
                break;
            case JsonValueKind.String when value.GetString()!.TrimStart().StartsWith('['):
                JsonDocument parsed;
                try
                {
                    parsed = JsonDocument.Parse(value.GetString()!);
                }
                catch (JsonException)
                {
                    throw new Refusal($"字段 {field} 以 [ 开头，但不是字节数组（应如 [80, 75, 3, 4]）");
                }
                using (parsed)
                {
                    if (parsed.RootElement.ValueKind != JsonValueKind.Array)
                        throw new Refusal($"字段 {field} 以 [ 开头，但不是字节数组（应如 [80, 75, 3, 4]）");
                    content = Bytes(parsed.RootElement, field);
                }
                break;
            case JsonValueKind.String:
                try
                {
                    content = Convert.FromBase64String(value.GetString()!);
                }
                catch (FormatException)
                {
                    throw new Refusal($"字段 {field} 不是有效的 Base64 文本，也不是字节数组：请按 9101 发送文件内容");
                }
                break;
            default:
                throw new Refusal($"字段 {field} 应为字节数组或 Base64 文本");
        }
        if (content.Length == 0) throw new Refusal($"字段 {field} 的文件内容为空：请上传有内容的文件");
        if (content.Length > Files.MaxBytes) throw TooLarge(content.Length);
        return content;
    }

    private static byte[] Bytes(JsonElement array, string field)
    {
        var count = array.GetArrayLength();
        if (count > Files.MaxBytes) throw TooLarge(count);
        var bytes = new byte[count];
        var i = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt32(out var b) || b is < -128 or > 255)
                throw new Refusal($"字段 {field} 第 {i + 1} 个元素 {item.GetRawText()} 不是字节（应为 -128 至 255 的整数）");
            bytes[i++] = unchecked((byte)b);
        }
        return bytes;
    }

    private static Refusal TooLarge(long size) =>
        new($"文件大小 {size.ToString("N0", CultureInfo.InvariantCulture)} 字节超过上限 {Files.MaxBytes.ToString("N0", CultureInfo.InvariantCulture)} 字节（{Files.MaxBytes / 1024} KB）：" +
            "请压缩为 zip 后上传，或缩短对账期间分次对账");
}
