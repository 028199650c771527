using System.Collections.Concurrent;

namespace CaseEngine.Projections.Monitoring;

/// <summary>
/// At most one call in flight per province on this node, for work that callers outside the node can
/// trigger (a pull of the national feed, a <c>/health</c> probe). A province database that hangs keeps
/// each connect waiting out Npgsql's timeout; without this every request would leave one more such
/// connect behind it. A caller that cannot get the province's turn within its bound is told so and goes
/// on without it.
/// </summary>
public sealed class OnePerProvince
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _turns = new(StringComparer.Ordinal);

    /// <summary>Runs <paramref name="work"/> once the province's previous call has finished, waiting at most <paramref name="bound"/> in all; false when it did not run or did not finish in time.</summary>
    public async Task<bool> TryRunAsync(string province, TimeSpan bound, Func<Task> work, CancellationToken ct)
    {
        var turn = _turns.GetOrAdd(province, _ => new SemaphoreSlim(1, 1));
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        if (!await turn.WaitAsync(bound, ct))
            return false;
        // The turn is released when the work ends, even if the caller stopped waiting for it.
        var running = RunAsync(turn, work);
        var left = bound - System.Diagnostics.Stopwatch.GetElapsedTime(started);
        try
        {
            await running.WaitAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero, ct);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    private static async Task RunAsync(SemaphoreSlim turn, Func<Task> work)
    {
        try
        {
            await work();
        }
        finally
        {
            turn.Release();
        }
    }
}
