using CaseEngine.Workflow.Rules;
using CaseEngine.Workflow.Submitting;
using Marten;
using Microsoft.Extensions.Logging;
using Wolverine.Marten;
using Wolverine.Runtime;

namespace CaseEngine.Workflow.Commands;

/// <summary>The singletons every command needs; one parameter keeps the pipeline's signatures short.</summary>
public sealed class CommandServices(RuleBook rules, AccessCodes accessCodes, TimeProvider time, IDocumentStore store,
    CaseNumbers caseNumbers, IWolverineRuntime wolverine, Tenancy.ProvinceDatabases provinces, Tenancy.SubmissionClaims claims,
    ILogger<CommandServices> logger, Telemetry.CaseEngineMetrics? metrics = null)
{
    /// <summary>A submission's command id claimed for its province, so it is unique across provinces (issue 19).</summary>
    public Tenancy.SubmissionClaims Claims { get; } = claims;

    /// <summary>Which databases there are: a forward or transfer to a province with a database of its own hands the petition over (issue 20).</summary>
    public Tenancy.ProvinceDatabases Provinces { get; } = provinces;

    /// <summary>The command instruments (absent in hosts without them): a command refused before its handler is counted here.</summary>
    public Telemetry.CaseEngineMetrics? Metrics { get; } = metrics;

    public RuleBook Rules { get; } = rules;
    public CaseNumbers CaseNumbers { get; } = caseNumbers;
    public AccessCodes AccessCodes { get; } = accessCodes;
    public TimeProvider Time { get; } = time;
    public IDocumentStore Store { get; } = store;
    public ILogger Logger { get; } = logger;

    /// <summary>
    /// A session for commands run outside a Wolverine handler (<see cref="CommandBatch"/>), enrolled in
    /// Wolverine's Marten outbox like the handler's: what is published through <see cref="OutboxedSession.Outbox"/>
    /// is stored in the command's transaction (in <paramref name="province"/>'s database, with its outbox) and leaves only once it commits.
    /// </summary>
    public OutboxedSession OpenSession(string province)
    {
        // Not the container's IMartenOutbox: it would open its session for no tenant, which the
        // database-per-province store refuses; this one is the province's session from the start.
        var session = Store.LightweightSession(province);
        var outbox = new MartenOutbox(wolverine, session) { TenantId = province };
        return new OutboxedSession(outbox, session);
    }
}

/// <summary>A Marten session enrolled in Wolverine's outbox.</summary>
public sealed class OutboxedSession(IMartenOutbox outbox, IDocumentSession session) : IAsyncDisposable
{
    public IDocumentSession Session { get; } = session;
    public IMartenOutbox Outbox { get; } = outbox;

    public ValueTask DisposeAsync() => Session.DisposeAsync();
}
