using System.Buffers;
using System.Text;
using System.Text.Json;
using MedSettle.Engine;

namespace MedSettle.Storage;

/// <summary>
/// The answers kept in <c>messages.response</c> so that a retried msgid gets the same answer hold no personal data:
/// a settlement's <c>setlinfo</c> carries the person's full name and identity number (as the national interface
/// defines it), and those live sealed in <c>persons</c> alone (docs/PRIVACY.md). So the stored copy has them blank,
/// and a replay puts them back from the person of the same object's <c>psn_no</c>. Everything else is kept byte for byte.
/// </summary>
public static class StoredResponses
{
    /// <summary>How the answers write text (Transactions/Responses.Json): Chinese as it is, not \u-escaped.</summary>
    private static readonly System.Text.Encodings.Web.JavaScriptEncoder AnswerEncoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    /// <summary>The fields <see cref="Rewrite"/> looks at: the personal ones, and psn_no, whose person they are.</summary>
    private static readonly string[] Fields = ["psn_name", "certno", "psn_no"];

    /// <summary>The response as it is stored: every <c>psn_name</c> and <c>certno</c> value blank.</summary>
    public static string Redact(string response)
    {
        if (!Mentions(response)) return response;
        return Rewrite(Encoding.UTF8.GetBytes(response), (_, _) => "");
    }

    /// <summary>A replay's answer, and the persons whose name it shows (each such answer is a read for the audit log).</summary>
    public sealed record Restored(string Response, IReadOnlyList<PersonRow> Shown);

    /// <summary>
    /// What a replay answers: the stored response with each blank name read from <c>persons</c>, and each identity number
    /// read back masked, as the settlement answers give it (the caller sent a psn_no, not the number).
    /// </summary>
    public static async Task<Restored> RestoreAsync(UnitOfWork unit, string stored)
    {
        if (!Mentions(stored)) return new Restored(stored, []);
        var utf8 = Encoding.UTF8.GetBytes(stored);
        var persons = new Dictionary<string, PersonRow?>();
        foreach (var psnNo in PsnNos(utf8))
            persons[psnNo] = await unit.FirstOrDefaultAsync<PersonRow>("SELECT * FROM persons WHERE psn_no = @psnNo ORDER BY insutype", new { psnNo });
        var response = Rewrite(utf8, (name, psnNo) => psnNo is not null && persons.GetValueOrDefault(psnNo) is { } person
            ? name == "psn_name" ? person.PsnName : IdentityNumber.Mask(person.Certno)
            : "");
        return new Restored(response, persons.Values.OfType<PersonRow>().ToList());
    }

    /// <summary>Migration 16: blanks the names and identity numbers in the answers stored before this was so, a page at a time.</summary>
    public static async Task RedactStoredAsync(UnitOfWork unit)
    {
        var (fixmedinsCode, msgid) = ("", "");
        while (true)
        {
            var page = (await unit.QueryAsync<(string FixmedinsCode, string Msgid, string Response)>(
                """
                SELECT fixmedins_code, msgid, response FROM messages
                WHERE (fixmedins_code > @fixmedinsCode OR (fixmedins_code = @fixmedinsCode AND msgid > @msgid)) AND response LIKE '%"certno":"_%'
                ORDER BY fixmedins_code, msgid LIMIT 1000
                """, new { fixmedinsCode, msgid })).ToList();
            if (page.Count == 0) return;
            foreach (var row in page)
                await unit.ExecuteAsync("UPDATE messages SET response = @response WHERE fixmedins_code = @FixmedinsCode AND msgid = @Msgid",
                    new { response = Redact(row.Response), row.FixmedinsCode, row.Msgid });
            (fixmedinsCode, msgid) = (page[^1].FixmedinsCode, page[^1].Msgid);
        }
    }

    private static bool Mentions(string response) =>
        response.Contains("\"psn_name\"", StringComparison.Ordinal) || response.Contains("\"certno\"", StringComparison.Ordinal);

    /// <summary>Every psn_no given in the response.</summary>
    private static HashSet<string> PsnNos(byte[] utf8)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        var reader = new Utf8JsonReader(utf8);
        while (reader.Read())
            if (reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("psn_no"u8) && reader.Read() && reader.TokenType == JsonTokenType.String)
                found.Add(reader.GetString()!);
        return found;
    }

    /// <summary>
    /// The document with each personal field's value replaced by <paramref name="value"/>(field, the psn_no given before it
    /// in the same object), spliced in as JSON text with the encoder the responses are written with; every other byte is
    /// copied as it stands.
    /// </summary>
    private static string Rewrite(byte[] utf8, Func<string, string?, string> value)
    {
        var output = new ArrayBufferWriter<byte>(utf8.Length + 64);
        var reader = new Utf8JsonReader(utf8);
        var psnNos = new Stack<string?>();
        string? field = null;
        var copied = 0;
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.PropertyName:
                    field = FieldAt(ref reader);
                    continue;
                case JsonTokenType.StartObject:
                    psnNos.Push(null);
                    break;
                case JsonTokenType.EndObject:
                    psnNos.Pop();
                    break;
                case JsonTokenType.String when field == "psn_no":
                    if (psnNos.TryPop(out _)) psnNos.Push(reader.GetString());
                    break;
                case JsonTokenType.String when field is not null:
                    // the value's text lies between its quotes: copy up to it, write the new text, go on after it
                    var start = (int)reader.TokenStartIndex + 1;
                    output.Write(utf8.AsSpan(copied, start - copied));
                    output.Write(JsonEncodedText.Encode(value(field, psnNos.Count > 0 ? psnNos.Peek() : null), AnswerEncoder).EncodedUtf8Bytes);
                    copied = start + reader.ValueSpan.Length;
                    break;
            }
            field = null;
        }
        output.Write(utf8.AsSpan(copied));
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    private static string? FieldAt(ref Utf8JsonReader reader)
    {
        foreach (var field in Fields)
            if (reader.ValueTextEquals(field)) return field;
        return null;
    }
}
