using CaseEngine.Domain.Directory;
using CaseEngine.GraphApi.Auth;
using CaseEngine.Workflow.Rules;
using CaseEngine.Workflow.Tenancy;
using GraphQL;

namespace CaseEngine.GraphApi.Reading;

/// <summary>
/// The province database a query with no petition, department or region of its own reads (the access
/// log, the event feed, the chain's day roots): the caller's department's province; a caller without a
/// department (ADMIN) or at the national level spans provinces (<see cref="ProvinceDatabases.ForRegionAsync"/>).
/// </summary>
public static class CallerProvince
{
    public static ValueTask<string> OfAsync(IResolveFieldContext c)
    {
        ArgumentNullException.ThrowIfNull(c);
        var caller = c.Caller();
        var directory = c.RequestServices!.GetService(typeof(RuleBook)) is RuleBook rules ? rules.Directory : null;
        var region = caller.Actor.DepartmentId is { } id && directory?.FindDepartment(id) is { } department
            ? department.RegionCode
            : DepartmentDirectory.NationalCode;
        return ((ProvinceDatabases)c.RequestServices!.GetService(typeof(ProvinceDatabases))!).ForRegionAsync(region);
    }

    /// <summary>
    /// The province named by the field's <c>province</c> argument (a region code of it), else the caller's: how a
    /// read of one database's own log (the access log, the chain's roots and proofs) is pointed at a province.
    /// </summary>
    public static async ValueTask<string> NamedOrCallersAsync(IResolveFieldContext c)
    {
        ArgumentNullException.ThrowIfNull(c);
        return c.GetArgument<string?>("province") is { } named
            ? await ((ProvinceDatabases)c.RequestServices!.GetService(typeof(ProvinceDatabases))!).ForRegionAsync(named)
            : await OfAsync(c);
    }
}
