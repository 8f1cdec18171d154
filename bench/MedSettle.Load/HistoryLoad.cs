using System.Diagnostics;
using System.Globalization;
using MedSettle.Foundation;
using MedSettle.Storage;
using MedSettle.Transactions;
using Npgsql;
using NpgsqlTypes;

namespace MedSettle.Load;

/// <summary>
/// history: a consistent year (2026) of N settlement rows (reversals included) for the policy what-if's bench
/// (bench/whatif.sh), written with binary COPY into a PostgreSQL database that holds an imported bundle and no
/// settlement yet. Every row is what settling would have stored (<see cref="HistorySettling"/>), inserted in settlement
/// time order, so that <c>medsettle whatif</c> with no draft reproduces each one, and with the rows their visits, filings,
/// fee lines (one line a bill, carrying the bill's graded totals), the messages that made them, the people's years and
/// account balances, so that <c>medsettle verify</c> finds nothing. One transaction; VACUUM (ANALYZE) afterwards.
/// </summary>
public static class HistoryLoad
{
    public static async Task<int> RunAsync(Options options)
    {
        var connectionString = options.ConnectionString();
        var rows = options.Long("settlements", 1_000_000);
        var seed = options.Int("seed", 2026);
        var reversedShare = options.Double("reversed", 0.02);
        var watch = Stopwatch.StartNew();

        await using var database = Database.Open("postgres:" + connectionString, options.Optional("key-file"));
        if (await database.ReadAsync(unit => unit.ScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM settlements)")))
            throw new UsageException("the database already holds settlements: history writes into one with an imported bundle and no settlement");
        var world = await HistoryWorld.LoadAsync(database);
        var plan = HistoryPlan.Draw(world, rows, reversedShare, new Random(seed));
        var drawn = watch.Elapsed;
        Output.Progress($"history: {plan.Visits.Count:N0} visits, {plan.Steps.Count:N0} settlement rows drawn over {world.Persons.Count:N0} people "
                        + $"in {drawn.TotalSeconds:0.0} s; writing");

        var settling = new HistorySettling(world);
        await Task.Run(() => Write(connectionString, world, plan, settling));
        var written = watch.Elapsed;
        Output.Progress($"history: written in {(written - drawn).TotalSeconds:0.0} s; vacuuming and analysing");
        await Task.Run(() =>
        {
            using var connection = Open(connectionString);
            Execute(connection, "VACUUM (ANALYZE) filings, visits, fee_lines, reversed_lines, messages, settlements, year_accumulators, persons");
        });
        var seconds = watch.Elapsed.TotalSeconds;
        Output.Progress($"history: {plan.Steps.Count:N0} settlement rows in {seconds:0.0} s");
        Output.Result(new
        {
            settlements = plan.Steps.Count,
            reversals = plan.Steps.Count(s => s.Kind == HistoryStepKind.Reverse),
            mid_stay = plan.Steps.Count(s => s.Kind == HistoryStepKind.MidStay),
            visits = plan.Visits.Count,
            people = plan.Visits.Select(v => v.Person).Distinct().Count(),
            filings = plan.Filings.Count(),
            basic_cap_reached = settling.BasicCapReached,
            year_deductible_already_met = settling.YearDeductibleAlreadyMet,
            hifob_paid = settling.HifobPaid,
            hifmi_paid = settling.HifmiPaid,
            hifmi_past_first_band = settling.HifmiPastFirstBand,
            maf_paid = settling.MafPaid,
            account_paid = settling.AccountPaid,
            seconds = Output.Round(seconds, 2),
            draw_seconds = Output.Round(drawn.TotalSeconds, 2),
            write_seconds = Output.Round((written - drawn).TotalSeconds, 2),
            vacuum_analyze_seconds = Output.Round(seconds - written.TotalSeconds, 2),
        });
        return 0;
    }

    /// <summary>Everything in one transaction, each table with one binary COPY (the settlements' rows settled as they are copied).</summary>
    private static void Write(string connectionString, HistoryWorld world, HistoryPlan plan, HistorySettling settling)
    {
        using var connection = Open(connectionString);
        using var transaction = connection.BeginTransaction();
        CopyFilings(connection, world, plan);
        CopyVisits(connection, world, plan);
        CopyFeeLines(connection, world, plan);
        CopyMessages(connection, world, plan);
        CopySettlements(connection, world, plan, settling);
        CopyYears(connection, settling);
        UpdateBalances(connection, world);
        transaction.Commit();
    }

    private static NpgsqlConnection Open(string connectionString)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { CommandTimeout = 0, Enlist = false }.ConnectionString);
        connection.Open();
        return connection;
    }

    private static void CopyFilings(NpgsqlConnection connection, HistoryWorld world, HistoryPlan plan)
    {
        using var writer = connection.BeginBinaryImport(
            """
            COPY filings (trt_dcla_detl_sn, insuplc_admdvs, psn_no, insutype, fixmedins_code, mdtrtarea_admvs, begndate, enddate, dise_codg, dise_name,
                created_at, msgid, filed_implicitly) FROM STDIN (FORMAT BINARY)
            """);
        var created = HistoryPlan.FilingTime.ToText();
        foreach (var f in plan.Filings)
        {
            var person = world.Persons[f.Person];
            var hospital = world.Hospitals[f.Hospital];
            writer.StartRow();
            Text(writer, f.TrtDclaDetlSn, person.InsuplcAdmdvs, person.PsnNo, person.Insutype, hospital.FixmedinsCode, hospital.Admdvs,
                "2026-01-01", "2026-12-31", f.Diagnosis, f.DiagnosisName, created, Msgid(hospital.FixmedinsCode, HistoryPlan.FilingTime, f.TrtDclaDetlSn));
            writer.Write(0, NpgsqlDbType.Integer);
        }
        writer.Complete();
    }

    private static void CopyVisits(NpgsqlConnection connection, HistoryWorld world, HistoryPlan plan)
    {
        using var writer = connection.BeginBinaryImport(
            """
            COPY visits (mdtrt_id, insuplc_admdvs, psn_no, insutype, fixmedins_code, mdtrtarea_admvs, kind, med_type, begntime, endtime,
                ipt_otp_no, dise_codg, dise_name, trt_dcla_detl_sn, created_at, msgid) FROM STDIN (FORMAT BINARY)
            """);
        foreach (var v in plan.Visits)
        {
            var person = world.Persons[v.Person];
            var hospital = world.Hospitals[v.Hospital];
            var begin = v.Begin.ToText();
            writer.StartRow();
            Text(writer, v.MdtrtId, person.InsuplcAdmdvs, person.PsnNo, person.Insutype, hospital.FixmedinsCode, hospital.Admdvs,
                v.Inpatient ? "inpatient" : "outpatient", v.Inpatient ? "24" : "13", begin, v.End?.ToText(),
                v.MdtrtId[^10..], v.Filing.Diagnosis, v.Filing.DiagnosisName, v.Filing.TrtDclaDetlSn, begin, Msgid(hospital.FixmedinsCode, v.Begin, v.MdtrtId));
        }
        writer.Complete();
    }

    /// <summary>
    /// One fee line a bill, carrying the bill's graded totals (2204/2301's grading summed, as Settle reads it). A reversed
    /// bill's line stands in bill 2, where the reversal moved it and the settlement after took it, noted in reversed_lines.
    /// </summary>
    private static void CopyFeeLines(NpgsqlConnection connection, HistoryWorld world, HistoryPlan plan)
    {
        using (var writer = connection.BeginBinaryImport(
                         """
                         COPY fee_lines (mdtrt_id, upload_msgid, feedetl_sn, chrg_bchno, fee_ocur_time, med_list_codg, medins_list_codg, med_list_name,
                             pric, cnt, amount_fen, chrgitm_lv, med_chrgitm_type, selfpay_prop, fulamt_ownpay_fen, overlmt_fen, preselfpay_fen, inscp_fen,
                             bill_no) FROM STDIN (FORMAT BINARY)
                         """))
        {
            foreach (var v in plan.Visits)
                for (var i = 0; i < v.Bills.Length; i++)
                {
                    var bill = v.Bills[i];
                    writer.StartRow();
                    Text(writer, v.MdtrtId, UploadMsgid(world, v, i), FeedetlSn(i), (i + 1).ToString(CultureInfo.InvariantCulture), v.Begin.ToText(),
                        "BENCH-TOTAL", "BENCH-TOTAL", "费用合计（测算基准）", (bill.MedfeeFen / 100m).ToString("0.00", CultureInfo.InvariantCulture), "1");
                    writer.Write(bill.MedfeeFen, NpgsqlDbType.Bigint);
                    writer.Write(2, NpgsqlDbType.Integer);
                    Text(writer, "09", "0");
                    writer.Write(bill.FulamtOwnpayFen, NpgsqlDbType.Bigint);
                    writer.Write(bill.OverlmtFen, NpgsqlDbType.Bigint);
                    writer.Write(bill.PreselfpayFen, NpgsqlDbType.Bigint);
                    writer.Write(bill.InscpFen, NpgsqlDbType.Bigint);
                    writer.Write(v.LinesBillNo(i), NpgsqlDbType.Integer);
                }
            writer.Complete();
        }

        using (var writer = connection.BeginBinaryImport(
                         "COPY reversed_lines (setl_id, mdtrt_id, upload_msgid, feedetl_sn) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var step in plan.Steps.Where(s => s.Kind == HistoryStepKind.Settle && s.ReversedBy is not null))
            {
                writer.StartRow();
                Text(writer, step.SetlId, step.Visit.MdtrtId, UploadMsgid(world, step.Visit, 0), FeedetlSn(0));
            }
            writer.Complete();
        }
    }

    private static void CopyMessages(NpgsqlConnection connection, HistoryWorld world, HistoryPlan plan)
    {
        using var writer = connection.BeginBinaryImport(
            "COPY messages (fixmedins_code, msgid, infno, input_hash, state, subject, response, received_at) FROM STDIN (FORMAT BINARY)");
        foreach (var step in plan.Steps)
        {
            writer.StartRow();
            Text(writer, world.Hospitals[step.Visit.Hospital].FixmedinsCode, step.Msgid, step.Infno, "bench/MedSettle.Load history", "done", step.SetlId,
                """{"note":"written by bench/MedSettle.Load history, not through the API"}""", step.Time.ToText());
        }
        writer.Complete();
    }

    /// <summary>
    /// Settles each step in time order and copies its row straight away: the columns a settlement's insert writes
    /// (<see cref="SettlementEffects.InsertSettlement"/>) and reversed_by, so that seq is drawn in that order.
    /// </summary>
    private static void CopySettlements(NpgsqlConnection connection, HistoryWorld world, HistoryPlan plan, HistorySettling settling)
    {
        var columns = SettlementEffects.InsertSettlement.Columns.ToList();
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        using (var command = new NpgsqlCommand("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'settlements'", connection))
        using (var reader = command.ExecuteReader())
            while (reader.Read()) types[reader.GetString(0)] = reader.GetString(1);

        using var writer = connection.BeginBinaryImport(
            $"COPY settlements ({string.Join(", ", columns.Select(c => c.Name))}, reversed_by) FROM STDIN (FORMAT BINARY)");
        var done = 0;
        foreach (var step in plan.Steps)
        {
            var row = settling.Apply(step, step.Msgid);
            var effects = new SettlementEffects(row, world.Persons[step.Visit.Person], default, null);
            writer.StartRow();
            foreach (var column in columns)
            {
                var value = column.Value(effects);
                if (value is null) writer.WriteNull();
                else if (types[column.Name] == "integer") writer.Write(Convert.ToInt32(value, CultureInfo.InvariantCulture), NpgsqlDbType.Integer);
                else if (types[column.Name] == "bigint") writer.Write(Convert.ToInt64(value, CultureInfo.InvariantCulture), NpgsqlDbType.Bigint);
                else writer.Write((string)value, NpgsqlDbType.Text);
            }
            Text(writer, row.ReversedBy);
            if (++done % 250_000 == 0) Output.Progress($"history: {done:N0} / {plan.Steps.Count:N0} settlement rows");
        }
        writer.Complete();
    }

    private static void CopyYears(NpgsqlConnection connection, HistorySettling settling)
    {
        using var writer = connection.BeginBinaryImport(
            """
            COPY year_accumulators (insuplc_admdvs, psn_no, insutype, year, hifp_paid_fen, dedc_outpatient_fen, dedc_inpatient_fen,
                hifob_base_fen, hifob_paid_fen, hifmi_base_fen, hifmi_paid_fen, maf_base_fen, maf_paid_fen) FROM STDIN (FORMAT BINARY)
            """);
        foreach (var (person, year, sums) in settling.Years)
        {
            writer.StartRow();
            Text(writer, person.InsuplcAdmdvs, person.PsnNo, person.Insutype);
            writer.Write(year, NpgsqlDbType.Integer);
            foreach (var fen in new[] { sums.HifpPaidFen, sums.DedcOutpatientFen, sums.DedcInpatientFen, sums.HifobBaseFen, sums.HifobPaidFen,
                         sums.HifmiBaseFen, sums.HifmiPaidFen, sums.MafBaseFen, sums.MafPaidFen })
                writer.Write(fen, NpgsqlDbType.Bigint);
        }
        writer.Complete();
    }

    /// <summary>The balances of the people whose account paid, as settling left them (copied into a temporary table, then one update).</summary>
    private static void UpdateBalances(NpgsqlConnection connection, HistoryWorld world)
    {
        Execute(connection,
            "CREATE TEMP TABLE history_balances (insuplc_admdvs TEXT, psn_no TEXT, insutype TEXT, acct_balc_fen BIGINT) ON COMMIT DROP");
        using (var writer = connection.BeginBinaryImport(
                         "COPY history_balances (insuplc_admdvs, psn_no, insutype, acct_balc_fen) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var person in world.Persons.Where(p => p.AcctBalcFen != p.AcctImportedFen))
            {
                writer.StartRow();
                Text(writer, person.InsuplcAdmdvs, person.PsnNo, person.Insutype);
                writer.Write(person.AcctBalcFen, NpgsqlDbType.Bigint);
            }
            writer.Complete();
        }
        Execute(connection,
            """
            UPDATE persons p SET acct_balc_fen = b.acct_balc_fen FROM history_balances b
            WHERE p.insuplc_admdvs = b.insuplc_admdvs AND p.psn_no = b.psn_no AND p.insutype = b.insutype
            """);
    }

    private static string FeedetlSn(int bill) => (bill + 1).ToString("D4", CultureInfo.InvariantCulture);

    /// <summary>The 2204/2301 upload of a bill's line: a few minutes after the visit began.</summary>
    private static string UploadMsgid(HistoryWorld world, HistoryVisit visit, int bill) =>
        Msgid(world.Hospitals[visit.Hospital].FixmedinsCode, visit.Begin.AddMinutes(5 + bill), visit.MdtrtId);

    /// <summary>A message id of the hospital's shape (code, time, 4 digits) for a message not kept in messages: a registration, an upload, a filing.</summary>
    private static string Msgid(string fixmedinsCode, DateTime time, string id) =>
        string.Create(CultureInfo.InvariantCulture, $"{fixmedinsCode}{time:yyyyMMddHHmmss}{id[^4..]}");

    private static void Text(NpgsqlBinaryImporter writer, params string?[] values)
    {
        foreach (var value in values)
            if (value is null) writer.WriteNull();
            else writer.Write(value, NpgsqlDbType.Text);
    }

    private static void Execute(NpgsqlConnection connection, string sql)
    {
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }
}
