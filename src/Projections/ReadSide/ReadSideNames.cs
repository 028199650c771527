namespace CaseEngine.Projections.ReadSide;

/// <summary>The names of the async projections (their progress rows, metrics tags and rebuild arguments).</summary>
public static class ReadSideNames
{
    public const string Inbox = "inbox";
    public const string Overdue = "overdue";
    public const string Statistics = "statistics";

    public static IReadOnlyList<string> All { get; } = [Inbox, Overdue, Statistics];
}
