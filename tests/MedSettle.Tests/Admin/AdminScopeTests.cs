using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Dapper;
using MedSettle.Admin;
using MedSettle.Tests.Infrastructure;
using static MedSettle.Tests.Transactions.WorkedExampleTests;

namespace MedSettle.Tests.Admin;

/// <summary>
/// Region-scoped admin tokens (OWASP API1): 张伟, insured in 长春市 (220100), settles at 吉林市 (220200). A token of
/// 延边州 (222400) takes no part in that and, at every admin endpoint, sees none of it and changes nothing; 长春市's
/// token sees its own insured's settlement; only the province computes and confirms the clearing.
/// </summary>
public abstract class AdminScopeTests(DatabaseTarget target) : PlatformTests(target, JilinCentral)
{
    private const string Changchun = "220100", Jilin = "220200", Yanbian = "222400";

    private async Task<string> TokenAsync(string? region) =>
        await AdminTokens.IssueAsync(Platform.Database, region ?? "province", Platform.Clock.GetLocalNow().DateTime, region);

    private async Task<(int Status, string Body)> AdminAsync(HttpMethod method, string path, string token)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await Platform.Http.SendAsync(request);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private async Task<string> ClearingsAsync()
    {
        await using var connection = await Platform.Database.OpenConnectionAsync();
        return JsonSerializer.Serialize(await connection.QueryAsync("SELECT month, status, confirmed_at FROM clearings ORDER BY month"));
    }

    private async Task<string> SettleZhangWeiAsync()
    {
        var visit = await His.OutpatientVisitAsync(ZhangWei, "310", FirstVisitBill, day: "2026-03-15");
        return (await His.SettleAsync(visit, ZhangWei, "310", 605.35m, useAccount: true)).ShouldSucceed().Text("setlinfo", "setl_id");
    }

    public static TheoryData<string, string> Endpoints => new()
    {
        { "GET", "/api/admin/stats?from=2026-03-01&to=2026-03-31" },
        { "GET", "/api/admin/stats?from=2026-03-01&to=2026-03-31&insuplc_admdvs=220100" },
        { "GET", "/api/admin/stats?from=2026-03-01&to=2026-03-31&fixmedins_code=H22020000001" },
        { "GET", "/api/admin/clearing/2026-03" },
        { "POST", "/api/admin/clearing/2026-03" },
        { "POST", "/api/admin/clearing/2026-02" },
        { "POST", "/api/admin/clearing/2026-02/confirm" },
        { "GET", "/api/admin/personal-data-reads?from=2026-03-01&to=2026-03-31" },
    };

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task A_region_token_sees_nothing_of_other_regions_and_changes_nothing(string method, string path)
    {
        var setlId = await SettleZhangWeiAsync();
        var yanbian = await TokenAsync(Yanbian);
        var before = (await Fingerprint.OfAsync(Platform.Database), await ClearingsAsync());

        var (status, body) = await AdminAsync(new HttpMethod(method), path, yanbian);

        Assert.True(status is 200 or 403, $"{method} {path}: {status} {body}");
        Assert.Equal(before, (await Fingerprint.OfAsync(Platform.Database), await ClearingsAsync()));
        foreach (var foreign in new[] { Changchun, Jilin, JilinCentral, setlId, "605.35" }.Where(f => !path.Contains(f, StringComparison.Ordinal)))
            Assert.DoesNotContain(foreign, body);
        if (method == "POST" || path.Contains("insuplc_admdvs=220100") || path.Contains("personal-data-reads")) Assert.Equal(403, status);
    }

    [Fact]
    public async Task A_region_token_sees_its_own_insured_and_its_part_of_the_clearing()
    {
        await SettleZhangWeiAsync();
        var changchun = await TokenAsync(Changchun);
        var province = await TokenAsync(null);

        var (status, body) = await AdminAsync(HttpMethod.Get, "/api/admin/stats?from=2026-03-01&to=2026-03-31", changchun);
        Assert.Equal(200, status);
        var stats = JsonDocument.Parse(body).RootElement;
        Assert.Equal(1, stats.GetProperty("settlements").GetInt32());
        Assert.Equal(605.35m, stats.GetProperty("medfee_sumamt").GetDecimal());
        Assert.All(stats.GetProperty("by_home_region").EnumerateArray(), g => Assert.Equal(Changchun, g.GetProperty("key").GetString()));

        (status, body) = await AdminAsync(HttpMethod.Get, "/api/admin/clearing/2026-03", changchun);
        Assert.Equal(200, status);
        var clearing = JsonDocument.Parse(body).RootElement;
        Assert.Single(clearing.GetProperty("lines").EnumerateArray());
        Assert.All(clearing.GetProperty("positions").EnumerateArray(), p => Assert.Equal(Changchun, p.GetProperty("admdvs").GetString()));

        (status, _) = await AdminAsync(HttpMethod.Post, "/api/admin/clearing/2026-02/confirm", province);
        Assert.Equal(200, status);
        Assert.Contains("confirmed", await ClearingsAsync());
    }

    [Fact]
    public async Task A_token_for_an_unknown_region_is_not_issued()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => TokenAsync("999999"));
        var (status, _) = await AdminAsync(HttpMethod.Get, "/api/admin/stats?from=2026-03-01&to=2026-03-31", "msa_not-a-token-at-all");
        Assert.Equal((int)HttpStatusCode.Unauthorized, status);
    }
}

public sealed class AdminScopeTests_Sqlite() : AdminScopeTests(new SqliteTarget());

public sealed class AdminScopeTests_Postgres() : AdminScopeTests(new PostgresTarget());
