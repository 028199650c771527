namespace CaseEngine.Domain.Tests.Directory;

/// <summary>
/// Where the repository and the shared data beside it are, for tests. The repository root is the first folder,
/// walking up from the test assembly, that contains CaseEngine.sln; shared data is <c>../shared</c> next to it.
/// Missing folders fail with a clear message (never a silent skip).
/// </summary>
public static class RepositoryPaths
{
    private static readonly Lazy<string> LazyRoot = new(FindRoot);

    /// <summary>The folder that contains CaseEngine.sln.</summary>
    public static string Root => LazyRoot.Value;

    /// <summary>The shared folder beside the repository (<c>{Root}/../shared</c>); must exist.</summary>
    public static string Shared => Existing(Path.GetFullPath(Path.Combine(Root, "..", "shared")), "the shared folder beside the repository");

    /// <summary>A folder under <see cref="Shared"/>, e.g. <c>SharedFolder("data", "divisions")</c>; must exist.</summary>
    public static string SharedFolder(params string[] parts) =>
        Existing(Path.GetFullPath(Path.Combine([Root, "..", "shared", .. parts])), $"../shared/{string.Join('/', parts)}");

    /// <summary>The statistical division CSVs: <c>../shared/data/divisions</c>.</summary>
    public static string Divisions => SharedFolder("data", "divisions");

    private static string FindRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
            if (File.Exists(Path.Combine(folder.FullName, "CaseEngine.sln")))
                return folder.FullName;
        throw new InvalidOperationException(
            $"No folder containing CaseEngine.sln above {AppContext.BaseDirectory}; tests must run from inside the repository.");
    }

    private static string Existing(string path, string what) =>
        System.IO.Directory.Exists(path)
            ? path
            : throw new InvalidOperationException(
                $"Expected {what} at {path} (the repository root is {Root}). Check out ../shared beside the repository; these tests do not skip.");
}
