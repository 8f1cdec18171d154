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
    private static long _sequence = Random.Shared.Next(0, 1_000_000);
    private readonly HttpClient _http;

    public PlatformClient(string baseAddress, TimeSpan? timeout = null)
    {
        _http = new HttpClient { BaseAddress = new Uri(baseAddress), Timeout = timeout ?? TimeSpan.FromSeconds(60) };
    }

    public Uri BaseAddress => _http.BaseAddress!;

    /// <summary>China Standard Time now: the server's clock.</summary>
    public static DateTime Now => DateTime.UtcNow.AddHours(8);

    public static string Today => Now.ToString("yyyy-MM-dd");

    /// <summary>A fresh msgid in the national shape, unique across the test run: hospital (12) + time (14) + sequence (4).</summary>
    public static string NewMsgid(string hospital)
    {
        var n = Interlocked.Increment(ref _sequence);
        return $"{hospital}{Now:yyyyMMdd}{n / 10000 % 1_000_000:D6}{n % 10000:D4}";
    }

    /// <summary>The envelope the national interface specifies around <paramref name="input"/>, as JSON.</summary>
    public static string Envelope(string infno, string hospital, object input, string msgid) =>
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
            ["inf_time"] = Now.ToString("yyyy-MM-dd HH:mm:ss"),
            ["fixmedins_code"] = hospital,
            ["fixmedins_name"] = "",
            ["sign_no"] = "",
            ["input"] = input,
        });

    public Task<Reply> CallAsync(string infno, string hospital, object input, string? msgid = null) =>
        PostAsync(Envelope(infno, hospital, input, msgid ?? NewMsgid(hospital)));

    /// <summary>POSTs one envelope to the transaction API. Throws when no answer arrives (connection refused or reset).</summary>
    public async Task<Reply> PostAsync(string body, CancellationToken cancel = default)
    {
        using var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await _http.PostAsync("/fsi/api/rsfComIfsService/callService", content, cancel);
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
