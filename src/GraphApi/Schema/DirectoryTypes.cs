using CaseEngine.Domain;
using CaseEngine.Domain.Directory;
using CaseEngine.Workflow.Rules;
using GraphQL.Types;

namespace CaseEngine.GraphApi.Schema;

public sealed class RegionType : ObjectGraphType<Region>
{
    public RegionType(RuleBook rules)
    {
        Name = "Region";
        Field<NonNullGraphType<IdGraphType>, string>("code")
            .Description("6 digits for province, city and county (340000, 340100, 340104), 9 for townships, 000000 for the nation; queries also accept the 2- and 4-digit forms")
            .Resolve(c => c.Source.Code);
        Field<NonNullGraphType<StringGraphType>, string>("name").Resolve(c => c.Source.Name);
        Field<NonNullGraphType<LevelEnum>, Level>("level").Resolve(c => c.Source.Level);
        Field<RegionType, Region>("parent")
            .Resolve(c => c.Source.ParentCode is { } parent ? rules.Directory.FindRegion(parent) : null);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<RegionType>>>, IEnumerable<Region>>("children")
            .Resolve(c => rules.Directory.ChildrenOf(c.Source.Code));
    }
}

public sealed class DepartmentType : ObjectGraphType<Department>
{
    public DepartmentType(RuleBook rules)
    {
        Name = "Department";
        Field<NonNullGraphType<IdGraphType>, string>("id").Resolve(c => c.Source.Id);
        Field<NonNullGraphType<StringGraphType>, string>("name").Resolve(c => c.Source.Name);
        Field<NonNullGraphType<DepartmentKindEnum>, DepartmentKind>("kind").Resolve(c => c.Source.Kind);
        Field<NonNullGraphType<LevelEnum>, Level>("level").Resolve(c => c.Source.Level);
        Field<NonNullGraphType<RegionType>, Region>("region").Resolve(c => rules.Directory.FindRegion(c.Source.RegionCode));
        Field<DepartmentType, Department>("parent")
            .Description("the superior body: where a review of this department's decision goes")
            .Resolve(c => rules.Directory.SuperiorOf(c.Source.Id));
    }
}

public sealed class ActorType : ObjectGraphType<Actor>
{
    public ActorType()
    {
        Name = "Actor";
        Field<NonNullGraphType<IdGraphType>, string>("id").Resolve(c => c.Source.Id);
        Field<NonNullGraphType<RoleEnum>, Role>("role").Resolve(c => c.Source.Role);
        Field<IdGraphType, string>("departmentId").Resolve(c => c.Source.DepartmentId);
    }
}
