using System.Text;
using System.Text.Json;
using Dapper;
using MedSettle.Storage;
using MedSettle.Tests.Infrastructure;
using MedSettle.Transactions;
using MedSettle.Web;
using Microsoft.Extensions.DependencyInjection;
using static MedSettle.Tests.Transactions.WorkedExampleTests;

namespace MedSettle.Tests.Web;

/// <summary>
/// A refusal as the window receives it, in process: with its code and field beside the envelope (which a HIS reads,
/// unchanged), through the single path and through a settlement group; the window signs in again on the code, and words
/// an answer from the store, which has no code, from its text.
/// </summary>
public abstract class WindowRefusalTests(DatabaseTarget target) : PlatformTests(target, JilinCentral)
{
    private WindowClient Window => Platform.App.Services.GetRequiredService<WindowClient>();

    private static readonly string[] NationalEnvelope = ["infcode", "inf_refmsgid", "refmsg_time", "respond_time", "err_msg", "warn_msg", "output"];

    private const string NotANumber = "字段 input.feedetail[1].pric 的值 \"abc\" 不是有效的数值";

    /// <summary>2204 of two lines for <paramref name="mdtrtId"/>, the second priced "abc".</summary>
    private static object BillWithAWrongPrice(string mdtrtId) => new
    {
        feedetail = new object[]
        {
            new { feedetl_sn = "0001", mdtrt_id = mdtrtId, psn_no = ZhangWei, chrg_bchno = "B1", fee_ocur_time = "2026-03-15 09:30:00", med_list_codg = "110200001", pric = "50.00", cnt = "1", det_item_fee_sumamt = "50.00" },
            new { feedetl_sn = "0002", mdtrt_id = mdtrtId, psn_no = ZhangWei, chrg_bchno = "B1", fee_ocur_time = "2026-03-15 09:30:00", med_list_codg = "210102001", pric = "abc", cnt = "1", det_item_fee_sumamt = "50.00" },
        },
    };

    private async Task<string> RegisteredAsync()
    {
        (await His.FileAsync(ZhangWei, "310", "2026-03-15")).ShouldSucceed();
        return (await His.RegisterAsync(ZhangWei, "310", "2026-03-15 09:00:00", "MZ" + Guid.NewGuid().ToString("N")[..10])).ShouldSucceed().Text("data", "mdtrt_id");
    }

    [Fact]
    public async Task A_field_refusal_reaches_a_HIS_in_the_national_envelope_with_its_text_and_the_window_with_its_code_and_field()
    {
        var mdtrtId = await RegisteredAsync();

        var overHttp = await Platform.CallAsync("2204", JilinCentral, BillWithAWrongPrice(mdtrtId));
        var inProcess = await TransactionApi.CallWithRefusalAsync(Platform.Database, new PlatformClock(Platform.Clock),
            Encoding.UTF8.GetBytes(Platform.Envelope("2204", JilinCentral, BillWithAWrongPrice(mdtrtId))));
        var window = await Window.CallAsync(JilinCentral, "收费员小李", "2204", BillWithAWrongPrice(mdtrtId));

        Assert.Equal((200, -1, NotANumber), (overHttp.Status, overHttp.Infcode, overHttp.ErrMsg));
        Assert.Equal(NationalEnvelope, overHttp.Root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(JsonValueKind.Null, overHttp.Output.ValueKind);
        using (var body = JsonDocument.Parse(inProcess.Body))
        {
            Assert.Equal(NationalEnvelope, body.RootElement.EnumerateObject().Select(p => p.Name));
            Assert.Equal(NotANumber, body.RootElement.GetProperty("err_msg").GetString());
        }
        Assert.Equal((RefusalCode.FieldInvalid, "input.feedetail[1].pric", NotANumber), (inProcess.Refusal!.Code, inProcess.Refusal.Field!.Path, inProcess.Refusal.Message));
        Assert.Equal((false, RefusalCode.FieldInvalid, new InputField("input.feedetail", 1, "pric")), (window.Ok, window.Code, window.Field));
        Assert.Equal("第 2 行的单价“abc”不是有效的数值，请核对后重新填写", window.Error);
        Assert.Equal(NotANumber, window.Detail);
    }

    [Fact]
    public async Task A_stay_settled_before_its_discharge_is_refused_to_the_window_with_its_code_from_a_settlement_group_too()
    {
        (await His.FileAsync(WangFang, "390", "2026-03-14")).ShouldSucceed();
        var admission = (await His.AdmitAsync(WangFang, "390", "2026-03-14 22:10:00", "ZY" + Guid.NewGuid().ToString("N")[..8])).ShouldSucceed().Text("result", "mdtrt_id");
        (await His.UploadAsync(admission, WangFang, [("120400001", 18.00m, 8)], inpatient: true)).ShouldSucceed();
        var answeredByGroups = Answered();

        var reply = await Window.CallAsync(JilinCentral, "收费员小李", "2304", His.SettleInput(admission, WangFang, "390", 144.00m, useAccount: false, inpatient: true));

        Assert.Equal((false, RefusalCode.NotDischarged), (reply.Ok, reply.Code));
        Assert.Equal("尚未办理出院：出院结算前须先办理出院（在就诊页点击“办理出院”）；如需不出院先结算，请勾选“中途结算（未出院）”后重新预结算", reply.Error);
        Assert.Equal($"就诊 {admission} 尚未办理出院，出院结算前须先办理出院（2402）；中途结算请传 mid_setl_flag = 1", reply.ApiError);
        // on PostgreSQL a settlement is decided in a group, which hands the refusal back with its answer
        Assert.Equal(Platform.Database.Provider == DbProvider.Postgres ? answeredByGroups + 1 : answeredByGroups, Answered());

        long Answered() => JsonSerializer.SerializeToElement(Platform.Groups.Figures()).GetProperty("answered").GetInt64();
    }

    private static readonly object FindZhangWei = new { data = new { mdtrt_cert_type = "02", mdtrt_cert_no = "220102197503120110", psn_cert_type = "01" } };

    [Fact]
    public async Task The_window_signs_in_again_when_its_sign_in_was_signed_out()
    {
        var found = await Window.CallAsync(JilinCentral, "收费员小李", "1101", FindZhangWei);
        Assert.True(found.Ok, found.ApiError);
        await using var connection = await Platform.Database.OpenConnectionAsync();
        const string WindowSignIns = "SELECT sign_no FROM sign_ins WHERE fixmedins_code = @JilinCentral AND opter_no = 'WEB' ORDER BY sign_time, sign_no";
        var signNo = Assert.Single(await connection.QueryAsync<string>(WindowSignIns, new { JilinCentral }));
        (await Platform.CallAsync("9002", JilinCentral, new { signOut = new { sign_no = signNo, opter_no = "001" } })).ShouldSucceed();

        var reply = await Window.CallAsync(JilinCentral, "收费员小李", "1101", FindZhangWei);

        Assert.True(reply.Ok, reply.ApiError);
        Assert.Equal(2, (await connection.QueryAsync<string>(WindowSignIns, new { JilinCentral })).Count());
    }

    [Fact]
    public async Task An_answer_from_the_store_has_no_code_and_is_worded_from_its_text()
    {
        var msgid = await Window.NewMsgidAsync(JilinCentral);
        var filing = new { data = new { psn_no = ZhangWei, insutype = "310", begndate = "2026-03-15", dise_codg = "J18.9", dise_name = "肺炎" } };
        var filed = await Window.CallAsync(JilinCentral, "收费员小李", "2551", filing, msgid);
        Assert.True(filed.Ok, filed.ApiError);
        var sn = filed.Output.GetProperty("trt_dcla_detl_sn").GetString();

        var reply = await Window.CallAsync(JilinCentral, "收费员小李", "2552", new { data = new { trt_dcla_detl_sn = sn, psn_no = ZhangWei } }, msgid);

        Assert.Equal((false, null, null), (reply.Ok, reply.Code, reply.Field));
        Assert.Equal($"msgid {msgid} 已用于另一笔交易（2551），同一 msgid 不能携带不同的内容；请使用新的 msgid", reply.ApiError);
        Assert.Equal($"msgid {msgid} 已用于另一笔交易（在收费窗口点击“备案并核定”），同一 msgid 不能携带不同的内容；请使用新的 msgid", reply.Error);
    }
}

public sealed class WindowRefusalTests_Sqlite() : WindowRefusalTests(new SqliteTarget());

public sealed class WindowRefusalTests_Postgres() : WindowRefusalTests(new PostgresTarget());
