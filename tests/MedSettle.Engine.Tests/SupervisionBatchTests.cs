namespace MedSettle.Engine.Tests;

/// <summary>The audit's batch helpers: the order-statistic multiset and R09 over many bills, against the one-bill rule.</summary>
public class SupervisionBatchTests
{
    private static readonly DateOnly Start = new(2026, 1, 1);

    private static RuleVersion R09(decimal k, int s, int days) => new(SupervisionRule.R09, DateOnly.MinValue, true, RuleSeverity.Warn,
        new Dictionary<string, decimal> { [SupervisionRules.BillMultiple] = k, [SupervisionRules.BillMinCases] = s, [SupervisionRules.BillLookbackDays] = days });

    [Fact]
    public void The_multiset_answers_rank_and_kth_as_a_sorted_list_does_through_adds_and_removes()
    {
        var random = new Random(7);
        var universe = Enumerable.Range(0, 40).Select(_ => (decimal)random.Next(0, 25) / 4).ToList();
        var set = new OrderStatistics(universe);
        var list = new List<decimal>();
        for (var step = 0; step < 2000; step++)
        {
            if (list.Count > 0 && random.Next(3) == 0)
            {
                var gone = list[random.Next(list.Count)];
                list.Remove(gone);
                set.Remove(gone);
            }
            else
            {
                var value = universe[random.Next(universe.Count)];
                list.Add(value);
                set.Add(value);
            }
            list.Sort();
            Assert.Equal(list.Count, set.Count);
            for (var i = 0; i < list.Count; i++) Assert.Equal(list[i], set.At(i));
            var probe = universe[random.Next(universe.Count)];
            Assert.Equal(list.Count(v => v < probe), set.CountBelow(probe));
        }
        Assert.Throws<ArgumentException>(() => set.Add(1000m));
    }

    [Fact]
    public void R09_over_many_bills_finds_what_the_one_bill_rule_finds_on_each()
    {
        var random = new Random(2026);
        string[] diagnoses = ["J18.9", "J18.0", "I21.0", "I21", "K35.8", "S72.0", "X1"];
        var bills = Enumerable.Range(0, 600).Select(i => new SettledBill($"S{i:D4}", diagnoses[random.Next(diagnoses.Length)],
            Start.AddDays(random.Next(0, 200)), random.Next(10) == 0 ? random.Next(3000, 9000) : random.Next(100, 1200) + random.Next(0, 100) / 100m)).ToList();
        // the lookback and the minimum change on day 100 (a later version), so the window must also widen again
        RuleVersion RuleOn(DateOnly day) => day < Start.AddDays(100) ? R09(3m, 5, 30) : R09(2.5m, 8, 60);
        var (from, to) = (Start.AddDays(40), Start.AddDays(170));

        var batch = SupervisionBatch.UnusuallyHighBills(bills, RuleOn, from, to).ToList();
        var one = bills.Where(b => b.Day >= from && b.Day <= to)
            .SelectMany(b => Supervision.UnusuallyHighBill(RuleOn(b.Day), b, bills).Select(v => (Bill: b, Violation: v))).ToList();

        Assert.NotEmpty(one);
        Assert.Equal(one.Select(f => (f.Bill.SetlId, f.Violation.Message, f.Violation.Limit)).Order(),
            batch.Select(f => (f.Bill.SetlId, f.Violation.Message, f.Violation.Limit)).Order());
    }

    [Fact]
    public void R09_takes_the_median_of_the_others_an_even_count_as_the_mean_of_the_middle_two()
    {
        SettledBill Bill(string id, decimal amount, int day = 0) => new(id, "J18.9", Start.AddDays(day), amount);
        // for D the others are 100, 100, 100, 301: median 100, limit 300.00, D (300) passes; for E they are 100 ×3 and 300: E (301) is over
        SettledBill[] bills = [Bill("A", 100m), Bill("B", 100m), Bill("C", 100m), Bill("D", 300m, 1), Bill("E", 301m, 1), Bill("F", 10_000m, 400)];

        var found = SupervisionBatch.UnusuallyHighBills(bills, _ => R09(3m, 3, 365), Start, Start.AddDays(400)).ToList();

        var (bill, violation) = Assert.Single(found);
        Assert.Equal(("E", 300.00m), (bill.SetlId, violation.Limit));
        Assert.Contains("4 例结算中位数 100.00 元", violation.Message);
    }
}
