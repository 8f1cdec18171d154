using System.Data.Common;
using Dapper;
using MedSettle.Privacy;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace MedSettle.Storage;

public enum DbProvider { Sqlite, Postgres }

/// <summary>
/// The one database MedSettle runs on, named by one explicit value: <c>sqlite:PATH</c> (embedded default) or
/// <c>postgres:CONNECTION STRING</c>. Every state change goes through <see cref="WriteAsync{T}"/>: one database
/// transaction that commits only when the work says so.
/// </summary>
public sealed class Database : IAsyncDisposable
{
    private readonly NpgsqlDataSource? _postgres;
    private readonly NpgsqlDataSource? _postgresRelaxed;
    private readonly NpgsqlDataSource? _postgresByKey;
    private readonly string? _sqliteConnectionString;
    private readonly SemaphoreSlim _sqliteWriter = new(1, 1);

    static Database()
    {
        DefaultTypeMap.MatchNamesWithUnderscores = true;
    }

    private KeyRing? _keys;

    private Database(DbProvider provider, string description, NpgsqlDataSource? postgres, string? sqlite, KeySource keySource,
        NpgsqlDataSource? postgresRelaxed = null, NpgsqlDataSource? postgresByKey = null)
    {
        KeySource = keySource;
        Provider = provider;
        Description = description;
        _postgres = postgres;
        _postgresRelaxed = postgresRelaxed;
        _postgresByKey = postgresByKey;
        _sqliteConnectionString = sqlite;
    }

    public DbProvider Provider { get; }

    /// <summary>Where the personal-data keys come from (see <see cref="Privacy.KeySource"/>).</summary>
    public KeySource KeySource { get; }

    /// <summary>
    /// The personal-data keys, checked against the database by <see cref="Schema.MigrateAsync(Database, CancellationToken)"/>.
    /// </summary>
    public KeyRing Keys
    {
        get => _keys ?? throw new InvalidOperationException("The personal-data keys are not loaded yet: run Schema.MigrateAsync first");
        internal set => _keys = value;
    }

    public bool HasKeys => _keys is not null;

    private Ids? _ids;

    /// <summary>The ids this process hands out, from the node it leases in the database: leased by <see cref="Schema.MigrateAsync(Database, CancellationToken)"/>, given back by <see cref="DisposeAsync"/>.</summary>
    public Ids Ids
    {
        get => _ids ?? throw new InvalidOperationException("No id node is leased yet: run Schema.MigrateAsync first");
        internal set => _ids = value;
    }

    public bool HasIds => _ids is not null;

    /// <summary>Where the data lives, without any password: safe to print.</summary>
    public string Description { get; }

    /// <summary>Row lock for the rest of the transaction on PostgreSQL; SQLite's writer lock already serialises writers.</summary>
    public string ForUpdate => Provider == DbProvider.Postgres ? " FOR UPDATE" : "";

    /// <param name="keyFile">The personal-data key file (--key-file); null for MEDSETTLE_DATA_KEY or the default file.</param>
    public static Database Open(string value, string? keyFile = null, bool mustExist = false)
    {
        if (value.StartsWith("sqlite:", StringComparison.Ordinal))
        {
            var path = value["sqlite:".Length..];
            if (path.Length == 0) throw new DatabaseProblem("--db sqlite: needs a file path, e.g. sqlite:medsettle.db");
            if (mustExist && !File.Exists(path))
                throw new DatabaseProblem($"There is no database at {Path.GetFullPath(path)}: check --db (`medsettle import` or `medsettle serve` creates one).");
            var directory = Path.GetDirectoryName(Path.GetFullPath(path));
            if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
            if (!OperatingSystem.IsWindows()) OwnerOnly(path);
            var builder = new SqliteConnectionStringBuilder { DataSource = path, Pooling = true, DefaultTimeout = 60 };
            return new Database(DbProvider.Sqlite, $"sqlite:{path}", null, builder.ToString(), KeySource.Resolve(keyFile, value));
        }
        if (value.StartsWith("postgres:", StringComparison.Ordinal))
        {
            NpgsqlConnectionStringBuilder builder;
            try
            {
                builder = new NpgsqlConnectionStringBuilder(value["postgres:".Length..]);
            }
            catch (ArgumentException e)
            {
                throw new DatabaseProblem($"--db postgres: needs an Npgsql connection string (Host=…;Port=…;Username=…;Database=…): {e.Message}");
            }
            if (string.IsNullOrEmpty(builder.Host))
                throw new DatabaseProblem("--db postgres: needs at least a Host, e.g. postgres:Host=127.0.0.1;Username=medsettle;Database=medsettle");
            var description = $"postgres:Host={builder.Host};Port={builder.Port};Database={builder.Database}";
            builder.Enlist = false;
            // The transaction API sends the same few statements all day: let Npgsql prepare them on the server, and
            // skip the per-checkout session reset (nothing here keeps session state outside a transaction).
            // (NpgsqlConnectionStringBuilder.ContainsKey answers whether a keyword exists, not whether it was given.)
            var given = new DbConnectionStringBuilder { ConnectionString = value["postgres:".Length..] };
            bool Given(params string[] keywords) => keywords.Any(given.ContainsKey);
            if (!Given("Max Auto Prepare", "MaxAutoPrepare")) builder.MaxAutoPrepare = 128;
            if (!Given("Auto Prepare Min Usages", "AutoPrepareMinUsages")) builder.AutoPrepareMinUsages = 2;
            if (!Given("No Reset On Close", "NoResetOnClose")) builder.NoResetOnClose = true;
            var relaxed = new NpgsqlConnectionStringBuilder(builder.ConnectionString);
            relaxed.Options = $"{relaxed.Options} -c synchronous_commit=off".Trim();
            var byKey = new NpgsqlConnectionStringBuilder(builder.ConnectionString);
            byKey.Options = $"{byKey.Options} -c plan_cache_mode=force_generic_plan -c enable_seqscan=off".Trim();
            return new Database(DbProvider.Postgres, description, NpgsqlDataSource.Create(builder), null, KeySource.Resolve(keyFile, value),
                NpgsqlDataSource.Create(relaxed), NpgsqlDataSource.Create(byKey));
        }
        throw new DatabaseProblem($"--db must be sqlite:PATH or postgres:CONNECTION_STRING, not \"{value}\"");
    }

    private const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode GroupAndOthers = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
                                                | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>
    /// An embedded database holds the sign-in key ring and sealed personal data: its file is created readable and
    /// writable by its owner alone (0600), which SQLite gives its -wal and -shm files too; an existing file (or -wal,
    /// -shm) open to group or others, as earlier versions created it, is narrowed to its owner.
    /// </summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static void OwnerOnly(string path)
    {
        if (!File.Exists(path))
        {
            try
            {
                using var created = new FileStream(path, new FileStreamOptions
                    { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = OwnerReadWrite });
            }
            catch (IOException) when (File.Exists(path)) { } // another process created it first
        }
        foreach (var file in new[] { path, path + "-wal", path + "-shm" })
        {
            try
            {
                if (File.Exists(file) && (File.GetUnixFileMode(file) & GroupAndOthers) != 0)
                    File.SetUnixFileMode(file, File.GetUnixFileMode(file) & ~GroupAndOthers);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"warning: could not make {file} readable by its owner alone (mode 0600): {e.Message}");
            }
        }
    }

    public async Task<DbConnection> OpenConnectionAsync(CancellationToken cancel = default)
    {
        if (_postgres is not null)
            return await _postgres.OpenConnectionAsync(cancel);

        var connection = new SqliteConnection(_sqliteConnectionString);
        await connection.OpenAsync(cancel);
        await connection.ExecuteAsync("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=60000;");
        return connection;
    }

    /// <summary>Runs <paramref name="work"/> in one transaction; commits when it returns Commit = true, else rolls back.</summary>
    public async Task<T> WriteAsync<T>(Func<UnitOfWork, Task<(T Result, bool Commit)>> work, CancellationToken cancel = default)
    {
        var serialise = Provider == DbProvider.Sqlite;
        if (serialise) await _sqliteWriter.WaitAsync(cancel);
        try
        {
            await using var connection = await OpenConnectionAsync(cancel);
            await using var transaction = await connection.BeginTransactionAsync(cancel);
            var (result, commit) = await work(new UnitOfWork(this, connection, transaction));
            if (commit) await transaction.CommitAsync(cancel);
            else await transaction.RollbackAsync(cancel);
            return result;
        }
        finally
        {
            if (serialise) _sqliteWriter.Release();
        }
    }

    /// <summary>A read that changes nothing (a deferred transaction on SQLite; read committed on PostgreSQL, where the person lock keeps it consistent).</summary>
    public async Task<T> ReadAsync<T>(Func<UnitOfWork, Task<T>> work, CancellationToken cancel = default)
    {
        await using var connection = await OpenConnectionAsync(cancel);
        await using var transaction = await connection.BeginTransactionAsync(
            Provider == DbProvider.Sqlite ? System.Data.IsolationLevel.ReadUncommitted : System.Data.IsolationLevel.ReadCommitted, cancel);
        var result = await work(new UnitOfWork(this, connection, transaction));
        await transaction.RollbackAsync(cancel);
        return result;
    }

    /// <summary>
    /// A read outside any explicit transaction: on PostgreSQL each statement is its own (one round trip, no BEGIN or
    /// ROLLBACK); on SQLite a deferred transaction as in <see cref="ReadAsync{T}"/>.
    /// </summary>
    public async Task<T> ReadOnceAsync<T>(Func<UnitOfWork, Task<T>> work, CancellationToken cancel = default)
    {
        if (_postgres is null) return await ReadAsync(work, cancel);
        await using var connection = await _postgres.OpenConnectionAsync(cancel);
        return await work(new UnitOfWork(this, connection, transaction: null));
    }

    /// <summary>
    /// Bookkeeping that a crash may lose without harm (a request's nonce): on PostgreSQL each statement commits on its
    /// own without waiting for the disk (synchronous_commit off, on connections kept for this); on SQLite one ordinary
    /// write transaction.
    /// </summary>
    public async Task<T> WriteRelaxedAsync<T>(Func<UnitOfWork, Task<T>> work, CancellationToken cancel = default)
    {
        if (_postgresRelaxed is null) return await WriteAsync(async unit => (await work(unit), true), cancel);
        await using var connection = await _postgresRelaxed.OpenConnectionAsync(cancel);
        return await work(new UnitOfWork(this, connection, transaction: null));
    }

    /// <summary>
    /// On PostgreSQL, a connection for statements that are the same all day and each find a handful of rows by key (the
    /// settlement group's): each is planned once, generically, and by index (plan_cache_mode = force_generic_plan,
    /// enable_seqscan = off for the session), since a custom plan costs as much to make as to run. A plan made while a
    /// table was small must not scan it once it is large: enable_seqscan alone does not stop a whole-index scan, so such
    /// statements look each key up (see Transactions/Groups/GroupReads). Elsewhere, <see cref="OpenConnectionAsync"/>.
    /// </summary>
    public async Task<DbConnection> OpenByKeyConnectionAsync(CancellationToken cancel = default) =>
        _postgresByKey is null ? await OpenConnectionAsync(cancel) : await _postgresByKey.OpenConnectionAsync(cancel);

    public async ValueTask DisposeAsync()
    {
        if (_ids is not null)
        {
            // A clean shutdown gives the node back; where the database cannot be reached the lease simply runs out.
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await _ids.ReleaseAsync(patience.Token);
            }
            catch (Exception e) when (e is DbException or OperationCanceledException or TimeoutException or InvalidOperationException)
            {
            }
        }
        if (_postgresByKey is not null) await _postgresByKey.DisposeAsync();
        if (_postgresRelaxed is not null) await _postgresRelaxed.DisposeAsync();
        if (_postgres is not null) await _postgres.DisposeAsync();
        if (_sqliteConnectionString is not null) SqliteConnection.ClearAllPools();
        _sqliteWriter.Dispose();
    }
}

/// <summary>One open database transaction, with Dapper's explicit SQL.</summary>
public sealed class UnitOfWork(Database database, DbConnection connection, DbTransaction? transaction)
{
    public Database Database { get; } = database;
    public DbConnection Connection { get; } = connection;
    /// <summary>The transaction, or null where its BEGIN and COMMIT are statements of their own (settlement groups).</summary>
    public DbTransaction? Transaction { get; } = transaction;
    public string ForUpdate => Database.ForUpdate;

    /// <summary>"column is one of @param" (pass an array): = ANY on PostgreSQL, a list Dapper expands on SQLite.</summary>
    public string IsOneOf(string column, string param) =>
        Database.Provider == DbProvider.Postgres ? $"{column} = ANY(@{param})" : $"{column} IN @{param}";

    public Task<int> ExecuteAsync(string sql, object? param = null) =>
        Connection.ExecuteAsync(new CommandDefinition(sql, param, Transaction));

    public Task<IEnumerable<T>> QueryAsync<T>(string sql, object? param = null) =>
        Connection.QueryAsync<T>(new CommandDefinition(sql, param, Transaction));

    public Task<T?> FirstOrDefaultAsync<T>(string sql, object? param = null) =>
        Connection.QueryFirstOrDefaultAsync<T>(new CommandDefinition(sql, param, Transaction));

    public Task<T> ScalarAsync<T>(string sql, object? param = null) =>
        Connection.ExecuteScalarAsync<T>(new CommandDefinition(sql, param, Transaction))!;
}

/// <summary>A --db value that names no usable database: the operator's to fix, so its message is all that is printed.</summary>
public sealed class DatabaseProblem(string message) : Exception(message);
