using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using CaseEngine.Domain;
using CaseEngine.Domain.Petitions.Routing;
using CaseEngine.Testing;
using CaseEngine.Workflow.Commands;

namespace CaseEngine.Workflow.Tests.Scenarios;

/// <summary>
/// Every command is the same Wolverine message (<see cref="CommandEnvelope"/>), so Wolverine's own
/// message-type tag no longer tells them apart: the command's name does, on the trace, the metrics
/// and the envelope's headers.
/// </summary>
public class when_a_command_runs_on_the_bus(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task its_trace_and_its_metrics_carry_the_commands_name()
    {
        var traced = new ConcurrentBag<string>();
        var measured = new ConcurrentBag<string>();
        var all = new ConcurrentBag<string>();
        using var activities = new ActivityListener
        {
            // Wolverine's execution span and, under it, the command's own span (source CaseEngine) named by the tag.
            ShouldListenTo = source => source.Name.StartsWith("Wolverine", StringComparison.Ordinal) || source.Name == "CaseEngine",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a =>
            {
                all.Add(a.Source.Name + "/" + a.OperationName + ": " + string.Join(",", a.TagObjects.Select(t => $"{t.Key}={t.Value}")));
                if (a.GetTagItem(CommandEnvelope.Tag) is string name && a.Parent?.Source.Name.StartsWith("Wolverine", StringComparison.Ordinal) == true)
                    traced.Add(name);
            },
        };
        ActivitySource.AddActivityListener(activities);
        using var meters = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name.StartsWith("Wolverine", StringComparison.Ordinal))
                    listener.EnableMeasurementEvents(instrument);
            },
        };
        meters.SetMeasurementEventCallback<long>((_, _, tags, _) => Collect(tags));
        meters.SetMeasurementEventCallback<int>((_, _, tags, _) => Collect(tags));
        meters.SetMeasurementEventCallback<double>((_, _, tags, _) => Collect(tags));
        meters.Start();

        await using var engine = await Engine.StartAsync(db);
        var submitted = await engine.SubmitAsync();
        await engine.SendAsync(new CommandEnvelope(Engine.As(new Actor("officer-7", Role.Officer, "340101-PO")),
            new ForwardPetition(submitted.PetitionId, "340101-EDU", ForwardMode.Assign)));

        traced.ShouldContain("submitPetition", string.Join("\n", all));
        traced.ShouldContain("forwardPetition");
        measured.ShouldContain("forwardPetition");

        void Collect(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            foreach (var tag in tags)
                if (tag.Key == CommandEnvelope.Tag && tag.Value is string name)
                    measured.Add(name);
        }
    }
}
