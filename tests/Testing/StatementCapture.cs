using System.Collections.Concurrent;
using System.Diagnostics;

namespace CaseEngine.Testing;

/// <summary>
/// The SQL statements one test's database runs, as Npgsql's activities report them. Npgsql names an
/// activity after its database and a listener sees the whole test process, where other classes' hosts
/// run beside this one: only this database counts, and only statements under what the test chooses —
/// an HTTP request, or a trace the test began around its own work (the daemon runs beside it).
/// </summary>
public sealed class StatementCapture : IDisposable
{
    /// <summary>ASP.NET Core's request span, or the copy OpenTelemetry's instrumentation starts in its place once a TracerProvider has set a propagator (process-wide).</summary>
    private const string HttpRequest = "Microsoft.AspNetCore.Hosting.HttpRequestIn";

    private const string ProbeName = "CaseEngine.Testing.StatementCapture";

    private static readonly ActivitySource Probe = new(ProbeName);

    private readonly ActivityListener _listener;
    private readonly ConcurrentQueue<string> _statements = new();
    private readonly ConcurrentDictionary<ActivityTraceId, byte> _traces = new();

    private StatementCapture(string connectionString, Func<StatementCapture, Activity, bool> counts)
    {
        var database = new Npgsql.NpgsqlConnectionStringBuilder(connectionString).Database;
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is "Npgsql" or "Microsoft.AspNetCore" or ProbeName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStopped = activity =>
            {
                if (activity.Source.Name == "Npgsql" && activity.DisplayName == database && counts(this, activity))
                    _statements.Enqueue((activity.GetTagItem("db.query.text") ?? activity.GetTagItem("db.statement")) as string ?? "");
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>Statements run while serving an HTTP request.</summary>
    public static StatementCapture UnderRequests(string connectionString) =>
        new(connectionString, (_, activity) => HasAncestor(activity, HttpRequest));

    /// <summary>Statements of the traces begun with <see cref="Begin"/>.</summary>
    public static StatementCapture InTraces(string connectionString) =>
        new(connectionString, (capture, activity) => capture._traces.ContainsKey(activity.TraceId));

    /// <summary>Every statement of the database.</summary>
    public static StatementCapture All(string connectionString) => new(connectionString, (_, _) => true);

    /// <summary>A trace whose statements count (<see cref="InTraces"/>): dispose it when the work is done.</summary>
    public Activity Begin(string name)
    {
        var activity = Probe.StartActivity(name) ?? throw new InvalidOperationException("the probe's activity was not sampled");
        _traces[activity.TraceId] = 0;
        return activity;
    }

    public IReadOnlyList<string> Statements => [.. _statements];

    public void Clear() => _statements.Clear();

    public void Dispose() => _listener.Dispose();

    private static bool HasAncestor(Activity activity, string operationName)
    {
        for (var parent = activity.Parent; parent is not null; parent = parent.Parent)
        {
            if (parent.OperationName == operationName)
                return true;
        }
        return false;
    }
}
