namespace CaseEngine.Workflow.Hosting;

/// <summary>No initdb/pg_ctl/postgres could be found, so no embedded cluster can start.</summary>
public sealed class PostgresBinariesNotFoundException : InvalidOperationException
{
    public const string DefaultMessage =
        "PostgreSQL server binaries not found: install them (apt-get install -y postgresql) or set CASEENGINE_PG_BIN / ConnectionStrings__Marten";

    public PostgresBinariesNotFoundException() : base(DefaultMessage) { }

    public PostgresBinariesNotFoundException(string message) : base(message) { }

    public PostgresBinariesNotFoundException(string message, Exception innerException) : base(message, innerException) { }
}
