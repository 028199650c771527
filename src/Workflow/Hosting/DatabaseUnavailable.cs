using System.Net.Sockets;
using Npgsql;

namespace CaseEngine.Workflow.Hosting;

/// <summary>
/// Tells a failure to reach the database (stopped, crashed, restarting, failing over, out of
/// connections) from every other failure. Such a failure says nothing about the request: it is answered
/// with the code <see cref="Code"/>, not INTERNAL, so a client knows the outcome is unknown and sends the
/// same command again with the same commandId (applied once whatever happened), and an operator's
/// "failures" alert is not set off by a database restart.
/// </summary>
public static class DatabaseUnavailable
{
    public const string Code = "UNAVAILABLE";

    /// <summary>What the caller is told (no reference to its input).</summary>
    public const string Message = "the database is unavailable; the outcome is unknown: send the same command again with the same commandId (it is applied once)";

    /// <summary>True when <paramref name="failure"/> or an exception inside it is a failure to reach the database.</summary>
    public static bool Is(Exception? failure)
    {
        for (var e = failure; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                // Connection exceptions (08…), the server shutting down or restarting (57P01–57P03),
                // too many connections (53300). Not constraint, syntax or conflict errors: those are answers.
                case PostgresException pg:
                    return pg.SqlState.StartsWith("08", StringComparison.Ordinal)
                        || pg.SqlState is PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown
                            or PostgresErrorCodes.CannotConnectNow or PostgresErrorCodes.TooManyConnections;
                // Npgsql's own: the socket broke, the connection or the command timed out, the pool was exhausted.
                case NpgsqlException npgsql when npgsql.IsTransient:
                    return true;
                case SocketException:
                    return true;
            }
        }
        return false;
    }

    /// <summary>
    /// For a log line: the failure's type and, where PostgreSQL answered, its SQLSTATE (which failure it
    /// was: 53300 too many connections, 57P01 shut down, …). Never the message, which may quote input.
    /// </summary>
    public static string Describe(Exception failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        for (var e = failure; e is not null; e = e.InnerException)
        {
            if (e is PostgresException pg)
                return $"{failure.GetType().FullName}, SQLSTATE {pg.SqlState}";
        }
        return failure.GetType().FullName ?? failure.GetType().Name;
    }
}
