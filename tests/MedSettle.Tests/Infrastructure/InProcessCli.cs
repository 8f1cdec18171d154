using System.Text;
using MedSettle.Cli;

namespace MedSettle.Tests.Infrastructure;

/// <summary>
/// medsettle's command line run inside the test process. What a command writes to the console is captured for that
/// command alone: the console's writers are replaced once by ones that write to the capture of the command whose
/// asynchronous flow is writing (an <see cref="AsyncLocal{T}"/>), and to the real console for everything else, so that
/// a server, a key file being created or another test writing at the same moment never lands in a command's output.
/// Spectre.Console's live displays (the import's progress bars) refuse to run two at once, so commands still take turns.
/// </summary>
internal static class InProcessCli
{
    private static readonly SemaphoreSlim Turn = new(1, 1);
    private static readonly AsyncLocal<(StringWriter Output, StringWriter Errors)?> Capture = new();

    static InProcessCli()
    {
        Console.SetOut(new FlowWriter(Console.Out, () => Capture.Value?.Output));
        Console.SetError(new FlowWriter(Console.Error, () => Capture.Value?.Errors));
    }

    /// <summary>The command's exit code as <see cref="Commands.RunAsync"/> gives it (the program's own entry) and what it wrote to stdout and stderr.</summary>
    public static async Task<(int Code, string Output, string Errors)> RunAsync(params string[] args)
    {
        await Turn.WaitAsync();
        try
        {
            return await Task.Run(async () =>
            {
                var capture = (Output: new StringWriter(), Errors: new StringWriter());
                Capture.Value = capture;
                var code = await Commands.RunAsync(args);
                return (code, capture.Output.ToString(), capture.Errors.ToString());
            });
        }
        finally
        {
            Turn.Release();
        }
    }

    /// <summary>Runs a command that must succeed (exit code 0); otherwise the test fails with what the command wrote.</summary>
    public static async Task SucceedsAsync(params string[] args)
    {
        var (code, output, errors) = await RunAsync(args);
        Assert.True(code == 0, $"medsettle {string.Join(' ', args)} answered {code}:\n{errors}{output}");
    }

    /// <summary>Writes to the capture of the flow that is writing, if it has one, else to the console it replaced.</summary>
    private sealed class FlowWriter(TextWriter console, Func<StringWriter?> capture) : TextWriter
    {
        private TextWriter Target => (TextWriter?)capture() ?? console;

        public override Encoding Encoding => console.Encoding;

        public override void Write(char value)
        {
            var target = Target;
            lock (target) target.Write(value);
        }

        public override void Write(string? value)
        {
            var target = Target;
            lock (target) target.Write(value);
        }

        public override void Write(char[] buffer, int index, int count)
        {
            var target = Target;
            lock (target) target.Write(buffer, index, count);
        }

        public override void WriteLine(string? value)
        {
            var target = Target;
            lock (target) target.WriteLine(value);
        }

        public override void Flush() => Target.Flush();
    }
}
