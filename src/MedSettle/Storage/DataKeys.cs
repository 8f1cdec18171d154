using System.Data.Common;
using System.Globalization;
using Npgsql;
using NpgsqlTypes;
using MedSettle.Privacy;

namespace MedSettle.Storage;

/// <summary>
/// The keys a database has met (table <c>data_keys</c>: id, a fingerprint, when added, when retired), checked against
/// the key ring on every start so that a wrong or incomplete key file stops the program before it writes anything;
/// and the two bulk passes over <c>persons</c>: sealing plaintext (migration 9) and re-encrypting under the newest key
/// (key rotation, which re-seals the filings' phone numbers too: <see cref="FilingPhones"/>).
/// </summary>
public static class DataKeys
{
    public const string LookupId = "lookup";
    public const int BatchSize = 2000;

    private sealed class StoredKey
    {
        public string KeyId { get; set; } = "";
        public string KeyCheck { get; set; } = "";
        public string? RetiredAt { get; set; }
    }

    /// <summary>Loads the database's key ring (creating a key file for a database with no encrypted data yet), checks it and records its keys.</summary>
    public static async Task AttachAsync(UnitOfWork unit)
    {
        var database = unit.Database;
        var stored = (await unit.QueryAsync<StoredKey>("SELECT key_id, key_check, retired_at FROM data_keys")).ToList();
        var ring = database.HasKeys && database.Keys.Source == database.KeySource
            ? database.Keys
            : KeyRing.Load(database.KeySource, mayCreate: stored.Count == 0, Console.Error.WriteLine);

        var lookup = stored.FirstOrDefault(k => k.KeyId == LookupId);
        if (lookup is not null && lookup.KeyCheck != ring.LookupCheck)
            throw new KeyFileProblem($"The lookup key in {ring.Source.Description} is not the one this database was written with; "
                                                + "give the key file this database's personal data was encrypted with.");
        foreach (var key in stored.Where(k => k.KeyId != LookupId))
        {
            var held = ring.Keys.FirstOrDefault(k => k.IdText == key.KeyId);
            if (held is not null && held.Check != key.KeyCheck)
                throw new KeyFileProblem($"Key {key.KeyId} in {ring.Source.Description} is not the key {key.KeyId} this database was written with.");
            if (held is null && key.RetiredAt is null)
                throw new KeyFileProblem($"{ring.Source.Description} lacks key {key.KeyId}, which this database's personal data is still sealed with.");
        }

        var now = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        if (lookup is null)
            await unit.ExecuteAsync("INSERT INTO data_keys (key_id, key_check, added_at) VALUES (@id, @check, @now)", new { id = LookupId, check = ring.LookupCheck, now });
        foreach (var key in ring.Keys.Where(k => stored.All(s => s.KeyId != k.IdText)))
            await unit.ExecuteAsync("INSERT INTO data_keys (key_id, key_check, added_at) VALUES (@id, @check, @now)", new { id = key.IdText, check = key.Check, now });
        database.Keys = ring;
    }

    /// <summary>Migration 9: seals the plaintext name and identity number of every person still stored in the clear.</summary>
    public static async Task SealPlaintextAsync(UnitOfWork unit)
    {
        var ring = unit.Database.Keys;
        var rows = (await unit.QueryAsync<(string, string, string, string, string)>(
            "SELECT insuplc_admdvs, psn_no, insutype, psn_name, certno FROM persons WHERE certno_enc IS NULL")).ToList();
        foreach (var batch in rows.Chunk(BatchSize))
            await StoreAsync(unit, batch.Select(r => new Resealed(r.Item1, r.Item2, r.Item3, ring.SealPerson(r.Item4, r.Item5), null)).ToList());
    }

    private sealed record Resealed(string InsuplcAdmdvs, string PsnNo, string Insutype, SealedPerson Sealed, byte[]? WasCertnoEnc);

    private sealed class SealedRow
    {
        public string InsuplcAdmdvs { get; set; } = "";
        public string PsnNo { get; set; } = "";
        public string Insutype { get; set; } = "";
        public byte[]? PsnNameEnc { get; set; }
        public byte[]? CertnoEnc { get; set; }
    }

    public sealed record Rotation(long Persons, long Reencrypted, string NewestKey, IReadOnlyList<string> Retired, long PhonesResealed);

    /// <summary>
    /// Re-encrypts every person not yet sealed with the newest key, in batches of <see cref="BatchSize"/> (one database
    /// transaction each, so a running server is never held up long, and an interrupted pass can simply run again), then
    /// marks the older keys retired. Values are replaced only if unchanged since read.
    /// </summary>
    public static async Task<Rotation> ReencryptAsync(Database database, IProgress<(long Done, long Total)>? progress, CancellationToken cancel = default)
    {
        var ring = database.Keys;
        var newest = ring.Newest.Id;
        var total = await database.ReadAsync(unit => unit.ScalarAsync<long>("SELECT COUNT(*) FROM persons"), cancel);
        long done = 0, reencrypted = 0;
        (string A, string B, string C) after = ("", "", "");
        while (true)
        {
            cancel.ThrowIfCancellationRequested();
            var (count, changed, last) = await database.WriteAsync(async unit =>
            {
                var rows = (await unit.QueryAsync<SealedRow>(
                    """
                    SELECT insuplc_admdvs, psn_no, insutype, psn_name_enc, certno_enc FROM persons
                    WHERE (insuplc_admdvs, psn_no, insutype) > (@a, @b, @c)
                    ORDER BY insuplc_admdvs, psn_no, insutype LIMIT @limit
                    """, new { a = after.A, b = after.B, c = after.C, limit = BatchSize })).ToList();
                if (rows.Count == 0) return ((0, 0L, after), false);
                var stale = rows.Where(r => r.CertnoEnc is null || PersonalData.KeyIdOf(r.CertnoEnc) != newest
                                                                || r.PsnNameEnc is null || PersonalData.KeyIdOf(r.PsnNameEnc) != newest)
                    .Select(r => new Resealed(r.InsuplcAdmdvs, r.PsnNo, r.Insutype,
                        ring.SealPerson(PersonalData.Open(r.PsnNameEnc), PersonalData.Open(r.CertnoEnc)), r.CertnoEnc))
                    .ToList();
                var stored = stale.Count == 0 ? 0 : await StoreAsync(unit, stale);
                var tail = rows[^1];
                return ((rows.Count, (long)stored, (tail.InsuplcAdmdvs, tail.PsnNo, tail.Insutype)), true);
            }, cancel);
            if (count == 0) break;
            done += count;
            reencrypted += changed;
            after = last;
            progress?.Report((done, Math.Max(total, done)));
        }

        // the filings' phone numbers too: no value may stay sealed with a key about to be retired
        var phones = await FilingPhones.ReencryptAsync(database, cancel);

        var retired = await database.WriteAsync(async unit =>
        {
            var older = (await unit.QueryAsync<string>("SELECT key_id FROM data_keys WHERE key_id <> @lookup AND key_id <> @newest AND retired_at IS NULL",
                new { lookup = LookupId, newest = ring.Newest.IdText })).ToList();
            await unit.ExecuteAsync("UPDATE data_keys SET retired_at = @now WHERE key_id <> @lookup AND key_id <> @newest AND retired_at IS NULL",
                new { now = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture), lookup = LookupId,
                    newest = ring.Newest.IdText });
            return (older, true);
        }, cancel);
        return new Rotation(done, reencrypted, ring.Newest.IdText, retired, phones);
    }

    /// <summary>Writes the sealed columns of a batch of persons (only where certno_enc is still the value read, when one was read).</summary>
    private static async Task<int> StoreAsync(UnitOfWork unit, IReadOnlyList<Resealed> rows)
    {
        if (unit.Connection is NpgsqlConnection pg)
        {
            await using var command = new NpgsqlCommand(
                """
                UPDATE persons p SET psn_name_enc = u.n, certno_enc = u.c, certno_hash = u.h, pd_digest = u.d
                FROM unnest(@a, @b, @t, @n, @c, @h, @d, @o) AS u(a, b, t, n, c, h, d, o)
                WHERE p.insuplc_admdvs = u.a AND p.psn_no = u.b AND p.insutype = u.t AND (u.o IS NULL OR p.certno_enc = u.o)
                """, pg, (NpgsqlTransaction?)unit.Transaction);
            command.Parameters.Add(new NpgsqlParameter("a", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = rows.Select(r => r.InsuplcAdmdvs).ToArray() });
            command.Parameters.Add(new NpgsqlParameter("b", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = rows.Select(r => r.PsnNo).ToArray() });
            command.Parameters.Add(new NpgsqlParameter("t", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = rows.Select(r => r.Insutype).ToArray() });
            command.Parameters.Add(new NpgsqlParameter("n", NpgsqlDbType.Array | NpgsqlDbType.Bytea) { Value = rows.Select(r => r.Sealed.PsnNameEnc).ToArray() });
            command.Parameters.Add(new NpgsqlParameter("c", NpgsqlDbType.Array | NpgsqlDbType.Bytea) { Value = rows.Select(r => r.Sealed.CertnoEnc).ToArray() });
            command.Parameters.Add(new NpgsqlParameter("h", NpgsqlDbType.Array | NpgsqlDbType.Bytea) { Value = rows.Select(r => r.Sealed.CertnoHash).ToArray() });
            command.Parameters.Add(new NpgsqlParameter("d", NpgsqlDbType.Array | NpgsqlDbType.Bytea) { Value = rows.Select(r => r.Sealed.PdDigest).ToArray() });
            command.Parameters.Add(new NpgsqlParameter("o", NpgsqlDbType.Array | NpgsqlDbType.Bytea) { Value = rows.Select(r => (object?)r.WasCertnoEnc ?? DBNull.Value).ToArray() });
            return await command.ExecuteNonQueryAsync();
        }

        await using var update = unit.Connection.CreateCommand();
        update.Transaction = unit.Transaction;
        update.CommandText = """
            UPDATE persons SET psn_name_enc = @n, certno_enc = @c, certno_hash = @h, pd_digest = @d
            WHERE insuplc_admdvs = @a AND psn_no = @b AND insutype = @t AND (@o IS NULL OR certno_enc = @o)
            """;
        var parameters = "abtnchdo".Select(name => Add(update, "@" + name)).ToArray();
        var changed = 0;
        foreach (var r in rows)
        {
            object?[] values = [r.InsuplcAdmdvs, r.PsnNo, r.Insutype, r.Sealed.PsnNameEnc, r.Sealed.CertnoEnc, r.Sealed.CertnoHash, r.Sealed.PdDigest, r.WasCertnoEnc];
            for (var i = 0; i < values.Length; i++) parameters[i].Value = values[i] ?? DBNull.Value;
            changed += await update.ExecuteNonQueryAsync();
        }
        return changed;
    }

    private static DbParameter Add(DbCommand command, string name)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        command.Parameters.Add(parameter);
        return parameter;
    }
}
