using System.Buffers;
using System.Text;
using System.Text.Json;
using MedSettle.Storage;

namespace MedSettle.Transactions;

/// <summary>
/// The answers kept in <c>messages.response</c> so that a retried msgid gets the same answer hold no personal data:
/// a settlement's <c>setlinfo</c> carries the person's full name and identity number (as the national interface
/// defines it), and those live sealed in <c>persons</c> alone (docs/PRIVACY.md). So the stored copy has them blank,
/// and a replay puts them back from the person of the same object's <c>psn_no</c>. Everything else is kept byte for byte.
/// </summary>
public static class StoredResponses
{
    private static readonly string[] Personal = ["psn_name", "certno"];

    /// <summary>The response as it is stored: every <c>psn_name</c> and <c>certno</c> value blank.</summary>
    public static string Redact(string response)
    {
        if (!Mentions(response)) return response;
        return Rewrite(Encoding.UTF8.GetBytes(response), (_, _) => "");
    }

    /// <summary>What a replay answers: the stored response with each blank name and identity number read from <c>persons</c>.</summary>
    public static async Task<string> RestoreAsync(UnitOfWork unit, string stored)
    {
        if (!Mentions(stored)) return stored;
        var utf8 = Encoding.UTF8.GetBytes(stored);
        var persons = new Dictionary<string, PersonRow?>();
        foreach (var psnNo in PsnNos(utf8))
            persons[psnNo] = await unit.FirstOrDefaultAsync<PersonRow>("SELECT * FROM persons WHERE psn_no = @psnNo ORDER BY insutype", new { psnNo });
        return Rewrite(utf8, (name, psnNo) => psnNo is not null && persons.GetValueOrDefault(psnNo) is { } person
            ? name == "psn_name" ? person.PsnName : person.Certno
            : "");
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
    /// Copies the document, writing each personal field's value as <paramref name="value"/>(field, the psn_no given
    /// before it in the same object), with the encoder the responses are written with, so the rest is unchanged.
    /// </summary>
    private static string Rewrite(byte[] utf8, Func<string, string?, string> value)
    {
        var output = new ArrayBufferWriter<byte>(utf8.Length);
        using (var writer = new Utf8JsonWriter(output, new JsonWriterOptions { Encoder = TransactionApi.Json.Encoder, SkipValidation = true }))
        {
            var reader = new Utf8JsonReader(utf8);
            var psnNos = new Stack<string?>();
            string? field = null;
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        var name = reader.GetString()!;
                        writer.WritePropertyName(name);
                        field = name;
                        continue;
                    case JsonTokenType.String when field is not null && Personal.Contains(field):
                        writer.WriteStringValue(value(field, psnNos.Count > 0 ? psnNos.Peek() : null));
                        break;
                    case JsonTokenType.String:
                        var text = reader.GetString()!;
                        if (field == "psn_no" && psnNos.Count > 0) { psnNos.Pop(); psnNos.Push(text); }
                        writer.WriteStringValue(text);
                        break;
                    case JsonTokenType.Number:
                        writer.WriteRawValue(reader.ValueSpan, skipInputValidation: true);
                        break;
                    case JsonTokenType.True or JsonTokenType.False:
                        writer.WriteBooleanValue(reader.GetBoolean());
                        break;
                    case JsonTokenType.Null:
                        writer.WriteNullValue();
                        break;
                    case JsonTokenType.StartObject:
                        writer.WriteStartObject();
                        psnNos.Push(null);
                        break;
                    case JsonTokenType.EndObject:
                        writer.WriteEndObject();
                        psnNos.Pop();
                        break;
                    case JsonTokenType.StartArray:
                        writer.WriteStartArray();
                        break;
                    case JsonTokenType.EndArray:
                        writer.WriteEndArray();
                        break;
                }
                field = null;
            }
        }
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }
}
