using System.Net.Http.Headers;
using System.Text.Json;
using MedSettle.Admin;
using MedSettle.Tests.Infrastructure;
using static MedSettle.Tests.Transactions.WorkedExampleTests;

namespace MedSettle.Tests.Admin;

/// <summary>
/// Every /api/admin parameter out of its range (months and dates far from any data, a period backwards or too long,
/// a limit that is no number, an unknown channel or format) is answered 400 with the reason in JSON, never 500 or an
/// empty body; and what is in range is still served.
/// </summary>
public abstract class AdminParameterTests(DatabaseTarget target) : PlatformTests(target, JilinCentral)
{
    private async Task<(int Status, string? MediaType, string Body)> AdminAsync(string method, string path)
    {
        var token = await AdminTokens.IssueAsync(Platform.Database, "province", Platform.Clock.GetLocalNow().DateTime);
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await Platform.Http.SendAsync(request);
        return ((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsStringAsync());
    }

    public static TheoryData<string, string> OutOfRange => new()
    {
        { "GET", "/api/admin/clearing/9999-12" },
        { "POST", "/api/admin/clearing/9999-12" },
        { "POST", "/api/admin/clearing/9999-12/confirm" },
        { "GET", "/api/admin/clearing/0001-01" },
        { "GET", "/api/admin/clearing/2026-13" },
        { "GET", "/api/admin/stats?from=0001-01-01&to=9999-12-31" },
        { "GET", "/api/admin/stats?from=2026-03-01&to=9999-12-31" },
        { "GET", "/api/admin/stats?from=2026-03-31&to=2026-03-01" },
        { "GET", "/api/admin/stats?from=2016-01-01&to=2026-03-31" },
        { "GET", "/api/admin/stats?from=2026-03-01" },
        { "GET", "/api/admin/personal-data-reads?from=2026-03-01&to=9999-12-31" },
        { "GET", "/api/admin/personal-data-reads?from=0001-01-01&to=2026-03-31" },
        { "GET", "/api/admin/personal-data-reads?from=2026-03-01&to=2026-03-31&limit=abc" },
        { "GET", "/api/admin/personal-data-reads?from=2026-03-01&to=2026-03-31&limit=99999999999" },
        { "GET", "/api/admin/personal-data-reads?from=2026-03-01&to=2026-03-31&limit=0" },
        { "GET", "/api/admin/personal-data-reads?from=2026-03-01&to=2026-03-31&channel=fax" },
        { "GET", "/api/admin/personal-data-reads?from=2026-03-01&to=2026-03-31&format=xml" },
    };

    [Theory]
    [MemberData(nameof(OutOfRange))]
    public async Task A_parameter_out_of_range_is_answered_400_with_a_reason(string method, string path)
    {
        var (status, mediaType, body) = await AdminAsync(method, path);

        Assert.True(status == 400, $"{method} {path}: expected 400, got {status} {body}");
        Assert.Equal("application/json", mediaType);
        Assert.False(string.IsNullOrWhiteSpace(JsonDocument.Parse(body).RootElement.GetProperty("error").GetString()));
    }

    [Theory]
    [InlineData("GET", "/api/admin/clearing/2026-03")]
    [InlineData("POST", "/api/admin/clearing/2026-02")]
    [InlineData("GET", "/api/admin/stats?from=2026-03-01&to=2026-03-31")]
    [InlineData("GET", "/api/admin/stats?from=2025-03-16&to=2026-03-15")]
    [InlineData("GET", "/api/admin/personal-data-reads?from=2026-03-01&to=2026-03-31&limit=10&channel=api")]
    [InlineData("GET", "/api/admin/personal-data-reads?from=2026-03-01&to=2026-03-31&format=csv")]
    public async Task What_is_in_range_is_still_served(string method, string path)
    {
        var (status, _, body) = await AdminAsync(method, path);

        Assert.True(status == 200, $"{method} {path}: {status} {body}");
    }
}

public sealed class AdminParameterTests_Sqlite() : AdminParameterTests(new SqliteTarget());

public sealed class AdminParameterTests_Postgres() : AdminParameterTests(new PostgresTarget());
