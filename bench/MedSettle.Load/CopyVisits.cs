using System.Diagnostics;
using System.Globalization;
using Npgsql;
using NpgsqlTypes;

namespace MedSettle.Load;

/// <summary>
/// Copies of visits prepared through the API, made in SQL (see <see cref="Prepare"/>): each copy takes a template's
/// hospital, dates, diagnosis and graded fee lines, and gets its own person (from outside the hospital's region), its
/// own filing and its own ids. Every other column is copied as it is, whatever the schema holds.
/// </summary>
public static class CopyVisits
{
    private const int Chunk = 5_000;

    public static async Task<List<PreparedVisit>> MakeAsync(string connectionString, List<PreparedVisit> templates, List<Person> persons, Random random)
    {
        var watch = Stopwatch.StartNew();
        var byRegion = new Dictionary<string, PreparedVisit[]>();
        var copies = new List<PreparedVisit>(persons.Count);
        var templateIds = new List<string>(persons.Count);
        var stamp = DateTime.UtcNow.ToString("yyMMddHHmmss", CultureInfo.InvariantCulture);
        for (var i = 0; i < persons.Count; i++)
        {
            var person = persons[i];
            if (!byRegion.TryGetValue(person.Admdvs, out var elsewhere))
                byRegion[person.Admdvs] = elsewhere = templates.Where(t => t.HospitalAdmdvs != person.Admdvs).ToArray();
            if (elsewhere.Length == 0) continue;
            var template = elsewhere[random.Next(elsewhere.Length)];
            // The platform's id shape (prefix, region, time, node (3), sequence (7)) with nodes 990-999 for copies: no server leases those before 990 others.
            var sequence = i.ToString("D8", CultureInfo.InvariantCulture);
            copies.Add(template with
            {
                MdtrtId = $"M{template.HospitalAdmdvs}{stamp}99{sequence}",
                PsnNo = person.PsnNo,
                Insutype = person.Insutype,
                InsuplcAdmdvs = person.Admdvs,
            });
            templateIds.Add(template.MdtrtId);
        }

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        for (var start = 0; start < copies.Count; start += Chunk)
        {
            var chunk = copies.GetRange(start, Math.Min(Chunk, copies.Count - start));
            await using var transaction = await connection.BeginTransactionAsync();
            await using var command = new NpgsqlCommand(
                """
                WITH u AS (
                    SELECT * FROM unnest(@ids, @psn, @insutype, @template) AS u(mdtrt_id, psn_no, insutype, template)),
                c AS (
                    SELECT u.*, p.insuplc_admdvs, t AS visit, f AS filing, 'F' || substr(u.mdtrt_id, 2) AS sn
                    FROM u JOIN persons p ON p.psn_no = u.psn_no AND p.insutype = u.insutype
                    JOIN visits t ON t.mdtrt_id = u.template
                    JOIN filings f ON f.trt_dcla_detl_sn = t.trt_dcla_detl_sn),
                filed AS (
                    INSERT INTO filings SELECT (jsonb_populate_record(filing, jsonb_build_object(
                        'trt_dcla_detl_sn', sn, 'insuplc_admdvs', insuplc_admdvs, 'psn_no', psn_no, 'insutype', insutype))).* FROM c),
                visited AS (
                    INSERT INTO visits SELECT (jsonb_populate_record(visit, jsonb_build_object(
                        'mdtrt_id', mdtrt_id, 'insuplc_admdvs', insuplc_admdvs, 'psn_no', psn_no, 'insutype', insutype,
                        'ipt_otp_no', mdtrt_id, 'trt_dcla_detl_sn', sn))).* FROM c)
                INSERT INTO fee_lines SELECT (jsonb_populate_record(l, jsonb_build_object('mdtrt_id', c.mdtrt_id))).*
                FROM c JOIN fee_lines l ON l.mdtrt_id = c.template AND l.withdrawn_at IS NULL
                """, connection, transaction);
            command.Parameters.Add(new NpgsqlParameter("ids", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = chunk.Select(c => c.MdtrtId).ToArray() });
            command.Parameters.Add(new NpgsqlParameter("psn", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = chunk.Select(c => c.PsnNo).ToArray() });
            command.Parameters.Add(new NpgsqlParameter("insutype", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = chunk.Select(c => c.Insutype).ToArray() });
            command.Parameters.Add(new NpgsqlParameter("template", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = templateIds.GetRange(start, chunk.Count).ToArray() });
            command.CommandTimeout = 600;
            await command.ExecuteNonQueryAsync();
            await transaction.CommitAsync();
            Output.Progress($"prepare: {Math.Min(start + Chunk, copies.Count):N0}/{copies.Count:N0} visits copied in SQL");
        }
        await using (var analyze = new NpgsqlCommand("ANALYZE filings; ANALYZE visits; ANALYZE fee_lines", connection))
            await analyze.ExecuteNonQueryAsync();
        Output.Progress($"prepare: {copies.Count:N0} copies in {watch.Elapsed.TotalSeconds:0.0} s");
        return copies;
    }
}
