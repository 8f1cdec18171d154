using System.Text.Json;
using System.Text.Json.Serialization;
using MedSettle.Storage;
using System.Globalization;

namespace MedSettle.Transactions;

/// <summary>The envelope's sender: hospital, msgid, operator (for the audit log), whether it is the platform's own window, sign_no.</summary>
public sealed record Caller(string FixmedinsCode, string Msgid, string Actor, string Channel, string? SignNo);

/// <summary>
/// The answers the platform gives, in the national envelope: a success with its output, a refusal with its reason, and
/// the answer to a msgid seen before (its stored response, or why there is none). The single path (TransactionApi) and
/// the settlement groups both answer through these.
/// </summary>
public static class Responses
{
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The stored message is this transaction with this same input (a retry), not another one under the same msgid.</summary>
    internal static bool IsAnswerTo(MessageRow stored, string infno, string inputHash) => stored.Infno == infno && stored.InputHash == inputHash;

    /// <summary>
    /// The answer to a msgid seen before (<paramref name="stored"/>): its stored response, with the person's name (and the
    /// identity number, masked) read back; each person it shows gets an audit row in <paramref name="unit"/>, and
    /// <c>Audited</c> says that the unit must be committed for them.
    /// </summary>
    internal static async Task<(string Response, bool Audited)> ReplayAsync(UnitOfWork unit, MessageRow? stored, PlatformClock clock, Caller caller,
        string infno, string inputHash, DateTime received)
    {
        if (Replay(stored, clock, caller.Msgid, infno, inputHash, received) is { } refused) return (refused, false);
        var restored = await StoredResponses.RestoreAsync(unit, stored!.Response!);
        foreach (var person in restored.Shown)
            await PersonalDataReads.WriteAsync(unit, received, caller.Channel, caller.Actor, caller.FixmedinsCode, $"{infno} {TransactionApi.Kinds[infno].Name}",
                new PersonalDataRead(person.PsnNo, person.InsuplcAdmdvs, "重发报文（同一 msgid）返回已存应答"), caller.Msgid);
        return (restored.Response, restored.Shown.Count > 0);
    }

    /// <summary>Why a msgid seen before gets no stored answer, or null when its stored response is the answer.</summary>
    private static string? Replay(MessageRow? stored, PlatformClock clock, string msgid, string infno, string inputHash, DateTime received)
    {
        if (stored is null)
            return Failure(received, clock, $"报文 {msgid} 正在处理中，请稍后重试");
        if (stored.State == "fenced")
            return Failure(received, clock, $"报文 {msgid} 已被冲正（2601），不再办理；请以新的 msgid 重新发起");
        if (!IsAnswerTo(stored, infno, inputHash))
            return Failure(received, clock, stored.Infno == infno
                ? $"msgid {msgid} 已用于一笔内容不同的 {infno} 交易：重试时内容须与原报文完全相同；办理新的交易请使用新的 msgid"
                : $"msgid {msgid} 已用于另一笔交易（{stored.Infno}），同一 msgid 不能携带不同的内容；请使用新的 msgid");
        return stored.Response is null ? Failure(received, clock, $"报文 {msgid} 正在处理中，请稍后重试") : null;
    }

    internal static string Success(DateTime received, PlatformClock clock, object? output, string? warning) =>
        Serialize(new ResponseEnvelope(0, Ids.RefMessageId(received), received.ToString("yyyyMMddHHmmssfff", CultureInfo.InvariantCulture),
            clock.Now.ToString("yyyyMMddHHmmssfff", CultureInfo.InvariantCulture), null, warning, output ?? new { }));

    internal static string Failure(DateTime received, PlatformClock clock, string message) =>
        Serialize(new ResponseEnvelope(-1, Ids.RefMessageId(received), received.ToString("yyyyMMddHHmmssfff", CultureInfo.InvariantCulture),
            clock.Now.ToString("yyyyMMddHHmmssfff", CultureInfo.InvariantCulture), message, null, null));

    private static string Serialize(ResponseEnvelope envelope) => JsonSerializer.Serialize(envelope, Json);

    private sealed record ResponseEnvelope(int Infcode, string InfRefmsgid, string RefmsgTime, string RespondTime, string? ErrMsg,
        string? WarnMsg, object? Output);
}
