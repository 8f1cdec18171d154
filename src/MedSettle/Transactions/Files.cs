using System.Security.Cryptography;
using MedSettle.Transactions.Requests;

namespace MedSettle.Transactions;

/// <summary>
/// 9101 文件上传 and 9102 文件下载: a hospital's files (the 3202 detail file it uploads, the 3202 result file and the catalogue
/// downloads (1301–1315) the platform makes for it) are kept in the database, each owned by one hospital and kept for
/// <see cref="Lifetime"/>; a download is not limited to <see cref="MaxBytes"/> (a full 1301 of 50,000 rows is a few MB). A file is
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
    public static async Task<object?> UploadAsync(TransactionContext ctx, FileUploadRequest request)
    {
        var filename = request.Filename;
        if (request.FixmedinsCode is { } owner && owner != ctx.FixmedinsCode)
            throw new Refusal($"{request.FixmedinsCodeField.Path} {owner} 与报文头 fixmedins_code {ctx.FixmedinsCode} 不一致：只能上传本机构的文件");
        var stored = await StoreAsync(ctx, filename, request.Content, "9101");
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
    public static async Task<object?> DownloadAsync(TransactionContext ctx, FileDownloadRequest request)
    {
        // the file is named by its query number alone (FileDownloadRequest); the owner is the envelope's (signed) hospital
        var (row, content) = await OwnFileAsync(ctx, request.FileQuryNo);
        ctx.Download = new Download(row.FileQuryNo, row.Filename, content);
        return new { file_qury_no = row.FileQuryNo, filename = row.Filename, file_size = content.Length, @in = row.ContentBase64 };
    }

    /// <summary>What 9101 and 3202 answer of a stored file: <c>fileinfo{file_qury_no, filename, dld_endtime}</c>.</summary>
    public sealed record StoredFile(string FileQuryNo, string Filename, string DldEndtime);

    /// <summary>Stores a file for the request's hospital in the request's unit of work; it expires <see cref="Lifetime"/> from now.</summary>
    public static async Task<StoredFile> StoreAsync(TransactionContext ctx, string filename, ReadOnlyMemory<byte> content, string origin)
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
                fileQuryNo, fixmedinsCode = ctx.FixmedinsCode, filename, content = Convert.ToBase64String(content.Span), size = (long)content.Length,
                sha256 = Convert.ToHexStringLower(SHA256.HashData(content.Span)), origin, msgid = ctx.Msgid, storedAt = ctx.Now.ToText(),
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
                              row.Origin switch
                              {
                                  "9101" => "请重新上传（9101）后使用新的文件查询号",
                                  "3202" => "请重新对账（3202）后下载新的结果文件",
                                  var infno => $"请重新下载目录（{infno}）后使用新的文件查询号",
                              });
        return (row, Convert.FromBase64String(row.ContentBase64));
    }
}
