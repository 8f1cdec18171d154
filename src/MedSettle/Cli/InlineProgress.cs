namespace MedSettle.Cli;

/// <summary>
/// Progress reported on the reporting thread, at once and one report at a time. <see cref="Progress{T}"/> posts each
/// report to the thread pool when there is no synchronization context (as in a console program), so reports ran
/// concurrently with each other and after the work had returned: a progress bar's tasks enumerated while one was added,
/// a line written after the command's own output was taken.
/// </summary>
internal sealed class InlineProgress<T>(Action<T> report) : IProgress<T>
{
    private readonly Lock _gate = new();

    public void Report(T value)
    {
        lock (_gate) report(value);
    }
}
