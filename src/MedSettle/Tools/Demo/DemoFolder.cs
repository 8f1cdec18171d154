using MedSettle.Storage;

namespace MedSettle.Tools.Demo;

/// <summary>
/// The folder a running demo owns: <c>medsettle-demo</c> in the folder given to <see cref="Claim"/>, or
/// <c>medsettle-demo-2</c>, <c>-3</c> … when a demo already runs in it. Ownership is an exclusive lock on <c>demo.lock</c> inside, held until
/// disposed (the operating system lets go of it when the process ends, however it ends), so a second demo on the same
/// machine never deletes the database of one that is running.
/// </summary>
public sealed class DemoFolder : IDisposable
{
    private const string LockName = "demo.lock";
    private readonly FileStream _lock;

    private DemoFolder(string path, FileStream held) => (Path, _lock) = (path, held);

    public string Path { get; }

    /// <summary>The demo's SQLite database, in its folder.</summary>
    public string DatabasePath => System.IO.Path.Combine(Path, "demo.db");

    /// <summary>Where the demo writes its generated bundle before importing it (deleted once imported).</summary>
    public string BundlePath => System.IO.Path.Combine(Path, "demo-bundle");

    /// <summary>
    /// A new database for the demo: the one an earlier demo left in this folder is deleted (never another folder's, so never
    /// a running demo's: that folder is held), and the database opened (to be migrated).
    /// </summary>
    public Database OpenFreshDatabase()
    {
        foreach (var file in new[] { DatabasePath, DatabasePath + "-wal", DatabasePath + "-shm" }) File.Delete(file);
        return Database.Open("sqlite:" + DatabasePath);
    }

    public static DemoFolder Claim(string parent, int tries = 50)
    {
        for (var n = 1; n <= tries; n++)
        {
            var path = System.IO.Path.Combine(parent, n == 1 ? "medsettle-demo" : $"medsettle-demo-{n}");
            Directory.CreateDirectory(path);
            try
            {
                var held = new FileStream(System.IO.Path.Combine(path, LockName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                return new DemoFolder(path, held);
            }
            catch (IOException)
            {
                // Another demo runs here: try the next folder.
            }
        }
        throw new IOException($"{tries} demos already run in {parent} (medsettle-demo, medsettle-demo-2 …): stop one first.");
    }

    public void Dispose() => _lock.Dispose();
}
