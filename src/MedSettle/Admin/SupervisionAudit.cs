using System.Data.Common;
using System.Globalization;
using System.Threading.Channels;
using Dapper;
using MedSettle.Engine;
using MedSettle.Storage;
using MedSettle.Transactions;

namespace MedSettle.Admin;

/// <summary>One rule's line of an audit: subjects checked, violations found, and how many of them were new to the queue.</summary>
public sealed record AuditRuleCount(SupervisionRule Rule, long Checked, long Found, long Filed);

/// <summary>An audit's figures per rule, and how long each of its passes took (for the bench).</summary>
public sealed record AuditReport(DateOnly From, DateOnly To, IReadOnlyList<AuditRuleCount> Rules, IReadOnlyList<(string Pass, TimeSpan Took)> Passes);

/// <summary>
/// 事后审核: <c>medsettle audit</c> (docs/SUPERVISION.md "After the fact"). Runs the rules that need history over a
/// period — R07 over the admissions begun in it, R08 over the filings made in it, R09 over the standing settlements
/// settled in it, R10 (and the visit-local R01–R06 of settled visits) over the visits with fee lines in it — reading
/// each rule's data in one streamed query, and files what it finds into the supervision queue
/// (<see cref="SupervisionCases.FileAsync"/>), which keeps each finding once: a second run files nothing new.
/// </summary>
public static class SupervisionAudit
{
    public const string Actor = "medsettle audit";

    private const int CommandTimeoutSeconds = 3600;

    /// <summary>Where a finding goes: a settlement, a visit (its standing settlement's case if it has one) or a filing.</summary>
    private sealed record Target(string? SetlId, string? MdtrtId, string? FilingSn, long? BillNo = null);

    private sealed record Pending(Target Target, Violation Violation);

    public static async Task<AuditReport> RunAsync(Database database, DateOnly from, DateOnly to, DateTime now,
        IProgress<string>? progress = null, CancellationToken cancel = default)
    {
        var versions = await database.ReadAsync(SupervisionVersions.AllAsync, cancel);
        var sets = new Dictionary<DateOnly, RuleSet>();
        RuleSet RulesOn(DateOnly day) => sets.TryGetValue(day, out var set) ? set : sets[day] = RuleSet.InForce(versions, day);
        var next = to.AddDays(1).ToText();
        var counts = SupervisionRules.All.ToDictionary(r => r, _ => (Checked: 0L, Found: 0L, Filed: 0L));
        var pending = new List<Pending>();
        void Found(SupervisionRule rule, long found) => counts[rule] = counts[rule] with { Found = counts[rule].Found + found };
        void Checked(SupervisionRule rule, long n = 1) => counts[rule] = counts[rule] with { Checked = counts[rule].Checked + n };

        var passes = new List<(string, TimeSpan)>();
        var timer = System.Diagnostics.Stopwatch.StartNew();
        async Task Pass(string name, Func<Task> run)
        {
            progress?.Report(name);
            timer.Restart();
            await run();
            passes.Add((name, timer.Elapsed));
        }
        await Pass("R07 admissions", () => ReadmissionsAsync(database, from, next, RulesOn, Checked, pending, cancel));
        await Pass("R08 filings", () => FilingsAsync(database, from, next, versions, RulesOn, Checked, pending, cancel));
        await Pass("R09 settlements", () => HighBillsAsync(database, from, to, versions, RulesOn, Checked, pending, cancel));
        await Pass("R01–R06, R10 fee lines", () => VisitsAsync(database, from, next, RulesOn, Checked, pending, cancel));
        IReadOnlyList<(SupervisionRule Rule, long Found, long Filed)> filed = [];
        await Pass("filing", async () => filed = await FileAsync(database, pending, now, cancel));
        foreach (var (rule, found, added) in filed)
        {
            Found(rule, found);
            counts[rule] = counts[rule] with { Filed = counts[rule].Filed + added };
        }
        return new AuditReport(from, to, SupervisionRules.All.Select(r => new AuditRuleCount(r, counts[r].Checked, counts[r].Found, counts[r].Filed)).ToList(), passes);
    }

    /// <summary>R07: every admission begun in the period against the same person's other admissions (cancelled ones left out).</summary>
    private static async Task ReadmissionsAsync(Database database, DateOnly from, string next, Func<DateOnly, RuleSet> rulesOn,
        Action<SupervisionRule, long> check, List<Pending> pending, CancellationToken cancel)
    {
        const string Sql = """
            SELECT v.mdtrt_id, v.psn_no, v.fixmedins_code, v.begntime, v.endtime FROM visits v
            WHERE v.kind = 'inpatient' AND v.cancelled_at IS NULL AND v.begntime < @next
              AND v.psn_no IN (SELECT w.psn_no FROM visits w WHERE w.kind = 'inpatient' AND w.cancelled_at IS NULL AND w.begntime >= @from AND w.begntime < @next)
            ORDER BY v.psn_no, v.begntime, v.mdtrt_id
            """;
        var person = new List<Admission>();
        string? current = null;
        void Check()
        {
            foreach (var admission in person.Where(a => a.Admitted >= from))
            {
                check(SupervisionRule.R07, 1);
                foreach (var v in Supervision.Readmission(rulesOn(admission.Admitted)[SupervisionRule.R07], admission, person))
                    pending.Add(new Pending(new Target(null, admission.MdtrtId, null), v));
            }
            person.Clear();
        }
        await StreamAsync(database, Sql, new { from = from.ToText(), next }, reader =>
        {
            var psnNo = reader.GetString(1);
            if (psnNo != current) { Check(); current = psnNo; }
            person.Add(new Admission(reader.GetString(0), reader.GetString(2), Formats.ParseDate(reader.GetString(3)),
                reader.IsDBNull(4) ? null : Formats.ParseDate(reader.GetString(4))));
        }, cancel);
        Check();
    }

    /// <summary>R08: every filing made in the period against the person's filings of the D days before it (revoked ones left out).</summary>
    private static async Task FilingsAsync(Database database, DateOnly from, string next, IReadOnlyList<RuleVersion> versions,
        Func<DateOnly, RuleSet> rulesOn, Action<SupervisionRule, long> check, List<Pending> pending, CancellationToken cancel)
    {
        const string Sql = """
            SELECT f.trt_dcla_detl_sn, f.psn_no, f.created_at FROM filings f
            WHERE f.revoked_at IS NULL AND f.created_at >= @history AND f.created_at < @next
              AND f.psn_no IN (SELECT g.psn_no FROM filings g WHERE g.revoked_at IS NULL AND g.created_at >= @from AND g.created_at < @next)
            ORDER BY f.psn_no, f.created_at, f.trt_dcla_detl_sn
            """;
        var days = Longest(versions, SupervisionRule.R08, SupervisionRules.FilingDays);
        var person = new List<FilingRecord>();
        string? current = null;
        void Check()
        {
            foreach (var filing in person.Where(f => f.Filed >= from))
            {
                check(SupervisionRule.R08, 1);
                foreach (var v in Supervision.FrequentFilings(rulesOn(filing.Filed)[SupervisionRule.R08], person, filing.Filed))
                    pending.Add(new Pending(new Target(null, null, filing.TrtDclaDetlSn), v));
            }
            person.Clear();
        }
        await StreamAsync(database, Sql, new { history = from.AddDays(1 - days).ToText(), from = from.ToText(), next }, reader =>
        {
            var psnNo = reader.GetString(1);
            if (psnNo != current) { Check(); current = psnNo; }
            person.Add(new FilingRecord(reader.GetString(0), Formats.ParseDate(reader.GetString(2))));
        }, cancel);
        Check();
    }

    /// <summary>R09: the standing settlements settled in the period against their category's standing bills of the lookback days.</summary>
    private static async Task HighBillsAsync(Database database, DateOnly from, DateOnly to, IReadOnlyList<RuleVersion> versions,
        Func<DateOnly, RuleSet> rulesOn, Action<SupervisionRule, long> check, List<Pending> pending, CancellationToken cancel)
    {
        const string Sql = """
            SELECT s.setl_id, s.setl_time, s.medfee_fen, COALESCE(v.dise_codg, f.dise_codg) FROM settlements s
            LEFT JOIN visits v ON v.mdtrt_id = s.mdtrt_id
            LEFT JOIN filings f ON f.trt_dcla_detl_sn = s.trt_dcla_detl_sn
            WHERE s.kind = 'settle' AND s.reversed_by IS NULL AND s.setl_time >= @history AND s.setl_time < @next
            """;
        var days = Longest(versions, SupervisionRule.R09, SupervisionRules.BillLookbackDays);
        var bills = new List<SettledBill>();
        await StreamAsync(database, Sql, new { history = from.AddDays(1 - days).ToText(), next = to.AddDays(1).ToText() }, reader =>
        {
            if (reader.IsDBNull(3)) return;
            var bill = new SettledBill(reader.GetString(0), reader.GetString(3), Formats.ParseDate(reader.GetString(1)), Money.FromFen(reader.GetInt64(2)));
            bills.Add(bill);
            if (bill.Day >= from && Supervision.DiagnosisGroup(bill.DiseCodg).Length >= 3) check(SupervisionRule.R09, 1);
        }, cancel);
        foreach (var (bill, v) in SupervisionBatch.UnusuallyHighBills(bills, day => rulesOn(day)[SupervisionRule.R09], from, to))
            pending.Add(new Pending(new Target(bill.SetlId, null, null), v));
    }

    /// <summary>
    /// R10 over the admissions with fee lines in the period, and R01–R06 over those visits that have a standing settlement:
    /// <see cref="Supervision.CheckVisit"/> on each visit's lines (withdrawn ones left out, refunds netted), one pass over
    /// the visits and one over their lines, both in mdtrt_id order.
    /// </summary>
    private static async Task VisitsAsync(Database database, DateOnly from, string next, Func<DateOnly, RuleSet> rulesOn,
        Action<SupervisionRule, long> check, List<Pending> pending, CancellationToken cancel)
    {
        const string InPeriod = "SELECT m.mdtrt_id FROM fee_lines m WHERE m.withdrawn_at IS NULL AND m.fee_ocur_time >= @from AND m.fee_ocur_time < @next";
        const string Visits = $"""
            SELECT v.mdtrt_id, v.kind, v.begntime, v.endtime, p.gend, p.brdy,
                   CASE WHEN EXISTS (SELECT 1 FROM settlements s WHERE s.mdtrt_id = v.mdtrt_id AND s.kind = 'settle' AND s.reversed_by IS NULL) THEN 1 ELSE 0 END
            FROM visits v JOIN persons p ON p.insuplc_admdvs = v.insuplc_admdvs AND p.psn_no = v.psn_no AND p.insutype = v.insutype
            WHERE v.cancelled_at IS NULL AND v.mdtrt_id IN ({InPeriod})
            ORDER BY v.mdtrt_id
            """;
        const string Lines = $"""
            SELECT l.mdtrt_id, l.feedetl_sn, l.fee_ocur_time, l.med_list_codg, l.med_list_name, l.med_chrgitm_type, l.cnt, l.amount_fen,
                   l.init_feedetl_sn, l.bill_no
            FROM fee_lines l
            WHERE l.withdrawn_at IS NULL AND l.mdtrt_id IN ({InPeriod})
            ORDER BY l.mdtrt_id
            """;
        var limits = await database.ReadAsync(async db => (await db.QueryAsync<CatalogueRow>(
                "SELECT * FROM catalogue WHERE lmt_gend IS NOT NULL OR lmt_age_min IS NOT NULL OR lmt_age_max IS NOT NULL OR lmt_daily_cnt IS NOT NULL OR excl_group IS NOT NULL"))
            .ToDictionary(r => r.MedListCodg, SupervisionVersions.LimitsOf), cancel);
        var param = new { from = from.ToText(), next };

        await using var lineConnection = await OpenForLargeReadsAsync(database, cancel);
        await using var lineReader = await lineConnection.ExecuteReaderAsync(new CommandDefinition(Lines, param, commandTimeout: CommandTimeoutSeconds, cancellationToken: cancel));
        var haveLine = await lineReader.ReadAsync(cancel);

        // The rules run on the other cores while this thread reads: visits go to the workers in batches.
        var work = Channel.CreateBounded<List<VisitWork>>(new BoundedChannelOptions(64) { SingleWriter = true });
        var workers = Enumerable.Range(0, Math.Clamp(Environment.ProcessorCount, 1, 4)).Select(_ => Task.Run(async () =>
        {
            var found = new List<Pending>();
            try
            {
                await foreach (var batch in work.Reader.ReadAllAsync(cancel))
                    foreach (var w in batch)
                        foreach (var v in Supervision.CheckVisit(w.Visit, w.Lines, w.Rules, w.AsOf))
                        {
                            if (v.Rule <= SupervisionRule.R06 && !w.Settled) continue;
                            var bill = v.Lines.Count > 0 && w.BillOf.TryGetValue(v.Lines[0], out var b) ? b : (long?)null;
                            found.Add(new Pending(new Target(null, w.Visit.MdtrtId, null, bill), v));
                        }
            }
            catch (Exception problem)
            {
                work.Writer.TryComplete(problem); // the reader stops at its next batch instead of waiting for room
                throw;
            }
            return found;
        }, cancel)).ToList();

        var chunk = new List<VisitWork>(BatchSize);
        try
        {
            await StreamAsync(database, Visits, param, visitRow =>
            {
                var mdtrtId = visitRow.GetString(0);
                var lines = new List<SupervisedLine>();
                var billOf = new Dictionary<string, long>(StringComparer.Ordinal);
                // both are in mdtrt_id order (byte order on both databases): skip lines of visits left out (cancelled), take this one's
                while (haveLine && string.CompareOrdinal(lineReader.GetString(0), mdtrtId) < 0) haveLine = lineReader.Read();
                while (haveLine && lineReader.GetString(0) == mdtrtId)
                {
                    var code = lineReader.GetString(3);
                    var sn = lineReader.GetString(1);
                    lines.Add(new SupervisedLine(sn, code, lineReader.GetString(4), lineReader.GetString(5), Formats.ParseTime(lineReader.GetString(2)),
                        decimal.Parse(lineReader.GetString(6), CultureInfo.InvariantCulture), Money.FromFen(lineReader.GetInt64(7)),
                        limits.GetValueOrDefault(code) ?? ItemLimits.None, lineReader.IsDBNull(8) ? null : lineReader.GetString(8)));
                    billOf.TryAdd(sn, lineReader.GetInt64(9));
                    haveLine = lineReader.Read();
                }
                if (lines.Count == 0) return;
                var inpatient = visitRow.GetString(1) == "inpatient";
                var settled = visitRow.GetInt32(6) == 1;
                var begin = Formats.ParseDate(visitRow.GetString(2));
                var end = visitRow.IsDBNull(3) ? (DateOnly?)null : Formats.ParseDate(visitRow.GetString(3));
                var patient = new Patient(Sexes.FromGend(visitRow.GetString(4)), Formats.ParseDate(visitRow.GetString(5)));
                var visit = new SupervisedVisit(mdtrtId, inpatient ? CareCategory.Inpatient : CareCategory.EmergencyOutpatient, begin, end, patient);
                var asOf = end ?? lines.Max(l => l.Day);
                if (asOf < begin) asOf = begin;
                if (settled) foreach (var rule in VisitLocal) check(rule, 1);
                if (inpatient) check(SupervisionRule.R10, 1);
                chunk.Add(new VisitWork(visit, lines, billOf, settled, rulesOn(begin), asOf));
                if (chunk.Count < BatchSize) return;
                // the reader waits here while the workers are a full queue behind
                if (!work.Writer.TryWrite(chunk)) work.Writer.WriteAsync(chunk, cancel).AsTask().GetAwaiter().GetResult();
                chunk = new List<VisitWork>(BatchSize);
            }, cancel);
            if (chunk.Count > 0) await work.Writer.WriteAsync(chunk, cancel);
        }
        finally
        {
            work.Writer.TryComplete();
        }
        foreach (var found in await Task.WhenAll(workers)) pending.AddRange(found);
    }

    private const int BatchSize = 512;

    private static readonly SupervisionRule[] VisitLocal = [.. SupervisionRules.All.Where(r => r <= SupervisionRule.R06)];

    /// <summary>A visit and its lines as the reader hands them to a worker, with the rules in force on its begin date.</summary>
    private sealed record VisitWork(SupervisedVisit Visit, List<SupervisedLine> Lines, Dictionary<string, long> BillOf, bool Settled, RuleSet Rules, DateOnly AsOf);

    /// <summary>
    /// Files the findings, each under its case: a settlement's (a visit's finding goes to the settlement that took its first
    /// line (its bill) if that stands, else the visit's latest standing settlement, else the visit's own case) or a filing's. One
    /// transaction; the subjects are read in batches, never row by row. Returns per rule: found, newly filed.
    /// </summary>
    private static async Task<IReadOnlyList<(SupervisionRule Rule, long Found, long Filed)>> FileAsync(Database database, List<Pending> pending, DateTime now,
        CancellationToken cancel)
    {
        if (pending.Count == 0) return [];
        return await database.WriteAsync(async db =>
        {
            var settlements = new Dictionary<string, SettlementSubject>(StringComparer.Ordinal);
            var latestOfVisit = new Dictionary<string, SettlementSubject>(StringComparer.Ordinal);
            var ofBill = new Dictionary<(string, long), SettlementSubject>();
            foreach (var batch in pending.Select(p => p.Target.SetlId).OfType<string>().Concat(pending.Select(p => p.Target.MdtrtId).OfType<string>())
                         .Distinct().Chunk(500))
                foreach (var s in await db.QueryAsync<SettlementSubject>(
                             $"""
                              SELECT setl_id, mdtrt_id, bill_no, setl_time, insuplc_admdvs, mdtrtarea_admvs, fixmedins_code, psn_no, insutype, medfee_fen, fund_pay_fen
                              FROM settlements WHERE kind = 'settle' AND reversed_by IS NULL AND ({db.IsOneOf("setl_id", "ids")} OR {db.IsOneOf("mdtrt_id", "ids")})
                              """, new { ids = batch }))
                {
                    settlements[s.SetlId] = s;
                    if (s.BillNo is { } no) ofBill[(s.MdtrtId, no)] = s;
                    if (!latestOfVisit.TryGetValue(s.MdtrtId, out var latest) || string.CompareOrdinal(s.SetlTime + s.SetlId, latest.SetlTime + latest.SetlId) > 0)
                        latestOfVisit[s.MdtrtId] = s;
                }
            var visitIds = pending.Where(p => p.Target.MdtrtId is { } id && !latestOfVisit.ContainsKey(id)).Select(p => p.Target.MdtrtId!).Distinct().ToList();
            var visits = new Dictionary<string, CaseSubject>(StringComparer.Ordinal);
            foreach (var batch in visitIds.Chunk(500))
                foreach (var v in await db.QueryAsync<VisitSubject>(
                             $"""
                              SELECT v.mdtrt_id, v.insuplc_admdvs, v.mdtrtarea_admvs, v.fixmedins_code, v.psn_no, v.insutype,
                                     (SELECT COALESCE(SUM(l.amount_fen), 0) FROM fee_lines l WHERE l.mdtrt_id = v.mdtrt_id AND l.withdrawn_at IS NULL) AS medfee_fen
                              FROM visits v WHERE {db.IsOneOf("v.mdtrt_id", "ids")}
                              """, new { ids = batch }))
                    visits[v.MdtrtId] = new CaseSubject(CaseSubject.VisitCase(v.MdtrtId), CaseSubject.Visit, null, v.MdtrtId, null, v.InsuplcAdmdvs,
                        v.MdtrtareaAdmvs, v.FixmedinsCode, v.PsnNo, v.Insutype, v.MedfeeFen, 0);
            var filings = new Dictionary<string, CaseSubject>(StringComparer.Ordinal);
            foreach (var batch in pending.Select(p => p.Target.FilingSn).OfType<string>().Distinct().Chunk(500))
                foreach (var f in await db.QueryAsync<FilingSubject>(
                             $"""
                              SELECT trt_dcla_detl_sn, insuplc_admdvs, mdtrtarea_admvs, fixmedins_code, psn_no, insutype
                              FROM filings WHERE {db.IsOneOf("trt_dcla_detl_sn", "ids")}
                              """, new { ids = batch }))
                    filings[f.TrtDclaDetlSn] = new CaseSubject(CaseSubject.FilingCase(f.TrtDclaDetlSn), CaseSubject.Filing, null, null, f.TrtDclaDetlSn,
                        f.InsuplcAdmdvs, f.MdtrtareaAdmvs, f.FixmedinsCode, f.PsnNo, f.Insutype, 0, 0);

            CaseSubject? SubjectOf(Target t)
            {
                if (t.FilingSn is { } sn) return filings.GetValueOrDefault(sn);
                if (t.SetlId is { } id && settlements.TryGetValue(id, out var s)) return s.ToSubject();
                if (t is { MdtrtId: { } visit, BillNo: { } no } && ofBill.TryGetValue((visit, no), out var taken)) return taken.ToSubject();
                if (t.MdtrtId is { } mdtrt) return latestOfVisit.TryGetValue(mdtrt, out var latest) ? latest.ToSubject() : visits.GetValueOrDefault(mdtrt);
                return null;
            }

            var result = new List<(SupervisionRule, long, long)>();
            foreach (var group in pending.Select(p => (Subject: SubjectOf(p.Target), p.Violation)).Where(p => p.Subject is not null)
                         .GroupBy(p => (p.Subject!.CaseId, p.Violation.Rule)).OrderBy(g => g.Key.CaseId, StringComparer.Ordinal).ThenBy(g => g.Key.Rule))
            {
                var findings = group.Select(p => new Finding(p.Violation)).ToList();
                var added = await SupervisionCases.FileAsync(db, group.First().Subject!, findings, SupervisionCases.AtAudit, Actor, now);
                result.Add((group.Key.Rule, findings.DistinctBy(f => f.EvidenceKey).Count(), added));
            }
            return (result, true);
        }, cancel);
    }

    /// <summary>The longest value a version (or the default) gives <paramref name="param"/>: how far back the history must reach.</summary>
    private static int Longest(IReadOnlyList<RuleVersion> versions, SupervisionRule rule, string param) =>
        (int)versions.Where(v => v.Rule == rule).Select(v => v.Param(param)).Append(RuleVersion.Default(rule).Param(param)).Max();

    /// <summary>Runs <paramref name="sql"/> on a connection of its own and hands each row to <paramref name="row"/> as it arrives.</summary>
    private static async Task StreamAsync(Database database, string sql, object param, Action<DbDataReader> row, CancellationToken cancel)
    {
        await using var connection = await OpenForLargeReadsAsync(database, cancel);
        await using var reader = await connection.ExecuteReaderAsync(new CommandDefinition(sql, param, commandTimeout: CommandTimeoutSeconds, cancellationToken: cancel));
        while (await reader.ReadAsync(cancel)) row(reader);
    }

    /// <summary>A connection for a pass over a table: on PostgreSQL with the memory to sort it without spilling to disk.</summary>
    private static async Task<DbConnection> OpenForLargeReadsAsync(Database database, CancellationToken cancel)
    {
        var connection = await database.OpenConnectionAsync(cancel);
        if (database.Provider == DbProvider.Postgres) await connection.ExecuteAsync("SET work_mem = '256MB'");
        return connection;
    }

    private sealed class SettlementSubject
    {
        public string SetlId { get; set; } = "";
        public string MdtrtId { get; set; } = "";
        public long? BillNo { get; set; }
        public string SetlTime { get; set; } = "";
        public string InsuplcAdmdvs { get; set; } = "";
        public string MdtrtareaAdmvs { get; set; } = "";
        public string FixmedinsCode { get; set; } = "";
        public string PsnNo { get; set; } = "";
        public string Insutype { get; set; } = "";
        public long MedfeeFen { get; set; }
        public long FundPayFen { get; set; }

        public CaseSubject ToSubject() => new(CaseSubject.SettlementCase(SetlId), CaseSubject.Settlement, SetlId, MdtrtId, null, InsuplcAdmdvs,
            MdtrtareaAdmvs, FixmedinsCode, PsnNo, Insutype, MedfeeFen, FundPayFen);
    }

    private sealed class VisitSubject
    {
        public string MdtrtId { get; set; } = "";
        public string InsuplcAdmdvs { get; set; } = "";
        public string MdtrtareaAdmvs { get; set; } = "";
        public string FixmedinsCode { get; set; } = "";
        public string PsnNo { get; set; } = "";
        public string Insutype { get; set; } = "";
        public long MedfeeFen { get; set; }
    }

    private sealed class FilingSubject
    {
        public string TrtDclaDetlSn { get; set; } = "";
        public string InsuplcAdmdvs { get; set; } = "";
        public string MdtrtareaAdmvs { get; set; } = "";
        public string FixmedinsCode { get; set; } = "";
        public string PsnNo { get; set; } = "";
        public string Insutype { get; set; } = "";
    }
}
