using Marten;
using Marten.Events;

namespace CaseEngine.Testing;

public static class ReadSide
{
    /// <summary>
    /// Waits until every projection and subscription has applied every event, including the events the read
    /// side appends itself. Marten's <c>WaitForNonStaleProjectionDataAsync</c> waits for the high-water mark
    /// it saw when called; duplicate detection appends its flags while processing a page, after that mark, so
    /// a single wait can return with flags the inbox has not applied yet (the oracle once found two inbox
    /// rows without their flag). Waiting again until no event was appended during a wait closes that gap.
    /// </summary>
    public static async Task SettleAsync(this IDocumentStore store, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(store);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var before = await LastSequenceAsync(store);
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
                throw new TimeoutException($"the read side did not settle within {timeout}");
            await store.WaitForNonStaleProjectionDataAsync(left);
            if (await LastSequenceAsync(store) == before)
                return;
        }
    }

    private static async Task<long> LastSequenceAsync(IDocumentStore store)
    {
        var statistics = await store.Advanced.FetchEventStoreStatistics();
        return statistics.EventSequenceNumber;
    }
}
