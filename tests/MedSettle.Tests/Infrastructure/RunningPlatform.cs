using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using MedSettle.Hosting;
using MedSettle.Import;
using MedSettle.Storage;
using Microsoft.AspNetCore.Builder;

namespace MedSettle.Tests.Infrastructure;

/// <summary>The real server on a loopback port over a fresh database, with the jilin-mini bundle imported.</summary>
public sealed class RunningPlatform : ITransactionCaller, IAsyncDisposable
{
    private int _sequence;

    private RunningPlatform(Database database, WebApplication app, TestClock clock)
    {
        Database = database;
        App = app;
        Clock = clock;
        Http = new HttpClient { BaseAddress = new Uri(app.Address()) };
    }

    public Database Database { get; }
    public WebApplication App { get; }
    public TestClock Clock { get; }
    public HttpClient Http { get; }

    public static async Task<RunningPlatform> StartAsync(DatabaseTarget target, string? bundle = null, DateTime? now = null)
    {
        var database = await target.NewDatabaseAsync();
        await new BundleImporter(database).ImportAsync(bundle ?? TestPaths.JilinMini);
        var clock = new TestClock(now ?? new DateTime(2026, 3, 15, 10, 0, 0));
        var app = await MedSettleHost.BuildAsync(database, "http://127.0.0.1:0", clock);
        await app.StartAsync();
        return new RunningPlatform(database, app, clock);
    }

    /// <summary>A fresh msgid in the national shape: hospital code (12) + time (14) + sequence (4).</summary>
    public string NewMsgid(string hospital)
    {
        var n = Interlocked.Increment(ref _sequence);
        return $"{hospital}{20260315100000L + n / 10000:D14}{n % 10000:D4}";
    }

    public async Task<Reply> CallAsync(string infno, string hospital, object input, string? msgid = null)
    {
        var envelope = new Dictionary<string, object?>
        {
            ["infno"] = infno,
            ["msgid"] = msgid ?? NewMsgid(hospital),
            ["mdtrtarea_admvs"] = hospital.Substring(1, 6),
            ["insuplc_admdvs"] = "",
            ["recer_sys_code"] = "MBS_LOCAL",
            ["infver"] = "V1.0",
            ["opter_type"] = "1",
            ["opter"] = "001",
            ["opter_name"] = "测试收费员",
            ["inf_time"] = Clock.GetLocalNow().ToString("yyyy-MM-dd HH:mm:ss"),
            ["fixmedins_code"] = hospital,
            ["fixmedins_name"] = "",
            ["sign_no"] = "",
            ["input"] = input,
        };
        return await PostAsync(JsonSerializer.Serialize(envelope));
    }

    public async Task<Reply> PostAsync(string body)
    {
        using var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await Http.PostAsync("/fsi/api/rsfComIfsService/callService", content);
        var text = await response.Content.ReadAsStringAsync();
        return new Reply((int)response.StatusCode, text, JsonDocument.Parse(text).RootElement.Clone());
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        await Database.DisposeAsync();
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
