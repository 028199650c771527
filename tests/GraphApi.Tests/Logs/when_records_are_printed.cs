using System.Reflection;
using System.Runtime.CompilerServices;
using CaseEngine.Domain;
using CaseEngine.Domain.Petitions;
using CaseEngine.Domain.Petitions.Submitting;
using CaseEngine.GraphApi.Schema;
using CaseEngine.Projections.History;
using CaseEngine.Workflow.Commands;
using CaseEngine.Workflow.Submitting;

namespace CaseEngine.GraphApi.Tests.Logs;

/// <summary>
/// What a logger, a bus or an exception message prints of a command, a message, an event or a
/// result: never the personal data, the access code or the free text it carries. The compiler's
/// ToString of a record prints every member; a record added later without <see cref="ConfidentialRecord"/> fails here.
/// </summary>
public class when_records_are_printed
{
    private static readonly Assembly[] Ours =
        [typeof(RuleViolation).Assembly, typeof(StoredEvent).Assembly, typeof(CommandMeta).Assembly, typeof(SubmitPetitionPayload).Assembly];

    [Fact]
    public void every_command_message_event_and_record_with_personal_data_prints_none()
    {
        var carriers = Ours.SelectMany(a => a.GetTypes())
            .Where(t => t is { IsAbstract: false, IsInterface: false } && !t.IsGenericTypeDefinition)
            .Where(t => typeof(IPetitionEvent).IsAssignableFrom(t) || typeof(IPetitionCommand).IsAssignableFrom(t)
                || typeof(ICaseCommand).IsAssignableFrom(t) || t == typeof(CommandEnvelope)
                || t.GetProperties().Any(p => p.PropertyType == typeof(PetitionerDetails) || p.PropertyType == typeof(Petition)
                    || p.Name == "AccessCode" || p.PropertyType == typeof(IReadOnlyList<StoredEvent>)))
            .ToList();
        carriers.Count.ShouldBeGreaterThan(60);
        var printing = carriers.Where(t =>
        {
            var toString = t.GetMethod(nameof(ToString), Type.EmptyTypes)!;
            return toString.DeclaringType != typeof(ConfidentialRecord)
                && (toString.DeclaringType != t || toString.GetCustomAttribute<CompilerGeneratedAttribute>() is not null);
        }).Select(t => t.FullName).ToList();
        printing.ShouldBeEmpty("these print their members: derive them from ConfidentialRecord");
    }

    [Fact]
    public void a_submission_its_meta_and_its_result_print_ids_only()
    {
        var petitioner = new PetitionerDetails("司马懿琳", "13987650321", "11010519491231002X", "幽州市蓟县燕王路99号");
        var meta = new CommandMeta(Guid.NewGuid(), Actor.AnonymousPetitioner, Anonymous: true, AccessCode: "ABCDEFGH2345");
        var message = new CommandEnvelope(meta, new SubmitPetition(Channel.Website, "340101", PetitionCategory.ComplaintRequest,
            "主题-标记", "内容-标记", petitioner));
        var result = new CommandResult(Guid.NewGuid(), 1, [], false, "340101-2025-000001", "ABCDEFGH2345");
        var printed = string.Join("\n", petitioner, meta, message, message.Command, result);
        foreach (var secret in new[] { "司马懿琳", "13987650321", "11010519491231002X", "幽州市蓟县燕王路99号", "ABCDEFGH2345", "主题-标记", "内容-标记" })
            printed.ShouldNotContain(secret);
        printed.ShouldContain(meta.CommandId.ToString());
        printed.ShouldContain(result.PetitionId.ToString());
    }
}
