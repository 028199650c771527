namespace CaseEngine.GraphApi.Tests.Support;

/// <summary>Paths in the repository and beside it (CI lays ../shared next to the clone).</summary>
public static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string SchemaFile => Path.Combine(Root, "schema", "schema.graphql");

    public static string ContractSchemaFile => Path.GetFullPath(Path.Combine(Root, "..", "shared", "contract", "schema.graphql"));

    public static string NodeFolder => Path.Combine(Root, "tests", "GraphApi.Tests", "node");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "CaseEngine.sln")))
                return dir.FullName;
        throw new InvalidOperationException("CaseEngine.sln not found above " + AppContext.BaseDirectory);
    }
}
