using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using MedSettle.Storage;
using MedSettle.Privacy;

namespace MedSettle.Transactions;

/// <summary>
/// Who is calling the transaction API over HTTP, signed as the credential's profile (<see cref="SigningScheme"/>) says.
/// hmac: <c>x-tif-paasid</c>, <c>x-tif-timestamp</c> (Unix seconds), <c>x-tif-nonce</c> and <c>x-tif-signature</c> =
/// lowercase hex HMAC-SHA256(secret, timestamp + "\n" + nonce + "\n" + lowercase hex SHA-256 of the raw body); tif: the
/// same headers, the signature being hex SHA-256(timestamp + token + nonce + timestamp); csb: the <c>_api_*</c> headers,
/// Base64 HmacSHA1 over the sorted pairs (its nonce: <c>_api_nonce</c>, else the signature). A request outside ±5 minutes of the platform's clock, with a nonce seen
/// before, a wrong signature, or an unknown or revoked paasid is refused with HTTP 401 before anything else happens: all
/// but the signature and the nonce on the headers alone (<see cref="CheckHeadersAsync"/>, before the body is read), the
/// signature over the body's hash (<see cref="VerifyBody"/>).
/// Nonces are kept in the database (so servers sharing it all see them) until their request's window has passed;
/// <see cref="TransactionApi.CallAsync(Database, PlatformClock, byte[], CancellationToken, string?, HospitalSignature.Nonce?, string?, TransactionSettings?, Transactions.Groups.SettlementGroups?)"/>
/// records each before its request acts, and holds the envelope's fixmedins_code to the credential's hospital.
/// Credentials are looked up through <see cref="HospitalCredentials.FindRecentAsync"/>.
/// </summary>
public static class HospitalSignature
{
    public const string PaasidHeader = "x-tif-paasid", TimestampHeader = "x-tif-timestamp", NonceHeader = "x-tif-nonce", SignatureHeader = "x-tif-signature";

    public static readonly TimeSpan Window = TimeSpan.FromMinutes(5);

    private const int PruneEvery = 512;
    private static long _recorded;

    /// <summary>
    /// A request's nonce, not yet recorded:
    /// <see cref="TransactionApi.CallAsync(Database, PlatformClock, byte[], CancellationToken, string?, HospitalSignature.Nonce?, string?, TransactionSettings?, Groups.SettlementGroups?)"/>
    /// records it before acting, in the settlement group's own transaction for 2207/2304 (see Transactions/Groups) and with
    /// <see cref="RecordAsync"/> otherwise.
    /// </summary>
    public sealed record Nonce(string Paasid, string Value, long ExpiresAt)
    {
        public string Reused => $"随机数 {Value} 已使用过：每个请求须使用新的随机数（x-tif-nonce；CSB 网关方式为 _api_nonce，未送时以签名计）：重发报文时 msgid 不变，时间戳、随机数和签名重新生成";
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
    /// What the headers claim, checked before any of the body is read: every format, the timestamp within the window, the
    /// paasid known and its secret found, and, for the profiles whose signature does not cover the body (tif, csb), the
    /// signature itself. An hmac signature needs the body's hash (<see cref="VerifyBody"/>).
    /// </summary>
    public sealed record Claim(string Paasid, long Timestamp, string Nonce, string Signature, string Secret, string FixmedinsCode,
        SigningScheme Scheme = SigningScheme.Hmac, string? Sm2PublicKey = null);

    /// <summary>The headers' claim, or the HTTP status and err_msg of their refusal.</summary>
    public readonly record struct HeaderVerdict(Claim? Claim, int Status, string Message)
    {
        public bool Refused => Claim is null;

        public static HeaderVerdict Refuse(string message, int status = StatusCodes.Status401Unauthorized) => new(null, status, message);
    }

    /// <summary>The CSB gateway's headers (signing profile csb).</summary>
    public const string CsbName = "_api_name", CsbVersion = "_api_version", CsbTimestamp = "_api_timestamp", CsbAccessKey = "_api_access_key",
        CsbSignature = "_api_signature", CsbNonce = "_api_nonce";

    /// <summary>Checks the headers alone (see <see cref="Claim"/>); nothing of the body is needed, so a refusal never waits for it.</summary>
    public static async Task<HeaderVerdict> CheckHeadersAsync(HttpContext http, CancellationToken cancel)
    {
        var headers = http.Request.Headers;
        string? Header(string name) => headers.TryGetValue(name, out var values) && values.Count == 1 ? values[0]?.Trim() : null;
        if (headers.ContainsKey(CsbAccessKey)) return await CheckCsbAsync(http, Header, cancel);

        var paasid = Header(PaasidHeader);
        var timestampText = Header(TimestampHeader);
        var nonce = Header(NonceHeader);
        var signature = Header(SignatureHeader);

        var missing = new[] { (PaasidHeader, paasid), (TimestampHeader, timestampText), (NonceHeader, nonce), (SignatureHeader, signature) }
            .Where(h => string.IsNullOrEmpty(h.Item2)).Select(h => h.Item1).ToList();
        if (missing.Count > 0)
            return HeaderVerdict.Refuse($"缺少身份认证请求头 {string.Join("、", missing)}：每个请求须携带平台签发的 x-tif-paasid 及时间戳、随机数和签名"
                                        + "（CSB 网关方式为 _api_access_key 等 _api_* 请求头）");
        if (paasid!.Length > 64 || !paasid.All(IsToken))
            return HeaderVerdict.Refuse("x-tif-paasid 格式不正确，请使用平台签发的凭证");
        if (nonce!.Length is < 8 or > 64 || !nonce.All(IsToken))
            return HeaderVerdict.Refuse("x-tif-nonce 应为 8 至 64 位的随机字符（字母、数字、- 或 _），每个请求不同");
        if (signature!.Length != 64 || !signature.All(char.IsAsciiHexDigit))
            return HeaderVerdict.Refuse("x-tif-signature 应为 64 位十六进制的签名（SHA-256 摘要长度）");
        signature = signature.ToLowerInvariant();

        var clock = http.RequestServices.GetRequiredService<PlatformClock>();
        if (ParseTimestamp(timestampText!, clock) is { } stale) return stale;
        var timestamp = Seconds(timestampText!);

        var (found, refusal) = await FindAsync(http, paasid, cancel);
        if (refusal is { } refused) return refused;
        switch (found.Scheme)
        {
            case SigningScheme.Hmac:
                return new HeaderVerdict(new Claim(paasid, timestamp, nonce, signature, found.Secret!, found.FixmedinsCode!), StatusCodes.Status200OK, "");
            case SigningScheme.Tif:
                if (!SameText(TifSignature(timestampText!, found.Secret!, nonce), signature))
                    return HeaderVerdict.Refuse("签名 x-tif-signature 不正确：国家平台网关方式（tif）应为 SHA-256(时间戳 + 令牌 + 随机数 + 时间戳) 的十六进制，请核对令牌与签名方法");
                return new HeaderVerdict(new Claim(paasid, timestamp, nonce, signature, found.Secret!, found.FixmedinsCode!, SigningScheme.Tif), StatusCodes.Status200OK, "");
            default:
                return HeaderVerdict.Refuse($"x-tif-paasid {paasid} 的签名方式为 {found.Scheme.Name()}，不能以 x-tif 请求头签名：请按签发时告知的方式签名");
        }
    }

    /// <summary>The CSB gateway's headers: the access key, a millisecond timestamp in the window, and the HmacSHA1 signature of the sorted <c>_api_*</c> pairs.</summary>
    private static async Task<HeaderVerdict> CheckCsbAsync(HttpContext http, Func<string, string?> header, CancellationToken cancel)
    {
        var missing = new[] { CsbName, CsbVersion, CsbTimestamp, CsbAccessKey, CsbSignature }.Where(h => string.IsNullOrEmpty(header(h))).ToList();
        if (missing.Count > 0)
            return HeaderVerdict.Refuse($"缺少身份认证请求头 {string.Join("、", missing)}：CSB 网关方式须携带 _api_name、_api_version、_api_timestamp、_api_access_key 和 _api_signature");
        var accessKey = header(CsbAccessKey)!;
        if (accessKey.Length > 64 || !accessKey.All(IsToken))
            return HeaderVerdict.Refuse("_api_access_key 格式不正确，请使用平台签发的凭证");
        var clock = http.RequestServices.GetRequiredService<PlatformClock>();
        var timestampText = header(CsbTimestamp)!;
        if (ParseTimestamp(timestampText, clock, CsbTimestamp) is { } stale) return stale;

        var (found, refusal) = await FindAsync(http, accessKey, cancel);
        if (refusal is { } refused) return refused;
        if (found.Scheme != SigningScheme.Csb)
            return HeaderVerdict.Refuse($"_api_access_key {accessKey} 的签名方式为 {found.Scheme.Name()}，不能以 CSB 网关的 _api_* 请求头签名：请按签发时告知的方式签名");

        // Every _api_* header but the signature takes part, sorted by name (as the gateway's SDK signs them).
        var pairs = http.Request.Headers.Where(h => h.Key.StartsWith("_api_", StringComparison.OrdinalIgnoreCase) && !h.Key.Equals(CsbSignature, StringComparison.OrdinalIgnoreCase))
            .Select(h => (Name: h.Key.ToLowerInvariant(), Value: h.Value.ToString().Trim()))
            .ToList();
        var signature = header(CsbSignature)!;
        if (!SameText(CsbSignatureOf(pairs, found.Secret!), signature))
            return HeaderVerdict.Refuse("签名 _api_signature 不正确：CSB 网关方式应为 Base64(HmacSHA1(密钥, 按名称排序的 _api_* 参数以 名=值 用 & 连接))，请核对密钥与签名方法");
        // Replay protection: the nonce the client sends, else the signature itself (it changes with every millisecond's timestamp).
        var nonce = header(CsbNonce) is { Length: > 0 } sent ? sent : signature;
        return new HeaderVerdict(new Claim(accessKey, Seconds(timestampText), nonce, signature, found.Secret!, found.FixmedinsCode!, SigningScheme.Csb),
            StatusCodes.Status200OK, "");
    }

    /// <summary>The national gateway's (tif) signature: lowercase hex SHA-256 of timestamp + token + nonce + timestamp, the timestamp as sent.</summary>
    public static string TifSignature(string timestamp, string token, string nonce) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(timestamp + token + nonce + timestamp)));

    /// <summary>The CSB gateway's signature: Base64 HmacSHA1(secret, "a=1&amp;b=2…") over the pairs sorted by name.</summary>
    public static string CsbSignatureOf(IEnumerable<(string Name, string Value)> pairs, string secret)
    {
        var text = string.Join("&", pairs.OrderBy(p => p.Name, StringComparer.Ordinal).Select(p => $"{p.Name}={p.Value}"));
#pragma warning disable CA5350 // HmacSHA1 is what the CSB gateway signs with; the hmac profile is the strong one
        return Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(text)));
#pragma warning restore CA5350
    }

    /// <summary>A Unix timestamp in seconds (or, from 13 digits on, milliseconds, as the CSB gateway and some clients send).</summary>
    private static long Seconds(string text) => long.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture) is var value && value >= 100_000_000_000 ? value / 1000 : value;

    private static HeaderVerdict? ParseTimestamp(string text, PlatformClock clock, string header = TimestampHeader)
    {
        var now = clock.UtcNow.ToUnixTimeSeconds();
        if (text.Length > 16 || !long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out _))
            return HeaderVerdict.Refuse($"{header} “{Shorten(text)}” 不是 Unix 时间戳（秒或毫秒）");
        var timestamp = Seconds(text);
        return Math.Abs(now - timestamp) > (long)Window.TotalSeconds
            ? HeaderVerdict.Refuse($"{header} {timestamp} 与平台时间 {now} 相差超过 {Window.TotalMinutes:0} 分钟，请求已过期或时钟不准：请校准时钟后用新的时间戳、随机数和签名重发（msgid 不变）")
            : null;
    }

    /// <summary>
    /// The credential behind <paramref name="paasid"/> (or the sm profile's client id), or the refusal: unknown or revoked
    /// (401, saying which), or sealed under a key this server does not hold (500, logged for the operators, never told).
    /// </summary>
    internal static async Task<(HospitalCredentials.Lookup Found, HeaderVerdict? Refusal)> FindAsync(HttpContext http, string paasid, CancellationToken cancel)
    {
        var services = http.RequestServices;
        var database = services.GetRequiredService<Database>();
        var box = services.GetService<SecretBox>() ?? SecretBox.Default;
        var found = await HospitalCredentials.FindRecentAsync(database, paasid, box, services.GetRequiredService<PlatformClock>().UtcNow, cancel);
        if (found.KeyMissing)
        {
            services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(HospitalSignature)).LogError("Cannot check a signature: {Problem}", found.Problem);
            return (found, HeaderVerdict.Refuse("平台密钥配置错误，暂时无法验证签名，请联系平台运维；本次请求未改变任何数据", StatusCodes.Status500InternalServerError));
        }
        return found.Secret is null ? (found, HeaderVerdict.Refuse(found.Problem!)) : (found, null);
    }

    /// <summary>Whether two secrets or signatures are the same, in time that does not depend on where they differ.</summary>
    internal static bool SameText(string expected, string actual) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(expected), Encoding.UTF8.GetBytes(actual));

    /// <summary>
    /// The signature of a claim the headers made, over the body's SHA-256 (hashed as it was read) for the hmac profile
    /// (the others were checked on the headers), then the hospital's rate: the caller's hospital and the nonce to record,
    /// or the refusal.
    /// </summary>
    public static Verdict VerifyBody(HttpContext http, Claim claim, ReadOnlySpan<byte> bodySha256)
    {
        if (claim.Scheme == SigningScheme.Hmac && !SameText(SignDigest(claim.Secret, claim.Timestamp, claim.Nonce, bodySha256), claim.Signature))
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
