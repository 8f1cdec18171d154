using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using MedSettle.Tests.Infrastructure;
using MedSettle.Web;
using static MedSettle.Tests.Transactions.WorkedExampleTests;

namespace MedSettle.Tests.Web;

/// <summary>
/// 对总账 at the window from the file a hospital's system exported, over HTTP as the browser sends it: every row through
/// 3201, one result per group in names rather than codes, the groups either side lacks; a bad or oversized file refused whole.
/// </summary>
public abstract partial class DayReconciliationFileTests(DatabaseTarget target) : PlatformTests(target, JilinCentral)
{
    private const string JinMingzhe = "22240000000000000004";
    private static readonly Encoding Gbk = CodePagesEncodingProvider.Instance.GetEncoding(936)!;

    private async Task<WebSession> ClerkAsync()
    {
        await Accounts.AddAsync(Platform.Database, "clerk", "收费员小李", Roles.Clerk, JilinCentral, null, "clerk-password", Platform.Clock.GetLocalNow().DateTime);
        return await WebSession.SignInAsync(Platform.Http.BaseAddress!, "clerk", "clerk-password");
    }

    /// <summary>Three settlements on 2026-03-15: 张伟 (310, 长春市) 605.35, 王芳 (390, 长春市) 75.00, 金明哲 (390, 延边) 75.00.</summary>
    private async Task SettleTheDayAsync()
    {
        (await His.SettleAsync(await His.OutpatientVisitAsync(ZhangWei, "310", FirstVisitBill), ZhangWei, "310", 605.35m, useAccount: true)).ShouldSucceed();
        (await His.SettleAsync(await His.OutpatientVisitAsync(WangFang, "390", SecondVisitBill), WangFang, "390", 75.00m, useAccount: false)).ShouldSucceed();
        (await His.SettleAsync(await His.OutpatientVisitAsync(JinMingzhe, "390", SecondVisitBill), JinMingzhe, "390", 75.00m, useAccount: false)).ShouldSucceed();
    }

    /// <summary>Posts <paramref name="file"/> as the page's import form does; the answer (the page, or a redirect) and its text.</summary>
    private static async Task<(HttpStatusCode Status, string Html, Uri? Location)> UploadAsync(WebSession clerk, byte[] file)
    {
        var page = await clerk.Client.GetStringAsync("/window/today?day=2026-03-15");
        var action = WebUtility.HtmlDecode(ImportAction().Match(page).Groups[1].Value);
        Assert.Equal("/window/today?day=2026-03-15&handler=Import", action);
        using var form = new MultipartFormDataContent
        {
            { new StringContent(AntiforgeryToken().Match(page).Groups[1].Value), "__RequestVerificationToken" },
            { new ByteArrayContent(file), "file", "his-totals.csv" },
        };
        using var response = await clerk.Client.PostAsync(action, form);
        return (response.StatusCode, WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync()), response.Headers.Location);
    }

    /// <summary>Each row of the result table as its text: line, scheme, type, agency, outcome, explanation.</summary>
    private static List<string> Outcomes(string html) =>
        OutcomeRow().Matches(html).Select(m => Whitespace().Replace(Tags().Replace(m.Value, " "), " ").Trim()).ToList();

    [Fact]
    public async Task A_HIS_file_is_reconciled_group_by_group_in_names_with_the_groups_either_side_lacks()
    {
        await SettleTheDayAsync();
        using var clerk = await ClerkAsync();
        var fund = await Platform.Database.ReadAsync(u => u.ScalarAsync<long>("SELECT fund_pay_fen FROM settlements WHERE psn_no = @p", new { p = JinMingzhe })) / 100m;
        var file = Gbk.GetBytes("清算机构,险种,清算类别,笔数,医疗费总额,基金支付,个人账户\r\n"
                                + "长春市,职工基本医疗保险,门诊,1,605.35,159.45,445.90\r\n"
                                + "222400,390,11,1,85.00," + fund.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture) + ",0.00\r\n"
                                + "220100,310,21,1,100.00,60.00,0.00\r\n");

        var (status, html, _) = await UploadAsync(clerk, file);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("“his-totals.csv”：对账不平，共 4 组：平衡 1 组，不平 1 组，文件缺少 1 组，平台无 1 组", Whitespace().Replace(html, " "));
        var outcomes = Outcomes(html);
        Assert.Equal(4, outcomes.Count);
        Assert.Equal("2 职工基本医疗保险 门诊 长春市 平衡 1 笔，医疗费总额、基金支付、个人账户与平台一致", outcomes[0]);
        Assert.StartsWith("3 城乡居民基本医疗保险 门诊 延边朝鲜族自治州 不平 医疗费总额：医院 85.00，平台 75.00，相差 10.00", outcomes[1]);
        Assert.DoesNotContain("基金支付：", outcomes[1]);
        Assert.Equal("4 职工基本医疗保险 住院 长春市 平台无此组 平台当日没有此组的结算： 结算笔数：医院 1，平台 0，相差 1 医疗费总额：医院 100.00，平台 0.00，相差 100.00 "
                     + "基金支付：医院 60.00，平台 0.00，相差 60.00", outcomes[2]);
        Assert.StartsWith("— 城乡居民基本医疗保险 门诊 长春市 文件缺少此组 平台当日有此组（1 笔，医疗费总额 75.00，", outcomes[3]);
        Assert.Contains("<span title=\"医保区划 222400\">延边朝鲜族自治州</span>", html);
        Assert.DoesNotContain(">220100<", html); // the day's settlements and the form show names too, the codes in titles
        Assert.DoesNotContain(">310<", html);
        // the form still starts empty: the file's figures are not the platform's, and the platform's are never offered
        Assert.DoesNotContain("value=\"605.35\"", html);
    }

    [Fact]
    public async Task A_bad_file_is_refused_by_line_and_column_and_nothing_is_reconciled()
    {
        await SettleTheDayAsync();
        using var clerk = await ClerkAsync();
        var file = Encoding.UTF8.GetBytes("insutype,clr_type,setl_optins,setl_cnt,medfee_sumamt,fund_pay_sumamt,acct_pay\n"
                                          + "310,11,220100,1,605.35,159.45,445.90\n"
                                          + "390,11,222400,1,75.00,四十八,0\n");

        var (status, html, _) = await UploadAsync(clerk, file);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("“his-totals.csv”未导入，未进行对账", html);
        Assert.Contains("第 3 行“基金支付”列：“四十八”不是金额（元，最多两位小数，如 1520.50）", html);
        Assert.Empty(Outcomes(html));
        Assert.DoesNotContain("reconcile-file-result", html);
    }

    [Fact]
    public async Task A_file_over_the_limit_is_refused_in_words_and_one_far_over_it_is_turned_away_unread()
    {
        using var clerk = await ClerkAsync();
        var header = "险种,清算类别,清算机构,笔数,医疗费总额,基金支付,个人账户\n"u8.ToArray();

        var (status, html, _) = await UploadAsync(clerk, [.. header, .. Enumerable.Repeat((byte)'\n', HisTotalsFile.MaxBytes)]);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains($"对总账文件不能超过 {HisTotalsFile.MaxBytes / 1024} KB", html);
        Assert.Empty(Outcomes(html));

        (status, _, var location) = await UploadAsync(clerk, new byte[1024 * 1024]);

        Assert.Equal(HttpStatusCode.Redirect, status);
        Assert.StartsWith("/window/today?day=2026-03-15&tooLarge=", location!.ToString());
        var shown = WebUtility.HtmlDecode(await clerk.Client.GetStringAsync(location));
        Assert.Contains("文件过大（1024.", shown);
        Assert.Contains($"对总账文件不能超过 {HisTotalsFile.MaxBytes / 1024} KB", shown);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();

    [GeneratedRegex("<form [^>]*action=\"([^\"]*handler=Import[^\"]*)\"")]
    private static partial Regex ImportAction();

    [GeneratedRegex("<tr class=\"outcome-[a-z]+\">.*?</tr>", RegexOptions.Singleline)]
    private static partial Regex OutcomeRow();

    [GeneratedRegex("<[^>]+>")]
    private static partial Regex Tags();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}

public sealed class DayReconciliationFileTests_Sqlite() : DayReconciliationFileTests(new SqliteTarget());

public sealed class DayReconciliationFileTests_Postgres() : DayReconciliationFileTests(new PostgresTarget());
