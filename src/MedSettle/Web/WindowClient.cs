using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using MedSettle.Storage;
using MedSettle.Transactions;

namespace MedSettle.Web;

/// <summary>
/// One answer of the transaction API, as the window reads it: <see cref="Error"/> and <see cref="Warning"/> in the clerk's
/// words (<see cref="ClerkWords"/>), <see cref="ApiError"/> the API's own text.
/// </summary>
public sealed record WindowReply(bool Ok, string? Error, string? Warning, JsonElement Output, string Msgid, string? ApiError = null)
{
    /// <summary>The API's own text when the clerk is shown other words (for support), else null.</summary>
    public string? Detail => ApiError is not null && ApiError != Error ? ApiError : null;
}

/// <summary>
/// The clerk's window speaks to the platform exactly as a hospital's HIS does: every change goes through the same
/// transaction handlers (and so the same envelope, exactly-once storage and refusals), in process. The clerk is already
/// authenticated by the session cookie, so there is no HMAC here; but like any HIS the window signs in (9001) for its
/// hospital once, keeps the sign_no, and signs in again should it be signed out.
/// </summary>
public sealed class WindowClient(Database database, PlatformClock clock, IHttpContextAccessor? http = null, TransactionSettings? settings = null)
{
    private static int _sequence = Random.Shared.Next(0, 10_000);
    private readonly ConcurrentDictionary<string, string> _signNos = new(StringComparer.Ordinal);

    public async Task<WindowReply> CallAsync(string hospital, string opterName, string infno, object input, string? msgid = null)
    {
        msgid ??= NewMsgid(hospital);
        var reply = await SendAsync(hospital, opterName, infno, input, msgid, await SignNoAsync(hospital, opterName));
        if (!reply.Ok && reply.ApiError?.Contains(SignIn.SignInAgain, StringComparison.Ordinal) == true)
        {
            _signNos.TryRemove(hospital, out _);
            reply = await SendAsync(hospital, opterName, infno, input, msgid, await SignNoAsync(hospital, opterName));
        }
        return reply;
    }

    private async Task<string> SignNoAsync(string hospital, string opterName)
    {
        if (_signNos.TryGetValue(hospital, out var signNo)) return signNo;
        var reply = await SendAsync(hospital, opterName, "9001", new { signIn = new { opter_no = "WEB", mac = "", ip = "" } }, NewMsgid(hospital), "");
        if (!reply.Ok) return ""; // the call itself is then refused with the reason
        signNo = reply.Output.GetProperty("signinoutb").GetProperty("sign_no").GetString()!;
        _signNos[hospital] = signNo;
        return signNo;
    }

    /// <summary>A msgid of <paramref name="hospital"/>'s: fixmedins_code, the time and a sequence number (30 characters).</summary>
    public string NewMsgid(string hospital) =>
        string.Create(CultureInfo.InvariantCulture, $"{hospital}{clock.Now:yyyyMMddHHmmss}{Interlocked.Increment(ref _sequence) % 10_000:D4}");

    private async Task<WindowReply> SendAsync(string hospital, string opterName, string infno, object input, string msgid, string signNo)
    {
        var envelope = new Dictionary<string, object?>
        {
            ["infno"] = infno,
            ["msgid"] = msgid,
            ["mdtrtarea_admvs"] = hospital.Length >= 7 ? hospital.Substring(1, 6) : "",
            ["insuplc_admdvs"] = "",
            ["recer_sys_code"] = TransactionApi.WebSystemCode,
            ["infver"] = "V1.0",
            ["opter_type"] = "1",
            ["opter"] = http?.HttpContext?.User.Identity?.Name ?? opterName, // the signed-in account, for the audit log
            ["opter_name"] = opterName,
            ["inf_time"] = clock.Now.ToText(),
            ["fixmedins_code"] = hospital,
            ["sign_no"] = signNo,
            ["input"] = input,
        };
        var (_, body) = await TransactionApi.CallAsync(database, clock, Encoding.UTF8.GetBytes(JsonSerializer.Serialize(envelope)),
            windowAccount: http?.HttpContext?.User.Identity?.Name ?? opterName, settings: settings);
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        var ok = root.GetProperty("infcode").GetInt32() == 0;
        var error = root.GetProperty("err_msg").GetString();
        var warning = root.GetProperty("warn_msg").GetString();
        return new WindowReply(ok, error is null ? null : ClerkWords.ForClerk(error), warning is null ? null : ClerkWords.ForClerk(warning),
            root.GetProperty("output").Clone(), msgid, error);
    }
}
