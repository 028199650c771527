using System.Diagnostics;

namespace CaseEngine.Bench.Harness;

/// <summary>What a <see cref="WorkingSetSampler"/> saw, in MiB.</summary>
/// <param name="PeakMiB">the highest sampled working set while the sampler ran</param>
/// <param name="StartMiB">the working set at the start</param>
/// <param name="ProcessPeakMiB">the OS's peak for the whole process so far (Linux VmHWM), which may predate the sampler</param>
/// <param name="Samples">how many samples were taken</param>
public sealed record WorkingSet(double PeakMiB, double StartMiB, double ProcessPeakMiB, int Samples)
{
    public string Describe(TimeSpan interval) =>
        $"sampled every {interval.TotalMilliseconds:0} ms ({Samples} samples), {StartMiB:0} MiB at the start; " +
        $"the process's lifetime peak so far (PeakWorkingSet64) is {ProcessPeakMiB:0} MiB";
}

/// <summary>
/// Samples this process's working set (Process.Refresh + WorkingSet64) on a background task while a
/// scenario runs. The bench runs the server in-process with its load generator, so the figure is both.
/// </summary>
public sealed class WorkingSetSampler : IAsyncDisposable
{
    private const double MiB = 1024 * 1024;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly long _start;
    private long _peak;
    private int _samples;
    private WorkingSet? _result;

    private WorkingSetSampler(TimeSpan interval)
    {
        Interval = interval;
        _start = _peak = Sample();
        _samples = 1;
        _loop = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(interval);
            try
            {
                while (await timer.WaitForNextTickAsync(_stop.Token))
                    Record(Sample());
            }
            catch (OperationCanceledException)
            {
            }
        });
    }

    public TimeSpan Interval { get; }

    public static WorkingSetSampler Start(TimeSpan? interval = null) => new(interval ?? TimeSpan.FromMilliseconds(100));

    /// <summary>Stops sampling (one last sample included) and returns the peak.</summary>
    public async Task<WorkingSet> StopAsync()
    {
        if (_result is not null)
            return _result;
        await _stop.CancelAsync();
        await _loop;
        Record(Sample());
        using var process = Process.GetCurrentProcess();
        return _result = new WorkingSet(_peak / MiB, _start / MiB, process.PeakWorkingSet64 / MiB, _samples);
    }

    private void Record(long bytes)
    {
        _samples++;
        if (bytes > _peak)
            _peak = bytes;
    }

    private static long Sample()
    {
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        return process.WorkingSet64;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }
}
