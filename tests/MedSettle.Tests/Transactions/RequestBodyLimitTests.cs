using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using MedSettle.Tests.Infrastructure;
using MedSettle.Transactions;
using static MedSettle.Tests.Transactions.WorkedExampleTests;

namespace MedSettle.Tests.Transactions;

/// <summary>
/// The transaction API reads no body before it knows the request may be served: an oversized declared length or
/// missing signature headers are answered at once, before the body arrives; a body is never read past
/// <see cref="TransactionApi.MaxBodyBytes"/>, with or without a declared length; the answer is always the envelope.
/// </summary>
public abstract class RequestBodyLimitTests(DatabaseTarget target) : PlatformTests(target, JilinCentral)
{
    /// <summary>Far more than any wait the server needs for an answer that does not depend on the body.</summary>
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(10);

    private string FilingBody(string padding = "") => JsonSerializer.Serialize(new Dictionary<string, object?>
    {
        ["infno"] = "2551", ["msgid"] = Platform.NewMsgid(JilinCentral), ["fixmedins_code"] = JilinCentral, ["sign_no"] = Platform.SignNos[JilinCentral],
        ["input"] = new { data = new { psn_no = ZhangWei, insutype = "310", begndate = "2026-03-15", dise_codg = "J18.9", dise_name = "肺炎" } },
    }) + padding;

    /// <summary>Sends only a request's head (the body it announces never follows) and reads the answer: status and envelope.</summary>
    private async Task<(int Status, JsonElement Envelope, TimeSpan After)> HeadOnlyAsync(string headers, int expectedStatus)
    {
        var address = Platform.Http.BaseAddress!;
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(address.Host, address.Port);
        var stream = tcp.GetStream();
        var timer = Stopwatch.StartNew();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"POST {RunningPlatform.Endpoint} HTTP/1.1\r\nHost: {address.Authority}\r\nContent-Type: application/json\r\n{headers}\r\n"));
        using var timeout = new CancellationTokenSource(Prompt);
        var received = new List<byte>();
        var buffer = new byte[8192];
        try
        {
            while (true)
            {
                var text = Encoding.UTF8.GetString(received.ToArray());
                var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
                if (end >= 0)
                {
                    var length = int.Parse(text[..end].Split("\r\n").Single(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))[15..].Trim(),
                        CultureInfo.InvariantCulture);
                    var bodyBytes = received.Skip(Encoding.UTF8.GetByteCount(text[..(end + 4)])).ToArray();
                    if (bodyBytes.Length >= length)
                    {
                        var status = int.Parse(text.Split(' ')[1], CultureInfo.InvariantCulture);
                        Assert.True(status == expectedStatus, $"expected HTTP {expectedStatus}, got after {timer.Elapsed}: {text}");
                        return (status, JsonDocument.Parse(bodyBytes.AsMemory(0, length)).RootElement.Clone(), timer.Elapsed);
                    }
                }
                var read = await stream.ReadAsync(buffer, timeout.Token);
                if (read == 0) Assert.Fail($"the server closed the connection without a whole answer: {text}");
                received.AddRange(buffer.AsSpan(0, read).ToArray());
            }
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"no answer within {Prompt.TotalSeconds} s: the server waited for a body it should not read");
            throw;
        }
    }

    private static void IsRefusalEnvelope(JsonElement envelope, string containing)
    {
        Assert.Equal(-1, envelope.GetProperty("infcode").GetInt32());
        Assert.Contains(containing, envelope.GetProperty("err_msg").GetString());
        Assert.True(envelope.TryGetProperty("inf_refmsgid", out _), envelope.GetRawText());
    }

    [Fact]
    public async Task An_anonymous_5_MB_request_is_refused_before_its_body_is_sent()
    {
        var (status, envelope, after) = await HeadOnlyAsync($"Content-Length: {5 * 1024 * 1024}\r\n", 413);

        Assert.Equal(413, status);
        IsRefusalEnvelope(envelope, $"超过 {TransactionApi.MaxBodyBytes} 字节");
        Assert.True(after < Prompt, $"answered after {after}");
    }

    [Fact]
    public async Task An_anonymous_chunked_request_is_refused_on_its_headers_before_any_body()
    {
        var (status, envelope, _) = await HeadOnlyAsync("Transfer-Encoding: chunked\r\n", 401);

        Assert.Equal(401, status);
        IsRefusalEnvelope(envelope, "缺少身份认证请求头");
    }

    [Fact]
    public async Task A_request_with_a_stale_timestamp_or_unknown_paasid_is_refused_before_its_body()
    {
        var body = FilingBody();
        var credential = Platform.Credentials[JilinCentral];
        string Head(IEnumerable<KeyValuePair<string, string>> signature) =>
            string.Concat(signature.Select(h => $"{h.Key}: {h.Value}\r\n")) + $"Content-Length: {Encoding.UTF8.GetByteCount(body)}\r\n";

        var stale = HospitalSignature.Headers(credential.Paasid, credential.Secret, Platform.Clock.GetUtcNow().AddMinutes(-6), Encoding.UTF8.GetBytes(body));
        var (status, envelope, _) = await HeadOnlyAsync(Head(stale), 401);
        Assert.Equal(401, status);
        IsRefusalEnvelope(envelope, "相差超过 5 分钟");

        var unknown = HospitalSignature.Headers("H22020000001-0000000000", credential.Secret, Platform.Clock.GetUtcNow(), Encoding.UTF8.GetBytes(body));
        (status, envelope, _) = await HeadOnlyAsync(Head(unknown), 401);
        Assert.Equal(401, status);
        IsRefusalEnvelope(envelope, "未在平台登记");
    }

    [Fact]
    public async Task A_signed_300_KB_body_is_refused_with_the_envelope_whether_its_length_is_declared_or_chunked()
    {
        var body = FilingBody(new string(' ', 300 * 1024));
        var before = await Fingerprint.OfAsync(Platform.Database);

        // again and again on pooled connections: the refusal must reach the client every time, never a reset connection
        foreach (var chunked in Enumerable.Repeat(new[] { false, true }, 10).SelectMany(modes => modes))
        {
            var (status, envelope) = await SendSignedAsync(body, chunked);
            Assert.True(status == 413, $"chunked={chunked}: expected HTTP 413, got {status}: {envelope.GetRawText()}");
            IsRefusalEnvelope(envelope, $"超过 {TransactionApi.MaxBodyBytes} 字节");
        }
        Assert.Equal(before, await Fingerprint.OfAsync(Platform.Database));
    }

    [Fact]
    public async Task A_signed_body_just_under_the_limit_is_served_whether_its_length_is_declared_or_chunked()
    {
        foreach (var chunked in new[] { false, true })
        {
            var body = FilingBody();
            body += new string(' ', TransactionApi.MaxBodyBytes - Encoding.UTF8.GetByteCount(body));
            var (status, envelope) = await SendSignedAsync(body, chunked);
            Assert.True(status == 200 && envelope.GetProperty("infcode").GetInt32() == 0, $"chunked={chunked}: {status} {envelope.GetRawText()}");
        }
    }

    /// <summary>POSTs a body signed with the hospital's credentials, with Content-Length or chunked (a stream of unknown length).</summary>
    private async Task<(int Status, JsonElement Envelope)> SendSignedAsync(string body, bool chunked)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        HttpContent content = chunked ? new StreamContent(new UnknownLengthStream(bytes)) : new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, RunningPlatform.Endpoint) { Content = content };
        if (chunked) request.Headers.TransferEncodingChunked = true;
        foreach (var (name, value) in Platform.SignatureOf(body, JilinCentral)) request.Headers.TryAddWithoutValidation(name, value);
        using var response = await Platform.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    /// <summary>A readable stream that does not tell its length, so that HttpClient sends it chunked.</summary>
    private sealed class UnknownLengthStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}

public sealed class RequestBodyLimitTests_Sqlite() : RequestBodyLimitTests(new SqliteTarget());

public sealed class RequestBodyLimitTests_Postgres() : RequestBodyLimitTests(new PostgresTarget());
