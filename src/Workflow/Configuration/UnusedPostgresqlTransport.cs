using Wolverine;
using Wolverine.Configuration;
using Wolverine.Postgresql.Transport;
using Wolverine.Runtime;
using Wolverine.Transports;
using JasperFx.Resources;

namespace CaseEngine.Workflow.Configuration;

/// <summary>
/// Stands in for Wolverine's PostgreSQL queue transport, which Wolverine's Marten integration always adds and
/// CaseEngine never uses (its queues are local and durable, its broker RabbitMQ). At a node's start that
/// transport checks the connectivity of every tenant database, 20 times 5 s apart, before the start goes on:
/// one province database that refused connections held every node's start for about 100 s (issue 19). This
/// one answers to the same scheme, has no endpoint and initialises nothing; a <c>postgresql://</c> endpoint
/// asked of it at run time is refused with a sentence saying so (a PostgreSQL queue would need this stand-in removed). It is put in place after the Marten integration's own
/// configuration (<see cref="Replace"/>), under the scheme's key, which replaces the real one.
/// </summary>
public sealed class UnusedPostgresqlTransport : ITransport
{
    public string Protocol => PostgresqlTransport.ProtocolName;

    public string Name => "PostgreSQL queues (not used by CaseEngine)";

    public Endpoint? ReplyEndpoint() => null;

    public Endpoint GetOrCreateEndpoint(Uri uri) =>
        throw new InvalidOperationException("CaseEngine does not use PostgreSQL queues; route messages to a local queue or RabbitMQ");

    public Endpoint? TryGetEndpoint(Uri uri) => null;

    public IEnumerable<Endpoint> Endpoints() => [];

    public ValueTask InitializeAsync(IWolverineRuntime runtime) => ValueTask.CompletedTask;

    public bool TryBuildStatefulResource(IWolverineRuntime runtime, out IStatefulResource? resource)
    {
        resource = null;
        return false;
    }

    public bool TryBuildBrokerUsage(out Wolverine.Configuration.Capabilities.BrokerDescription description)
    {
        description = null!;
        return false;
    }

    /// <summary>Registers the replacement as a Wolverine extension, applied after those registered before it (the Marten integration's).</summary>
    public static void Replace(Microsoft.Extensions.DependencyInjection.IServiceCollection services) =>
        services.ConfigureWolverine(opts => opts.Transports.Add(new UnusedPostgresqlTransport()));
}
