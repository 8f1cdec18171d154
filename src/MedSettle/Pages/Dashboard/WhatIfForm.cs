using System.Buffers;
using System.Globalization;
using System.Text.Json;
using MedSettle.Engine;
using MedSettle.Import;
using MedSettle.Storage;
using MedSettle.Transactions;
using MedSettle.WhatIf;
using MedSettle.Web;

namespace MedSettle.Pages.Dashboard;

/// <summary>
/// A policy version on the 政策测算 form: its key (in its inputs' names, so that what a POST holds is known whatever the
/// page showed), the stored version of that key (null for a draft's version the database does not have) and what its
/// inputs hold, as typed. A row whose inputs say what its stored version says is not part of the draft.
/// </summary>
public sealed class PolicyInput
{
    public string Region { get; init; } = "";
    public string Insutype { get; init; } = "";
    public string Category { get; init; } = "";
    public string HospLv { get; init; } = "";
    public string EffectiveFrom { get; init; } = "";
    public PolicyRow? Stored { get; init; }

    /// <summary>The version in force on the period's last day (else a version the draft holds).</summary>
    public bool InForce { get; set; }

    public string Deductible { get; set; } = "";
    public string Basis { get; set; } = "";
    public string Ratio { get; set; } = "";
    public string Cap { get; set; } = "";

    public string Key => $"p|{Region}|{Insutype}|{Category}|{HospLv}|{EffectiveFrom}";
    public string Name(string field) => $"{Key}|{field}";

    public bool Changed => Stored is null
                           || WhatIfForm.Number(Deductible) != Money.FromFen(Stored.DeductibleFen)
                           || Basis != Stored.DeductibleBasis
                           || WhatIfForm.Number(Ratio) != decimal.Parse(Stored.Ratio, CultureInfo.InvariantCulture)
                           || WhatIfForm.Number(Cap) != Money.FromFen(Stored.AnnualCapFen);

    public static PolicyInput Of(PolicyRow row, PolicyRow? stored) => new()
    {
        Region = row.InsuplcAdmdvs, Insutype = row.Insutype, Category = row.Category, HospLv = row.HospLv.ToString(CultureInfo.InvariantCulture),
        EffectiveFrom = row.EffectiveFrom, Stored = stored, Deductible = WhatIfForm.Yuan(row.DeductibleFen), Basis = row.DeductibleBasis,
        Ratio = WhatIfForm.RatioText(row.Ratio), Cap = WhatIfForm.Yuan(row.AnnualCapFen),
    };
}

/// <summary>A band's two inputs: where it ends (blank: no end) and its ratio.</summary>
public sealed record BandInput(string Upto, string Ratio)
{
    public bool IsBlank => Upto.Trim().Length == 0 && Ratio.Trim().Length == 0;
}

/// <summary>A supplementary fund's version on the 政策测算 form (see <see cref="PolicyInput"/>).</summary>
public sealed class SupplementInput
{
    /// <summary>How many bands the form offers beyond a version's own, so that one can be added.</summary>
    public const int SpareBands = 1;

    public string Region { get; init; } = "";
    public string Fund { get; init; } = "";
    public string Insutype { get; init; } = "";
    public string AssistanceType { get; init; } = "";
    public string EffectiveFrom { get; init; } = "";
    public SupplementRow? Stored { get; init; }
    public bool InForce { get; set; }
    public string Threshold { get; set; } = "";
    public string Cap { get; set; } = "";
    public IReadOnlyList<BandInput> Bands { get; set; } = [];

    public string Key => $"s|{Region}|{Fund}|{Insutype}|{AssistanceType}|{EffectiveFrom}";
    public string Name(string field) => $"{Key}|{field}";

    /// <summary>The bands typed, blank pairs left out; null when one cannot be read.</summary>
    public IReadOnlyList<Band>? ReadBands()
    {
        var bands = new List<Band>();
        foreach (var b in Bands.Where(b => !b.IsBlank))
        {
            decimal? upto = null;
            if (b.Upto.Trim().Length > 0)
            {
                if (WhatIfForm.Number(b.Upto) is not { } end) return null;
                upto = end;
            }
            if (WhatIfForm.Number(b.Ratio) is not { } ratio) return null;
            bands.Add(new Band(upto, ratio));
        }
        return bands;
    }

    public bool Changed
    {
        get
        {
            if (Stored is null) return true;
            var rule = Supplements.ToRule(Stored);
            return WhatIfForm.Number(Threshold) != rule.Threshold || WhatIfForm.Number(Cap) != rule.AnnualCap
                   || ReadBands() is not { } bands || !bands.SequenceEqual(rule.Bands);
        }
    }

    public static SupplementInput Of(SupplementRow row, SupplementRow? stored)
    {
        var rule = Supplements.ToRule(row);
        return new SupplementInput
        {
            Region = row.InsuplcAdmdvs, Fund = row.Fund, Insutype = row.Insutype, AssistanceType = row.AssistanceType, EffectiveFrom = row.EffectiveFrom,
            Stored = stored, Threshold = WhatIfForm.Yuan(row.ThresholdFen), Cap = WhatIfForm.Yuan(row.AnnualCapFen),
            Bands = rule.Bands.Select(b => new BandInput(b.Upto is { } upto ? WhatIfForm.Yuan(upto) : "", WhatIfForm.RatioText(b.Ratio)))
                .Concat(Enumerable.Repeat(new BandInput("", ""), SpareBands)).ToList(),
        };
    }
}

/// <summary>The stored policy and supplementary versions of the regions in scope.</summary>
public sealed record StoredRows(IReadOnlyList<PolicyRow> Policies, IReadOnlyList<SupplementRow> Supplements);

/// <summary>One region's rows on the form.</summary>
public sealed record RegionInputs(string Admdvs, string Name, IReadOnlyList<PolicyInput> Policies, IReadOnlyList<SupplementInput> Supplements)
{
    public int Changed => Policies.Count(p => p.Changed) + Supplements.Count(s => s.Changed);
}

/// <summary>What is wrong with one row of a draft, in the staff's words, with the importer's own sentence for support.</summary>
public sealed record DraftProblem(string? Key, string? Field, string Row, string Words, string Original);

/// <summary>
/// The 政策测算 form's rows: the versions in force on the period's last day for the regions in scope, a draft's rows laid
/// over them; what a POST holds, read back by the keys in the inputs' names; and the draft it makes — the changed rows,
/// as a bundle's policies.json and supplements.json rows, read and checked by <see cref="BundleImporter.ReadDraftAsync(string, byte[], CancellationToken)"/>.
/// </summary>
public static class WhatIfForm
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static string Yuan(long fen) => Money.FromFen(fen).ToString("N2", Invariant);

    public static string Yuan(decimal amount) => amount.ToString("N2", Invariant);

    public static string RatioText(string ratio) =>
        decimal.TryParse(ratio, NumberStyles.Float, Invariant, out var r) ? RatioText(r) : ratio;

    public static string RatioText(decimal ratio) => ratio.ToString("0.######", Invariant);

    /// <summary>A typed number (thousands separators allowed); null when blank or not a number.</summary>
    public static decimal? Number(string? text)
    {
        var plain = (text ?? "").Replace(",", "", StringComparison.Ordinal).Replace("，", "", StringComparison.Ordinal).Trim();
        return decimal.TryParse(plain, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, Invariant, out var d) ? d : null;
    }

    /// <summary>Every stored policy and supplementary version of the region in scope (null: all).</summary>
    public static Task<StoredRows> StoredAsync(Database database, string? region) =>
        database.ReadAsync(async unit =>
        {
            var where = region is null ? "" : " WHERE insuplc_admdvs = @region";
            return new StoredRows((await unit.QueryAsync<PolicyRow>($"SELECT * FROM policies{where}", new { region })).ToList(),
                (await unit.QueryAsync<SupplementRow>($"SELECT * FROM supplements{where}", new { region })).ToList());
        });

    /// <summary>
    /// The form's rows by region: each key's version in force on <paramref name="day"/>, with the overlay's rows (a draft, or
    /// what was posted) in place of the versions of the same key and date, and the overlay's other rows beside them.
    /// </summary>
    public static IReadOnlyList<RegionInputs> Lay(StoredRows stored, IReadOnlyDictionary<string, string> regionNames, DateOnly day,
        IEnumerable<PolicyInput> policies, IEnumerable<SupplementInput> supplements)
    {
        var today = day.ToText();
        var inForce = stored.Policies.Where(p => string.CompareOrdinal(p.EffectiveFrom, today) <= 0)
            .GroupBy(p => (p.InsuplcAdmdvs, p.Insutype, p.Category, p.HospLv))
            .Select(g => g.MaxBy(p => p.EffectiveFrom, StringComparer.Ordinal)!)
            .Select(p => PolicyInput.Of(p, p)).ToDictionary(p => p.Key, StringComparer.Ordinal);
        foreach (var p in inForce.Values) p.InForce = true;
        foreach (var p in policies)
        {
            p.InForce = inForce.ContainsKey(p.Key);
            inForce[p.Key] = p;
        }
        var supplementsInForce = stored.Supplements.Where(s => string.CompareOrdinal(s.EffectiveFrom, today) <= 0)
            .GroupBy(s => (s.InsuplcAdmdvs, s.Fund, s.Insutype, s.AssistanceType))
            .Select(g => g.MaxBy(s => s.EffectiveFrom, StringComparer.Ordinal)!)
            .Select(s => SupplementInput.Of(s, s)).ToDictionary(s => s.Key, StringComparer.Ordinal);
        foreach (var s in supplementsInForce.Values) s.InForce = true;
        foreach (var s in supplements)
        {
            s.InForce = supplementsInForce.ContainsKey(s.Key);
            supplementsInForce[s.Key] = s;
        }
        return inForce.Values.Select(p => p.Region).Concat(supplementsInForce.Values.Select(s => s.Region)).Distinct()
            .Order(StringComparer.Ordinal)
            .Select(region => new RegionInputs(region, regionNames.GetValueOrDefault(region, region),
                inForce.Values.Where(p => p.Region == region)
                    .OrderBy(p => p.Insutype, StringComparer.Ordinal).ThenBy(p => p.Category == "emergency_outpatient" ? 0 : 1)
                    .ThenByDescending(p => p.HospLv, StringComparer.Ordinal).ThenBy(p => p.EffectiveFrom, StringComparer.Ordinal).ToList(),
                supplementsInForce.Values.Where(s => s.Region == region)
                    .OrderBy(s => s.Fund switch { "hifob" => 0, "hifmi" => 1, _ => 2 }).ThenBy(s => s.Insutype, StringComparer.Ordinal)
                    .ThenBy(s => s.AssistanceType, StringComparer.Ordinal).ThenBy(s => s.EffectiveFrom, StringComparer.Ordinal).ToList()))
            .ToList();
    }

    /// <summary>A draft's rows as the form shows them.</summary>
    public static (List<PolicyInput> Policies, List<SupplementInput> Supplements) Inputs(PolicyDraft draft, StoredRows stored)
    {
        var policies = stored.Policies.ToDictionary(p => PolicyInput.Of(p, p).Key, StringComparer.Ordinal);
        var supplements = stored.Supplements.ToDictionary(s => SupplementInput.Of(s, s).Key, StringComparer.Ordinal);
        return (draft.Policies.Select(p => PolicyInput.Of(p, policies.GetValueOrDefault(PolicyInput.Of(p, null).Key))).ToList(),
            draft.Supplements.Select(s => SupplementInput.Of(s, supplements.GetValueOrDefault(SupplementInput.Of(s, null).Key))).ToList());
    }

    /// <summary>Whether two drafts hold the same rows with the same values (0.8 and 0.80 alike), in any order.</summary>
    public static bool SameRows(PolicyDraft a, PolicyDraft b)
    {
        static string Policy(PolicyRow p) => $"{PolicyInput.Of(p, null).Key}|{p.DeductibleFen}|{p.DeductibleBasis}|{RatioText(p.Ratio)}|{p.AnnualCapFen}";
        static string Supplement(SupplementRow s) =>
            $"{SupplementInput.Of(s, null).Key}|{s.ThresholdFen}|{s.AnnualCapFen}|"
            + string.Join(";", Supplements.ToRule(s).Bands.Select(band => $"{(band.Upto is { } upto ? Yuan(upto) : "")}:{RatioText(band.Ratio)}"));
        static HashSet<string> Rows(PolicyDraft d) => d.Policies.Select(Policy).Concat(d.Supplements.Select(Supplement)).ToHashSet(StringComparer.Ordinal);
        return a.Count == b.Count && Rows(a).SetEquals(Rows(b));
    }

    /// <summary>Every row a POST holds, read by the keys in its fields' names (<c>p|region|insutype|category|hosp_lv|effective_from|field</c>, <c>s|…</c>).</summary>
    public static (List<PolicyInput> Policies, List<SupplementInput> Supplements) Posted(IFormCollection form, StoredRows stored)
    {
        var fields = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        foreach (var (name, value) in form)
        {
            var parts = name.Split('|');
            if (parts.Length != 7 || parts[0] is not ("p" or "s")) continue;
            var key = string.Join('|', parts[..6]);
            if (!fields.TryGetValue(key, out var row)) fields[key] = row = new Dictionary<string, string>(StringComparer.Ordinal);
            row[parts[6]] = value.ToString();
        }
        var policies = stored.Policies.ToDictionary(p => PolicyInput.Of(p, p).Key, StringComparer.Ordinal);
        var supplements = stored.Supplements.ToDictionary(s => SupplementInput.Of(s, s).Key, StringComparer.Ordinal);
        var postedPolicies = new List<PolicyInput>();
        var postedSupplements = new List<SupplementInput>();
        foreach (var (key, row) in fields)
        {
            var parts = key.Split('|');
            string Value(string field) => row.GetValueOrDefault(field, "");
            if (parts[0] == "p")
                postedPolicies.Add(new PolicyInput
                {
                    Region = parts[1], Insutype = parts[2], Category = parts[3], HospLv = parts[4], EffectiveFrom = parts[5],
                    Stored = policies.GetValueOrDefault(key), Deductible = Value("deductible"), Basis = Value("basis"), Ratio = Value("ratio"), Cap = Value("cap"),
                });
            else
            {
                var bands = Enumerable.Range(0, 20).TakeWhile(i => row.ContainsKey($"upto.{i}") || row.ContainsKey($"ratio.{i}"))
                    .Select(i => new BandInput(Value($"upto.{i}"), Value($"ratio.{i}"))).ToList();
                postedSupplements.Add(new SupplementInput
                {
                    Region = parts[1], Fund = parts[2], Insutype = parts[3], AssistanceType = parts[4], EffectiveFrom = parts[5],
                    Stored = supplements.GetValueOrDefault(key), Threshold = Value("threshold"), Cap = Value("cap"), Bands = bands,
                });
            }
        }
        return (postedPolicies, postedSupplements);
    }

    /// <summary>The changed rows as the JSON of a draft file, one row to a line (so that a problem's line names its row).</summary>
    public static byte[] DraftJson(IReadOnlyList<PolicyInput> policies, IReadOnlyList<SupplementInput> supplements)
    {
        var buffer = new ArrayBufferWriter<byte>();
        void Rows<T>(IReadOnlyList<T> rows, Action<Utf8JsonWriter, T> write)
        {
            buffer.Write("[\n"u8);
            for (var i = 0; i < rows.Count; i++)
            {
                using (var writer = new Utf8JsonWriter(buffer)) { writer.WriteStartObject(); write(writer, rows[i]); writer.WriteEndObject(); }
                buffer.Write(i + 1 < rows.Count ? ",\n"u8 : "\n"u8);
            }
            buffer.Write("]"u8);
        }
        buffer.Write("{\"policies\": "u8);
        Rows(policies, (w, p) =>
        {
            w.WriteString("insuplc_admdvs", p.Region);
            w.WriteString("insutype", p.Insutype);
            w.WriteString("category", p.Category);
            Value(w, "hosp_lv", p.HospLv);
            w.WriteString("effective_from", p.EffectiveFrom);
            Value(w, "deductible", p.Deductible);
            w.WriteString("deductible_basis", p.Basis);
            Value(w, "ratio", p.Ratio);
            Value(w, "annual_cap", p.Cap);
        });
        buffer.Write(",\n\"supplements\": "u8);
        Rows(supplements, (w, s) =>
        {
            w.WriteString("insuplc_admdvs", s.Region);
            w.WriteString("fund", s.Fund);
            if (s.Insutype.Length > 0) w.WriteString("insutype", s.Insutype);
            if (s.AssistanceType.Length > 0) w.WriteString("assistance_type", s.AssistanceType);
            w.WriteString("effective_from", s.EffectiveFrom);
            Value(w, "threshold", s.Threshold);
            w.WriteStartArray("bands");
            foreach (var b in s.Bands.Where(b => !b.IsBlank))
            {
                w.WriteStartObject();
                if (b.Upto.Trim().Length == 0) w.WriteNull("upto");
                else Value(w, "upto", b.Upto);
                Value(w, "ratio", b.Ratio);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            Value(w, "annual_cap", s.Cap);
        });
        buffer.Write("}\n"u8);
        return buffer.WrittenSpan.ToArray();

        // a number as a number; anything else as the text typed, for the importer to name; a blank left out (missing)
        static void Value(Utf8JsonWriter w, string name, string text)
        {
            if (Number(text) is { } number) w.WriteNumber(name, number);
            else if (text.Trim().Length > 0) w.WriteString(name, text.Trim());
        }
    }

    /// <summary>
    /// The draft of the changed rows, read and checked as <c>medsettle whatif --draft</c> reads a file; or its problems,
    /// each naming the row (by the line the importer gives: one row to a line) and the field in the staff's words.
    /// </summary>
    public static async Task<(PolicyDraft? Draft, IReadOnlyList<DraftProblem> Problems)> ReadAsync(Database database, IReadOnlyList<PolicyInput> policies,
        IReadOnlyList<SupplementInput> supplements, IReadOnlyDictionary<string, string> regionNames, CancellationToken cancel)
    {
        try
        {
            return (await new BundleImporter(database).ReadDraftAsync("draft.json", DraftJson(policies, supplements), cancel), []);
        }
        catch (ImportFailed failed)
        {
            return (null, failed.Problems.Select(problem =>
            {
                var index = (int)problem.Line - 2; // line 1 is the array's "["
                var isSupplement = problem.File.EndsWith("supplements", StringComparison.Ordinal);
                if (isSupplement && index >= 0 && index < supplements.Count)
                {
                    var row = supplements[index];
                    // the importer counts the bands written, the form its slots (a blank slot is not written)
                    var slots = row.Bands.Select((b, slot) => (b, slot)).Where(b => !b.b.IsBlank).Select(b => b.slot).ToList();
                    return new DraftProblem(row.Key, FieldOf(problem.Column, band => band < slots.Count ? slots[band] : band), RowName(row, regionNames),
                        SupplementWords(problem.Column), problem.ToString());
                }
                if (!isSupplement && index >= 0 && index < policies.Count)
                    return new DraftProblem(policies[index].Key, FieldOf(problem.Column, band => band), RowName(policies[index], regionNames),
                        PolicyWords(problem.Column), problem.ToString());
                return new DraftProblem(null, null, "草案", "内容无法读取", problem.ToString());
            }).ToList());
        }
    }

    /// <summary>The form field a problem's column is typed in (bands[1].upto → upto.1).</summary>
    private static string? FieldOf(string? column, Func<int, int> slotOfBand) => column switch
    {
        "deductible" => "deductible",
        "deductible_basis" => "basis",
        "ratio" => "ratio",
        "annual_cap" => "cap",
        "threshold" => "threshold",
        _ when BandOf(column) is (var band, var part) => $"{part}.{slotOfBand(band)}",
        _ => null,
    };

    /// <summary>A band's column as the importer names it (bands[1].upto): the band's index and its part; null for any other column.</summary>
    private static (int Band, string Part)? BandOf(string? column) =>
        column is not null && column.StartsWith("bands[", StringComparison.Ordinal) && column[6..].Split("].") is [var i, var part]
        && int.TryParse(i, NumberStyles.None, Invariant, out var band)
            ? (band, part)
            : null;

    private static string PolicyWords(string? column) => column switch
    {
        "deductible" => "起付线应为不小于 0 的金额（元），最多两位小数",
        "deductible_basis" => "起付方式应为“每次”或“每年”",
        "ratio" => "支付比例应为 0 到 1 之间的小数（如 0.85 即 85%）",
        "annual_cap" => "封顶线应为不小于 0 的金额（元），最多两位小数",
        "insuplc_admdvs" => "参保地不是本平台的统筹区",
        "effective_from" => "同一政策版本在草案中出现了两次",
        _ => "该行内容不完整或无法读取，请刷新页面后重新填写",
    };

    private static string SupplementWords(string? column) => column switch
    {
        "threshold" => "起付标准应为不小于 0 的金额（元），最多两位小数",
        "annual_cap" => "年度限额应为不小于 0 的金额（元），最多两位小数",
        "bands" => "至少要有一个分段",
        _ when BandOf(column) is (var band, "upto") =>
            $"第 {band + 1} 段的上限应为金额（最多两位小数），且高于起付标准和上一段的上限；只有最后一段可以不填上限（不封顶）",
        _ when BandOf(column) is (var band, "ratio") =>
            $"第 {band + 1} 段的比例应为 0 到 1 之间的小数（如 0.6 即 60%）",
        "insuplc_admdvs" => "参保地不是本平台的统筹区",
        "effective_from" => "同一版本在草案中出现了两次",
        _ => "该行内容不完整或无法读取，请刷新页面后重新填写",
    };

    public static string RowName(PolicyInput p, IReadOnlyDictionary<string, string> regionNames) =>
        $"{regionNames.GetValueOrDefault(p.Region, p.Region)} · {DashboardScope.SchemeName(p.Insutype)} · {DashboardScope.CategoryName(p.Category)} · "
        + $"{(long.TryParse(p.HospLv, out var level) ? DashboardScope.LevelName(level) : p.HospLv)}医院（执行日期 {p.EffectiveFrom}）";

    public static string RowName(SupplementInput s, IReadOnlyDictionary<string, string> regionNames) =>
        $"{regionNames.GetValueOrDefault(s.Region, s.Region)} · {FundName(s.Fund)} · {ForWhom(s.Fund, s.Insutype, s.AssistanceType)}（执行日期 {s.EffectiveFrom}）";

    public static string FundName(string fund) => Supplements.TryParseFund(fund, out var f) ? FundWords.FullName(f) : fund;

    public static string ForWhom(string fund, string insutype, string assistanceType) =>
        fund == "maf" ? FundWords.AssistanceName(assistanceType) ?? assistanceType : DashboardScope.SchemeName(insutype);
}
