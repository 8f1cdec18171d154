using System.IO.Compression;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using MedSettle.Tests.Infrastructure;
using static MedSettle.Tests.Transactions.WorkedExampleTests;

namespace MedSettle.Tests.Transactions;

/// <summary>
/// 9101 文件上传, 9102 文件下载 and 3202 by file, over HTTP: the detail file a HIS uploads reconciles exactly like the same
/// rows inline, and the result file (answered either way) comes back with 9102; files are the uploading hospital's alone, for 24 hours, at most 40 KB.
/// </summary>
public abstract class FileTransferTests(DatabaseTarget target) : PlatformTests(target, JilinCentral)
{
    private const string OtherHospital = "H22020000002";

    private Task<Reply> UploadAsync(object content, string filename = "3202_detail.txt", string? msgid = null, string hospital = JilinCentral) =>
        Platform.CallAsync("9101", hospital, new { fsUploadIn = new { @in = content, filename, fixmedins_code = hospital } }, msgid);

    /// <summary>Java's byte[] as JSON: each byte signed, -128 to 127.</summary>
    private static int[] Signed(byte[] bytes) => bytes.Select(b => (int)(sbyte)b).ToArray();

    /// <summary>9102 over HTTP, as a HIS sends it: the answer's status, content type, file name and body bytes.</summary>
    private async Task<(int Status, string? ContentType, string? Filename, byte[] Body)> DownloadAsync(string fileQuryNo, string hospital = JilinCentral)
    {
        var body = Platform.Envelope("9102", hospital, new { fsDownloadIn = new { file_qury_no = fileQuryNo, filename = "x", fixmedins_code = hospital } });
        var bytes = Encoding.UTF8.GetBytes(body);
        using var request = new HttpRequestMessage(HttpMethod.Post, RunningPlatform.Endpoint) { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        foreach (var (name, value) in Platform.SignatureOf(body, hospital)) request.Headers.TryAddWithoutValidation(name, value);
        using var response = await Platform.Http.SendAsync(request);
        return ((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, response.Content.Headers.ContentDisposition?.FileNameStar,
            await response.Content.ReadAsByteArrayAsync());
    }

    private static string Tsv(params string[][] rows) => string.Concat(rows.Select(r => string.Join('\t', r) + "\r\n"));

    /// <summary>Three settlements at 吉林市: 张伟's two, 王芳's one.</summary>
    private async Task<(string A, string B, string C)> SettledAsync()
    {
        var a = await His.OutpatientVisitAsync(ZhangWei, "310", FirstVisitBill);
        var aSetl = (await His.SettleAsync(a, ZhangWei, "310", 605.35m, useAccount: true)).ShouldSucceed().Text("setlinfo", "setl_id");
        var b = await His.OutpatientVisitAsync(WangFang, "390", FirstVisitBill);
        var bSetl = (await His.SettleAsync(b, WangFang, "390", 605.35m, useAccount: false)).ShouldSucceed().Text("setlinfo", "setl_id");
        var c = (await His.RegisterAsync(ZhangWei, "310", "2026-03-15 09:40:00", "MZ-C")).ShouldSucceed().Text("data", "mdtrt_id");
        (await His.UploadAsync(c, ZhangWei, SecondVisitBill)).ShouldSucceed();
        var cSetl = (await His.SettleAsync(c, ZhangWei, "310", 75.00m, useAccount: false)).ShouldSucceed().Text("setlinfo", "setl_id");
        return (aSetl, bSetl, cSetl);
    }

    [Fact]
    public async Task A_detail_file_uploaded_with_9101_reconciles_exactly_like_the_same_rows_inline()
    {
        var (a, b, c) = await SettledAsync();
        // a agrees, b's fund differs, S999 the platform never made; c is missing from the hospital's rows
        var inline = (await Platform.CallAsync("3202", JilinCentral, new
        {
            data = new
            {
                setl_optins = "", stmt_begndate = "2026-03-01", stmt_enddate = "2026-03-31",
                details = new object[]
                {
                    new { setl_id = a, mdtrt_id = "", psn_no = ZhangWei, medfee_sumamt = 605.35m, fund_pay_sumamt = 159.45m, acct_pay = 445.90m, refd_setl_flag = "0" },
                    new { setl_id = b, mdtrt_id = "", psn_no = WangFang, medfee_sumamt = 605.35m, fund_pay_sumamt = 100.00m, acct_pay = 0m, refd_setl_flag = "0" },
                    new { setl_id = "S999", mdtrt_id = "", psn_no = WangFang, medfee_sumamt = 1m, fund_pay_sumamt = 0m, acct_pay = 0m, refd_setl_flag = "0" },
                },
            },
        })).ShouldSucceed();
        Assert.Equal(3, inline.Output.GetProperty("result").GetArrayLength());
        // as the national 3202 always answers: the result file, here too
        Assert.Equal(inline.Text("fileinfo", "file_qury_no"), inline.Output.GetProperty("file_qury_no").GetString());
        Assert.Equal("3202_H22020000001_20260301_20260331.zip", inline.Text("fileinfo", "filename"));

        // the national detail file: tab-separated, no header, "null" for an empty cell, Windows line ends; sent as Java's byte[]
        var file = Encoding.UTF8.GetBytes(Tsv(
            [a, "null", ZhangWei, "605.35", "159.45", "445.90", "0"],
            [b, "null", WangFang, "605.35", "100.00", "0.00", "0"],
            ["S999", "null", WangFang, "1.00", "0.00", "0.00", "0"]));
        var uploaded = (await UploadAsync(Signed(file))).ShouldSucceed();
        var fileQuryNo = uploaded.Output.GetProperty("file_qury_no").GetString()!;
        Assert.Matches("^[0-9a-f]{30}$", fileQuryNo);
        Assert.Equal("3202_detail.txt", uploaded.Output.GetProperty("filename").GetString());
        Assert.Equal("2026-03-16 10:00:00", uploaded.Output.GetProperty("dld_endtime").GetString());
        Assert.Equal(JilinCentral, uploaded.Output.GetProperty("fixmedins_code").GetString());
        Assert.Equal(fileQuryNo, uploaded.Text("fileinfo", "file_qury_no"));

        var byFile = (await Platform.CallAsync("3202", JilinCentral, new
        {
            data = new { setl_optins = "", file_qury_no = fileQuryNo, stmt_begndate = "2026-03-01", stmt_enddate = "2026-03-31",
                medfee_sumamt = 1211.70m, fund_pay_sumamt = 259.45m, cash_payamt = 0m, fixmedins_setl_cnt = 3 },
        })).ShouldSucceed();
        static string Fields(JsonElement output) => JsonSerializer.Serialize(output.EnumerateObject()
            .Where(p => p.Name is not ("file_qury_no" or "filename" or "dld_endtime" or "fileinfo")).ToDictionary(p => p.Name, p => p.Value));
        Assert.Equal(Fields(inline.Output), Fields(byFile.Output));
        Assert.Equal(inline.Output.EnumerateObject().Select(p => p.Name), byFile.Output.EnumerateObject().Select(p => p.Name));

        // the result file, fetched with 9102: a zip of one tab-separated text, a row per mismatch
        var result = byFile.Output.GetProperty("fileinfo");
        Assert.Equal(result.GetProperty("file_qury_no").GetString(), byFile.Output.GetProperty("file_qury_no").GetString());
        Assert.Equal("3202_H22020000001_20260301_20260331.zip", result.GetProperty("filename").GetString());
        Assert.Equal("2026-03-16 10:00:00", result.GetProperty("dld_endtime").GetString());
        var download = await DownloadAsync(result.GetProperty("file_qury_no").GetString()!);
        Assert.Equal(200, download.Status);
        Assert.Equal("application/octet-stream", download.ContentType);
        Assert.Equal("3202_H22020000001_20260301_20260331.zip", download.Filename);
        using var zip = new ZipArchive(new MemoryStream(download.Body));
        var entry = Assert.Single(zip.Entries);
        using var reader = new StreamReader(entry.Open(), Encoding.UTF8);
        var rows = (await reader.ReadToEndAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('\t')).ToList();
        Assert.Equal(3, rows.Count);
        Assert.All(rows, r => Assert.Equal(7, r.Length));
        var bySetl = rows.ToDictionary(r => r[2]);
        Assert.Contains("金额不符", bySetl[b][6]);
        Assert.Contains("医院有、平台无", bySetl["S999"][6]);
        Assert.Contains("平台有、医院无", bySetl[c][6]);
        Assert.Equal(JilinCentral, bySetl[c][3][..12]); // the settlement's msgid, to 冲正 it by
        Assert.All(rows, r => Assert.Equal("1", r[4]));

        // the same rows inline made the same result file: same name, same rows, its own file_qury_no
        var ofInline = await DownloadAsync(inline.Text("fileinfo", "file_qury_no"));
        Assert.Equal((200, "3202_H22020000001_20260301_20260331.zip"), (ofInline.Status, ofInline.Filename));
        Assert.NotEqual(inline.Text("fileinfo", "file_qury_no"), result.GetProperty("file_qury_no").GetString());
        Assert.Equal(await ResultTextAsync(download.Body), await ResultTextAsync(ofInline.Body));
    }

    private static async Task<(string Entry, string Text)> ResultTextAsync(byte[] zipped)
    {
        using var zip = new ZipArchive(new MemoryStream(zipped));
        var entry = Assert.Single(zip.Entries);
        using var reader = new StreamReader(entry.Open(), Encoding.UTF8);
        return (entry.FullName, await reader.ReadToEndAsync());
    }

    [Fact]
    public async Task A_detail_file_may_be_zipped_comma_separated_or_carry_a_header()
    {
        var (a, b, c) = await SettledAsync();
        var csv = Encoding.UTF8.GetBytes("\uFEFFpsn_no,setl_id,medfee_sumamt,fund_pay_sumamt,acct_pay,refd_setl_flag\n"
                                         + $"{ZhangWei},{a},605.35,159.45,445.90,0\n{WangFang},{b},605.35,172.66,0,0\n{ZhangWei},{c},75.00,48.75,,0\n");
        using var zipped = new MemoryStream();
        using (var archive = new ZipArchive(zipped, ZipArchiveMode.Create, leaveOpen: true))
        await using (var stream = archive.CreateEntry("detail.csv").Open())
            await stream.WriteAsync(csv);
        var fileQuryNo = (await UploadAsync(Convert.ToBase64String(zipped.ToArray()), "detail.csv.zip")).ShouldSucceed()
            .Output.GetProperty("file_qury_no").GetString()!;

        var answer = (await Platform.CallAsync("3202", JilinCentral, new { data = new { file_qury_no = fileQuryNo, stmt_begndate = "2026-03-01", stmt_enddate = "2026-03-31" } }))
            .ShouldSucceed();
        Assert.Equal("0", answer.Output.GetProperty("stmt_rslt").GetString());
        Assert.Equal(3, answer.Output.GetProperty("matched_cnt").GetInt32());
        var download = await DownloadAsync(answer.Text("fileinfo", "file_qury_no"));
        using var zip = new ZipArchive(new MemoryStream(download.Body));
        Assert.Equal(0, Assert.Single(zip.Entries).Length); // nothing to report
    }

    [Fact]
    public async Task A_detail_file_with_a_bad_row_is_refused_by_line_and_column_and_changes_nothing()
    {
        var (a, _, _) = await SettledAsync();
        async Task<Reply> ReconcileAsync(string text)
        {
            var no = (await UploadAsync(Convert.ToBase64String(Encoding.UTF8.GetBytes(text)))).ShouldSucceed().Output.GetProperty("file_qury_no").GetString()!;
            var before = await Fingerprint.OfAsync(Platform.Database);
            var reply = await Platform.CallAsync("3202", JilinCentral, new { data = new { file_qury_no = no, stmt_begndate = "2026-03-01", stmt_enddate = "2026-03-31" } });
            Assert.Equal(before, await Fingerprint.OfAsync(Platform.Database));
            return reply;
        }

        (await ReconcileAsync(Tsv([a, "", ZhangWei, "605.35", "159.45", "445.90", "0"], [a + "X", "", ZhangWei, "6o5.35", "0", "0", "0"])))
            .ShouldFail("明细文件 3202_detail.txt 第 2 行 medfee_sumamt 的值“6o5.35”不是有效的金额");
        (await ReconcileAsync(Tsv([a, "", ZhangWei]))).ShouldFail("第 1 行只有 3 列");
        (await ReconcileAsync(Tsv([a, "", ZhangWei, "605.35", "159.45", "445.90", "2"]))).ShouldFail("refd_setl_flag 的值“2”应为 0（结算）或 1（退费）");
        (await ReconcileAsync(Tsv([a, "", ZhangWei, "605.35", "159.45", "445.90", "0"], [a, "", ZhangWei, "605.35", "159.45", "445.90", "0"])))
            .ShouldFail($"明细中结算ID重复：{a}");
        (await Platform.CallAsync("3202", JilinCentral, new { data = new { file_qury_no = "0123456789abcdef0123456789abcd", stmt_begndate = "2026-03-01", stmt_enddate = "2026-03-31" } }))
            .ShouldFail("未找到文件查询号 file_qury_no 0123456789abcdef0123456789abcd（或不属于本机构）");
        (await Platform.CallAsync("3202", JilinCentral, new { data = new { file_qury_no = "0123456789abcdef0123456789abcd", details = Array.Empty<object>(),
            stmt_begndate = "2026-03-01", stmt_enddate = "2026-03-31" } })).ShouldFail("同时给出了 file_qury_no 与 details");
        (await Platform.CallAsync("3202", JilinCentral, new { data = new { stmt_begndate = "2026-03-01", stmt_enddate = "2026-03-31" } }))
            .ShouldFail("或明细文件的文件查询号 input.data.file_qury_no（先用 9101 上传）");
    }

    [Fact]
    public async Task A_file_downloads_byte_for_byte_whether_sent_as_bytes_as_their_text_or_as_Base64()
    {
        var file = Enumerable.Range(0, 3000).Select(i => (byte)(i * 7 % 256)).ToArray(); // every byte value, zero and 0x80..0xFF included
        var asBytes = (await UploadAsync(Signed(file), "明细.bin")).ShouldSucceed().Output.GetProperty("file_qury_no").GetString()!;
        var asUnsigned = (await UploadAsync(file.Select(b => (int)b).ToArray())).ShouldSucceed().Output.GetProperty("file_qury_no").GetString()!;
        var asText = (await UploadAsync("[" + string.Join(", ", Signed(file)) + "]")).ShouldSucceed().Output.GetProperty("file_qury_no").GetString()!;
        var asBase64 = (await UploadAsync(Convert.ToBase64String(file, Base64FormattingOptions.InsertLineBreaks))).ShouldSucceed()
            .Output.GetProperty("file_qury_no").GetString()!;
        Assert.Equal(4, new[] { asBytes, asUnsigned, asText, asBase64 }.Distinct().Count());

        foreach (var no in new[] { asBytes, asUnsigned, asText, asBase64 })
        {
            var download = await DownloadAsync(no);
            Assert.Equal(200, download.Status);
            Assert.Equal("application/octet-stream", download.ContentType);
            Assert.Equal(file, download.Body);
        }
        Assert.Equal("明细.bin", (await DownloadAsync(asBytes)).Filename);

        // a client that reads 9102 in the envelope (the platform's own window, the simulator) finds the bytes as Base64
        var (_, envelope) = await MedSettle.Transactions.TransactionApi.CallAsync(Platform.Database, new PlatformClock(Platform.Clock),
            Encoding.UTF8.GetBytes(Platform.Envelope("9102", JilinCentral, new { fsDownloadIn = new { file_qury_no = asBase64 } })));
        var output = JsonDocument.Parse(envelope).RootElement.GetProperty("output");
        Assert.Equal(file, Convert.FromBase64String(output.GetProperty("in").GetString()!));
        Assert.Equal(3000, output.GetProperty("file_size").GetInt32());
    }

    [Fact]
    public async Task Another_hospitals_file_is_refused_exactly_like_one_that_does_not_exist()
    {
        var fileQuryNo = (await UploadAsync(Convert.ToBase64String("吉林市的明细\n"u8.ToArray()))).ShouldSucceed().Output.GetProperty("file_qury_no").GetString()!;
        var madeUp = new string(fileQuryNo.Select(ch => ch == 'f' ? '0' : ch == '9' ? 'a' : (char)(ch + 1)).ToArray());
        var before = await Fingerprint.OfAsync(Platform.Database);

        async Task<string> RefusalAsync(string infno, object input)
        {
            var reply = await Platform.CallAsync(infno, OtherHospital, input);
            Assert.Equal(-1, reply.Infcode);
            return reply.ErrMsg!;
        }
        foreach (var (infno, input) in new (string, Func<string, object>)[]
                 {
                     ("9102", no => new { fsDownloadIn = new { file_qury_no = no, filename = "x", fixmedins_code = OtherHospital } }),
                     ("3202", no => new { data = new { file_qury_no = no, stmt_begndate = "2026-03-01", stmt_enddate = "2026-03-31" } }),
                 })
        {
            var toTheFile = await RefusalAsync(infno, input(fileQuryNo));
            var toNothing = await RefusalAsync(infno, input(madeUp));
            Assert.Equal(toNothing.Replace(madeUp, "«no»"), toTheFile.Replace(fileQuryNo, "«no»"));
            Assert.Contains("未找到文件查询号", toTheFile);
        }
        var download = await DownloadAsync(fileQuryNo, OtherHospital);
        Assert.Equal("application/json", download.ContentType);
        Assert.DoesNotContain("吉林市的明细", Encoding.UTF8.GetString(download.Body));
        Assert.Equal(before, await Fingerprint.OfAsync(Platform.Database));
        Assert.Equal(200, (await DownloadAsync(fileQuryNo)).Status);
    }

    [Fact]
    public async Task A_file_expires_24_hours_after_its_upload_and_is_then_refused_by_name()
    {
        var (a, _, _) = await SettledAsync();
        var fileQuryNo = (await UploadAsync(Convert.ToBase64String(Encoding.UTF8.GetBytes(Tsv([a, "", ZhangWei, "605.35", "159.45", "445.90", "0"])))))
            .ShouldSucceed().Output.GetProperty("file_qury_no").GetString()!;
        object Reconcile() => new { data = new { file_qury_no = fileQuryNo, stmt_begndate = "2026-03-01", stmt_enddate = "2026-03-31" } };

        Platform.Clock.Advance(TimeSpan.FromHours(24) - TimeSpan.FromSeconds(1));
        Assert.Equal(200, (await DownloadAsync(fileQuryNo)).Status);
        var result = (await Platform.CallAsync("3202", JilinCentral, Reconcile())).ShouldSucceed().Text("fileinfo", "file_qury_no");

        Platform.Clock.Advance(TimeSpan.FromSeconds(1));
        var before = await Fingerprint.OfAsync(Platform.Database);
        var expired = await DownloadAsync(fileQuryNo);
        Assert.Equal("application/json", expired.ContentType);
        var refusal = JsonDocument.Parse(expired.Body).RootElement;
        Assert.Equal(-1, refusal.GetProperty("infcode").GetInt32());
        Assert.Equal($"文件 {fileQuryNo}（3202_detail.txt）已于 2026-03-16 10:00:00 过期（文件保留 24 小时）：请重新上传（9101）后使用新的文件查询号",
            refusal.GetProperty("err_msg").GetString());
        (await Platform.CallAsync("3202", JilinCentral, Reconcile())).ShouldFail("已于 2026-03-16 10:00:00 过期");
        Assert.Equal(before, await Fingerprint.OfAsync(Platform.Database));

        // the result file made a day less a second later lives its own 24 hours
        Assert.Equal(200, (await DownloadAsync(result)).Status);
        Platform.Clock.Advance(TimeSpan.FromHours(24));
        (await Platform.CallAsync("9102", JilinCentral, new { fsDownloadIn = new { file_qury_no = result } })).ShouldFail("请重新对账（3202）后下载新的结果文件");
    }

    [Fact]
    public async Task A_file_over_40_KB_is_refused_with_the_limit_and_changes_nothing()
    {
        var before = await Fingerprint.OfAsync(Platform.Database);
        var msgid = Platform.NewMsgid(JilinCentral);
        var tooLarge = new byte[40 * 1024 + 1];
        new Random(7).NextBytes(tooLarge);
        (await UploadAsync(Convert.ToBase64String(tooLarge), msgid: msgid)).ShouldFail("文件大小 40,961 字节超过上限 40,960 字节（40 KB）：请压缩为 zip 后上传");
        (await UploadAsync(Signed(tooLarge), msgid: msgid)).ShouldFail("文件大小 40,961 字节超过上限 40,960 字节（40 KB）");
        Assert.Equal(before, await Fingerprint.OfAsync(Platform.Database));

        // the largest file fits in a request as Java's byte[] text at its longest ("-128, " a byte), and its msgid was never spent
        var largest = Enumerable.Repeat((byte)0x80, 40 * 1024).ToArray();
        var text = "[" + string.Join(", ", Signed(largest)) + "]";
        Assert.True(Platform.Envelope("9101", JilinCentral, new { fsUploadIn = new { @in = text, filename = "3202_detail.txt", fixmedins_code = JilinCentral } }, msgid).Length
                    < MedSettle.Transactions.TransactionApi.MaxBodyBytes);
        var stored = (await UploadAsync(text, msgid: msgid)).ShouldSucceed().Output.GetProperty("file_qury_no").GetString()!;
        Assert.Equal(largest, (await DownloadAsync(stored)).Body);
    }

    [Fact]
    public async Task An_upload_is_exactly_once_by_msgid()
    {
        var msgid = Platform.NewMsgid(JilinCentral);
        var content = Convert.ToBase64String("一次\n"u8.ToArray());
        var first = (await UploadAsync(content, msgid: msgid)).ShouldSucceed();
        var before = await Fingerprint.OfAsync(Platform.Database);
        var again = (await UploadAsync(content, msgid: msgid)).ShouldSucceed();
        Assert.Equal(first.Output.GetRawText(), again.Output.GetRawText());
        Assert.Equal(before, await Fingerprint.OfAsync(Platform.Database));
        (await UploadAsync(Convert.ToBase64String("另一份\n"u8.ToArray()), msgid: msgid)).ShouldFail($"msgid {msgid} 已用于一笔内容不同的 9101 交易");
        Assert.Equal(before, await Fingerprint.OfAsync(Platform.Database));
    }

    [Fact]
    public async Task An_upload_without_content_name_or_of_another_hospital_is_refused_by_field()
    {
        var before = await Fingerprint.OfAsync(Platform.Database);
        (await Platform.CallAsync("9101", JilinCentral, new { fsUploadIn = new { filename = "a.txt", fixmedins_code = JilinCentral } }))
            .ShouldFail("缺少必填字段 input.fsUploadIn.in（文件内容：字节数组，或 Base64 编码的文本）");
        (await UploadAsync(Array.Empty<int>())).ShouldFail("input.fsUploadIn.in 的文件内容为空");
        (await UploadAsync(new[] { 1, 2, 300 })).ShouldFail("字段 input.fsUploadIn.in 第 3 个元素 300 不是字节（应为 -128 至 255 的整数）");
        (await UploadAsync("不是Base64!")).ShouldFail("字段 input.fsUploadIn.in 不是有效的 Base64 文本，也不是字节数组");
        (await UploadAsync("[1, 2,")).ShouldFail("以 [ 开头，但不是字节数组");
        (await Platform.CallAsync("9101", JilinCentral, new { fsUploadIn = new { @in = "AQID", fixmedins_code = JilinCentral } }))
            .ShouldFail("缺少必填字段 input.fsUploadIn.filename");
        (await Platform.CallAsync("9101", JilinCentral, new { fsUploadIn = new { @in = "AQID", filename = "a.txt", fixmedins_code = OtherHospital } }))
            .ShouldFail($"input.fsUploadIn.fixmedins_code {OtherHospital} 与报文头 fixmedins_code {JilinCentral} 不一致：只能上传本机构的文件");
        (await Platform.CallAsync("9102", JilinCentral, new { fsDownloadIn = new { filename = "a.txt" } })).ShouldFail("缺少必填字段 input.fsDownloadIn.file_qury_no");
        Assert.Equal(before, await Fingerprint.OfAsync(Platform.Database));

        // a path sent along with the name is not kept
        var stored = (await UploadAsync("AQID", filename: @"C:\HIS\对账\3202.txt")).ShouldSucceed();
        Assert.Equal("3202.txt", stored.Output.GetProperty("filename").GetString());
    }
}

public sealed class FileTransferTests_Sqlite() : FileTransferTests(new SqliteTarget());

public sealed class FileTransferTests_Postgres() : FileTransferTests(new PostgresTarget());
