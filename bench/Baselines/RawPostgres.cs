using System.Text;
using System.Text.Json;
using CaseEngine.Bench.Harness;
using Npgsql;
using NpgsqlTypes;

namespace CaseEngine.Bench.Baselines;

/// <summary>
/// What the same PostgreSQL does with raw Npgsql and no engine: the yardsticks every CaseEngine
/// number is divided by (B1–B4).
/// </summary>
public sealed class RawPostgres(string connectionString)
{
    /// <summary>A 1 KB event body shaped like ours (camelCase, Chinese text).</summary>
    public static readonly string EventJson = JsonSerializer.Serialize(new
    {
        petitionId = Guid.Empty,
        caseNumber = "340101-2025-000001",
        channel = "WEBSITE",
        category = "COMPLAINT_REQUEST",
        subject = "村道损坏无人维修",
        content = string.Concat(Enumerable.Repeat("村里的道路损坏已有半年，请求尽快维修。", 22)),
        departmentId = "340101-PO",
        regionPath = "000000.340000.340100.340101",
        by = new { id = "officer-1", role = "OFFICER", departmentId = "340101-PO" },
        at = DateTimeOffset.UnixEpoch,
    });

    public async Task PrepareAsync()
    {
        await ExecuteAsync("""
            create table if not exists raw_events (stream_id uuid not null, version int not null, data jsonb not null,
              primary key (stream_id, version));
            create table if not exists raw_copy (stream_id uuid not null, version int not null, data jsonb not null);
            """);
    }

    /// <summary>B1: one event per transaction, appended only when the stream is at the expected version.</summary>
    public async Task<Measured> InsertWithVersionCheckAsync(int clients, TimeSpan duration)
    {
        var streams = Enumerable.Range(0, clients).Select(_ => Guid.NewGuid()).ToArray();
        await using var source = NpgsqlDataSource.Create(connectionString);
        return await Load.RunAsync(clients, duration, async (client, i) =>
        {
            await using var conn = await source.OpenConnectionAsync();
            await using var cmd = new NpgsqlCommand("""
                insert into raw_events (stream_id, version, data)
                select @s, @v, @d::jsonb
                where coalesce((select max(version) from raw_events where stream_id = @s), 0) = @v - 1
                """, conn);
            cmd.Parameters.AddWithValue("s", streams[client]);
            cmd.Parameters.AddWithValue("v", i + 1);
            cmd.Parameters.AddWithValue("d", EventJson);
            if (await cmd.ExecuteNonQueryAsync() != 1)
                throw new InvalidOperationException("version check failed in a single-writer stream");
        });
    }

    /// <summary>B2: binary COPY of the same rows; returns rows per second.</summary>
    public async Task<double> CopyRowsPerSecondAsync(int rows)
    {
        await ExecuteAsync("truncate raw_copy");
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        var stream = Guid.NewGuid();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await using (var writer = await conn.BeginBinaryImportAsync("copy raw_copy (stream_id, version, data) from stdin (format binary)"))
        {
            for (var i = 0; i < rows; i++)
            {
                await writer.StartRowAsync();
                await writer.WriteAsync(stream, NpgsqlDbType.Uuid);
                await writer.WriteAsync(i + 1, NpgsqlDbType.Integer);
                await writer.WriteAsync(EventJson, NpgsqlDbType.Jsonb);
            }
            await writer.CompleteAsync();
        }
        return rows / watch.Elapsed.TotalSeconds;
    }

    /// <summary>B3: read one 1,000-event stream and parse every event's JSON.</summary>
    public async Task<Measured> ReadStreamAsync(int events, int repetitions)
    {
        var stream = Guid.NewGuid();
        await using (var conn = new NpgsqlConnection(connectionString))
        {
            await conn.OpenAsync();
            await using var writer = await conn.BeginBinaryImportAsync("copy raw_events (stream_id, version, data) from stdin (format binary)");
            for (var i = 0; i < events; i++)
            {
                await writer.StartRowAsync();
                await writer.WriteAsync(stream, NpgsqlDbType.Uuid);
                await writer.WriteAsync(i + 1, NpgsqlDbType.Integer);
                await writer.WriteAsync(EventJson, NpgsqlDbType.Jsonb);
            }
            await writer.CompleteAsync();
        }
        await using var source = NpgsqlDataSource.Create(connectionString);
        return await Load.RepeatAsync(repetitions, async _ =>
        {
            await using var conn = await source.OpenConnectionAsync();
            await using var cmd = new NpgsqlCommand("select version, data from raw_events where stream_id = @s order by version", conn);
            cmd.Parameters.AddWithValue("s", stream);
            await using var reader = await cmd.ExecuteReaderAsync();
            var count = 0;
            while (await reader.ReadAsync())
            {
                using var doc = JsonDocument.Parse(reader.GetString(1));
                count += doc.RootElement.GetProperty("subject").GetString()!.Length > 0 ? 1 : 0;
            }
            if (count != events)
                throw new InvalidOperationException($"read {count} of {events} events");
        });
    }

    /// <summary>B4: a keyset page of 50 rows on an inbox-shaped table with the inbox's index, at some concurrency.</summary>
    public async Task<Measured> KeysetPageAsync(int rows, int departments, int clients, TimeSpan duration)
    {
        await ExecuteAsync($"""
            drop table if exists raw_inbox;
            create table raw_inbox (id uuid not null primary key, department_id text not null, due_at timestamptz,
              received_at timestamptz not null, subject text not null, data jsonb not null);
            insert into raw_inbox
            select gen_random_uuid(), (g % {departments})::text || '-PO', now() + (g % 9000) * interval '1 minute',
                   now() - (g % 5000) * interval '1 minute', '村道损坏无人维修 ' || g, jsonb_build_object('stage', 'HANDLING')
            from generate_series(1, {rows}) g;
            create index raw_inbox_due on raw_inbox (department_id, due_at, id);
            analyze raw_inbox;
            """);
        await using var source = NpgsqlDataSource.Create(connectionString);
        var random = new Random(7);
        return await Load.RunAsync(clients, duration, async (client, i) =>
        {
            await using var conn = await source.OpenConnectionAsync();
            await using var cmd = new NpgsqlCommand("""
                select id, department_id, due_at, received_at, subject, data from raw_inbox
                where department_id = @d and (due_at, id) > (@a, @b)
                order by due_at, id limit 50
                """, conn);
            cmd.Parameters.AddWithValue("d", $"{(client * 31 + i) % departments}-PO");
            cmd.Parameters.AddWithValue("a", DateTimeOffset.UtcNow.AddMinutes(random.Next(0, 3000)));
            cmd.Parameters.AddWithValue("b", Guid.Empty);
            await using var reader = await cmd.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
            }
        });
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn) { CommandTimeout = 600 };
        await cmd.ExecuteNonQueryAsync();
    }

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}
