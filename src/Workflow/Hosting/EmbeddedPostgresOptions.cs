namespace CaseEngine.Workflow.Hosting;

/// <summary>How <see cref="EmbeddedPostgres"/> lays out and tunes its private cluster.</summary>
public sealed record EmbeddedPostgresOptions
{
    /// <summary>First part of the cluster folder's name (<c>&lt;name&gt;-&lt;pid&gt;</c>); letters, digits and '_' only.</summary>
    public string Name { get; init; } = "caseengine";

    /// <summary>
    /// Tests only: fsync, synchronous_commit and full_page_writes off. A crash then loses or
    /// corrupts data, which a throw-away test cluster does not mind.
    /// </summary>
    public bool FastUnsafe { get; init; }

    /// <summary>
    /// Folder holding initdb and pg_ctl. When null: env <c>CASEENGINE_PG_BIN</c>, then
    /// <c>pg_ctl</c> on PATH, then Debian's <c>/usr/lib/postgresql/&lt;highest&gt;/bin</c>.
    /// </summary>
    public string? BinDirectory { get; init; }

    /// <summary>
    /// Where cluster folders live: a folder of this user that nobody else may write (created 0700, or
    /// 0711 as root so the <c>postgres</c> user can reach its own cluster); one owned by another user or
    /// writable by others is refused, since the clean-up of abandoned clusters acts on what it finds there.
    /// </summary>
    public string RootDirectory { get; init; } = EmbeddedPostgres.DefaultRootDirectory;

    /// <summary>Passed as <c>max_connections</c>: every host opens pools and the daemon keeps connections.</summary>
    public int MaxConnections { get; init; } = 200;

    /// <summary>
    /// A cluster folder that outlives the process (the benchmark keeps its generated data between
    /// runs): created with initdb only when empty, stopped but never deleted; its password is kept in
    /// <c>password</c> beside <c>data/</c> (0600). Null: a throw-away
    /// folder under <see cref="RootDirectory"/>.
    /// </summary>
    public string? KeptDirectory { get; init; }

    /// <summary>More server settings, as <c>name=value</c> pairs (e.g. <c>shared_buffers=2GB</c>).</summary>
    public IReadOnlyList<string> Settings { get; init; } = [];
}
