using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace MedSettle.Tests.Infrastructure;

/// <summary>Whatever a hospital's HIS speaks to: an in-process platform or a server process.</summary>
public interface ITransactionCaller
{
    Task<Reply> CallAsync(string infno, string hospital, object input, string? msgid = null);
}

/// <summary>
/// A HIS's HTTP client for a server at any address (a separate process, or a second host), on the real clock. Every
/// request of the fault tests leaves through <see cref="PostAsync"/>: the one place that signs requests.
/// </summary>
public sealed class PlatformClient : ITransactionCaller, IDisposable
{
    /// <summary>Counts from 0 in every run: each test's database is new, so msgids need no random start to be unique.</summary>
    private static long _sequence;

    private readonly HttpClient _http;
    private readonly HospitalAccess? _access;

    /// <param name="access">Credentials and sign_nos to sign with; without them requests go unsigned (and are refused).</param>
    public PlatformClient(string baseAddress, HospitalAccess? access = null, TimeSpan? timeout = null)
    {
        _access = access;
        _http = new HttpClient { BaseAddress = new Uri(baseAddress), Timeout = timeout ?? TimeSpan.FromSeconds(60) };
    }

    public Uri BaseAddress => _http.BaseAddress!;

    /// <summary>China Standard Time now: the server's clock.</summary>
    public static DateTime Now => DateTime.UtcNow.AddHours(8);

    public static string Today => Now.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>A fresh msgid in the national shape, unique across the test run: hospital (12) + time (14) + sequence (4).</summary>
    public static string NewMsgid(string hospital)
    {
        var n = Interlocked.Increment(ref _sequence);
        return $"{hospital}{Now:yyyyMMdd}{n / 10000 % 1_000_000:D6}{n % 10000:D4}";
    }

    /// <summary>The envelope the national interface specifies around <paramref name="input"/>, as JSON.</summary>
    public static string Envelope(string infno, string hospital, object input, string msgid, DateTime? infTime = null, string signNo = "") =>
        JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["infno"] = infno,
            ["msgid"] = msgid,
            ["mdtrtarea_admvs"] = hospital.Substring(1, 6),
            ["insuplc_admdvs"] = "",
            ["recer_sys_code"] = "MBS_LOCAL",
            ["infver"] = "V1.0",
            ["opter_type"] = "1",
            ["opter"] = "001",
            ["opter_name"] = "测试收费员",
            ["inf_time"] = (infTime ?? Now).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
            ["fixmedins_code"] = hospital,
            ["fixmedins_name"] = "",
            ["sign_no"] = signNo,
            ["input"] = input,
        });

    public Task<Reply> CallAsync(string infno, string hospital, object input, string? msgid = null) =>
        PostAsync(Envelope(infno, hospital, input, msgid ?? NewMsgid(hospital)));

    /// <summary>
    /// POSTs one envelope to the transaction API, with the hospital's sign_no filled in where blank and signed with its
    /// credentials. Throws when no answer arrives (connection refused or reset).
    /// </summary>
    public async Task<Reply> PostAsync(string body, CancellationToken cancel = default)
    {
        var (bytes, headers) = _access?.Sign(body) ?? (Encoding.UTF8.GetBytes(body), []);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/fsi/api/rsfComIfsService/callService") { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        foreach (var (name, value) in headers) request.Headers.TryAddWithoutValidation(name, value);
        using var response = await _http.SendAsync(request, cancel);
        var text = await response.Content.ReadAsStringAsync(cancel);
        return new Reply((int)response.StatusCode, text, JsonDocument.Parse(text).RootElement.Clone());
    }

    /// <summary>True once the server answers /health.</summary>
    public async Task<bool> HealthyAsync()
    {
        try
        {
            using var response = await _http.GetAsync("/health");
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (TaskCanceledException)
        {
            return false;
        }
    }

    public void Dispose() => _http.Dispose();
}
