using System.Diagnostics;
using System.Diagnostics.Metrics;
using CaseEngine.Domain;
using CaseEngine.Workflow.Commands;

namespace CaseEngine.Workflow.Telemetry;

/// <summary>
/// The engine's own instruments on the meter <see cref="MeterName"/> (created through the host's
/// <see cref="IMeterFactory"/>, so each host has its own): commands by name and outcome with their
/// latency, deadlines fired, and the operational gauges a sampler refreshes (<see cref="OperationsSampler"/>).
/// Tags carry names and codes only, never a value from a command: no personal data can reach a label.
/// </summary>
public sealed class CaseEngineMetrics : IDisposable
{
    public const string MeterName = "CaseEngine";

    public const string Commands = "caseengine.commands";
    public const string CommandDuration = "caseengine.command.duration";
    public const string DeadlinesFired = "caseengine.deadlines.fired";
    public const string OverduePetitions = "caseengine.overdue.petitions";
    public const string LiveSubscribers = "caseengine.subscribers.live";
    public const string OutboxMessages = "caseengine.outbox.messages";
    public const string DeadLetters = "caseengine.deadletters";
    public const string NationalRelayAge = "caseengine.national_log.relay_age";
    public const string LinksWaiting = "caseengine.links.waiting";

    /// <summary>Tag of the outcome: accepted, repeat, or the refusal's wire code (VALIDATION, NOT_FOUND, …; INTERNAL for a failure).</summary>
    public const string OutcomeTag = "outcome";
    public const string Accepted = "accepted";
    public const string Repeat = "repeat";

    private readonly Counter<long> _commands;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _deadlines;
    private volatile IReadOnlyList<(string Level, long Count)> _overdue = [];
    private long _outbox = -1;
    private long _deadLetters = -1;
    private volatile IReadOnlyList<(string Province, long Count)> _linksWaiting = [];
    private Func<int>? _subscribers;
    private Func<IEnumerable<(string Province, double Seconds)>>? _relayAge;

    public CaseEngineMetrics(IMeterFactory? meters = null)
    {
        Meter = meters?.Create(MeterName) ?? new Meter(MeterName);
        _commands = Meter.CreateCounter<long>(Commands, "{command}", "commands handled, by command name and outcome");
        _duration = Meter.CreateHistogram<double>(CommandDuration, "s", "time from a command's arrival at its handler to its answer, by command name and outcome");
        _deadlines = Meter.CreateCounter<long>(DeadlinesFired, "{deadline}", "deadline timers fired by the sweep, by stage");
        Meter.CreateObservableGauge(OverduePetitions,
            () => _overdue.Select(o => new Measurement<long>(o.Count, new KeyValuePair<string, object?>("level", o.Level))),
            "{petition}", "open overdue entries (a missed time limit still open), by level of the late department");
        Meter.CreateObservableGauge(LiveSubscribers, () => _subscribers is { } count ? [new Measurement<int>(count())] : Array.Empty<Measurement<int>>(),
            "{subscriber}", "live event subscriptions open on this node");
        Meter.CreateObservableGauge(NationalRelayAge,
            () => _relayAge is { } ages
                ? ages().Select(a => new Measurement<double>(a.Seconds, new KeyValuePair<string, object?>("province", a.Province)))
                : [],
            "s", "seconds since this node last brought the national log up to a province's committed log, by province: grows while the province's database or the master is unreachable");
        Meter.CreateObservableGauge(OutboxMessages, () => Read(ref _outbox), "{message}",
            "messages stored in the durable outbox, waiting to be sent");
        Meter.CreateObservableGauge(DeadLetters, () => Read(ref _deadLetters), "{message}",
            "messages and internal commands kept as dead letters after failing");
        Meter.CreateObservableGauge(LinksWaiting,
            () => _linksWaiting.Select(w => new Measurement<long>(w.Count, new KeyValuePair<string, object?>("province", w.Province))),
            "{message}", "hand-overs and reports for another database (issue 20) stored in this database's inbox and not yet applied, by the province of the sending database: grows while the receiving database is away");
    }

    public Meter Meter { get; }

    /// <summary>Counts one command and its latency; <paramref name="outcome"/> from <see cref="OutcomeOf(CommandResult)"/> or <see cref="OutcomeOf(Exception)"/>.</summary>
    public void Command(string command, string outcome, TimeSpan elapsed)
    {
        var tags = new TagList { { CommandEnvelope.Tag, command }, { OutcomeTag, outcome } };
        _commands.Add(1, tags);
        _duration.Record(elapsed.TotalSeconds, tags);
    }

    /// <summary>Counts a command run without a latency of its own (one of a batch).</summary>
    public void Command(string command, string outcome) =>
        _commands.Add(1, new TagList { { CommandEnvelope.Tag, command }, { OutcomeTag, outcome } });

    public void Deadline(string stage) => _deadlines.Add(1, new KeyValuePair<string, object?>("stage", stage));

    public static string OutcomeOf(CommandResult result) => result?.Repeated == true ? Repeat : Accepted;

    public static string OutcomeOf(Exception failure) => failure is RuleViolation refusal ? refusal.WireCode
        : Hosting.DatabaseUnavailable.Is(failure) ? Hosting.DatabaseUnavailable.Code : RuleViolation.ToWire(RuleCode.Internal);

    /// <summary>The node's live subscriber count, read when the gauge is collected (the API host sets it).</summary>
    public void ObserveSubscribers(Func<int> count) => _subscribers = count;

    /// <summary>The national relay's age per province, read when the gauge is collected (the API host sets it).</summary>
    public void ObserveNationalRelay(Func<IEnumerable<(string Province, double Seconds)>> ages) => _relayAge = ages;

    public void SetOverdue(IReadOnlyList<(string Level, long Count)> byLevel) => _overdue = byLevel;

    public void SetLinksWaiting(IReadOnlyList<(string Province, long Count)> byProvince) => _linksWaiting = byProvince;

    public void SetOutbox(long waiting, long deadLetters)
    {
        Interlocked.Exchange(ref _outbox, waiting);
        Interlocked.Exchange(ref _deadLetters, deadLetters);
    }

    private static IEnumerable<Measurement<long>> Read(ref long value)
    {
        var v = Interlocked.Read(ref value);
        return v < 0 ? [] : [new Measurement<long>(v)];
    }

    public void Dispose() => Meter.Dispose();
}
