namespace MedSettle.Tests.Infrastructure;

/// <summary>A test class over a fresh platform (new database, jilin-mini imported, real server) for every test.</summary>
public abstract class PlatformTests(DatabaseTarget target, string hospital) : IAsyncLifetime
{
    protected RunningPlatform Platform { get; private set; } = null!;

    /// <summary>The HIS of the hospital the tests mostly speak for.</summary>
    protected His His { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Platform = await RunningPlatform.StartAsync(target);
        His = new His(Platform, hospital);
    }

    public async Task DisposeAsync() => await Platform.DisposeAsync();
}
