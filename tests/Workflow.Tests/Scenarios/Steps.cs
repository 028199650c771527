using CaseEngine.Domain;
using CaseEngine.Domain.Petitions;
using CaseEngine.Domain.Petitions.Handling;
using CaseEngine.Domain.Petitions.PetitionerActs;
using CaseEngine.Domain.Petitions.Reviewing;
using CaseEngine.Domain.Petitions.Routing;
using CaseEngine.Testing;
using CaseEngine.Workflow.Commands;

namespace CaseEngine.Workflow.Tests.Scenarios;

/// <summary>The usual acts as one-liners, sent through the real bus by the department's own staff.</summary>
public static class Steps
{
    public static readonly Actor Citizen = new("citizen-1", Role.Petitioner, null);
    public static Actor Officer(string departmentId) => new($"officer@{departmentId}", Role.Officer, departmentId);
    public static Actor Supervisor(string departmentId) => new($"supervisor@{departmentId}", Role.Supervisor, departmentId);

    public static DateTimeOffset Shanghai(int year, int month, int day, int hour = 9, int minute = 0) =>
        new(year, month, day, hour, minute, 0, TimeSpan.FromHours(8));

    /// <summary>00:00 in Shanghai of a date: the due moment of the day before.</summary>
    public static DateTimeOffset Midnight(int year, int month, int day) => Shanghai(year, month, day, 0);

    public static Task<CommandResult> Forward(this Engine e, Guid id, string to = "340101-EDU", ForwardMode mode = ForwardMode.Transfer, string by = "340101-PO") =>
        e.SendAsync(new CommandEnvelope(Engine.As(Officer(by)), new ForwardPetition(id, to, mode, "请依法处理")));

    public static Task<CommandResult> Accept(this Engine e, Guid id, string by = "340101-EDU") =>
        e.SendAsync(new CommandEnvelope(Engine.As(Officer(by)), new AcceptPetition(id)));

    public static Task<CommandResult> Reply(this Engine e, Guid id, string by = "340101-EDU") =>
        e.SendAsync(new CommandEnvelope(Engine.As(Officer(by)), new IssueReply(id, ReplyDecision.PartiallySupported, "已安排维修，部分诉求不予支持。")));

    public static Task<CommandResult> RequestReview(this Engine e, Guid id) =>
        e.SendAsync(new CommandEnvelope(Engine.As(Citizen), new RequestReview(id, "维修质量差")));

    public static Task<CommandResult> Withdraw(this Engine e, Guid id) =>
        e.SendAsync(new CommandEnvelope(Engine.As(Citizen), new WithdrawPetition(id, "已自行解决")));

    public static Task<CommandResult> Evaluate(this Engine e, Guid id, Satisfaction satisfaction) =>
        e.SendAsync(new CommandEnvelope(Engine.As(Citizen), new EvaluatePetition(id, satisfaction, "处理太慢")));

    public static IEnumerable<string> Types(this CommandResult result) => result.Events.Select(x => x.Type);

    public static T Data<T>(this CommandResult result) => result.Events.Select(x => x.Data).OfType<T>().Single();
}
