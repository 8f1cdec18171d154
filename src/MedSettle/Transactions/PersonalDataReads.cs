using System.Text;
using MedSettle.Storage;

namespace MedSettle.Transactions;

/// <summary>One read of a person's data: which person (psn_no, never the identity number; the home region, or null to look it up) and why.</summary>
public sealed record PersonalDataRead(string PsnNo, string? InsuplcAdmdvs, string Purpose);

/// <summary>
/// The audit row of an answer that shows its settlement's person, written with the settlement's effects
/// (<see cref="SettlementEffects.AuditPersonalDataRead"/>; the person is the settlement's): when and through which channel,
/// by whom, for which hospital, in which transaction (source, "infno name"), why, and the msgid it answers.
/// </summary>
public sealed record PersonalDataAudit(DateTime ReadAt, string Channel, string Actor, string FixmedinsCode, string Source, string Purpose, string Reference);

/// <summary>One row of the audit log, as the province reads it.</summary>
public sealed class PersonalDataReadRow
{
    public long Id { get; set; }
    public string ReadAt { get; set; } = "";
    public string Channel { get; set; } = "";
    public string Actor { get; set; } = "";
    public string? FixmedinsCode { get; set; }
    public string? InsuplcAdmdvs { get; set; }
    public string PsnNo { get; set; } = "";
    public string Source { get; set; } = "";
    public string Purpose { get; set; } = "";
    public string? Reference { get; set; }
}

public sealed record PersonalDataReadQuery(DateOnly From, DateOnly To, string? PsnNo = null, string? FixmedinsCode = null, string? Channel = null,
    string? Actor = null, int Limit = 1000);

/// <summary>
/// The audit log of personal-data reads (table <c>personal_data_reads</c>). A read is any answer or page that shows one
/// identified person's name or identity number: 1101, the settlement answers whose setlinfo carries them
/// (2206/2207/2208, 2303/2304/2305, and 5203 that answers a settlement again), and the clerk's visit page and settlement slip, and the province's settlement detail.
/// Written in the database transaction of the read itself. Lists that show only masked values are not reads.
/// </summary>
public static class PersonalDataReads
{
    public const string Api = "api";
    public const string Web = "web";

    /// <summary>The transaction codes whose answer carries a person's full name and identity number, with the purpose recorded.</summary>
    public static readonly IReadOnlyDictionary<string, string> Transactions = new Dictionary<string, string>
    {
        ["1101"] = "人员信息获取（身份核验）",
        ["2206"] = "门诊预结算（结算信息含姓名、证件号码）",
        ["2207"] = "门诊结算（结算信息含姓名、证件号码）",
        ["2208"] = "门诊结算撤销（结算信息含姓名、证件号码）",
        ["2303"] = "住院预结算（结算信息含姓名、证件号码）",
        ["2304"] = "住院结算（结算信息含姓名、证件号码）",
        ["2305"] = "住院结算撤销（结算信息含姓名、证件号码）",
        ["5203"] = "结算信息查询（结算信息含姓名、证件号码）",
    };

    /// <summary>
    /// The audit row of transaction <paramref name="infno"/>'s answer to <paramref name="caller"/>, received at <paramref name="at"/>,
    /// for the effects of the settlement it shows; null when its answer shows no one's name (2601).
    /// </summary>
    public static PersonalDataAudit? AuditOf(string infno, Caller caller, DateTime at) =>
        Transactions.TryGetValue(infno, out var purpose)
            ? new PersonalDataAudit(at, caller.Channel, Clip(caller.Actor, 100), caller.FixmedinsCode, $"{infno} {TransactionApi.Kinds[infno].Name}",
                purpose, Clip(caller.Msgid, 60))
            : null;

    public static Task WriteAsync(UnitOfWork unit, DateTime at, string channel, string actor, string? fixmedinsCode, string source,
        PersonalDataRead read, string? reference) =>
        unit.ExecuteAsync(
            """
            INSERT INTO personal_data_reads (read_at, channel, actor, fixmedins_code, insuplc_admdvs, psn_no, source, purpose, reference)
            VALUES (@readAt, @channel, @actor, @fixmedinsCode,
                    COALESCE(@home, (SELECT MIN(insuplc_admdvs) FROM persons WHERE psn_no = @psnNo)), @psnNo, @source, @purpose, @reference)
            """,
            new
            {
                readAt = at.ToText(), channel, actor = Clip(actor, 100), fixmedinsCode, home = read.InsuplcAdmdvs, psnNo = read.PsnNo,
                source, purpose = read.Purpose, reference = reference is null ? null : Clip(reference, 60),
            });

    public static async Task<IReadOnlyList<PersonalDataReadRow>> QueryAsync(Database database, PersonalDataReadQuery q, CancellationToken cancel = default)
    {
        var sql = new StringBuilder("SELECT * FROM personal_data_reads WHERE read_at >= @from AND read_at < @to");
        if (q.PsnNo is not null) sql.Append(" AND psn_no = @psnNo");
        if (q.FixmedinsCode is not null) sql.Append(" AND fixmedins_code = @fixmedinsCode");
        if (q.Channel is not null) sql.Append(" AND channel = @channel");
        if (q.Actor is not null) sql.Append(" AND actor = @actor");
        sql.Append(" ORDER BY read_at DESC, id DESC LIMIT @limit");
        return (await database.ReadAsync(unit => unit.QueryAsync<PersonalDataReadRow>(sql.ToString(), new
        {
            from = q.From.ToText(), to = q.To.AddDays(1).ToText(), psnNo = q.PsnNo, fixmedinsCode = q.FixmedinsCode, channel = q.Channel,
            actor = q.Actor, limit = Math.Clamp(q.Limit, 1, 100_000),
        }), cancel)).ToList();
    }

    /// <summary>The rows as CSV (UTF-8 with BOM, so a spreadsheet opens the Chinese text right).</summary>
    public static byte[] Csv(IEnumerable<PersonalDataReadRow> rows)
    {
        var text = new StringBuilder("read_at,channel,actor,fixmedins_code,insuplc_admdvs,psn_no,source,purpose,reference\r\n");
        foreach (var r in rows)
            text.AppendJoin(',', new[] { r.ReadAt, r.Channel, r.Actor, r.FixmedinsCode, r.InsuplcAdmdvs, r.PsnNo, r.Source, r.Purpose, r.Reference }.Select(Field))
                .Append("\r\n");
        return [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(text.ToString())];
    }

    private static string Field(string? value)
    {
        value ??= "";
        if (value.Length > 0 && "=+-@".Contains(value[0])) value = "'" + value; // never a formula in a spreadsheet
        return value.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + value.Replace("\"", "\"\"") + "\"" : value;
    }

    private static string Clip(string text, int length) => text.Length <= length ? text : text[..length];
}
