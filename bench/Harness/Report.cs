using System.Globalization;
using System.Text;

namespace CaseEngine.Bench.Harness;

/// <summary>One row of the results table: a value, the baseline it is compared with, and the target.</summary>
public sealed record ResultRow(string Id, string What, string Value, string Baseline, double? Ratio, string Target, bool? Met, string Notes = "");

/// <summary>
/// Collects rows and writes bench/results/&lt;date&gt;-&lt;scale&gt;.md with the machine facts; a run of one
/// scenario writes &lt;date&gt;-&lt;scale&gt;-&lt;scenario&gt;.md, so it never replaces a full run's file.
/// </summary>
/// <param name="scenario">null for a run of every scenario</param>
public sealed class Report(string scale, bool quick, string? scenario = null)
{
    private readonly List<ResultRow> _rows = [];
    private readonly List<string> _notes = [];

    public void Add(ResultRow row)
    {
        _rows.Add(row);
        Console.WriteLine($"{row.Id,-4} {row.What}: {row.Value} | baseline {row.Baseline} | ratio {Format(row.Ratio)} | target {row.Target} | {Verdict(row.Met)} {row.Notes}");
    }

    public void Note(string note)
    {
        _notes.Add(note);
        Console.WriteLine($"note: {note}");
    }

    public static string Ms(double value) => value.ToString("0.00", CultureInfo.InvariantCulture) + " ms";
    public static string Format(double? value) => value is null ? "—" : value.Value.ToString("0.00", CultureInfo.InvariantCulture);
    private static string Verdict(bool? met) => met switch { true => "pass", false => "short", null => "—" };

    /// <summary>The bench's informational version: the SDK appends the commit it was built from ("1.0.0+sha").</summary>
    private static string Build =>
        typeof(Report).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion ?? "unknown";

    public async Task<string> WriteAsync(string folder, IReadOnlyDictionary<string, string> server)
    {
        Directory.CreateDirectory(folder);
        var date = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var path = Path.Combine(folder, $"{date}-{scale}{(scenario is null ? "" : $"-{scenario}")}{(quick ? "-quick" : "")}.md");
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"# CaseEngine benchmark — {scale}{(scenario is null ? "" : $", {scenario} only")}{(quick ? " (quick: tiny sizes, times not meaningful)" : "")}");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Run {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC. Machine: {Environment.ProcessorCount} cores, " +
            $"{GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024 * 1024 * 1024.0):0.0} GiB memory, {Environment.OSVersion}, .NET {Environment.Version}. " +
            $"Build: {Build}.");
        text.AppendLine(CultureInfo.InvariantCulture, $"PostgreSQL: {string.Join(", ", server.Select(kv => $"{kv.Key}={kv.Value}"))}.");
        text.AppendLine();
        text.AppendLine("| id | what | value | baseline | ratio | target | result | notes |");
        text.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (var r in _rows)
            text.AppendLine(CultureInfo.InvariantCulture, $"| {r.Id} | {r.What} | {r.Value} | {r.Baseline} | {Format(r.Ratio)} | {r.Target} | {Verdict(r.Met)} | {r.Notes} |");
        if (_notes.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("## Notes");
            foreach (var note in _notes)
                text.AppendLine(CultureInfo.InvariantCulture, $"- {note}");
        }
        await File.WriteAllTextAsync(path, text.ToString());
        return path;
    }
}
