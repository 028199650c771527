namespace CaseEngine.GraphApi.Http;

/// <summary>Configuration section <c>GraphiQL</c>.</summary>
public sealed class GraphiQLOptions
{
    public const string Section = "GraphiQL";

    /// <summary>Serves GraphiQL to browsers outside Development too (it is always on in Development).</summary>
    public bool Enabled { get; set; }
}
