namespace CaseEngine.Domain.Directory;

/// <summary>
/// The regions and departments the petition system connects, with O(1) / O(depth) lookups built once.
/// Immutable; build it with <see cref="Create"/>, <see cref="DemoDirectory.Build"/>,
/// <see cref="DivisionsImporter.Import"/> or <see cref="DirectoryJson.Read"/>.
/// </summary>
public sealed class DepartmentDirectory
{
    private static readonly IReadOnlyList<Region> NoRegions = [];
    private static readonly IReadOnlyList<Department> NoDepartments = [];

    private readonly Region[] _regions;
    private readonly Department[] _departments;
    private readonly Dictionary<string, Region> _regionByCode;
    private readonly Dictionary<string, Department> _departmentById;
    private readonly Dictionary<string, Region[]> _childrenByCode;
    private readonly Dictionary<string, Department[]> _departmentsByRegion;
    private readonly Dictionary<string, Department> _petitionOfficeByRegion;
    private readonly Dictionary<(string RegionCode, string Line), Department> _agencyByRegionAndLine;

    private DepartmentDirectory(
        Region[] regions,
        Department[] departments,
        Dictionary<string, Region> regionByCode,
        Dictionary<string, Department> departmentById,
        Dictionary<string, Region[]> childrenByCode,
        Dictionary<string, Department[]> departmentsByRegion,
        Dictionary<string, Department> petitionOfficeByRegion,
        Dictionary<(string, string), Department> agencyByRegionAndLine)
    {
        _regions = regions;
        _departments = departments;
        _regionByCode = regionByCode;
        _departmentById = departmentById;
        _childrenByCode = childrenByCode;
        _departmentsByRegion = departmentsByRegion;
        _petitionOfficeByRegion = petitionOfficeByRegion;
        _agencyByRegionAndLine = agencyByRegionAndLine;
    }

    /// <summary>All regions, in the order they were given.</summary>
    public IReadOnlyCollection<Region> Regions => _regions;

    /// <summary>All departments, in the order they were given.</summary>
    public IReadOnlyCollection<Department> Departments => _departments;

    /// <summary>
    /// Builds a directory and validates it. Throws <see cref="ArgumentException"/> when a region code is not
    /// canonical or is used twice, a region's level does not fit its code or its parent's level (each level is
    /// exactly one below its parent's), a parent region is missing, a department id is empty or used twice,
    /// a department's region is missing or its level differs from its region's, a petition office has a line or
    /// a handling agency has none, or a region has two petition offices or two agencies of the same line.
    /// </summary>
    public static DepartmentDirectory Create(IEnumerable<Region> regions, IEnumerable<Department> departments)
    {
        ArgumentNullException.ThrowIfNull(regions);
        ArgumentNullException.ThrowIfNull(departments);
        var regionArray = regions.ToArray();
        var departmentArray = departments.ToArray();

        var regionByCode = new Dictionary<string, Region>(regionArray.Length, StringComparer.Ordinal);
        foreach (var region in regionArray)
        {
            if (region is null) throw new ArgumentException("The regions contain a null entry.", nameof(regions));
            ValidateRegionShape(region);
            if (!regionByCode.TryAdd(region.Code, region))
                throw new ArgumentException($"Region code {region.Code} is used twice ('{regionByCode[region.Code].Name}' and '{region.Name}').", nameof(regions));
        }

        var childLists = new Dictionary<string, List<Region>>(StringComparer.Ordinal);
        foreach (var region in regionArray)
        {
            if (region.ParentCode is null) continue;
            if (!regionByCode.TryGetValue(region.ParentCode, out var parent))
                throw new ArgumentException($"Region {region.Code} ('{region.Name}') has parent {region.ParentCode}, which is not in the directory.", nameof(regions));
            if (parent.Level + 1 != region.Level)
                throw new ArgumentException($"Region {region.Code} ('{region.Name}') is {region.Level} but its parent {parent.Code} is {parent.Level}; a region must be exactly one level below its parent.", nameof(regions));
            if (!childLists.TryGetValue(parent.Code, out var list)) childLists[parent.Code] = list = [];
            list.Add(region);
        }
        var childrenByCode = new Dictionary<string, Region[]>(childLists.Count, StringComparer.Ordinal);
        foreach (var (code, list) in childLists)
        {
            var children = list.ToArray();
            Array.Sort(children, static (a, b) => string.CompareOrdinal(a.Code, b.Code));
            childrenByCode[code] = children;
        }

        var departmentById = new Dictionary<string, Department>(departmentArray.Length, StringComparer.Ordinal);
        var departmentLists = new Dictionary<string, List<Department>>(StringComparer.Ordinal);
        var petitionOfficeByRegion = new Dictionary<string, Department>(StringComparer.Ordinal);
        var agencyByRegionAndLine = new Dictionary<(string, string), Department>();
        foreach (var department in departmentArray)
        {
            if (department is null) throw new ArgumentException("The departments contain a null entry.", nameof(departments));
            if (string.IsNullOrWhiteSpace(department.Id))
                throw new ArgumentException($"Department '{department.Name}' has no id.", nameof(departments));
            if (string.IsNullOrWhiteSpace(department.Name))
                throw new ArgumentException($"Department {department.Id} has no name.", nameof(departments));
            if (!departmentById.TryAdd(department.Id, department))
                throw new ArgumentException($"Department id {department.Id} is used twice.", nameof(departments));
            if (department.RegionCode is null || !regionByCode.TryGetValue(department.RegionCode, out var region))
                throw new ArgumentException($"Department {department.Id} is in region {department.RegionCode}, which is not in the directory.", nameof(departments));
            if (department.Level != region.Level)
                throw new ArgumentException($"Department {department.Id} is {department.Level} but its region {region.Code} is {region.Level}.", nameof(departments));
            if (!Enum.IsDefined(department.Kind))
                throw new ArgumentException($"Department {department.Id} has an unknown kind {(int)department.Kind}.", nameof(departments));

            if (department.Kind == DepartmentKind.PetitionOffice)
            {
                if (department.Line is not null)
                    throw new ArgumentException($"Petition office {department.Id} has line '{department.Line}'; petition offices have none.", nameof(departments));
                if (!petitionOfficeByRegion.TryAdd(region.Code, department))
                    throw new ArgumentException($"Region {region.Code} has two petition offices: {petitionOfficeByRegion[region.Code].Id} and {department.Id}.", nameof(departments));
            }
            else
            {
                if (string.IsNullOrWhiteSpace(department.Line))
                    throw new ArgumentException($"Handling agency {department.Id} has no line.", nameof(departments));
                if (!agencyByRegionAndLine.TryAdd((region.Code, department.Line), department))
                    throw new ArgumentException($"Region {region.Code} has two agencies of line '{department.Line}': {agencyByRegionAndLine[(region.Code, department.Line)].Id} and {department.Id}.", nameof(departments));
            }

            if (!departmentLists.TryGetValue(region.Code, out var list)) departmentLists[region.Code] = list = [];
            list.Add(department);
        }
        var departmentsByRegion = new Dictionary<string, Department[]>(departmentLists.Count, StringComparer.Ordinal);
        foreach (var (code, list) in departmentLists)
        {
            var own = list.ToArray();
            Array.Sort(own, static (a, b) => a.Level != b.Level ? a.Level.CompareTo(b.Level) : string.CompareOrdinal(a.Id, b.Id));
            departmentsByRegion[code] = own;
        }

        return new DepartmentDirectory(regionArray, departmentArray, regionByCode, departmentById, childrenByCode,
            departmentsByRegion, petitionOfficeByRegion, agencyByRegionAndLine);
    }

    private static void ValidateRegionShape(Region region)
    {
        if (region.Code is null || NormalizeRegionCode(region.Code) != region.Code)
            throw new ArgumentException($"Region code '{region.Code}' ('{region.Name}') is not canonical: use \"000000\" for the nation, 6 digits for province, city and county, 9 for townships.", "regions");
        if (string.IsNullOrWhiteSpace(region.Name))
            throw new ArgumentException($"Region {region.Code} has no name.", "regions");
        if (!Enum.IsDefined(region.Level))
            throw new ArgumentException($"Region {region.Code} has an unknown level {(int)region.Level}.", "regions");
        var expectedLength = region.Level == Level.Township ? 9 : 6;
        if (region.Code.Length != expectedLength)
            throw new ArgumentException($"Region {region.Code} ('{region.Name}') is {region.Level} but its code has {region.Code.Length} digits (expected {expectedLength}).", "regions");
        if ((region.Level == Level.National) != (region.Code == NationalCode))
            throw new ArgumentException($"Region {region.Code} ('{region.Name}') is {region.Level}; the code {NationalCode} is for the national root, and only for it.", "regions");
        if (region.Level == Level.National && region.ParentCode is not null)
            throw new ArgumentException($"The national root {region.Code} cannot have a parent.", "regions");
    }

    /// <summary>The canonical code of the national root.</summary>
    public const string NationalCode = "000000";

    /// <summary>
    /// The canonical form of a region code: 2 digits are a province ("34" → "340000"), 4 digits a city
    /// ("3401" → "340100"), 6 and 9 digits are kept ("000000" is the nation). Null for anything else
    /// (empty, other lengths, non-ASCII-digit characters, surrounding whitespace).
    /// </summary>
    public static string? NormalizeRegionCode(string code)
    {
        if (code is null) return null;
        foreach (var c in code)
            if (c is < '0' or > '9') return null;
        return code.Length switch
        {
            2 => code + "0000",
            4 => code + "00",
            6 or 9 => code,
            _ => null,
        };
    }

    /// <summary>The region with this code in any accepted form (2/4/6/9 digits), or null.</summary>
    public Region? FindRegion(string code)
    {
        var canonical = NormalizeRegionCode(code);
        return canonical is not null && _regionByCode.TryGetValue(canonical, out var region) ? region : null;
    }

    /// <summary>The department with this id, or null.</summary>
    public Department? FindDepartment(string id) =>
        id is not null && _departmentById.TryGetValue(id, out var department) ? department : null;

    /// <summary>The direct children of a region, ordered by code; empty for unknown regions and leaves.</summary>
    public IReadOnlyList<Region> ChildrenOf(string regionCode)
    {
        var region = FindRegion(regionCode);
        return region is not null && _childrenByCode.TryGetValue(region.Code, out var children) ? children : NoRegions;
    }

    /// <summary>Canonical codes from the topmost ancestor (the national root) down to the region itself; empty for unknown regions.</summary>
    public IReadOnlyList<string> RegionPath(string regionCode)
    {
        var region = FindRegion(regionCode);
        if (region is null) return [];
        var path = new List<string>(5);
        for (var r = region; r is not null; r = Parent(r)) path.Add(r.Code);
        path.Reverse();
        return path;
    }

    /// <summary>True when the region is the ancestor region itself or lies below it. False when either is unknown.</summary>
    public bool IsInSubtree(string regionCode, string ancestorRegionCode)
    {
        var region = FindRegion(regionCode);
        var ancestor = FindRegion(ancestorRegionCode);
        if (region is null || ancestor is null) return false;
        for (var r = region; r is not null; r = Parent(r))
        {
            if (r.Level < ancestor.Level) return false;
            if (ReferenceEquals(r, ancestor)) return true;
        }
        return false;
    }

    /// <summary>The petition office of the region (any accepted code form), or null (placeholder regions, unknown codes).</summary>
    public Department? PetitionOfficeOf(string regionCode)
    {
        var region = FindRegion(regionCode);
        return region is not null && _petitionOfficeByRegion.TryGetValue(region.Code, out var office) ? office : null;
    }

    /// <summary>The departments whose own region is this one (descendants excluded), ordered by level, then id (ordinal).</summary>
    public IReadOnlyList<Department> DepartmentsOf(string regionCode)
    {
        var region = FindRegion(regionCode);
        return region is not null && _departmentsByRegion.TryGetValue(region.Code, out var own) ? own : NoDepartments;
    }

    /// <summary>
    /// The superior body (domain.md, "The superior body"), or null when there is none in the directory:
    /// <list type="bullet">
    /// <item>national departments have none;</item>
    /// <item>a petition office: the petition office of the nearest ancestor region that has one (placeholder regions are skipped);</item>
    /// <item>a handling agency: the same-line agency of the nearest ancestor region that has departments at all, when that region
    /// has one; otherwise the people's government of its own region (null for a government itself, so a government's
    /// superior is the nearest such ancestor's government, or null at the top).</item>
    /// </list>
    /// </summary>
    public Department? SuperiorOf(string departmentId)
    {
        var department = FindDepartment(departmentId);
        if (department is null || department.Level == Level.National) return null;
        var region = _regionByCode[department.RegionCode];

        if (department.Kind == DepartmentKind.PetitionOffice)
        {
            for (var r = Parent(region); r is not null; r = Parent(r))
                if (_petitionOfficeByRegion.TryGetValue(r.Code, out var office)) return office;
            return null;
        }

        var line = department.Line!;
        for (var r = Parent(region); r is not null; r = Parent(r))
        {
            if (!_departmentsByRegion.ContainsKey(r.Code)) continue; // a placeholder: no bodies there
            if (_agencyByRegionAndLine.TryGetValue((r.Code, line), out var sameLine)) return sameLine;
            break;
        }
        if (line == DepartmentLines.Government) return null;
        return _agencyByRegionAndLine.TryGetValue((region.Code, DepartmentLines.Government), out var government) ? government : null;
    }

    private Region? Parent(Region region) =>
        region.ParentCode is not null && _regionByCode.TryGetValue(region.ParentCode, out var parent) ? parent : null;
}
