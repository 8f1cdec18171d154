using MedSettle.Storage;
using MedSettle.Transactions;
using System.Collections.Concurrent;
using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace MedSettle.Load;

public sealed record Hospital(string Code, string Name, string Admdvs, int Level);

/// <summary>One answer of the transaction API; <see cref="Output"/> is valid until the reply is disposed.</summary>
public sealed class Reply(JsonDocument document, double milliseconds) : IDisposable
{
    public int Infcode { get; } = document.RootElement.TryGetProperty("infcode", out var code) && code.TryGetInt32(out var value) ? value : -1;

    public string ErrMsg => document.RootElement.TryGetProperty("err_msg", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString()! : "";

    public JsonElement Output => document.RootElement.GetProperty("output");

    public double Milliseconds { get; } = milliseconds;

    public bool Ok => Infcode == 0;

    public void Dispose() => document.Dispose();
}

/// <summary>
/// A hospital's HIS speaking to the platform over HTTP: the national envelope around an input, a msgid per request in the
/// national shape (fixmedins_code + yyyyMMddHHmmss + 4-digit sequence, China time), one pooled HttpClient for all clients.
/// Each hospital's requests are signed (x-tif-* headers) with its credentials in force, read from the database with the
/// platform's key (or issued when it has none), and carry the sign_no of one 9001 per hospital and run.
/// </summary>
public sealed class Platform : IDisposable, IAsyncDisposable
{
    public const string Path = "/fsi/api/rsfComIfsService/callService";
    private static readonly TimeSpan ChinaOffset = TimeSpan.FromHours(8);
    private static readonly MediaTypeHeaderValue Json = new("application/json") { CharSet = "utf-8" };
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly HttpClient _http;
    private readonly Uri _endpoint;
    private readonly MsgIds _msgids = new();
    private readonly Database _database;
    private readonly ConcurrentDictionary<string, Lazy<Task<Session>>> _sessions = new(StringComparer.Ordinal);

    private sealed record Session(string Paasid, string Secret, string SignNo);

    /// <param name="connectionString">The platform's database (Npgsql), for the hospitals' credentials.</param>
    public Platform(string url, int connections, string connectionString)
    {
        _database = Database.Open("postgres:" + connectionString);
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = Math.Max(1, connections),
            UseProxy = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        };
        _http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(120) };
        _endpoint = new Uri(new Uri(url.TrimEnd('/') + "/"), Path.TrimStart('/'));
    }

    /// <summary>Now in China (UTC+8), the platform's clock.</summary>
    public static DateTime ChinaNow => DateTimeOffset.UtcNow.ToOffset(ChinaOffset).DateTime;

    public static string Text(DateTime time) => time.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    public static string Text(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>Sends one transaction; throws only when no envelope came back (HTTP failure, not JSON).</summary>
    public async Task<Reply> CallAsync(string infno, Hospital hospital, string insuplcAdmdvs, Action<Utf8JsonWriter> input,
        string? msgid = null, CancellationToken cancel = default)
    {
        var session = await _sessions.GetOrAdd(hospital.Code, _ => new Lazy<Task<Session>>(() => SignInAsync(hospital, cancel))).Value;
        return await SendAsync(infno, hospital, session.Paasid, session.Secret,
            Envelope(infno, msgid ?? _msgids.Next(hospital.Code), hospital, insuplcAdmdvs, session.SignNo, input), cancel);
    }

    /// <summary>Signs the hospitals in before the clock starts, so no measured request waits for a 9001.</summary>
    public async Task SignInAllAsync(IEnumerable<Hospital> hospitals, CancellationToken cancel = default)
    {
        foreach (var hospital in hospitals.DistinctBy(h => h.Code))
            await _sessions.GetOrAdd(hospital.Code, _ => new Lazy<Task<Session>>(() => SignInAsync(hospital, cancel))).Value;
    }

    /// <summary>The hospital's credentials in force (issued if it has none) and a 9001 with them.</summary>
    private async Task<Session> SignInAsync(Hospital hospital, CancellationToken cancel)
    {
        var credential = await HospitalCredentials.CurrentOrIssueAsync(_database, hospital.Code, ChinaNow);
        using var signedIn = await SendAsync("9001", hospital, credential.Paasid, credential.Secret,
            Envelope("9001", _msgids.Next(hospital.Code), hospital, "", "", w =>
            {
                w.WriteStartObject("signIn");
                w.WriteString("opter_no", "LOAD01");
                w.WriteEndObject();
            }), cancel);
        if (!signedIn.Ok) throw new InvalidOperationException($"9001 for {hospital.Code} refused: {signedIn.ErrMsg}");
        return new Session(credential.Paasid, credential.Secret, signedIn.Output.GetProperty("signinoutb").GetProperty("sign_no").GetString()!);
    }

    private async Task<Reply> SendAsync(string infno, Hospital hospital, string paasid, string secret, byte[] body, CancellationToken cancel)
    {
        var started = Stopwatch.GetTimestamp();
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = Json;
        using var request = new HttpRequestMessage(HttpMethod.Post, _endpoint) { Content = content };
        foreach (var (name, value) in HospitalSignature.Headers(paasid, secret, DateTimeOffset.UtcNow, body))
            request.Headers.TryAddWithoutValidation(name, value);
        using var response = await _http.SendAsync(request, cancel);
        var bytes = await response.Content.ReadAsByteArrayAsync(cancel);
        var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        if (response.StatusCode != HttpStatusCode.OK)
            throw new HttpRequestException($"HTTP {(int)response.StatusCode} to {infno} of {hospital.Code}: {System.Text.Encoding.UTF8.GetString(bytes)}");
        return new Reply(JsonDocument.Parse(bytes), elapsed);
    }

    public string NextMsgid(string hospitalCode) => _msgids.Next(hospitalCode);

    private static byte[] Envelope(string infno, string msgid, Hospital hospital, string insuplcAdmdvs, string signNo, Action<Utf8JsonWriter> input)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer, WriterOptions))
        {
            RequestEnvelope.Write(w, new RequestHeader(infno, msgid, hospital.Code, hospital.Name, hospital.Admdvs, insuplcAdmdvs,
                "LOAD01", "压测收费员", ChinaNow, signNo), input);
        }
        return buffer.WrittenSpan.ToArray();
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _database.DisposeAsync();
    }

    /// <summary>
    /// Per hospital: the current second and a 4-digit sequence; when the sequence wraps, the time part moves on a second
    /// (ahead of the clock if need be) so a msgid never repeats. The first msgid of a process is in the second after it
    /// started, so no two runs of the driver share one either.
    /// </summary>
    private sealed class MsgIds
    {
        private readonly Dictionary<string, Counter> _counters = new(StringComparer.Ordinal);
        private readonly long _startSecond = Seconds(ChinaNow);

        public string Next(string hospitalCode)
        {
            Counter counter;
            lock (_counters)
                if (!_counters.TryGetValue(hospitalCode, out counter!))
                    _counters[hospitalCode] = counter = new Counter { Second = _startSecond, Sequence = 9999 };

            long second;
            int sequence;
            lock (counter)
            {
                var now = Seconds(ChinaNow);
                if (now > counter.Second) (counter.Second, counter.Sequence) = (now, 0);
                else if (++counter.Sequence > 9999) (counter.Second, counter.Sequence) = (counter.Second + 1, 0);
                (second, sequence) = (counter.Second, counter.Sequence);
            }
            var time = new DateTime(second * TimeSpan.TicksPerSecond);
            return string.Create(CultureInfo.InvariantCulture, $"{hospitalCode}{time:yyyyMMddHHmmss}{sequence:D4}");
        }

        private static long Seconds(DateTime time) => time.Ticks / TimeSpan.TicksPerSecond;

        private sealed class Counter
        {
            public long Second;
            public int Sequence;
        }
    }
}

/// <summary>Latencies and refusals of one kind of request, merged from all clients.</summary>
public sealed class Tally
{
    private readonly List<double> _milliseconds = [];
    private readonly List<string> _samples = [];
    private long _refusals;
    private long _failures;

    public long Refusals => Interlocked.Read(ref _refusals);

    public long Failures => Interlocked.Read(ref _failures);

    public IReadOnlyList<string> Samples
    {
        get { lock (_samples) return _samples.ToArray(); }
    }

    public void Add(List<double> milliseconds)
    {
        lock (_milliseconds) _milliseconds.AddRange(milliseconds);
    }

    public void Refused(string infno, string message)
    {
        Interlocked.Increment(ref _refusals);
        Sample($"{infno} refused: {message}");
    }

    public void Failed(string infno, Exception e)
    {
        Interlocked.Increment(ref _failures);
        Sample($"{infno} failed: {e.GetType().Name}: {e.Message}");
    }

    private void Sample(string text)
    {
        lock (_samples)
            if (_samples.Count < 5) _samples.Add(text);
    }

    /// <summary>Nearest-rank percentile in milliseconds (0 when nothing was measured).</summary>
    public double Percentile(double p)
    {
        lock (_milliseconds)
        {
            if (_milliseconds.Count == 0) return 0;
            _milliseconds.Sort();
            var rank = (int)Math.Ceiling(p / 100.0 * _milliseconds.Count);
            return Math.Round(_milliseconds[Math.Clamp(rank - 1, 0, _milliseconds.Count - 1)], 2);
        }
    }

    public int Count
    {
        get { lock (_milliseconds) return _milliseconds.Count; }
    }
}

public static class Output
{
    public static readonly JsonSerializerOptions Json = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The result object as one line of JSON on stdout (the last line a script reads).</summary>
    public static void Result(object result) => Console.WriteLine(JsonSerializer.Serialize(result, Json));

    public static double Round(double value, int places = 1) => Math.Round(value, places, MidpointRounding.AwayFromZero);

    /// <summary>Progress on stderr, one line at a time, so logs stay readable when redirected.</summary>
    public static void Progress(string text) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {text}");
}
