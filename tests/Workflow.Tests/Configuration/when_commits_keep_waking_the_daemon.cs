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

        // A commit in "a" lands while its agent detects: each next wait is woken at once, and held to the spacing.
        // Measured over ten detections from the first: the spacing runs from the detection's start inside the
        // wakeup, and a wait seen from here can come out a scheduling delay short of it (seen in CI: 21.9 ms), so
        // the ten are allowed one spacing of such delay in all.
        const int Detections = 10;
        var all = Stopwatch.StartNew();
        for (var i = 0; i < Detections; i++)
        {
            var one = Stopwatch.StartNew();
            var waiting = wakeup.WaitToDetectAsync("a", Polling, CancellationToken.None);
            wakeup.Announce("a");
            await waiting;
            one.Elapsed.ShouldBeLessThan(Polling / 3, "woken by the commit, not by the poll");
        }
        // Without the spacing the ten took a few milliseconds in all (a notification's round trip each).
        all.Elapsed.ShouldBeGreaterThanOrEqualTo(DaemonWakeup.DetectionSpacing * (Detections - 1));

        // "b" has not been detected within the spacing: its wake-up is not held by "a"'s.
        var b = wakeup.WaitToDetectAsync("b", Polling, CancellationToken.None);
        wakeup.Announce("b");
        var other = Stopwatch.StartNew();
        await b;
        other.Elapsed.ShouldBeLessThan(Polling / 3);
    }
}
