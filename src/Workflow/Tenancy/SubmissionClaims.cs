using CaseEngine.Domain;
using CaseEngine.Workflow.Configuration;
using Npgsql;

namespace CaseEngine.Workflow.Tenancy;

/// <summary>
/// Makes a submission's <c>commandId</c> unique across provinces (issue 19). Every other command is routed by
/// its petition's id, so its retries always reach the same database, whose command record answers them. A
/// submission is routed by its content (the entry region): a client that retries with the same command id
/// after changing the region would reach another province's database, whose records know nothing of the first
/// try, and a second petition would be made. So a submission first claims its command id for its province in
/// the master database, in one statement: the first claim stands, a retry to the same province proceeds (its
/// province's command record answers it, or it runs if the first try never committed), and the same id sent
/// to another province is refused as any command id reused for a different command is (VALIDATION).
/// <para>
/// The table is ours, with plain DDL, in the master database beside Marten's tenant table; it holds ids and
/// province codes only. A claim whose command never committed stays: the id is spent for other provinces,
/// which is what a client that changed the request should do anyway (a new command, a new id).
/// </para>
/// </summary>
public sealed class SubmissionClaims(MasterDataSource master)
{
    private const string Table = $"{ProvinceDatabases.MasterSchema}.submission_claims";

    /// <summary>The schema's lock (an arbitrary constant: "CE claims"), so concurrent first starts create the table once.</summary>
    private const long SchemaLock = 0x434520636C61696DL;

    private readonly NpgsqlDataSource _master = master.Source;

    private readonly MasterTables _tables = new(SchemaLock,
        $"""
        create table if not exists {Table} (
          command_id uuid primary key,
          province varchar(6) not null,
          claimed_at timestamptz not null default now());
        """);

    /// <summary>
    /// Claims <paramref name="commandId"/> for a submission to <paramref name="province"/>; VALIDATION when a
    /// submission to another province claimed it first.
    /// </summary>
    public async Task ClaimAsync(Guid commandId, string province, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(province);
        await SchemaAsync(ct);
        // One statement that returns the claim that stands: a repeat's no-op update locks the existing row and
        // returns its province, the latest committed one even when two first tries race (a DO NOTHING and a
        // separate read would read the racing claim's statement snapshot, from before it committed).
        await using var command = _master.CreateCommand(
            $"""
            insert into {Table} (command_id, province) values ($1, $2)
            on conflict (command_id) do update set command_id = excluded.command_id
            returning province
            """);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = commandId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = province });
        var holder = (string?)await command.ExecuteScalarAsync(ct);
        if (holder != province)
            throw Reused();
    }

    /// <summary>
    /// Claims many submissions' command ids for <paramref name="province"/> in one statement (the batch path);
    /// returns those another province claimed first, which are refused as <see cref="ClaimAsync"/> refuses one.
    /// </summary>
    public async Task<IReadOnlySet<Guid>> ClaimManyAsync(IReadOnlyCollection<Guid> commandIds, string province, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(commandIds);
        ArgumentNullException.ThrowIfNull(province);
        var taken = new HashSet<Guid>();
        if (commandIds.Count == 0)
            return taken;
        await SchemaAsync(ct);
        // Sorted, so two batches claiming overlapping ids lock their rows in one order (no deadlock).
        await using var command = _master.CreateCommand(
            $"""
            insert into {Table} (command_id, province) select id, $2 from unnest($1::uuid[]) as id order by id
            on conflict (command_id) do update set command_id = excluded.command_id
            returning command_id, province
            """);
        command.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = [.. commandIds] });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = province });
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            if (reader.GetString(1) != province)
                taken.Add(reader.GetGuid(0));
        return taken;
    }

    /// <summary>The refusal of a command id another province's submission claimed first.</summary>
    public static RuleViolation Reused() => RuleViolation.Validation("this commandId was already used for a different command");

    private Task SchemaAsync(CancellationToken ct) => _tables.EnsureAsync(_master, ct);
}
