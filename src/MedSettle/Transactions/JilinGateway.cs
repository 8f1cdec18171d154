using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MedSettle.Storage;
using Org.BouncyCastle.Asn1.GM;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.Utilities.Encoders;

namespace MedSettle.Transactions;

/// <summary>
/// The <c>sm</c> signing profile: Jilin's own deployment as its public HIS client speaks to it
/// (reference/national-interface.md §5a). The client gets a bearer token at <see cref="TokenPath"/> (OAuth2 password
/// grant; client id and secret in Basic, the hospital's code and the same secret as username and password), then posts
/// to <see cref="CallPath"/> (or the national path) with <c>Authorization: Bearer</c>. Its <c>input</c> is
/// Base64(SM4/ECB/PKCS7(the input JSON)) under the client id's 16 ASCII bytes when <c>enc_type</c> is "SM4", and
/// <c>cainfo</c> is Base64 of the SM3withSM2 signature (raw r‖s, or DER) of that JSON's UTF-8 bytes with the default user
/// id, checked against the hospital's registered public key. The answer's <c>output</c> is encrypted the same way unless
/// the request says <c>decrypt_flag</c> "0". Replay: <c>inf_time</c> must be within the window and a <c>cainfo</c> is
/// never accepted twice (SM2 signatures are randomised, so every genuine request has its own).
/// All cryptography is BouncyCastle's.
/// </summary>
public static class JilinGateway
{
    public const string TokenPath = "/auth/oauth/token";
    public const string CallPath = "/mbs/fmi/fsi/api/callFsiService/callService";
    public const int ClientIdLength = 16;
    public const string DefaultUserId = "1234567812345678";

    public static readonly TimeSpan TokenLifetime = TimeSpan.FromMinutes(30);

    private static readonly ECDomainParameters Sm2 = new(GMNamedCurves.GetByName("sm2p256v1"));

    public static IEndpointRouteBuilder MapJilinGateway(this IEndpointRouteBuilder app)
    {
        app.MapPost(TokenPath, TokenAsync).DisableAntiforgery();
        return app;
    }

    /// <summary>A new SM2 key pair: the uncompressed public key (04‖x‖y) and the private key, both hex.</summary>
    public static (string PublicKey, string PrivateKey) NewKeyPair()
    {
        var generator = new ECKeyPairGenerator();
        generator.Init(new ECKeyGenerationParameters(Sm2, new SecureRandom()));
        var pair = generator.GenerateKeyPair();
        return (Hex.ToHexString(((ECPublicKeyParameters)pair.Public).Q.GetEncoded(false)),
                ((ECPrivateKeyParameters)pair.Private).D.ToString(16).PadLeft(64, '0'));
    }

    /// <summary>The public key in its normal form (lowercase hex, uncompressed); ArgumentException when it is not a point of SM2's curve.</summary>
    public static string CheckPublicKey(string hex)
    {
        try
        {
            return Hex.ToHexString(PublicKey(hex).Q.GetEncoded(false));
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException)
        {
            throw new ArgumentException($"not an SM2 public key (hex of 04‖x‖y, 130 digits): {e.Message}");
        }
    }

    private static ECPublicKeyParameters PublicKey(string hex) => new(Sm2.Curve.DecodePoint(Hex.Decode(hex.Trim())), Sm2);

    /// <summary>The OAuth2 password grant: a bearer token for a client of the sm profile, or the OAuth error.</summary>
    private static async Task<IResult> TokenAsync(HttpContext http, Database database, PlatformClock clock, CancellationToken cancel)
    {
        static IResult Error(int status, string error, string description) =>
            TypedResults.Json(new Dictionary<string, string> { ["error"] = error, ["error_description"] = description }, statusCode: status);

        var authorization = http.Request.Headers.Authorization.ToString();
        string? clientId = null, clientSecret = null;
        if (authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                var pair = Encoding.UTF8.GetString(Convert.FromBase64String(authorization[6..].Trim())).Split(':', 2);
                if (pair.Length == 2) (clientId, clientSecret) = (pair[0], pair[1]);
            }
            catch (FormatException)
            {
            }
        }
        if (clientId is null || clientSecret is null)
            return Error(401, "invalid_client", "缺少客户端认证：请以 Authorization: Basic base64(客户端编号:客户端密钥) 请求令牌");
        if (!http.Request.HasFormContentType)
            return Error(400, "invalid_request", "令牌请求须为表单（application/x-www-form-urlencoded）：grant_type、username、password、scope");
        var form = await http.Request.ReadFormAsync(cancel);
        if (form["grant_type"].ToString() != "password")
            return Error(400, "unsupported_grant_type", "grant_type 应为 password");

        var (found, refusal) = await HospitalSignature.FindAsync(http, clientId, cancel);
        if (refusal is { } refused) return Error(refused.Status, refused.Status == 401 ? "invalid_client" : "server_error", refused.Message);
        if (found.Scheme != SigningScheme.Sm || !HospitalSignature.SameText(found.Secret!, clientSecret))
            return Error(401, "invalid_client", "客户端编号或密钥不正确（国密方式 sm 的凭证）");
        if (form["username"].ToString() != found.FixmedinsCode || !HospitalSignature.SameText(found.Secret!, form["password"].ToString()))
            return Error(400, "invalid_grant", "用户名应为本机构的定点医药机构编号，密码为签发的密钥");

        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var now = clock.UtcNow.ToUnixTimeSeconds();
        await database.WriteAsync(async unit =>
        {
            await unit.ExecuteAsync("INSERT INTO access_tokens (token_hash, paasid, expires_at) VALUES (@hash, @clientId, @expires)",
                new { hash = Hash(token), clientId, expires = now + (long)TokenLifetime.TotalSeconds });
            await unit.ExecuteAsync("DELETE FROM access_tokens WHERE expires_at < @now", new { now });
            return (0, true);
        }, cancel);
        return TypedResults.Json(new Dictionary<string, object>
        {
            ["access_token"] = token, ["token_type"] = "bearer", ["expires_in"] = (long)TokenLifetime.TotalSeconds, ["scope"] = "server",
        });
    }

    /// <summary>The bearer token's credential (sm profile), checked on the headers alone.</summary>
    public static async Task<HospitalSignature.HeaderVerdict> CheckBearerAsync(HttpContext http, string token, CancellationToken cancel)
    {
        var services = http.RequestServices;
        var database = services.GetRequiredService<Database>();
        var clock = services.GetRequiredService<PlatformClock>();
        var now = clock.UtcNow.ToUnixTimeSeconds();
        var clientId = await database.ReadOnceAsync(unit => unit.FirstOrDefaultAsync<string>(
            "SELECT paasid FROM access_tokens WHERE token_hash = @hash AND expires_at >= @now", new { hash = Hash(token), now }), cancel);
        if (clientId is null)
            return HospitalSignature.HeaderVerdict.Refuse($"访问令牌无效或已过期（有效期 {TokenLifetime.TotalMinutes:0} 分钟）：请向 {TokenPath} 重新获取令牌后用同一 msgid 重发");
        var (found, refusal) = await HospitalSignature.FindAsync(http, clientId, cancel);
        if (refusal is { } refused) return refused;
        if (found.Scheme != SigningScheme.Sm || found.Sm2PublicKey is null)
            return HospitalSignature.HeaderVerdict.Refuse($"客户端 {clientId} 的凭证已不是国密方式（sm），请使用新签发的凭证");
        return new HospitalSignature.HeaderVerdict(
            new HospitalSignature.Claim(clientId, now, "", "", found.Secret!, found.FixmedinsCode!, SigningScheme.Sm, found.Sm2PublicKey),
            StatusCodes.Status200OK, "");
    }

    /// <summary>What a request of the sm profile carries, opened: the envelope with its input in clear, whether to encrypt the answer, and the nonce.</summary>
    public sealed record Opened(byte[] Body, bool EncryptAnswer, string Nonce, long Timestamp);

    /// <summary>Decrypts the input, checks cainfo over it and the envelope's inf_time; a refusal in the clerk's words otherwise.</summary>
    public static (Opened? Opened, string? Refusal) Open(byte[] body, HospitalSignature.Claim claim, PlatformClock clock)
    {
        JsonObject envelope;
        try
        {
            envelope = JsonNode.Parse(body) as JsonObject ?? throw new JsonException();
        }
        catch (JsonException)
        {
            return (null, "请求体不是 JSON 对象");
        }
        string? Text(string name) => envelope[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

        var infTime = Text("inf_time");
        if (infTime is null || !DateTime.TryParseExact(infTime, ["yyyy-MM-dd HH:mm:ss", "yyyyMMddHHmmss"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var sent))
            return (null, "国密方式（sm）须在报文中送交易时间 inf_time（北京时间 yyyy-MM-dd HH:mm:ss）");
        if ((sent - clock.Now).Duration() > HospitalSignature.Window)
            return (null, $"交易时间 inf_time {infTime} 与平台时间 {clock.Now.ToText()} 相差超过 {HospitalSignature.Window.TotalMinutes:0} 分钟：请校准时钟后重发（msgid 不变）");

        byte[] plain;
        if (string.Equals(Text("enc_type"), "SM4", StringComparison.OrdinalIgnoreCase))
        {
            if (Text("input") is not { } cipherText) return (null, "enc_type 为 SM4 时 input 应为 SM4 加密后的 Base64 文本");
            try
            {
                plain = Sm4(false, Encoding.ASCII.GetBytes(claim.Paasid), Convert.FromBase64String(cipherText));
            }
            catch (Exception e) when (e is FormatException or CryptoException or DataLengthException)
            {
                return (null, "input 无法用 SM4 解密：应为 Base64(SM4/ECB/PKCS7(输入 JSON))，密钥为客户端编号的 16 个字符");
            }
        }
        else
        {
            plain = envelope["input"] is { } input ? Encoding.UTF8.GetBytes(input.ToJsonString()) : [];
        }

        if (Text("cainfo") is not { Length: > 0 } cainfo) return (null, "国密方式（sm）须在 cainfo 中送输入的 SM3withSM2 签名（Base64）");
        byte[] signature;
        try
        {
            signature = Convert.FromBase64String(cainfo);
        }
        catch (FormatException)
        {
            return (null, "cainfo 不是 Base64 文本");
        }
        if (!Verifies(claim.Sm2PublicKey!, plain, signature))
            return (null, "签名 cainfo 不正确：应为 Base64(SM3withSM2(机构私钥, 输入 JSON 的 UTF-8 字节))，用户标识 1234567812345678，请核对密钥与签名方法");

        try
        {
            envelope["input"] = JsonNode.Parse(plain);
        }
        catch (JsonException)
        {
            return (null, "解密后的 input 不是 JSON");
        }
        var timestamp = clock.UtcNow.ToUnixTimeSeconds() + (long)(sent - clock.Now).TotalSeconds;
        return (new Opened(JsonSerializer.SerializeToUtf8Bytes(envelope, Relaxed), Text("decrypt_flag") != "0", Hash(cainfo), timestamp), null);
    }

    /// <summary>The answer with its <c>output</c> encrypted (a Base64 string) as the sm profile's client expects.</summary>
    public static string Seal(string answer, string clientId)
    {
        var envelope = JsonNode.Parse(answer) as JsonObject;
        if (envelope?["output"] is not { } output) return answer;
        envelope["output"] = Convert.ToBase64String(Sm4(true, Encoding.ASCII.GetBytes(clientId), Encoding.UTF8.GetBytes(output.ToJsonString())));
        return envelope.ToJsonString(Relaxed);
    }

    /// <summary>As the platform writes every answer: Chinese and Base64's '+' as they are, not \u escapes.</summary>
    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static bool Verifies(string publicKeyHex, byte[] data, byte[] signature)
    {
        foreach (var encoding in new IDsaEncoding[] { PlainDsaEncoding.Instance, StandardDsaEncoding.Instance })
        {
            try
            {
                var signer = new SM2Signer(encoding, new SM3Digest());
                signer.Init(false, new ParametersWithID(PublicKey(publicKeyHex), Encoding.ASCII.GetBytes(DefaultUserId)));
                signer.BlockUpdate(data, 0, data.Length);
                if (signer.VerifySignature(signature)) return true;
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException)
            {
            }
        }
        return false;
    }

    private static byte[] Sm4(bool encrypt, byte[] key, byte[] data)
    {
        var cipher = CipherUtilities.GetCipher("SM4/ECB/PKCS7Padding");
        cipher.Init(encrypt, new KeyParameter(key));
        return cipher.DoFinal(data);
    }

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
