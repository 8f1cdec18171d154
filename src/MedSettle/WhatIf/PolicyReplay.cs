using System.Diagnostics;
using Dapper;
using MedSettle.Engine;
using MedSettle.Storage;

namespace MedSettle.WhatIf;

/// <summary>
/// 政策测算 (docs/WHATIF.md): replays the settlements that stand in a period, with those earlier in the same years so that
/// deductibles, caps and the supplementary bases start where they stood, in the order they were written, twice at once:
/// under the rules in force (the self-check: every stored row must come out to the fen) and under a draft (the what-if).
/// Reads only, in one streamed query: it can run on a standby.
/// </summary>
public static class PolicyReplay
{
    private const int CommandTimeoutSeconds = 3600;

    public static Task<WhatIfReport> RunAsync(Database database, WhatIfQuery query, IProgress<WhatIfProgress>? progress = null, CancellationToken cancel = default) =>
        database.ReadAsync(unit => RunAsync(unit, query, progress, cancel), cancel);

    private static async Task<WhatIfReport> RunAsync(UnitOfWork unit, WhatIfQuery query, IProgress<WhatIfProgress>? progress, CancellationToken cancel)
    {
        var timer = Stopwatch.StartNew();
        var regions = query.Regions?.Order(StringComparer.Ordinal).ToArray();
        var inScope = regions is null ? "" : $" AND {unit.IsOneOf("s.insuplc_admdvs", "regions")}";
        var from = query.From.ToText();
        var next = query.To.AddDays(1).ToText();
        // One pass over the years the period's rows belong to: the first of them, and how many rows a replay from its start reads.
        var years = (await unit.QueryAsync<(long Year, long Rows, long InPeriod)>(
            $"""
            SELECT s.year, COUNT(*), SUM(CASE WHEN s.setl_time >= @from THEN 1 ELSE 0 END) FROM settlements s
            WHERE s.setl_time < @next{inScope} GROUP BY s.year
            """, new { from, next, regions })).ToList();
        var firstYear = years.Where(y => y.InPeriod > 0).Select(y => (long?)y.Year).Min();

        var policies = (await unit.QueryAsync<PolicyRow>("SELECT * FROM policies")).ToList();
        var supplements = (await unit.QueryAsync<SupplementRow>("SELECT * FROM supplements")).ToList();
        var baseline = new PolicyBook(policies, supplements, PolicyDraft.Empty);
        var drafted = query.Draft.IsEmpty ? null : new PolicyBook(policies, supplements, query.Draft);
        var levels = (await unit.QueryAsync<(string, long)>("SELECT fixmedins_code, hosp_lv FROM hospitals")).ToDictionary(h => h.Item1, h => h.Item2, StringComparer.Ordinal);
        var assistance = (await unit.QueryAsync<(string, string, string)>(
                "SELECT psn_no, insutype, assistance_type FROM persons WHERE assistance_type IS NOT NULL AND assistance_type <> ''"))
            .ToDictionary(p => (p.Item1, p.Item2), p => p.Item3);
        var names = (await unit.QueryAsync<(string, string)>("SELECT admdvs, name FROM regions")).ToDictionary(r => r.Item1, r => r.Item2, StringComparer.Ordinal);
        var rows = new HistoryRow.Reader(levels, assistance);
        var asStored = new HistoryReplay(baseline);
        var underDraft = drafted is null ? null : new HistoryReplay(drafted);
        var results = new Results();
        long replayed = 0, identical = 0;
        var differences = new List<WhatIfDifference>();

        if (firstYear is { } year)
        {
            var where = $"s.year >= @year AND s.setl_time < @next{inScope}";
            var parameters = new { year, from, next, regions };
            var total = years.Where(y => y.Year >= year).Sum(y => y.Rows);
            progress?.Report(new WhatIfProgress(0, total));
            var postgres = unit.Database.Provider == DbProvider.Postgres;
            // in seq order by its index (migration 43), so that the rows stream from the first one with no sort before it;
            // no JIT (a quarter of a second of compiling before the first row, for expressions this simple)
            if (postgres) await unit.ExecuteAsync("SET LOCAL enable_sort = off; SET LOCAL jit = off");
            await using var reader = await unit.Connection.ExecuteReaderAsync(new CommandDefinition(
                $"SELECT {HistoryRow.Columns(postgres)} FROM settlements s WHERE {where} ORDER BY {(postgres ? "s.seq" : "s.rowid")}",
                parameters, unit.Transaction, CommandTimeoutSeconds, cancellationToken: cancel));
            while (await reader.ReadAsync(cancel))
            {
                var row = rows.Read(reader);
                var stored = asStored.Replay(row);
                if (stored.Reproduces(row)) identical++;
                else if (differences.Count < WhatIfReport.MaxDifferences)
                    differences.AddRange(stored.DifferencesFrom(row).Take(WhatIfReport.MaxDifferences - differences.Count)
                        .Select(d => new WhatIfDifference(row.SetlId, d.Field, d.Stored, d.Replayed)));
                var draft = underDraft?.Replay(row) ?? stored;
                results.Add(row, stored, draft);
                if (++replayed % 50_000 == 0) progress?.Report(new WhatIfProgress(replayed, Math.Max(total, replayed)));
            }
            progress?.Report(new WhatIfProgress(replayed, replayed));
        }
        return results.Report(query, regions, names, replayed, identical, differences, timer.Elapsed.TotalSeconds);
    }

    /// <summary>The what-if's figures, gathered over the period's standing settlements as the replay passes them.</summary>
    private sealed class Results
    {
        private sealed class Line
        {
            public long Count, Medfee, CashBefore, CashAfter, AccountBefore, AccountAfter, Changed;
            public readonly long[] FundCount = new long[4], FundBefore = new long[4], FundAfter = new long[4];
        }

        private readonly Dictionary<Scheme, Line> _lines = [];
        private readonly List<long> _cashChanges = [];
        private readonly PriorityQueue<WhatIfCase, (long, string)> _largest = new();
        private readonly List<WhatIfCase> _crossings = [];
        private long _crossingCount;
        private long _settlements;

        public void Add(HistoryRow s, Replayed stored, Replayed draft)
        {
            if (s.IsReversal || s.IsReversed || !s.InPeriod) return;
            _settlements++;
            var key = s.Enrolment.Scheme;
            if (!_lines.TryGetValue(key, out var line)) _lines[key] = line = new Line();
            line.Count++;
            line.Medfee += s.MedfeeFen;
            line.CashBefore += s.PsnCashFen;
            line.CashAfter += draft.PsnCash;
            line.AccountBefore += s.AcctPayFen;
            line.AccountAfter += draft.AcctPay;
            if (draft.PsnCash != s.PsnCashFen || draft.AcctPay != s.AcctPayFen) line.Changed++;
            Fund(0, true, s.HifpFen, draft.Hifp);
            Fund(1, s.HifobBaseFen is not null || draft.HifobBase is not null, s.HifobFen, draft.HifobPay);
            Fund(2, s.HifmiBaseFen is not null || draft.HifmiBase is not null, s.HifmiFen, draft.HifmiPay);
            Fund(3, s.MafBaseFen is not null || draft.MafBase is not null, s.MafFen, draft.MafPay);
            _cashChanges.Add(draft.PsnCash - s.PsnCashFen);

            var crossed = Crossed(stored, draft);
            var change = Math.Abs(draft.FundPay - s.FundPayFen);
            if (crossed is not null) _crossingCount++;
            if (change == 0 && crossed is null) return;
            WhatIfCase Case() => new(s.SetlId, s.Region, s.Insutype, s.FixmedinsCode, s.SetlTime, Money.FromFen(s.MedfeeFen),
                Money.FromFen(s.FundPayFen), Money.FromFen(draft.FundPay), Money.FromFen(s.PsnCashFen), Money.FromFen(draft.PsnCash), crossed);
            if (crossed is not null && _crossings.Count < WhatIfReport.MaxCrossings) _crossings.Add(Case());
            // the 20 largest changes: a min-queue of 20, its least change (then the greatest id) first out
            if (change > 0)
            {
                var priority = (change, s.SetlId);
                if (_largest.Count < WhatIfReport.LargestCount) _largest.Enqueue(Case(), priority);
                else if (_largest.TryPeek(out _, out var least) && Larger(priority, least)) _largest.EnqueueDequeue(Case(), priority);
            }

            void Fund(int i, bool takesPart, long before, long after)
            {
                if (!takesPart) return;
                line.FundCount[i]++;
                line.FundBefore[i] += before;
                line.FundAfter[i] += after;
            }
        }

        private static bool Larger((long Change, string Id) a, (long Change, string Id) b) =>
            a.Change > b.Change || (a.Change == b.Change && string.CompareOrdinal(a.Id, b.Id) < 0);

        /// <summary>Which caps and bands the settlement reaches differently under the draft; null where none.</summary>
        private static string? Crossed(in Replayed before, in Replayed after)
        {
            if (before.Problem is not null || after.Problem is not null) return null;
            var said = new List<string>(2);
            if (before.BasicCapReached != after.BasicCapReached) said.Add(after.BasicCapReached ? "基本统筹达到封顶线" : "基本统筹不再达到封顶线");
            Position("大额补助", before.Hifob, after.Hifob);
            Position("大病保险", before.Hifmi, after.Hifmi);
            Position("医疗救助", before.Maf, after.Maf);
            return said.Count == 0 ? null : string.Join("；", said);

            void Position(string fund, FundPosition? b, FundPosition? a)
            {
                if (b == a) return;
                if (b?.CapReached != a?.CapReached && (b?.CapReached == true || a?.CapReached == true))
                    said.Add(a?.CapReached == true ? $"{fund}达到年度限额" : $"{fund}不再达到年度限额");
                if (b?.Band != a?.Band) said.Add($"{fund}累计进入{BandName(a?.Band)}（原{BandName(b?.Band)}）");
            }

            static string BandName(int? band) => band switch { null => "不适用", -1 => "起付标准以下", { } i => $"第{i + 1}段" };
        }

        public WhatIfReport Report(WhatIfQuery query, string[]? regions, IReadOnlyDictionary<string, string> names, long replayed, long identical,
            List<WhatIfDifference> differences, double seconds)
        {
            string[] funds = ["basic", "hifob", "hifmi", "maf"];
            string[] fundNames = ["基本医疗保险统筹基金", "职工大额医疗费用补助", "城乡居民大病保险", "医疗救助"];
            var ordered = _lines.OrderBy(l => l.Key.Region, StringComparer.Ordinal).ThenBy(l => l.Key.Insutype, StringComparer.Ordinal).ToList();
            string Name(string region) => names.GetValueOrDefault(region, region);
            var fundLines = (from l in ordered
                             from i in Enumerable.Range(0, 4)
                             where l.Value.FundCount[i] > 0
                             select new WhatIfFundLine(l.Key.Region, Name(l.Key.Region), l.Key.Insutype, funds[i], fundNames[i], l.Value.FundCount[i],
                                 Money.FromFen(l.Value.Medfee), Money.FromFen(l.Value.FundBefore[i]), Money.FromFen(l.Value.FundAfter[i]))).ToList();
            var patients = ordered.Select(l => new WhatIfPatientLine(l.Key.Region, Name(l.Key.Region), l.Key.Insutype, l.Value.Count, Money.FromFen(l.Value.Medfee),
                Money.FromFen(l.Value.CashBefore), Money.FromFen(l.Value.CashAfter), Money.FromFen(l.Value.AccountBefore), Money.FromFen(l.Value.AccountAfter),
                l.Value.Changed)).ToList();
            _cashChanges.Sort();
            var deciles = _cashChanges.Count == 0
                ? []
                : Enumerable.Range(0, 11).Select(d => Money.FromFen(_cashChanges[(int)Math.Min(_cashChanges.Count - 1, (long)d * (_cashChanges.Count - 1) / 10)])).ToList();
            var largest = new List<WhatIfCase>();
            while (_largest.TryDequeue(out var c, out _)) largest.Add(c);
            largest.Reverse();
            return new WhatIfReport(query.From, query.To, regions, query.Draft.Count, replayed, identical, differences, _settlements, fundLines, patients,
                deciles, largest, _crossingCount, _crossings, seconds);
        }
    }
}
