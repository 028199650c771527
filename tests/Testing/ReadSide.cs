using Marten;
using Marten.Events;
using Marten.Storage;

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
            // Each province database that holds events (Marten's own wait over every database refuses one without any).
            foreach (var database in (await store.Storage.AllDatabases()).OfType<IMartenDatabase>())
                if ((await database.FetchEventStoreStatistics()).EventCount > 0)
                    await database.WaitForNonStaleProjectionDataAsync(left);
            if (await LastSequenceAsync(store) == before)
                return;
        }
    }

    /// <summary>The sum of every province database's last sequence: it moves when any of them appends.</summary>
    private static async Task<long> LastSequenceAsync(IDocumentStore store)
    {
        long sum = 0;
        foreach (var database in (await store.Storage.AllDatabases()).OfType<IMartenDatabase>())
            sum += (await store.Advanced.FetchEventStoreStatistics(database.TenantIds[0])).EventSequenceNumber;
        return sum;
    }
}
