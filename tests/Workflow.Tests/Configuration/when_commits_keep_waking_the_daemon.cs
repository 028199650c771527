using System.Diagnostics;
using CaseEngine.Testing;
using CaseEngine.Workflow.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace CaseEngine.Workflow.Tests.Configuration;

/// <summary>
/// DaemonWakeup: every appending commit wakes its database's high-water agent. Under load that made the agent
/// detect as fast as its statements ran (each a read of the events above its mark), and hand the read side pages
/// of two or three events; a database's detections are now at least <see cref="DaemonWakeup.DetectionSpacing"/>
/// apart while its commits keep coming (bench/tuning.md, change 31).
/// </summary>
public class when_commits_keep_waking_the_daemon(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private static readonly TimeSpan Polling = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task a_database_is_detected_again_no_sooner_than_the_spacing_and_another_database_is_not_held()
    {
        await using var wakeup = new DaemonWakeup(db.ConnectionString, NullLogger<DaemonWakeup>.Instance);
        // The first wait starts the LISTEN; it is woken (everyone is) once the LISTEN is in place.
        await wakeup.WaitToDetectAsync("a", Polling, CancellationToken.None);

        // A commit in "a" lands while its agent detects: the next wait is woken at once, and held to the spacing.
        var waits = new List<TimeSpan>();
        for (var i = 0; i < 5; i++)
        {
            var since = Stopwatch.StartNew();
            var waiting = wakeup.WaitToDetectAsync("a", Polling, CancellationToken.None);
            wakeup.Announce("a");
            await waiting;
            waits.Add(since.Elapsed);
        }
        waits.ShouldAllBe(w => w >= DaemonWakeup.DetectionSpacing * 0.9);
        waits.ShouldAllBe(w => w < Polling / 3, "woken by the commit, not by the poll");

        // "b" has not been detected within the spacing: its wake-up is not held by "a"'s.
        var b = wakeup.WaitToDetectAsync("b", Polling, CancellationToken.None);
        wakeup.Announce("b");
        var other = Stopwatch.StartNew();
        await b;
        other.Elapsed.ShouldBeLessThan(Polling / 3);
    }
}
