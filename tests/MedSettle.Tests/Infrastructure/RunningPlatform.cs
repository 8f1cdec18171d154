using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using MedSettle.Hosting;
using MedSettle.Import;
using MedSettle.Storage;
using MedSettle.Transactions;
using MedSettle.Transactions.Groups;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Builder;

namespace MedSettle.Tests.Infrastructure;

/// <summary>
/// The real server on a loopback port over a fresh database, with the jilin-mini bundle imported. Every hospital gets
/// credentials and signs in (9001) at start, as a HIS would; <see cref="CallAsync"/> and <see cref="PostAsync"/> sign each
/// request with the hospital's credentials and put its sign_no in the envelope.
/// </summary>
public sealed class RunningPlatform : ITransactionCaller, IAsyncDisposable
{
    public const string Endpoint = "/fsi/api/rsfComIfsService/callService";
    private readonly Dictionary<string, HospitalCredential> _credentials = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _signNos = new(StringComparer.Ordinal);
    private int _sequence;

    private RunningPlatform(Database database, WebApplication app, TestClock clock)
    {
        Database = database;
        App = app;
        Clock = clock;
        Http = new HttpClient { BaseAddress = new Uri(app.Address()) };
    }

    public Database Database { get; }

    /// <summary>The --db value of <see cref="Database"/>: another process's view of the same data.</summary>
    public string DatabaseValue { get; private init; } = "";
    public WebApplication App { get; }

    /// <summary>The server's settlement groups (PostgreSQL's group commit; idle on SQLite).</summary>
    public SettlementGroups Groups => App.Services.GetRequiredService<SettlementGroups>();
    public TestClock Clock { get; }
    public HttpClient Http { get; }

    /// <summary>The credentials each hospital signs with (issued at start).</summary>
    public IReadOnlyDictionary<string, HospitalCredential> Credentials => _credentials;

    /// <summary>Each hospital's sign_no from its 9001 at start.</summary>
    public IReadOnlyDictionary<string, string> SignNos => _signNos;

    public static async Task<RunningPlatform> StartAsync(DatabaseTarget target, string? bundle = null, DateTime? now = null,
        IReadOnlyDictionary<string, string?>? settings = null)
    {
        var value = await target.NewDatabaseValueAsync();
        var database = Database.Open(value);
        await Schema.MigrateAsync(database);
        var clock = new TestClock(now ?? new DateTime(2026, 3, 15, 10, 0, 0));
        await new BundleImporter(database, clock: new PlatformClock(clock)).ImportAsync(bundle ?? TestPaths.JilinMini); // the catalogue's version 1 is of the clock's now
        var platform = await HostAsync(database, value, clock, settings);
        var hospitals = await database.ReadAsync(unit => unit.QueryAsync<string>("SELECT fixmedins_code FROM hospitals ORDER BY fixmedins_code"));
        foreach (var hospital in hospitals)
            platform._credentials[hospital] = await HospitalCredentials.IssueAsync(database, hospital, platform.Clock.GetLocalNow().DateTime);
        foreach (var hospital in hospitals)
        {
            var signedIn = (await platform.CallAsync("9001", hospital, new { signIn = new { opter_no = "001", mac = "", ip = "127.0.0.1" } })).ShouldSucceed();
            platform._signNos[hospital] = signedIn.Text("signinoutb", "sign_no");
        }
        return platform;
    }

    private static async Task<RunningPlatform> HostAsync(Database database, string value, TestClock clock, IReadOnlyDictionary<string, string?>? settings)
    {
        var app = await MedSettleHost.BuildAsync(database, "http://127.0.0.1:0", clock, settings);
        await app.StartAsync();
        return new RunningPlatform(database, app, clock) { DatabaseValue = value };
    }

    /// <summary>
    /// Stops the platform and keeps its database, closed, as a template: <see cref="Template.StartCopyAsync"/> starts a
    /// platform on a copy of it as it stands now, with the same credentials, sign-ins, clock and msgid sequence.
    /// </summary>
    public async Task<Template> StopAsTemplateAsync(DatabaseTarget target, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var template = new Template(target, DatabaseValue, Clock.GetLocalNow().DateTime, Volatile.Read(ref _sequence), settings,
            new Dictionary<string, HospitalCredential>(_credentials), new Dictionary<string, string>(_signNos));
        await DisposeAsync();
        return template;
    }

    /// <summary>A stopped platform's database and what its hospitals hold (see <see cref="StopAsTemplateAsync"/>).</summary>
    public sealed record Template(DatabaseTarget Target, string DatabaseValue, DateTime Now, int Sequence, IReadOnlyDictionary<string, string?>? Settings,
        IReadOnlyDictionary<string, HospitalCredential> Credentials, IReadOnlyDictionary<string, string> SignNos)
    {
        /// <summary>A platform on a new copy of the template's database, which its disposal drops.</summary>
        public async Task<RunningPlatform> StartCopyAsync()
        {
            var value = await Target.CopyDatabaseAsync(DatabaseValue);
            var database = Database.Open(value);
            await Schema.MigrateAsync(database);
            var platform = await HostAsync(database, value, new TestClock(Now), Settings);
            foreach (var (hospital, credential) in Credentials) platform._credentials[hospital] = credential;
            foreach (var (hospital, signNo) in SignNos) platform._signNos[hospital] = signNo;
            platform._sequence = Sequence;
            platform._dropOnDispose = Target;
            return platform;
        }
    }

    private DatabaseTarget? _dropOnDispose;

    /// <summary>A fresh msgid in the national shape: hospital code (12) + time (14) + sequence (4).</summary>
    public string NewMsgid(string hospital)
    {
        var n = Interlocked.Increment(ref _sequence);
        return $"{hospital}{20260315100000L + n / 10000:D14}{n % 10000:D4}";
    }

    public Task<Reply> CallAsync(string infno, string hospital, object input, string? msgid = null) =>
        PostAsync(Envelope(infno, hospital, input, msgid), hospital);

    /// <summary>The body <see cref="CallAsync"/> would send: the envelope with a new msgid (unless given), now, and the hospital's sign_no.</summary>
    public string Envelope(string infno, string hospital, object input, string? msgid = null) =>
        PlatformClient.Envelope(infno, hospital, input, msgid ?? NewMsgid(hospital), Clock.GetLocalNow().DateTime, _signNos.GetValueOrDefault(hospital, ""));

    /// <summary>
    /// The signature headers of <paramref name="body"/> with <paramref name="hospital"/>'s credentials, made once: passed
    /// to <see cref="PostAsync"/> they send the very same signed request (same nonce) each time.
    /// </summary>
    public List<KeyValuePair<string, string?>> SignatureOf(string body, string hospital)
    {
        var credential = _credentials[hospital];
        return HospitalSignature.Headers(credential.Paasid, credential.Secret, Clock.GetUtcNow(), Encoding.UTF8.GetBytes(body))
            .Select(h => new KeyValuePair<string, string?>(h.Key, h.Value)).ToList();
    }

    /// <summary>
    /// POSTs a raw body, signed with the credentials of <paramref name="signAs"/> (by default the envelope's
    /// fixmedins_code when the body has one, else the first hospital); <paramref name="headers"/> replace or add headers.
    /// </summary>
    public async Task<Reply> PostAsync(string body, string? signAs = null, IEnumerable<KeyValuePair<string, string?>>? headers = null)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        using var request = new HttpRequestMessage(HttpMethod.Post, Endpoint) { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var credential = _credentials.GetValueOrDefault(signAs ?? ClaimedHospital(body) ?? "") ?? _credentials.Values.FirstOrDefault();
        var signed = credential is null ? [] : HospitalSignature.Headers(credential.Paasid, credential.Secret, Clock.GetUtcNow(), bytes).ToList();
        foreach (var (name, value) in headers ?? [])
        {
            signed.RemoveAll(h => h.Key == name);
            if (value is not null) signed.Add(new(name, value));
        }
        foreach (var (name, value) in signed) request.Headers.TryAddWithoutValidation(name, value);
        using var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return new Reply((int)response.StatusCode, text, JsonDocument.Parse(text).RootElement.Clone());
    }

    private static string? ClaimedHospital(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("fixmedins_code", out var code)
                   && code.ValueKind == JsonValueKind.String ? code.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        await Database.DisposeAsync();
        if (_dropOnDispose is not null) await _dropOnDispose.DropDatabaseAsync(DatabaseValue);
    }
}

/// <summary>One response of the transaction API.</summary>
public sealed record Reply(int Status, string Body, JsonElement Root)
{
    public int Infcode => Root.GetProperty("infcode").GetInt32();
    public string? ErrMsg => Root.GetProperty("err_msg").GetString();
    public string? WarnMsg => Root.GetProperty("warn_msg").GetString();
    public JsonElement Output => Root.GetProperty("output");

    public Reply ShouldSucceed()
    {
        Assert.True(Infcode == 0, $"expected success, got: {Body}");
        return this;
    }

    public Reply ShouldFail(string containing)
    {
        Assert.True(Infcode == -1, $"expected a refusal containing \"{containing}\", got: {Body}");
        Assert.Contains(containing, ErrMsg);
        return this;
    }

    public decimal Money(string node, string field) => Output.GetProperty(node).GetProperty(field).GetDecimal();

    public string Text(string node, string field) => Output.GetProperty(node).GetProperty(field).GetString()!;
}
