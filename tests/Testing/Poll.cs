using System.Diagnostics;

namespace CaseEngine.Testing;

/// <summary>
/// Bounded polling of what another process or a background agent writes (the database, Wolverine's
/// durability agent): the one place tests wait on real time, never on a fixed sleep.
/// </summary>
public static class Poll
{
    /// <summary>Reads until <paramref name="read"/> returns something, for at most <paramref name="bound"/>.</summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T?>> read, TimeSpan bound) where T : class
    {
        ArgumentNullException.ThrowIfNull(read);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (await read() is { } found)
                return found;
            if (clock.Elapsed > bound)
                throw new TimeoutException($"not seen within {bound.TotalSeconds} s");
            await Task.Delay(200);
        }
    }
}
