using Dapper;
using MedSettle.Tests.Infrastructure;
using static MedSettle.Tests.Transactions.WorkedExampleTests;

namespace MedSettle.Tests.Faults;

/// <summary>
/// A settlement group that is slow to commit keeps its persons locked until it does. Another settlement of one of them
/// must wait for that commit and then see it; nobody else's settlement may wait for it. PostgreSQL only: settlement
/// groups are PostgreSQL's (on SQLite every settlement runs alone).
/// </summary>
public sealed class SlowCommitTests() : PlatformTests(new PostgresTarget(), JilinCentral)
{
    [Fact]
    public async Task A_person_held_by_a_slow_commit_waits_for_it_and_nobody_else_waits()
    {
        var first = await His.OutpatientVisitAsync(ZhangWei, "310", FirstVisitBill);
        var second = await His.OutpatientVisitAsync(ZhangWei, "310", SecondVisitBill);
        var wangFangs = await His.OutpatientVisitAsync(WangFang, "390", FirstVisitBill);

        var faults = GroupFaults.On(Platform);
        var group = faults.Groups;
        var commit = new TaskCompletionSource();
        faults.NextCommitWaitsFor = commit.Task;
        Task<Reply> zhangFirst, zhangSecond;
        try
        {
            zhangFirst = His.SettleAsync(first, ZhangWei, "310", 605.35m, useAccount: true);
            await UntilAsync(() => group.Held(ZhangWei)); // his first group has read and decided, and waits to commit
            zhangSecond = His.SettleAsync(second, ZhangWei, "310", 75.00m, useAccount: false);
            await Task.Delay(300); // so that his second settlement is waiting before Wang Fang's arrives

            var wangFang = await His.SettleAsync(wangFangs, WangFang, "390", 605.35m, useAccount: false).WaitAsync(TimeSpan.FromSeconds(30));

            wangFang.ShouldSucceed();
            Assert.False(zhangFirst.IsCompleted, "Zhang Wei's first settlement was answered before its group committed");
            Assert.False(zhangSecond.IsCompleted, "Zhang Wei's second settlement did not wait for his first to commit");
        }
        finally
        {
            commit.TrySetResult();
        }

        var settledFirst = (await zhangFirst).ShouldSucceed();
        Assert.Equal(159.45m, settledFirst.Money("setlinfo", "hifp_pay"));
        Assert.Equal(445.90m, settledFirst.Money("setlinfo", "acct_pay"));
        // the second saw the first: the deductible already met, as in the worked example's second visit
        var settledSecond = (await zhangSecond).ShouldSucceed();
        Assert.Equal(0.00m, settledSecond.Money("setlinfo", "act_pay_dedc"));
        Assert.Equal(48.75m, settledSecond.Money("setlinfo", "hifp_pay"));
        Assert.Equal(1074.60m, settledSecond.Money("setlinfo", "balc"));

        await using var connection = await Platform.Database.OpenConnectionAsync();
        Assert.Equal(3L, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM settlements"));
        Assert.Empty(await MedSettle.Verify.Invariants.CheckAsync(Platform.Database));
    }

    private static async Task UntilAsync(Func<bool> condition)
    {
        for (var waited = TimeSpan.Zero; !condition(); waited += TimeSpan.FromMilliseconds(10))
        {
            if (waited > TimeSpan.FromSeconds(30)) throw new TimeoutException("the condition did not come true within 30 s");
            await Task.Delay(10);
        }
    }
}
