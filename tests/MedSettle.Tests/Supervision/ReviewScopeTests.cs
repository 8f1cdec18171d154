using System.Net;
using System.Text.RegularExpressions;
using Dapper;
using MedSettle.Tests.Infrastructure;
using MedSettle.Transactions;
using MedSettle.Web;
using static MedSettle.Tests.Transactions.WorkedExampleTests;

namespace MedSettle.Tests.Supervision;

/// <summary>
/// The 智能监管 pages over HTTP, signed in as each kind of account: an agency sees and decides only its own region's
/// insured's cases, a hospital sees and appeals only its own; the province sees all. Names and identity numbers masked.
/// </summary>
public abstract partial class ReviewScopeTests(DatabaseTarget target) : PlatformTests(target, JilinCentral)
{
    private const string Password = "review-password";

    private Uri Site => Platform.Http.BaseAddress!;

    private async Task<string> SettledCaseAsync()
    {
        var now = Platform.Clock.GetLocalNow().DateTime;
        foreach (var (user, name, role, hospital, region) in new (string, string, string, string?, string?)[]
                 {
                     ("cc-first", "长春初审", Roles.Agency, null, "220100"), ("cc-second", "长春复核", Roles.Agency, null, "220100"),
                     ("jl-agency", "吉林市经办", Roles.Agency, null, "220200"), ("province", "省医保局", Roles.Province, null, null),
                     ("jl-clerk", "吉林中心收费员", Roles.Clerk, JilinCentral, null), ("jl2-clerk", "吉林人民收费员", Roles.Clerk, "H22020000002", null),
                 })
            await Accounts.AddAsync(Platform.Database, user, name, role, hospital, region, Password, now);
        var mdtrtId = await His.OutpatientVisitAsync(ZhangWei, "310", FirstVisitBill);
        var setlId = (await His.SettleAsync(mdtrtId, ZhangWei, "310", 605.35m, useAccount: true)).ShouldSucceed().Text("setlinfo", "setl_id");
        return await ReviewWorkflowTests.FileCaseAsync(Platform.Database, setlId, ReviewWorkflowTests.ChinaNow(Platform));
    }

    private async Task<string> StatusAsync(string caseId)
    {
        await using var connection = await Platform.Database.OpenConnectionAsync();
        return (await connection.ExecuteScalarAsync<string>("SELECT status FROM supervision_cases WHERE case_id = @caseId", new { caseId }))!;
    }

    /// <summary>Posts a page's form handler with the account's antiforgery token (taken from a page it may open).</summary>
    private static async Task<(HttpStatusCode Status, string Body)> PostAsync(WebSession session, string tokenPage, string path, string handler,
        Dictionary<string, string> fields)
    {
        var token = Token().Match(await session.Client.GetStringAsync(tokenPage)).Groups[1].Value;
        Assert.NotEmpty(token);
        fields["__RequestVerificationToken"] = token;
        using var form = new FormUrlEncodedContent(fields);
        using var response = await session.Client.PostAsync($"{path}?handler={handler}", form);
        return (response.StatusCode, WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync()));
    }

    private static async Task<(HttpStatusCode Status, string Body)> GetAsync(WebSession session, string path)
    {
        using var response = await session.Client.GetAsync(path);
        return (response.StatusCode, WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync()));
    }

    [Fact]
    public async Task Another_regions_agency_neither_sees_nor_decides_a_case_and_the_home_agency_reviews_it_masked()
    {
        var caseId = await SettledCaseAsync();
        var casePage = $"/dashboard/supervision/case/{caseId}";

        using var jilin = await WebSession.SignInAsync(Site, "jl-agency", Password);
        var (_, jilinQueue) = await GetAsync(jilin, "/dashboard/supervision");
        Assert.Contains("吉林市参保人员", jilinQueue);
        Assert.DoesNotContain(caseId, jilinQueue);
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(jilin, casePage)).Status);
        var (refused, _) = await PostAsync(jilin, "/dashboard/supervision", casePage, "Propose", new() { ["amount"] = "30.00", ["reason"] = "不是本区参保人" });
        Assert.Equal(HttpStatusCode.NotFound, refused);
        Assert.Equal(SupervisionCases.Open, await StatusAsync(caseId));

        using var province = await WebSession.SignInAsync(Site, "province", Password);
        Assert.Contains(caseId, (await GetAsync(province, "/dashboard/supervision?rule=R06")).Body);
        Assert.DoesNotContain(caseId, (await GetAsync(province, "/dashboard/supervision?rule=R01")).Body);

        using var first = await WebSession.SignInAsync(Site, "cc-first", Password);
        var (_, queue) = await GetAsync(first, "/dashboard/supervision?status=open");
        Assert.Contains(caseId, queue);
        Assert.Contains("R06 超住院天数", queue);
        var (status, page) = await GetAsync(first, casePage);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("张*", page);
        Assert.DoesNotContain("张伟", page);
        Assert.DoesNotContain("220102197503120110", page);
        Assert.Contains("0001", page);
        Assert.Contains("0003", page);
        var (_, tooMuch) = await PostAsync(first, casePage, casePage, "Propose", new() { ["amount"] = "200", ["reason"] = "多收" });
        Assert.Contains("超过该结算的基金支付金额 159.45 元", tooMuch);
        Assert.Equal(SupervisionCases.Open, await StatusAsync(caseId));
        var (_, proposed) = await PostAsync(first, casePage, casePage, "Propose", new() { ["amount"] = "30.00", ["reason"] = "床位费超过住院天数" });
        Assert.Contains("拟扣款 30.00 元", proposed);
        Assert.Equal(SupervisionCases.Proposed, await StatusAsync(caseId));
    }

    [Fact]
    public async Task Another_hospital_neither_sees_nor_appeals_a_case_and_the_appeal_goes_to_a_second_reviewer()
    {
        var caseId = await SettledCaseAsync();
        var casePage = $"/dashboard/supervision/case/{caseId}";
        using var first = await WebSession.SignInAsync(Site, "cc-first", Password);
        await PostAsync(first, casePage, casePage, "Propose", new() { ["amount"] = "30.00", ["reason"] = "床位费超过住院天数" });

        using var other = await WebSession.SignInAsync(Site, "jl2-clerk", Password);
        var (_, otherList) = await GetAsync(other, "/window/supervision");
        Assert.DoesNotContain(caseId, otherList);
        var (_, refused) = await PostAsync(other, "/window/supervision", "/window/supervision", "Appeal", new() { ["caseId"] = caseId, ["text"] = "冒充申诉" });
        Assert.Contains("没有找到案件", refused);
        Assert.Equal(SupervisionCases.Proposed, await StatusAsync(caseId));
        var (dashboard, dashboardBody) = await GetAsync(other, casePage); // a clerk is not let into the agencies' dashboard at all
        Assert.NotEqual(HttpStatusCode.OK, dashboard);
        Assert.DoesNotContain(caseId, dashboardBody);

        using var clerk = await WebSession.SignInAsync(Site, "jl-clerk", Password);
        var (_, window) = await GetAsync(clerk, "/window");
        Assert.Contains("/window/supervision", window);
        var (_, list) = await GetAsync(clerk, "/window/supervision");
        Assert.Contains(caseId, list);
        Assert.Contains("30.00", list);
        var (_, appealed) = await PostAsync(clerk, "/window/supervision", "/window/supervision", "Appeal", new() { ["caseId"] = caseId, ["text"] = "有转科记录" });
        Assert.Contains("申诉已提交", appealed);
        var (_, twice) = await PostAsync(clerk, "/window/supervision", "/window/supervision", "Appeal", new() { ["caseId"] = caseId, ["text"] = "再申诉" });
        Assert.Contains("只能申诉一次", twice);

        var (_, sameReviewer) = await PostAsync(first, casePage, casePage, "Decide", new() { ["decision"] = "uphold", ["note"] = "维持" });
        Assert.Contains("双人复核", sameReviewer);
        Assert.Equal(SupervisionCases.Appealed, await StatusAsync(caseId));
        using var second = await WebSession.SignInAsync(Site, "cc-second", Password);
        var (_, decided) = await PostAsync(second, casePage, casePage, "Decide", new() { ["decision"] = "uphold", ["amount"] = "20", ["note"] = "核减" });
        Assert.Contains("扣款 20.00 元", decided);
        Assert.Equal(SupervisionCases.Deducted, await StatusAsync(caseId));
        Assert.Contains("复核：申诉不成立，扣款", decided);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex Token();
}

public sealed class ReviewScopeTests_Sqlite() : ReviewScopeTests(new SqliteTarget());

public sealed class ReviewScopeTests_Postgres() : ReviewScopeTests(new PostgresTarget());
