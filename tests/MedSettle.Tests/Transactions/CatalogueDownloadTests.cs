using System.IO.Compression;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Dapper;
using MedSettle.Import;
using MedSettle.Tests.Infrastructure;
using MedSettle.Transactions;
using static MedSettle.Tests.Transactions.WorkedExampleTests;

namespace MedSettle.Tests.Transactions;

/// <summary>
/// The catalogue downloads (1301–1311, 1313–1315) over HTTP: a full download of each list, the file fetched with 9102 and
/// read as a HIS reads it (a zip of one tab-separated text, the national columns by position); versions across imports
/// (an incremental download holds exactly the rows changed since); the paged variant; the caller's file is the caller's.
/// </summary>
public abstract class CatalogueDownloadTests(DatabaseTarget target) : PlatformTests(target, JilinCentral)
{
    /// <summary>jilin-mini's catalogue by list: 101 (1301), 201 (1305), 301 (1306), in code order.</summary>
    private static readonly string[] Drugs = ["XB05BBA030B001010104416", "XJ01DDA036B001010178838", "XS0000000001", "ZA12BAD0011010103983"];
    private static readonly string[] Services = ["110200001", "110900001", "120400001", "210102001", "250101001", "311201001", "311300001"];

    private Task<Reply> DownloadListAsync(string infno, object data, string hospital = JilinCentral) => Platform.CallAsync(infno, hospital, new { data });

    /// <summary>9102 as HIS clients send it for a catalogue file ("plc" in filename and fixmedins_code): the HTTP status and body.</summary>
    private async Task<(int Status, string? ContentType, byte[] Body)> FetchAsync(string fileQuryNo, string hospital = JilinCentral)
    {
        var body = Platform.Envelope("9102", hospital, new { fsDownloadIn = new { file_qury_no = fileQuryNo, filename = "plc", fixmedins_code = "plc" } });
        using var request = new HttpRequestMessage(HttpMethod.Post, RunningPlatform.Endpoint) { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body)) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        foreach (var (name, value) in Platform.SignatureOf(body, hospital)) request.Headers.TryAddWithoutValidation(name, value);
        using var response = await Platform.Http.SendAsync(request);
        return ((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsByteArrayAsync());
    }

    /// <summary>A download's answer and its file's rows, each split at its tabs, as a HIS reads them.</summary>
    private async Task<(JsonElement Output, List<string[]> Rows)> DownloadAsync(string infno, object data, string hospital = JilinCentral)
    {
        var output = (await DownloadListAsync(infno, data, hospital)).ShouldSucceed().Output;
        var filename = output.GetProperty("filename").GetString()!;
        Assert.EndsWith(".txt.zip", filename, StringComparison.Ordinal);
        var (status, contentType, body) = await FetchAsync(output.GetProperty("file_qury_no").GetString()!, hospital);
        Assert.Equal((200, "application/octet-stream"), (status, contentType));
        using var zip = new ZipArchive(new MemoryStream(body));
        var entry = Assert.Single(zip.Entries);
        Assert.Equal(filename[..^".zip".Length], entry.FullName);
        using var reader = new StreamReader(entry.Open(), new UTF8Encoding(false));
        var text = await reader.ReadToEndAsync();
        Assert.False(text.StartsWith('\uFEFF'), "no byte order mark");
        var rows = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.Split('\t')).ToList();
        Assert.Equal(output.GetProperty("data_cnt").GetInt32(), rows.Count);
        return (output, rows);
    }

    private static int Column(string infno, string field) =>
        CatalogueLists.ByInfno[infno].Columns.Select((c, i) => (c.Field, i)).Single(c => c.Field == field).i;

    /// <summary>A copy of jilin-mini whose catalogue row <paramref name="code"/> reads <paramref name="row"/> (its other columns as they are).</summary>
    private static string BundleWith(string code, string row)
    {
        var directory = TestPaths.TempDirectory();
        foreach (var file in Directory.GetFiles(TestPaths.JilinMini)) File.Copy(file, Path.Combine(directory, Path.GetFileName(file)));
        var path = Path.Combine(directory, "catalogue.csv");
        var lines = File.ReadAllLines(path, Encoding.UTF8);
        Assert.Single(lines, l => l.StartsWith(code + ",", StringComparison.Ordinal));
        File.WriteAllLines(path, lines.Select(l => l.StartsWith(code + ",", StringComparison.Ordinal) ? row : l), new UTF8Encoding(false));
        return directory;
    }

    /// <summary>An import at <paramref name="at"/> on the platform's clock (the time its catalogue version is released at).</summary>
    private async Task<ImportSummary> ImportAtAsync(DateTime at, string bundle)
    {
        Platform.Clock.Set(at);
        return await new BundleImporter(Platform.Database, clock: new PlatformClock(Platform.Clock)).ImportAsync(bundle);
    }

    /// <summary>311201001 急诊监护 (乙类) with its self-pay ratio 0.10 → 0.15 and its ceiling 60.00 → 65.00, imported on 2026-04-01.</summary>
    private async Task<ImportSummary> ChangeMonitoringAsync() =>
        await ImportAtAsync(new DateTime(2026, 4, 1, 9, 0, 0), BundleWith("311201001", "311201001,急诊监护,201,05,02,0.15,65.00"));

    [Fact]
    public async Task A_full_download_holds_each_list_s_rows_in_the_national_columns_by_position()
    {
        var (drugsAnswer, drugs) = await DownloadAsync("1301", new { ver = "0" });
        Assert.Equal("2026-03-16 10:00:00", drugsAnswer.GetProperty("dld_end_time").GetString());
        Assert.All(drugs, r => Assert.Equal(92, r.Length));
        Assert.Equal(Drugs, drugs.Select(r => r[0]));
        var ceftriaxone = drugs[1];
        Assert.Equal(("注射用头孢曲松钠", "注射用头孢曲松钠", "注射用头孢曲松钠"), (ceftriaxone[1], ceftriaxone[3], ceftriaxone[7])); // 商品名, 通用名, 注册名称
        Assert.Equal(("2026-03-15", "", "1", "0000000001"), (ceftriaxone[36], ceftriaxone[37], ceftriaxone[78], ceftriaxone[82])); // 开始/结束日期, 有效标志, 版本号
        Assert.Equal(("2026-03-15 10:00:00", "2026-03-15 10:00:00", "02", "0"), (ceftriaxone[80], ceftriaxone[81], ceftriaxone[91], ceftriaxone[23]));
        Assert.Equal("1", drugs[3][23]); // 复方丹参滴丸: 中成药 (med_chrgitm_type 11)
        Assert.Equal("", ceftriaxone[Column("1301", "drug_spec")]);
        Assert.Equal(50, Column("1301", "pinyin"));
        Assert.False(string.IsNullOrEmpty(ceftriaxone[50]));

        var (_, services) = await DownloadAsync("1305", new { ver = "" });
        Assert.Equal(Services, services.Select(r => r[0]));
        Assert.All(services, r => Assert.Equal(16, r.Length));
        Assert.Equal(("急诊监护", "2026-03-15", "0000000001"), (services[5][9], services[5][11], services[5][14]));

        var (_, supplies) = await DownloadAsync("1306", new { });
        Assert.Equal(("C14010101001", "一次性使用输液器", "一次性使用输液器", 71), (supplies.Single()[0], supplies.Single()[1], supplies.Single()[4], supplies.Single().Length));

        var (_, diagnoses) = await DownloadAsync("1307", new { ver = "0" });
        Assert.Equal(Diagnoses.Common.Length, diagnoses.Count);
        Assert.All(diagnoses, r => Assert.Equal(24, r.Length));
        var infarction = diagnoses.Single(r => r[10] == "I21.0");
        Assert.Equal(("急性前壁心肌梗死", "I21", "I21.0", "0000000001"), (infarction[11], infarction[6], infarction[8], infarction[22]));

        // the same list asked by another hospital: the catalogue is the province's, the file that hospital's own
        var (_, theirs) = await DownloadAsync("1301", new { ver = "0" }, Yanbian);
        Assert.Equal(drugs.Select(r => string.Join('\t', r)), theirs.Select(r => string.Join('\t', r)));
    }

    [Fact]
    public async Task An_import_changing_one_row_is_a_new_version_and_a_download_since_the_last_holds_that_row_alone()
    {
        var summary = await ChangeMonitoringAsync();
        Assert.Equal(2, summary.CatalogueVersion);
        Assert.Equal(1, summary.Files["catalogue.csv"].Changed);
        await using (var connection = await Platform.Database.OpenConnectionAsync())
            Assert.Equal([(1L, "2026-03-15 10:00:00", 12L), (2L, "2026-04-01 09:00:00", 1L)],
                (await connection.QueryAsync<(long, string, long)>("SELECT ver, released_at, rows_changed FROM catalogue_versions ORDER BY ver")).ToList());

        var (_, since1) = await DownloadAsync("1305", new { ver = "0000000001" });
        var row = Assert.Single(since1);
        Assert.Equal(("311201001", "急诊监护", "0000000002", "2026-04-01"), (row[0], row[9], row[14], row[11]));
        Assert.Empty((await DownloadAsync("1305", new { ver = "0000000002" })).Rows);
        Assert.Empty((await DownloadAsync("1301", new { ver = "1" })).Rows); // no drug changed

        // the whole list again: every row, each with the version it was last changed in
        var (_, all) = await DownloadAsync("1305", new { ver = "0" });
        Assert.Equal(Services, all.Select(r => r[0]));
        Assert.Equal(["0000000001", "0000000001", "0000000001", "0000000001", "0000000001", "0000000002", "0000000001"], all.Select(r => r[14]));

        // a version above the newest: nothing, and warn_msg says so
        var ahead = (await DownloadListAsync("1305", new { ver = "9" })).ShouldSucceed();
        Assert.Equal(0, ahead.Output.GetProperty("data_cnt").GetInt32());
        Assert.Contains("高于本平台", ahead.WarnMsg);
    }

    [Fact]
    public async Task An_import_that_changes_nothing_makes_no_version()
    {
        var summary = await ImportAtAsync(new DateTime(2026, 4, 1, 9, 0, 0), TestPaths.JilinMini);

        Assert.Null(summary.CatalogueVersion);
        Assert.Equal(0, summary.Files["catalogue.csv"].Changed);
        await using (var connection = await Platform.Database.OpenConnectionAsync())
        {
            Assert.Equal(1, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM catalogue_versions"));
            Assert.Equal(12, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM catalogue_history"));
        }
        Assert.Empty((await DownloadAsync("1305", new { ver = "1" })).Rows);
        Assert.Equal(7, (await DownloadAsync("1305", new { ver = "0" })).Rows.Count);
    }

    [Fact]
    public async Task Another_hospital_cannot_fetch_our_file()
    {
        var ours = (await DownloadListAsync("1301", new { ver = "0" })).ShouldSucceed().Output.GetProperty("file_qury_no").GetString()!;

        var (status, contentType, body) = await FetchAsync(ours, Yanbian);

        Assert.Equal((200, "application/json"), (status, contentType));
        using var refused = JsonDocument.Parse(body);
        Assert.Equal(-1, refused.RootElement.GetProperty("infcode").GetInt32());
        Assert.Contains($"未找到文件查询号 file_qury_no {ours}（或不属于本机构）", refused.RootElement.GetProperty("err_msg").GetString());
        Assert.Equal(200, (await FetchAsync(ours)).Status);
    }

    [Fact]
    public async Task The_paged_variant_answers_the_rows_inline_a_page_at_a_time()
    {
        var first = (await DownloadListAsync("1305", new { ver = "0", page_num = "1", page_size = "5", updt_time = "2026-01-01 00:00:00" })).ShouldSucceed().Output;
        Assert.Equal((1, 2, 5, 1, 5, 1, 7, 2),
            (first.GetProperty("firstPage").GetInt32(), first.GetProperty("lastPage").GetInt32(), first.GetProperty("size").GetInt32(),
                first.GetProperty("startRow").GetInt32(), first.GetProperty("pageSize").GetInt32(), first.GetProperty("pageNum").GetInt32(),
                first.GetProperty("recordCounts").GetInt32(), first.GetProperty("pages").GetInt32()));
        Assert.False(first.TryGetProperty("file_qury_no", out _));
        var row = first.GetProperty("data")[0];
        Assert.Equal(CatalogueLists.ByInfno["1305"].Columns.Select(c => c.Field), row.EnumerateObject().Select(p => p.Name));
        Assert.Equal(("110200001", "急诊诊察费", "0000000001", JsonValueKind.Null),
            (row.GetProperty("med_list_codg").GetString(), row.GetProperty("servitem_name").GetString(), row.GetProperty("ver").GetString(),
                row.GetProperty("prcunt").ValueKind));

        // page 2 of the same, data sent as a one-element list as some clients send it
        var second = (await Platform.CallAsync("1305", JilinCentral, new { data = new[] { new { page_num = 2, page_size = 5 } } })).ShouldSucceed().Output;
        Assert.Equal((2, 6), (second.GetProperty("size").GetInt32(), second.GetProperty("startRow").GetInt32()));
        Assert.Equal(Services[5..], second.GetProperty("data").EnumerateArray().Select(r => r.GetProperty("med_list_codg").GetString()));

        // updt_time: the rows changed at or after it
        await ChangeMonitoringAsync();
        var changed = (await DownloadListAsync("1305", new { page_num = 1, page_size = 100, updt_time = "2026-04-01 00:00:00" })).ShouldSucceed().Output;
        Assert.Equal(["311201001"], changed.GetProperty("data").EnumerateArray().Select(r => r.GetProperty("med_list_codg").GetString()));

        var big = (await DownloadListAsync("1307", new { page_num = 1, page_size = 5000 })).ShouldSucceed();
        Assert.Equal((1000, Diagnoses.Common.Length), (big.Output.GetProperty("pageSize").GetInt32(), big.Output.GetProperty("size").GetInt32()));
        Assert.Contains("page_size 5000 超过每页上限 1000", big.WarnMsg);
        var beyond = (await DownloadListAsync("1301", new { page_num = 3, page_size = 5 })).ShouldSucceed().Output;
        Assert.Equal((0, 0, 4), (beyond.GetProperty("size").GetInt32(), beyond.GetProperty("startRow").GetInt32(), beyond.GetProperty("recordCounts").GetInt32()));
    }

    [Fact]
    public async Task A_list_the_platform_does_not_keep_is_an_empty_file_and_refusals_name_the_field()
    {
        var (output, rows) = await DownloadAsync("1308", new { ver = "0" });
        Assert.Empty(rows);
        Assert.Equal(0, output.GetProperty("data_cnt").GetInt32());
        Assert.Contains("本平台没有手术操作目录", (await DownloadListAsync("1308", new { ver = "0" })).WarnMsg);

        (await DownloadListAsync("1301", new { ver = "V2021" })).ShouldFail("字段 input.data.ver 的值 \"V2021\" 不是本平台的目录版本号");
        (await DownloadListAsync("1301", new { page_num = "0", page_size = "10" })).ShouldFail("字段 input.data.page_num 的值 \"0\" 应为不小于 1 的整数");
        (await DownloadListAsync("1305", new { ver = "0", updt_time = "yesterday" })).ShouldFail("字段 input.data.updt_time 的值 \"yesterday\" 不是时间");
        (await Platform.CallAsync("1312", JilinCentral, new { data = new { query_date = "2026-13-01" } })).ShouldFail("字段 input.data.query_date 的值 \"2026-13-01\" 不是日期");
        (await Platform.CallAsync("1319", JilinCentral, new { data = new { chrgitm_lv = "9" } })).ShouldFail("字段 input.data.chrgitm_lv 的值 \"9\" 不是收费项目等级");
        (await Platform.CallAsync("1318", JilinCentral, new { data = new { page_size = "-1" } })).ShouldFail("字段 input.data.page_size 的值 \"-1\" 应为不小于 1 的整数");
    }

    private async Task<JsonElement[]> QueryAsync(string infno, object data) =>
        [.. (await Platform.CallAsync(infno, JilinCentral, new { data })).ShouldSucceed().Output.GetProperty("data").EnumerateArray()];

    [Fact]
    public async Task Ceiling_self_pay_ratio_and_catalogue_information_answer_the_version_in_force_on_the_day_asked()
    {
        await ChangeMonitoringAsync();

        static (string?, string?, decimal) Ceiling(JsonElement r) =>
            (r.GetProperty("begndate").GetString(), r.GetProperty("enddate").GetString(), r.GetProperty("hilist_pric_uplmt_amt").GetDecimal());
        Assert.Equal([("2026-03-15", "2026-04-01", 60.00m)], (await QueryAsync("1318", new { hilist_code = "311201001", query_date = "2026-03-20" })).Select(Ceiling));
        Assert.Equal([("2026-04-01", null, 65.00m)], (await QueryAsync("1318", new { hilist_code = "311201001", query_date = "2026-04-01" })).Select(Ceiling));
        Assert.Equal([("2026-04-01", null, 65.00m)], (await QueryAsync("1318", new { hilist_code = "311201001", query_date = "2026-06-30" })).Select(Ceiling));
        Assert.Empty(await QueryAsync("1318", new { hilist_code = "311201001", query_date = "2026-03-14" })); // before the catalogue was imported
        Assert.Equal([60.00m, 65.00m], (await QueryAsync("1318", new { hilist_code = "311201001" })).Select(r => Ceiling(r).Item3)); // every version
        Assert.Empty(await QueryAsync("1318", new { hilist_code = "110200001", query_date = "2026-03-20" })); // no ceiling
        Assert.Equal(["110900001", "311201001", "C14010101001"],
            (await QueryAsync("1318", new { query_date = "2026-04-02" })).Select(r => r.GetProperty("hilist_code").GetString()));

        static (string?, decimal) Ratio(JsonElement r) => (r.GetProperty("begndate").GetString(), r.GetProperty("selfpay_prop").GetDecimal());
        Assert.Equal([("2026-03-15", 0.10m)], (await QueryAsync("1319", new { hilist_code = "311201001", query_date = "2026-03-31" })).Select(Ratio));
        Assert.Equal([("2026-04-01", 0.15m)], (await QueryAsync("1319", new { hilist_code = "311201001", query_date = "2026-04-01" })).Select(Ratio));
        Assert.Empty(await QueryAsync("1319", new { hilist_code = "110200001", query_date = "2026-04-01" })); // 甲类: nothing paid first
        Assert.Equal(["210102001", "311201001", "C14010101001", "XJ01DDA036B001010178838", "ZA12BAD0011010103983"],
            (await QueryAsync("1319", new { query_date = "2026-04-02" })).Select(r => r.GetProperty("hilist_code").GetString()));

        var monitoring = Assert.Single(await QueryAsync("1312", new { hilist_code = "311201001", query_date = "2026-03-20" }));
        Assert.Equal(("急诊监护", "201", "05", "02", "2026-03-15", "2026-04-01", "2026-03-15 10:00:00", "311201001-1"),
            (monitoring.GetProperty("hilist_name").GetString(), monitoring.GetProperty("list_type").GetString(), monitoring.GetProperty("med_chrgitm_type").GetString(),
                monitoring.GetProperty("chrgitm_lv").GetString(), monitoring.GetProperty("begndate").GetString(), monitoring.GetProperty("enddate").GetString(),
                monitoring.GetProperty("crte_time").GetString(), monitoring.GetProperty("rid").GetString()));
        Assert.Equal("0", monitoring.GetProperty("lmt_used_flag").GetString()); // jilin-mini gives it no limit of use
        Assert.Equal(["XJ01DDA036B001010178838"], (await QueryAsync("1312", new { hilist_name = "头孢", query_date = "2026-04-02" }))
            .Select(r => r.GetProperty("hilist_code").GetString()));
        Assert.Equal(["C14010101001"], (await QueryAsync("1312", new { list_type = "301" })).Select(r => r.GetProperty("hilist_code").GetString()));
        Assert.Equal(["311201001"], (await QueryAsync("1312", new { pinyin = "jzjh", query_date = "2026-04-02" })).Select(r => r.GetProperty("hilist_code").GetString()));
        Assert.Equal(["311201001"], (await QueryAsync("1312", new { updt_time = "2026-04-01 00:00:00" })).Select(r => r.GetProperty("hilist_code").GetString()));
        Assert.Empty(await QueryAsync("1312", new { hilist_name = "%" }));
        Assert.Empty(await QueryAsync("1312", new { hilist_code = "NO-SUCH-CODE" }));
        Assert.Empty(await QueryAsync("1312", new { vali_flag = "0" }));

        var paged = (await Platform.CallAsync("1312", JilinCentral, new { data = new { query_date = "2026-04-02", page_num = 2, page_size = 5, insu_admdvs = "220200" } })).ShouldSucceed();
        Assert.Equal((12, 3, 5, 6), (paged.Output.GetProperty("recordCounts").GetInt32(), paged.Output.GetProperty("pages").GetInt32(),
            paged.Output.GetProperty("size").GetInt32(), paged.Output.GetProperty("startRow").GetInt32()));
        Assert.Contains("已忽略 input.data.insu_admdvs = 220200", paged.WarnMsg);
    }
}

public sealed class CatalogueDownloadTests_Sqlite() : CatalogueDownloadTests(new SqliteTarget());

public sealed class CatalogueDownloadTests_Postgres() : CatalogueDownloadTests(new PostgresTarget());
