using System.Globalization;

namespace MedSettle.Load;

/// <summary>
/// medsettle-load SUBCOMMAND --option value …  Each subcommand writes its progress to stderr and one JSON object, its
/// result, as the last line of stdout.
/// </summary>
public static class LoadDriver
{
    private const string Usage = """
        medsettle-load prepare --url URL --db CONNSTR --visits N [--hot-persons H] [--hot-share 0.1] [--clients 16] [--out visits.tsv]
        medsettle-load settle  --url URL --db CONNSTR --visits FILE [--clients 8] [--seconds 30] [--rate R] [--skip N] [--cycle yes]
        medsettle-load flow    --url URL --db CONNSTR [--clients 8] [--seconds 15]
        medsettle-load persons --db CONNSTR --count N
        medsettle-load history --db CONNSTR [--settlements 1000000] [--seed 2026] [--reversed 0.02]   (a consistent 2026 for medsettle whatif)
        medsettle-load durable --url URL --db CONNSTR --visits FILE --log acks.tsv [--clients 8] [--seconds 30] [--retry-ms 200]
        medsettle-load failover-check --db CONNSTR --log acks.tsv [--since-ms UNIX_MS]
        medsettle-load report  --out FILE [--set section.key=value …] [--part name=FILE.json …]
        medsettle-load stub-server --urls URL --answer FILE   (the HTTP exchange alone: every 2207 gets the answer in FILE)
        medsettle-load catalogue --db DB [--rows 50000] [--runs 5]   (DB a medsettle --db value: 1301 of an N-row catalogue, in process)
        CONNSTR is an Npgsql connection string, with or without medsettle's "postgres:" prefix.
        """;

    public static async Task<int> Main(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help")
        {
            Console.Error.WriteLine(Usage);
            return args.Length == 0 ? 2 : 0;
        }
        try
        {
            var options = Options.Parse(args.AsSpan(1));
            return args[0] switch
            {
                "prepare" => await Prepare.RunAsync(options),
                "settle" => await SettleRun.RunAsync(options),
                "flow" => await FlowRun.RunAsync(options),
                "persons" => await PersonsLoad.RunAsync(options),
                "history" => await HistoryLoad.RunAsync(options),
                "durable" => await DurableRun.RunAsync(options),
                "failover-check" => await FailoverCheck.RunAsync(options),
                "report" => Report.Run(options),
                "stub-server" => await StubServer.RunAsync(options),
                "catalogue" => await CatalogueRun.RunAsync(options),
                _ => throw new UsageException($"unknown subcommand \"{args[0]}\""),
            };
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"medsettle-load: {e.Message}");
            Console.Error.WriteLine(Usage);
            return 2;
        }
        catch (NoFreshPerson e)
        {
            Console.Error.WriteLine($"medsettle-load: {e.Message}");
            return 1;
        }
    }
}

public sealed class UsageException(string message) : Exception(message);

/// <summary>--name value pairs; a name may repeat (--set, --part).</summary>
public sealed class Options
{
    private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);

    public static Options Parse(ReadOnlySpan<string> args)
    {
        var options = new Options();
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
                throw new UsageException($"expected --name value, got \"{args[i]}\"");
            var name = args[i][2..];
            if (!options._values.TryGetValue(name, out var list)) options._values[name] = list = [];
            list.Add(args[++i]);
        }
        return options;
    }

    public string Text(string name) => Optional(name) ?? throw new UsageException($"--{name} is required");

    public string? Optional(string name) => _values.TryGetValue(name, out var list) ? list[^1] : null;

    public IReadOnlyList<string> All(string name) => _values.TryGetValue(name, out var list) ? list : [];

    public long Long(string name, long? fallback = null)
    {
        var text = Optional(name);
        if (text is null) return fallback ?? throw new UsageException($"--{name} is required");
        return long.TryParse(text, NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out var value) && value >= 0
            ? value
            : throw new UsageException($"--{name} must be a whole number, not \"{text}\"");
    }

    public int Int(string name, int? fallback = null) => checked((int)Long(name, fallback));

    public double Double(string name, double fallback)
    {
        var text = Optional(name);
        if (text is null) return fallback;
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= 0
            ? value
            : throw new UsageException($"--{name} must be a number, not \"{text}\"");
    }

    /// <summary>An Npgsql connection string, accepting medsettle's <c>postgres:</c> form too.</summary>
    public string ConnectionString(string name = "db")
    {
        var text = Text(name);
        return text.StartsWith("postgres:", StringComparison.Ordinal) ? text["postgres:".Length..] : text;
    }
}
