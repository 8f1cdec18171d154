namespace MedSettle.Tests.Infrastructure;

public static class TestPaths
{
    public static string Data(string name) => Path.Combine(AppContext.BaseDirectory, "data", name);

    public static string JilinMini => Data("jilin-mini");

    public static string TempDirectory()
    {
        var directory = Path.Combine(Path.GetTempPath(), "medsettle-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        return directory;
    }
}
