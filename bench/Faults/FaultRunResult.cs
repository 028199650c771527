using System.Globalization;
using System.Text;

namespace CaseEngine.Bench.Faults;

/// <summary>What a fault run did and what it found; <see cref="Failures"/> is empty when every check held.</summary>
public sealed class FaultRunResult
{
    public required FaultRunOptions Options { get; init; }
    public required IReadOnlyDictionary<string, string> Server { get; init; }
    public int Kills { get; set; }
    public int Crashes { get; set; }
    public TimeSpan LoadElapsed { get; set; }
    public TimeSpan Convergence { get; set; }
    /// <summary>From the moment the last fault began (the kill, the immediate stop) to convergence.</summary>
    public TimeSpan SinceLastFault { get; set; }
    public int NodeRelaunches { get; set; }
    public IReadOnlyDictionary<string, int> UnknownKinds { get; set; } = new Dictionary<string, int>();
    public int Commands { get; set; }
    public int Acknowledged { get; set; }
    public int Refused { get; set; }
    public int Unanswered { get; set; }
    public long UnknownAnswers { get; set; }
    public int ResentUnknowns { get; set; }
    public int AcknowledgedAfterUnknown { get; set; }
    public long RateLimited { get; set; }
    public int Lost { get; set; }
    public int Duplicated { get; set; }
    public int RefusedButApplied { get; set; }
    public int DuplicateEvents { get; set; }

    /// <summary>The first such events, described for diagnosis (types, sequences, versions, times), when there are any.</summary>
    public string DuplicateDetail { get; set; } = "";
    public long Events { get; set; }
    public long Tombstones { get; set; }
    public int Petitions { get; set; }

    /// <summary>Petitions in each province database.</summary>
    public Dictionary<string, int> PetitionsByProvince { get; } = new(StringComparer.Ordinal);
    public long DeadlineFirings { get; set; }
    public long AutomaticSupervisions { get; set; }
    public long DuplicateFlags { get; set; }
    /// <summary>Petitions handed over to another province's database (issue 20), each checked for one copy mirrored to its end.</summary>
    public int HandOvers { get; set; }
    /// <summary>Copies whose agency returned them (退回), each taken back once by its origin.</summary>
    public int HandOversReturned { get; set; }
    public int FeedEvents { get; set; }
    public bool FeedEqualsLog { get; set; }
    public int SubscriberDeliveries { get; set; }
    public int SubscriberConnections { get; set; }
    public int SubscriberDuplicates { get; set; }
    public int SubscriberMissing { get; set; }
    public int SubscriberOutOfOrder { get; set; }
    public IReadOnlyList<string> ReadModelDifferences { get; set; } = [];
    public IReadOnlyDictionary<string, int> ReadModelRows { get; set; } = new Dictionary<string, int>();
    public IReadOnlyDictionary<string, (int Acknowledged, int Refused)> ByKind { get; set; } = new Dictionary<string, (int, int)>();
    public IReadOnlyDictionary<string, int> RefusalCodes { get; set; } = new Dictionary<string, int>();
    public List<string> Failures { get; } = [];
    public List<string> Notes { get; } = [];

    private static string Topology(FaultRunOptions o) => o.Provinces.Count == 1
        ? $"One province database ({o.Provinces[0].Province}) behind the master database."
        : $"{o.Provinces.Count} province databases behind the master database, the national directory; the clients submit in each alike " +
          $"(entering at {string.Join(", ", o.Provinces.Select(p => $"{p.County}/{p.City}"))}) and the subscriber follows the national log.";

    public string ToMarkdown(DateTimeOffset date)
    {
        string N(double v) => v.ToString("N0", CultureInfo.InvariantCulture);
        var o = Options;
        var s = new StringBuilder();
        s.AppendLine(CultureInfo.InvariantCulture, $"# Fault run, {date:yyyy-MM-dd HH:mm} UTC");
        s.AppendLine();
        var provinces = o.Provinces.Count > 1 ? $" --provinces {o.Provinces.Count}" : "";
        s.AppendLine(CultureInfo.InvariantCulture, $"`dotnet run -c Release --project bench -- faults --nodes {o.Nodes} --clients {o.Clients} --kills {o.Kills} --crashes {o.Crashes} --seconds {o.Load.TotalSeconds:0} --seed {o.Seed}{provinces}`");
        s.AppendLine();
        s.AppendLine(CultureInfo.InvariantCulture, $"{o.Nodes} CaseEngine nodes (server processes, Production environment) on one PostgreSQL {Server.GetValueOrDefault("server_version")} " +
            $"(fsync={Server.GetValueOrDefault("fsync")}, synchronous_commit={Server.GetValueOrDefault("synchronous_commit")}, full_page_writes={Server.GetValueOrDefault("full_page_writes")}), " +
            $"{o.Clients} clients and one resuming subscriber, {Environment.ProcessorCount} cores shared by clients, nodes and PostgreSQL. {Topology(o)}");
        s.AppendLine();
        s.AppendLine(Failures.Count == 0 ? "**Result: every check held.**" : $"**Result: {Failures.Count} check(s) failed.**");
        s.AppendLine();
        s.AppendLine("| figure | value |");
        s.AppendLine("| --- | --- |");
        void Row(string what, string value) => s.AppendLine(CultureInfo.InvariantCulture, $"| {what} | {value} |");
        Row("node kills (SIGKILL, then restart)", N(Kills));
        Row("PostgreSQL crashes (`pg_ctl stop -m immediate`, then start)", N(Crashes));
        Row("node starts that exited (PostgreSQL in crash recovery) and were launched again, as a service manager does", N(NodeRelaunches));
        Row("load time (faults spread over it)", $"{LoadElapsed.TotalSeconds:0} s");
        Row("commands sent (distinct command ids)", N(Commands));
        Row("acknowledged", N(Acknowledged));
        Row("refused with a code", N(Refused));
        Row("left without an answer", N(Unanswered));
        Row("unknown answers (transport error, timeout, 5xx, INTERNAL, UNAVAILABLE)", N(UnknownAnswers));
        Row("… by kind", string.Join(", ", UnknownKinds.OrderByDescending(k => k.Value).Select(k => $"{k.Key} {N(k.Value)}")));
        Row("commands resent after an unknown answer (same command id)", N(ResentUnknowns));
        Row("… of which acknowledged in the end", N(AcknowledgedAfterUnknown));
        Row("RATE_LIMITED answers (resent)", N(RateLimited));
        Row("**lost** (acknowledged, not in the log)", N(Lost));
        Row("**duplicated** (a command id applied twice)", N(Duplicated));
        Row("refused but applied", N(RefusedButApplied));
        Row("events beyond their command's one execution (outside its record)", N(DuplicateEvents));
        Row("events in the log / petitions / tombstones (failed appends' reserved sequence numbers)", $"{N(Events)} / {N(Petitions)} / {N(Tombstones)}");
        if (PetitionsByProvince.Count > 1)
            Row("petitions by province database", string.Join(", ", PetitionsByProvince.Select(p => $"{p.Key} {N(p.Value)}")));
        Row("deadline firings (DeadlineMissed) / automatic supervisions", $"{N(DeadlineFirings)} / {N(AutomaticSupervisions)}");
        Row("duplicate flags (DuplicateSuspected)", N(DuplicateFlags));
        Row("hand-overs to another province (one copy each, mirrored to its end) / returned and taken back once", $"{N(HandOvers)} / {N(HandOversReturned)}");
        Row("event feed over GraphQL equals the log", $"{(FeedEqualsLog ? "yes" : "**no**")} ({N(FeedEvents)} events)");
        Row("resuming subscriber: deliveries / connections", $"{N(SubscriberDeliveries)} / {N(SubscriberConnections)}");
        Row("resuming subscriber: missing / duplicates / out of order", $"{N(SubscriberMissing)} / {N(SubscriberDuplicates)} / {N(SubscriberOutOfOrder)}");
        Row("read models equal to their rebuild", ReadModelDifferences.Count == 0
            ? $"yes ({string.Join(", ", ReadModelRows.Select(r => $"{r.Key} {N(r.Value)} rows"))})" : $"**no**: {string.Join("; ", ReadModelDifferences)}");
        Row("convergence after the last fault was over (limit 60 s): killed node started again, or PostgreSQL started again → " +
            "every node healthy, every projection and subscription and the subscriber at the end of the log",
            $"{Convergence.TotalSeconds:0.0} s ({SinceLastFault.TotalSeconds:0.0} s after the fault began)");
        s.AppendLine();
        s.AppendLine("Commands by kind (acknowledged / refused):");
        s.AppendLine();
        s.AppendLine(string.Join(", ", ByKind.OrderBy(k => k.Key, StringComparer.Ordinal).Select(k => $"{k.Key} {N(k.Value.Acknowledged)} / {N(k.Value.Refused)}")) + ".");
        s.AppendLine();
        s.AppendLine("Refusal codes: " + string.Join(", ", RefusalCodes.OrderByDescending(c => c.Value).Select(c => $"{c.Key} {N(c.Value)}")) + ".");
        foreach (var note in Notes)
        {
            s.AppendLine();
            s.AppendLine(note);
        }
        if (Failures.Count > 0)
        {
            s.AppendLine();
            s.AppendLine("## Failed checks");
            s.AppendLine();
            foreach (var f in Failures)
                s.AppendLine($"- {f}");
        }
        return s.ToString();
    }
}
