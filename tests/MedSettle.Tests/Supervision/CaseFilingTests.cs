using Dapper;
using MedSettle.Engine;
using MedSettle.Tests.Import;
using MedSettle.Tests.Infrastructure;
using MedSettle.Transactions;

namespace MedSettle.Tests.Supervision;

/// <summary>Filing findings into the supervision queue: once per rule and evidence, a closed case opened again by a new finding.</summary>
public abstract class CaseFilingTests(DatabaseTarget target) : ImportDatabaseTests(target)
{
    private static readonly DateTime Now = new(2026, 3, 5, 10, 0, 0);

    private static readonly CaseSubject Subject = new(CaseSubject.SettlementCase("S1"), CaseSubject.Settlement, "S1", "M1", "T1",
        "220100", "220200", "H22020001", "P1", "310", 100_00, 60_00);

    private static Finding Bed(params string[] lines) =>
        new(new Violation(SupervisionRule.R06, RuleSeverity.Warn, "明细 1：床位费共 4 日，超过住院天数 2 日", lines, new DateOnly(2026, 3, 5), 4m, 2m));

    private Task<int> FileAsync(params Finding[] findings) =>
        _database.WriteAsync(async unit => (await SupervisionCases.FileAsync(unit, Subject, findings, SupervisionCases.AtSettlement, "test", Now), true));

    [Fact]
    public async Task The_same_finding_filed_twice_is_filed_once()
    {
        Assert.Equal(1, await FileAsync(Bed("2", "1")));
        Assert.Equal(0, await FileAsync(Bed("1", "2")));
        Assert.Equal(1, await CountAsync("supervision_cases"));
        Assert.Equal(1, await CountAsync("supervision_violations"));
        Assert.Equal(1, await CountAsync("supervision_events"));
    }

    [Fact]
    public async Task A_new_finding_opens_a_cleared_case_again_and_is_recorded()
    {
        await FileAsync(Bed("1"));
        await using (var connection = await _database.OpenConnectionAsync())
            await connection.ExecuteAsync("UPDATE supervision_cases SET status = 'cleared'");
        Assert.Equal(1, await FileAsync(Bed("1"), Bed("3")));
        await using var check = await _database.OpenConnectionAsync();
        Assert.Equal("open", await check.ExecuteScalarAsync<string>("SELECT status FROM supervision_cases"));
        Assert.Equal(["filed", "found"], await check.QueryAsync<string>("SELECT action FROM supervision_events ORDER BY seq"));
        Assert.Equal(["lines:1", "lines:3"], await check.QueryAsync<string>("SELECT evidence_key FROM supervision_violations ORDER BY evidence_key"));
    }
}

public sealed class CaseFilingTests_Sqlite() : CaseFilingTests(new SqliteTarget());

public sealed class CaseFilingTests_Postgres() : CaseFilingTests(new PostgresTarget());
