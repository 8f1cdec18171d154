using MedSettle.Privacy;

namespace MedSettle.Storage;

/// <summary>
/// The contact phone a filing (2551 <c>tel</c>) may carry is personal data like a name: stored only sealed
/// (<c>filings.tel_enc</c>, AES-256-GCM under the newest key, the format of the persons' sealed columns), opened where a
/// page shows it (<see cref="FilingRow.Tel"/>), sealed from plaintext by migration 20, re-sealed by a key rotation.
/// </summary>
public static class FilingPhones
{
    private sealed class PhoneRow
    {
        public string TrtDclaDetlSn { get; set; } = "";
        public byte[] TelEnc { get; set; } = [];
    }

    /// <summary>What filings.tel_enc stores for a phone number given (null when none was).</summary>
    public static byte[]? Seal(Database database, string? tel) => string.IsNullOrEmpty(tel) ? null : database.Keys.Seal(tel);

    /// <summary>Migration 20: seals every phone number still stored in the clear (the column is dropped after).</summary>
    public static async Task SealPlaintextAsync(UnitOfWork unit)
    {
        var rows = (await unit.QueryAsync<(string Sn, string Tel)>("SELECT trt_dcla_detl_sn, tel FROM filings WHERE tel IS NOT NULL AND tel <> ''")).ToList();
        foreach (var (sn, tel) in rows)
            await unit.ExecuteAsync("UPDATE filings SET tel_enc = @telEnc WHERE trt_dcla_detl_sn = @sn", new { telEnc = Seal(unit.Database, tel), sn });
    }

    /// <summary>
    /// Re-seals under the newest key every phone number sealed with an older one, in batches of <see cref="DataKeys.BatchSize"/>
    /// filings (one database transaction each; a value is replaced only if unchanged since read). Returns how many were re-sealed.
    /// </summary>
    public static async Task<long> ReencryptAsync(Database database, CancellationToken cancel = default)
    {
        var ring = database.Keys;
        var newest = ring.Newest.Id;
        long resealed = 0;
        var after = "";
        while (true)
        {
            cancel.ThrowIfCancellationRequested();
            var (count, changed, last) = await database.WriteAsync(async unit =>
            {
                var rows = (await unit.QueryAsync<PhoneRow>(
                    "SELECT trt_dcla_detl_sn, tel_enc FROM filings WHERE tel_enc IS NOT NULL AND trt_dcla_detl_sn > @after ORDER BY trt_dcla_detl_sn LIMIT @limit",
                    new { after, limit = DataKeys.BatchSize })).ToList();
                if (rows.Count == 0) return ((0, 0L, after), false);
                long stored = 0;
                foreach (var row in rows.Where(r => PersonalData.KeyIdOf(r.TelEnc) != newest))
                    stored += await unit.ExecuteAsync("UPDATE filings SET tel_enc = @telEnc WHERE trt_dcla_detl_sn = @sn AND tel_enc = @was",
                        new { telEnc = ring.Seal(PersonalData.Open(row.TelEnc)), sn = row.TrtDclaDetlSn, was = row.TelEnc });
                return ((rows.Count, stored, rows[^1].TrtDclaDetlSn), true);
            }, cancel);
            if (count == 0) return resealed;
            resealed += changed;
            after = last;
        }
    }
}
