using System.Globalization;
using System.Xml.Linq;
using Dapper;
using MedSettle.Storage;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace MedSettle.Web;

/// <summary>
/// The ASP.NET Core data-protection key ring (which seals sign-in cookies and anti-forgery tokens) kept in the
/// database, table <c>data_protection_keys</c>, so that every server on one database accepts the cookies of the others:
/// a clerk signed in through server A stays signed in when the load balancer sends the next request to server B.
/// Each key is stored sealed with the platform key (<see cref="SecretBoxXmlEncryptor"/>); a key found in the clear
/// (written by an earlier version, or put there by hand) is never used.
/// </summary>
public sealed class DatabaseXmlRepository(Database database) : IXmlRepository
{
    private const long FirstKeyLock = 7262002;
    private static readonly XName RequiresEncryption = XName.Get("requiresEncryption", "http://schemas.asp.net/2015/03/dataProtection");

    public IReadOnlyCollection<XElement> GetAllElements() =>
        database.ReadAsync(async unit =>
            (await unit.QueryAsync<string>("SELECT xml FROM data_protection_keys ORDER BY created_at, friendly_name"))
            .Select(xml => XElement.Parse(xml)).Where(element => !HoldsSecretInTheClear(element)).ToList()).GetAwaiter().GetResult();

    private static bool HoldsSecretInTheClear(XElement element) =>
        element.DescendantsAndSelf().Any(e => (bool?)e.Attribute(RequiresEncryption) == true);

    public void StoreElement(XElement element, string friendlyName) =>
        database.WriteAsync(async unit =>
        {
            await unit.ExecuteAsync(
                """
                INSERT INTO data_protection_keys (friendly_name, xml, created_at) VALUES (@friendlyName, @xml, @createdAt)
                ON CONFLICT (friendly_name) DO NOTHING
                """,
                new
                {
                    friendlyName, xml = element.ToString(SaveOptions.DisableFormatting),
                    createdAt = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                });
            return (0, true);
        }).GetAwaiter().GetResult();

    /// <summary>
    /// Makes sure the ring has a usable key before the first request, one server at a time on PostgreSQL, so that
    /// servers started together over an empty ring do not each make their own first key.
    /// </summary>
    public static async Task EnsureKeyAsync(IServiceProvider services, CancellationToken cancel = default)
    {
        var database = services.GetRequiredService<Database>();
        var keys = services.GetRequiredService<IKeyManager>();
        void Ensure()
        {
            var now = DateTimeOffset.UtcNow;
            if (!keys.GetAllKeys().Any(k => !k.IsRevoked && k.ActivationDate <= now && k.ExpirationDate > now.AddDays(2)))
                keys.CreateNewKey(now, now.AddDays(90));
        }
        if (database.Provider != DbProvider.Postgres)
        {
            Ensure();
            return;
        }
        await using var connection = await database.OpenConnectionAsync(cancel);
        await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_lock(@FirstKeyLock)", new { FirstKeyLock }, cancellationToken: cancel));
        try
        {
            Ensure();
        }
        finally
        {
            await connection.ExecuteAsync("SELECT pg_advisory_unlock(@FirstKeyLock)", new { FirstKeyLock });
        }
    }
}
