using MedSettle.Engine;
using MedSettle.Storage;
using Npgsql;
using static MedSettle.Transactions.Groups.GroupSql;

namespace MedSettle.Transactions.Groups;

/// <summary>The group's reads, made in one round trip after the persons' locks; a key it did not read falls back to <see cref="SettlementReads.Direct"/>.</summary>
internal sealed class GroupReads : ISettlementReads
{
    public IReadOnlyDictionary<string, HospitalRow> Hospitals => _reference.Hospitals;
    public Dictionary<string, VisitRow> Visits { get; } = new();
    public Dictionary<(string, string), MessageRow> Messages { get; } = new();
    public Dictionary<string, SignIn.SignInRow> SignIns { get; } = new(StringComparer.Ordinal);
    public HashSet<(string Paasid, string Nonce)> UsedNonces { get; } = new();
    private readonly Dictionary<(string, string), PersonRow> _persons = new();
    private readonly Dictionary<(string, string, string), List<FilingRow>> _filings = new();
    private readonly Dictionary<string, List<SettlementRow>> _standing = new();
    private readonly Dictionary<(string, string?), OpenBill> _bills = new();
    private ReferenceData _reference = null!;
    private readonly Dictionary<(string, string, string), List<KeyedAccumulator>> _accumulators = new();

    /// <summary>The persons the group's transaction has locked (FOR UPDATE), by psn_no.</summary>
    public IEnumerable<string> LockedPsnNos => _persons.Keys.Select(k => k.Item1);

    public static async Task<GroupReads> LoadAsync(Database database, NpgsqlConnection connection, List<(GroupRequest Request, string MdtrtId, string? Batch)> placeable)
    {
        var mdtrtIds = placeable.Select(p => p.MdtrtId).Distinct().ToArray();
        var bills = placeable.Select(p => (p.MdtrtId, p.Batch)).Distinct().ToArray();
        var codes = placeable.Select(p => p.Request.Caller.FixmedinsCode).ToArray();
        var msgids = placeable.Select(p => p.Request.Caller.Msgid).ToArray();
        var signNos = placeable.Select(p => p.Request.Caller.SignNo ?? "").Distinct().ToArray();
        var nonces = placeable.Select(p => p.Request.Nonce).OfType<HospitalSignature.Nonce>().ToList();

        await using var batch = new NpgsqlBatch(connection);
        Add(batch, "BEGIN");
        // Every read starts from the group's keys and looks each one up (LATERAL … OFFSET 0, which the planner may not
        // fold into a join). The statements are planned once and generically (see Database.OpenByKeyConnectionAsync):
        // a join could be planned as a scan of a table that was empty when planned (a new database's settlements) and
        // stay so, a scan per group, while the table grows. That happened: 0.02 ms became 4.5 ms per group.
        // The lock comes first: every read after it sees whatever the persons' previous holders committed. (Persons
        // are joined, as FOR UPDATE needs: they are imported and analysed before anyone can settle.)
        Add(batch, """
            SELECT p.* FROM unnest($1::text[]) AS k(mdtrt_id)
            CROSS JOIN LATERAL (SELECT v.insuplc_admdvs, v.psn_no, v.insutype FROM visits v WHERE v.mdtrt_id = k.mdtrt_id OFFSET 0) v
            JOIN persons p ON p.insuplc_admdvs = v.insuplc_admdvs AND p.psn_no = v.psn_no AND p.insutype = v.insutype
            ORDER BY p.insuplc_admdvs, p.psn_no, p.insutype FOR UPDATE OF p
            """, Text(mdtrtIds));
        // Hospitals and policies come from memory while no import has moved this on (see ReferenceData).
        Add(batch, ReferenceData.VersionSql);
        Add(batch, "SELECT v.* FROM unnest($1::text[]) AS k(mdtrt_id) CROSS JOIN LATERAL (SELECT * FROM visits v WHERE v.mdtrt_id = k.mdtrt_id OFFSET 0) v",
            Text(mdtrtIds));
        Add(batch, """
            SELECT m.* FROM unnest($1::text[], $2::text[]) AS k(fixmedins_code, msgid)
            CROSS JOIN LATERAL (SELECT * FROM messages m WHERE m.fixmedins_code = k.fixmedins_code AND m.msgid = k.msgid OFFSET 0) m
            """, Text(codes), Text(msgids));
        Add(batch, """
            SELECT s.* FROM unnest($1::text[]) AS k(sign_no)
            CROSS JOIN LATERAL (SELECT s.sign_no, s.fixmedins_code, s.sign_out_time FROM sign_ins s WHERE s.sign_no = k.sign_no OFFSET 0) s
            """, Text(signNos));
        // A nonce recorded before refuses its request; the group records the others with its writes.
        Add(batch, """
            SELECT n.* FROM unnest($1::text[], $2::text[]) AS k(paasid, nonce)
            CROSS JOIN LATERAL (SELECT n.paasid, n.nonce FROM request_nonces n WHERE n.paasid = k.paasid AND n.nonce = k.nonce OFFSET 0) n
            """, Text(nonces.Select(n => n.Paasid)), Text(nonces.Select(n => n.Value)));
        // Only the filing that covers the visit's day (Filings.FindCovering, in the index's order): a person may have
        // filed many times at one hospital, and a settlement needs one.
        Add(batch, """
            SELECT f.* FROM unnest($1::text[]) AS k(mdtrt_id)
            CROSS JOIN LATERAL (SELECT v.psn_no, v.insutype, v.fixmedins_code, left(v.begntime, 10) AS day FROM visits v
                                WHERE v.mdtrt_id = k.mdtrt_id OFFSET 0) v
            CROSS JOIN LATERAL (SELECT * FROM filings f WHERE f.psn_no = v.psn_no AND f.insutype = v.insutype AND f.fixmedins_code = v.fixmedins_code
                                  AND f.revoked_at IS NULL AND f.begndate COLLATE "C" <= v.day AND f.enddate COLLATE "C" >= v.day
                                ORDER BY f.created_at COLLATE "C", f.trt_dcla_detl_sn COLLATE "C" LIMIT 1) f
            """, Text(mdtrtIds));
        Add(batch, $"""
            SELECT s.* FROM unnest($1::text[]) AS k(mdtrt_id)
            CROSS JOIN LATERAL (SELECT {SettlementReads.StandingColumns} FROM settlements s
                                WHERE s.mdtrt_id = k.mdtrt_id AND s.kind = 'settle' AND s.reversed_by IS NULL OFFSET 0) s
            """, Text(mdtrtIds));
        // each visit's open bill (of one charge batch, where a request asks for one), its lines summed (its number found
        // once per visit); a row for every visit and batch asked, lines or none
        Add(batch, $"""
            SELECT k.mdtrt_id, k.chrg_bchno, b.* FROM unnest($1::text[], $2::text[]) AS k(mdtrt_id, chrg_bchno)
            CROSS JOIN LATERAL (SELECT {OpenBill.Columns("(k.chrg_bchno IS NULL OR f.chrg_bchno = k.chrg_bchno)")}
                                FROM fee_lines f WHERE {Bills.OpenLinesOf("k.mdtrt_id")}) b
            """, Text(bills.Select(b => b.MdtrtId)), Text(bills.Select(b => b.Batch)));
        Add(batch, """
            SELECT a.* FROM unnest($1::text[]) AS k(mdtrt_id)
            CROSS JOIN LATERAL (SELECT v.insuplc_admdvs, v.psn_no, v.insutype FROM visits v WHERE v.mdtrt_id = k.mdtrt_id OFFSET 0) v
            CROSS JOIN LATERAL (SELECT * FROM year_accumulators a
                                WHERE a.insuplc_admdvs = v.insuplc_admdvs AND a.psn_no = v.psn_no AND a.insutype = v.insutype OFFSET 0) a
            """, Text(mdtrtIds));

        var reads = new GroupReads();
        await using var reader = await batch.ExecuteReaderAsync();
        foreach (var p in await RowsAsync<PersonRow>(reader)) reads._persons[(p.PsnNo, p.Insutype)] = p;
        var version = (await NextRowsAsync<long>(reader)).Single();
        foreach (var v in await NextRowsAsync<VisitRow>(reader)) reads.Visits[v.MdtrtId] = v;
        foreach (var m in await NextRowsAsync<MessageRow>(reader)) reads.Messages[(m.FixmedinsCode, m.Msgid)] = m;
        foreach (var s in await NextRowsAsync<SignIn.SignInRow>(reader)) reads.SignIns[s.SignNo] = s;
        foreach (var n in await NextRowsAsync<NonceRow>(reader)) reads.UsedNonces.Add((n.Paasid, n.Nonce));
        var filings = await NextRowsAsync<FilingRow>(reader);
        var standing = await NextRowsAsync<SettlementRow>(reader);
        var openBills = await NextRowsAsync<OpenBill>(reader);
        var accumulators = await NextRowsAsync<KeyedAccumulator>(reader);
        await reader.DisposeAsync();

        reads._reference = await ReferenceData.AtAsync(database, new UnitOfWork(database, connection, transaction: null), version);

        // Every key the group read is answered from here, found or not; other keys go to the database.
        foreach (var visit in reads.Visits.Values)
        {
            reads._filings[(visit.PsnNo, visit.Insutype, visit.FixmedinsCode)] = [];
            reads._standing[visit.MdtrtId] = [];
            reads._accumulators[(visit.InsuplcAdmdvs, visit.PsnNo, visit.Insutype)] = [];
        }
        foreach (var f in filings) reads._filings[(f.PsnNo, f.Insutype, f.FixmedinsCode)].Add(f);
        foreach (var s in standing) reads._standing[s.MdtrtId].Add(s);
        foreach (var b in openBills) reads._bills[(b.MdtrtId, b.ChrgBchno)] = b;
        foreach (var a in accumulators) reads._accumulators[(a.InsuplcAdmdvs, a.PsnNo, a.Insutype)].Add(a);
        return reads;
    }

    public Task<(VisitRow Visit, PersonRow Person)> OwnVisitLockedAsync(TransactionContext ctx, string mdtrtId, string psnNo, VisitKind kind)
    {
        if (!Visits.TryGetValue(mdtrtId, out var visit) || !_persons.TryGetValue((visit.PsnNo, visit.Insutype), out var person))
            return SettlementReads.Direct.OwnVisitLockedAsync(ctx, mdtrtId, psnNo, kind);
        MedSettle.Transactions.Visits.EnsureOwn(ctx, visit, mdtrtId, psnNo, kind);
        MedSettle.Transactions.Visits.EnsureNotCancelled(visit, kind);
        return Task.FromResult((visit, person));
    }

    public Task<IReadOnlyList<FilingRow>> FilingsAsync(TransactionContext ctx, PersonRow person) =>
        _filings.TryGetValue((person.PsnNo, person.Insutype, ctx.FixmedinsCode), out var found)
            ? Task.FromResult<IReadOnlyList<FilingRow>>(found)
            : SettlementReads.Direct.FilingsAsync(ctx, person);

    /// <summary>Not in a group: the request runs alone, where its filing is made in its own transaction.</summary>
    public Task<FilingRow> FileImplicitlyAsync(TransactionContext ctx, PersonRow person, VisitRow visit) => throw new RunAlone();

    public Task<InlineSupervision.Checked> SupervisionAsync(TransactionContext ctx, VisitRow visit, PersonRow person) => throw new RunAlone();

    public Task<IReadOnlyList<SettlementRow>> StandingAsync(TransactionContext ctx, string mdtrtId) =>
        _standing.TryGetValue(mdtrtId, out var found)
            ? Task.FromResult<IReadOnlyList<SettlementRow>>(found)
            : SettlementReads.Direct.StandingAsync(ctx, mdtrtId);

    public Task<OpenBill> OpenBillAsync(TransactionContext ctx, string mdtrtId, string? batch) =>
        _bills.TryGetValue((mdtrtId, batch), out var found) ? Task.FromResult(found) : SettlementReads.Direct.OpenBillAsync(ctx, mdtrtId, batch);

    /// <summary>From the whole policy table as of the group's reads: a key absent there has no policy.</summary>
    public Task<IReadOnlyList<PolicyRow>> PoliciesAsync(TransactionContext ctx, PolicyKey key) =>
        Task.FromResult(_reference.Policies.TryGetValue(key, out var found) ? found : (IReadOnlyList<PolicyRow>)[]);

    public Task<AccumulatorRow?> AccumulatedAsync(TransactionContext ctx, PersonRow person, int year) =>
        _accumulators.TryGetValue((person.InsuplcAdmdvs, person.PsnNo, person.Insutype), out var found)
            ? Task.FromResult<AccumulatorRow?>(found.FirstOrDefault(a => a.Year == year))
            : SettlementReads.Direct.AccumulatedAsync(ctx, person, year);

    /// <summary>From the whole supplements table as of the group's reads: a region absent there has none.</summary>
    public Task<IReadOnlyList<SupplementaryRule>> SupplementsAsync(TransactionContext ctx, string region) =>
        Task.FromResult(_reference.Supplements.TryGetValue(region, out var found) ? found : (IReadOnlyList<SupplementaryRule>)[]);
}

internal sealed class NonceRow
{
    public string Paasid { get; set; } = "";
    public string Nonce { get; set; } = "";
}

/// <summary>A person's year as the group reads it: the key, then every amount (AccumulatorRow's).</summary>
internal sealed class KeyedAccumulator : AccumulatorRow
{
    public string InsuplcAdmdvs { get; set; } = "";
    public string PsnNo { get; set; } = "";
    public string Insutype { get; set; } = "";
    public long Year { get; set; }
}
