using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MedSettle.Storage;
using MedSettle.Transactions;

namespace MedSettle.Tests.Infrastructure;

/// <summary>
/// What a HIS needs to call a server over HTTP for every hospital of one database: credentials (the ones in force, or
/// new) and a sign_no, from one 9001 made in process. Made once per database and shared by all its server processes.
/// </summary>
public sealed class HospitalAccess
{
    private static readonly ConcurrentDictionary<string, Lazy<Task<HospitalAccess>>> Made = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (HospitalCredential Credential, string SignNo)> _hospitals;

    private HospitalAccess(Dictionary<string, (HospitalCredential, string)> hospitals) => _hospitals = hospitals;

    public static Task<HospitalAccess> ForAsync(string db) => Made.GetOrAdd(db, d => new Lazy<Task<HospitalAccess>>(() => MakeAsync(d))).Value;

    private static async Task<HospitalAccess> MakeAsync(string db)
    {
        await using var database = Database.Open(db);
        await Schema.MigrateAsync(database);
        var clock = new PlatformClock(TimeProvider.System);
        var hospitals = new Dictionary<string, (HospitalCredential, string)>(StringComparer.Ordinal);
        foreach (var code in await database.ReadAsync(unit => unit.QueryAsync<string>("SELECT fixmedins_code FROM hospitals")))
        {
            var credential = await HospitalCredentials.CurrentOrIssueAsync(database, code, clock.Now);
            var envelope = JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["infno"] = "9001", ["msgid"] = PlatformClient.NewMsgid(code), ["fixmedins_code"] = code, ["input"] = new { signIn = new { opter_no = "001" } },
            });
            var (_, answer) = await TransactionApi.CallAsync(database, clock, Encoding.UTF8.GetBytes(envelope));
            var signNo = JsonDocument.Parse(answer).RootElement.GetProperty("output").GetProperty("signinoutb").GetProperty("sign_no").GetString()!;
            hospitals[code] = (credential, signNo);
        }
        return new HospitalAccess(hospitals);
    }

    /// <summary>The body with the hospital's sign_no filled in where it is blank, and the headers that sign it.</summary>
    public (byte[] Body, IReadOnlyList<KeyValuePair<string, string>> Headers) Sign(string body)
    {
        var node = JsonNode.Parse(body)!.AsObject();
        var hospital = node["fixmedins_code"]!.GetValue<string>();
        var (credential, signNo) = _hospitals[hospital];
        if (string.IsNullOrEmpty(node["sign_no"]?.GetValue<string>())) node["sign_no"] = signNo;
        var bytes = Encoding.UTF8.GetBytes(node.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
        return (bytes, HospitalSignature.Headers(credential.Paasid, credential.Secret, DateTimeOffset.UtcNow, bytes));
    }
}
