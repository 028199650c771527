using CaseEngine.Domain;
using CaseEngine.Domain.Clocks;
using CaseEngine.Domain.Petitions;

namespace CaseEngine.Projections.Statistics;

/// <summary>The counters of a statistics bucket, in <see cref="ReadSideSchema.CounterColumns"/> order.</summary>
public enum Counter
{
    Received, Online, Accepted, AcceptedOnTime, Declined, Replied, RepliedOnTime, Overdue,
    Evaluated, Satisfied, BasicallySatisfied, Dissatisfied, ReviewRequested, ReReviewRequested,
    Supervised, HandlingDaysCount,
}

/// <summary>The daily bucket a counted event lands in.</summary>
public readonly record struct StatisticsKey(string DepartmentId, string RegionPath, DateOnly Day, Channel Channel, PetitionCategory Category);

/// <summary>One contribution of an event to a bucket: a counter change, and handling days for replies.</summary>
public readonly record struct Contribution(StatisticsKey Key, Counter Counter, int Delta, double HandlingDays = 0);

/// <summary>
/// domain.md "What is measured": every counter belongs to exactly one department and one date in
/// the deployment's zone. Reads only the event (events are fat), so a rebuild gives the same rows.
/// </summary>
public static class StatisticsAttribution
{
    /// <summary>A counter's date: a date in the deployment's zone (<see cref="DeploymentZone"/>).</summary>
    public static DateOnly DayOf(DateTimeOffset at) => DeploymentZone.DayOf(at);

    public static IEnumerable<Contribution> For(IPetitionEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        switch (e)
        {
            case PetitionSubmitted x:
                {
                    // The entry petition office, on the day it was received (a letter registered later counts then).
                    var key = Key(x.DepartmentId, x.RegionPath, x.ReceivedAt, x);
                    yield return new(key, Counter.Received, 1);
                    if (x.Channel.IsOnline())
                        yield return new(key, Counter.Online, 1);
                    break;
                }
            case DuplicateLinked x:
                {
                    // A merged petition leaves the bucket it was received in (the original counts).
                    var key = Key(x.EntryDepartmentId, x.EntryRegionPath, x.ReceivedAt, x);
                    yield return new(key, Counter.Received, -1);
                    if (x.Channel.IsOnline())
                        yield return new(key, Counter.Online, -1);
                    break;
                }
            case PetitionForwarded x:
                {
                    var key = Key(x.FromDepartmentId, x.FromRegionPath, x.At, x);
                    yield return new(key, Counter.Accepted, 1);
                    if (x.OnTime)
                        yield return new(key, Counter.AcceptedOnTime, 1);
                    break;
                }
            case PetitionTransferredLevel x:
                {
                    var key = Key(x.FromDepartmentId, x.FromRegionPath, x.At, x);
                    yield return new(key, Counter.Accepted, 1);
                    if (x.OnTime)
                        yield return new(key, Counter.AcceptedOnTime, 1);
                    break;
                }
            case PetitionAccepted x:
                {
                    var key = Key(x.DepartmentId, x.RegionPath, x.At, x);
                    yield return new(key, Counter.Accepted, 1);
                    if (x.OnTime)
                        yield return new(key, Counter.AcceptedOnTime, 1);
                    break;
                }
            case PetitionDeclined x:
                {
                    var key = Key(x.DepartmentId, x.RegionPath, x.At, x);
                    yield return new(key, Counter.Declined, 1);
                    if (x.OnTime)
                        yield return new(key, Counter.AcceptedOnTime, 1);
                    break;
                }
            case ReplyIssued x:
                {
                    var key = Key(x.DepartmentId, x.RegionPath, x.At, x);
                    yield return new(key, Counter.Replied, 1);
                    if (x.OnTime)
                        yield return new(key, Counter.RepliedOnTime, 1);
                    yield return new(key, Counter.HandlingDaysCount, 1, x.HandlingDays);
                    break;
                }
            case DeadlineMissed x:
                yield return new(Key(x.LateDepartmentId, x.LateRegionPath, x.At, x), Counter.Overdue, 1);
                break;
            case PetitionEvaluated x:
                {
                    var key = Key(x.RepliedDepartmentId, x.RepliedRegionPath, x.At, x);
                    yield return new(key, Counter.Evaluated, 1);
                    yield return new(key, x.Satisfaction switch
                    {
                        Satisfaction.Satisfied => Counter.Satisfied,
                        Satisfaction.BasicallySatisfied => Counter.BasicallySatisfied,
                        _ => Counter.Dissatisfied,
                    }, 1);
                    break;
                }
            case ReviewRequested x:
                yield return new(Key(x.ChallengedDepartmentId, x.ChallengedRegionPath, x.At, x), Counter.ReviewRequested, 1);
                break;
            case ReReviewRequested x:
                yield return new(Key(x.ChallengedDepartmentId, x.ChallengedRegionPath, x.At, x), Counter.ReReviewRequested, 1);
                break;
            case SupervisionIssued x:
                yield return new(Key(x.SupervisedDepartmentId, x.SupervisedRegionPath, x.At, x), Counter.Supervised, 1);
                break;
        }
    }

    private static StatisticsKey Key(string departmentId, string regionPath, DateTimeOffset at, ICountedEvent e) =>
        new(departmentId, regionPath, DayOf(at), e.Channel, e.Category);
}
