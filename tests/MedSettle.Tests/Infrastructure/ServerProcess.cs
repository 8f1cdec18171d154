using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace MedSettle.Tests.Infrastructure;

/// <summary>
/// The real <c>medsettle</c> executable as its own process (<c>dotnet medsettle.dll serve</c>, the build the tests
/// reference, copied next to them), so that it can be killed as a crash would kill it.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ServerProcess(Process process, int port, HospitalAccess access)
    {
        _process = process;
        Port = port;
        Client = new PlatformClient(Url, access);
        process.OutputDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
    }

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}";

    /// <summary>From starting the process to its first healthy answer.</summary>
    public TimeSpan Startup { get; private set; }

    public PlatformClient Client { get; }

    public int Id => _process.Id;

    public string Output { get { lock (_output) return _output.ToString(); } }

    public static string Executable => Path.Combine(AppContext.BaseDirectory, "medsettle.dll");

    /// <summary>Starts <c>medsettle serve --db DB</c> on <paramref name="port"/> (a free one when 0) and waits until it answers /health.</summary>
    public static async Task<ServerProcess> StartAsync(string db, int port = 0)
    {
        port = port == 0 ? FreePort() : port;
        var access = await HospitalAccess.ForAsync(db);
        var timer = Stopwatch.StartNew();
        var process = Process.Start(Start("serve", "--db", db, "--urls", $"http://127.0.0.1:{port}"))!;
        var server = new ServerProcess(process, port, access);
        KillWhenTestsEnd(process.Id);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        while (!await server.Client.HealthyAsync())
        {
            if (process.HasExited)
                throw new InvalidOperationException($"medsettle serve exited with {process.ExitCode}: {server.Output}");
            if (timer.Elapsed > TimeSpan.FromSeconds(120))
            {
                await server.DisposeAsync();
                throw new TimeoutException($"medsettle serve did not answer /health within 120 s: {server.Output}");
            }
            await Task.Delay(25);
        }
        server.Startup = timer.Elapsed;
        return server;
    }

    /// <summary>SIGKILL: no shutdown, no flushing, no cleanup — a crash.</summary>
    public void KillHard()
    {
        _process.Kill(entireProcessTree: false);
        _process.WaitForExit();
    }

    /// <summary>Runs <c>medsettle ARGS</c> to its end; returns its exit code and what it printed.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(params string[] arguments)
    {
        using var process = Process.Start(Start(arguments))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }

    private static ProcessStartInfo Start(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(Executable);
        foreach (var a in arguments) start.ArgumentList.Add(a);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        return start;
    }

    /// <summary>A detached watchdog kills the server once the test process is gone, however the run ends.</summary>
    private static void KillWhenTestsEnd(int pid)
    {
        var script = $"exec </dev/null >/dev/null 2>&1; while kill -0 {Environment.ProcessId} && kill -0 {pid}; do sleep 1; done; kill -9 {pid}";
        var watchdog = new ProcessStartInfo("setsid") { UseShellExecute = false };
        foreach (var a in new[] { "sh", "-c", script }) watchdog.ArgumentList.Add(a);
        Process.Start(watchdog)?.Dispose();
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
