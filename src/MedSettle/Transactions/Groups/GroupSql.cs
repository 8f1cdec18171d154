using System.Data.Common;
using Dapper;
using Npgsql;
using NpgsqlTypes;

namespace MedSettle.Transactions.Groups;

/// <summary>What a group's reads and writes build their batches from: statements with array parameters, and rows read back.</summary>
internal static class GroupSql
{
internal static NpgsqlBatchCommand Add(NpgsqlBatch batch, string sql, params NpgsqlParameter[] parameters)
{
    var command = new NpgsqlBatchCommand(sql);
    command.Parameters.AddRange(parameters);
    batch.BatchCommands.Add(command);
    return command;
}

internal static NpgsqlParameter Text(IEnumerable<string?> values) =>
    new() { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text };

internal static NpgsqlParameter Int(IEnumerable<int> values) =>
    new() { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer };

internal static NpgsqlParameter Long(IEnumerable<long> values) =>
    new() { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint };

    internal static async Task<List<T>> RowsAsync<T>(DbDataReader reader)
    {
        var parse = reader.GetRowParser<T>();
        var rows = new List<T>();
        while (await reader.ReadAsync()) rows.Add(parse(reader));
        return rows;
    }

    internal static async Task<List<T>> NextRowsAsync<T>(DbDataReader reader)
    {
        if (!await reader.NextResultAsync()) throw new InvalidOperationException("The group's reads returned fewer results than asked for");
        return await RowsAsync<T>(reader);
    }
}
