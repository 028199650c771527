using System.Text;
using CaseEngine.Domain;
using CaseEngine.Domain.Directory;
using Marten;
using Npgsql;
using NpgsqlTypes;

namespace CaseEngine.Projections.ReadSide;

public sealed record Edge<T>(string Cursor, T Node);

/// <summary>A keyset page: the edges, whether more follow, the last cursor and the count of every matching item.</summary>
public sealed record Page<T>(IReadOnlyList<Edge<T>> Edges, bool HasNextPage, string? EndCursor, int TotalCount);

/// <summary>The department a query is for, with what the region roll-up needs.</summary>
/// <param name="RegionPath">region codes from the nation down, joined by '.', as the events store them</param>
public sealed record DepartmentScope(string Id, DepartmentKind Kind, string RegionPath)
{
    /// <summary>The department from the directory; VALIDATION when it is not there.</summary>
    public static DepartmentScope Of(DepartmentDirectory directory, string departmentId)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var department = directory.FindDepartment(departmentId)
            ?? throw RuleViolation.Validation("the department is not in the directory");
        return new DepartmentScope(department.Id, department.Kind, string.Join('.', directory.RegionPath(department.RegionCode)));
    }

    /// <summary>A petition office's roll-up covers its region subtree; a handling agency's is itself.</summary>
    public bool RollsUp(bool includeSubordinates) => includeSubordinates && Kind == DepartmentKind.PetitionOffice;

    /// <summary>The LIKE pattern of the strict descendants of this region (region codes are digits: nothing to escape).</summary>
    public string DescendantPattern => RegionPath + ".%";
}

/// <summary>
/// Opaque keyset cursors: base64url of "kind|sort key ticks|id|seal", the seal an HMAC under the
/// <see cref="CursorKey"/> of the payload and the query's scope. A cursor is accepted only by the
/// query (and department) it was issued for.
/// </summary>
public static class Cursors
{
    public static string Encode(CursorKey key, string scope, string kind, DateTimeOffset sortKey, string id)
    {
        ArgumentNullException.ThrowIfNull(key);
        var payload = $"{kind}|{sortKey.UtcTicks}|{id}";
        return Convert.ToBase64String(Encoding.UTF8.GetBytes($"{payload}|{key.Seal(scope, payload)}"))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    /// <summary>The sort key and id of a cursor made by <see cref="Encode"/> for this key, scope and kind; VALIDATION otherwise.</summary>
    public static (DateTimeOffset Key, string Id) Decode(CursorKey key, string scope, string cursor, string kind)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(cursor);
        try
        {
            if (cursor.Length <= 512)
            {
                var b64 = cursor.Replace('-', '+').Replace('_', '/');
                b64 = b64.PadRight(b64.Length + (4 - b64.Length % 4) % 4, '=');
                var text = Encoding.UTF8.GetString(Convert.FromBase64String(b64));
                var split = text.LastIndexOf('|');
                var payload = split < 0 ? "" : text[..split];
                var parts = payload.Split('|', 3);
                if (split > 0 && key.Verifies(scope, payload, text[(split + 1)..]) && parts.Length == 3 && parts[0] == kind
                    && long.TryParse(parts[1], out var ticks)
                    && ticks >= DateTimeOffset.MinValue.UtcTicks && ticks <= DateTimeOffset.MaxValue.UtcTicks && parts[2].Length > 0)
                    return (new DateTimeOffset(ticks, TimeSpan.Zero), parts[2]);
            }
        }
        catch (FormatException)
        {
        }
        throw RuleViolation.Validation("the cursor is malformed or belongs to another query");
    }
}

internal static class ReadSideSql
{
    public const int MaxFirst = 100;

    public static void CheckFirst(int first)
    {
        if (first is < 1 or > MaxFirst)
            throw RuleViolation.Validation($"first must be 1..{MaxFirst}");
    }

    public static async Task<NpgsqlConnection> OpenAsync(IQuerySession session, CancellationToken ct)
    {
        var connection = session.Database.CreateConnection(Marten.Storage.ConnectionUsage.Read);
        await connection.OpenAsync(ct);
        return connection;
    }

    public static string Table(IQuerySession session, string table) =>
        $"{session.DocumentStore.Options.DatabaseSchemaName}.{table}";

    public static DateTimeOffset ReadUtc(NpgsqlDataReader reader, int ordinal) =>
        new(DateTime.SpecifyKind(reader.GetDateTime(ordinal), DateTimeKind.Utc));
}

/// <summary>What a page needs beside its rows, read by a third statement of the page's round trip.</summary>
/// <param name="Query">the statement, given the page's own statement to use as a subquery (same parameters)</param>
/// <param name="Read">called for each row of it</param>
internal sealed record PageAttachment(Func<string, string> Query, Action<NpgsqlDataReader> Read);

/// <summary>
/// One keyset page and its total in a single round trip (a batch of two statements, three with a <see cref="PageAttachment"/>). The page
/// asks for one row more than <c>first</c> to know whether another page follows.
/// </summary>
internal static class KeysetPages
{
    /// <param name="select">"select … from table where filter" without the keyset condition</param>
    /// <param name="keyset">the condition after a cursor, e.g. "(due_at, id) &gt; (@key, @id)"</param>
    /// <param name="orderBy">the order of the index the keyset follows</param>
    /// <param name="count">"select count(*) from table where filter"</param>
    /// <param name="attachment">a third statement in the same round trip, over the page's rows</param>
    public static async Task<Page<T>> ReadAsync<T>(
        IQuerySession session, string select, string keyset, string orderBy, string count, IReadOnlyList<NpgsqlParameter> parameters,
        (DateTimeOffset Key, string Id)? cursor, int first, Func<NpgsqlDataReader, T> read, Func<T, string> cursorOf, CancellationToken ct,
        PageAttachment? attachment = null)
    {
        await using var connection = await ReadSideSql.OpenAsync(session, ct);
        await using var batch = new NpgsqlBatch(connection);
        var pageSql = $"{select}{(cursor is null ? "" : $" and {keyset}")} order by {orderBy} limit @limit";
        NpgsqlBatchCommand PageCommand(string sql)
        {
            var command = new NpgsqlBatchCommand(sql);
            command.Parameters.AddRange(parameters.Select(p => p.Clone()).ToArray());
            command.Parameters.Add(new NpgsqlParameter("limit", first + 1));
            if (cursor is { } c)
            {
                command.Parameters.Add(new NpgsqlParameter("key", NpgsqlDbType.TimestampTz) { Value = c.Key.UtcDateTime });
                command.Parameters.Add(new NpgsqlParameter("id", NpgsqlDbType.Varchar) { Value = c.Id });
            }
            return command;
        }
        var total = new NpgsqlBatchCommand(count);
        total.Parameters.AddRange(parameters.Select(p => p.Clone()).ToArray());
        batch.BatchCommands.Add(PageCommand(pageSql));
        batch.BatchCommands.Add(total);
        if (attachment is not null)
            batch.BatchCommands.Add(PageCommand(attachment.Query(pageSql)));

        var items = new List<T>();
        await using var reader = await batch.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            items.Add(read(reader));
        await reader.NextResultAsync(ct);
        await reader.ReadAsync(ct);
        var totalCount = (int)reader.GetInt64(0);
        if (attachment is not null)
        {
            await reader.NextResultAsync(ct);
            while (await reader.ReadAsync(ct))
                attachment.Read(reader);
        }

        var hasNext = items.Count > first;
        if (hasNext)
            items.RemoveAt(items.Count - 1);
        var edges = items.Select(i => new Edge<T>(cursorOf(i), i)).ToList();
        return new Page<T>(edges, hasNext, edges.LastOrDefault()?.Cursor, totalCount);
    }
}
