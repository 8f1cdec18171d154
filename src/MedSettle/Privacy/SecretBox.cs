using System.Security.Cryptography;
using System.Text;

namespace MedSettle.Privacy;

/// <summary>
/// Encryption at rest of the few secrets the platform must be able to read back (hospitals' HMAC secrets): AES-256-GCM
/// under a master key that never enters the database. Each ciphertext is bound to its row by associated data and says
/// which key sealed it (<see cref="KeyId"/>), so keys can be rotated: the first key seals, every listed key opens.
/// <para>
/// The key comes from <c>MEDSETTLE_KEY</c> (base64 of 32 bytes; several separated by commas, newest first), else from the
/// file named by <c>MEDSETTLE_KEY_FILE</c>, else from <c>medsettle.key</c> in the user's configuration folder
/// (~/.config/medsettle), created with mode 600 on first use so that one machine's commands and servers agree. Every
/// server sharing a database must hold the same key.
/// </para>
/// </summary>
public sealed class SecretBox
{
    public const string KeyVariable = "MEDSETTLE_KEY", KeyFileVariable = "MEDSETTLE_KEY_FILE";
    private const int NonceBytes = 12, TagBytes = 16;

    private static readonly Lazy<SecretBox> Configured = new(FromEnvironment);
    private readonly (string Id, byte[] Key)[] _keys;

    /// <summary>The box for keys as configured for this process (read once).</summary>
    public static SecretBox Default => Configured.Value;

    public SecretBox(params byte[][] keys)
    {
        if (keys.Length == 0) throw new ArgumentException("at least one key is needed");
        foreach (var key in keys)
            if (key.Length != 32) throw new ArgumentException($"a MedSettle key is 32 bytes (base64 of 32 random bytes), not {key.Length}");
        _keys = keys.Select(k => (Id(k), k)).ToArray();
    }

    /// <summary>The id of the key that seals new secrets: a fingerprint, safe to store and print.</summary>
    public string KeyId => _keys[0].Id;

    /// <summary>Where the key came from, for messages (never the key itself).</summary>
    public string Source { get; private init; } = "explicit";

    public string Seal(string plaintext, string boundTo)
    {
        var nonce = RandomNumberGenerator.GetBytes(NonceBytes);
        var data = Encoding.UTF8.GetBytes(plaintext);
        var sealedBytes = new byte[NonceBytes + data.Length + TagBytes];
        nonce.CopyTo(sealedBytes, 0);
        using var aes = new AesGcm(_keys[0].Key, TagBytes);
        aes.Encrypt(nonce, data, sealedBytes.AsSpan(NonceBytes, data.Length), sealedBytes.AsSpan(NonceBytes + data.Length), Encoding.UTF8.GetBytes(boundTo));
        return Convert.ToBase64String(sealedBytes);
    }

    /// <summary>The plaintext, or null when no key held here sealed it or it was tampered with or moved to another row.</summary>
    public string? Open(string sealedText, string keyId, string boundTo)
    {
        var key = _keys.FirstOrDefault(k => k.Id == keyId).Key;
        if (key is null) return null;
        byte[] bytes;
        try { bytes = Convert.FromBase64String(sealedText); }
        catch (FormatException) { return null; }
        if (bytes.Length < NonceBytes + TagBytes) return null;
        var length = bytes.Length - NonceBytes - TagBytes;
        var plain = new byte[length];
        try
        {
            using var aes = new AesGcm(key, TagBytes);
            aes.Decrypt(bytes.AsSpan(0, NonceBytes), bytes.AsSpan(NonceBytes, length), bytes.AsSpan(NonceBytes + length), plain, Encoding.UTF8.GetBytes(boundTo));
        }
        catch (AuthenticationTagMismatchException)
        {
            return null;
        }
        return Encoding.UTF8.GetString(plain);
    }

    public bool Holds(string keyId) => _keys.Any(k => k.Id == keyId);

    public static SecretBox FromEnvironment()
    {
        var inline = Environment.GetEnvironmentVariable(KeyVariable);
        if (!string.IsNullOrWhiteSpace(inline))
            return new SecretBox(Parse(inline, KeyVariable)) { Source = KeyVariable };
        var file = Environment.GetEnvironmentVariable(KeyFileVariable);
        if (!string.IsNullOrWhiteSpace(file))
            return new SecretBox(Parse(File.ReadAllText(file), file)) { Source = file };
        var path = DefaultKeyFile();
        return new SecretBox(Parse(EnsureKeyFile(path), path)) { Source = path };
    }

    public static string DefaultKeyFile() =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData, Environment.SpecialFolderOption.Create), "medsettle", "medsettle.key");

    public static string NewKeyText() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    private static string EnsureKeyFile(string path)
    {
        if (File.Exists(path)) return File.ReadAllText(path);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var text = NewKeyText() + "\n";
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            using var stream = new FileStream(path, options);
            stream.Write(Encoding.ASCII.GetBytes(text));
            return text;
        }
        catch (IOException) when (File.Exists(path))
        {
            return File.ReadAllText(path); // another process created it first
        }
    }

    private static byte[][] Parse(string text, string source)
    {
        var keys = new List<byte[]>();
        foreach (var part in text.Split([',', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            try { keys.Add(Convert.FromBase64String(part)); }
            catch (FormatException) { throw new InvalidOperationException($"{source}: a MedSettle key is base64 of 32 random bytes (e.g. openssl rand -base64 32)"); }
        }
        if (keys.Count == 0) throw new InvalidOperationException($"{source} holds no key");
        return keys.ToArray();
    }

    private static string Id(byte[] key) =>
        Convert.ToHexStringLower(SHA256.HashData([.. "medsettle-key-id\n"u8, .. key]))[..16];
}
