using System.Reflection;
using CaseEngine.Domain;
using CaseEngine.Domain.Directory;
using CaseEngine.Domain.Petitions;
using CaseEngine.Domain.Petitions.Submitting;
using CaseEngine.GraphApi.Schema;
using CaseEngine.Workflow.Commands;
using CaseEngine.Workflow.Rules;
using GraphQL.Types;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CaseEngine.GraphApi.Tests.Access;

/// <summary>
/// Adding a command takes its feature file in src/Domain, its GraphQL field and input, the
/// regenerated schema files and tests. Whatever else it needs is checked here for every command
/// type in the Domain: a caller's command has a Mutation field of its name and a row in the access
/// matrix; an engine's command (<see cref="IEngineCommand"/>) has no field and refuses any caller but
/// SYSTEM; every command on a petition has a decision (an arm in <see cref="Decider"/>) that checks
/// access first, and travels through the one pipeline (<see cref="CommandEnvelope"/>, its identity).
/// </summary>
public class when_a_command_is_added
{
    private static readonly RuleBook Rules = RuleBook.Demo();
    private static readonly DateTimeOffset Now = new(2025, 3, 3, 9, 0, 0, TimeSpan.FromHours(8));

    /// <summary>Every concrete command type of the Domain.</summary>
    public static TheoryData<string> Commands()
    {
        var data = new TheoryData<string>();
        foreach (var type in CommandTypes())
            data.Add(type.Name);
        return data;
    }

    private static IReadOnlyList<Type> CommandTypes() =>
        [.. typeof(ICaseCommand).Assembly.GetTypes()
            .Where(t => typeof(ICaseCommand).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
            .OrderBy(t => t.Name, StringComparer.Ordinal)];

    private static Type Command(string name) => CommandTypes().Single(t => t.Name == name);

    private static IReadOnlySet<string> MutationFields()
    {
        var services = new ServiceCollection();
        services.AddSingleton(Rules);
        services.AddSingleton(TimeProvider.System);
        // The schema's fields read their limits from configuration (GraphQL:Limits): the defaults here.
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddCaseEngineSchema();
        using var provider = services.BuildServiceProvider();
        var schema = provider.GetRequiredService<ISchema>();
        schema.Initialize();
        return schema.Mutation!.Fields.Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
    }

    [Fact]
    public void the_domain_holds_every_command_the_engine_runs()
    {
        // 25 commands on a petition and the submission: a guard that the reflection above finds them.
        CommandTypes().Count.ShouldBeGreaterThanOrEqualTo(26);
        CommandTypes().ShouldContain(typeof(SubmitPetition));
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public void a_callers_command_has_a_mutation_field_and_an_engines_command_has_none(string command)
    {
        var type = Command(command);
        var name = CommandEnvelope.NameOf(type);
        if (typeof(IEngineCommand).IsAssignableFrom(type))
            MutationFields().ShouldNotContain(name, $"{type.Name} is sent by the engine only: no caller may send it");
        else
            MutationFields().ShouldContain(name, $"{type.Name} needs a GraphQL field '{name}' (MutationType) and its input (InputTypes)");
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public void a_callers_command_has_a_row_in_the_access_matrix(string command)
    {
        var type = Command(command);
        if (typeof(IEngineCommand).IsAssignableFrom(type))
            return;
        when_the_access_matrix_is_walked.RuledFields.ShouldContain($"Mutation.{CommandEnvelope.NameOf(type)}",
            $"{type.Name} needs its access rule in the access matrix (access.md)");
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public void a_command_on_a_petition_is_decided_and_checks_access_first(string command)
    {
        var type = Command(command);
        if (!typeof(IPetitionCommand).IsAssignableFrom(type))
            return;
        var petition = Submitted();
        var instance = (IPetitionCommand)Build(type, petition.Id);
        // A missing arm in Decider throws InvalidOperationException, not a coded refusal.
        if (instance is IEngineCommand)
        {
            // Even an ADMIN may not act on the engine's clocks or flags.
            var refusal = Should.Throw<RuleViolation>(() => Decider.Decide(instance, petition, Context(new Actor("admin-1", Role.Admin, null))));
            refusal.Code.ShouldBe(RuleCode.Forbidden, $"{type.Name} must refuse every caller but SYSTEM");
        }
        else
        {
            // An officer of another county cannot read the petition: whatever the act, NOT_FOUND, before its input is read.
            var refusal = Should.Throw<RuleViolation>(() => Decider.Decide(instance, petition, Context(new Actor("officer-9", Role.Officer, "340102-PO"))));
            refusal.Code.ShouldBe(RuleCode.NotFound, $"{type.Name} must check that the caller may read the petition first");
        }
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public void a_command_travels_in_the_one_envelope_under_its_name(string command)
    {
        var type = Command(command);
        var envelope = new CommandEnvelope(CommandMeta.System(Guid.NewGuid()), (ICaseCommand)Build(type, Guid.NewGuid()));
        envelope.Name.ShouldBe(CommandEnvelope.NameOf(type));
        PetitionCommands.Identity(envelope).Length.ShouldBe(64);
        // One handler for every command: no type per command for Wolverine to route.
        typeof(CommandHandler).GetMethods(BindingFlags.Public | BindingFlags.Static).Where(m => m.Name == "Handle")
            .ShouldHaveSingleItem().GetParameters()[0].ParameterType.ShouldBe(typeof(CommandEnvelope));
    }

    private static DecisionContext Context(Actor actor) => new(actor, Now, Rules.Directory, Rules.Clock);

    /// <summary>A petition submitted online at 340101 and now at its petition office.</summary>
    private static Petition Submitted()
    {
        var citizen = new Actor("citizen-1", Role.Petitioner, null);
        var submit = new SubmitPetition(Channel.Website, "340101", PetitionCategory.ComplaintRequest, "路灯不亮", "小区路灯坏了三个月",
            new PetitionerDetails("张三", "13800000000", null, null));
        var events = Submission.Decide(submit, new Allocation(Guid.NewGuid(), "340101-2025-000001"), Context(citizen));
        return Petition.Fold(events);
    }

    /// <summary>A command of the type with plausible values: the petition's id first, then by parameter type.</summary>
    private static object Build(Type type, Guid petitionId)
    {
        var constructor = type.GetConstructors().OrderByDescending(c => c.GetParameters().Length).First();
        var args = constructor.GetParameters().Select((p, i) => Value(p, i == 0 ? petitionId : Guid.NewGuid())).ToArray();
        return constructor.Invoke(args);
    }

    private static object? Value(ParameterInfo p, Guid id)
    {
        var t = p.ParameterType;
        if (Nullable.GetUnderlyingType(t) is not null)
            return null;
        return t switch
        {
            _ when t == typeof(Guid) => id,
            // Input is checked with the access (an unknown department is VALIDATION whoever asks): a real one.
            _ when t == typeof(string) && p.Name!.EndsWith("DepartmentId", StringComparison.Ordinal) => "340101-EDU",
            _ when t == typeof(string) => "请依法处理",
            _ when t == typeof(int) => 1,
            _ when t == typeof(double) => 0.9,
            _ when t == typeof(DateTimeOffset) => Now.AddDays(10),
            _ when t == typeof(PetitionerDetails) => new PetitionerDetails("张三", "13800000000", null, null),
            _ when t == typeof(IReadOnlyList<CaseEngine.Domain.Petitions.Duplicates.SuspectedCandidate>) => new[] { new CaseEngine.Domain.Petitions.Duplicates.SuspectedCandidate(Guid.NewGuid(), 0.9) },
            _ when t == typeof(string[]) => new[] { "PetitionAccepted" },
            // The decisions a report carries (issue 20): none yet.
            _ when t == typeof(ReplyRecord) || t == typeof(DecisionRecord) || t == typeof(EvaluationRecord) || t == typeof(OpenClock) => null,
            _ when t.IsEnum => Enum.GetValues(t).GetValue(0),
            _ => p.HasDefaultValue ? p.DefaultValue : throw new InvalidOperationException($"no value for {p.Name} ({t.Name}): extend Value()"),
        };
    }
}
