namespace MedSettle.Tests.Infrastructure;

public static class TestPaths
{
    private static readonly Lazy<string> RunDirectory = new(CreateRunDirectory);

    public static string Data(string name) => Path.Combine(AppContext.BaseDirectory, "data", name);

    public static string JilinMini => Data("jilin-mini");

    /// <summary>A new folder for one test's files, inside this run's folder.</summary>
    public static string TempDirectory()
    {
        var directory = Path.Combine(RunDirectory.Value, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        return directory;
    }

    /// <summary>This run's scratch folder; folders left by earlier runs whose process is gone are removed first.</summary>
    private static string CreateRunDirectory()
    {
        var root = Path.Combine(Path.GetTempPath(), "medsettle-tests");
        Directory.CreateDirectory(root);
        foreach (var stale in Directory.GetDirectories(root, "run-*"))
        {
            if (int.TryParse(Path.GetFileName(stale)["run-".Length..], out var pid) && !IsRunning(pid))
                try { Directory.Delete(stale, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
        var mine = Path.Combine(root, $"run-{Environment.ProcessId}");
        Directory.CreateDirectory(mine);
        return mine;
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
