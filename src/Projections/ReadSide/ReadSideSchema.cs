using Weasel.Postgresql;
using Weasel.Postgresql.Tables;

namespace CaseEngine.Projections.ReadSide;

/// <summary>
/// The read models' own tables, in the store's document schema. Region paths are indexed with
/// <c>text_pattern_ops</c> so "this region and everything below it" is an index range
/// (<c>region_path = p or region_path like 'p.%'</c>) in any database collation.
/// </summary>
public static class ReadSideSchema
{
    public const string InboxTable = "ce_inbox";
    /// <summary>Open items per department, kept by the inbox projection with its rows: an unfiltered inbox's totalCount.</summary>
    public const string InboxCountTable = "ce_inbox_count";
    public const string OverdueTable = "ce_overdue";
    public const string StatisticsTable = "ce_statistics_daily";
    /// <summary>The duplicate detection subscription's <see cref="AppliedSequence"/> mark (it keeps no rows of its own).</summary>
    public const string DuplicateDetectionMark = "ce_duplicate_detection";

    /// <summary>The counters of a statistics row, in column order (all integers).</summary>
    public static readonly string[] CounterColumns =
    [
        "received", "online", "accepted", "accepted_on_time", "declined", "replied", "replied_on_time", "overdue",
        "evaluated", "satisfied", "basically_satisfied", "dissatisfied", "review_requested", "re_review_requested",
        "supervised", "handling_days_count",
    ];

    public const string HandlingDaysSumColumn = "handling_days_sum";

    public static IEnumerable<Table> Tables(string schema) =>
    [
        Inbox(schema), InboxCount(schema), Overdue(schema), Statistics(schema),
        AppliedSequence.Definition(schema, InboxTable), AppliedSequence.Definition(schema, OverdueTable),
        AppliedSequence.Definition(schema, StatisticsTable), AppliedSequence.Definition(schema, DuplicateDetectionMark),
    ];

    public static string Qualified(string schema, string table) => $"{schema}.{table}";

    public static Table Inbox(string schema)
    {
        var t = new Table(new PostgresqlObjectName(schema, InboxTable, SchemaUtils.IdentifierUsage.General));
        t.AddColumn<string>("item_id").AsPrimaryKey();
        t.AddColumn<Guid>("petition_id").NotNull();
        t.AddColumn<string>("department_id").NotNull();
        t.AddColumn<string>("region_path").NotNull();
        t.AddColumn<string>("stage").NotNull();
        t.AddColumn<DateTimeOffset>("received_at").NotNull();
        t.AddColumn<DateTimeOffset>("due_at").AllowNulls();
        // due_at, or a far-future moment for items without one: DUE_AT_ASC puts them last and the keyset stays total.
        t.AddColumn<DateTimeOffset>("due_sort").NotNull();
        t.AddColumn<bool>("paused").NotNull();
        t.AddColumn<string>("assigned_officer_id").AllowNulls();
        t.AddColumn<string>("category").NotNull();
        t.AddColumn<string>("subject").NotNull();
        t.AddColumn<string>("case_number").NotNull();
        t.AddColumn<bool>("suspected_duplicate").NotNull();
        t.AddColumn<string>("supervision_id").AllowNulls();
        // The petition's status and departments (its read right for staff), so an inbox page that shows
        // only row fields reads no petition document. Nullable because CreateOrUpdate adds them to an
        // existing inbox without a value: a row written before they existed has none, and the API reads
        // the page's petition documents instead (until the row is next written or the inbox is rebuilt).
        t.AddColumn<string>("status").AllowNulls();
        t.AddColumn("departments", "varchar[]").AllowNulls();
        t.Indexes.Add(new IndexDefinition($"ix_{InboxTable}_dept_due") { Columns = ["department_id", "due_sort", "item_id"] });
        t.Indexes.Add(new IndexDefinition($"ix_{InboxTable}_dept_received") { Columns = ["department_id", "received_at", "item_id"] });
        t.Indexes.Add(new IndexDefinition($"ix_{InboxTable}_petition") { Columns = ["petition_id"] });
        return t;
    }

    public static Table InboxCount(string schema)
    {
        var t = new Table(new PostgresqlObjectName(schema, InboxCountTable, SchemaUtils.IdentifierUsage.General));
        t.AddColumn<string>("department_id").AsPrimaryKey();
        t.AddColumn<long>("items").NotNull();
        return t;
    }

    public static Table Overdue(string schema)
    {
        var t = new Table(new PostgresqlObjectName(schema, OverdueTable, SchemaUtils.IdentifierUsage.General));
        t.AddColumn<string>("overdue_id").AsPrimaryKey();
        t.AddColumn<Guid>("petition_id").NotNull();
        t.AddColumn<string>("department_id").NotNull();
        t.AddColumn<string>("region_path").NotNull();
        t.AddColumn<string>("stage").NotNull();
        t.AddColumn<int>("stage_instance").NotNull();
        t.AddColumn<string>("supervision_id").AllowNulls();
        t.AddColumn<DateTimeOffset>("due_at").NotNull();
        t.AddColumn<DateTimeOffset>("missed_at").NotNull();
        t.AddColumn<int>("supervision_count").NotNull();
        t.AddColumn<string>("category").NotNull();
        t.AddColumn<string>("subject").NotNull();
        t.AddColumn<string>("case_number").NotNull();
        t.Indexes.Add(new IndexDefinition($"ix_{OverdueTable}_dept_due") { Columns = ["department_id", "due_at", "overdue_id"] });
        t.Indexes.Add(new IndexDefinition($"ix_{OverdueTable}_region") { Columns = ["region_path text_pattern_ops", "due_at", "overdue_id"] });
        t.Indexes.Add(new IndexDefinition($"ix_{OverdueTable}_petition") { Columns = ["petition_id"] });
        return t;
    }

    public static Table Statistics(string schema)
    {
        var t = new Table(new PostgresqlObjectName(schema, StatisticsTable, SchemaUtils.IdentifierUsage.General));
        t.AddColumn<string>("department_id").AsPrimaryKey();
        t.AddColumn<string>("region_path").AsPrimaryKey();
        t.AddColumn<DateOnly>("day").AsPrimaryKey();
        t.AddColumn<string>("channel").AsPrimaryKey();
        t.AddColumn<string>("category").AsPrimaryKey();
        foreach (var c in CounterColumns)
            t.AddColumn<int>(c).NotNull().DefaultValue(0);
        t.AddColumn<double>(HandlingDaysSumColumn).NotNull().DefaultValue(0);
        t.Indexes.Add(new IndexDefinition($"ix_{StatisticsTable}_dept_day") { Columns = ["department_id", "day"] });
        t.Indexes.Add(new IndexDefinition($"ix_{StatisticsTable}_region") { Columns = ["region_path text_pattern_ops", "day"] });
        return t;
    }
}
