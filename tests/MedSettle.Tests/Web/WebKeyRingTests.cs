using MedSettle.Hosting;
using MedSettle.Storage;
using MedSettle.Tests.Infrastructure;
using MedSettle.Web;
using static MedSettle.Tests.Transactions.WorkedExampleTests;

namespace MedSettle.Tests.Web;

/// <summary>
/// The key ring that seals sign-in cookies is kept in the database encrypted under the platform key (MEDSETTLE_KEY),
/// which never enters the database: reading the table, or a backup of it, gives nothing to forge a cookie with.
/// </summary>
public abstract class WebKeyRingTests : PlatformTests
{
    private readonly DatabaseTarget _target;

    protected WebKeyRingTests(DatabaseTarget target) : base(target, JilinCentral) => _target = target;

    private const string PlaintextKey = """
        <key id="6f1f3a52-8c1e-4b8e-9d43-1e0c5a7b2f10" version="1"><creationDate>2026-11-01T00:00:00Z</creationDate><activationDate>2026-11-01T00:00:00Z</activationDate><expirationDate>2027-11-01T00:00:00Z</expirationDate><descriptor deserializerType="Microsoft.AspNetCore.DataProtection.AuthenticatedEncryption.ConfigurationModel.AuthenticatedEncryptorDescriptorDeserializer, Microsoft.AspNetCore.DataProtection, Version=10.0.0.0, Culture=neutral, PublicKeyToken=adb9793829ddae60"><descriptor><encryption algorithm="AES_256_CBC" /><validation algorithm="HMACSHA256" /><masterKey p4:requiresEncryption="true" xmlns:p4="http://schemas.asp.net/2015/03/dataProtection"><!-- Warning: the key below is in an unencrypted form. --><value>q2Jm8gqYgQ0m3k3t6l1dOe0gk7mX4dYwq3XnZ0kqJ1m2n3b4v5c6x7z8a9s0d1f2g3h4j5k6l7z8x9c0v1b2n3m4Q==</value></masterKey></descriptor></descriptor></key>
        """;

    private static Task<List<string>> StoredKeysAsync(Database database) =>
        database.ReadAsync(async unit => (await unit.QueryAsync<string>("SELECT xml FROM data_protection_keys")).ToList());

    [Fact]
    public async Task The_stored_key_ring_holds_no_key_in_the_clear()
    {
        var stored = await StoredKeysAsync(Platform.Database);

        Assert.NotEmpty(stored);
        Assert.All(stored, xml =>
        {
            Assert.DoesNotContain("<masterKey", xml);
            Assert.DoesNotContain("<value>", xml);
            Assert.Contains("<encryptedSecret", xml);
        });
    }

    [Fact]
    public async Task A_cookie_made_before_a_restart_opens_the_pages_after_it()
    {
        await Accounts.AddAsync(Platform.Database, "clerk", "收费员小李", Roles.Clerk, JilinCentral, null, "clerk-password",
            Platform.Clock.GetLocalNow().DateTime);
        using var clerk = await WebSession.SignInAsync(Platform.Http.BaseAddress!, "clerk", "clerk-password");

        await using var database = Database.Open(Platform.DatabaseValue);
        var restarted = await MedSettleHost.BuildAsync(database, "http://127.0.0.1:0", Platform.Clock);
        await restarted.StartAsync();
        try
        {
            Assert.True(await WebSession.OpensAsync(new Uri(restarted.Address()), "/window", clerk.Cookie!));
        }
        finally
        {
            await restarted.StopAsync();
            await restarted.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_key_stored_in_the_clear_is_never_used()
    {
        await Platform.Database.WriteAsync(async unit => (await unit.ExecuteAsync(
            "INSERT INTO data_protection_keys (friendly_name, xml, created_at) VALUES ('key-6f1f3a52', @xml, '2026-11-01 00:00:00')",
            new { xml = PlaintextKey }), true));

        var ring = new DatabaseXmlRepository(Platform.Database).GetAllElements();

        Assert.NotEmpty(ring);
        Assert.DoesNotContain(ring, key => key.ToString().Contains("<masterKey"));
    }

    [Fact]
    public async Task Upgrading_drops_the_keys_an_earlier_version_stored_in_the_clear()
    {
        await using var database = Database.Open(await _target.NewDatabaseValueAsync());
        await Schema.MigrateAsync(database, upTo: 17);
        await database.WriteAsync(async unit => (await unit.ExecuteAsync(
            "INSERT INTO data_protection_keys (friendly_name, xml, created_at) VALUES ('key-6f1f3a52', @xml, '2026-11-01 00:00:00')",
            new { xml = PlaintextKey }), true));

        await Schema.MigrateAsync(database);

        Assert.Empty(await StoredKeysAsync(database));
    }
}

public sealed class WebKeyRingTests_Sqlite() : WebKeyRingTests(new SqliteTarget());

public sealed class WebKeyRingTests_Postgres() : WebKeyRingTests(new PostgresTarget());
