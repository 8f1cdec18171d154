using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace MedSettle.Tests.Infrastructure;

/// <summary>
/// A throwaway PostgreSQL server for the test run: initdb + pg_ctl on a free loopback port, in a temporary directory
/// that is removed when the run ends. As root (as in CI) the server runs as the postgres user, since initdb refuses root.
/// </summary>
public sealed class PostgresServer
{
    private static readonly Lazy<PostgresServer> Shared = new(Start, LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly string _bin;
    private readonly string _root;
    private readonly bool _asPostgresUser;

    private PostgresServer(string bin, string root, int port, bool asPostgresUser)
    {
        _bin = bin;
        _root = root;
        Port = port;
        _asPostgresUser = asPostgresUser;
    }

    public int Port { get; }

    public static PostgresServer Instance => Shared.Value;

    public string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Pooling=true;Maximum Pool Size=120;Timeout=30;Command Timeout=120";

    /// <summary>A new empty database for one test class; or a copy of <paramref name="template"/>, to which no connection may be open.</summary>
    public async Task<string> CreateDatabaseAsync(string? template = null)
    {
        var name = "t_" + Guid.NewGuid().ToString("N")[..16];
        await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE {name}{(template is null ? "" : $" TEMPLATE {template}")}", connection);
        await command.ExecuteNonQueryAsync();
        return ConnectionString(name);
    }

    public async Task DropDatabaseAsync(string name)
    {
        await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }

    private static PostgresServer Start()
    {
        var bin = FindBinaries() ?? throw new InvalidOperationException(
            "PostgreSQL server binaries (initdb, pg_ctl) were not found. Install them (Debian: apt-get install -y postgresql) or run `bash .ci/run`.");
        var asPostgresUser = Environment.UserName == "root";
        var root = Path.Combine(Path.GetTempPath(), "medsettle-pg-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        if (asPostgresUser) Run("chown", ["postgres:postgres", root], asUser: false);

        var data = Path.Combine(root, "data");
        Run(Path.Combine(bin, "initdb"), ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"], asPostgresUser);
        var port = FreePort();
        var server = new PostgresServer(bin, root, port, asPostgresUser);
        Run(Path.Combine(bin, "pg_ctl"),
            ["-D", data, "-l", Path.Combine(root, "server.log"), "-w", "-t", "60",
             "-o", $"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c max_connections=300 -c fsync=off -c full_page_writes=off", "start"],
            asPostgresUser);
        server.RemoveWhenTestsEnd();
        return server;
    }

    /// <summary>
    /// A detached watchdog stops the server and removes its directory once the test process is gone, however it ends
    /// (the test host gives exit handlers too little time to rely on them, and a killed run runs none).
    /// </summary>
    private void RemoveWhenTestsEnd()
    {
        var stop = $"{(_asPostgresUser ? "runuser -u postgres -- " : "")}'{Path.Combine(_bin, "pg_ctl")}' -D '{Path.Combine(_root, "data")}' -m immediate -w stop";
        var script = $"exec </dev/null >/dev/null 2>&1; while kill -0 {Environment.ProcessId}; do sleep 1; done; {stop}; rm -rf '{_root}'";
        var watchdog = new ProcessStartInfo("setsid") { UseShellExecute = false };
        foreach (var a in new[] { "sh", "-c", script }) watchdog.ArgumentList.Add(a);
        Process.Start(watchdog)?.Dispose();
    }

    private static string? FindBinaries()
    {
        var candidates = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var v) ? v : 0)
                .Select(d => Path.Combine(d, "bin"))
            : [];
        foreach (var dir in candidates.Append("/usr/local/pgsql/bin"))
            if (File.Exists(Path.Combine(dir, "initdb")) && File.Exists(Path.Combine(dir, "pg_ctl"))) return dir;
        var path = Environment.GetEnvironmentVariable("PATH")?.Split(':') ?? [];
        return path.FirstOrDefault(dir => File.Exists(Path.Combine(dir, "initdb")) && File.Exists(Path.Combine(dir, "pg_ctl")));
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void Run(string program, string[] arguments, bool asUser)
    {
        var start = new ProcessStartInfo(asUser ? "runuser" : program) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (asUser)
        {
            foreach (var a in new[] { "-u", "postgres", "--", program }) start.ArgumentList.Add(a);
        }
        foreach (var a in arguments) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed ({process.ExitCode}): {stderr.Result}{stdout.Result}");
    }
}
