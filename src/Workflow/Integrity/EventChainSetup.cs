using CaseEngine.Workflow.Configuration;
using Marten;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace CaseEngine.Workflow.Integrity;

/// <summary>The tamper-evident log's registrations, called by <c>AddCaseEngine</c>.</summary>
public static class EventChainSetup
{
    /// <param name="configured">a key given in code (tests, the bench); else configuration, see <see cref="KeySettings.EventChain"/></param>
    public static void AddEventChain(IServiceCollection services, EventChainKey? configured)
    {
        // Resolved when first needed (the backfill resolves it at start, so a host without a key stops there).
        services.TryAddSingleton(sp => configured ?? EventChainKey.From(sp.GetRequiredService<ServerKeys>().Ring(KeySettings.EventChain)));
        services.TryAddSingleton(sp => new EventChain(sp.GetRequiredService<IDocumentStore>(), sp.GetRequiredService<Tenancy.ProvinceDatabases>(),
            () => sp.GetRequiredService<EventChainKey>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(sp => new EventChainBackfill(sp.GetRequiredService<IDocumentStore>(),
            () => sp.GetRequiredService<EventChainKey>(), sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<EventChainBackfill>>()));
        services.AddHostedService(sp => sp.GetRequiredService<EventChainBackfill>());
    }

    /// <summary>The side table and the writer that links every append, on the store's options.</summary>
    public static void ConfigureStore(StoreOptions opts, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(opts);
        var schema = opts.Events.DatabaseSchemaName;
        opts.Storage.ExtendedSchemaObjects.Add(EventChainStorage.Table(schema));
        opts.Listeners.Add(new EventChainWriter(() => services.GetRequiredService<EventChainKey>(), schema));
    }
}
