using System.Diagnostics;

namespace CaseEngine.Bench.Harness;

/// <summary>Latencies of one measured run, in milliseconds, with throughput.</summary>
public sealed record Measured(int Operations, TimeSpan Elapsed, double[] LatenciesMs)
{
    public double PerSecond => Operations / Elapsed.TotalSeconds;
    public double P50 => Percentile(0.50);
    public double P99 => Percentile(0.99);
    public double P999 => Percentile(0.999);

    public double Percentile(double q)
    {
        if (LatenciesMs.Length == 0)
            return double.NaN;
        var sorted = LatenciesMs.Order().ToArray();
        var index = (int)Math.Ceiling(q * sorted.Length) - 1;
        return sorted[Math.Clamp(index, 0, sorted.Length - 1)];
    }
}

/// <summary>A closed-loop load: N clients each run the operation back to back until the time or the count is used up.</summary>
public static class Load
{
    public static async Task<Measured> RunAsync(int clients, TimeSpan duration, Func<int, int, Task> operation, int? maxOperationsPerClient = null)
    {
        var latencies = new List<double>[clients];
        var total = Stopwatch.StartNew();
        var tasks = Enumerable.Range(0, clients).Select(client => Task.Run(async () =>
        {
            var mine = latencies[client] = [];
            var watch = new Stopwatch();
            for (var i = 0; total.Elapsed < duration && (maxOperationsPerClient is null || i < maxOperationsPerClient); i++)
            {
                watch.Restart();
                await operation(client, i);
                mine.Add(watch.Elapsed.TotalMilliseconds);
            }
        })).ToArray();
        await Task.WhenAll(tasks);
        total.Stop();
        var all = latencies.SelectMany(l => l).ToArray();
        return new Measured(all.Length, total.Elapsed, all);
    }

    /// <summary>
    /// An open loop: operations start on a fixed schedule (<paramref name="perSecond"/>) whether or
    /// not earlier ones have finished, as independent clients arrive. Each latency runs from the
    /// operation's scheduled start, so a server that falls behind is charged for the wait too.
    /// </summary>
    public static async Task<Measured> AtRateAsync(double perSecond, TimeSpan duration, Func<int, Task> operation,
        CancellationToken stop = default)
    {
        var count = (int)(perSecond * duration.TotalSeconds);
        var latencies = new double[count];
        var clock = Stopwatch.StartNew();
        var running = new List<Task>();
        // Stopping ends the schedule early; what was started completes and is measured.
        for (var i = 0; i < count && !stop.IsCancellationRequested; i++)
        {
            var scheduled = TimeSpan.FromSeconds(i / perSecond);
            if (scheduled > clock.Elapsed)
            {
                try
                {
                    await Task.Delay(scheduled - clock.Elapsed, stop);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    break;
                }
            }
            var index = i;
            running.Add(Task.Run(async () =>
            {
                await operation(index);
                latencies[index] = (clock.Elapsed - scheduled).TotalMilliseconds;
            }));
        }
        await Task.WhenAll(running);
        return new Measured(running.Count, clock.Elapsed, latencies[..running.Count]);
    }

    /// <summary>
    /// Runs an operation a number of times in sequence and measures each, after running it untimed in
    /// rounds of ten until a round compiles fewer than 20 methods (at most 20 rounds): the steady state,
    /// as T1's warm-up windows. Without it the first scenario of a run paid the JIT for the code it shares
    /// with the next (T7's history, timed first, for Marten's event read that its two time-travel rows then
    /// found compiled), and a p50 of 30 runs moved with the order of the scenarios.
    /// </summary>
    public static async Task<Measured> RepeatAsync(int times, Func<int, Task> operation)
    {
        for (var round = 0; round < 20; round++)
        {
            var compiled = System.Runtime.JitInfo.GetCompiledMethodCount();
            for (var i = 0; i < 10; i++)
                await operation(i);
            if (System.Runtime.JitInfo.GetCompiledMethodCount() - compiled < 20)
                break;
        }
        var latencies = new double[times];
        var total = Stopwatch.StartNew();
        var watch = new Stopwatch();
        for (var i = 0; i < times; i++)
        {
            watch.Restart();
            await operation(i);
            latencies[i] = watch.Elapsed.TotalMilliseconds;
        }
        return new Measured(times, total.Elapsed, latencies);
    }
}
