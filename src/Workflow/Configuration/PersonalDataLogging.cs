using CaseEngine.Domain;
using JasperFx;
using JasperFx.CodeGeneration;
using Marten;
using Marten.Services;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Wolverine;
using Wolverine.Configuration;
using Wolverine.Runtime.Handlers;

namespace CaseEngine.Workflow.Configuration;

/// <summary>
/// What the engine's libraries may write to the logs. Personal data (a petitioner's name, phone,
/// ID number, address), access codes and free text never reach a log, at any level; a refused
/// command is an ordinary answer, not an error. Each library logs by default what it was given:
/// Wolverine prints a failed message (its generated ToString) with the exception and its stack at
/// Error, Marten prints every SQL parameter at Debug and again at Error, Npgsql can quote the
/// server's error DETAIL (the offending key or row). Called from <see cref="CaseEngineSetup"/>.
/// </summary>
public static class PersonalDataLogging
{
    /// <summary>
    /// Wolverine: a command message that fails is not logged by Wolverine. Its refusals
    /// (<see cref="RuleViolation"/>) are answers the caller receives; any other failure is rethrown to
    /// the caller, which logs it (the GraphQL endpoint: type, reference and stack), and a database
    /// failure is logged by <see cref="ValueFreeMartenLogger"/>. Wolverine 6.62's failure level is
    /// per handler chain, not per exception type, and its line carries the exception's message.
    /// </summary>
    public static void Apply(WolverineOptions opts)
    {
        ArgumentNullException.ThrowIfNull(opts);
        opts.Policies.Add(new QuietCommandFailures());
        // A failed attempt would otherwise add the exception's message and stack to its trace span,
        // which an exporter ships like a log line; the span keeps its error status and exception type.
        opts.Tracking.RecordExceptionsOnSpans = false;
    }

    /// <summary>Marten: SQL text without parameter values; failures by type and SQLSTATE; Npgsql's own logging off.</summary>
    public static void Apply(StoreOptions opts, ILoggerFactory? loggers)
    {
        ArgumentNullException.ThrowIfNull(opts);
        opts.Logger(new ValueFreeMartenLogger((loggers ?? NullLoggerFactory.Instance).CreateLogger<IDocumentStore>()));
        // Marten 9's default, stated: Npgsql's logger would print command parameters if ever enabled.
        opts.DisableNpgsqlLogging = true;
    }

    /// <summary>
    /// The connection string with Npgsql's <c>Include Error Detail</c> off whatever was configured:
    /// with it on, a PostgresException's text carries the server's DETAIL line, which quotes the
    /// duplicate key or the failing row. A string Npgsql cannot parse is returned as it is, for the
    /// start to report.
    /// </summary>
    public static string WithoutErrorDetail(string connectionString)
    {
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(connectionString);
            if (!builder.IncludeErrorDetail)
                return connectionString;
            builder.IncludeErrorDetail = false;
            return builder.ConnectionString;
        }
        catch (ArgumentException)
        {
            return connectionString;
        }
    }

    /// <summary>Every handler chain of a message that carries personal data logs no failure (Wolverine's line would print it).</summary>
    private sealed class QuietCommandFailures : IHandlerPolicy
    {
        public void Apply(IReadOnlyList<HandlerChain> chains, GenerationRules rules, IServiceContainer container)
        {
            foreach (var chain in chains.Where(c => typeof(ConfidentialRecord).IsAssignableFrom(c.MessageType)))
                chain.FailureLogLevel = LogLevel.None;
        }
    }
}

/// <summary>
/// Marten's session logging without values: the SQL text (Marten always binds values as parameters)
/// and the number of parameters at Debug; a failed command as its exception type, SQLSTATE,
/// constraint and stack, never the exception's message (a server message can quote a value).
/// A unique violation on a command record or the event store's keys is a Warning: the command path
/// turns it into a repeat's answer or CONCURRENCY_CONFLICT; anything else is an Error.
/// </summary>
public sealed class ValueFreeMartenLogger(ILogger logger) : IMartenLogger, IMartenSessionLogger
{
    public IMartenSessionLogger StartSession(IQuerySession session) => this;

    // DDL is for whoever debugs a schema step, not the start log an operator reads (Debug).
    public void SchemaChange(string sql) => logger.LogDebug("Executed schema update SQL:\n{SQL}", sql);

    public void LogSuccess(NpgsqlCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (logger.IsEnabled(LogLevel.Debug))
            logger.LogDebug("Marten executed SQL: {SQL} ({Parameters} parameters, values not logged)", command.CommandText, command.Parameters.Count);
    }

    public void LogSuccess(NpgsqlBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (!logger.IsEnabled(LogLevel.Debug))
            return;
        foreach (var command in batch.BatchCommands)
            logger.LogDebug("Marten executed SQL: {SQL} ({Parameters} parameters, values not logged)", command.CommandText, command.Parameters.Count);
    }

    public void LogFailure(NpgsqlCommand command, Exception ex)
    {
        ArgumentNullException.ThrowIfNull(command);
        Failure(ex, command.CommandText);
    }

    public void LogFailure(NpgsqlBatch batch, Exception ex)
    {
        ArgumentNullException.ThrowIfNull(batch);
        Failure(ex, string.Join("\n", batch.BatchCommands.Cast<NpgsqlBatchCommand>().Select(c => c.CommandText)));
    }

    public void LogFailure(Exception ex, string message) => Failure(ex, message);

    public void RecordSavedChanges(IDocumentSession session, IChangeSet commit)
    {
        ArgumentNullException.ThrowIfNull(commit);
        if (logger.IsEnabled(LogLevel.Debug))
            logger.LogDebug("Marten saved changes: {Inserted} inserted, {Updated} updated, {Deleted} deleted",
                commit.Inserted.Count(), commit.Updated.Count(), commit.Deleted.Count());
    }

    public void OnBeforeExecute(NpgsqlCommand command)
    {
    }

    public void OnBeforeExecute(NpgsqlBatch batch)
    {
    }

    private void Failure(Exception ex, string sql)
    {
        ArgumentNullException.ThrowIfNull(ex);
        var postgres = ex as PostgresException ?? ex.InnerException as PostgresException;
        var level = postgres is { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: { } constraint }
            && (constraint.Contains("commandrecord", StringComparison.OrdinalIgnoreCase)
                || constraint.Contains("mt_streams", StringComparison.OrdinalIgnoreCase)
                || constraint.Contains("mt_events", StringComparison.OrdinalIgnoreCase))
            ? LogLevel.Warning
            : LogLevel.Error;
        logger.Log(level, "Marten command failed with {ExceptionType} (SQLSTATE {SqlState}, constraint {Constraint}) executing {SQL} at {StackTrace}",
            ex.GetType().FullName, postgres?.SqlState, postgres?.ConstraintName, sql, ex.StackTrace);
    }
}
