using MedSettle.Admin;
using MedSettle.Storage;
using MedSettle.Transactions;
using MedSettle.Transactions.Groups;
using MedSettle.Web;

namespace MedSettle.Hosting;

/// <summary>The one composition root: the web host that serves the transaction API, used by serve, demo and the tests.</summary>
public static class MedSettleHost
{
    /// <param name="settings">Configuration on top of the environment's, e.g. MedSettle:RateLimit:PerSecond or MedSettle:Filing:ImplicitEmergency.</param>
    public static async Task<WebApplication> BuildAsync(Database database, string urls, TimeProvider? time = null,
        IReadOnlyDictionary<string, string?>? settings = null)
    {
        await Schema.MigrateAsync(database);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ContentRootPath = AppContext.BaseDirectory,
            ApplicationName = typeof(MedSettleHost).Assembly.GetName().Name, // where the pages are compiled, whichever process hosts them
        });
        builder.WebHost.UseUrls(urls);
        if (settings is not null) builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        // a host that cannot start (a port in use) is reported by the command line in one line, not logged with its stack
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None);
        // the key ring lives in the database, sealed with the platform key (Web/KeyRingEncryption); a key that cannot be
        // opened is an error, and logged as one
        builder.Logging.AddFilter("Microsoft.AspNetCore.DataProtection", LogLevel.Error);
        builder.Services.AddSingleton(database);
        builder.Services.AddSingleton(new PlatformClock(time ?? TimeProvider.System));
        builder.Services.AddSingleton(TransactionSettings.From(builder.Configuration));
        builder.Services.AddHostedService<IdNodeRenewal>();
        // settlements on PostgreSQL are settled in groups (Transactions/Groups); the queue's loop runs with the host
        builder.Services.AddSingleton<SettlementGroups>();
        builder.Services.AddHostedService(services => services.GetRequiredService<SettlementGroups>());
        builder.Services.AddMedSettleWeb();
        builder.Services.AddForwardedHeadersFromTrustedProxies(builder.Configuration);
        HospitalRateLimit.AddHospitalRateLimit(builder.Services, builder.Configuration);
        WindowLookupLimit.AddWindowLookupLimit(builder.Services, builder.Configuration);

        var app = builder.Build();
        await DatabaseXmlRepository.EnsureKeyAsync(app.Services);
        app.UseSecurityHeaders();
        app.UseAdminTokens();
        app.UseMedSettleWeb();
        // liveness for anyone (a load balancer's check); the figures behind it are at /api/admin/health, behind a token
        app.MapGet("/health", () => TypedResults.Ok(new { status = "ok" }));
        app.MapTransactionApi();
        app.MapAdminApi();
        return app;
    }

    /// <summary>The address the started server listens on (resolves a port 0 to the real one).</summary>
    public static string Address(this WebApplication app) =>
        app.Urls.First().Replace("0.0.0.0", "127.0.0.1").Replace("[::]", "127.0.0.1");
}
