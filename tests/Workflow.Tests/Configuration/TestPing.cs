namespace CaseEngine.Workflow.Tests.Configuration;

public enum PingUrgency
{
    Routine,
    Urgent,
}

/// <summary>Test-only event: the engine's wiring is proved without waiting for the domain's events.</summary>
public sealed record TestPing(Guid Id, string Text, PingUrgency Urgency);
