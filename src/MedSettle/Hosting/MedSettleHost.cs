using MedSettle.Admin;
using MedSettle.Storage;
using MedSettle.Transactions;
using MedSettle.Web;

namespace MedSettle.Hosting;

/// <summary>The one composition root: the web host that serves the transaction API, used by serve, demo and the tests.</summary>
public static class MedSettleHost
{
    public static async Task<WebApplication> BuildAsync(Database database, string urls, TimeProvider? time = null)
    {
        await Schema.MigrateAsync(database);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ContentRootPath = AppContext.BaseDirectory,
            ApplicationName = typeof(MedSettleHost).Assembly.GetName().Name, // where the pages are compiled, whichever process hosts them
        });
        builder.WebHost.UseUrls(urls);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton(database);
        builder.Services.AddSingleton(new PlatformClock(time ?? TimeProvider.System));
        builder.Services.AddMedSettleWeb();

        var app = builder.Build();
        app.UseAdminTokens();
        app.UseMedSettleWeb();
        app.MapGet("/health", () => TypedResults.Ok(new
        {
            status = "ok",
            database = database.Provider.ToString().ToLowerInvariant(),
            settlement_groups = Transactions.SettlementGroup.Figures(database),
        }));
        app.MapTransactionApi();
        app.MapAdminApi();
        return app;
    }

    /// <summary>The address the started server listens on (resolves a port 0 to the real one).</summary>
    public static string Address(this WebApplication app) =>
        app.Urls.First().Replace("0.0.0.0", "127.0.0.1").Replace("[::]", "127.0.0.1");
}
