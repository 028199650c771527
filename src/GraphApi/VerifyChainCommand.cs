using System.Text.Json;
using CaseEngine.Workflow.Configuration;
using CaseEngine.Workflow.Integrity;
using Marten;

namespace CaseEngine.GraphApi;

/// <summary>
/// <c>dotnet run --project src/GraphApi -- verify-chain [--province=340000] [--roots=kept.json]</c>, with the key (<c>CaseEngine__EventChainKey</c> or <c>CaseEngine__EventChainKeys__0__Id</c>/<c>__Secret</c>) and <c>ConnectionStrings__Marten</c> in the environment: arguments show in <c>ps</c> to every local user. It
/// recomputes every stream's event chain with the configured key (and retired keys) and, with
/// <c>--roots</c>, compares the day roots an integrator kept (<c>{"2025-03-03": "&lt;hex root&gt;", ...}</c>)
/// with the roots of the events stored now: a rewrite that recomputed the chains with the key shows
/// only there. Exit 0 when everything matches, 1 when something is broken, 2 on a usage error.
/// </summary>
public static class VerifyChainCommand
{
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        Dictionary<DateOnly, string>? kept = null;
        if (args.FirstOrDefault(a => a.StartsWith("--roots=", StringComparison.Ordinal)) is { } rootsArg)
        {
            kept = ReadRoots(rootsArg["--roots=".Length..], error);
            if (kept is null)
                return 2;
        }
        var only = args.FirstOrDefault(a => a.StartsWith("--province=", StringComparison.Ordinal))?["--province=".Length..];
        var builder = WebApplication.CreateBuilder(args.Where(a => a.StartsWith('-') && !a.StartsWith("--roots=", StringComparison.Ordinal)
            && !a.StartsWith("--province=", StringComparison.Ordinal)).ToArray());
        builder.AddCaseEngine();
        await using var app = builder.Build();
        EventChainKey key;
        try
        {
            key = app.Services.GetRequiredService<EventChainKey>();
        }
        catch (StartupException e)
        {
            error.WriteLine(e.Message);
            return 2;
        }
        await app.Services.GetRequiredService<IDocumentStore>().Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        var chain = app.Services.GetRequiredService<EventChain>();
        // Each province database keeps its own chain and day roots.
        var all = await app.Services.GetRequiredService<Workflow.Tenancy.ProvinceDatabases>().AllAsync();
        if (only is not null && !all.Contains(only))
        {
            error.WriteLine($"--province={only}: no such province database; one of {string.Join(", ", all)}");
            return 2;
        }
        if (kept is not null && only is null && all.Count > 1)
        {
            error.WriteLine("--roots: day roots are a province's: name it with --province=<code>");
            return 2;
        }
        var broken = 0;
        foreach (var province in only is null ? all : [only])
        {
            var (streams, events, bad) = await chain.VerifyAllAsync(province, v => error.WriteLine(
                $"petition {v.StreamId}: broken at version {v.FirstBrokenVersion} ({v.Problem})"), CancellationToken.None);
            output.WriteLine($"province {province}: checked {events} events in {streams} streams with key {key.KeyId}: {(bad == 0 ? "every chain intact" : $"{bad} broken")}");
            broken += bad;
        }
        var differing = 0;
        foreach (var (day, root) in (kept ?? []).OrderBy(k => k.Key))
        {
            var now = await chain.DayRootAsync(only ?? all[0], day, CancellationToken.None);
            if (string.Equals(EventChain.Hex(now.Root), root, StringComparison.OrdinalIgnoreCase))
                continue;
            differing++;
            error.WriteLine($"day {EventChain.Day(day)}: the root kept differs from the events stored now ({now.EventCount} events)");
        }
        if (kept is not null)
            output.WriteLine($"compared {kept.Count} kept day roots: {(differing == 0 ? "all equal" : $"{differing} differ")}");
        return broken == 0 && differing == 0 ? 0 : 1;
    }

    private static Dictionary<DateOnly, string>? ReadRoots(string path, TextWriter error)
    {
        try
        {
            var json = JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(path)) ?? [];
            var roots = new Dictionary<DateOnly, string>();
            foreach (var (day, root) in json)
            {
                if (!DateOnly.TryParseExact(day, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture,
                        System.Globalization.DateTimeStyles.None, out var date))
                {
                    error.WriteLine("--roots: every key must be a date, yyyy-MM-dd");
                    return null;
                }
                roots[date] = root;
            }
            return roots;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            error.WriteLine("--roots must name a readable JSON file of {\"yyyy-MM-dd\": \"<hex root>\"}");
            return null;
        }
    }
}
