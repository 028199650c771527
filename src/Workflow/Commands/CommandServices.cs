using CaseEngine.Workflow.Rules;
using CaseEngine.Workflow.Submitting;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Wolverine.Marten;

namespace CaseEngine.Workflow.Commands;

/// <summary>The singletons every command needs; one parameter keeps the pipeline's signatures short.</summary>
public sealed class CommandServices(RuleBook rules, AccessCodes accessCodes, TimeProvider time, IDocumentStore store,
    CaseNumbers caseNumbers, IServiceScopeFactory scopes, ILogger<CommandServices> logger)
{
    public RuleBook Rules { get; } = rules;
    public CaseNumbers CaseNumbers { get; } = caseNumbers;
    public AccessCodes AccessCodes { get; } = accessCodes;
    public TimeProvider Time { get; } = time;
    public IDocumentStore Store { get; } = store;
    public ILogger Logger { get; } = logger;

    /// <summary>
    /// A session for commands run outside a Wolverine handler (<see cref="CommandBatch"/>), enrolled in
    /// Wolverine's Marten outbox like the handler's: what is published through <see cref="OutboxedSession.Outbox"/>
    /// is stored in the command's transaction and leaves only once it commits.
    /// </summary>
    public OutboxedSession OpenSession()
    {
        var scope = scopes.CreateAsyncScope();
        var outbox = scope.ServiceProvider.GetRequiredService<IMartenOutbox>();
        var session = Store.LightweightSession();
        outbox.Enroll(session);
        return new OutboxedSession(scope, outbox, session);
    }
}

/// <summary>A Marten session enrolled in Wolverine's outbox, with the scope that owns the outbox.</summary>
public sealed class OutboxedSession(AsyncServiceScope scope, IMartenOutbox outbox, IDocumentSession session) : IAsyncDisposable
{
    public IDocumentSession Session { get; } = session;
    public IMartenOutbox Outbox { get; } = outbox;

    public async ValueTask DisposeAsync()
    {
        await Session.DisposeAsync();
        await scope.DisposeAsync();
    }
}
