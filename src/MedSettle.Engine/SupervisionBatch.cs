namespace MedSettle.Engine;

/// <summary>
/// A multiset of values drawn from a fixed set, answering "the i-th smallest" and "how many are smaller than x" in
/// O(log n): a Fenwick tree of counts over the values' ranks. R09's sliding 365-day window per diagnosis uses it.
/// </summary>
public sealed class OrderStatistics
{
    private readonly decimal[] _values;
    private readonly int[] _tree;
    private readonly int _top;

    /// <summary>Every value that may ever be added (duplicates allowed; any order).</summary>
    public OrderStatistics(IEnumerable<decimal> universe)
    {
        _values = universe.Distinct().Order().ToArray();
        _tree = new int[_values.Length + 1];
        _top = 1;
        while (_top * 2 <= _values.Length) _top *= 2;
    }

    public int Count { get; private set; }

    public void Add(decimal value) => Change(value, +1);

    /// <summary>Removes one occurrence of <paramref name="value"/>, which must be present.</summary>
    public void Remove(decimal value) => Change(value, -1);

    /// <summary>How many values held are strictly less than <paramref name="value"/> (a value of the universe).</summary>
    public int CountBelow(decimal value)
    {
        var sum = 0;
        for (var i = Rank(value); i > 0; i -= i & -i) sum += _tree[i];
        return sum;
    }

    /// <summary>The <paramref name="index"/>-th smallest value held, from 0.</summary>
    public decimal At(int index)
    {
        if (index < 0 || index >= Count) throw new ArgumentOutOfRangeException(nameof(index), $"{index} is not below {Count}");
        var (position, left) = (0, index + 1);
        for (var step = _top; step > 0; step /= 2)
            if (position + step < _tree.Length && _tree[position + step] < left)
            {
                position += step;
                left -= _tree[position];
            }
        return _values[position];
    }

    private void Change(decimal value, int by)
    {
        Count += by;
        for (var i = Rank(value) + 1; i < _tree.Length; i += i & -i) _tree[i] += by;
    }

    /// <summary>The 0-based position of <paramref name="value"/> among the distinct values.</summary>
    private int Rank(decimal value)
    {
        var i = Array.BinarySearch(_values, value);
        if (i < 0) throw new ArgumentException($"{value} is not one of the values this multiset was made for", nameof(value));
        return i;
    }
}

/// <summary>The history rules over many subjects at once, for medsettle audit: the same verdicts as the single-subject functions.</summary>
public static class SupervisionBatch
{
    /// <summary>
    /// R09 for every bill of <paramref name="bills"/> whose day is in [<paramref name="from"/>, <paramref name="to"/>],
    /// against the other bills of its ICD-10 category (the same verdicts as <see cref="Supervision.UnusuallyHighBill"/> on
    /// each, with <paramref name="bills"/> as the history). <paramref name="ruleOn"/> gives the version in force on a day.
    /// Per category the bills are sorted by day and a window of the lookback days slides over them, its median read
    /// from an <see cref="OrderStatistics"/>: O(n log n) in all.
    /// </summary>
    public static IEnumerable<(SettledBill Bill, Violation Violation)> UnusuallyHighBills(
        IEnumerable<SettledBill> bills, Func<DateOnly, RuleVersion> ruleOn, DateOnly from, DateOnly to)
    {
        foreach (var category in bills.GroupBy(b => Supervision.DiagnosisGroup(b.DiseCodg)).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            if (category.Key.Length < 3) continue;
            var sorted = category.OrderBy(b => b.Day).ThenBy(b => b.SetlId, StringComparer.Ordinal).ToArray();
            var window = new OrderStatistics(sorted.Select(b => b.Amount));
            var (lo, hi) = (0, 0);
            for (var i = 0; i < sorted.Length;)
            {
                var day = sorted[i].Day;
                var end = i;
                while (end < sorted.Length && sorted[end].Day == day) end++;
                if (day >= from && day <= to && ruleOn(day) is { Enabled: true } rule)
                {
                    var start = day.AddDays(1 - (int)rule.Param(SupervisionRules.BillLookbackDays));
                    for (; hi < end; hi++) window.Add(sorted[hi].Amount);
                    while (lo < hi && sorted[lo].Day < start) window.Remove(sorted[lo++].Amount);
                    while (lo > 0 && sorted[lo - 1].Day >= start) window.Add(sorted[--lo].Amount);
                    var minCases = (int)rule.Param(SupervisionRules.BillMinCases);
                    for (var b = i; b < end; b++)
                        if (Check(rule, sorted[b], category.Key, window, minCases) is { } found)
                            yield return (sorted[b], found);
                }
                i = end;
            }
        }
    }

    /// <summary>R09 on one bill whose window (itself included) <paramref name="window"/> holds.</summary>
    private static Violation? Check(RuleVersion rule, SettledBill bill, string group, OrderStatistics window, int minCases)
    {
        var peers = window.Count - 1;
        if (peers < minCases || peers == 0) return null;
        // The peers are the window less one occurrence of the bill's own amount: their i-th is the window's i-th below
        // the bill's rank, the window's (i + 1)-th from it on.
        var below = window.CountBelow(bill.Amount);
        decimal Peer(int index) => window.At(index < below ? index : index + 1);
        var median = peers % 2 == 1 ? Peer(peers / 2) : Money.Round((Peer(peers / 2 - 1) + Peer(peers / 2)) / 2m);
        return Supervision.HighBill(rule, bill, group, peers, median);
    }
}
