using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Dapper;
using MedSettle.Tests.Infrastructure;
using MedSettle.Web;
using static MedSettle.Tests.Transactions.WorkedExampleTests;

namespace MedSettle.Tests.WhatIf;

/// <summary>
/// The 政策测算 page over HTTP, signed in as the province and as agencies, on a small history settled through the
/// transaction API: an agency sees, drafts, saves and replays its own region only, whatever a POST holds; saved drafts
/// belong to their owner; a changed ratio changes the fund of its region and no other.
/// </summary>
public abstract partial class WhatIfPageTests(DatabaseTarget target) : PlatformTests(target, JilinCentral)
{
    private const string LiNa = "22020000000000000003";
    private const string ChangchunFirst = "H22010000001";

    /// <summary>长春市 employees' emergency outpatient care at a level-3 hospital: ratio 0.65 as imported.</summary>
    private const string ChangchunOutpatient = "p|220100|310|emergency_outpatient|3|2026-01-01";

    /// <summary>吉林市's row of the same kind: ratio 0.66.</summary>
    private const string JilinOutpatient = "p|220200|310|emergency_outpatient|3|2026-01-01";

    private Uri Site => Platform.Http.BaseAddress!;

    /// <summary>Three settlements in March 2026: 张伟 and 王芳 of 长春市 treated in 吉林市, 李娜 of 吉林市 treated in 长春市.</summary>
    private async Task SettleHistoryAsync()
    {
        var zhang = await His.OutpatientVisitAsync(ZhangWei, "310", FirstVisitBill, day: "2026-03-10");
        (await His.SettleAsync(zhang, ZhangWei, "310", 605.35m, useAccount: true)).ShouldSucceed();
        var wang = await His.OutpatientVisitAsync(WangFang, "390", SecondVisitBill, day: "2026-03-11");
        (await His.SettleAsync(wang, WangFang, "390", 75.00m, useAccount: false)).ShouldSucceed();
        var changchun = new His(Platform, ChangchunFirst);
        var li = await changchun.OutpatientVisitAsync(LiNa, "310", FirstVisitBill, day: "2026-03-12");
        (await changchun.SettleAsync(li, LiNa, "310", 605.35m, useAccount: false)).ShouldSucceed();
    }

    private async Task<WebSession> SignInAsync(string username, string role, string? region)
    {
        await Accounts.AddAsync(Platform.Database, username, username, role, null, region, username + "-password", Platform.Clock.GetLocalNow().DateTime);
        return await WebSession.SignInAsync(Site, username, username + "-password");
    }

    private static async Task<(HttpStatusCode Status, string Body)> GetAsync(WebSession session, string path)
    {
        using var response = await session.Client.GetAsync(path);
        return (response.StatusCode, WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync()));
    }

    /// <summary>Every field of the page's 政策测算 form as the browser would send it (inputs and each select's chosen option).</summary>
    private static Dictionary<string, string> FormFields(string html)
    {
        var form = Regex.Match(html, "<form method=\"post\" id=\"whatif-form\".*?</form>", RegexOptions.Singleline).Value;
        Assert.NotEmpty(form);
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (Match input in InputTag().Matches(form))
        {
            var name = Attribute(input.Value, "name");
            if (name is not null) fields[name] = Attribute(input.Value, "value") ?? "";
        }
        foreach (Match select in SelectTag().Matches(form))
            fields[WebUtility.HtmlDecode(select.Groups[1].Value)] = SelectedOption().Match(select.Groups[2].Value).Groups[1].Value;
        return fields;

        static string? Attribute(string tag, string name) =>
            Regex.Match(tag, $"\\s{name}=\"([^\"]*)\"") is { Success: true } m ? WebUtility.HtmlDecode(m.Groups[1].Value) : null;
    }

    /// <summary>Posts a handler of the page with the account's antiforgery token; the answer undecoded, and where it redirects.</summary>
    private static async Task<(HttpStatusCode Status, string Body, string? Location)> PostAsync(WebSession session, string handler, Dictionary<string, string> fields)
    {
        var page = await session.Client.GetStringAsync("/dashboard/whatif");
        fields["__RequestVerificationToken"] = Token().Match(page).Groups[1].Value;
        using var form = new FormUrlEncodedContent(fields);
        using var response = await session.Client.PostAsync($"/dashboard/whatif?handler={handler}", form);
        return (response.StatusCode, WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync()), response.Headers.Location?.ToString());
    }

    /// <summary>The page's whole form with <paramref name="changes"/> typed over it.</summary>
    private static async Task<Dictionary<string, string>> FormWithAsync(WebSession session, params (string Field, string Value)[] changes)
    {
        var (status, body) = await GetAsync(session, "/dashboard/whatif");
        Assert.Equal(HttpStatusCode.OK, status);
        var fields = FormFields(body);
        foreach (var (field, value) in changes) fields[field] = value;
        return fields;
    }

    /// <summary>Runs the form and waits for the job; returns the job's id and its page with the results.</summary>
    private static async Task<(string Job, string Page)> RunAsync(WebSession session, Dictionary<string, string> fields)
    {
        var (status, body, location) = await PostAsync(session, "Run", fields);
        Assert.True(status == HttpStatusCode.Redirect, $"the run should start, got {(int)status}: {Problems(body)}");
        var job = Regex.Match(location!, "job=([0-9a-f]+)").Groups[1].Value;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var (progressStatus, progress) = await GetAsync(session, $"/dashboard/whatif?handler=Progress&job={job}");
            Assert.Equal(HttpStatusCode.OK, progressStatus);
            var state = JsonDocument.Parse(progress).RootElement.GetProperty("state").GetString();
            if (state != "running")
            {
                Assert.Equal("done", state);
                break;
            }
            Assert.True(DateTime.UtcNow < deadline, "the replay should finish within a minute");
            await Task.Delay(100);
        }
        var (pageStatus, page) = await GetAsync(session, location!);
        Assert.Equal(HttpStatusCode.OK, pageStatus);
        return (job, page);
    }

    private static string Problems(string body) =>
        Regex.Match(body, "<(?:p|div) class=\"error\" id=\"(?:problems|refusal)\".*?</(?:p|div)>", RegexOptions.Singleline).Value;

    private static string Text(string html) => Regex.Replace(Regex.Replace(html, "<[^>]+>", ""), "\\s+", " ");

    private async Task<long> DraftCountAsync()
    {
        await using var connection = await Platform.Database.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM whatif_drafts");
    }

    private static IEnumerable<string> RegionsIn(string page, string table) =>
        Regex.Matches(Regex.Match(page, $"<table id=\"{table}\".*?</table>", RegexOptions.Singleline).Value, "<tr data-region=\"(\\d+)\"")
            .Select(m => m.Groups[1].Value);

    /// <summary>The fund table's change for a region's basic fund, in yuan.</summary>
    private static decimal BasicChange(string page, string region, string scheme = "职工")
    {
        var row = Regex.Match(page, $"<tr data-region=\"{region}\" data-fund=\"basic\">\\s*<td>[^<]*</td><td>{scheme}</td>.*?</tr>", RegexOptions.Singleline).Value;
        Assert.NotEmpty(row);
        return decimal.Parse(Regex.Match(row, "<td class=\"num change\">([^<]+)</td>").Groups[1].Value.Replace(",", ""), System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task An_agency_sees_and_replays_only_its_own_region_and_its_results_hold_only_its_region()
    {
        await SettleHistoryAsync();
        using var changchun = await SignInAsync("cc-agency", Roles.Agency, "220100");
        var (_, page) = await GetAsync(changchun, "/dashboard/whatif");
        Assert.Contains("政策测算 · 长春市", page);
        Assert.Contains($"name=\"{ChangchunOutpatient}|ratio\" value=\"0.65\"", page);
        Assert.DoesNotContain("p|220200|", page);
        Assert.DoesNotContain("s|220200|", page);
        Assert.Contains("s|220100|hifmi|390||2026-01-01|upto.0", page);
        Assert.DoesNotContain("data-region=\"220200\"", page);

        var (job, results) = await RunAsync(changchun, await FormWithAsync(changchun, ($"{ChangchunOutpatient}|ratio", "0.80")));
        Assert.Contains("自检：重放 2 笔，与已存结算一致 2 笔", results);
        Assert.All(RegionsIn(results, "funds"), r => Assert.Equal("220100", r));
        Assert.All(RegionsIn(results, "patients"), r => Assert.Equal("220100", r));
        Assert.All(RegionsIn(results, "largest"), r => Assert.Equal("220100", r));
        Assert.NotEmpty(RegionsIn(results, "funds"));
        Assert.True(BasicChange(results, "220100") > 0);

        var (status, json) = await GetAsync(changchun, $"/dashboard/whatif?handler=Json&job={job}");
        Assert.Equal(HttpStatusCode.OK, status);
        var report = JsonDocument.Parse(json).RootElement;
        Assert.Equal(["220100"], report.GetProperty("regions").EnumerateArray().Select(r => r.GetString()));
        Assert.All(report.GetProperty("funds").EnumerateArray(), f => Assert.Equal("220100", f.GetProperty("region").GetString()));
        Assert.Equal(2, report.GetProperty("replayed").GetInt64());

        // the job is its owner's: the province, another agency, anyone else finds nothing
        using var province = await SignInAsync("province", Roles.Province, null);
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(province, $"/dashboard/whatif?job={job}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(province, $"/dashboard/whatif?handler=Progress&job={job}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(province, $"/dashboard/whatif?handler=Xlsx&job={job}")).Status);
        var (xlsxStatus, _) = await GetAsync(changchun, $"/dashboard/whatif?handler=Xlsx&job={job}");
        Assert.Equal(HttpStatusCode.OK, xlsxStatus);
    }

    [Fact]
    public async Task A_posted_row_of_another_region_is_refused_and_nothing_is_run_or_saved()
    {
        await SettleHistoryAsync();
        using var changchun = await SignInAsync("cc-agency", Roles.Agency, "220100");
        // the agency's own form, with one row of 吉林市 added by hand, as a crafted request would
        var fields = await FormWithAsync(changchun,
            ($"{JilinOutpatient}|deductible", "200.00"), ($"{JilinOutpatient}|basis", "per_year"), ($"{JilinOutpatient}|ratio", "0.95"),
            ($"{JilinOutpatient}|cap", "150,000.00"), ("DraftName", "越权草案"));

        var (saveStatus, saved, _) = await PostAsync(changchun, "Save", new Dictionary<string, string>(fields));
        Assert.Equal(HttpStatusCode.Forbidden, saveStatus);
        Assert.Contains("不能测算其他统筹区的政策：草案含有吉林市（220200）的行", saved);
        Assert.Contains("本次未测算、未保存", saved);
        Assert.Equal(0, await DraftCountAsync());

        var (runStatus, run, location) = await PostAsync(changchun, "Run", new Dictionary<string, string>(fields));
        Assert.Equal(HttpStatusCode.Forbidden, runStatus);
        Assert.Null(location);
        Assert.Contains("不能测算其他统筹区的政策", run);
        Assert.DoesNotContain("id=\"progress\"", run);
        Assert.DoesNotContain("id=\"whatif-results\"", run);
        Assert.DoesNotContain(JilinOutpatient, run);

        // the province may draft every region
        using var province = await SignInAsync("province", Roles.Province, null);
        var (_, provinceSaved, _) = await PostAsync(province, "Save", await FormWithAsync(province, ($"{JilinOutpatient}|ratio", "0.95"), ("DraftName", "吉林市门诊")));
        Assert.Contains("已保存草案“吉林市门诊”（1 行）", provinceSaved);
        Assert.Equal(1, await DraftCountAsync());
    }

    [Fact]
    public async Task Another_owners_saved_draft_cannot_be_listed_loaded_deleted_or_compared()
    {
        using var changchun = await SignInAsync("cc-agency", Roles.Agency, "220100");
        using var changchunColleague = await SignInAsync("cc-second", Roles.Agency, "220100");
        using var jilin = await SignInAsync("jl-agency", Roles.Agency, "220200");
        using var province = await SignInAsync("province", Roles.Province, null);
        var (_, first, _) = await PostAsync(changchun, "Save", await FormWithAsync(changchun, ($"{ChangchunOutpatient}|ratio", "0.80"), ("DraftName", "门诊八成")));
        Assert.Contains("已保存草案“门诊八成”（1 行）", first);
        var (_, again, _) = await PostAsync(changchun, "Save", await FormWithAsync(changchun, ($"{ChangchunOutpatient}|ratio", "0.85"), ("DraftName", "门诊八成")));
        Assert.Contains("已更新草案“门诊八成”", again);
        await PostAsync(changchun, "Save", await FormWithAsync(changchun, ($"{ChangchunOutpatient}|cap", "200,000.00"), ("DraftName", "封顶二十万")));
        await PostAsync(jilin, "Save", await FormWithAsync(jilin, ($"{JilinOutpatient}|ratio", "0.70"), ("DraftName", "吉林草案")));
        await PostAsync(province, "Save", await FormWithAsync(province, ($"{JilinOutpatient}|ratio", "0.75"), ("DraftName", "全省草案")));
        Assert.Equal(4, await DraftCountAsync());
        string IdOf(string page, string name) => Regex.Match(page, $"<tr data-draft=\"([0-9a-f]+)\"[^>]*>\\s*<td>{name}</td>").Groups[1].Value;

        // the owner's staff (a colleague of the same region too) list and load the region's drafts
        var (_, ownList) = await GetAsync(changchunColleague, "/dashboard/whatif");
        var changchunDraft = IdOf(ownList, "门诊八成");
        var changchunCap = IdOf(ownList, "封顶二十万");
        Assert.NotEmpty(changchunDraft);
        Assert.DoesNotContain("吉林草案", ownList);
        Assert.DoesNotContain("全省草案", ownList);
        var (loadedStatus, loaded) = await GetAsync(changchunColleague, $"/dashboard/whatif?draft={changchunDraft}");
        Assert.Equal(HttpStatusCode.OK, loadedStatus);
        Assert.Contains($"name=\"{ChangchunOutpatient}|ratio\" value=\"0.85\"", loaded);
        Assert.Contains("已载入草案“门诊八成”", loaded);

        var (_, jilinList) = await GetAsync(jilin, "/dashboard/whatif");
        var jilinDraft = IdOf(jilinList, "吉林草案");
        Assert.DoesNotContain("门诊八成", jilinList);
        Assert.DoesNotContain("全省草案", jilinList);
        var (_, provinceList) = await GetAsync(province, "/dashboard/whatif");
        var provinceDraft = IdOf(provinceList, "全省草案");
        Assert.DoesNotContain("门诊八成", provinceList);

        // 吉林市 cannot load, delete or compare 长春市's or the province's drafts; the province cannot load an agency's
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(jilin, $"/dashboard/whatif?draft={changchunDraft}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(jilin, $"/dashboard/whatif?draft={provinceDraft}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(province, $"/dashboard/whatif?draft={changchunDraft}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await PostAsync(jilin, "Delete", new() { ["id"] = changchunDraft })).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await PostAsync(province, "Delete", new() { ["id"] = jilinDraft })).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await PostAsync(jilin, "Compare", new() { ["first"] = jilinDraft, ["second"] = changchunDraft })).Status);
        Assert.Equal(4, await DraftCountAsync());

        // the owner deletes its own
        var (deletedStatus, deleted, _) = await PostAsync(changchun, "Delete", new() { ["id"] = changchunCap });
        Assert.Equal(HttpStatusCode.OK, deletedStatus);
        Assert.Contains("已删除草案“封顶二十万”", deleted);
        Assert.Equal(3, await DraftCountAsync());
    }

    [Fact]
    public async Task A_changed_ratio_changes_the_fund_of_its_region_only_and_two_saved_drafts_compare()
    {
        await SettleHistoryAsync();
        using var province = await SignInAsync("province", Roles.Province, null);
        var (_, page) = await GetAsync(province, "/dashboard/whatif");
        Assert.Contains("政策测算 · 全省", page);
        Assert.Contains($"name=\"{JilinOutpatient}|ratio\" value=\"0.66\"", page);
        Assert.Contains("value=\"2026-01-01\"", page); // the year to date by the platform's clock (2026-03-15)
        Assert.Contains("value=\"2026-03-15\"", page);

        var (_, refreshed, _) = await PostAsync(province, "Refresh", await FormWithAsync(province, ($"{ChangchunOutpatient}|ratio", "0.80"), ("To", "2026-03-12")));
        Assert.Contains("下表为 2026-03-12 有效的政策版本", refreshed);
        Assert.Contains($"name=\"{ChangchunOutpatient}|ratio\" value=\"0.80\"", refreshed); // the change kept

        var (_, unchanged) = await RunAsync(province, await FormWithAsync(province));
        Assert.Contains("自检：重放 3 笔，与已存结算一致 3 笔", unchanged);
        Assert.Contains("草案没有改变任何一笔结算的基金支付", unchanged);
        Assert.Equal(0m, BasicChange(unchanged, "220100"));

        var (_, results) = await RunAsync(province, await FormWithAsync(province, ($"{ChangchunOutpatient}|ratio", "0.80")));
        Assert.Contains("自检：重放 3 笔，与已存结算一致 3 笔", results);
        Assert.True(BasicChange(results, "220100") > 0, "长春市's employees' fund pays more at a higher ratio");
        Assert.Equal(0m, BasicChange(results, "220100", "居民"));
        Assert.Equal(0m, BasicChange(results, "220200"));
        Assert.Contains("id=\"chart-change\"", results);
        Assert.Contains("id=\"chart-deciles\"", results);
        var data = JsonDocument.Parse(Regex.Match(results, "<script type=\"application/json\" id=\"whatif-data\">(.*?)</script>", RegexOptions.Singleline).Groups[1].Value).RootElement;
        Assert.Equal(["长春市", "吉林市"], data.GetProperty("regions").EnumerateArray().Select(r => r.GetString()));
        var changes = data.GetProperty("series")[0].GetProperty("change").EnumerateArray().Select(c => c.GetDecimal()).ToList();
        Assert.Equal(BasicChange(results, "220100"), changes[0]);
        Assert.Equal(0m, changes[1]);
        Assert.Equal(11, data.GetProperty("deciles").GetArrayLength());
        // the run leaves the stored policy as it was
        await using (var connection = await Platform.Database.OpenConnectionAsync())
            Assert.Equal("0.65", await connection.ExecuteScalarAsync<string>(
                "SELECT ratio FROM policies WHERE insuplc_admdvs = '220100' AND insutype = '310' AND category = 'emergency_outpatient' AND hosp_lv = 3"));

        await PostAsync(province, "Save", await FormWithAsync(province, ($"{ChangchunOutpatient}|ratio", "0.80"), ("DraftName", "八成")));
        await PostAsync(province, "Save", await FormWithAsync(province, ($"{ChangchunOutpatient}|ratio", "0.90"), ("DraftName", "九成")));
        var (_, list) = await GetAsync(province, "/dashboard/whatif");
        string IdOf(string name) => Regex.Match(list, $"<tr data-draft=\"([0-9a-f]+)\"[^>]*>\\s*<td>{name}</td>").Groups[1].Value;
        var (status, _, location) = await PostAsync(province, "Compare", new() { ["first"] = IdOf("八成"), ["second"] = IdOf("九成") });
        Assert.Equal(HttpStatusCode.Redirect, status);
        var job = Regex.Match(location!, "job=([0-9a-f]+)").Groups[1].Value;
        string compared;
        while (true)
        {
            (_, compared) = await GetAsync(province, $"/dashboard/whatif?job={job}");
            if (!compared.Contains("id=\"progress\"", StringComparison.Ordinal)) break;
            await Task.Delay(100);
        }
        var line = Regex.Match(compared, "<tr>\\s*<td>长春市</td><td>职工</td><td>基本医疗保险统筹基金</td>(.*?)</tr>", RegexOptions.Singleline).Groups[1].Value;
        var amounts = Regex.Matches(line, "<td class=\"num\">([^<]+)</td>").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(4, amounts.Count);
        Assert.StartsWith("+", amounts[3]); // 九成 pays more than 八成
        Assert.Contains("草案A “八成”", compared);
    }

    [Fact]
    public async Task A_finished_job_is_kept_for_an_hour_then_dropped()
    {
        await SettleHistoryAsync();
        using var province = await SignInAsync("province", Roles.Province, null);
        var (job, _) = await RunAsync(province, await FormWithAsync(province));
        Platform.Clock.Advance(TimeSpan.FromMinutes(59));
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(province, $"/dashboard/whatif?handler=Json&job={job}")).Status);
        Platform.Clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(province, $"/dashboard/whatif?job={job}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(province, $"/dashboard/whatif?handler=Json&job={job}")).Status);
    }

    [Fact]
    public async Task A_value_the_importer_refuses_is_shown_with_its_row_and_nothing_runs()
    {
        using var changchun = await SignInAsync("cc-agency", Roles.Agency, "220100");
        var (status, body, location) = await PostAsync(changchun, "Run", await FormWithAsync(changchun,
            ($"{ChangchunOutpatient}|ratio", "1.5"), ("s|220100|hifmi|390||2026-01-01|upto.1", "40000")));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Null(location);
        Assert.Contains("草案未通过校验，本次未测算、未保存：请改正以下 2 处后再试。", body);
        Assert.Contains("长春市 · 职工 · 急诊门诊 · 三级医院（执行日期 2026-01-01）：支付比例应为 0 到 1 之间的小数", Text(body));
        Assert.Contains("长春市 · 城乡居民大病保险 · 居民（执行日期 2026-01-01）：第 2 段的上限应为金额", Text(body));
        Assert.Matches($"class=\"ratio invalid\" inputmode=\"decimal\" name=\"{Regex.Escape(ChangchunOutpatient)}\\|ratio\" value=\"1.5\"", body);
        Assert.Contains("is not a ratio between 0 and 1", body); // the importer's own sentence, for support

        var (_, unnamed, _) = await PostAsync(changchun, "Save", await FormWithAsync(changchun, ("DraftName", "  ")));
        Assert.Contains("请填写草案名称", unnamed);
        var (_, empty, _) = await PostAsync(changchun, "Save", await FormWithAsync(changchun, ("DraftName", "空草案")));
        Assert.Contains("草案没有修改任何行", empty);
        Assert.Equal(0, await DraftCountAsync());
    }

    [Fact]
    public async Task An_agency_account_without_a_region_sees_nothing()
    {
        using var session = await SignInAsync("lost-agency", Roles.Agency, "220100");
        await using (var connection = await Platform.Database.OpenConnectionAsync())
            await connection.ExecuteAsync("UPDATE users SET admdvs = NULL WHERE username = 'lost-agency'");
        using var lost = await WebSession.SignInAsync(Site, "lost-agency", "lost-agency-password");
        var (status, body) = await GetAsync(lost, "/dashboard/whatif");
        Assert.NotEqual(HttpStatusCode.OK, status);
        Assert.DoesNotContain("p|220100|", body);
        Assert.Equal(HttpStatusCode.Redirect, (await GetAsync(lost, "/dashboard/whatif?handler=Progress&job=00")).Status);
    }

    [GeneratedRegex("<input\\b[^>]*>")]
    private static partial Regex InputTag();

    [GeneratedRegex("<select\\b[^>]*\\sname=\"([^\"]+)\"[^>]*>(.*?)</select>", RegexOptions.Singleline)]
    private static partial Regex SelectTag();

    [GeneratedRegex("<option value=\"([^\"]*)\" selected=\"selected\"")]
    private static partial Regex SelectedOption();

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex Token();
}

public sealed class WhatIfPageTests_Sqlite() : WhatIfPageTests(new SqliteTarget());

public sealed class WhatIfPageTests_Postgres() : WhatIfPageTests(new PostgresTarget());
