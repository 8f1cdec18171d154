using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using MedSettle.Storage;

namespace MedSettle.Transactions;

/// <summary>
/// Who is calling the transaction API over HTTP. Every request carries <c>x-tif-paasid</c>, <c>x-tif-timestamp</c> (Unix
/// seconds), <c>x-tif-nonce</c> and <c>x-tif-signature</c> = lowercase hex HMAC-SHA256(secret, timestamp + "\n" + nonce +
/// "\n" + lowercase hex SHA-256 of the raw body). A request outside ±5 minutes of the platform's clock, with a nonce seen
/// before, a wrong signature, or an unknown or revoked paasid is refused with HTTP 401 before anything else happens: all
/// but the signature and the nonce on the headers alone (<see cref="CheckHeadersAsync"/>, before the body is read), the
/// signature over the body's hash (<see cref="VerifyBody"/>).
/// Nonces are kept in the database (so servers sharing it all see them) until their request's window has passed;
/// <see cref="TransactionApi.CallAsync"/> records each before its request acts, and holds the envelope's fixmedins_code
/// to the credential's hospital. Credentials are looked up through <see cref="HospitalCredentials.FindRecentAsync"/>.
/// </summary>
public static class HospitalSignature
{
    public const string PaasidHeader = "x-tif-paasid", TimestampHeader = "x-tif-timestamp", NonceHeader = "x-tif-nonce", SignatureHeader = "x-tif-signature";

    public static readonly TimeSpan Window = TimeSpan.FromMinutes(5);

    private const int PruneEvery = 512;
    private static long _recorded;

    /// <summary>
    /// A request's nonce, not yet recorded: <see cref="TransactionApi.CallAsync"/> records it before acting, in the
    /// settlement group's own transaction for 2207/2304 (see SettlementGroup) and with <see cref="RecordAsync"/> otherwise.
    /// </summary>
    public sealed record Nonce(string Paasid, string Value, long ExpiresAt)
    {
        public string Reused => $"x-tif-nonce {Value} 已使用过：每个请求须使用新的随机数（重发报文时 msgid 不变，随机数和签名重新生成）";
    }

    /// <summary>The nonce was recorded before (a replay, or a copy of the same signed request): HTTP 401, nothing done.</summary>
    public sealed class NonceReused() : Exception("The request's nonce was used before");

    /// <summary>The outcome: the caller's hospital and the nonce to record, or the HTTP status and err_msg of the refusal.</summary>
    public readonly record struct Verdict(string? Hospital, int Status, string Message, Nonce? Nonce = null)
    {
        public bool Refused => Hospital is null;

        public static Verdict Refuse(string message, int status = StatusCodes.Status401Unauthorized) => new(null, status, message);
    }

    /// <summary>The signature a client sends (and the platform expects).</summary>
    public static string Sign(string secret, long timestamp, string nonce, ReadOnlySpan<byte> body) =>
        SignDigest(secret, timestamp, nonce, SHA256.HashData(body));

    /// <summary>The signature, given the body's SHA-256 rather than the body.</summary>
    public static string SignDigest(string secret, long timestamp, string nonce, ReadOnlySpan<byte> bodySha256)
    {
        var text = string.Create(CultureInfo.InvariantCulture, $"{timestamp}\n{nonce}\n{Convert.ToHexStringLower(bodySha256)}");
        return Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(text)));
    }

    /// <summary>The four headers for one request, with a fresh nonce.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Headers(string paasid, string secret, DateTimeOffset now, ReadOnlySpan<byte> body)
    {
        var timestamp = now.ToUnixTimeSeconds();
        var nonce = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        return
        [
            new(PaasidHeader, paasid),
            new(TimestampHeader, timestamp.ToString(CultureInfo.InvariantCulture)),
            new(NonceHeader, nonce),
            new(SignatureHeader, Sign(secret, timestamp, nonce, body)),
        ];
    }

    /// <summary>
    /// What the four headers claim, checked before any of the body is read: every format, the timestamp within the
    /// window, the paasid known and its secret found. The signature itself needs the body's hash (<see cref="VerifyBody"/>).
    /// </summary>
    public sealed record Claim(string Paasid, long Timestamp, string Nonce, string Signature, string Secret, string FixmedinsCode);

    /// <summary>The headers' claim, or the HTTP status and err_msg of their refusal.</summary>
    public readonly record struct HeaderVerdict(Claim? Claim, int Status, string Message)
    {
        public bool Refused => Claim is null;

        public static HeaderVerdict Refuse(string message, int status = StatusCodes.Status401Unauthorized) => new(null, status, message);
    }

    /// <summary>Checks the headers alone (see <see cref="Claim"/>); nothing of the body is needed, so a refusal never waits for it.</summary>
    public static async Task<HeaderVerdict> CheckHeadersAsync(HttpContext http, CancellationToken cancel)
    {
        var headers = http.Request.Headers;
        string? Header(string name) => headers.TryGetValue(name, out var values) && values.Count == 1 ? values[0]?.Trim() : null;
        var paasid = Header(PaasidHeader);
        var timestampText = Header(TimestampHeader);
        var nonce = Header(NonceHeader);
        var signature = Header(SignatureHeader);

        var missing = new[] { (PaasidHeader, paasid), (TimestampHeader, timestampText), (NonceHeader, nonce), (SignatureHeader, signature) }
            .Where(h => string.IsNullOrEmpty(h.Item2)).Select(h => h.Item1).ToList();
        if (missing.Count > 0)
            return HeaderVerdict.Refuse($"缺少身份认证请求头 {string.Join("、", missing)}：每个请求须携带平台签发的 x-tif-paasid 及时间戳、随机数和签名");
        if (paasid!.Length > 64 || !paasid.All(IsToken))
            return HeaderVerdict.Refuse("x-tif-paasid 格式不正确，请使用平台签发的凭证");
        if (nonce!.Length is < 16 or > 64 || !nonce.All(IsToken))
            return HeaderVerdict.Refuse("x-tif-nonce 应为 16 至 64 位的随机字符（字母、数字、- 或 _），每个请求不同");
        if (signature!.Length != 64 || !signature.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f'))
            return HeaderVerdict.Refuse("x-tif-signature 应为 64 位小写十六进制的 HMAC-SHA256 签名");

        var services = http.RequestServices;
        var clock = services.GetRequiredService<PlatformClock>();
        var now = clock.UtcNow.ToUnixTimeSeconds();
        if (!long.TryParse(timestampText, NumberStyles.None, CultureInfo.InvariantCulture, out var timestamp))
            return HeaderVerdict.Refuse($"x-tif-timestamp “{Shorten(timestampText!)}” 不是 Unix 时间戳（秒）");
        if (Math.Abs(now - timestamp) > (long)Window.TotalSeconds)
            return HeaderVerdict.Refuse($"x-tif-timestamp {timestamp} 与平台时间 {now} 相差超过 {Window.TotalMinutes:0} 分钟，请求已过期或时钟不准：请校准时钟后用新的时间戳、随机数和签名重发（msgid 不变）");

        var database = services.GetRequiredService<Database>();
        var box = services.GetService<SecretBox>() ?? SecretBox.Default;
        var found = await HospitalCredentials.FindRecentAsync(database, paasid, box, clock.UtcNow, cancel);
        if (found.KeyMissing)
        {
            services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(HospitalSignature)).LogError("Cannot check a signature: {Problem}", found.Problem);
            return HeaderVerdict.Refuse("平台密钥配置错误，暂时无法验证签名，请联系平台运维；本次请求未改变任何数据", StatusCodes.Status500InternalServerError);
        }
        if (found.Secret is null) return HeaderVerdict.Refuse(found.Problem!);
        return new HeaderVerdict(new Claim(paasid, timestamp, nonce, signature, found.Secret, found.FixmedinsCode!), StatusCodes.Status200OK, "");
    }

    /// <summary>
    /// The signature of a claim the headers made, over the body's SHA-256 (hashed as it was read), then the hospital's
    /// rate: the caller's hospital and the nonce to record, or the refusal.
    /// </summary>
    public static Verdict VerifyBody(HttpContext http, Claim claim, ReadOnlySpan<byte> bodySha256)
    {
        var expected = SignDigest(claim.Secret, claim.Timestamp, claim.Nonce, bodySha256);
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(claim.Signature)))
            return Verdict.Refuse("签名 x-tif-signature 不正确：应为 HMAC-SHA256(密钥, 时间戳 + \"\\n\" + 随机数 + \"\\n\" + 请求体的 SHA-256 十六进制)，请核对密钥与签名方法");

        var limits = http.RequestServices.GetService<HospitalRateLimit>();
        if (limits is not null && !limits.TryAcquire(claim.Paasid, out var retryAfter))
        {
            http.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            return Verdict.Refuse($"本机构请求过于频繁（超过每秒 {limits.PermitsPerSecond} 笔），请放慢速度，稍后用同一 msgid 重试", StatusCodes.Status429TooManyRequests);
        }

        return new Verdict(claim.FixmedinsCode, StatusCodes.Status200OK, "", new Nonce(claim.Paasid, claim.Nonce, claim.Timestamp + (long)Window.TotalSeconds));
    }

    /// <summary>Records a nonce on its own; false when it was recorded before. Expired nonces are pruned now and then.</summary>
    public static async Task<bool> RecordAsync(Database database, Nonce nonce, long now, CancellationToken cancel)
    {
        // Without waiting for the disk: a nonce lost in a crash only lets an identical request replay into exactly-once (see README).
        return await database.WriteRelaxedAsync(async unit =>
        {
            var inserted = await unit.ExecuteAsync(
                "INSERT INTO request_nonces (paasid, nonce, expires_at) VALUES (@Paasid, @Value, @ExpiresAt) ON CONFLICT (paasid, nonce) DO NOTHING", nonce);
            if (inserted > 0 && ShouldPrune(1)) await unit.ExecuteAsync("DELETE FROM request_nonces WHERE expires_at < @now", new { now });
            return inserted > 0;
        }, cancel);
    }

    /// <summary>Counts <paramref name="recorded"/> more nonces, wherever recorded; true when that passes a <see cref="PruneEvery"/>th: time to delete the expired ones.</summary>
    public static bool ShouldPrune(int recorded)
    {
        var total = Interlocked.Add(ref _recorded, recorded);
        return total / PruneEvery != (total - recorded) / PruneEvery;
    }

    private static bool IsToken(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.';

    private static string Shorten(string text) => text.Length <= 20 ? text : text[..20] + "…";
}
