using CaseEngine.Domain.Calendar;
using CaseEngine.Domain.Clocks;
using CaseEngine.Domain.Directory;

namespace CaseEngine.Workflow.Rules;

/// <summary>
/// The directory and the statutory clock the engine decides with. Both can be replaced at run
/// time (an ADMIN loads a new directory or a new year's holidays); decisions already taken keep
/// what their events recorded.
/// </summary>
public sealed class RuleBook(DepartmentDirectory directory, StatutoryClock clock)
{
    private volatile DepartmentDirectory _directory = directory;
    private volatile StatutoryClock _clock = clock;

    public DepartmentDirectory Directory => _directory;
    public StatutoryClock Clock => _clock;

    public static RuleBook Demo() => new(DemoDirectory.Build(), new StatutoryClock(ClockPolicy.Default, BusinessCalendar.China));

    public void Replace(DepartmentDirectory directory) => _directory = directory;

    /// <summary>A new calendar version: open provisional deadlines are then recounted (RecalculateDeadlines).</summary>
    public void Replace(BusinessCalendar calendar) => _clock = new StatutoryClock(_clock.Policy, calendar);
}
