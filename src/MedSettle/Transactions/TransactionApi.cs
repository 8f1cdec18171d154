using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using MedSettle.Storage;
using MedSettle.Transactions.Groups;
using MedSettle.Transactions.Requests;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;

namespace MedSettle.Transactions;

/// <summary>
/// <c>POST /fsi/api/rsfComIfsService/callService</c>: the national platform's envelope, dispatch by infno, and the
/// exactly-once rule. A state-changing transaction claims its (hospital, msgid), acts, and stores its response in
/// one database transaction; a refusal rolls all of it back.
/// </summary>
public static class TransactionApi
{
    /// <summary>The answer to a request that failed unexpectedly (HTTP 500): whether it was done is not known here.</summary>
    public const string OutcomeUnknown =
        "平台内部错误，本次请求的结果未能确认（可能未办理，也可能已办理而应答丢失）：请用同一 msgid 原样重发，已办理的返回原应答，未办理的重新办理，不会重复办理";

    public const string Path = "/fsi/api/rsfComIfsService/callService";

    /// <summary>The national platform's limit on a transaction's input (交易输入 ≤ 40000 characters).</summary>
    public const int MaxInputCharacters = 40_000;

    /// <summary>Without these the body is no envelope (HTTP 400); input is the transaction's own, refused by name.</summary>
    private static readonly string[] EnvelopeFields = ["infno", "msgid", "fixmedins_code"];

    /// <summary>Local transaction codes real clients send for a national one (2203A: 就诊信息上传 as some provinces number it).</summary>
    public static readonly IReadOnlyDictionary<string, string> InfnoAliases = new Dictionary<string, string> { ["2203A"] = "2203" };

    /// <summary>Whether the platform serves transaction <paramref name="infno"/> (a national code, not an alias).</summary>
    public static bool Serves(string infno) => Kinds.ContainsKey(infno);

    /// <summary>Larger bodies are refused before they are parsed.</summary>
    public const int MaxBodyBytes = 256 * 1024;

    /// <summary>Every transaction served: its request record and how its input is read into it, its handler (see <see cref="TransactionKind"/>).</summary>
    public static readonly IReadOnlyDictionary<string, TransactionKind> Kinds = ((TransactionKind[])
    [
        TransactionKind.Of("9001", "签到", true, SignInRequest.Read, SignIn.SignInAsync),
        TransactionKind.Of("9002", "签退", true, SignOutRequest.Read, SignIn.SignOutAsync),
        TransactionKind.Of("1101", "人员信息获取", false, PersonInfoRequest.Read, PersonInfo.QueryAsync),
        TransactionKind.Of("5301", "人员慢特病备案查询", false, ChronicDiseaseFilingQuery.Read, ChronicDiseaseFilings.QueryAsync),
        TransactionKind.Of("5201", "就诊信息查询", false, VisitQuery.Read, VisitQueries.VisitsAsync),
        TransactionKind.Of("5203", "结算信息查询", false, SettlementQuery.Read, VisitQueries.SettlementAsync),
        TransactionKind.Of("5204", "费用明细查询", false, FeeDetailQuery.Read, VisitQueries.FeeDetailsAsync),
        TransactionKind.Of("5205", "人员慢特病用药记录查询", false, MedicationRecordQuery.Read, ChronicDiseaseFilings.MedicationRecordsAsync),
        TransactionKind.Of("5206", "人员累计信息查询", false, AccumulationQuery.Read, Accumulations.QueryAsync),
        TransactionKind.Of("1201", "医疗机构信息获取", false, InstitutionQuery.Read, Institutions.QueryAsync),
        TransactionKind.Of("1901", "字典表查询", false, DictionaryQuery.Read, Dictionaries.QueryAsync),
        .. CatalogueLists.ByInfno.Values.Select(list =>
            TransactionKind.Of(list.Infno, list.Name, false, CatalogueDownloadRequest.Read, CatalogueDownloads.DownloadAsync, storesFiles: true)),
        TransactionKind.Of("1312", "医保目录信息查询", false, CatalogueQuery.Read, CatalogueQueries.InformationAsync),
        TransactionKind.Of("1318", "医保目录限价查询", false, CatalogueQuery.Read, CatalogueQueries.PriceCeilingsAsync),
        TransactionKind.Of("1319", "医保目录先自付比例查询", false, CatalogueQuery.Read, CatalogueQueries.SelfPayRatiosAsync),
        TransactionKind.Of("2551", "异地急诊备案", true, FilingRequest.Read, Filings.FileAsync),
        TransactionKind.Of("2552", "异地急诊备案撤销", true, FilingRevocationRequest.Read, Filings.RevokeAsync),
        TransactionKind.Of("2201", "门诊挂号", true, input => VisitOpeningRequest.Read(input, VisitKind.Outpatient), Visits.RegisterOutpatientAsync),
        TransactionKind.Of("2202", "门诊挂号撤销", true, VisitRequest.Read, Visits.CancelOutpatientAsync),
        TransactionKind.Of("2203", "门诊就诊信息上传", true, OutpatientInfoRequest.Read, Visits.UploadOutpatientInfoAsync),
        TransactionKind.Of("2204", "门诊费用明细上传", true, FeeUploadRequest.Read, (ctx, request) => Fees.UploadAsync(ctx, request, VisitKind.Outpatient)),
        TransactionKind.Of("2205", "门诊费用明细撤销", true, FeeWithdrawalRequest.Read, (ctx, request) => Fees.WithdrawAsync(ctx, request, VisitKind.Outpatient)),
        TransactionKind.Of("2206", "门诊预结算", false, input => SettlementRequest.Read(input, VisitKind.Outpatient), Settle.PreSettleAsync),
        TransactionKind.Of("2207", "门诊结算", true, input => SettlementRequest.Read(input, VisitKind.Outpatient), Settle.SettleAsync,
            settles: VisitKind.Outpatient),
        TransactionKind.Of("2208", "门诊结算撤销", true, SettlementReversalRequest.Read, (ctx, request) => Settle.ReverseAsync(ctx, request, VisitKind.Outpatient)),
        TransactionKind.Of("2401", "入院办理", true, input => VisitOpeningRequest.Read(input, VisitKind.Inpatient), Visits.AdmitAsync),
        TransactionKind.Of("2402", "出院办理", true, DischargeRequest.Read, Visits.DischargeAsync),
        TransactionKind.Of("2404", "入院撤销", true, VisitRequest.Read, Visits.CancelAdmissionAsync),
        TransactionKind.Of("2405", "出院撤销", true, VisitRequest.Read, Visits.CancelDischargeAsync),
        TransactionKind.Of("2301", "住院费用明细上传", true, FeeUploadRequest.Read, (ctx, request) => Fees.UploadAsync(ctx, request, VisitKind.Inpatient)),
        TransactionKind.Of("2302", "住院费用明细撤销", true, FeeWithdrawalRequest.Read, (ctx, request) => Fees.WithdrawAsync(ctx, request, VisitKind.Inpatient)),
        TransactionKind.Of("2303", "住院预结算", false, input => SettlementRequest.Read(input, VisitKind.Inpatient), Settle.PreSettleAsync),
        TransactionKind.Of("2304", "住院结算", true, input => SettlementRequest.Read(input, VisitKind.Inpatient), Settle.SettleAsync,
            settles: VisitKind.Inpatient),
        TransactionKind.Of("2305", "住院结算撤销", true, SettlementReversalRequest.Read, (ctx, request) => Settle.ReverseAsync(ctx, request, VisitKind.Inpatient)),
        TransactionKind.Of("2601", "冲正交易", true, UndoRequest.Read, Reversal.UndoAsync),
        TransactionKind.Of("3201", "医药机构费用结算对总账", false, ReconcileTotalsRequest.Read, Reconcile.TotalsAsync),
        TransactionKind.Of("3202", "医药机构费用结算对明细账", false, ReconcileDetailsRequest.Read, Reconcile.DetailsAsync, storesFiles: true),
        TransactionKind.Of("3301", "目录对照上传", true, ItemMappingUpload.Read, ItemMappings.UploadAsync),
        TransactionKind.Of("3302", "目录对照撤销", true, ItemMappingWithdrawal.Read, ItemMappings.WithdrawAsync),
        TransactionKind.Of("3260", "提取异地清分明细", false, ClearingPullRequest.Read, ClearingDetail.PullAsync),
        TransactionKind.Of("3261", "异地清分结果确认", true, ClearingConfirmRequest.Read, ClearingDetail.ConfirmAsync),
        TransactionKind.Of("9101", "文件上传", true, FileUploadRequest.Read, Files.UploadAsync, carriesFile: true),
        TransactionKind.Of("9102", "文件下载", false, FileDownloadRequest.Read, Files.DownloadAsync),
    ]).ToDictionary(k => k.Infno);

    public static IEndpointRouteBuilder MapTransactionApi(this IEndpointRouteBuilder app)
    {
        app.MapPost(Path, HandleAsync);
        app.MapPost(JilinGateway.CallPath, HandleAsync);
        app.MapJilinGateway();
        return app;
    }

    /// <summary>
    /// One signed request over HTTP. Nothing of the body is read before its declared length and the signature headers are
    /// checked (an anonymous or oversized request is refused at once, whatever it sends after its headers); the body is then
    /// read only up to <see cref="MaxBodyBytes"/> (a chunked body too), and hashed as it streams in. A refusal given before
    /// the body was read to its end is sent first and the connection closed after it; what the client is still sending is
    /// then read and discarded, up to <see cref="LingerBytes"/> and <see cref="LingerTime"/>, so that the client reads the
    /// refusal instead of a connection reset (closing a socket with unread data resets it).
    /// </summary>
    private static async Task HandleAsync(HttpContext context, Database database, PlatformClock clock, ILoggerFactory logging,
        [FromServices] TransactionSettings settings, [FromServices] SettlementGroups groups)
    {
        var request = context.Request;
        var cancel = context.RequestAborted;
        // The server's own cut for this request (instead of its 30 MB default): ReadBodyAsync enforces MaxBodyBytes to the
        // byte; the server stops a body that runs on past what is lingered over, even unread.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            limit.MaxRequestBodySize = LingerBytes;
        var bodyRead = false;
        int status;
        string body;
        Files.Download? file = null;
        try
        {
            (status, body, file) = await AnswerAsync();
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            (status, body) = (e.StatusCode, Responses.Failure(clock.Now, clock, TooLarge(request.ContentLength)));
        }
        catch (BadHttpRequestException e)
        {
            (status, body) = (e.StatusCode, Responses.Failure(clock.Now, clock, "请求体未能完整读取（连接中断、超时或分块编码有误），本次请求未改变任何数据：请用同一 msgid 重发"));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Rolled back, unless what failed was the commit's acknowledgement: then it may have committed. The client is told
            // only what is true, and how to learn the outcome: the same msgid again is answered once, either way.
            logging.CreateLogger(typeof(TransactionApi)).LogError(e, "Transaction failed unexpectedly; its outcome is unknown (rolled back unless the commit's acknowledgement was lost)");
            (status, body) = (500, Responses.Failure(clock.Now, clock, OutcomeUnknown));
        }

        var response = context.Response;
        response.StatusCode = status;
        byte[] answer;
        if (file is not null)
        {
            // 9102 answers the file itself, as the national platform does; a refusal is the JSON envelope
            answer = file.Content;
            response.ContentType = "application/octet-stream";
            response.Headers.ContentDisposition = new System.Net.Http.Headers.ContentDispositionHeaderValue("attachment")
                { FileNameStar = file.Filename }.ToString();
        }
        else
        {
            answer = Encoding.UTF8.GetBytes(body);
            response.ContentType = "application/json; charset=utf-8";
        }
        response.ContentLength = answer.Length;
        var linger = !bodyRead && request.ContentLength is not 0;
        if (linger) response.Headers.Connection = "close";
        await response.Body.WriteAsync(answer, cancel);
        await response.CompleteAsync();
        if (linger) await DiscardRestAsync(request, cancel);

        async Task<(int, string, Files.Download?)> AnswerAsync()
        {
            if (request.ContentLength > MaxBodyBytes)
                return (StatusCodes.Status413PayloadTooLarge, Responses.Failure(clock.Now, clock, TooLarge(request.ContentLength)), null);
            var bearer = request.Headers.Authorization.ToString() is var authorization && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                ? authorization[7..].Trim() : null;
            var headers = bearer is not null
                ? await JilinGateway.CheckBearerAsync(context, bearer, cancel)
                : await HospitalSignature.CheckHeadersAsync(context, cancel);
            if (headers.Claim is not { } claim)
                return (headers.Status, Responses.Failure(clock.Now, clock, headers.Message), null);
            if (await ReadBodyAsync(request, cancel) is not { } read)
                return (StatusCodes.Status413PayloadTooLarge, Responses.Failure(clock.Now, clock, TooLarge(request.ContentLength)), null);
            bodyRead = true;
            var body = read.Bytes;
            JilinGateway.Opened? opened = null;
            if (claim.Scheme == SigningScheme.Sm)
            {
                (opened, var refusal) = JilinGateway.Open(body, claim, clock);
                if (opened is null) return (StatusCodes.Status401Unauthorized, Responses.Failure(clock.Now, clock, refusal!), null);
                (body, claim) = (opened.Body, claim with { Nonce = opened.Nonce, Timestamp = opened.Timestamp });
            }
            var signature = HospitalSignature.VerifyBody(context, claim, read.Sha256);
            if (signature.Refused) return (signature.Status, Responses.Failure(clock.Now, clock, signature.Message), null);
            var (status, answer, file) = await CallForFileAsync(database, clock, body, cancel, signature.Hospital, signature.Nonce, settings: settings, groups: groups);
            // a sealed answer stays sealed: the file is then the envelope's output.in (Base64), encrypted with the rest
            return opened is { EncryptAnswer: true } ? (status, JilinGateway.Seal(answer, claim.Paasid), null) : (status, answer, file);
        }
    }

    /// <summary>How much of a refused body is read and thrown away so that its sender can read the refusal.</summary>
    private const int LingerBytes = 1024 * 1024;

    private static readonly TimeSpan LingerTime = TimeSpan.FromSeconds(2);

    private static async Task DiscardRestAsync(HttpRequest request, CancellationToken aborted)
    {
        if (request.ContentLength > LingerBytes) return;
        using var linger = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        linger.CancelAfter(LingerTime);
        var buffer = new byte[16 * 1024];
        try
        {
            while (await request.Body.ReadAsync(buffer, linger.Token) > 0) { }
        }
        catch (Exception e) when (e is BadHttpRequestException or IOException or OperationCanceledException)
        {
            // the client sent more than is lingered over, went away or stalled: the server closes the connection
        }
    }

    private static string TooLarge(long? contentLength) =>
        $"请求体{(contentLength is { } length ? $"（{length} 字节）" : "")}超过 {MaxBodyBytes} 字节（{MaxBodyBytes / 1024} KB）：交易输入不能超过 {MaxInputCharacters} 个字符，费用明细请分批上传；文件上传（9101）的文件不能超过 {Files.MaxBytes / 1024} KB";

    /// <summary>The body and its SHA-256, read in a buffer that never grows past <see cref="MaxBodyBytes"/>; null for a longer body.</summary>
    private static async Task<(byte[] Bytes, byte[] Sha256)?> ReadBodyAsync(HttpRequest request, CancellationToken cancel)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        // one byte more than the limit: a body that fills it is too long
        var buffer = new byte[Math.Min(request.ContentLength ?? 16 * 1024, MaxBodyBytes) + 1];
        var filled = 0;
        while (true)
        {
            if (filled == buffer.Length) Array.Resize(ref buffer, Math.Min(buffer.Length * 2, MaxBodyBytes + 1));
            var read = await request.Body.ReadAsync(buffer.AsMemory(filled), cancel);
            if (read == 0) break;
            hash.AppendData(buffer, filled, read);
            filled += read;
            if (filled > MaxBodyBytes) return null;
        }
        return (buffer.AsSpan(0, filled).ToArray(), hash.GetHashAndReset());
    }

    /// <summary>
    /// One call of the transaction API: the raw request body in, the HTTP status and response body out. Over HTTP,
    /// <paramref name="signedBy"/> is the hospital the signature proved, and the envelope must speak for it; in-process
    /// callers (the window, the simulator) are trusted and pass null. The signature's <paramref name="nonce"/> is recorded
    /// before the request acts (a nonce recorded before: HTTP 401, nothing done); a refusal of the envelope itself does
    /// nothing and records nothing. The audit log's channel and actor follow from how the request arrived, never from
    /// the body: over HTTP the channel is the API and the actor the credential (with the operator the HIS declares, as
    /// declared); <paramref name="windowAccount"/> is the signed-in account of the platform's own window, in process.
    /// <paramref name="settings"/> are the province's (<see cref="TransactionSettings"/>; every default when none are given).
    /// </summary>
    public static Task<(int Status, string Body)> CallAsync(Database database, PlatformClock clock, byte[] body, CancellationToken cancel = default,
        string? signedBy = null, HospitalSignature.Nonce? nonce = null, string? windowAccount = null, TransactionSettings? settings = null,
        SettlementGroups? groups = null) =>
        CallAsync(database, clock, body, signedBy, nonce, windowAccount, settings, groups, answered: null, cancel);

    /// <summary>
    /// <see cref="CallAsync(Database, PlatformClock, byte[], CancellationToken, string?, HospitalSignature.Nonce?, string?, TransactionSettings?, SettlementGroups?)"/>,
    /// and the file a successful 9102 answers (its envelope carries it too, Base64 in <c>output.in</c>); null for any other answer.
    /// </summary>
    public static async Task<(int Status, string Body, Files.Download? File)> CallForFileAsync(Database database, PlatformClock clock, byte[] body,
        CancellationToken cancel = default, string? signedBy = null, HospitalSignature.Nonce? nonce = null, string? windowAccount = null,
        TransactionSettings? settings = null, SettlementGroups? groups = null)
    {
        var answered = new AnswerSlot();
        var (status, answer) = await CallAsync(database, clock, body, signedBy, nonce, windowAccount, settings, groups, answered, cancel);
        return (status, answer, answered.File);
    }

    /// <summary>
    /// <see cref="CallAsync(Database, PlatformClock, byte[], CancellationToken, string?, HospitalSignature.Nonce?, string?, TransactionSettings?, SettlementGroups?)"/>
    /// for an in-process caller (the window), and the refusal behind an answer of infcode -1: its code and the field it
    /// concerns, which the envelope does not carry. Null for any other answer, and for a failure no refusal made (a body
    /// that is no envelope, HTTP 400; an unexpected failure, HTTP 500) or an answer to a msgid seen before (from the store,
    /// or why there is none): then only the body's err_msg says it.
    /// </summary>
    public static async Task<(int Status, string Body, Refusal? Refusal)> CallWithRefusalAsync(Database database, PlatformClock clock, byte[] body,
        string? windowAccount = null, TransactionSettings? settings = null, SettlementGroups? groups = null, CancellationToken cancel = default)
    {
        var answered = new AnswerSlot();
        var (status, answer) = await CallAsync(database, clock, body, signedBy: null, nonce: null, windowAccount, settings, groups, answered, cancel);
        return (status, answer, answered.Refusal);
    }

    /// <summary>
    /// What an answer carries besides its body, for in-process callers: the file a read-only transaction answers (9102), the
    /// refusal it was refused with.
    /// </summary>
    private sealed class AnswerSlot
    {
        public Files.Download? File { get; set; }

        public Refusal? Refusal { get; set; }
    }

    private static async Task<(int Status, string Body)> CallAsync(Database database, PlatformClock clock, byte[] body,
        string? signedBy, HospitalSignature.Nonce? nonce, string? windowAccount, TransactionSettings? settings, SettlementGroups? groups,
        AnswerSlot? answered, CancellationToken cancel)
    {
        settings ??= TransactionSettings.Defaults;
        var received = clock.Now;
        if (body.Length > MaxBodyBytes)
            return (400, Responses.Failure(received, clock, $"请求体过大（{body.Length} 字节）：交易输入不能超过 {MaxInputCharacters} 个字符"));
        if (!Utf8.IsValid(body))
            return (400, Responses.Failure(received, clock, "请求体不是有效的 UTF-8 文本：请以 UTF-8 编码发送报文"));
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 32 });
        }
        catch (JsonException)
        {
            return (400, Responses.Failure(received, clock, "请求体不是有效的JSON，请按接口规范发送报文"));
        }
        // The parser leaves \u escapes unchecked; one that stands for half a character (\uD800-\uDFFF) would fail every
        // later read of it. Only a body with such an escape is walked.
        if ((body.AsSpan().IndexOf("\\ud"u8) >= 0 || body.AsSpan().IndexOf("\\uD"u8) >= 0) && !WellFormedText(document.RootElement))
        {
            document.Dispose();
            return (400, Responses.Failure(received, clock, "请求体含有无效的 \\u 转义（不成对的代理项），请按接口规范发送报文"));
        }

        using (document)
        {
            var root = document.RootElement;
            if (MissingEnvelopeField(root) is { } missing)
                return (400, Responses.Failure(received, clock, $"请求缺少报文头字段 {missing}：报文头需要 infno、msgid、fixmedins_code 与 input"));

            var envelope = new Input(root, "报文头");
            try
            {
                var infno = envelope.Text("infno");
                var msgid = envelope.Text("msgid");
                var fixmedinsCode = envelope.OptionalText("fixmedins_code") ?? envelope.Text("medins_code"); // medins_code: as some clients name it
                if (signedBy is not null && signedBy != fixmedinsCode)
                    return (401, Responses.Failure(received, clock, $"报文头 fixmedins_code {fixmedinsCode} 与凭证 x-tif-paasid 所属机构 {signedBy} 不一致：只能以本机构身份办理交易"));
                if (msgid.Length > 30) throw new Refusal($"msgid \"{msgid}\" 超过30位（定点医药机构编号12位+时间14位+顺序号4位）");
                if (!Kinds.TryGetValue(settings.InfnoAliases.GetValueOrDefault(infno, infno), out var kind))
                    throw new Refusal($"不支持的交易编号 {infno}：本平台办理省内异地急诊直接结算相关交易");

                root.TryGetProperty("input", out var inputElement);
                // Some HIS clients send input as a string holding the JSON object ("input":"{\"data\":{…}}"): read what it holds.
                using var inputText = inputElement.ValueKind == JsonValueKind.String ? InputFromString(inputElement, kind) : null;
                if (inputText is not null) inputElement = inputText.RootElement;
                var input = inputElement.ValueKind == JsonValueKind.Object
                    ? new Input(inputElement, "input")
                    : throw new Refusal("缺少输入节点 input");
                if (!kind.CarriesFile && inputElement.GetRawText().Length > MaxInputCharacters)
                    throw new Refusal($"交易输入超过 {MaxInputCharacters} 个字符，请分批上传（如费用明细分多次 2204）");
                EnsureOneHomeRegion(envelope, input);

                var caller = new Caller(fixmedinsCode, msgid, Actor(envelope, signedBy is null ? null : nonce?.Paasid, windowAccount),
                    signedBy is null && windowAccount is not null ? PersonalDataReads.Web : PersonalDataReads.Api, envelope.OptionalText("sign_no"));
                var mayHaveCommitted = false;
                // A settlement is read when queued for its group; one whose input is refused runs alone, to be refused in the
                // usual order (after an unknown hospital or a missing sign-in). One the group sends back keeps what was read.
                SettlementRequest? settlement = null;
                if (kind.Settles is not null && database.Provider == DbProvider.Postgres && groups?.Database == database
                    && (settlement = kind.TryRead(input) as SettlementRequest) is not null)
                {
                    try
                    {
                        var request = new GroupRequest(kind, settlement, caller, nonce, Hash(kind.Infno, input.Element), received, clock, settings);
                        var response = await groups.SubmitAsync(request);
                        if (answered is not null) answered.Refusal = request.Refusal;
                        return (200, response);
                    }
                    catch (RunAlone alone)
                    {
                        // It is settled (or refused) on its own below. Nothing of it was committed, its nonce neither, unless
                        // its group's commit went out and the answer was lost: then that commit may have recorded the nonce.
                        mayHaveCommitted = alone.MayHaveCommitted;
                    }
                    catch (HospitalSignature.NonceReused)
                    {
                        return (401, Responses.Failure(received, clock, nonce!.Reused));
                    }
                }
                if (nonce is not null && !await HospitalSignature.RecordAsync(database, nonce, clock.UtcNow.ToUnixTimeSeconds(), cancel))
                {
                    if (!mayHaveCommitted) return (401, Responses.Failure(received, clock, nonce.Reused));
                    // Recorded by this very request's group, whose commit went through unseen: its stored answer is the answer.
                    if (await StoredAnswerAsync(database, kind, caller, input, cancel) is { } stored) return (200, stored);
                    // Nothing stored: that group refused it (a refusal stores nothing and changes nothing), or a copy of this
                    // signed request spent the nonce first and was refused. No answer stands for its msgid: it is decided below.
                    // (A copy sent afterwards finds the nonce spent and gets the 401.)
                }
                return (200, kind.ChangesState
                    ? await ExactlyOnceAsync(database, clock, kind, caller, input, settlement, received, settings, answered, cancel)
                    : await ReadOnlyAsync(database, clock, kind, caller, input, received, settings, answered, cancel));
            }
            catch (Refusal refusal)
            {
                if (answered is not null) answered.Refusal = refusal;
                return (200, Responses.Failure(received, clock, refusal.Message));
            }
        }
    }

    /// <summary>
    /// Some HIS clients repeat the envelope's insuplc_admdvs inside input (Jilin's for 2203, 2205, 2206 and 2207; 2401 has it in
    /// mdtrtinfo): in input itself, input.data or input.mdtrtinfo. A copy that agrees with the envelope, or stands where the
    /// envelope has none, is accepted and read no further (the home region is the person's, as 1101 answers it); one that
    /// differs from the envelope's is refused, since the message would then name two home regions.
    /// </summary>
    private static void EnsureOneHomeRegion(Input envelope, Input input)
    {
        if (envelope.OptionalText("insuplc_admdvs") is not { } declared) return;
        foreach (var node in (string?[])[null, "data", "mdtrtinfo"])
        {
            var inner = node is null ? input
                : input.Element.TryGetProperty(node, out var element) && element.ValueKind == JsonValueKind.Object ? new Input(element, $"input.{node}") : null;
            if (inner?.OptionalText("insuplc_admdvs") is { } repeated && repeated != declared)
                throw new Refusal($"{inner.Path}.insuplc_admdvs {repeated} 与报文头 insuplc_admdvs {declared} 不一致：参保地医保区划只能有一个，"
                                  + "请取人员信息获取（1101）返回的 insuinfo.insuplc_admdvs，报文头与输入一致后重新发送");
        }
    }

    /// <summary>What the platform's own window (Web/WindowClient) puts in recer_sys_code: for the record only, it proves nothing.</summary>
    public const string WebSystemCode = "MEDSETTLE_WEB";

    /// <summary>
    /// Who acted, for the audit log: the credential (<paramref name="paasid"/>) of a signed request, with the operator its HIS
    /// declares marked as declared; the window's signed-in account; or, in process, the operator the envelope names.
    /// </summary>
    private static string Actor(Input envelope, string? paasid, string? windowAccount)
    {
        var opter = envelope.OptionalText("opter");
        var name = envelope.OptionalText("opter_name");
        var declared = opter is null && name is null ? "" : name is null || name == opter ? opter ?? name! : $"{opter} {name}";
        if (paasid is not null) return declared == "" ? paasid : $"{paasid}（HIS 申报操作员：{declared}）";
        if (windowAccount is not null) return name is null || name == windowAccount ? windowAccount : $"{windowAccount} {name}";
        return declared;
    }

    private static async Task<string> ReadOnlyAsync(Database database, PlatformClock clock, TransactionKind kind, Caller caller,
        Input input, DateTime received, TransactionSettings settings, AnswerSlot? answered, CancellationToken cancel)
    {
        // A read of personal data commits its audit row, and only its audit row; a read that keeps a file for the hospital
        // (3202's result) commits the file; any other read changes nothing.
        if (PersonalDataReads.Transactions.ContainsKey(kind.Infno) || kind.StoresFiles)
            return await database.WriteAsync(AnswerAsync, cancel);
        return (await database.ReadAsync(AnswerAsync, cancel)).Response;

        async Task<(string Response, bool Answered)> AnswerAsync(UnitOfWork unit)
        {
            try
            {
                var context = await ContextAsync(unit, kind, caller, input, read: null, received, settings);
                var output = await kind.Handle(context);
                await AuditAsync(context, caller);
                if (answered is not null) answered.File = context.Download;
                return (Responses.Success(received, clock, output, context.Warning), true);
            }
            catch (Refusal refusal)
            {
                if (answered is not null) answered.Refusal = refusal;
                return (Responses.Failure(received, clock, refusal.Message), false);
            }
        }
    }

    /// <summary>
    /// Writes the audit row of an answer that shows a person's name and identity number, in the answer's own transaction;
    /// a settlement's or reversal's was written with its effects (<see cref="TransactionContext.AuditWithEffects"/>).
    /// </summary>
    private static async Task AuditAsync(TransactionContext context, Caller caller)
    {
        if (context.AuditedWithEffects || !PersonalDataReads.Transactions.TryGetValue(context.Infno, out var purpose)) return;
        var read = context.PersonalDataRead;
        if (read is null)
        {
            if (context.Request is not IPersonRequest { PsnNo: { } psnNo }) return;
            read = new PersonalDataRead(psnNo, null, purpose); // the home region is looked up by the insert itself: no extra round trip
        }
        await PersonalDataReads.WriteAsync(context.Db, context.Now, caller.Channel, caller.Actor, caller.FixmedinsCode,
            $"{context.Infno} {Kinds[context.Infno].Name}", read, caller.Msgid);
    }

    /// <summary>A state-changing request, exactly once by msgid; <paramref name="read"/>: its input as already read (a settlement a group sent back), or null.</summary>
    private static async Task<string> ExactlyOnceAsync(Database database, PlatformClock clock, TransactionKind kind, Caller caller,
        Input input, object? read, DateTime received, TransactionSettings settings, AnswerSlot? answered, CancellationToken cancel)
    {
        var (fixmedinsCode, msgid) = (caller.FixmedinsCode, caller.Msgid);
        var inputHash = Hash(kind.Infno, input.Element);
        Refusal? refused = null;
        var answer = await database.WriteAsync(async unit =>
        {
            try
            {
                var claimed = await unit.ExecuteAsync(
                    """
                    INSERT INTO messages (fixmedins_code, msgid, infno, input_hash, state, received_at)
                    VALUES (@fixmedinsCode, @msgid, @infno, @inputHash, 'pending', @receivedAt)
                    ON CONFLICT (fixmedins_code, msgid) DO NOTHING
                    """,
                    new { fixmedinsCode, msgid, infno = kind.Infno, inputHash, receivedAt = received.ToText() });
                if (claimed == 0)
                {
                    // a replay that shows a person's name again is a read of it: its audit row is the one thing committed
                    var replay = await Responses.ReplayAsync(unit, await StoredAsync(unit, fixmedinsCode, msgid), clock, caller, kind.Infno, inputHash, received);
                    return (replay.Response, replay.Audited);
                }

                var context = await ContextAsync(unit, kind, caller, input, read, received, settings);
                var output = await kind.Handle(context);
                await AuditAsync(context, caller);
                var response = Responses.Success(received, clock, output, context.Warning);
                await unit.ExecuteAsync(
                    "UPDATE messages SET state = 'done', subject = @subject, response = @response WHERE fixmedins_code = @fixmedinsCode AND msgid = @msgid",
                    new { subject = context.Subject, response = StoredResponses.Redact(response), fixmedinsCode, msgid });
                return (response, true);
            }
            catch (Refusal refusal)
            {
                if (answered is not null) answered.Refusal = refusal;
                refused = refusal;
                return (Responses.Failure(received, clock, refusal.Message), false);
            }
        }, cancel);
        // rolled back with the rest of the refused upload, the codes it sent without a mapping are counted on their own
        if (refused is { UnmappedCodes.Count: > 0 })
            await ItemMappings.CountMissesAsync(database, fixmedinsCode, msgid, received, refused.UnmappedCodes, cancel);
        return answer;
    }

    private static Task<MessageRow?> StoredAsync(UnitOfWork unit, string fixmedinsCode, string msgid) =>
        unit.FirstOrDefaultAsync<MessageRow>("SELECT * FROM messages WHERE fixmedins_code = @fixmedinsCode AND msgid = @msgid", new { fixmedinsCode, msgid });

    /// <summary>The stored answer to this msgid with this same input, if one was committed; nothing else is read or changed.</summary>
    private static async Task<string?> StoredAnswerAsync(Database database, TransactionKind kind, Caller caller, Input input, CancellationToken cancel)
    {
        return await database.ReadAsync(async unit =>
            await StoredAsync(unit, caller.FixmedinsCode, caller.Msgid) is { State: "done", Response: { } response } stored
            && Responses.IsAnswerTo(stored, kind.Infno, Hash(kind.Infno, input.Element))
                ? (await StoredResponses.RestoreAsync(unit, response)).Response // this request's own answer, audited when it was made
                : null, cancel);
    }

    /// <summary>
    /// The request's hospital and its sign-in, then its input read into the transaction's request record (unless
    /// <paramref name="read"/> already holds it): an input refused is refused after a hospital unknown or not signed in.
    /// </summary>
    private static async Task<TransactionContext> ContextAsync(UnitOfWork unit, TransactionKind kind, Caller caller, Input input, object? read,
        DateTime received, TransactionSettings settings)
    {
        var (fixmedinsCode, msgid) = (caller.FixmedinsCode, caller.Msgid);
        var hospital = await unit.FirstOrDefaultAsync<HospitalRow>(
            "SELECT * FROM hospitals WHERE fixmedins_code = @fixmedinsCode", new { fixmedinsCode })
            ?? throw new Refusal($"定点医药机构编号 {fixmedinsCode} 未在平台登记，请核对报文头 fixmedins_code");
        await SignIn.EnsureSignedInAsync(unit, kind, hospital, caller.SignNo);
        return new TransactionContext
        {
            Infno = kind.Infno,
            Msgid = msgid,
            Hospital = hospital,
            Request = read ?? kind.Read(input),
            Db = unit,
            Now = received,
            Caller = caller,
            Settings = settings,
        };
    }

    /// <summary>The first envelope field the body lacks (all of them when it is no object), or null.</summary>
    /// <summary>The object an <c>input</c> sent as a string holds; a string that holds no JSON object is refused by name.</summary>
    private static JsonDocument InputFromString(JsonElement text, TransactionKind kind)
    {
        var json = text.GetString()!;
        if (!kind.CarriesFile && json.Length > MaxInputCharacters)
            throw new Refusal($"交易输入超过 {MaxInputCharacters} 个字符，请分批上传（如费用明细分多次 2204）");
        JsonDocument? document = null;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 31 });
        }
        catch (JsonException)
        {
        }
        if (document is { RootElement.ValueKind: JsonValueKind.Object } && WellFormedText(document.RootElement)) return document;
        document?.Dispose();
        throw new Refusal("输入节点 input 是字符串，但其内容不是 JSON 对象：请发送 input 对象，或内容为 JSON 对象的字符串");
    }

    private static string? MissingEnvelopeField(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object) return EnvelopeFields[0];
        foreach (var field in EnvelopeFields)
            if (!root.TryGetProperty(field, out _) && !(field == "fixmedins_code" && root.TryGetProperty("medins_code", out _))) return field;
        return null;
    }

    /// <summary>Whether every name and text in the document reads as a whole character string (no lone surrogate escape).</summary>
    private static bool WellFormedText(JsonElement element)
    {
        try
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.String:
                    element.GetString();
                    return true;
                case JsonValueKind.Object:
                    foreach (var property in element.EnumerateObject())
                    {
                        _ = property.Name; // decodes the name, as any read of it would
                        if (!WellFormedText(property.Value)) return false;
                    }
                    return true;
                case JsonValueKind.Array:
                    foreach (var item in element.EnumerateArray())
                        if (!WellFormedText(item)) return false;
                    return true;
                default:
                    return true;
            }
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static string Hash(string infno, JsonElement input)
    {
        var canonical = infno + "\n" + JsonSerializer.Serialize(input);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }
}
