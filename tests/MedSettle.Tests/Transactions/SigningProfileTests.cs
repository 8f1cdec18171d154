using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Dapper;
using MedSettle.Tests.Infrastructure;
using MedSettle.Transactions;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Macs;
using Org.BouncyCastle.Asn1.GM;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Security;
using static MedSettle.Tests.Transactions.WorkedExampleTests;

namespace MedSettle.Tests.Transactions;

/// <summary>
/// The gateway signing profiles a hospital's credential may use (issue 20, point 1): the national gateway's x-tif headers
/// (tif) and the CSB gateway's _api_* headers (csb), beside MedSettle's own hmac. Each is served when signed right and
/// refused with HTTP 401 and the envelope, nothing changed, when the signature is wrong, the timestamp stale or the
/// request replayed. The expected signatures are computed here with BouncyCastle, not with the product's code.
/// </summary>
public abstract class SigningProfileTests(DatabaseTarget target) : PlatformTests(target, JilinCentral)
{
    private static readonly string[] SignatureHeaders =
    [
        HospitalSignature.PaasidHeader, HospitalSignature.TimestampHeader, HospitalSignature.NonceHeader, HospitalSignature.SignatureHeader,
    ];

    private string LookUpBody() => JsonSerializer.Serialize(new Dictionary<string, object?>
    {
        ["infno"] = "2551", ["msgid"] = Platform.NewMsgid(JilinCentral), ["fixmedins_code"] = JilinCentral, ["sign_no"] = Platform.SignNos[JilinCentral],
        ["input"] = new { data = new { psn_no = ZhangWei, insutype = "310", begndate = "2026-03-15", dise_codg = "J18.9", dise_name = "肺炎" } },
    });

    private Task<HospitalCredential> IssueAsync(SigningScheme scheme) =>
        HospitalCredentials.IssueAsync(Platform.Database, JilinCentral, Platform.Clock.GetLocalNow().DateTime, scheme: scheme);

    private static string Sha256Hex(string text)
    {
        var digest = new Sha256Digest();
        var bytes = Encoding.UTF8.GetBytes(text);
        digest.BlockUpdate(bytes, 0, bytes.Length);
        var output = new byte[digest.GetDigestSize()];
        digest.DoFinal(output, 0);
        return Convert.ToHexStringLower(output);
    }

    private static string HmacSha1Base64(string key, string text)
    {
        var mac = new HMac(new Sha1Digest());
        mac.Init(new KeyParameter(Encoding.UTF8.GetBytes(key)));
        var bytes = Encoding.UTF8.GetBytes(text);
        mac.BlockUpdate(bytes, 0, bytes.Length);
        var output = new byte[mac.GetMacSize()];
        mac.DoFinal(output, 0);
        return Convert.ToBase64String(output);
    }

    /// <summary>The x-tif headers as the national gateway's clients make them: SHA-256 hex of timestamp + token + nonce + timestamp.</summary>
    private List<KeyValuePair<string, string?>> TifHeaders(HospitalCredential credential, TimeSpan offset = default, string? token = null)
    {
        var timestamp = (Platform.Clock.GetUtcNow() + offset).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var nonce = Guid.NewGuid().ToString("N");
        return
        [
            new(HospitalSignature.PaasidHeader, credential.Paasid),
            new(HospitalSignature.TimestampHeader, timestamp),
            new(HospitalSignature.NonceHeader, nonce),
            new(HospitalSignature.SignatureHeader, Sha256Hex(timestamp + (token ?? credential.Secret) + nonce + timestamp)),
        ];
    }

    /// <summary>The _api_* headers as the CSB gateway's SDK makes them (the x-tif headers removed).</summary>
    private List<KeyValuePair<string, string?>> CsbHeaders(HospitalCredential credential, TimeSpan offset = default, string? secret = null)
    {
        var timestamp = (Platform.Clock.GetUtcNow() + offset).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        var signed = $"_api_access_key={credential.Paasid}&_api_name=hssServives&_api_timestamp={timestamp}&_api_version=1.0.0";
        return
        [
            .. SignatureHeaders.Select(h => new KeyValuePair<string, string?>(h, null)),
            new("_api_name", "hssServives"),
            new("_api_version", "1.0.0"),
            new("_api_timestamp", timestamp),
            new("_api_access_key", credential.Paasid),
            new("_api_signature", HmacSha1Base64(secret ?? credential.Secret, signed)),
        ];
    }

    private async Task RefusedAndUnchangedAsync(string body, IEnumerable<KeyValuePair<string, string?>> headers, string reason)
    {
        var before = await Fingerprint.OfAsync(Platform.Database);
        var reply = await Platform.PostAsync(body, headers: headers);
        Assert.True(reply.Status == 401, $"expected HTTP 401, got {reply.Status}: {reply.Body}");
        reply.ShouldFail(reason);
        Assert.Equal(before, await Fingerprint.OfAsync(Platform.Database));
    }

    [Fact]
    public async Task A_tif_credential_is_served_with_the_national_gateway_headers_and_refused_when_wrong_stale_or_replayed()
    {
        var credential = await IssueAsync(SigningScheme.Tif);

        var body = LookUpBody();
        var headers = TifHeaders(credential);
        (await Platform.PostAsync(body, headers: headers)).ShouldSucceed();
        await RefusedAndUnchangedAsync(body, headers, "已使用过");

        await RefusedAndUnchangedAsync(LookUpBody(), TifHeaders(credential, token: credential.Secret + "x"), "SHA-256(时间戳 + 令牌 + 随机数 + 时间戳)");
        await RefusedAndUnchangedAsync(LookUpBody(), TifHeaders(credential, TimeSpan.FromMinutes(-6)), "相差超过 5 分钟");
        // MedSettle's own hmac signature does not pass for a tif credential
        var hmac = HospitalSignature.Headers(credential.Paasid, credential.Secret, Platform.Clock.GetUtcNow(), Encoding.UTF8.GetBytes(body = LookUpBody()));
        await RefusedAndUnchangedAsync(body, hmac.Select(h => new KeyValuePair<string, string?>(h.Key, h.Value)), "x-tif-signature 不正确");
    }

    [Fact]
    public async Task A_csb_credential_is_served_with_the_csb_gateway_headers_and_refused_when_wrong_stale_or_replayed()
    {
        var credential = await IssueAsync(SigningScheme.Csb);

        var body = LookUpBody();
        var headers = CsbHeaders(credential);
        (await Platform.PostAsync(body, headers: headers)).ShouldSucceed();
        await RefusedAndUnchangedAsync(body, headers, "已使用过");

        await RefusedAndUnchangedAsync(LookUpBody(), CsbHeaders(credential, secret: credential.Secret + "x"), "_api_signature 不正确");
        await RefusedAndUnchangedAsync(LookUpBody(), CsbHeaders(credential, TimeSpan.FromMinutes(6)), "相差超过 5 分钟");
        await RefusedAndUnchangedAsync(LookUpBody(), CsbHeaders(credential).Where(h => h.Key != "_api_version"), "_api_version");
        // the x-tif headers do not pass for a csb credential
        await RefusedAndUnchangedAsync(LookUpBody(), TifHeaders(credential), "签名方式为 csb");
    }

    [Fact]
    public async Task An_hmac_credential_refuses_the_gateway_profiles_and_its_scheme_is_recorded()
    {
        var tif = await IssueAsync(SigningScheme.Tif);
        var hmac = await IssueAsync(SigningScheme.Hmac); // rotation back to hmac revokes the tif credential

        await RefusedAndUnchangedAsync(LookUpBody(), TifHeaders(tif), "已于");
        await RefusedAndUnchangedAsync(LookUpBody(), TifHeaders(hmac), "x-tif-signature 不正确");
        await RefusedAndUnchangedAsync(LookUpBody(), CsbHeaders(hmac), "签名方式为 hmac");
        var body = LookUpBody();
        var signed = HospitalSignature.Headers(hmac.Paasid, hmac.Secret, Platform.Clock.GetUtcNow(), Encoding.UTF8.GetBytes(body));
        (await Platform.PostAsync(body, headers: signed.Select(h => new KeyValuePair<string, string?>(h.Key, h.Value)))).ShouldSucceed();

        await using var connection = await Platform.Database.OpenConnectionAsync();
        Assert.Equal("tif", await connection.ExecuteScalarAsync<string>("SELECT scheme FROM hospital_credentials WHERE paasid = @Paasid", tif));
        Assert.Equal("hmac", await connection.ExecuteScalarAsync<string>("SELECT scheme FROM hospital_credentials WHERE paasid = @Paasid", hmac));
    }

    [Fact]
    public async Task The_command_line_issues_a_tif_credential_whose_token_signs_and_refuses_an_unknown_scheme()
    {
        var (code, output, errors) = await InProcessCli.RunAsync("hospital", "credentials", "--db", Platform.DatabaseValue, "--scheme", "tif", JilinCentral);
        Assert.True(code == 0, errors);
        var printed = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split('=', 2)).ToDictionary(pair => pair[0], pair => pair[1]);
        Assert.Contains("x-tif-signature = hex SHA-256(timestamp + secret + nonce + timestamp)", errors);
        var issued = new HospitalCredential(printed["paasid"], JilinCentral, printed["secret"], SigningScheme.Tif);
        (await Platform.PostAsync(LookUpBody(), headers: TifHeaders(issued))).ShouldSucceed();

        var before = await Fingerprint.OfAsync(Platform.Database);
        (code, _, errors) = await InProcessCli.RunAsync("hospital", "credentials", "--db", Platform.DatabaseValue, "--scheme", "rsa", JilinCentral);
        Assert.NotEqual(0, code);
        Assert.Contains("rsa", errors);
        Assert.Equal(before, await Fingerprint.OfAsync(Platform.Database));
    }

    // ---- sm: Jilin's deployment (token, SM4-encrypted input, SM3withSM2 cainfo), everything here computed with BouncyCastle

    private async Task<(int Status, JsonElement Answer)> TokenAsync(string clientId, string clientSecret, string username, string password)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, JilinGateway.TokenPath)
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["username"] = username, ["password"] = password, ["grant_type"] = "password", ["scope"] = "server",
            }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{clientId}:{clientSecret}")));
        using var response = await Platform.Http.SendAsync(request);
        return ((int)response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    private static byte[] Sm4(bool encrypt, string clientId, byte[] data)
    {
        var cipher = CipherUtilities.GetCipher("SM4/ECB/PKCS7Padding");
        cipher.Init(encrypt, new KeyParameter(Encoding.ASCII.GetBytes(clientId)));
        return cipher.DoFinal(data);
    }

    private static string Sm2Sign(string privateKeyHex, byte[] data)
    {
        var domain = new ECDomainParameters(GMNamedCurves.GetByName("sm2p256v1"));
        var signer = new SM2Signer(PlainDsaEncoding.Instance, new SM3Digest());
        signer.Init(true, new ParametersWithID(new ParametersWithRandom(new ECPrivateKeyParameters(new BigInteger(privateKeyHex, 16), domain)),
            Encoding.ASCII.GetBytes("1234567812345678")));
        signer.BlockUpdate(data, 0, data.Length);
        return Convert.ToBase64String(signer.GenerateSignature());
    }

    /// <summary>The body as the Jilin client sends it: compact input, encrypted with SM4, signed into cainfo.</summary>
    private string SmBody(HospitalCredential credential, TimeSpan offset = default, string? signOver = null)
    {
        var input = JsonSerializer.Serialize(new { data = new { begndate = "2026-03-15", dise_codg = "J18.9", dise_name = "肺炎", insutype = "310", psn_no = ZhangWei } });
        return JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["cainfo"] = Sm2Sign(credential.Sm2PrivateKey!, Encoding.UTF8.GetBytes(signOver ?? input)), ["enc_type"] = "SM4",
            ["fixmedins_code"] = JilinCentral, ["inf_time"] = (Platform.Clock.GetUtcNow().ToOffset(TimeSpan.FromHours(8)) + offset).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
            ["infno"] = "2551", ["input"] = Convert.ToBase64String(Sm4(true, credential.Paasid, Encoding.UTF8.GetBytes(input))),
            ["msgid"] = Platform.NewMsgid(JilinCentral), ["recer_sys_code"] = "sys01", ["sign_no"] = Platform.SignNos[JilinCentral], ["signtype"] = "SM2",
        });
    }

    private async Task<(int Status, JsonElement Envelope)> SmPostAsync(string body, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, JilinGateway.CallPath) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await Platform.Http.SendAsync(request);
        return ((int)response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    private async Task SmRefusedAsync(string body, string token, string reason)
    {
        var before = await Fingerprint.OfAsync(Platform.Database);
        var (status, envelope) = await SmPostAsync(body, token);
        Assert.True(status == 401, $"expected HTTP 401, got {status}: {envelope}");
        Assert.Equal(-1, envelope.GetProperty("infcode").GetInt32());
        Assert.Contains(reason, envelope.GetProperty("err_msg").GetString());
        Assert.Equal(before, await Fingerprint.OfAsync(Platform.Database));
    }

    [Fact]
    public async Task An_sm_client_gets_a_token_and_is_served_on_Jilins_path_with_encrypted_signed_input_and_refused_when_wrong_stale_or_replayed()
    {
        var credential = await IssueAsync(SigningScheme.Sm);
        Assert.Equal(16, credential.Paasid.Length);

        var (status, wrong) = await TokenAsync(credential.Paasid, credential.Secret + "x", JilinCentral, credential.Secret);
        Assert.Equal(401, status);
        Assert.Equal("invalid_client", wrong.GetProperty("error").GetString());
        var (granted, token) = await TokenAsync(credential.Paasid, credential.Secret, JilinCentral, credential.Secret);
        Assert.Equal(200, granted);
        var bearer = token.GetProperty("access_token").GetString()!;

        var body = SmBody(credential);
        var (served, answer) = await SmPostAsync(body, bearer);
        Assert.True(served == 200 && answer.GetProperty("infcode").GetInt32() == 0, answer.ToString());
        var output = JsonDocument.Parse(Sm4(false, credential.Paasid, Convert.FromBase64String(answer.GetProperty("output").GetString()!))).RootElement;
        Assert.False(string.IsNullOrEmpty(output.GetProperty("result").GetProperty("trt_dcla_detl_sn").GetString()), output.ToString());

        await SmRefusedAsync(body, bearer, "已使用过");
        await SmRefusedAsync(SmBody(credential, signOver: "{}"), bearer, "签名 cainfo 不正确");
        await SmRefusedAsync(SmBody(credential, TimeSpan.FromMinutes(-6)), bearer, "相差超过 5 分钟");
        await SmRefusedAsync(SmBody(credential), bearer + "x", "访问令牌无效");
        // an hmac-signed request does not pass for an sm credential
        var hmac = LookUpBody();
        await RefusedAndUnchangedAsync(hmac, [.. HospitalSignature.Headers(credential.Paasid, credential.Secret, Platform.Clock.GetUtcNow(), Encoding.UTF8.GetBytes(hmac))
            .Select(h => new KeyValuePair<string, string?>(h.Key, h.Value))], "签名方式为 sm");
    }
}

public sealed class SigningProfileTests_Sqlite() : SigningProfileTests(new SqliteTarget());

public sealed class SigningProfileTests_Postgres() : SigningProfileTests(new PostgresTarget());
