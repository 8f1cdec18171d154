using MedSettle.Cli;

namespace MedSettle.Tests.Infrastructure;

/// <summary>
/// medsettle's command line run inside the test process. The console and Spectre.Console's live displays (the import's
/// progress bars, which refuse to run two at once: the command then fails) are one per process, so every test that
/// runs a command takes its turn here, whichever class it is in.
/// </summary>
internal static class InProcessCli
{
    private static readonly SemaphoreSlim Turn = new(1, 1);

    /// <summary>The command's exit code as <see cref="Commands.RunAsync"/> gives it (the program's own entry) and what it wrote to stdout and stderr.</summary>
    public static async Task<(int Code, string Output, string Errors)> RunAsync(params string[] args)
    {
        await Turn.WaitAsync();
        var (output, errors) = (new StringWriter(), new StringWriter());
        var (originalOutput, originalErrors) = (Console.Out, Console.Error);
        try
        {
            Console.SetOut(output);
            Console.SetError(errors);
            return (await Commands.RunAsync(args), output.ToString(), errors.ToString());
        }
        finally
        {
            Console.SetOut(originalOutput);
            Console.SetError(originalErrors);
            Turn.Release();
        }
    }

    /// <summary>Runs a command that must succeed (exit code 0); otherwise the test fails with what the command wrote.</summary>
    public static async Task SucceedsAsync(params string[] args)
    {
        var (code, output, errors) = await RunAsync(args);
        Assert.True(code == 0, $"medsettle {string.Join(' ', args)} answered {code}:\n{errors}{output}");
    }
}
