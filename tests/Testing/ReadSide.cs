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
            try
            {
                // Each province database that holds events (Marten's own wait over every database refuses one without any).
                foreach (var database in (await store.Storage.AllDatabases()).OfType<IMartenDatabase>())
                    if ((await database.FetchEventStoreStatistics()).EventCount > 0)
                        await database.WaitForNonStaleProjectionDataAsync(left);
            }
            catch (Npgsql.NpgsqlException e) when (Closed(e))
            {
                continue;
            }
            if (await LastSequenceAsync(store) == before)
                return;
        }
    }

    /// <summary>
    /// The sum of every province database's last sequence: it moves when any of them appends. After a
    /// database restart the pools still hold connections the server closed (57P01 on first use, the
    /// engine's loops retry the same way): asked again, a few times.
    /// </summary>
    private static async Task<long> LastSequenceAsync(IDocumentStore store)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                long sum = 0;
                foreach (var database in (await store.Storage.AllDatabases()).OfType<IMartenDatabase>())
                    sum += (await store.Advanced.FetchEventStoreStatistics(database.TenantIds[0])).EventSequenceNumber;
                return sum;
            }
            catch (Npgsql.NpgsqlException e) when (attempt < 5 && Closed(e))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt));
            }
        }
    }

    /// <summary>A pooled connection the server closed (a restart): the next one works.</summary>
    private static bool Closed(Npgsql.NpgsqlException e) => e.IsTransient || e is Npgsql.PostgresException { SqlState: "57P01" };
}
