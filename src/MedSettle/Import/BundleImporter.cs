using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using Dapper;
using MedSettle.Engine;
using MedSettle.Storage;
using nietras.SeparatedValues;
using Npgsql;

namespace MedSettle.Import;

public sealed record ImportProblem(string File, long Line, string? Column, string Message)
{
    public override string ToString() => Column is null ? $"{File} line {Line}: {Message}" : $"{File} line {Line}, column {Column}: {Message}";
}

public sealed record ImportProgress(string Stage, long Done, long Total);

/// <summary>
/// What an import wrote, file by file, and what it imported but warns about (at most the first
/// <see cref="BundleImporter.MaxProblems"/> of them in <see cref="Warnings"/>; <see cref="WarningCount"/> counts all).
/// </summary>
public sealed record ImportSummary(IReadOnlyDictionary<string, (long Rows, long Changed)> Files, IReadOnlyList<ImportProblem> Warnings, long WarningCount)
{
    /// <summary>The catalogue version this import made (it added or changed catalogue rows), or null: it made none.</summary>
    public long? CatalogueVersion { get; init; }

    public long Changed => Files.Values.Sum(f => f.Changed);
}

public sealed class ImportFailed : Exception
{
    public ImportFailed(IReadOnlyList<ImportProblem> problems)
        : base(problems.Count >= BundleImporter.MaxProblems
            ? $"The bundle was not imported; nothing was changed. Reading stopped at the first {problems.Count} problems: fix these and import again to see any others."
            : $"The bundle was not imported ({problems.Count} problem(s)); nothing was changed.")
    {
        Problems = problems;
    }

    /// <summary>Problems of something other than a bundle (a policy draft): <paramref name="what"/> says what was not done.</summary>
    public ImportFailed(IReadOnlyList<ImportProblem> problems, string what)
        : base($"{what} ({problems.Count} problem(s)); nothing was changed.")
    {
        Problems = problems;
    }

    /// <summary>A refusal of the bundle as a whole, said in one line.</summary>
    public ImportFailed(string message) : base(message)
    {
        Problems = [];
    }

    public IReadOnlyList<ImportProblem> Problems { get; }
}

/// <summary>
/// Loads a reference-data bundle (regions, hospitals, catalogue, persons, policies): reads and validates all of it
/// first, then writes all of it in one transaction or nothing. Unchanged rows are left alone, so re-importing the same
/// bundle changes nothing; policy versions are added and never overwritten. A person whose identity number is not a valid
/// GB 11643 number is imported with a warning (the bundle format does not require the check digit), or refused when
/// <paramref name="strict"/>: the window finds a person only by a valid identity number. An import that adds or changes
/// catalogue rows makes a new catalogue version, released at <paramref name="clock"/>'s now (the system clock's when none).
/// </summary>
public sealed class BundleImporter(Database database, IProgress<ImportProgress>? progress = null, bool strict = false, PlatformClock? clock = null)
{
    internal const int MaxProblems = 200;
    private readonly List<ImportProblem> _problems = [];
    private readonly List<ImportProblem> _warnings = [];
    private long _warningCount;

    internal sealed record Region(string Admdvs, string Name);
    internal sealed record Hospital(string FixmedinsCode, string FixmedinsName, string Admdvs, int HospLv, int CrossRegionEnabled);
    internal sealed record Item(string MedListCodg, string MedListName, string ListType, string MedChrgitmType, int ChrgitmLv, string SelfpayProp, string? PricUplmtAmt,
        string? LmtGend, int? LmtAgeMin, int? LmtAgeMax, string? LmtDailyCnt, string? ExclGroup);
    internal sealed record Person(string InsuplcAdmdvs, string PsnNo, string Insutype, string PsnName, string Certno, string Gend, string Brdy, string PsnInsuStas, long AcctImportedFen,
        string? AssistanceType, string? Naty, string? EmpName, string? PsnInsuDate, string? PausInsuDate, string? CvlservFlag);
    internal sealed record SupplementVersion(string InsuplcAdmdvs, string Fund, string Insutype, string AssistanceType, string EffectiveFrom,
        long ThresholdFen, string Bands, long AnnualCapFen, long Line)
    {
        public string Key => $"{InsuplcAdmdvs}/{Fund}/{Insutype}{AssistanceType}/{EffectiveFrom}";
    }
    internal sealed record SupervisionVersion(RuleVersion Version, long Line)
    {
        public string Key => $"{Version.Rule.Code()}/{Version.EffectiveFrom.ToText()}";
    }
    internal sealed record PolicyVersion(string InsuplcAdmdvs, string Insutype, string Category, int HospLv, string EffectiveFrom, long DeductibleFen, string DeductibleBasis, string Ratio, long AnnualCapFen, long Line);

    public async Task<ImportSummary> ImportAsync(string directory, CancellationToken cancel = default)
    {
        if (!Directory.Exists(directory))
            throw new ImportFailed([new ImportProblem(directory, 0, null, "the bundle directory does not exist")]);
        string[] names = ["regions.csv", "hospitals.csv", "catalogue.csv", "persons.csv", "policies.json", "supplements.json", "rules.json"];
        if (!names.Any(n => File.Exists(Path.Combine(directory, n))))
            throw new ImportFailed([new ImportProblem(directory, 0, null, $"no bundle files found (expected {string.Join(", ", names)})")]);

        var regions = ReadCsv(directory, "regions.csv", ["admdvs", "name"], ReadRegion);
        var hospitals = ReadCsv(directory, "hospitals.csv", ["fixmedins_code", "fixmedins_name", "admdvs", "hosp_lv", "cross_region_enabled"], ReadHospital);
        var catalogue = ReadCsv(directory, "catalogue.csv", ["med_list_codg", "med_list_name", "list_type", "med_chrgitm_type", "chrgitm_lv", "selfpay_prop", "pric_uplmt_amt"], ReadItem,
            optional: CatalogueLimitColumns);
        var persons = ReadCsv(directory, "persons.csv", ["psn_no", "psn_name", "certno", "gend", "brdy", "insuplc_admdvs", "insutype", "psn_insu_stas", "acct_balc"], ReadPerson,
            optional: ["assistance_type", .. PersonDetailColumns]);
        var policies = ReadJsonArray(directory, "policies.json", "policy", ReadPolicy);
        var supplements = ReadJsonArray(directory, "supplements.json", "supplementary row", ReadSupplement);
        var rules = ReadJsonArray(directory, "rules.json", "rule", ReadRule);
        foreach (var (line, p) in persons)
            if (IdentityNumberProblem(p.Certno) is { } why)
                Warning("persons.csv", line, "certno", $"{IdentityNumber.Mask(p.Certno)} {why}; the window cannot find this person by identity number");

        Duplicates("regions.csv", regions, r => r.Value.Admdvs, "admdvs");
        Duplicates("hospitals.csv", hospitals, r => r.Value.FixmedinsCode, "fixmedins_code");
        Duplicates("catalogue.csv", catalogue, r => r.Value.MedListCodg, "med_list_codg");
        Duplicates("persons.csv", persons, r => $"{r.Value.PsnNo}/{r.Value.Insutype}", "psn_no");
        Duplicates("policies.json", policies.Select(p => (p.Line, p)).ToList(),
            r => $"{r.Value.InsuplcAdmdvs}/{r.Value.Insutype}/{r.Value.Category}/{r.Value.HospLv}/{r.Value.EffectiveFrom}", "effective_from");
        Duplicates("supplements.json", supplements.Select(p => (p.Line, p)).ToList(), r => r.Value.Key, "effective_from");
        Duplicates("rules.json", rules.Select(p => (p.Line, p)).ToList(), r => r.Value.Key, "effective_from");

        await using (var connection = await database.OpenConnectionAsync(cancel))
        {
            var knownRegions = (await connection.QueryAsync<string>("SELECT admdvs FROM regions")).ToHashSet();
            knownRegions.UnionWith(regions.Select(r => r.Value.Admdvs));
            foreach (var (line, h) in hospitals)
                if (!knownRegions.Contains(h.Admdvs)) Problem("hospitals.csv", line, "admdvs", $"\"{h.Admdvs}\" is not a pooling region in regions.csv");
            foreach (var (line, p) in persons)
                if (!knownRegions.Contains(p.InsuplcAdmdvs)) Problem("persons.csv", line, "insuplc_admdvs", $"\"{p.InsuplcAdmdvs}\" is not a pooling region in regions.csv");
            foreach (var p in policies)
                if (!knownRegions.Contains(p.InsuplcAdmdvs)) Problem("policies.json", p.Line, "insuplc_admdvs", $"\"{p.InsuplcAdmdvs}\" is not a pooling region in regions.csv");
            foreach (var p in supplements)
                if (!knownRegions.Contains(p.InsuplcAdmdvs)) Problem("supplements.json", p.Line, "insuplc_admdvs", $"\"{p.InsuplcAdmdvs}\" is not a pooling region in regions.csv");
            var storedSupplements = (await connection.QueryAsync<SupplementRow>("SELECT * FROM supplements"))
                .ToDictionary(r => $"{r.InsuplcAdmdvs}/{r.Fund}/{r.Insutype}{r.AssistanceType}/{r.EffectiveFrom}");
            foreach (var p in supplements)
                if (storedSupplements.TryGetValue(p.Key, out var r) && (r.ThresholdFen != p.ThresholdFen || r.AnnualCapFen != p.AnnualCapFen
                        || !Transactions.Supplements.ToRule(r).Bands.SequenceEqual(BandsOf(p))))
                    Problem("supplements.json", p.Line, "effective_from",
                        $"the supplementary row {p.Key} is already stored with other values; versions are never overwritten, add a new version with a later effective_from");

            var storedRules = (await connection.QueryAsync<SupervisionRuleRow>("SELECT * FROM supervision_rules"))
                .Select(Transactions.SupervisionVersions.ToVersion).ToDictionary(v => $"{v.Rule.Code()}/{v.EffectiveFrom.ToText()}");
            foreach (var r in rules)
                if (storedRules.TryGetValue(r.Key, out var v) && !v.SaysTheSame(r.Version))
                    Problem("rules.json", r.Line, "effective_from",
                        $"the rule version {r.Key} is already stored with other values; versions are never overwritten, add a new version with a later effective_from");

            var stored = (await connection.QueryAsync<PolicyRow>("SELECT * FROM policies"))
                .ToDictionary(p => $"{p.InsuplcAdmdvs}/{p.Insutype}/{p.Category}/{p.HospLv}/{p.EffectiveFrom}");
            foreach (var p in policies)
            {
                var key = $"{p.InsuplcAdmdvs}/{p.Insutype}/{p.Category}/{p.HospLv}/{p.EffectiveFrom}";
                if (stored.TryGetValue(key, out var s) && (s.DeductibleFen != p.DeductibleFen || s.DeductibleBasis != p.DeductibleBasis
                        || decimal.Parse(s.Ratio, CultureInfo.InvariantCulture) != decimal.Parse(p.Ratio, CultureInfo.InvariantCulture) || s.AnnualCapFen != p.AnnualCapFen))
                    Problem("policies.json", p.Line, "effective_from",
                        $"the policy {key} is already stored with other values; policy versions are never overwritten, add a new version with a later effective_from");
            }
            if (_problems.Count == 0 && policies.Count == 0 && stored.Count == 0)
                throw new ImportFailed("The bundle was not imported; nothing was changed: it has no policies (policies.json is missing or empty) and the "
                                       + "database holds none, so no visit could be settled. Add policies.json to the bundle.");
        }
        if (_problems.Count > 0) throw new ImportFailed(_problems);

        var files = new Dictionary<string, (long, long)>();
        long? catalogueVersion = null;
        var now = (clock ?? new PlatformClock(TimeProvider.System)).Now;
        await database.WriteAsync<int>(async unit =>
        {
            files["regions.csv"] = (regions.Count, await UpsertAsync(unit, "regions", regions.Select(r => r.Value).ToList(), Sql.Regions, Sql.RegionColumns, r => [r.Admdvs, r.Name]));
            files["hospitals.csv"] = (hospitals.Count, await UpsertAsync(unit, "hospitals", hospitals.Select(r => r.Value).ToList(), Sql.Hospitals, Sql.HospitalColumns,
                h => [h.FixmedinsCode, h.FixmedinsName, h.Admdvs, h.HospLv, h.CrossRegionEnabled]));
            // the rows added or changed take the next catalogue version; it is recorded only if there are any
            var ver = await unit.ScalarAsync<long>("SELECT COALESCE(MAX(ver), 0) + 1 FROM catalogue_versions");
            var catalogueChanged = await UpsertAsync(unit, "catalogue", catalogue.Select(r => r.Value).ToList(), Sql.Catalogue, Sql.CatalogueColumns,
                c => [c.MedListCodg, c.MedListName, c.ListType, c.MedChrgitmType, c.ChrgitmLv, c.SelfpayProp, c.PricUplmtAmt, PinyinInitials.Of(c.MedListName),
                    c.LmtGend, c.LmtAgeMin, c.LmtAgeMax, c.LmtDailyCnt, c.ExclGroup, ver, ver]);
            files["catalogue.csv"] = (catalogue.Count, catalogueChanged);
            if (catalogueChanged > 0)
            {
                await RecordCatalogueVersionAsync(unit, ver, catalogueChanged, now.ToText());
                catalogueVersion = ver;
            }
            // a person's home region cannot change by import (persons_by_psn_no: one row per psn_no and scheme): said before writing
            var moved = await MovedPersonsAsync(unit, persons);
            if (moved.Count > 0)
                throw new ImportFailed(moved.Select(m => new ImportProblem("persons.csv", m.Line, "insuplc_admdvs",
                    $"person {m.Value.PsnNo} is already insured in another pooling region; a person's home region cannot change by import")).ToList());
            var keys = database.Keys; // names and identity numbers are stored sealed, found by a keyed hash
            files["persons.csv"] = (persons.Count, await UpsertAsync(unit, "persons", persons.Select(r => r.Value).ToList(), Sql.Persons, Sql.PersonColumns, p =>
            {
                var sealed_ = keys.SealPerson(p.PsnName, p.Certno);
                return [p.InsuplcAdmdvs, p.PsnNo, p.Insutype, sealed_.PsnNameEnc, sealed_.CertnoEnc, sealed_.CertnoHash, sealed_.PdDigest,
                    p.Gend, p.Brdy, p.PsnInsuStas, p.AcctImportedFen, p.AcctImportedFen, p.AssistanceType,
                    p.Naty, p.EmpName, p.PsnInsuDate, p.PausInsuDate, p.CvlservFlag];
            }));
            files["policies.json"] = (policies.Count, await UpsertAsync(unit, "policies", policies, Sql.Policies, Sql.PolicyColumns,
                p => [p.InsuplcAdmdvs, p.Insutype, p.Category, p.HospLv, p.EffectiveFrom, p.DeductibleFen, p.DeductibleBasis, p.Ratio, p.AnnualCapFen]));
            if (supplements.Count > 0)
                files["supplements.json"] = (supplements.Count, await UpsertAsync(unit, "supplements", supplements, Sql.Supplements, Sql.SupplementColumns,
                    p => [p.InsuplcAdmdvs, p.Fund, p.Insutype, p.AssistanceType, p.EffectiveFrom, p.ThresholdFen, p.Bands, p.AnnualCapFen]));
            if (rules.Count > 0)
                files["rules.json"] = (rules.Count, await UpsertAsync(unit, "supervision_rules", rules, Sql.Rules, Sql.RuleColumns,
                    r => [r.Version.Rule.Code(), r.Version.EffectiveFrom.ToText(), r.Version.Enabled ? 1 : 0, r.Version.Severity.Code(),
                        Transactions.SupervisionVersions.ParamsJson(r.Version.Params)]));

            // servers holding hospitals and policies in memory read them again (Transactions/ReferenceData)
            await unit.ExecuteAsync("UPDATE reference_data SET version = version + 1 WHERE id = 1");
            return (0, true);
        }, cancel);
        return new ImportSummary(files, _warnings, _warningCount) { CatalogueVersion = catalogueVersion };
    }

    /// <summary>
    /// Version <paramref name="ver"/> of the catalogue, whose rows the upsert just stamped with it: the version itself, the end
    /// of the history rows it supersedes, and a history row for each of its rows (Storage/Schema, migration 40).
    /// </summary>
    private static async Task RecordCatalogueVersionAsync(UnitOfWork unit, long ver, long changed, string releasedAt)
    {
        await unit.ExecuteAsync("INSERT INTO catalogue_versions (ver, released_at, rows_changed) VALUES (@ver, @releasedAt, @changed)",
            new { ver, releasedAt, changed });
        await unit.ExecuteAsync(
            """
            UPDATE catalogue_history SET endtime = @releasedAt
            WHERE endtime IS NULL AND med_list_codg IN (SELECT med_list_codg FROM catalogue WHERE ver = @ver)
            """, new { ver, releasedAt });
        await unit.ExecuteAsync(
            """
            INSERT INTO catalogue_history (med_list_codg, ver, med_list_name, list_type, med_chrgitm_type, chrgitm_lv, selfpay_prop, pric_uplmt_amt,
                name_initials, lmt_gend, lmt_age_min, lmt_age_max, lmt_daily_cnt, excl_group, begntime, endtime)
            SELECT med_list_codg, ver, med_list_name, list_type, med_chrgitm_type, chrgitm_lv, selfpay_prop, pric_uplmt_amt,
                name_initials, lmt_gend, lmt_age_min, lmt_age_max, lmt_daily_cnt, excl_group, @releasedAt, NULL
            FROM catalogue WHERE ver = @ver
            """, new { ver, releasedAt });
    }

    /// <summary>
    /// Reads the rows of a policy draft (<c>medsettle whatif --draft</c>, the 政策测算 page; docs/WHATIF.md): policies.json and
    /// supplements.json rows, checked as an import checks them and with its messages, from a directory holding either file
    /// or from one JSON file: an array of rows (a row with "fund" is a supplementary row, any other a policy) or an object
    /// <c>{"policies": [...], "supplements": [...]}</c>. Nothing is written.
    /// </summary>
    /// <exception cref="ImportFailed">The draft's problems, each with its file, line and field.</exception>
    public Task<WhatIf.PolicyDraft> ReadDraftAsync(string path, CancellationToken cancel = default)
    {
        if (Directory.Exists(path))
        {
            if (!File.Exists(Path.Combine(path, "policies.json")) && !File.Exists(Path.Combine(path, "supplements.json")))
                throw new ImportFailed([new ImportProblem(path, 0, null, "holds neither policies.json nor supplements.json: a draft is rows of either")]);
            return CheckDraftAsync(ReadJsonArray(path, "policies.json", "policy", ReadPolicy),
                ReadJsonArray(path, "supplements.json", "supplementary row", ReadSupplement), cancel);
        }
        if (!File.Exists(path)) throw new ImportFailed([new ImportProblem(path, 0, null, "the draft file does not exist")]);
        return ReadDraftAsync(Path.GetFileName(path), File.ReadAllBytes(path), cancel);
    }

    /// <summary>A draft's rows from the JSON text of one file named <paramref name="file"/> (see <see cref="ReadDraftAsync(string, CancellationToken)"/>).</summary>
    public Task<WhatIf.PolicyDraft> ReadDraftAsync(string file, byte[] json, CancellationToken cancel = default)
    {
        var policies = new List<PolicyVersion>();
        var supplements = new List<SupplementVersion>();
        object? Either(string f, long line, int item, JsonElement e) =>
            e.ValueKind == JsonValueKind.Object && e.TryGetProperty("fund", out _) ? ReadSupplement(f, line, item, e) : ReadPolicy(f, line, item, e);
        var text = json.AsSpan().StartsWith("\uFEFF"u8) ? json[3..] : json;
        var firstToken = text.AsSpan().TrimStart(" \t\r\n"u8);
        if (firstToken.Length > 0 && firstToken[0] == (byte)'{')
        {
            try
            {
                using var document = JsonDocument.Parse(text, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
                foreach (var property in document.RootElement.EnumerateObject())
                {
                    var bytes = Encoding.UTF8.GetBytes(property.Value.GetRawText());
                    switch (property.Name)
                    {
                        case "policies":
                            policies.AddRange(ReadJsonArray(bytes, $"{file} policies", "policy", ReadPolicy));
                            break;
                        case "supplements":
                            supplements.AddRange(ReadJsonArray(bytes, $"{file} supplements", "supplementary row", ReadSupplement));
                            break;
                        default:
                            Problem(file, 1, property.Name, "is not a part of a draft: its parts are \"policies\" (policies.json rows) and \"supplements\" (supplements.json rows)");
                            break;
                    }
                }
            }
            catch (JsonException e)
            {
                Problem(file, (e.LineNumber ?? 0) + 1, null, $"is not valid JSON: {e.Message}");
            }
        }
        else
            foreach (var row in ReadJsonArray(text, file, "policy or supplementary row", Either))
                if (row is PolicyVersion p) policies.Add(p);
                else supplements.Add((SupplementVersion)row);
        return CheckDraftAsync(policies, supplements, cancel);
    }

    private async Task<WhatIf.PolicyDraft> CheckDraftAsync(List<PolicyVersion> policies, List<SupplementVersion> supplements, CancellationToken cancel)
    {
        Duplicates("policies", policies.Select(p => (p.Line, p)).ToList(),
            r => $"{r.Value.InsuplcAdmdvs}/{r.Value.Insutype}/{r.Value.Category}/{r.Value.HospLv}/{r.Value.EffectiveFrom}", "effective_from");
        Duplicates("supplements", supplements.Select(p => (p.Line, p)).ToList(), r => r.Value.Key, "effective_from");
        await using (var connection = await database.OpenConnectionAsync(cancel))
        {
            var knownRegions = (await connection.QueryAsync<string>("SELECT admdvs FROM regions")).ToHashSet();
            foreach (var p in policies)
                if (!knownRegions.Contains(p.InsuplcAdmdvs)) Problem("policies", p.Line, "insuplc_admdvs", $"\"{p.InsuplcAdmdvs}\" is not a pooling region of this database");
            foreach (var p in supplements)
                if (!knownRegions.Contains(p.InsuplcAdmdvs)) Problem("supplements", p.Line, "insuplc_admdvs", $"\"{p.InsuplcAdmdvs}\" is not a pooling region of this database");
        }
        if (_problems.Count > 0) throw new ImportFailed(_problems, "The draft was not read");
        return new WhatIf.PolicyDraft(
            policies.Select(p => new PolicyRow
            {
                InsuplcAdmdvs = p.InsuplcAdmdvs, Insutype = p.Insutype, Category = p.Category, HospLv = p.HospLv, EffectiveFrom = p.EffectiveFrom,
                DeductibleFen = p.DeductibleFen, DeductibleBasis = p.DeductibleBasis, Ratio = p.Ratio, AnnualCapFen = p.AnnualCapFen,
            }).ToList(),
            supplements.Select(p => new SupplementRow
            {
                InsuplcAdmdvs = p.InsuplcAdmdvs, Fund = p.Fund, Insutype = p.Insutype, AssistanceType = p.AssistanceType, EffectiveFrom = p.EffectiveFrom,
                ThresholdFen = p.ThresholdFen, Bands = p.Bands, AnnualCapFen = p.AnnualCapFen,
            }).ToList());
    }

    /// <summary>The bundle's persons already stored for the same scheme under another home region (the first 20).</summary>
    private static async Task<List<(long Line, Person Value)>> MovedPersonsAsync(UnitOfWork unit, List<(long Line, Person Value)> persons)
    {
        var moved = new List<(long Line, Person Value)>();
        foreach (var chunk in persons.Chunk(1000))
        {
            var stored = (await unit.QueryAsync<(string PsnNo, string Insutype, string InsuplcAdmdvs)>(
                    $"SELECT psn_no, insutype, insuplc_admdvs FROM persons WHERE {unit.IsOneOf("psn_no", "psnNos")}",
                    new { psnNos = chunk.Select(p => p.Value.PsnNo).Distinct().ToArray() }))
                .ToDictionary(p => (p.PsnNo, p.Insutype), p => p.InsuplcAdmdvs);
            moved.AddRange(chunk.Where(p => stored.TryGetValue((p.Value.PsnNo, p.Value.Insutype), out var home) && home != p.Value.InsuplcAdmdvs));
            if (moved.Count >= 20) break;
        }
        return moved.Take(20).ToList();
    }

    private async Task<long> UpsertAsync<T>(UnitOfWork unit, string table, IReadOnlyList<T> rows, string upsertSql, string[] columns, Func<T, object?[]> values)
    {
        if (rows.Count == 0) return 0;
        progress?.Report(new ImportProgress(table, 0, rows.Count));
        long changed = 0;
        if (unit.Connection is NpgsqlConnection pg)
        {
            await unit.ExecuteAsync($"CREATE TEMP TABLE staging_{table} (LIKE {table} INCLUDING DEFAULTS) ON COMMIT DROP");
            await using (var writer = await pg.BeginBinaryImportAsync($"COPY staging_{table} ({string.Join(", ", columns)}) FROM STDIN (FORMAT BINARY)"))
            {
                var done = 0;
                foreach (var row in rows)
                {
                    await writer.WriteRowAsync(default, values(row));
                    if (++done % 20_000 == 0) progress?.Report(new ImportProgress(table, done, rows.Count));
                }
                await writer.CompleteAsync();
            }
            changed = await unit.ExecuteAsync(upsertSql.Replace("VALUES (@p)", $"SELECT {string.Join(", ", columns)} FROM staging_{table}")
                .Replace("ON CONFLICT", "ORDER BY 1 ON CONFLICT"));
        }
        else
        {
            await using var command = unit.Connection.CreateCommand();
            command.Transaction = unit.Transaction;
            command.CommandText = upsertSql.Replace("@p", string.Join(", ", columns.Select((_, i) => $"@p{i}")));
            var parameters = columns.Select((_, i) =>
            {
                var p = command.CreateParameter();
                p.ParameterName = $"@p{i}";
                command.Parameters.Add(p);
                return p;
            }).ToArray();
            await command.PrepareAsync();
            var done = 0;
            foreach (var row in rows)
            {
                var v = values(row);
                for (var i = 0; i < v.Length; i++) parameters[i].Value = v[i] ?? DBNull.Value;
                changed += await command.ExecuteNonQueryAsync();
                if (++done % 20_000 == 0) progress?.Report(new ImportProgress(table, done, rows.Count));
            }
        }
        progress?.Report(new ImportProgress(table, rows.Count, rows.Count));
        return changed;
    }

    private List<(long Line, T Value)> ReadCsv<T>(string directory, string file, string[] required, Func<Row, T?> read, string[]? optional = null) where T : class
    {
        var path = Path.Combine(directory, file);
        var rows = new List<(long, T)>();
        if (!File.Exists(path)) return rows;
        progress?.Report(new ImportProgress($"reading {file}", 0, 0));
        // Strict UTF-8: a file saved as GBK or Latin-1 is refused, not imported with its names garbled.
        using var text = new StreamReader(path, StrictUtf8, detectEncodingFromByteOrderMarks: false);
        long line = 1;
        try
        {
            using var reader = Sep.New(',').Reader(o => o with { Unescape = true, DisableColCountCheck = true, Trim = SepTrim.Outer }).From(text);
            var columns = reader.Header.ColNames.Count;
            var index = new Dictionary<string, int>();
            foreach (var name in required)
            {
                if (reader.Header.TryIndexOf(name, out var i)) index[name] = i;
                else Problem(file, 1, name, "this required column is missing from the header");
            }
            if (index.Count < required.Length) return rows;
            var present = required.Concat((optional ?? []).Where(name => reader.Header.TryIndexOf(name, out var i) && index.TryAdd(name, i))).ToArray();

            foreach (var sepRow in reader)
            {
                line = sepRow.LineNumberFrom;
                if (sepRow.ColCount == 1 && sepRow[0].Span.IsEmpty) continue; // a blank line
                if (sepRow.ColCount != columns)
                {
                    // Never guess which value belongs to which column: an unquoted comma (1,520.50) would shift them all.
                    Problem(file, line, null, $"{sepRow.ColCount} fields, but the header has {columns}: quote a value that contains a comma (\"1,520.50\")");
                }
                else
                {
                    var row = new Row(file, line, this, index);
                    for (var i = 0; i < present.Length; i++) row.Values[i] = sepRow[index[present[i]]].ToString();
                    row.Names = present;
                    if (read(row) is { } value) rows.Add((line, value));
                }
                if (_problems.Count >= MaxProblems) break;
            }
        }
        catch (DecoderFallbackException)
        {
            Problem(file, FirstLineNotUtf8(path), null, "is not UTF-8 text (GBK or Latin-1?): save the file as UTF-8");
        }
        catch (ArgumentException e) when (line == 1)
        {
            Problem(file, 1, null, $"the header cannot be read: {e.Message}");
        }
        return rows;
    }

    private static long FirstLineNotUtf8(string path)
    {
        var bytes = File.ReadAllBytes(path);
        Utf8.ToUtf16(bytes, new char[bytes.Length], out var valid, out _, replaceInvalidSequences: false);
        return 1 + bytes.AsSpan(0, valid).Count((byte)'\n');
    }

    /// <summary>Throws on bytes that are not UTF-8; its preamble lets the reader skip a byte order mark.</summary>
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: true, throwOnInvalidBytes: true);

    /// <summary>One CSV row being read: each accessor validates one column and records a problem naming it.</summary>
    internal sealed class Row(string file, long line, BundleImporter importer, Dictionary<string, int> index)
    {
        public string[] Values { get; } = new string[index.Count];
        public string[] Names { get; set; } = [];
        public bool Ok { get; private set; } = true;
        /// <summary>The column's value; "" for an optional column the file does not have.</summary>
        private string Raw(string column) => Array.IndexOf(Names, column) is var i and >= 0 ? Values[i] : "";

        public string? Fail(string column, string message)
        {
            Ok = false;
            importer.Problem(file, line, column, message);
            return null;
        }

        public string Text(string column, int maxLength = 200)
        {
            var value = Raw(column);
            if (value.Length == 0) return Fail(column, "is empty") ?? "";
            if (value.Length > maxLength) return Fail(column, $"is longer than {maxLength} characters") ?? "";
            return value;
        }

        public string Code(string column, Func<string, bool> valid, string expected)
        {
            var value = Raw(column);
            return valid(value) ? value : Fail(column, $"\"{value}\" is not {expected}") ?? "";
        }

        public int Integer(string column, int min, int max, string expected)
        {
            var value = Raw(column);
            return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
                ? n : (Fail(column, $"\"{value}\" is not {expected}") is null ? 0 : 0);
        }

        public decimal? Decimal(string column, bool blankAllowed, decimal min, decimal max, string expected, int maxPlaces = 6)
        {
            var value = Raw(column);
            if (value.Length == 0)
                return blankAllowed ? null : (Fail(column, $"is empty; it must be {expected}") is null ? null : null);
            if (decimal.TryParse(value, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var d)
                && d >= min && d <= max && decimal.Round(d, maxPlaces) == d)
                return d;
            Fail(column, $"\"{value}\" is not {expected}");
            return null;
        }

        /// <summary>A whole number in [min, max], or null when it is blank (or the file has no such column).</summary>
        public int? OptionalInteger(string column, int min, int max, string expected) =>
            Raw(column).Length == 0 ? null : Integer(column, min, max, expected);

        /// <summary>The column's value, or null when it is blank (or the file has no such column).</summary>
        public string? OptionalText(string column, int maxLength)
        {
            var value = Raw(column);
            if (value.Length == 0) return null;
            return value.Length > maxLength ? Fail(column, $"is longer than {maxLength} characters") : value;
        }

        /// <summary>A date written yyyy-MM-dd, or null when it is blank (or the file has no such column).</summary>
        public string? OptionalDate(string column) => Raw(column).Length == 0 ? null : Date(column) is { Length: > 0 } date ? date : null;

        public string Date(string column)
        {
            var value = Raw(column);
            return DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _)
                ? value : Fail(column, $"\"{value}\" is not a date written yyyy-MM-dd") ?? "";
        }

        public long Line => line;
    }

    private static bool IsAdmdvs(string s) => s.Length == 6 && s.All(char.IsAsciiDigit);

    private static Region? ReadRegion(Row r)
    {
        var region = new Region(r.Code("admdvs", IsAdmdvs, "a 6-digit region code"), r.Text("name"));
        return r.Ok ? region : null;
    }

    private static Hospital? ReadHospital(Row r)
    {
        var hospital = new Hospital(
            r.Text("fixmedins_code", 30),
            r.Text("fixmedins_name"),
            r.Code("admdvs", IsAdmdvs, "a 6-digit region code"),
            r.Integer("hosp_lv", 1, 3, "a hospital level 1, 2 or 3"),
            r.Integer("cross_region_enabled", 0, 1, "1 (open for cross-region settlement) or 0"));
        return r.Ok ? hospital : null;
    }

    private static Item? ReadItem(Row r)
    {
        var levelText = r.Code("chrgitm_lv", s => ChargeLevels.TryParse(s, out _), "a charge level 01/02/03 (or 1/2/3)");
        _ = ChargeLevels.TryParse(levelText, out var level);
        var ratio = r.Decimal("selfpay_prop", blankAllowed: true, 0m, 1m, "a ratio between 0 and 1") ?? 0m;
        var ceiling = r.Decimal("pric_uplmt_amt", blankAllowed: true, 0m, 99_999_999m, "a price ceiling (a non-negative amount)", maxPlaces: 4);
        var sex = r.Code("lmt_gend", s => s is "" or "1" or "2", "a sex limit 1 (male only), 2 (female only) or blank");
        var ageMin = r.OptionalInteger("lmt_age_min", 0, 150, "an age limit in whole years from 0 to 150, or blank");
        var ageMax = r.OptionalInteger("lmt_age_max", 0, 150, "an age limit in whole years from 0 to 150, or blank");
        if (r.Ok && ageMin > ageMax)
            r.Fail("lmt_age_max", $"\"{ageMax}\" is below lmt_age_min {ageMin}: no age would be allowed");
        var daily = r.Decimal("lmt_daily_cnt", blankAllowed: true, 0.0001m, 99_999m, "a daily count limit (a positive number, at most 4 decimals), or blank", maxPlaces: 4);
        var item = new Item(r.Text("med_list_codg", 50), r.Text("med_list_name"), r.Text("list_type", 10), r.Text("med_chrgitm_type", 10), (int)level,
            ratio.ToString(CultureInfo.InvariantCulture), ceiling?.ToString(CultureInfo.InvariantCulture),
            sex.Length == 0 ? null : sex, ageMin, ageMax, daily?.ToString(CultureInfo.InvariantCulture), r.OptionalText("excl_group", 50));
        return r.Ok ? item : null;
    }

    /// <summary>catalogue.csv's optional limits the supervision rules R01, R02, R03 and R05 check (blank: no limit).</summary>
    internal static readonly string[] CatalogueLimitColumns = ["lmt_gend", "lmt_age_min", "lmt_age_max", "lmt_daily_cnt", "excl_group"];

    private static Person? ReadPerson(Row r)
    {
        var balance = r.Decimal("acct_balc", blankAllowed: true, 0m, 99_999_999m, "an account balance (a non-negative amount with at most 2 decimals)", maxPlaces: 2) ?? 0m;
        var person = new Person(
            r.Code("insuplc_admdvs", IsAdmdvs, "a 6-digit region code"),
            r.Text("psn_no", 30),
            r.Code("insutype", s => s is "310" or "390", "an insurance scheme 310 (employees) or 390 (residents)"),
            r.Text("psn_name", 50),
            r.Text("certno", 30),
            r.Code("gend", s => s is "1" or "2" or "0" or "9", "a sex code 1 (male), 2 (female), 0 or 9"),
            r.Date("brdy"),
            r.Code("psn_insu_stas", s => s is "1" or "2" or "4", "an insurance status 1 (active), 2 (paused) or 4 (ended)"),
            Money.ToFen(balance),
            r.Code("assistance_type", s => s is "" or "1" or "2" or "3", "an assistance class 1 (特困人员), 2 (低保对象), 3 (返贫致贫/监测对象) or blank") is { Length: > 0 } a ? a : null,
            r.Code("naty", s => s.Length == 0 || IsNationality(s), "an ethnic group code of GB 3304 (01 to 56, 97 or 98) or blank") is { Length: > 0 } n ? n : null,
            r.OptionalText("emp_name", 200),
            r.OptionalDate("psn_insu_date"),
            r.OptionalDate("paus_insu_date"),
            r.Code("cvlserv_flag", s => s is "" or "0" or "1", "a civil-servant flag 1 (公务员) or 0, or blank") is { Length: > 0 } c ? c : null);
        if (person is { PsnInsuDate: { } insured, PausInsuDate: { } paused } && string.CompareOrdinal(paused, insured) < 0)
            r.Fail("paus_insu_date", $"\"{paused}\" is before psn_insu_date {insured}: insurance cannot be paused before it began");
        return r.Ok ? person : null;
    }

    /// <summary>persons.csv's optional columns that 1101 and the settlement answers pass on (blank: not known, answered as null).</summary>
    internal static readonly string[] PersonDetailColumns = ["naty", "emp_name", "psn_insu_date", "paus_insu_date", "cvlserv_flag"];

    /// <summary>民族 codes of GB 3304: 01 to 56, 97 (其他未识别民族), 98 (外国血统中国籍人士).</summary>
    private static bool IsNationality(string s) =>
        s.Length == 2 && char.IsAsciiDigit(s[0]) && char.IsAsciiDigit(s[1]) && int.Parse(s, CultureInfo.InvariantCulture) is (>= 1 and <= 56) or 97 or 98;

    /// <summary>A JSON array of objects, each read by <paramref name="read"/> with its line and its place in the array.</summary>
    private List<T> ReadJsonArray<T>(string directory, string file, string what, Func<string, long, int, JsonElement, T?> read) where T : class
    {
        var path = Path.Combine(directory, file);
        return File.Exists(path) ? ReadJsonArray(File.ReadAllBytes(path), file, what, read) : [];
    }

    private List<T> ReadJsonArray<T>(byte[] bytes, string file, string what, Func<string, long, int, JsonElement, T?> read) where T : class
    {
        var result = new List<T>();
        var start = bytes.AsSpan().StartsWith("\uFEFF"u8) ? 3 : 0; // a byte order mark, as some editors write
        var reader = new Utf8JsonReader(bytes.AsSpan(start), new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
            {
                Problem(file, 1, null, $"must be a JSON array of {what} objects");
                return result;
            }
            var item = 0;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                item++;
                var line = 1 + bytes.AsSpan(start, (int)reader.TokenStartIndex).Count((byte)'\n');
                using var element = JsonDocument.ParseValue(ref reader);
                if (read(file, line, item, element.RootElement) is { } value) result.Add(value);
                if (_problems.Count >= MaxProblems) break;
            }
        }
        catch (JsonException e)
        {
            Problem(file, (e.LineNumber ?? 0) + 1, null, $"is not valid JSON: {e.Message}");
        }
        return result;
    }

    private static IReadOnlyList<Band> BandsOf(SupplementVersion p) =>
        Transactions.Supplements.ToRule(new SupplementRow { Fund = p.Fund, EffectiveFrom = p.EffectiveFrom, Bands = p.Bands }).Bands;

    /// <summary>
    /// One row of supplements.json (DESIGN.md rules 11–15): 大额 (hifob) for 310, 大病 (hifmi) for 390, 医疗救助 (maf) for an
    /// assistance class; a threshold, bands whose upto rises strictly above it (only the last may be null) and a cap.
    /// </summary>
    private SupplementVersion? ReadSupplement(string file, long line, int item, JsonElement e)
    {
        if (e.ValueKind != JsonValueKind.Object)
        {
            Problem(file, line, null, $"supplementary row {item} is not a JSON object");
            return null;
        }
        var ok = true;
        void Fail(string field, string message)
        {
            ok = false;
            Problem(file, line, field, $"(supplementary row {item}) {message}");
        }
        string Field(JsonElement o, string name) =>
            o.ValueKind == JsonValueKind.Object && o.TryGetProperty(name, out var v)
                ? v.ValueKind switch { JsonValueKind.String => v.GetString() ?? "", JsonValueKind.Number => v.GetRawText(), _ => "" }
                : "";
        decimal Amount(string name)
        {
            var raw = Field(e, name);
            if (decimal.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d >= 0 && d <= 999_999_999m && decimal.Round(d, 2) == d)
                return d;
            Fail(name, raw.Length == 0 ? "is missing; it must be a non-negative amount" : $"\"{raw}\" is not a non-negative amount with at most 2 decimals");
            return 0m;
        }

        var region = Field(e, "insuplc_admdvs");
        if (!IsAdmdvs(region)) Fail("insuplc_admdvs", $"\"{region}\" is not a 6-digit region code");
        var fund = Field(e, "fund");
        var insutype = Field(e, "insutype");
        var assistance = Field(e, "assistance_type");
        switch (fund)
        {
            case "hifob" when insutype != "310":
                Fail("insutype", $"\"{insutype}\" is not 310: 职工大额医疗费用补助 (hifob) is the employees' fund");
                break;
            case "hifmi" when insutype != "390":
                Fail("insutype", $"\"{insutype}\" is not 390: 城乡居民大病保险 (hifmi) is the residents' fund");
                break;
            case "maf" when assistance is not ("1" or "2" or "3"):
                Fail("assistance_type", assistance.Length == 0
                    ? "is missing: a 医疗救助 (maf) row is for one assistance class, 1 (特困人员), 2 (低保对象) or 3 (返贫致贫/监测对象)"
                    : $"\"{assistance}\" is not an assistance class 1, 2 or 3");
                break;
            case "hifob" or "hifmi" or "maf":
                break;
            default:
                Fail("fund", $"\"{fund}\" is not a supplementary fund hifob (大额), hifmi (大病) or maf (医疗救助)");
                break;
        }
        var from = Field(e, "effective_from");
        if (!DateOnly.TryParseExact(from, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
            Fail("effective_from", $"\"{from}\" is not a date written yyyy-MM-dd");
        var threshold = Amount("threshold");
        var cap = Amount("annual_cap");

        var bands = new List<Band>();
        if (!e.TryGetProperty("bands", out var list) || list.ValueKind != JsonValueKind.Array || list.GetArrayLength() == 0)
            Fail("bands", "is missing or empty; it must be an array of {upto, ratio}, upto rising above the threshold (null on the last: no end)");
        else
        {
            var i = 0;
            foreach (var band in list.EnumerateArray())
            {
                i++;
                var field = $"bands[{i - 1}]";
                var last = i == list.GetArrayLength();
                var uptoRaw = band.ValueKind == JsonValueKind.Object && band.TryGetProperty("upto", out var u) ? u : default;
                decimal? upto = null;
                if (uptoRaw.ValueKind == JsonValueKind.Number && uptoRaw.TryGetDecimal(out var up) && decimal.Round(up, 2) == up) upto = up;
                else if (uptoRaw.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined && last) upto = null;
                else
                {
                    Fail(field + ".upto", uptoRaw.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined
                        ? "is null, but only the last band may have no end"
                        : $"\"{uptoRaw.GetRawText()}\" is not an amount with at most 2 decimals");
                    continue;
                }
                var ratioRaw = Field(band, "ratio");
                if (!decimal.TryParse(ratioRaw, NumberStyles.Float, CultureInfo.InvariantCulture, out var ratio) || ratio < 0m || ratio > 1m)
                {
                    Fail(field + ".ratio", ratioRaw.Length == 0 ? "is missing; it must be a ratio between 0 and 1" : $"\"{ratioRaw}\" is not a ratio between 0 and 1");
                    continue;
                }
                var below = bands.Count > 0 ? bands[^1].Upto : threshold;
                if (upto is { } end && end <= below)
                    Fail(field + ".upto", bands.Count > 0
                        ? $"{end} is not above the band before ({below}): upto must rise strictly"
                        : $"{end} is not above the threshold ({threshold})");
                if (bands.Count > 0 && ratio < bands[^1].Ratio)
                    Warning(file, line, field + ".ratio", $"(supplementary row {item}) {ratio} is lower than the band before ({bands[^1].Ratio}): "
                                                          + "a larger burden would be paid at a lower ratio (梯度倒挂); imported as written");
                bands.Add(new Band(upto, ratio));
            }
        }
        return ok
            ? new SupplementVersion(region, fund, fund == "maf" ? "" : insutype, fund == "maf" ? assistance : "", from, Money.ToFen(threshold),
                Transactions.Supplements.BandsJson(bands), Money.ToFen(cap), line)
            : null;
    }

    /// <summary>
    /// One row of rules.json (docs/SUPERVISION.md): a rule code R01–R10 and the day its version begins (effective_from);
    /// enabled (true when absent), severity warn or block (the rule's default when absent) and params, each one the rule
    /// knows and within its range. The parameters it leaves out take their defaults, and the stored version holds them all.
    /// </summary>
    private SupervisionVersion? ReadRule(string file, long line, int item, JsonElement e)
    {
        var at = $"rules[{item - 1}]";
        if (e.ValueKind != JsonValueKind.Object)
        {
            Problem(file, line, null, $"{at} is not a JSON object");
            return null;
        }
        static string Raw(JsonElement v) => v.ValueKind switch
        {
            JsonValueKind.String => v.GetString() ?? "",
            JsonValueKind.Null or JsonValueKind.Undefined => "",
            _ => v.GetRawText(),
        };
        string Field(string name) => e.TryGetProperty(name, out var v) ? Raw(v) : "";

        var code = Field("code");
        var known = SupervisionRules.TryParse(code, out var rule);
        var ok = true;
        void Fail(string field, string message)
        {
            ok = false;
            Problem(file, line, field, $"({at}{(known ? " " + code : "")}) {message}");
        }
        if (!known) Fail("code", code.Length == 0 ? "is missing; it must be a rule code R01 to R10" : $"\"{code}\" is not a rule code R01 to R10");

        var from = Field("effective_from");
        if (!DateOnly.TryParseExact(from, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var effectiveFrom))
            Fail("effective_from", from.Length == 0
                ? "is missing; it must be the day this version begins, written yyyy-MM-dd"
                : $"\"{from}\" is not a date written yyyy-MM-dd");

        var enabled = true;
        if (e.TryGetProperty("enabled", out var flag) && flag.ValueKind != JsonValueKind.Null)
        {
            if (flag.ValueKind is JsonValueKind.True or JsonValueKind.False) enabled = flag.GetBoolean();
            else Fail("enabled", $"\"{Raw(flag)}\" is not true or false");
        }

        var severity = rule.DefaultSeverity();
        var severityCode = Field("severity");
        if (severityCode.Length > 0 && !SupervisionRules.TryParseSeverity(severityCode, out severity))
            Fail("severity", $"\"{severityCode}\" is not a severity warn or block");

        var values = rule.Params().ToDictionary(p => p.Name, p => p.Default);
        if (e.TryGetProperty("params", out var given) && given.ValueKind != JsonValueKind.Null)
        {
            if (given.ValueKind != JsonValueKind.Object)
                Fail("params", $"\"{Raw(given)}\" is not a JSON object of parameters");
            else if (known)
                foreach (var param in given.EnumerateObject())
                {
                    var field = $"params.{param.Name}";
                    var raw = Raw(param.Value);
                    if (rule.Params().FirstOrDefault(p => p.Name == param.Name) is not { } spec)
                        Fail(field, rule.Params().Count == 0
                            ? "is not a parameter: this rule has none"
                            : $"is not a parameter of this rule; its parameters are {string.Join(", ", rule.Params().Select(p => p.Name))}");
                    else if (decimal.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && spec.Fits(value))
                        values[spec.Name] = value;
                    else
                        Fail(field, raw.Length == 0 ? $"is missing; it must be {spec.Expected}" : $"\"{raw}\" is not {spec.Expected}");
                }
        }
        return ok ? new SupervisionVersion(new RuleVersion(rule, effectiveFrom, enabled, severity, values), line) : null;
    }

    private PolicyVersion? ReadPolicy(string file, long line, int item, JsonElement e)
    {
        var ok = true;
        string Field(string name)
        {
            if (e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v))
                return v.ValueKind switch { JsonValueKind.String => v.GetString() ?? "", JsonValueKind.Number => v.GetRawText(), _ => "" };
            return "";
        }
        T Check<T>(string name, string raw, bool valid, T value, string expected)
        {
            if (valid) return value;
            ok = false;
            Problem(file, line, name, raw.Length == 0 ? $"(policy {item}) is missing; it must be {expected}" : $"(policy {item}) \"{raw}\" is not {expected}");
            return value;
        }
        decimal Number(string name, decimal max, string expected)
        {
            var raw = Field(name);
            var valid = decimal.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d >= 0 && d <= max;
            return Check(name, raw, valid, d, expected);
        }

        if (e.ValueKind != JsonValueKind.Object)
        {
            Problem(file, line, null, $"policy {item} is not a JSON object");
            return null;
        }
        var region = Field("insuplc_admdvs");
        Check("insuplc_admdvs", region, IsAdmdvs(region), region, "a 6-digit region code");
        var insutype = Field("insutype");
        Check("insutype", insutype, insutype is "310" or "390", insutype, "an insurance scheme 310 or 390");
        var category = Field("category");
        Check("category", category, category is "emergency_outpatient" or "inpatient", category, "a category emergency_outpatient or inpatient");
        var levelRaw = Field("hosp_lv");
        var level = Check("hosp_lv", levelRaw, int.TryParse(levelRaw, out var lv) && lv is >= 1 and <= 3, lv, "a hospital level 1, 2 or 3");
        var from = Field("effective_from");
        Check("effective_from", from, DateOnly.TryParseExact(from, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _), from, "a date written yyyy-MM-dd");
        var deductible = Number("deductible", 9_999_999m, "a non-negative amount");
        var basis = Field("deductible_basis");
        Check("deductible_basis", basis, basis is "per_visit" or "per_year", basis, "per_visit or per_year");
        var ratio = Number("ratio", 1m, "a ratio between 0 and 1");
        var cap = Number("annual_cap", 999_999_999m, "a non-negative amount");
        if (ok && decimal.Round(deductible, 2) != deductible) { ok = false; Problem(file, line, "deductible", $"(policy {item}) has more than 2 decimals"); }
        if (ok && decimal.Round(cap, 2) != cap) { ok = false; Problem(file, line, "annual_cap", $"(policy {item}) has more than 2 decimals"); }
        return ok
            ? new PolicyVersion(region, insutype, category, level, from, Money.ToFen(deductible), basis, ratio.ToString(CultureInfo.InvariantCulture), Money.ToFen(cap), line)
            : null;
    }

    private void Duplicates<T>(string file, List<(long Line, T Value)> rows, Func<(long Line, T Value), string> key, string column)
    {
        var seen = new Dictionary<string, long>();
        foreach (var row in rows)
        {
            var k = key(row);
            if (seen.TryGetValue(k, out var first)) Problem(file, row.Line, column, $"\"{k}\" repeats line {first}");
            else seen[k] = row.Line;
        }
    }

    private void Problem(string file, long line, string? column, string message)
    {
        if (_problems.Count < MaxProblems) _problems.Add(new ImportProblem(file, line, column, message));
    }

    /// <summary>Something imported all the same; a problem when the import is strict.</summary>
    private void Warning(string file, long line, string? column, string message)
    {
        if (strict)
        {
            Problem(file, line, column, message);
            return;
        }
        _warningCount++;
        if (_warnings.Count < MaxProblems) _warnings.Add(new ImportProblem(file, line, column, message));
    }

    /// <summary>Why the window could never find <paramref name="certno"/> (null when it is a valid GB 11643 number); never the number itself.</summary>
    private static string? IdentityNumberProblem(string certno)
    {
        if (IdentityNumber.IsValid(certno)) return null;
        return certno.Length == 18 && !certno.AsSpan(0, 17).ContainsAnyExceptInRange('0', '9')
            ? $"fails the GB 11643 check digit (expected {IdentityNumber.CheckCharacter(certno)})"
            : "is not an 18-character GB 11643 identity number (17 digits and a check digit or X)";
    }

    private static class Sql
    {
        public static readonly string[] RegionColumns = ["admdvs", "name"];
        public const string Regions = """
            INSERT INTO regions (admdvs, name) VALUES (@p)
            ON CONFLICT (admdvs) DO UPDATE SET name = excluded.name WHERE regions.name <> excluded.name
            """;

        public static readonly string[] HospitalColumns = ["fixmedins_code", "fixmedins_name", "admdvs", "hosp_lv", "cross_region_enabled"];
        public const string Hospitals = """
            INSERT INTO hospitals (fixmedins_code, fixmedins_name, admdvs, hosp_lv, cross_region_enabled) VALUES (@p)
            ON CONFLICT (fixmedins_code) DO UPDATE SET fixmedins_name = excluded.fixmedins_name, admdvs = excluded.admdvs,
                hosp_lv = excluded.hosp_lv, cross_region_enabled = excluded.cross_region_enabled
            WHERE hospitals.fixmedins_name <> excluded.fixmedins_name OR hospitals.admdvs <> excluded.admdvs
               OR hospitals.hosp_lv <> excluded.hosp_lv OR hospitals.cross_region_enabled <> excluded.cross_region_enabled
            """;

        // ver: the version this import makes, on the rows it adds or changes; first_ver: the version a row was added in, set once
        public static readonly string[] CatalogueColumns = ["med_list_codg", "med_list_name", "list_type", "med_chrgitm_type", "chrgitm_lv", "selfpay_prop", "pric_uplmt_amt", "name_initials",
            "lmt_gend", "lmt_age_min", "lmt_age_max", "lmt_daily_cnt", "excl_group", "ver", "first_ver"];
        public const string Catalogue = """
            INSERT INTO catalogue (med_list_codg, med_list_name, list_type, med_chrgitm_type, chrgitm_lv, selfpay_prop, pric_uplmt_amt, name_initials,
                lmt_gend, lmt_age_min, lmt_age_max, lmt_daily_cnt, excl_group, ver, first_ver) VALUES (@p)
            ON CONFLICT (med_list_codg) DO UPDATE SET med_list_name = excluded.med_list_name, name_initials = excluded.name_initials, list_type = excluded.list_type,
                med_chrgitm_type = excluded.med_chrgitm_type, chrgitm_lv = excluded.chrgitm_lv, selfpay_prop = excluded.selfpay_prop,
                pric_uplmt_amt = excluded.pric_uplmt_amt, lmt_gend = excluded.lmt_gend, lmt_age_min = excluded.lmt_age_min,
                lmt_age_max = excluded.lmt_age_max, lmt_daily_cnt = excluded.lmt_daily_cnt, excl_group = excluded.excl_group, ver = excluded.ver
            WHERE catalogue.med_list_name <> excluded.med_list_name OR catalogue.list_type <> excluded.list_type
               OR catalogue.med_chrgitm_type <> excluded.med_chrgitm_type OR catalogue.chrgitm_lv <> excluded.chrgitm_lv
               OR catalogue.selfpay_prop <> excluded.selfpay_prop
               OR COALESCE(catalogue.pric_uplmt_amt, '') <> COALESCE(excluded.pric_uplmt_amt, '')
               OR COALESCE(catalogue.name_initials, '') <> COALESCE(excluded.name_initials, '')
               OR COALESCE(catalogue.lmt_gend, '') <> COALESCE(excluded.lmt_gend, '')
               OR COALESCE(catalogue.lmt_age_min, -1) <> COALESCE(excluded.lmt_age_min, -1)
               OR COALESCE(catalogue.lmt_age_max, -1) <> COALESCE(excluded.lmt_age_max, -1)
               OR COALESCE(catalogue.lmt_daily_cnt, '') <> COALESCE(excluded.lmt_daily_cnt, '')
               OR COALESCE(catalogue.excl_group, '') <> COALESCE(excluded.excl_group, '')
            """;

        public static readonly string[] PersonColumns = ["insuplc_admdvs", "psn_no", "insutype", "psn_name_enc", "certno_enc", "certno_hash", "pd_digest",
            "gend", "brdy", "psn_insu_stas", "acct_balc_fen", "acct_imported_fen", "assistance_type", "naty", "emp_name", "psn_insu_date", "paus_insu_date", "cvlserv_flag"];

        // pd_digest (a keyed digest of name and identity number) tells a changed person without decrypting: the sealed values differ every time
        public const string Persons = """
            INSERT INTO persons (insuplc_admdvs, psn_no, insutype, psn_name_enc, certno_enc, certno_hash, pd_digest, gend, brdy, psn_insu_stas, acct_balc_fen, acct_imported_fen, assistance_type,
                naty, emp_name, psn_insu_date, paus_insu_date, cvlserv_flag) VALUES (@p)
            ON CONFLICT (insuplc_admdvs, psn_no, insutype) DO UPDATE SET psn_name_enc = excluded.psn_name_enc, certno_enc = excluded.certno_enc,
                certno_hash = excluded.certno_hash, pd_digest = excluded.pd_digest,
                gend = excluded.gend, brdy = excluded.brdy, psn_insu_stas = excluded.psn_insu_stas,
                acct_balc_fen = persons.acct_balc_fen + (excluded.acct_imported_fen - persons.acct_imported_fen),
                acct_imported_fen = excluded.acct_imported_fen, assistance_type = excluded.assistance_type,
                naty = excluded.naty, emp_name = excluded.emp_name, psn_insu_date = excluded.psn_insu_date,
                paus_insu_date = excluded.paus_insu_date, cvlserv_flag = excluded.cvlserv_flag
            WHERE persons.pd_digest <> excluded.pd_digest OR persons.gend <> excluded.gend
               OR persons.brdy <> excluded.brdy OR persons.psn_insu_stas <> excluded.psn_insu_stas
               OR persons.acct_imported_fen <> excluded.acct_imported_fen
               OR COALESCE(persons.assistance_type, '') <> COALESCE(excluded.assistance_type, '')
               OR COALESCE(persons.naty, '') <> COALESCE(excluded.naty, '') OR COALESCE(persons.emp_name, '') <> COALESCE(excluded.emp_name, '')
               OR COALESCE(persons.psn_insu_date, '') <> COALESCE(excluded.psn_insu_date, '')
               OR COALESCE(persons.paus_insu_date, '') <> COALESCE(excluded.paus_insu_date, '')
               OR COALESCE(persons.cvlserv_flag, '') <> COALESCE(excluded.cvlserv_flag, '')
            """;

        public static readonly string[] PolicyColumns = ["insuplc_admdvs", "insutype", "category", "hosp_lv", "effective_from", "deductible_fen", "deductible_basis", "ratio", "annual_cap_fen"];
        public static readonly string[] SupplementColumns = ["insuplc_admdvs", "fund", "insutype", "assistance_type", "effective_from", "threshold_fen", "bands", "annual_cap_fen"];
        public const string Supplements = """
            INSERT INTO supplements (insuplc_admdvs, fund, insutype, assistance_type, effective_from, threshold_fen, bands, annual_cap_fen) VALUES (@p)
            ON CONFLICT (insuplc_admdvs, fund, insutype, assistance_type, effective_from) DO NOTHING
            """;

        public static readonly string[] RuleColumns = ["code", "effective_from", "enabled", "severity", "params"];
        public const string Rules = """
            INSERT INTO supervision_rules (code, effective_from, enabled, severity, params) VALUES (@p)
            ON CONFLICT (code, effective_from) DO NOTHING
            """;

        public const string Policies = """
            INSERT INTO policies (insuplc_admdvs, insutype, category, hosp_lv, effective_from, deductible_fen, deductible_basis, ratio, annual_cap_fen) VALUES (@p)
            ON CONFLICT (insuplc_admdvs, insutype, category, hosp_lv, effective_from) DO NOTHING
            """;
    }
}
