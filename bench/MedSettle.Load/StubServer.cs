using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace MedSettle.Load;

/// <summary>
/// stub-server: the transaction path's HTTP exchange with nothing behind it, for bench/run.sh's "HTTP floor". Each POST
/// to <see cref="Platform.Path"/> is read and parsed as JSON (as the real server must); a 9001 is answered with a sign_no
/// and anything else with the stored answer given (a real 2207 answer, taken from the run's database). No signature is
/// checked and nothing is stored. Driven by the same clients as the real server, it shows what the HTTP exchange alone
/// costs on the machine: the floor under every settlement. Runs until it is stopped.
/// </summary>
public static class StubServer
{
    private static readonly byte[] SignedIn = Encoding.UTF8.GetBytes("""{"infcode":0,"err_msg":null,"output":{"signinoutb":{"sign_no":"STUB"}}}""");

    private static readonly byte[] NotJson = Encoding.UTF8.GetBytes("""{"infcode":-1,"err_msg":"stub-server: the body is not a JSON object with a string infno"}""");

    /// <summary>The request's infno, or null when the body is not a JSON object with a string infno.</summary>
    private static string? Infno(ReadOnlyMemory<byte> body)
    {
        try
        {
            using var request = JsonDocument.Parse(body);
            return request.RootElement is { ValueKind: JsonValueKind.Object } root && root.TryGetProperty("infno", out var infno)
                && infno.ValueKind == JsonValueKind.String ? infno.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static async Task<int> RunAsync(Options options)
    {
        var answerFile = options.Text("answer");
        if (!File.Exists(answerFile)) throw new UsageException($"--answer {answerFile}: no such file (a stored 2207 answer, JSON)");
        var answer = await File.ReadAllBytesAsync(answerFile);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(options.Text("urls"));
        builder.Logging.ClearProviders();
        await using var app = builder.Build();
        app.MapPost(Platform.Path, async (HttpContext http) =>
        {
            using var body = new MemoryStream();
            await http.Request.Body.CopyToAsync(body);
            http.Response.ContentType = "application/json; charset=utf-8";
            if (Infno(body.GetBuffer().AsMemory(0, (int)body.Length)) is not { } infno)
            {
                http.Response.StatusCode = StatusCodes.Status400BadRequest;
                await http.Response.Body.WriteAsync(NotJson);
                return;
            }
            await http.Response.Body.WriteAsync(infno == "9001" ? SignedIn : answer);
        });
        await app.RunAsync();
        return 0;
    }
}
