using Npgsql;

namespace CaseEngine.Bench.Faults;

/// <summary>
/// Every row of the read-model tables as text, to compare the live read models with a rebuild's.
/// Double columns (the statistics' handling-day sums) are rounded to 6 decimals, since a rebuild groups
/// the events into other batches and sums in another order; rows whose counters are all zero are left
/// out (a kept count that went back to zero, and a rebuild that never wrote it, say the same).
/// </summary>
public static class ReadModelSnapshot
{
    /// <summary>Tables of the engine's schema that hold read models (not the daemon's own bookkeeping).</summary>
    public static async Task<List<string>> TablesAsync(string connectionString, string schema)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "select table_name from information_schema.tables where table_schema = @s and table_type = 'BASE TABLE' " +
            "and table_name like 'ce\\_%' and table_name not like '%applied%' order by table_name", connection);
        command.Parameters.AddWithValue("s", schema);
        var tables = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            tables.Add(reader.GetString(0));
        return tables;
    }

    public static async Task<Dictionary<string, List<string>>> TakeAsync(string connectionString, string schema, IEnumerable<string> tables)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var snapshot = new Dictionary<string, List<string>>();
        foreach (var table in tables)
        {
            var columns = new List<(string Name, string Type)>();
            await using (var command = new NpgsqlCommand(
                "select column_name, data_type from information_schema.columns where table_schema = @s and table_name = @t order by ordinal_position", connection))
            {
                command.Parameters.AddWithValue("s", schema);
                command.Parameters.AddWithValue("t", table);
                await using var reader = await command.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                    columns.Add((reader.GetString(0), reader.GetString(1)));
            }
            var select = string.Join(" || '|' || ", columns.Select(c => c.Type switch
            {
                "double precision" or "real" => $"coalesce(round(\"{c.Name}\"::numeric, 6)::text, '-')",
                _ => $"coalesce(\"{c.Name}\"::text, '-')",
            }));
            var counters = columns.Where(c => c.Type is "bigint" or "integer" or "double precision").Select(c => $"coalesce(\"{c.Name}\", 0) <> 0").ToList();
            var where = counters.Count > 0 && columns.All(c => c.Type is "bigint" or "integer" or "double precision" or "text" or "character varying" or "date")
                ? $" where {string.Join(" or ", counters)}" : "";
            var rows = new List<string>();
            await using (var command = new NpgsqlCommand($"select {select} from \"{schema}\".\"{table}\"{where} order by 1", connection))
            await using (var reader = await command.ExecuteReaderAsync())
                while (await reader.ReadAsync())
                    rows.Add(reader.GetString(0));
            snapshot[table] = rows;
        }
        return snapshot;
    }

    /// <summary>One line per table that differs: rows only live, rows only in the rebuild.</summary>
    public static List<string> Compare(Dictionary<string, List<string>> live, Dictionary<string, List<string>> rebuilt)
    {
        var differences = new List<string>();
        foreach (var table in live.Keys.Union(rebuilt.Keys).Order(StringComparer.Ordinal))
        {
            var a = live.GetValueOrDefault(table) ?? [];
            var b = rebuilt.GetValueOrDefault(table) ?? [];
            if (a.SequenceEqual(b))
                continue;
            var onlyLive = a.Except(b).ToList();
            var onlyRebuilt = b.Except(a).ToList();
            differences.Add($"{table}: {a.Count} rows live, {b.Count} rebuilt; {onlyLive.Count} only live (e.g. {onlyLive.FirstOrDefault() ?? "-"}), " +
                $"{onlyRebuilt.Count} only rebuilt (e.g. {onlyRebuilt.FirstOrDefault() ?? "-"})");
        }
        return differences;
    }
}
