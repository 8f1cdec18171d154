using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using MedSettle.Storage;
using MedSettle.Privacy;

namespace MedSettle.Transactions;

/// <summary>
/// How a hospital's requests are signed, chosen per credential (see <see cref="HospitalSignature"/>): <c>hmac</c>,
/// MedSettle's own and the strongest (the signature covers the body); <c>tif</c>, the national gateway's x-tif headers
/// (SHA-256 over timestamp, token and nonce); <c>csb</c>, the CSB gateway's <c>_api_*</c> headers (HmacSHA1);
/// <c>sm</c>, Jilin's deployment (bearer token, SM3withSM2-signed and SM4-encrypted input).
/// </summary>
public enum SigningScheme { Hmac, Tif, Csb, Sm }

/// <summary>A hospital's credentials for the transaction API: shown once when issued.</summary>
public sealed record HospitalCredential(string Paasid, string FixmedinsCode, string Secret, SigningScheme Scheme = SigningScheme.Hmac,
    string? Sm2PublicKey = null, string? Sm2PrivateKey = null);

/// <summary>
/// Issues and looks up hospitals' credentials (x-tif-paasid and the HMAC secret). The platform must hold the secret
/// itself to check an HMAC, so it is stored sealed by <see cref="SecretBox"/> (AES-256-GCM, key outside the database),
/// bound to its paasid and hospital. Issuing again rotates: the hospital's earlier credentials are revoked at once.
/// </summary>
public static class HospitalCredentials
{
    private sealed class Row
    {
        public string Paasid { get; set; } = "";
        public string FixmedinsCode { get; set; } = "";
        public string SecretEnc { get; set; } = "";
        public string KeyId { get; set; } = "";
        public string? RevokedAt { get; set; }
        public string Scheme { get; set; } = "hmac";
        public string? Sm2PublicKey { get; set; }
    }

    /// <summary>The scheme's name as the command line and the database spell it.</summary>
    public static string Name(this SigningScheme scheme) => scheme.ToString().ToLowerInvariant();

    public static SigningScheme? ParseScheme(string? text) =>
        Enum.GetValues<SigningScheme>().Cast<SigningScheme?>().FirstOrDefault(s => s!.Value.Name() == text?.Trim().ToLowerInvariant());

    /// <summary>What a request's paasid stands for: the hospital and its secret, or why it cannot be used.</summary>
    public sealed record Lookup(string? FixmedinsCode, string? Secret, string? Problem, bool KeyMissing = false, SigningScheme Scheme = SigningScheme.Hmac,
        string? Sm2PublicKey = null);

    /// <summary>New credentials for the hospital, revoking any it had; refused (ArgumentException) for an unknown hospital.</summary>
    public static async Task<HospitalCredential> IssueAsync(Database database, string fixmedinsCode, DateTime now, SecretBox? box = null,
        SigningScheme scheme = SigningScheme.Hmac, string? sm2PublicKey = null)
    {
        box ??= SecretBox.Default;
        var issued = await database.WriteAsync(async unit =>
        {
            var known = await unit.FirstOrDefaultAsync<string>(
                "SELECT fixmedins_code FROM hospitals WHERE fixmedins_code = @fixmedinsCode" + unit.ForUpdate, new { fixmedinsCode });
            if (known is null) throw new ArgumentException($"no hospital with fixmedins_code {fixmedinsCode} (import the hospitals first)");
            var credential = New(fixmedinsCode, scheme, sm2PublicKey);
            await RevokeAndInsertAsync(unit, credential, box, now);
            return (credential, true);
        });
        // This process stops honouring the old credentials at once; other servers within CacheFor.
        if (Recent.TryGetValue(database, out var recent)) recent.Clear();
        return issued;
    }

    /// <summary>
    /// The hospital's credentials in force, issuing them if it has none. For the platform's own tools that hold the
    /// database and the key (load driver, demo): a hospital never gets its secret this way.
    /// </summary>
    public static async Task<HospitalCredential> CurrentOrIssueAsync(Database database, string fixmedinsCode, DateTime now, SecretBox? box = null)
    {
        box ??= SecretBox.Default;
        var current = await database.ReadAsync(unit => unit.QueryAsync<Row>(
            "SELECT * FROM hospital_credentials WHERE fixmedins_code = @fixmedinsCode AND revoked_at IS NULL", new { fixmedinsCode }));
        foreach (var row in current)
            if (box.Open(row.SecretEnc, row.KeyId, Binding(row.Paasid, row.FixmedinsCode)) is { } secret)
                return new HospitalCredential(row.Paasid, row.FixmedinsCode, secret, ParseScheme(row.Scheme) ?? SigningScheme.Hmac);
        return await IssueAsync(database, fixmedinsCode, now, box);
    }

    /// <summary>
    /// How long a server goes on trusting credentials it has looked up without asking the database again. Every request
    /// is signed, so without this each one would read its credential. Issuing through this process forgets them at once;
    /// a rotation or revocation made elsewhere (the CLI, another server) takes effect here within this time.
    /// </summary>
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(5);

    private sealed record Remembered(Lookup Found, SecretBox Box, DateTimeOffset Until);

    private static readonly ConditionalWeakTable<Database, ConcurrentDictionary<string, Remembered>> Recent = new();

    /// <summary>The credential behind <paramref name="paasid"/>, from the last <see cref="CacheFor"/> or the database. Only usable ones are remembered.</summary>
    public static async Task<Lookup> FindRecentAsync(Database database, string paasid, SecretBox box, DateTimeOffset now, CancellationToken cancel)
    {
        var recent = Recent.GetValue(database, _ => new ConcurrentDictionary<string, Remembered>(StringComparer.Ordinal));
        if (recent.TryGetValue(paasid, out var remembered) && remembered.Box == box && now < remembered.Until && now >= remembered.Until - CacheFor)
            return remembered.Found;
        var found = await database.ReadOnceAsync(unit => FindAsync(unit, paasid, box), cancel);
        if (found.Secret is not null) recent[paasid] = new Remembered(found, box, now + CacheFor);
        else recent.TryRemove(paasid, out _);
        return found;
    }

    public static async Task<Lookup> FindAsync(UnitOfWork unit, string paasid, SecretBox box)
    {
        var row = await unit.FirstOrDefaultAsync<Row>("SELECT * FROM hospital_credentials WHERE paasid = @paasid", new { paasid });
        if (row is null) return new Lookup(null, null, $"x-tif-paasid {paasid} 未在平台登记，请使用平台签发的凭证（medsettle hospital credentials）");
        if (row.RevokedAt is not null)
            return new Lookup(null, null, $"x-tif-paasid {paasid} 已于 {row.RevokedAt} 停用（凭证已轮换），请使用新签发的凭证");
        var secret = box.Open(row.SecretEnc, row.KeyId, Binding(row.Paasid, row.FixmedinsCode));
        return secret is null
            ? new Lookup(null, null, $"credential {paasid} is sealed under key {row.KeyId}, which this server does not hold ({box.Source})", KeyMissing: true)
            : ParseScheme(row.Scheme) is { } scheme
                ? new Lookup(row.FixmedinsCode, secret, null, Scheme: scheme, Sm2PublicKey: row.Sm2PublicKey)
                : new Lookup(null, null, $"credential {paasid} has an unknown signing scheme {row.Scheme}", KeyMissing: true);
    }

    private static async Task RevokeAndInsertAsync(UnitOfWork unit, HospitalCredential credential, SecretBox box, DateTime now)
    {
        await unit.ExecuteAsync("UPDATE hospital_credentials SET revoked_at = @now WHERE fixmedins_code = @fixmedinsCode AND revoked_at IS NULL",
            new { now = now.ToText(), fixmedinsCode = credential.FixmedinsCode });
        await unit.ExecuteAsync(
            """
            INSERT INTO hospital_credentials (paasid, fixmedins_code, secret_enc, key_id, created_at, scheme, sm2_public_key)
            VALUES (@paasid, @fixmedinsCode, @secretEnc, @keyId, @now, @scheme, @sm2PublicKey)
            """,
            new
            {
                paasid = credential.Paasid, fixmedinsCode = credential.FixmedinsCode, keyId = box.KeyId, now = now.ToText(), scheme = credential.Scheme.Name(), sm2PublicKey = credential.Sm2PublicKey,
                secretEnc = box.Seal(credential.Secret, Binding(credential.Paasid, credential.FixmedinsCode)),
            });
    }

    /// <summary>
    /// New credentials. For sm the paasid is the OAuth client id, whose 16 ASCII characters are also the SM4 key of the
    /// Jilin deployment (up to 10 characters of the hospital's code, then random hex digits), and an SM2 key pair is made unless the hospital gave its public key.
    /// </summary>
    private static HospitalCredential New(string fixmedinsCode, SigningScheme scheme, string? sm2PublicKey)
    {
        var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        if (scheme != SigningScheme.Sm)
            return new($"{fixmedinsCode}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5))}", fixmedinsCode, secret, scheme);
        var clientId = (fixmedinsCode[..Math.Min(fixmedinsCode.Length, 10)] + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)))[..JilinGateway.ClientIdLength];
        if (sm2PublicKey is not null) return new(clientId, fixmedinsCode, secret, scheme, JilinGateway.CheckPublicKey(sm2PublicKey));
        var (publicKey, privateKey) = JilinGateway.NewKeyPair();
        return new(clientId, fixmedinsCode, secret, scheme, publicKey, privateKey);
    }

    private static string Binding(string paasid, string fixmedinsCode) => $"hospital_credentials\n{paasid}\n{fixmedinsCode}";
}
