using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace MedSettle.Privacy;

/// <summary>
/// Where the personal-data keys come from, in this order (the first that is given wins):
/// 1. <c>--key-file PATH</c>; 2. the environment variable <c>MEDSETTLE_DATA_KEY</c> (the text of a key file; lines may
/// be separated by <c>;</c>); 3. the default key file: <c>PATH.keys</c> beside a SQLite database, or
/// <c>DATA_DIR/NAME.keys</c> for a PostgreSQL database NAME, DATA_DIR being <c>MEDSETTLE_DATA_DIR</c> or
/// <c>~/.local/share/medsettle</c>. A missing key file is created on first start, and only for a database that holds
/// no encrypted data yet.
/// </summary>
public sealed record KeySource(string? FilePath, string? Text)
{
    public const string Variable = "MEDSETTLE_DATA_KEY";
    public const string DataDirVariable = "MEDSETTLE_DATA_DIR";

    /// <summary>Safe to print: where the keys come from, never the keys.</summary>
    public string Description => FilePath is not null ? $"key file {FilePath}" : $"environment variable {Variable}";

    public static KeySource Resolve(string? keyFile, string databaseValue)
    {
        if (!string.IsNullOrWhiteSpace(keyFile)) return new KeySource(Path.GetFullPath(keyFile), null);
        var fromEnvironment = Environment.GetEnvironmentVariable(Variable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment)) return new KeySource(null, fromEnvironment);
        return new KeySource(DefaultFile(databaseValue), null);
    }

    public static string DefaultFile(string databaseValue)
    {
        if (databaseValue.StartsWith("sqlite:", StringComparison.Ordinal))
            return Path.GetFullPath(databaseValue["sqlite:".Length..]) + ".keys";
        var dataDir = Environment.GetEnvironmentVariable(DataDirVariable);
        if (string.IsNullOrWhiteSpace(dataDir))
            dataDir = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "medsettle");
        var name = new Npgsql.NpgsqlConnectionStringBuilder(databaseValue["postgres:".Length..]).Database ?? "postgres";
        return Path.Combine(dataDir, name + ".keys");
    }
}

/// <summary>One AES-256-GCM key, known by a random 4-byte id that every value sealed with it starts with.</summary>
public sealed class DataKey : IDisposable
{
    private readonly byte[] _key;
    private readonly ThreadLocal<AesGcm> _cipher;

    public DataKey(uint id, byte[] key, string addedAt)
    {
        if (key.Length != 32) throw new KeyFileProblem($"personal-data key {id:x8} must be 32 bytes (base64 of 32 random bytes)");
        Id = id;
        _key = key;
        AddedAt = addedAt;
        _cipher = new ThreadLocal<AesGcm>(() => new AesGcm(_key, PersonalData.TagSize));
    }

    public uint Id { get; }
    public string IdText => Id.ToString("x8", CultureInfo.InvariantCulture);
    public string AddedAt { get; }

    /// <summary>A short fingerprint stored in the database, so a wrong key file is noticed before it is used.</summary>
    public string Check => Convert.ToHexStringLower(HMACSHA256.HashData(_key, "medsettle key check"u8)[..8]);

    internal bool SameMaterial(DataKey other) => CryptographicOperations.FixedTimeEquals(_key, other._key);

    internal string KeyText => Convert.ToBase64String(_key);

    /// <summary>[key id 4][nonce 12][ciphertext][tag 16]; a fresh random nonce for every value.</summary>
    public byte[] Seal(ReadOnlySpan<byte> plaintext)
    {
        var sealed_ = new byte[PersonalData.Overhead + plaintext.Length];
        var span = sealed_.AsSpan();
        BinaryPrimitives.WriteUInt32BigEndian(span, Id);
        var nonce = span.Slice(4, PersonalData.NonceSize);
        RandomNumberGenerator.Fill(nonce);
        _cipher.Value!.Encrypt(nonce, plaintext, span.Slice(4 + PersonalData.NonceSize, plaintext.Length), span[^PersonalData.TagSize..]);
        return sealed_;
    }

    public string Open(ReadOnlySpan<byte> sealed_)
    {
        var length = sealed_.Length - PersonalData.Overhead;
        Span<byte> plain = length <= 256 ? stackalloc byte[length] : new byte[length];
        _cipher.Value!.Decrypt(sealed_.Slice(4, PersonalData.NonceSize), sealed_.Slice(4 + PersonalData.NonceSize, length), sealed_[^PersonalData.TagSize..], plain);
        return Encoding.UTF8.GetString(plain);
    }

    public void Dispose() => _cipher.Dispose();
}

/// <summary>
/// The personal-data keys given (--key-file, MEDSETTLE_DATA_KEY or the default file) do not fit the database: an
/// operator's mistake, not a fault, so the command line prints the message alone and answers 2.
/// </summary>
public sealed class KeyFileProblem(string message) : InvalidOperationException(message);

/// <summary>
/// The keys of one database: every encryption key it may meet (the newest seals new values; older ones only open) and
/// the lookup key for the keyed hash of identity numbers. The lookup key never rotates: the indexed hashes stay valid
/// across key rotations, which re-encrypt values but never recompute hashes.
/// </summary>
public sealed class KeyRing
{
    private readonly byte[] _lookupKey;
    private readonly ThreadLocal<IncrementalHash> _lookup;

    private KeyRing(KeySource source, byte[] lookupKey, IReadOnlyList<DataKey> keys)
    {
        if (keys.Count == 0) throw new KeyFileProblem($"{source.Description} holds no \"key\" line");
        if (lookupKey.Length != 32) throw new KeyFileProblem($"{source.Description}: the lookup key must be 32 bytes (base64 of 32 random bytes)");
        Source = source;
        _lookupKey = lookupKey;
        Keys = keys;
        _lookup = new ThreadLocal<IncrementalHash>(() => IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _lookupKey));
        PersonalData.Register(this);
    }

    public KeySource Source { get; }
    public IReadOnlyList<DataKey> Keys { get; }
    public DataKey Newest => Keys[^1];

    public string LookupCheck => Convert.ToHexStringLower(HMACSHA256.HashData(_lookupKey, "medsettle lookup check"u8)[..8]);

    /// <summary>Encrypts with the newest key.</summary>
    public byte[] Seal(string value)
    {
        var count = Encoding.UTF8.GetByteCount(value);
        Span<byte> bytes = count <= 256 ? stackalloc byte[count] : new byte[count];
        Encoding.UTF8.GetBytes(value, bytes);
        return Newest.Seal(bytes);
    }

    /// <summary>HMAC-SHA256 of the identity number (trimmed, upper case) under the lookup key: what persons.certno_hash holds.</summary>
    public byte[] Lookup(string certno)
    {
        var hash = new byte[32];
        Hash("c\n"u8, certno.Trim().ToUpperInvariant(), null, hash);
        return hash;
    }

    /// <summary>A keyed digest of name and identity number together, so an import can tell a changed person without decrypting.</summary>
    public byte[] Digest(string name, string certno)
    {
        Span<byte> hash = stackalloc byte[32];
        Hash("d\n"u8, name, certno.Trim().ToUpperInvariant(), hash);
        return hash[..16].ToArray();
    }

    /// <summary>Everything persons stores about a name and identity number: the two sealed values, the lookup hash and the digest.</summary>
    public SealedPerson SealPerson(string name, string certno) =>
        new(Seal(name), Seal(certno), Lookup(certno), Digest(name, certno));

    private void Hash(ReadOnlySpan<byte> domain, string first, string? second, Span<byte> destination)
    {
        var hmac = _lookup.Value!;
        Span<byte> buffer = stackalloc byte[256];
        hmac.AppendData(domain);
        Append(hmac, first, buffer);
        if (second is not null)
        {
            hmac.AppendData("\n"u8);
            Append(hmac, second, buffer);
        }
        hmac.GetHashAndReset(destination);
    }

    private static void Append(IncrementalHash hmac, string text, Span<byte> buffer)
    {
        if (Encoding.UTF8.GetMaxByteCount(text.Length) <= buffer.Length)
            hmac.AppendData(buffer[..Encoding.UTF8.GetBytes(text, buffer)]);
        else
            hmac.AppendData(Encoding.UTF8.GetBytes(text));
    }

    // ---- the key file ----

    /// <summary>Reads the keys from their source; a missing key file is created when <paramref name="mayCreate"/>.</summary>
    public static KeyRing Load(KeySource source, bool mayCreate, Action<string>? say = null)
    {
        // The variable holds the key file's text, or its lines joined by ';' (the file's own comments hold ';', so only a single line is split)
        if (source.Text is not null) return Parse(source, source.Text.Contains('\n') ? source.Text : source.Text.Replace(';', '\n'));
        var path = source.FilePath!;
        if (!File.Exists(path))
        {
            if (!mayCreate)
                throw new KeyFileProblem($"The personal-data key file {path} does not exist, but the database already holds encrypted personal data. "
                                                    + $"Give the key file the data was encrypted with (--key-file PATH or {KeySource.Variable}).");
            Write(path, RandomNumberGenerator.GetBytes(32), [NewKey()]);
            say?.Invoke($"Created a new personal-data key file at {path}. Back it up with the database: without it the stored names and identity numbers cannot be read.");
        }
        return Parse(source, File.ReadAllText(path));
    }

    /// <summary>Adds a new newest key to the key file, keeping every older one; returns the ring with it.</summary>
    public KeyRing WithNewKey()
    {
        if (Source.FilePath is null)
            throw new KeyFileProblem($"The keys come from {KeySource.Variable}; rotate with --key-file PATH, then put that file's text into {KeySource.Variable}.");
        Write(Source.FilePath, _lookupKey, [.. Keys, NewKey()]);
        return Load(Source, mayCreate: false);
    }

    private static DataKey NewKey() =>
        new(BinaryPrimitives.ReadUInt32BigEndian(RandomNumberGenerator.GetBytes(4)), RandomNumberGenerator.GetBytes(32),
            DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));

    private static KeyRing Parse(KeySource source, string text)
    {
        byte[]? lookup = null;
        var keys = new List<DataKey>();
        var number = 0;
        foreach (var raw in text.Split('\n'))
        {
            number++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            try
            {
                if (parts is ["lookup", var secret]) lookup = Convert.FromBase64String(secret);
                else if (parts is ["key", var id, var secretKey, ..] && uint.TryParse(id, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var keyId))
                    keys.Add(new DataKey(keyId, Convert.FromBase64String(secretKey), parts.Length > 3 ? parts[3] : ""));
                else throw new FormatException();
            }
            catch (FormatException)
            {
                throw new KeyFileProblem($"{source.Description}, line {number}: expected \"lookup BASE64\" or \"key HEXID BASE64 [ADDED]\"");
            }
        }
        return new KeyRing(source, lookup ?? throw new KeyFileProblem($"{source.Description} holds no \"lookup\" line"), keys);
    }

    private static void Write(string path, byte[] lookupKey, IReadOnlyList<DataKey> keys)
    {
        var text = new StringBuilder()
            .AppendLine("# MedSettle personal-data keys (AES-256-GCM). Secret: readable by the service account only; back it up with the database.")
            .AppendLine("# \"lookup\" keys the hash that finds a person by identity number and never changes. The last \"key\" seals new values;")
            .AppendLine("# older keys only open what they sealed: keep them while any database or backup may still hold such values.")
            .AppendLine(CultureInfo.InvariantCulture, $"lookup {Convert.ToBase64String(lookupKey)}");
        foreach (var key in keys) text.AppendLine(CultureInfo.InvariantCulture, $"key {key.IdText} {key.KeyText} {key.AddedAt}");
        var directory = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(temporary, options))
        using (var writer = new StreamWriter(stream, new UTF8Encoding(false)))
            writer.Write(text.ToString());
        File.Move(temporary, path, overwrite: true);
    }
}

/// <summary>What persons stores for a name and an identity number.</summary>
public sealed record SealedPerson(byte[] PsnNameEnc, byte[] CertnoEnc, byte[] CertnoHash, byte[] PdDigest);

/// <summary>
/// Opening sealed values anywhere in the process: every key ring loaded registers its keys here by id (random ids, so
/// several databases with their own keys can share a process). A value sealed with a key this process has not seen
/// yet (a rotation by another process) makes it read its key files again once.
/// </summary>
public static class PersonalData
{
    public const int NonceSize = 12;
    public const int TagSize = 16;
    public const int Overhead = 4 + NonceSize + TagSize;

    private static readonly ConcurrentDictionary<uint, DataKey> Known = new();
    private static readonly ConcurrentDictionary<string, KeySource> Sources = new();
    private static readonly Lock Reloading = new();

    internal static void Register(KeyRing ring)
    {
        foreach (var key in ring.Keys)
        {
            var known = Known.GetOrAdd(key.Id, key);
            if (!ReferenceEquals(known, key) && !known.SameMaterial(key))
                throw new KeyFileProblem($"two different personal-data keys share the id {key.IdText}; give one of them a new id");
        }
        if (ring.Source.FilePath is not null) Sources.TryAdd(ring.Source.FilePath, ring.Source);
    }

    /// <summary>The plaintext of a sealed value (null or empty gives ""). Throws when the key is unknown or the value was tampered with.</summary>
    public static string Open(byte[]? sealed_)
    {
        if (sealed_ is null || sealed_.Length == 0) return "";
        if (sealed_.Length < Overhead) throw new CryptographicException("a sealed personal-data value is too short");
        var id = BinaryPrimitives.ReadUInt32BigEndian(sealed_);
        if (!Known.TryGetValue(id, out var key))
        {
            lock (Reloading)
            {
                // every key file this process has read, again; one that is gone or unreadable now (another database's,
                // removed since) is passed over: the key sought may be in another
                if (!Known.ContainsKey(id))
                    foreach (var source in Sources.Values)
                        try { KeyRing.Load(source, mayCreate: false); } catch (IOException) { } catch (InvalidDataException) { } catch (KeyFileProblem) { }
            }
            if (!Known.TryGetValue(id, out key))
                throw new CryptographicException($"personal data sealed with key {id:x8}, which no loaded key file holds");
        }
        return key.Open(sealed_);
    }

    /// <summary>The id of the key a sealed value was sealed with.</summary>
    public static uint KeyIdOf(byte[] sealed_) => BinaryPrimitives.ReadUInt32BigEndian(sealed_);
}
