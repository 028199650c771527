using CaseEngine.Workflow.Tenancy;
using Npgsql;

namespace CaseEngine.GraphApi.Reading;

/// <summary>
/// What the national relay, the live tails and <c>accept-relay-loss</c> ask of a province's own log (Marten's
/// <c>mt_events</c> and its sequence), on a connection to the province's database.
/// </summary>
public static class ProvinceLog
{
    /// <summary>
    /// The type Marten stores for a failed append's numbers (a tombstone keeps the sequence without holes): not an
    /// event, never relayed, never checked.
    /// </summary>
    public const string Tombstone = "tombstone";

    /// <summary>
    /// A connection to <paramref name="province"/>'s database, open: how the relay, the live tails, the committed
    /// prefix and <c>accept-relay-loss</c> reach its log outside Marten's sessions.
    /// </summary>
    public static async Task<NpgsqlConnection> OpenAsync(ProvinceDatabases provinces, string province, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(provinces);
        var connection = (NpgsqlConnection)(await provinces.DatabaseAsync(province)).CreateConnection();
        try
        {
            await connection.OpenAsync(ct);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>The ids of the events at the sequences of parameter $1 (a bigint[]) that the log still holds; tombstones are not events.</summary>
    public static string HeldSql(string schema) => $"select seq_id, id from {schema}.mt_events where seq_id = any($1) and type <> '{Tombstone}'";

    /// <summary>
    /// Whether the log holds the event relayed at <paramref name="sequence"/>, given what <see cref="HeldSql"/> read:
    /// an event there, with the id relayed (any event there when the entry kept no id, as before 2026-12-07).
    /// </summary>
    public static bool Holds(IReadOnlyDictionary<long, Guid> held, long sequence, Guid? relayed) =>
        held.TryGetValue(sequence, out var id) && (relayed is not { } expected || id == expected);

    /// <summary>Where the log's event sequence stands: never below the highest number handed out, on a database that was not set back.</summary>
    public static string SequenceSql(string schema) => $"select last_value from {schema}.mt_events_sequence";

    /// <summary>Reads the rows of <see cref="HeldSql"/>: sequence → event id.</summary>
    public static async Task<Dictionary<long, Guid>> ReadHeldAsync(NpgsqlDataReader reader, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var held = new Dictionary<long, Guid>();
        while (await reader.ReadAsync(ct))
            held[reader.GetInt64(0)] = reader.GetGuid(1);
        return held;
    }

    /// <summary>The events the log still holds at <paramref name="sequences"/>, by their ids.</summary>
    public static async Task<Dictionary<long, Guid>> HeldAsync(NpgsqlConnection connection, string schema, long[] sequences, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(HeldSql(schema), connection);
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = sequences });
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await ReadHeldAsync(reader, ct);
    }

    /// <summary>
    /// The last <paramref name="count"/> events at or before <paramref name="sequence"/>, oldest first (tombstones are
    /// not events): what a live subscriber that joins there without a replay is checked against, so that a restore
    /// setting the log back behind it is noticed although it was sent nothing yet.
    /// </summary>
    public static async Task<List<(long Sequence, Guid Id)>> LastAsync(NpgsqlConnection connection, string schema, long sequence, int count, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            $"select seq_id, id from {schema}.mt_events where seq_id <= $1 and type <> '{Tombstone}' order by seq_id desc limit $2", connection);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = sequence });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = count });
        await using var reader = await command.ExecuteReaderAsync(ct);
        var last = new List<(long Sequence, Guid Id)>();
        while (await reader.ReadAsync(ct))
            last.Add((reader.GetInt64(0), reader.GetGuid(1)));
        last.Reverse();
        return last;
    }

    /// <summary>
    /// Moves the log's event sequence past <paramref name="to"/> by drawing numbers from it: never back,
    /// whatever appends draw meanwhile (a setval to a value read before could be). False when it already was.
    /// </summary>
    public static async Task<bool> AdvanceSequencePastAsync(NpgsqlConnection connection, string schema, long to, CancellationToken ct)
    {
        await using (var at = new NpgsqlCommand(SequenceSql(schema), connection))
            if ((long)(await at.ExecuteScalarAsync(ct))! >= to)
                return false;
        await using var command = new NpgsqlCommand(
            $"select max(nextval('{schema}.mt_events_sequence')) from generate_series(1, greatest(1, $1 - (select last_value from {schema}.mt_events_sequence)))",
            connection);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = to });
        long drawn;
        do
            drawn = (long)(await command.ExecuteScalarAsync(ct))!;
        while (drawn < to);
        return true;
    }
}
