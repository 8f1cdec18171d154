using System.Collections.Concurrent;
using System.Globalization;
using System.Text.RegularExpressions;
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
        writes.Add("""
            INSERT INTO messages (fixmedins_code, msgid, infno, input_hash, state, subject, response, received_at)
            SELECT c, m, i, h, 'done', s, r, t FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
                AS u(c, m, i, h, s, r, t)
            """,
            Text(settled.Select(s => s.Request.Caller.FixmedinsCode)), Text(settled.Select(s => s.Request.Caller.Msgid)),
            Text(settled.Select(s => s.Request.Kind.Infno)), Text(settled.Select(s => s.Request.InputHash)),
            Text(settled.Select(s => s.Decided.Row.SetlId)), Text(settled.Select(s => StoredResponses.Redact(s.Response))), Text(settled.Select(s => s.Request.Received.ToText())));
        // Each row takes its visit's open bill, read under the persons' locks: no fee line is written (see Bills). Every
        // write of the settlements' effects (their rows, years, balances, bills' other batches, audit rows: the answers carry
        // name and identity number) is rendered from its description in SettlementEffects, as the single path writes it.
        var effects = settled.Select(s => s.Decided.Effects).ToList();
        foreach (var write in SettlementEffects.Writes)
        {
            var having = effects.Where(write.When).ToList();
            if (having.Count > 0) writes.Add(UnnestStatements[write], [.. write.Columns.Select(c => Array(c.Type, having.Select(c.Value)))]);
        }
    }

    /// <summary>The group's rendering of each write of <see cref="SettlementEffects"/>, made once: one statement for all its records, from arrays.</summary>
    private static readonly Dictionary<SettlementEffects.Write, string> UnnestStatements =
        SettlementEffects.Writes.ToDictionary<SettlementEffects.Write, SettlementEffects.Write, string>(w => w, UnnestStatement, ReferenceEqualityComparer.Instance);

    private static string UnnestStatement(SettlementEffects.Write write)
    {
        var columns = write.Columns.Select(c => c.Name).ToList();
        var rows = $"unnest({string.Join(", ", write.Columns.Select((c, i) => $"${i + 1}::{SqlType(c.Type)}[]"))})";
        static string Matching(IEnumerable<SettlementEffects.Column> matched, string comparison) =>
            string.Join(" AND ", matched.Select(c => $"t.{c.Name} {comparison} u.{c.Name}"));
        var insert = $"INSERT INTO {write.Table} ({string.Join(", ", columns)}) SELECT * FROM {rows}";
        var from = $"FROM {rows} AS u({string.Join(", ", columns)})";
        return write.Kind switch
        {
            SettlementEffects.WriteKind.Insert => insert,
            SettlementEffects.WriteKind.UpsertAdd => $"{insert}\n{write.AddingOnConflict}",
            SettlementEffects.WriteKind.UpdateSubtract =>
                $"UPDATE {write.Table} t SET {string.Join(", ", write.Values.Select(c => $"{c.Name} = t.{c.Name} - u.{c.Name}"))}\n{from}\nWHERE {Matching(write.Key, "=")}",
            SettlementEffects.WriteKind.UpdateMove =>
                $"UPDATE {write.Table} t SET {write.Moved.Name} = t.{write.Moved.Name} + 1\n{from}\nWHERE {Matching(write.Key, "=")} AND {Matching(write.Values, "<>")}",
            _ => throw new ArgumentOutOfRangeException(nameof(write), write.Kind, null),
        };
    }

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
