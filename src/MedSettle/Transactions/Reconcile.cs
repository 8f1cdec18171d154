using System.Globalization;
using System.IO.Compression;
using System.Text;
using MedSettle.Engine;
using MedSettle.Storage;
using MedSettle.Transactions.Requests;

namespace MedSettle.Transactions;

/// <summary>
/// Reconciliation with a hospital (对账): 3201 compares totals, 3202 compares row by row. Counts and sums are net of
/// reversals: a reversal is a row of its own with negative amounts and counts minus one. 3202 takes the hospital's rows
/// inline (<c>details[]</c>) or, as the national interface has it, as a file uploaded with 9101 (<c>file_qury_no</c>); either
/// way it also keeps the mismatches as a result file for 9102 and answers it (<c>file_qury_no, filename, dld_endtime</c>
/// and <c>fileinfo</c>), as the national 3202's output always does.
/// </summary>
public static class Reconcile
{
    private sealed class Totals
    {
        public long N { get; set; }
        public long Medfee { get; set; }
        public long Fund { get; set; }
        public long Acct { get; set; }
    }

    public static async Task<object?> TotalsAsync(TransactionContext ctx, ReconcileTotalsRequest request)
    {
        var (insutype, clrType, setlOptins, (begin, end)) = (request.Insutype, request.ClrType, request.SetlOptins, request.Period);
        var hospital = new { medfee = request.MedfeeSumamt, fund = request.FundPaySumamt, acct = request.AcctPay, count = request.FixmedinsSetlCnt };

        var platform = await ctx.Db.FirstOrDefaultAsync<Totals>(
            """
            SELECT COALESCE(SUM(CASE WHEN kind = 'settle' THEN 1 ELSE -1 END), 0) AS n,
                   CAST(COALESCE(SUM(medfee_fen), 0) AS BIGINT) AS medfee, CAST(COALESCE(SUM(fund_pay_fen), 0) AS BIGINT) AS fund,
                   CAST(COALESCE(SUM(acct_pay_fen), 0) AS BIGINT) AS acct
            FROM settlements
            WHERE fixmedins_code = @fixmedinsCode AND insutype = @insutype AND clr_type = @clrType AND insuplc_admdvs = @setlOptins
              AND setl_time >= @from AND setl_time < @to
            """,
            new { fixmedinsCode = ctx.FixmedinsCode, insutype, clrType, setlOptins, from = begin.ToText(), to = end.AddDays(1).ToText() }) ?? new Totals();

        var differences = new List<string>();
        void Compare(string what, decimal theirs, decimal ours)
        {
            if (theirs != ours) differences.Add($"{what}：医院 {theirs:0.00}，平台 {ours:0.00}");
        }
        Compare("医疗费总额", hospital.medfee, Money.FromFen(platform.Medfee));
        Compare("基金支付总额", hospital.fund, Money.FromFen(platform.Fund));
        Compare("个人账户支出", hospital.acct, Money.FromFen(platform.Acct));
        if (hospital.count != platform.N) differences.Add($"结算笔数：医院 {hospital.count}，平台 {platform.N}");

        var scope = $"{begin.ToText()} 至 {end.ToText()}，险种 {insutype}，{(clrType == "11" ? "门诊" : "住院")}，清算机构 {setlOptins}";
        return new
        {
            stmtinfo = new
            {
                setl_optins = setlOptins,
                stmt_rslt = differences.Count == 0 ? "0" : "1",
                stmt_rslt_dscr = differences.Count == 0 ? $"对账平衡（{scope}，{platform.N} 笔）" : $"对账不平（{scope}）：{string.Join("；", differences)}",
            },
            platform = new
            {
                medfee_sumamt = Money.FromFen(platform.Medfee),
                fund_pay_sumamt = Money.FromFen(platform.Fund),
                acct_pay = Money.FromFen(platform.Acct),
                fixmedins_setl_cnt = platform.N,
            },
        };
    }

    public static async Task<object?> DetailsAsync(TransactionContext ctx, ReconcileDetailsRequest request)
    {
        var (begin, end) = request.Period;
        var (setlOptins, clrType, insutype, fileQuryNo) = (request.SetlOptins, request.ClrType, request.Insutype, request.FileQuryNo);
        IReadOnlyList<ReconcileDetail> details;
        if (fileQuryNo is null) details = request.Details!;
        else
        {
            var (filename, content) = await Files.ReadOwnAsync(ctx, fileQuryNo);
            details = DetailFile.Parse(content, filename);
        }
        Unique(details);

        var filter = (setlOptins is null ? "" : " AND insuplc_admdvs = @setlOptins") + (clrType is null ? "" : " AND clr_type = @clrType")
                     + (insutype is null ? "" : " AND insutype = @insutype");
        var platform = (await ctx.Db.QueryAsync<SettlementRow>(
            $"SELECT * FROM settlements WHERE fixmedins_code = @fixmedinsCode AND setl_time >= @from AND setl_time < @to{filter} ORDER BY setl_time, setl_id",
            new { fixmedinsCode = ctx.FixmedinsCode, from = begin.ToText(), to = end.AddDays(1).ToText(), setlOptins, clrType, insutype }))
            .ToDictionary(s => s.SetlId);

        var mismatches = new List<Mismatch>();
        var matched = 0;
        foreach (var d in details)
        {
            if (!platform.TryGetValue(d.SetlId, out var s))
            {
                mismatches.Add(new(d.SetlId, d.MdtrtId, d.PsnNo, d.RefdSetlFlag, "hospital_only", "医院有、平台无：本期平台没有这笔结算", ""));
                continue;
            }
            var differences = new List<string>();
            void Compare(string what, decimal theirs, long oursFen)
            {
                if (theirs != Money.FromFen(oursFen)) differences.Add($"{what} 医院 {theirs:0.00} 平台 {Money.FromFen(oursFen):0.00}");
            }
            Compare("医疗费总额", d.Medfee, s.MedfeeFen);
            Compare("基金支付", d.Fund, s.FundPayFen);
            Compare("个人账户", d.Acct, s.AcctPayFen);
            var refd = s.Kind == "reversal" ? "1" : "0";
            if (d.RefdSetlFlag != refd) differences.Add($"退费标志 医院 {d.RefdSetlFlag} 平台 {refd}");
            if (differences.Count == 0) matched++;
            else mismatches.Add(new(s.SetlId, s.MdtrtId, s.PsnNo, refd, "amount_differs", "金额不符：" + string.Join("，", differences), s.Msgid));
        }
        var theirs = details.Select(d => d.SetlId).ToHashSet();
        foreach (var s in platform.Values.Where(s => !theirs.Contains(s.SetlId)))
            mismatches.Add(new(s.SetlId, s.MdtrtId, s.PsnNo, s.Kind == "reversal" ? "1" : "0", "platform_only", "平台有、医院无：医院明细中缺少这笔结算", s.Msgid));

        var answer = new Dictionary<string, object?>
        {
            ["stmt_rslt"] = mismatches.Count == 0 ? "0" : "1",
            ["stmt_rslt_dscr"] = mismatches.Count == 0
                ? $"明细对账平衡：{matched} 笔全部一致"
                : $"明细对账不平：一致 {matched} 笔，不一致 {mismatches.Count} 笔",
            ["platform_cnt"] = platform.Count,
            ["hospital_cnt"] = details.Count,
            ["matched_cnt"] = matched,
            ["result"] = mismatches.Select(m => new
            {
                setl_id = m.SetlId, mdtrt_id = m.MdtrtId, psn_no = m.PsnNo, refd_setl_flag = m.RefdSetlFlag, stmt_rslt = "1", mismatch = m.Kind, memo = m.Memo,
            }).ToList(),
        };
        // the result file, whichever way the rows came: a client reads fileinfo and fetches the rows with 9102
        var name = $"3202_{ctx.FixmedinsCode}_{begin:yyyyMMdd}_{end:yyyyMMdd}";
        var stored = await Files.StoreAsync(ctx, name + ".zip", ResultFile(name + ".txt", mismatches, ctx.Now), "3202");
        answer["file_qury_no"] = stored.FileQuryNo;
        answer["filename"] = stored.Filename;
        answer["dld_endtime"] = stored.DldEndtime;
        answer["fileinfo"] = stored;
        return answer;
    }

    /// <summary>One row that does not reconcile: <paramref name="Msgid"/> is the settlement's message (empty for a row the platform lacks).</summary>
    private sealed record Mismatch(string SetlId, string MdtrtId, string PsnNo, string RefdSetlFlag, string Kind, string Memo, string Msgid);

    /// <summary>
    /// 3202's result file, as the national platform gives it: a zip holding one UTF-8 text file, a row per mismatch, tab-separated,
    /// no header: psn_no, mdtrt_id, setl_id, msgid, stmt_rslt (1 不平), refd_setl_flag, memo.
    /// </summary>
    private static byte[] ResultFile(string entryName, IEnumerable<Mismatch> mismatches, DateTime now)
    {
        var text = new StringBuilder();
        foreach (var m in mismatches)
            text.AppendJoin('\t', m.PsnNo, m.MdtrtId, m.SetlId, m.Msgid, "1", m.RefdSetlFlag, m.Memo.Replace('\t', ' ')).Append('\n');
        using var zip = new MemoryStream();
        using (var archive = new ZipArchive(zip, ZipArchiveMode.Create, leaveOpen: true))
        {
            var entry = archive.CreateEntry(entryName, CompressionLevel.Optimal);
            entry.LastWriteTime = new DateTimeOffset(now, TimeSpan.FromHours(8));
            using var stream = entry.Open();
            stream.Write(new UTF8Encoding(false).GetBytes(text.ToString()));
        }
        return zip.ToArray();
    }

    private static void Unique(IReadOnlyList<ReconcileDetail> details)
    {
        var repeated = details.GroupBy(d => d.SetlId).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (repeated.Count > 0) throw new Refusal($"明细中结算ID重复：{string.Join("、", repeated)}");
    }

    /// <summary>
    /// The national 3202 detail file (uploaded with 9101): text, UTF-8, a row per settlement, cells separated by tabs (or
    /// commas), in the order setl_id, mdtrt_id, psn_no, medfee_sumamt, fund_pay_sumamt, acct_pay, refd_setl_flag (the last two
    /// may be left off: 0); or with a header row of those names, in any order. "null" is an empty cell. It may be zipped.
    /// </summary>
    private static class DetailFile
    {
        private static readonly string[] Columns = ["setl_id", "mdtrt_id", "psn_no", "medfee_sumamt", "fund_pay_sumamt", "acct_pay", "refd_setl_flag"];

        /// <summary>A zipped file's text may not unpack to more than this.</summary>
        private const int MaxTextBytes = 4 * 1024 * 1024;

        public static List<ReconcileDetail> Parse(byte[] content, string filename)
        {
            var text = Text(content, filename);
            var details = new List<ReconcileDetail>();
            Dictionary<string, int>? header = null;
            var lineNo = 0;
            foreach (var raw in text.Split('\n'))
            {
                lineNo++;
                var line = raw.TrimEnd('\r');
                if (line.Trim().Length == 0) continue;
                var cells = line.Split(line.Contains('\t') ? '\t' : ',').Select(c => c.Trim().Trim('"')).Select(c => c == "null" ? "" : c).ToArray();
                if (details.Count == 0 && header is null && cells.Any(c => c.Equals("setl_id", StringComparison.OrdinalIgnoreCase)))
                {
                    header = cells.Select((name, i) => (name: name.ToLowerInvariant(), i)).Where(c => Columns.Contains(c.name))
                        .GroupBy(c => c.name).ToDictionary(g => g.Key, g => g.First().i);
                    foreach (var required in Columns[..5].Where(c => c is not ("mdtrt_id" or "psn_no") && !header.ContainsKey(c)))
                        throw new Refusal($"明细文件 {filename} 的表头缺少 {required} 列");
                    continue;
                }
                string Cell(string column)
                {
                    var index = header is null ? Array.IndexOf(Columns, column) : header.GetValueOrDefault(column, -1);
                    return index >= 0 && index < cells.Length ? cells[index] : "";
                }
                if (header is null && cells.Length < 5)
                    throw new Refusal($"明细文件 {filename} 第 {lineNo} 行只有 {cells.Length} 列：每行应依次为 {string.Join("、", Columns)}，以制表符（或逗号）分隔");
                var setlId = Cell("setl_id");
                if (setlId.Length == 0) throw new Refusal($"明细文件 {filename} 第 {lineNo} 行缺少结算ID setl_id");
                decimal Amount(string column, bool required)
                {
                    var value = Cell(column);
                    if (value.Length == 0 && !required) return 0m;
                    if (!decimal.TryParse(value, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount)
                        || Math.Abs(amount) > 999_999_999m)
                        throw new Refusal($"明细文件 {filename} 第 {lineNo} 行 {column} 的值“{value}”不是有效的金额");
                    return amount;
                }
                var refd = Cell("refd_setl_flag");
                if (refd is not ("" or "0" or "1"))
                    throw new Refusal($"明细文件 {filename} 第 {lineNo} 行 refd_setl_flag 的值“{refd}”应为 0（结算）或 1（退费）");
                details.Add(new ReconcileDetail(setlId, Cell("mdtrt_id"), Cell("psn_no"), Amount("medfee_sumamt", true), Amount("fund_pay_sumamt", true),
                    Amount("acct_pay", false), refd.Length == 0 ? "0" : refd));
            }
            return details;
        }

        private static string Text(byte[] content, string filename)
        {
            if (content is not [0x50, 0x4B, 0x03, 0x04, ..]) return Utf8(content);
            try
            {
                using var archive = new ZipArchive(new MemoryStream(content), ZipArchiveMode.Read);
                var text = new StringBuilder();
                var total = 0L;
                foreach (var entry in archive.Entries.Where(e => !e.FullName.EndsWith('/')))
                {
                    using var stream = entry.Open();
                    using var unpacked = new MemoryStream();
                    var buffer = new byte[16 * 1024];
                    int read;
                    while ((read = stream.Read(buffer)) > 0)
                    {
                        total += read;
                        if (total > MaxTextBytes)
                            throw new Refusal($"明细文件 {filename} 解压后超过 {MaxTextBytes / 1024 / 1024} MB：请缩短对账期间分次对账");
                        unpacked.Write(buffer, 0, read);
                    }
                    text.Append(Utf8(unpacked.ToArray())).Append('\n');
                }
                return text.ToString();
            }
            catch (InvalidDataException)
            {
                throw new Refusal($"明细文件 {filename} 以 zip 文件头开始，但不是有效的 zip 文件：请重新压缩后上传（9101）");
            }
        }

        private static string Utf8(byte[] bytes) => new UTF8Encoding(false).GetString(bytes).TrimStart('\uFEFF');
    }
}
