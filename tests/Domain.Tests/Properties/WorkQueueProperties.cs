using CaseEngine.Domain.Directory;
using CaseEngine.Domain.Petitions;
using CaseEngine.Domain.Tests.Petitions;
using CsCheck;

namespace CaseEngine.Domain.Tests.Properties;

/// <summary>
/// Why an inbox page may show its rows without reading their petitions for the read check: every
/// work item a department has (the rule of the read side's WorkItems: the main line's item at the
/// current department while a staff stage's clock runs, one item per open supervision at the
/// supervised department) has that department among the petition's <see cref="Petition.Departments"/>,
/// and Departments only grows (so a read model behind the petition's document holds too). Whoever
/// passes the work-queue check for the department (an OFFICER of it, a SUPERVISOR whose office's
/// subtree holds it; ADMIN and AUDITOR read everything) may therefore read the petition.
/// </summary>
public class when_a_department_has_work_on_a_petition
{
    private static readonly DepartmentDirectory Directory = Story.Directory;

    private static IEnumerable<(string DepartmentId, bool Supervision)> WorkItemDepartments(Petition s)
    {
        if (!s.IsFinal && s.Clock is { } clock && clock.Stage.IsStaffStage() && clock.Stage == s.Stage)
            yield return (s.CurrentDepartmentId, false);
        foreach (var v in s.Supervisions.Where(v => v.IsOpen))
            yield return (v.SupervisedDepartmentId, true);
    }

    [Fact]
    public void whoever_may_read_the_departments_work_queue_may_read_the_petition()
    {
        long mainItems = 0, supervisionItems = 0, supervisorsChecked = 0;
        Walks.WalkGen.Sample(walk =>
        {
            var (_, _, states) = Walks.Run(walk);
            for (var i = 0; i < states.Count; i++)
            {
                var s = states[i];
                if (i > 0)
                    states[i - 1].Departments.ShouldBeSubsetOf(s.Departments, "Departments only grows");
                foreach (var (departmentId, supervision) in WorkItemDepartments(s))
                {
                    Interlocked.Increment(ref supervision ? ref supervisionItems : ref mainItems);
                    s.Departments.ShouldContain(departmentId, $"a work item's department at version {s.Version}");
                    var department = Directory.FindDepartment(departmentId).ShouldNotBeNull();

                    var officer = new Actor("officer", Role.Officer, departmentId);
                    Jurisdiction.WorkQueueScope(officer, false, department, Directory, false, "inbox");
                    Jurisdiction.CanRead(s, officer, Directory, anonymous: false, accessCodeVerified: false)
                        .ShouldBeTrue($"an OFFICER of {departmentId} reads its inbox, at version {s.Version}");

                    // Every petition office whose subtree holds the department: its SUPERVISORs read the department's inbox.
                    foreach (var region in Directory.RegionPath(department.RegionCode))
                    {
                        if (Directory.PetitionOfficeOf(region) is not { } office)
                            continue;
                        var supervisor = new Actor("supervisor", Role.Supervisor, office.Id);
                        Jurisdiction.WorkQueueScope(supervisor, false, department, Directory, false, "inbox");
                        Jurisdiction.CanRead(s, supervisor, Directory, anonymous: false, accessCodeVerified: false)
                            .ShouldBeTrue($"a SUPERVISOR of {office.Id} reads {departmentId}'s inbox, at version {s.Version}");
                        Interlocked.Increment(ref supervisorsChecked);
                    }
                }
            }
        }, iter: 2000);
        // The walks reached both kinds of item and supervisors above them: the property held somewhere.
        mainItems.ShouldBeGreaterThan(0);
        supervisionItems.ShouldBeGreaterThan(0);
        supervisorsChecked.ShouldBeGreaterThan(0);
    }
}
