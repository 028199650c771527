using System.Text.RegularExpressions;
using Npgsql;

namespace CaseEngine.Workflow.Hosting;

/// <summary>Creates and drops whole databases on a server, embedded or not (one per test class).</summary>
public static partial class PostgresDatabases
{
    /// <summary>The server's connection string pointed at another database.</summary>
    public static string ForDatabase(string serverConnectionString, string database) =>
        new NpgsqlConnectionStringBuilder(serverConnectionString) { Database = database }.ConnectionString;

    public static async Task CreateAsync(string serverConnectionString, string database, CancellationToken cancellationToken = default)
    {
        var name = Checked(database);
        await using var connection = new NpgsqlConnection(ForDatabase(serverConnectionString, "postgres"));
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Drops the database even while hosts still hold connections to it (<c>WITH (FORCE)</c>).</summary>
    public static async Task DropAsync(string serverConnectionString, string database, CancellationToken cancellationToken = default)
    {
        var name = Checked(database);
        // Pooled idle connections to the dropped database would fail on their next use.
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(ForDatabase(serverConnectionString, "postgres"));
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    // Names are interpolated into DDL, so only plain identifiers pass.
    private static string Checked(string database) =>
        SafeName().IsMatch(database)
            ? database
            : throw new ArgumentException($"'{database}' is not a plain database name ([a-z_][a-z0-9_]*, at most 63 characters)", nameof(database));

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex SafeName();
}
