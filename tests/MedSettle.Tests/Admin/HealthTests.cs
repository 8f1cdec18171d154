using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using MedSettle.Admin;
using MedSettle.Tests.Infrastructure;
using static MedSettle.Tests.Transactions.WorkedExampleTests;

namespace MedSettle.Tests.Admin;

/// <summary>/health tells anyone that the server is up, and nothing more; its figures are the province's, behind an admin token.</summary>
public abstract class HealthTests(DatabaseTarget target) : PlatformTests(target, JilinCentral)
{
    private async Task<(HttpStatusCode Status, string Body)> GetAsync(string path, string? token = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await Platform.Http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Health_answers_anyone_with_a_bare_liveness_and_no_details()
    {
        var (status, body) = await GetAsync("/health");

        Assert.Equal(HttpStatusCode.OK, status);
        var root = JsonDocument.Parse(body).RootElement;
        Assert.Equal("ok", root.GetProperty("status").GetString());
        Assert.Equal(["status"], root.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task The_details_need_an_admin_token()
    {
        var (anonymous, anonymousBody) = await GetAsync("/api/admin/health");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous);
        Assert.Empty(anonymousBody);
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync("/api/admin/health", "msa_not-a-token-at-all-000000")).Status);

        var token = await AdminTokens.IssueAsync(Platform.Database, "province", Platform.Clock.GetLocalNow().DateTime);
        var (status, body) = await GetAsync("/api/admin/health", token);

        Assert.Equal(HttpStatusCode.OK, status);
        var root = JsonDocument.Parse(body).RootElement;
        Assert.Equal("ok", root.GetProperty("status").GetString());
        Assert.Equal(Platform.Database.Provider.ToString().ToLowerInvariant(), root.GetProperty("database").GetString());
        Assert.True(root.TryGetProperty("settlement_groups", out _), body); // null until a settlement group has run (PostgreSQL)
    }
}

public sealed class HealthTests_Sqlite() : HealthTests(new SqliteTarget());

public sealed class HealthTests_Postgres() : HealthTests(new PostgresTarget());
