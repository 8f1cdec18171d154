using MedSettle.Tools.Demo;

namespace MedSettle.Tests.Cli;

/// <summary>Two demos on one machine: the second takes its own folder instead of deleting the running one's database.</summary>
public sealed class DemoFolderTests : IDisposable
{
    private readonly string _parent = Directory.CreateTempSubdirectory("medsettle-demofolder-").FullName;

    public void Dispose() => Directory.Delete(_parent, recursive: true);

    [Fact]
    public void A_second_demo_takes_the_next_folder_while_the_first_runs_and_the_first_folder_once_it_stops()
    {
        var first = DemoFolder.Claim(_parent);
        File.WriteAllText(Path.Combine(first.Path, "demo.db"), "the running demo's database");

        using (var second = DemoFolder.Claim(_parent))
        {
            Assert.Equal(Path.Combine(_parent, "medsettle-demo"), first.Path);
            Assert.Equal(Path.Combine(_parent, "medsettle-demo-2"), second.Path);
            using var third = DemoFolder.Claim(_parent);
            Assert.Equal(Path.Combine(_parent, "medsettle-demo-3"), third.Path);
        }
        Assert.Equal("the running demo's database", File.ReadAllText(Path.Combine(first.Path, "demo.db")));

        first.Dispose();
        using var again = DemoFolder.Claim(_parent);
        Assert.Equal(Path.Combine(_parent, "medsettle-demo"), again.Path);
        Assert.Throws<IOException>(() => DemoFolder.Claim(_parent, tries: 1));
    }
}
