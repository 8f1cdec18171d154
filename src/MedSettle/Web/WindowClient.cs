using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using System.Text.Json;
using MedSettle.Storage;
using MedSettle.Transactions;
using MedSettle.Transactions.Groups;

namespace MedSettle.Web;

/// <summary>
/// One answer of the transaction API, as the window reads it: <see cref="Error"/> and <see cref="Warning"/> in the clerk's
/// words (<see cref="ClerkWords"/>), <see cref="ApiError"/> the API's own text. A refusal a handler made comes with its
/// <see cref="Code"/> and <see cref="Field"/>; any other failure (an answer to a msgid seen before, a body the API could
/// not read) has no code, and its words follow from the text alone.
/// </summary>
public sealed record WindowReply(bool Ok, string? Error, string? Warning, JsonElement Output, string Msgid, string? ApiError = null,
    RefusalCode? Code = null, InputField? Field = null)
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
public sealed class WindowClient(Database database, PlatformClock clock, IHttpContextAccessor? http = null, TransactionSettings? settings = null,
    SettlementGroups? groups = null)
{
    private readonly ConcurrentDictionary<string, string> _signNos = new(StringComparer.Ordinal);

    public async Task<WindowReply> CallAsync(string hospital, string opterName, string infno, object input, string? msgid = null)
    {
        msgid ??= await NewMsgidAsync(hospital);
        var reply = await SendAsync(hospital, opterName, infno, input, msgid, await SignNoAsync(hospital, opterName));
        if (!reply.Ok && reply.Code == RefusalCode.SignInRequired)
        {
            _signNos.TryRemove(hospital, out _);
            reply = await SendAsync(hospital, opterName, infno, input, msgid, await SignNoAsync(hospital, opterName));
        }
        return reply;
    }

    private async Task<string> SignNoAsync(string hospital, string opterName)
    {
        if (_signNos.TryGetValue(hospital, out var signNo)) return signNo;
        var reply = await SendAsync(hospital, opterName, "9001", new { signIn = new { opter_no = "WEB", mac = "", ip = "" } }, await NewMsgidAsync(hospital), "");
        if (!reply.Ok) return ""; // the call itself is then refused with the reason
        signNo = reply.Output.GetProperty("signinoutb").GetProperty("sign_no").GetString()!;
        _signNos[hospital] = signNo;
        return signNo;
    }

    /// <summary>Marks a msgid the window minted, where a hospital's HIS puts the first digit of its sequence.</summary>
    public const char WindowMark = 'W';

    /// <summary>
    /// A new msgid of <paramref name="hospital"/>'s window: fixmedins_code, the time (14), <see cref="WindowMark"/> and a
    /// sequence within the second (3), 30 characters for a 12-character code. Time and sequence are one number in table
    /// window_msgids, the later of the last one + 1 and now, taken in one statement: distinct across every server on the
    /// database by construction (past 1,000 in a second they run on into the next), and never one a HIS mints, whose
    /// sequence is digits.
    /// </summary>
    public async Task<string> NewMsgidAsync(string hospital)
    {
        var now = clock.Now.Ticks / TimeSpan.TicksPerSecond * 1000;
        var minted = await database.WriteAsync(async unit => (await unit.ScalarAsync<long>("""
            INSERT INTO window_msgids (fixmedins_code, last_minted) VALUES (@hospital, @now)
            ON CONFLICT (fixmedins_code) DO UPDATE SET last_minted =
                CASE WHEN window_msgids.last_minted + 1 > excluded.last_minted THEN window_msgids.last_minted + 1 ELSE excluded.last_minted END
            RETURNING last_minted
            """, new { hospital, now }), true));
        var second = new DateTime(minted / 1000 * TimeSpan.TicksPerSecond);
        return string.Create(CultureInfo.InvariantCulture, $"{hospital}{second:yyyyMMddHHmmss}{WindowMark}{minted % 1000:D3}");
    }

    /// <summary>Whether <paramref name="msgid"/> has the shape of one <see cref="NewMsgidAsync"/> made for <paramref name="hospital"/> (a form's own, sent back).</summary>
    public static bool IsWindowMsgid([NotNullWhen(true)] string? msgid, string hospital) =>
        msgid is not null && msgid.Length == hospital.Length + 18 && msgid.StartsWith(hospital, StringComparison.Ordinal)
        && msgid.AsSpan(hospital.Length, 14).IndexOfAnyExceptInRange('0', '9') < 0 && msgid[^4] == WindowMark
        && msgid.AsSpan(msgid.Length - 3).IndexOfAnyExceptInRange('0', '9') < 0;

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
        var (_, body, refusal) = await TransactionApi.CallWithRefusalAsync(database, clock, Encoding.UTF8.GetBytes(JsonSerializer.Serialize(envelope)),
            windowAccount: http?.HttpContext?.User.Identity?.Name ?? opterName, settings: settings, groups: groups);
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        var ok = root.GetProperty("infcode").GetInt32() == 0;
        var error = root.GetProperty("err_msg").GetString();
        var warning = root.GetProperty("warn_msg").GetString();
        var words = error is null ? null : refusal is not null ? ClerkWords.ForClerk(refusal) : ClerkWords.ForClerk(error);
        return new WindowReply(ok, words, warning is null ? null : ClerkWords.ForClerk(warning), root.GetProperty("output").Clone(), msgid, error,
            refusal?.Code, refusal?.Field);
    }
}
