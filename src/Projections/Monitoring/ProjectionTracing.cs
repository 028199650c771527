using System.Diagnostics;
using JasperFx.Events;

namespace CaseEngine.Projections.Monitoring;

/// <summary>
/// One span per page a read model applies, linked to the traces of the commands whose events it
/// holds. The bridge is the events' correlation id: a command that arrives over HTTP while tracing is
/// on takes its request's W3C trace context (<c>00-&lt;trace&gt;-&lt;span&gt;-01</c>) as its correlation id,
/// unless the caller named one (<c>X-Correlation-ID</c>), so the projection work done later on another
/// thread, or another node, points back at the request, the handler and the commit.
/// </summary>
public static class ProjectionTracing
{
    /// <summary>The engine's ActivitySource (the same name as the meter: <c>CaseEngine</c>).</summary>
    public static readonly ActivitySource Source = new("CaseEngine");

    public const string PageSpan = "caseengine.projection.page";

    /// <summary>Links per span at most: a page holds up to 500 events, the commands behind them far fewer.</summary>
    public const int MaxLinks = 64;

    /// <summary>
    /// Starts the page's span (null when nobody listens); dispose it when the page is applied.
    /// Tags: the read model, the page's first and last sequence and its size; nothing from the events' data.
    /// </summary>
    public static Activity? StartPage(string readModel, IReadOnlyList<IEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (!Source.HasListeners() || events.Count == 0)
            return null;
        var links = new List<ActivityLink>();
        var seen = new HashSet<ActivityTraceId>();
        foreach (var e in events)
        {
            if (links.Count >= MaxLinks)
                break;
            if (e.CorrelationId is { Length: 55 } correlation && ActivityContext.TryParse(correlation, null, out var context) && seen.Add(context.TraceId))
                links.Add(new ActivityLink(context));
        }
        var activity = Source.StartActivity(PageSpan, ActivityKind.Internal, parentContext: default, links: links);
        activity?.SetTag("caseengine.read_model", readModel);
        activity?.SetTag("caseengine.page.events", events.Count);
        activity?.SetTag("caseengine.page.first_sequence", events.Min(e => e.Sequence));
        activity?.SetTag("caseengine.page.last_sequence", events.Max(e => e.Sequence));
        return activity;
    }
}
