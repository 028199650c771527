using System.Diagnostics;

namespace CaseEngine.Bench.Harness;

/// <summary>
/// Samples this process's .NET runtime (the bench hosts the server, and T3's background load) every 100 ms
/// while a scenario runs: thread-pool threads and queued work items, the GC's total pause time and gen-2
/// collections, and monitor lock contentions. Issue 17's full runs stalled submissions for seconds at the start
/// of T3 while PostgreSQL showed few active backends (bench/tuning.md, session 28): this tells a starved thread
/// pool or a GC pause in the server's process from a wait elsewhere.
/// </summary>
public sealed class RuntimeSampler : IAsyncDisposable
{
    private readonly record struct Sample(TimeSpan At, int Threads, long Pending, TimeSpan GcPause, int Gen2, long Contentions);

    private readonly CancellationTokenSource _stop = new();
    private readonly List<Sample> _samples = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Task _loop;

    private RuntimeSampler()
    {
        Record();
        _loop = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
            try
            {
                while (await timer.WaitForNextTickAsync(_stop.Token))
                    Record();
            }
            catch (OperationCanceledException)
            {
            }
        });
    }

    /// <summary>Starts sampling; the scenario's load should start right after, so that its offsets match.</summary>
    public static RuntimeSampler Start() => new();

    private void Record()
    {
        var sample = new Sample(_clock.Elapsed, ThreadPool.ThreadCount, ThreadPool.PendingWorkItemCount, GC.GetTotalPauseDuration(),
            GC.CollectionCount(2), Monitor.LockContentionCount);
        lock (_samples)
            _samples.Add(sample);
    }

    /// <summary>
    /// Stops sampling and describes the runtime over the load: within the window of the submissions that took
    /// longer than <paramref name="slowMs"/> (scheduled at <paramref name="perSecond"/> from the sampler's start,
    /// as <see cref="Load.AtRateAsync"/> schedules them), and over the rest.
    /// </summary>
    public async Task<string> StopAsync(Measured load, double perSecond, double slowMs = 1000)
    {
        await _stop.CancelAsync();
        await _loop;
        Record();
        List<Sample> samples;
        lock (_samples)
            samples = [.. _samples];
        var slow = Enumerable.Range(0, load.LatenciesMs.Length).Where(i => load.LatenciesMs[i] > slowMs).ToList();
        if (slow.Count == 0)
            return $"runtime over the load: {Describe(samples)}; no submission took over {slowMs:0} ms";
        var from = TimeSpan.FromSeconds(slow.Min() / perSecond);
        var to = slow.Max(i => TimeSpan.FromSeconds(i / perSecond) + TimeSpan.FromMilliseconds(load.LatenciesMs[i]));
        var inside = samples.Where(s => s.At >= from && s.At <= to).ToList();
        var outside = samples.Where(s => s.At < from || s.At > to).ToList();
        return $"{slow.Count} submission(s) took over {slowMs:0} ms, scheduled {from.TotalSeconds:0.0}–{slow.Max() / perSecond:0.0} s into the load " +
            $"(all answered by {to.TotalSeconds:0.0} s); runtime in that window: {Describe(inside)}; outside it: {Describe(outside)}";
    }

    private static string Describe(List<Sample> samples)
    {
        if (samples.Count < 2)
            return "not sampled";
        var first = samples[0];
        var last = samples[^1];
        return $"thread-pool threads {samples.Min(s => s.Threads)}–{samples.Max(s => s.Threads)}, queued work items up to {samples.Max(s => s.Pending):N0}, " +
            $"GC paused {(last.GcPause - first.GcPause).TotalMilliseconds:0} ms in {(last.At - first.At).TotalSeconds:0.0} s " +
            $"({last.Gen2 - first.Gen2} gen-2 collections), {last.Contentions - first.Contentions:N0} lock contentions";
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync();
            await _loop;
        }
        _stop.Dispose();
    }
}
