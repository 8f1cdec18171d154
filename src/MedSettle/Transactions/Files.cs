using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;

namespace MedSettle.Transactions;

/// <summary>
/// 9101 文件上传 and 9102 文件下载: a hospital's files (the 3202 detail file it uploads, the 3202 result file the platform
/// makes for it) are kept in the database, each owned by one hospital and kept for <see cref="Lifetime"/>. A file is
/// named by its <c>file_qury_no</c>, 30 random hex digits; another hospital's file answers exactly like one that does
/// not exist.
/// </summary>
public static class Files
{
    /// <summary>
    /// The largest file 9101 takes: 40 KB. In every encoding clients use — Base64 text, a JSON array of signed bytes, or
    /// that array as Java's <c>Arrays.toString</c> writes it ("[1, -2, …]", up to 6 characters a byte) — such a file fits
    /// in the request body limit (<see cref="TransactionApi.MaxBodyBytes"/>, 256 KB) with its envelope.
    /// </summary>
    public const int MaxBytes = 40 * 1024;

    /// <summary>How long a file can be downloaded or reconciled against after it was stored (its dld_endtime).</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(24);

    /// <summary>Files are deleted this long after they expired (until then they are refused as expired, not as unknown).</summary>
    private static readonly TimeSpan KeptExpired = TimeSpan.FromDays(7);

    /// <summary>A stored file, as 9102 answers it: over HTTP its bytes are the body (see <see cref="TransactionApi"/>).</summary>
    public sealed record Download(string FileQuryNo, string Filename, byte[] Content);

    private sealed class FileRow
    {
        public string FileQuryNo { get; set; } = "";
        public string Filename { get; set; } = "";
        public string ContentBase64 { get; set; } = "";
        public string Origin { get; set; } = "";
        public string ExpiresAt { get; set; } = "";
    }

    /// <summary>9101: <c>input.fsUploadIn{in, filename, fixmedins_code}</c> → <c>file_qury_no, filename, fixmedins_code, dld_endtime</c>.</summary>
    public static async Task<object?> UploadAsync(TransactionContext ctx)
    {
        var node = ctx.Input.Node("fsUploadIn", orSelf: true);
        var filename = Filename(node);
        if (node.OptionalText("fixmedins_code") is { } owner && owner != ctx.FixmedinsCode)
            throw new Refusal($"{node.Path}.fixmedins_code {owner} 与报文头 fixmedins_code {ctx.FixmedinsCode} 不一致：只能上传本机构的文件");
        var content = Content(node);
        var stored = await StoreAsync(ctx, filename, content, "9101");
        ctx.Subject = stored.FileQuryNo;
        return new
        {
            file_qury_no = stored.FileQuryNo,
            filename,
            fixmedins_code = ctx.FixmedinsCode,
            dld_endtime = stored.DldEndtime,
            fileinfo = stored,
        };
    }

    /// <summary>9102: <c>input.fsDownloadIn{file_qury_no, filename, fixmedins_code}</c> → the file.</summary>
    public static async Task<object?> DownloadAsync(TransactionContext ctx)
    {
        var node = ctx.Input.Node("fsDownloadIn", orSelf: true);
        // filename and fixmedins_code are not checked: clients send "plc" in both for catalogue files, and the file is
        // named by its query number alone; the owner is the envelope's (signed) hospital.
        var (row, content) = await OwnFileAsync(ctx, node.Text("file_qury_no"));
        ctx.Download = new Download(row.FileQuryNo, row.Filename, content);
        return new { file_qury_no = row.FileQuryNo, filename = row.Filename, file_size = content.Length, @in = row.ContentBase64 };
    }

    /// <summary>What 9101 and 3202 answer of a stored file: <c>fileinfo{file_qury_no, filename, dld_endtime}</c>.</summary>
    public sealed record StoredFile(string FileQuryNo, string Filename, string DldEndtime);

    /// <summary>Stores a file for the request's hospital in the request's unit of work; it expires <see cref="Lifetime"/> from now.</summary>
    public static async Task<StoredFile> StoreAsync(TransactionContext ctx, string filename, byte[] content, string origin)
    {
        var fileQuryNo = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(15));
        var expires = ctx.Now + Lifetime;
        await ctx.Db.ExecuteAsync("DELETE FROM files WHERE expires_at < @before", new { before = (ctx.Now - KeptExpired).ToText() });
        await ctx.Db.ExecuteAsync(
            """
            INSERT INTO files (file_qury_no, fixmedins_code, filename, content_base64, size_bytes, sha256, origin, msgid, stored_at, expires_at)
            VALUES (@fileQuryNo, @fixmedinsCode, @filename, @content, @size, @sha256, @origin, @msgid, @storedAt, @expiresAt)
            """,
            new
            {
                fileQuryNo, fixmedinsCode = ctx.FixmedinsCode, filename, content = Convert.ToBase64String(content), size = (long)content.Length,
                sha256 = Convert.ToHexStringLower(SHA256.HashData(content)), origin, msgid = ctx.Msgid, storedAt = ctx.Now.ToText(),
                expiresAt = expires.ToText(),
            });
        return new StoredFile(fileQuryNo, filename, expires.ToText());
    }

    /// <summary>The request's hospital's file <paramref name="fileQuryNo"/>, not yet expired; refused otherwise.</summary>
    public static async Task<(string Filename, byte[] Content)> ReadOwnAsync(TransactionContext ctx, string fileQuryNo)
    {
        var (row, content) = await OwnFileAsync(ctx, fileQuryNo);
        return (row.Filename, content);
    }

    private static async Task<(FileRow Row, byte[] Content)> OwnFileAsync(TransactionContext ctx, string fileQuryNo)
    {
        var row = await ctx.Db.FirstOrDefaultAsync<FileRow>(
            "SELECT file_qury_no, filename, content_base64, origin, expires_at FROM files WHERE file_qury_no = @fileQuryNo AND fixmedins_code = @fixmedinsCode",
            new { fileQuryNo, fixmedinsCode = ctx.FixmedinsCode })
            ?? throw Refusal.NotFound("文件查询号 file_qury_no", fileQuryNo);
        if (string.CompareOrdinal(row.ExpiresAt, ctx.Now.ToText()) <= 0)
            throw new Refusal($"文件 {row.FileQuryNo}（{row.Filename}）已于 {row.ExpiresAt} 过期（文件保留 {Lifetime.TotalHours:0} 小时）：" +
                              (row.Origin == "9101" ? "请重新上传（9101）后使用新的文件查询号" : "请重新对账（3202）后下载新的结果文件"));
        return (row, Convert.FromBase64String(row.ContentBase64));
    }

    private static string Filename(Input node)
    {
        var given = node.Text("filename");
        // a path the client's machine sent along is not part of the name
        var name = given[(given.LastIndexOfAny(['/', '\\']) + 1)..].Trim();
        if (name.Length == 0) throw new Refusal($"字段 {node.Path}.filename “{given}” 不是文件名，请填写如 3202_20260331.txt 的文件名");
        if (name.Length > 200) throw new Refusal($"字段 {node.Path}.filename 过长（最多 200 个字符）");
        return name;
    }

    /// <summary>
    /// The file's bytes from <c>in</c>: a JSON array of bytes (Java's signed -128..127, or 0..255), that array written as
    /// text ("[1, -2, 3]"), or Base64 text.
    /// </summary>
    private static byte[] Content(Input node)
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
        if (content.Length > MaxBytes) throw TooLarge(content.Length);
        return content;
    }

    private static byte[] Bytes(JsonElement array, string field)
    {
        var count = array.GetArrayLength();
        if (count > MaxBytes) throw TooLarge(count);
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
        new($"文件大小 {size.ToString("N0", CultureInfo.InvariantCulture)} 字节超过上限 {MaxBytes.ToString("N0", CultureInfo.InvariantCulture)} 字节（{MaxBytes / 1024} KB）：" +
            "请压缩为 zip 后上传，或缩短对账期间分次对账");
}
