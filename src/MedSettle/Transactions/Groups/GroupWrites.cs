using System.Collections.Concurrent;
using System.Globalization;
using System.Text.RegularExpressions;
using MedSettle.Engine;
using Npgsql;
using NpgsqlTypes;
using static MedSettle.Transactions.Groups.GroupSql;
using MedSettle.Storage;

namespace MedSettle.Transactions.Groups;

/// <summary>
/// The group's writes and its commit in one round trip: the same rows and moves <see cref="Settle.SettleAsync"/>
/// makes one at a time. A msgid stored meanwhile by another request breaks the messages key, and the whole group
/// is rolled back and tried again.
/// </summary>
internal static class GroupWrites
{
    public static async Task WriteAndCommitAsync(NpgsqlConnection connection, List<(GroupRequest Request, string Response, Settle.Decided Decided)> settled,
        List<HospitalSignature.Nonce> nonces, long now)
    {
        var writes = new Writes();
        if (nonces.Count > 0)
        {
            // Every answered request's nonce: a copy racing it in another group breaks the key, and that group tries again.
            writes.Add("INSERT INTO request_nonces (paasid, nonce, expires_at) SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[])",
                Text(nonces.Select(n => n.Paasid)), Text(nonces.Select(n => n.Value)), Long(nonces.Select(n => n.ExpiresAt)));
            if (HospitalSignature.ShouldPrune(nonces.Count)) writes.Add("DELETE FROM request_nonces WHERE expires_at < $1", new NpgsqlParameter { Value = now });
        }
        if (settled.Count > 0) AddSettlements(writes, settled);
        await using var batch = new NpgsqlBatch(connection);
        Add(batch, writes.Sql, [.. writes.Parameters]);
        Add(batch, "COMMIT");
        await batch.ExecuteNonQueryAsync();
    }

    private static void AddSettlements(Writes writes, List<(GroupRequest Request, string Response, Settle.Decided Decided)> settled)
    {
        var rows = settled.Select(s => s.Decided.Row).ToList();
        writes.Add("""
            INSERT INTO messages (fixmedins_code, msgid, infno, input_hash, state, subject, response, received_at)
            SELECT c, m, i, h, 'done', s, r, t FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
                AS u(c, m, i, h, s, r, t)
            """,
            Text(settled.Select(s => s.Request.Caller.FixmedinsCode)), Text(settled.Select(s => s.Request.Caller.Msgid)),
            Text(settled.Select(s => s.Request.Kind.Infno)), Text(settled.Select(s => s.Request.InputHash)),
            Text(rows.Select(r => r.SetlId)), Text(settled.Select(s => StoredResponses.Redact(s.Response))), Text(settled.Select(s => s.Request.Received.ToText())));
        // Each row takes its visit's open bill, read under the persons' locks: no fee line is written (see Bills).
        // Rows, years and balances are rendered from SettlementEffects' column lists, as the single path writes them.
        var effects = settled.Select(s => s.Decided.Effects).ToList();
        writes.Add(InsertSettlementsSql,
            [.. SettlementEffects.SettlementColumns.Select(c => Array(c.Type, rows.Select(c.Value)))]);
        writes.Add(AddToYearsSql,
            [
                Text(effects.Select(e => e.Person.InsuplcAdmdvs)), Text(effects.Select(e => e.Person.PsnNo)), Text(effects.Select(e => e.Person.Insutype)),
                Int(effects.Select(e => e.Year)),
                .. SettlementEffects.YearColumns.Select(c => Long(effects.Select(c.Delta))),
            ]);
        // a settlement of one charge batch moves the bill's other lines on to the next bill, as SettlementEffects.WriteAsync does
        var batches = rows.Where(r => r is { Kind: "settle", ChrgBchno: not null }).ToList();
        if (batches.Count > 0)
            writes.Add("""
                UPDATE fee_lines f SET bill_no = f.bill_no + 1
                FROM unnest($1::text[], $2::bigint[], $3::text[]) AS u(mdtrt_id, bill_no, chrg_bchno)
                WHERE f.mdtrt_id = u.mdtrt_id AND f.bill_no = u.bill_no AND f.chrg_bchno <> u.chrg_bchno
                """,
                Text(batches.Select(r => r.MdtrtId)), Long(batches.Select(r => r.BillNo!.Value)), Text(batches.Select(r => r.ChrgBchno)));
        var spent = effects.Where(e => e.Effect.AccountSpent != 0).ToList();
        if (spent.Count > 0)
            writes.Add("""
                UPDATE persons p SET acct_balc_fen = p.acct_balc_fen - u.spent
                FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[]) AS u(insuplc_admdvs, psn_no, insutype, spent)
                WHERE p.insuplc_admdvs = u.insuplc_admdvs AND p.psn_no = u.psn_no AND p.insutype = u.insutype
                """,
                Text(spent.Select(e => e.Person.InsuplcAdmdvs)), Text(spent.Select(e => e.Person.PsnNo)), Text(spent.Select(e => e.Person.Insutype)),
                Long(spent.Select(e => Money.ToFen(e.Effect.AccountSpent))));
        // the answers carry name and identity number: one audit row each, in the same batch and transaction
        writes.Add("""
            INSERT INTO personal_data_reads (read_at, channel, actor, fixmedins_code, insuplc_admdvs, psn_no, source, purpose, reference)
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
            """,
            Text(settled.Select(s => s.Request.Received.ToText())), Text(settled.Select(s => s.Request.Caller.Channel)),
            Text(settled.Select(s => s.Request.Caller.Actor)), Text(settled.Select(s => s.Request.Caller.FixmedinsCode)),
            Text(effects.Select(e => e.Person.InsuplcAdmdvs)), Text(effects.Select(e => e.Person.PsnNo)),
            Text(settled.Select(s => $"{s.Request.Kind.Infno} {s.Request.Kind.Name}")),
            Text(settled.Select(s => PersonalDataReads.Transactions[s.Request.Kind.Infno])), Text(settled.Select(s => s.Request.Caller.Msgid)));
    }

    private static readonly string InsertSettlementsSql =
        $"INSERT INTO settlements ({SettlementEffects.InsertSettlementColumns}) SELECT * FROM unnest("
        + string.Join(", ", SettlementEffects.SettlementColumns.Select((c, i) => $"${i + 1}::{SqlType(c.Type)}[]")) + ")";

    private static readonly string AddToYearsSql = SettlementEffects.AddToYearSql(
        "SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], "
        + string.Join(", ", SettlementEffects.YearColumns.Select((_, i) => $"${i + 5}::bigint[]")) + ")");

    private static string SqlType(SettlementEffects.ColumnType type) => type switch
    {
        SettlementEffects.ColumnType.Text => "text",
        SettlementEffects.ColumnType.Int => "int",
        _ => "bigint",
    };

    private static NpgsqlParameter Array(SettlementEffects.ColumnType type, IEnumerable<object?> values) => type switch
    {
        SettlementEffects.ColumnType.Text => Text(values.Cast<string?>()),
        SettlementEffects.ColumnType.Int => Int(values.Cast<int>()),
        SettlementEffects.ColumnType.Long => Long(values.Cast<long>()),
        _ => new NpgsqlParameter { Value = values.Cast<long?>().ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint },
    };

    /// <summary>
    /// The group's writes as one statement, <c>WITH w0 AS (…), w1 AS (…) SELECT 1</c>: one round of the protocol and
    /// one executor instead of one per table. They all see the same snapshot, so none may depend on another's rows,
    /// and a group's never do (one request per person, visit, msgid and nonce: each row is written once).
    /// </summary>
    private sealed class Writes
    {
        private readonly List<string> _parts = [];

        public List<NpgsqlParameter> Parameters { get; } = [];

        /// <summary>Adds a statement written with its own $1…$n.</summary>
        public void Add(string sql, params NpgsqlParameter[] parameters)
        {
            _parts.Add(Renumbered.GetOrAdd((sql, Parameters.Count), key => Placeholder.Replace(key.Sql,
                m => "$" + (int.Parse(m.Groups[1].ValueSpan, CultureInfo.InvariantCulture) + key.Offset).ToString(CultureInfo.InvariantCulture))));
            Parameters.AddRange(parameters);
        }

        public string Sql => "WITH " + string.Join(",\n", _parts.Select((part, i) => $"w{i} AS (\n{part}\n)")) + "\nSELECT 1";

        private static readonly Regex Placeholder = new(@"\$(\d+)", RegexOptions.Compiled);

        /// <summary>Each statement renumbered once per offset it is met at (a handful: the group's writes come in few shapes).</summary>
        private static readonly ConcurrentDictionary<(string Sql, int Offset), string> Renumbered = new();
    }
}
