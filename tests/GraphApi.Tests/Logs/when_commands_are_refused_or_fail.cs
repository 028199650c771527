using System.Text.Json;
using CaseEngine.Domain;
using CaseEngine.Domain.Petitions;
using CaseEngine.Domain.Petitions.PetitionerActs;
using CaseEngine.Domain.Petitions.Submitting;
using CaseEngine.GraphApi.Tests.Support;
using CaseEngine.Testing;
using CaseEngine.Workflow.Commands;
using CaseEngine.Workflow.Submitting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Wolverine;

namespace CaseEngine.GraphApi.Tests.Logs;

/// <summary>
/// A Production host with every log category at Trace, driven over GraphQL HTTP and through the
/// Wolverine bus into every refusal code of the contract and into a command the database fails,
/// each carrying known personal data (name, phone, ID number, address, access codes) and free-text
/// markers. The facts read every log entry of that one run.
/// </summary>
public sealed class RefusalRun : IAsyncLifetime
{
    public const string Name = "司马懿琳";
    public const string Phone = "13987650321";
    public const string IdNumber = "11010519491231002X";
    public const string Address = "幽州市蓟县燕王路99号";
    public const string Subject = "LOGMARKER-SUBJECT-道路";
    public const string Content = "LOGMARKER-CONTENT-村里的道路";
    public const string Reason = "LOGMARKER-REASON-理由";
    public const string BadPhone = "LOGMARKER-PHONE-139";
    public const string WrongCode = "GUESSWRONGAB";
    public const string FailingContent = "LOGMARKER-CONTENT-失败";

    public DatabaseFixture Db { get; } = new();
    public EveryLogLine Logs { get; } = new();
    public ApiHost Api { get; private set; } = null!;

    /// <summary>Every span and every metric exported (in memory).</summary>
    public List<System.Diagnostics.Activity> Spans { get; } = [];
    public List<Metric> Metrics { get; } = [];

    /// <summary>Strings that must appear in no log entry: the personal data, the access codes issued and guessed, the free text.</summary>
    public List<string> Secrets { get; } = [Name, Phone, IdNumber, Address, Subject, Content, Reason, BadPhone, WrongCode, FailingContent];

    /// <summary>The exception the bus threw for the failing command, as a caller's log would print it.</summary>
    public string FailureText { get; private set; } = "";

    /// <summary>Every code the run received, by phase.</summary>
    public List<(string Phase, string Code)> Codes { get; } = [];

    public async Task InitializeAsync()
    {
        await Db.InitializeAsync();
        var settings = new Dictionary<string, string?>
        {
            // An operator who turned everything up, and asked Npgsql for the server's error details.
            ["ConnectionStrings:Marten"] = Db.ConnectionString + ";Include Error Detail=true",
        };
        foreach (var category in new[] { "Default", "Microsoft", "Microsoft.AspNetCore", "Microsoft.AspNetCore.Hosting.Diagnostics",
                     "Microsoft.Extensions.Diagnostics.HealthChecks", "System", "Wolverine", "Marten", "JasperFx", "Npgsql", "Weasel", "GraphQL", "CaseEngine" })
            settings[$"Logging:LogLevel:{category}"] = "Trace";
        Api = await ApiHost.StartAsync(Db, new FakeClock(new DateTimeOffset(2025, 3, 3, 9, 0, 0, TimeSpan.FromHours(8))),
            services =>
            {
                services.AddSingleton<ILoggerProvider>(Logs);
                services.AddOpenTelemetry().WithTracing(t => t.AddInMemoryExporter(Spans)).WithMetrics(m => m.AddInMemoryExporter(Metrics));
            }, settings, environment: "Production");
        var api = Api;

        // Set-up: two petitions that exist, with the personal data in them.
        Logs.Phase = "setup";
        var (a, aCase, aCode) = await Submit(api.Citizen());
        var (w, _, wCode) = await Submit(null);
        Secrets.AddRange([aCode, wCode]);
        var po = api.Officer("340101-PO");
        (await api.TryAct("withdrawPetition", "WithdrawPetitionInput", new { commandId = Guid.NewGuid(), petitionId = w, reason = Reason, accessCode = wCode }, null))
            .HasErrors.ShouldBeFalse();

        Logs.Phase = "refusals";
        // UNAUTHENTICATED: a staff act without a token; a letter without a token.
        await Refused("UNAUTHENTICATED", api.TryAct("forwardPetition", "ForwardPetitionInput",
            new { commandId = Guid.NewGuid(), petitionId = a, toDepartmentId = "340101-EDU", mode = "TRANSFER", note = Reason }, null));
        await Refused("UNAUTHENTICATED", api.GraphQL(Petitions.SubmitMutation, Input(channel: "LETTER"), null));
        await Refused("UNAUTHENTICATED", api.GraphQL(Petitions.SubmitMutation, Input(), "Bearer-not-a-token"));
        // VALIDATION: an empty subject, a phone with letters, a reused command id.
        await Refused("VALIDATION", api.GraphQL(Petitions.SubmitMutation, Input(subject: " "), api.Citizen()));
        await Refused("VALIDATION", api.GraphQL(Petitions.SubmitMutation, Input(phone: BadPhone), api.Citizen()));
        var reused = Guid.NewGuid();
        (await api.TryAct("reclassifyPetition", "ReclassifyPetitionInput", new { commandId = reused, petitionId = a, category = "SUGGESTION", reason = Reason }, po))
            .HasErrors.ShouldBeFalse();
        await Refused("VALIDATION", api.TryAct("withdrawPetition", "WithdrawPetitionInput",
            new { commandId = reused, petitionId = a, reason = Reason, accessCode = aCode }, null));
        // An unknown case number: answered null, like a wrong code.
        (await api.GraphQL("query($n: String!, $c: String!) { trackPetition(caseNumber: $n, accessCode: $c) { id } }",
            new { n = Reason, c = aCode }, null)).HasErrors.ShouldBeFalse();
        // NOT_FOUND: a wrong access code; a petition that does not exist; another department's petition.
        await Refused("NOT_FOUND", api.TryAct("evaluatePetition", "EvaluatePetitionInput",
            new { commandId = Guid.NewGuid(), petitionId = a, satisfaction = "SATISFIED", comment = Reason, accessCode = WrongCode }, null));
        await Refused("NOT_FOUND", api.TryAct("withdrawPetition", "WithdrawPetitionInput",
            new { commandId = Guid.NewGuid(), petitionId = Guid.NewGuid(), reason = Reason, accessCode = aCode }, null));
        await Refused("NOT_FOUND", api.TryAct("declinePetition", "DeclinePetitionInput",
            new { commandId = Guid.NewGuid(), petitionId = a, reason = Reason }, api.Officer("340102-PO")));
        // FORBIDDEN: an auditor may read but not act.
        await Refused("FORBIDDEN", api.TryAct("declinePetition", "DeclinePetitionInput",
            new { commandId = Guid.NewGuid(), petitionId = a, reason = Reason }, api.Auditor()));
        // CONCURRENCY_CONFLICT: decided on another version.
        await Refused("CONCURRENCY_CONFLICT", api.TryAct("forwardPetition", "ForwardPetitionInput",
            new { commandId = Guid.NewGuid(), petitionId = a, expectedVersion = 9, toDepartmentId = "340101-EDU", mode = "TRANSFER", note = Reason }, po));
        // INVALID_TRANSITION: withdrawing twice, with the right access code; accepting at the petition office.
        await Refused("INVALID_TRANSITION", api.TryAct("withdrawPetition", "WithdrawPetitionInput",
            new { commandId = Guid.NewGuid(), petitionId = w, reason = Reason, accessCode = wCode }, null));
        await Refused("INVALID_TRANSITION", api.TryAct("acceptPetition", "AcceptPetitionInput", new { commandId = Guid.NewGuid(), petitionId = a }, po));
        // DEADLINE_PASSED: the agency's 5 working days to return the petition are over.
        await api.Forward(a);
        api.Clock.Advance(TimeSpan.FromDays(10));
        await Refused("DEADLINE_PASSED", api.TryAct("returnPetition", "ReturnPetitionInput",
            new { commandId = Guid.NewGuid(), petitionId = a, reason = Reason }, api.Officer("340101-EDU")));
        // QUERY_TOO_COMPLEX: too many fields, with the access code in the variables.
        var fields = string.Join(" ", Enumerable.Range(0, 320).Select(i => $"f{i}: subject"));
        await Refused("QUERY_TOO_COMPLEX", api.GraphQL($"query($n: String!, $c: String!) {{ trackPetition(caseNumber: $n, accessCode: $c) {{ {fields} }} }}",
            new { n = aCase, c = aCode }, null));
        // A GET with the access code in the URL (whatever the answer, the URL must not reach a log).
        var get = await api.Alba.Scenario(s =>
        {
            s.Get.Url($"/graphql?query={Uri.EscapeDataString("query($n: String!, $c: String!) { trackPetition(caseNumber: $n, accessCode: $c) { id } }")}"
                + $"&variables={Uri.EscapeDataString(JsonSerializer.Serialize(new { n = aCase, c = aCode }))}");
            s.IgnoreStatusCode();
        });
        _ = get.ReadAsText();
        // RATE_LIMITED: one caller guessing access codes until its access-code bucket (GraphQL:RateLimit:AccessCodeBurst) is empty.
        var guesser = api.Citizen("guesser");
        GqlResult last = null!;
        for (var i = 0; i < 70; i++)
        {
            last = await api.GraphQL("query($n: String!, $c: String!) { trackPetition(caseNumber: $n, accessCode: $c) { id } }",
                new { n = aCase, c = WrongCode }, guesser);
            if (last.HasErrors && last.Codes.Contains("RATE_LIMITED"))
                break;
        }
        Codes.Add(("refusals", last.Code));
        // The health endpoint.
        await api.Alba.Scenario(s =>
        {
            s.Get.Url("/health");
            s.IgnoreStatusCode();
        });

        // Through the bus, as the engine's own senders do: refusals carrying the personal data and the access code.
        Logs.Phase = "bus-refusals";
        var bus = api.Services.GetRequiredService<IMessageBus>();
        var anonymous = new CommandMeta(Guid.NewGuid(), Actor.AnonymousPetitioner, Anonymous: true, AccessCode: wCode);
        await BusRefused("INVALID_TRANSITION", bus.InvokeCommandAsync(api.Services, new CommandEnvelope(anonymous, new WithdrawPetition(w, Reason))));
        await BusRefused("VALIDATION", bus.InvokeCommandAsync(api.Services, new CommandEnvelope(
            new CommandMeta(Guid.NewGuid(), new Actor("citizen-1", Role.Petitioner, null)),
            new SubmitPetition(Channel.Website, "340101", PetitionCategory.ComplaintRequest, " ", Content, new PetitionerDetails(Name, Phone, IdNumber, Address), null))));
        await BusRefused("NOT_FOUND", bus.InvokeCommandAsync(api.Services, new CommandEnvelope(anonymous with { AccessCode = WrongCode, CommandId = Guid.NewGuid() },
            new EvaluatePetition(a, Satisfaction.Satisfied, Reason))));

        // A command the database fails: a unique index on the petitioner's phone, broken by a second
        // submission; the server's error detail quotes the key, i.e. the phone.
        Logs.Phase = "failure";
        await using (var connection = new NpgsqlConnection(Db.ProvinceConnectionString))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand(
                $"CREATE UNIQUE INDEX logs_test_phone ON caseengine.mt_doc_petition ((data -> 'petitioner' ->> 'phone')) WHERE data ->> 'content' = '{FailingContent}'", connection);
            await create.ExecuteNonQueryAsync();
        }
        (await api.GraphQL(Petitions.SubmitMutation, Input(content: FailingContent), api.Citizen())).HasErrors.ShouldBeFalse();
        var failed = await api.GraphQL(Petitions.SubmitMutation, Input(content: FailingContent), api.Citizen());
        Codes.Add(("failure", failed.Code));
        Logs.Phase = "failure-bus";
        var thrown = await Should.ThrowAsync<Exception>(() => bus.InvokeCommandAsync(api.Services, new CommandEnvelope(
            new CommandMeta(Guid.NewGuid(), new Actor("citizen-1", Role.Petitioner, null)),
            new SubmitPetition(Channel.Website, "340101", PetitionCategory.ComplaintRequest, Subject, FailingContent, new PetitionerDetails(Name, Phone, IdNumber, Address), null))));
        thrown.ShouldNotBeOfType<RuleViolation>();
        // What a caller that logs the exception (e.g. the deadline sweeper) would print.
        FailureText = thrown.ToString();
        Logs.Phase = "end";

        // What the exporters hold after the run.
        await Api.Services.GetRequiredService<CaseEngine.Workflow.Telemetry.OperationsSampler>().SampleAsync();
        Api.Services.GetRequiredService<MeterProvider>().ForceFlush();
        Api.Services.GetRequiredService<TracerProvider>().ForceFlush();
    }

    private async Task<(Guid Id, string CaseNumber, string AccessCode)> Submit(string? token)
    {
        var data = await Api.Data(Petitions.SubmitMutation, Input(), token);
        var payload = data.GetProperty("submitPetition");
        return (Guid.Parse(payload.GetProperty("petition").GetProperty("id").GetString()!),
            payload.GetProperty("caseNumber").GetString()!, payload.GetProperty("accessCode").GetString()!);
    }

    private static object Input(string channel = "WEBSITE", string subject = Subject, string phone = Phone, string content = Content) => new
    {
        input = new
        {
            commandId = Guid.NewGuid().ToString(),
            channel,
            entryRegionCode = "340101",
            category = "COMPLAINT_REQUEST",
            subject,
            content,
            petitioner = new { name = Name, phone, idNumber = IdNumber, address = Address },
        },
    };

    private async Task Refused(string code, Task<GqlResult> request)
    {
        var result = await request;
        result.Code.ShouldBe(code, result.Body);
        Codes.Add((Logs.Phase, code));
    }

    private async Task BusRefused(string code, Task<CommandResult> invoke)
    {
        var refusal = await Should.ThrowAsync<RuleViolation>(invoke);
        refusal.WireCode.ShouldBe(code);
        Codes.Add((Logs.Phase, code));
    }

    public async Task DisposeAsync()
    {
        await Api.DisposeAsync();
        await Db.DisposeAsync();
    }
}

public sealed class when_commands_are_refused_or_fail(RefusalRun run) : IClassFixture<RefusalRun>
{
    [Fact]
    public void the_run_reached_every_refusal_code_and_a_failure()
    {
        var expected = Enum.GetValues<RuleCode>().Select(RuleViolation.ToWire).ToHashSet();
        run.Codes.Select(c => c.Code).ToHashSet().ShouldBe(expected, ignoreOrder: true);
        run.Codes.ShouldContain(("failure", "INTERNAL"));
    }

    [Fact]
    public void no_log_entry_at_any_level_holds_personal_data_an_access_code_or_free_text()
    {
        run.Logs.Entries.Count.ShouldBeGreaterThan(100);
        var leaks = run.Logs.Entries
            .SelectMany(e => run.Secrets.Where(s => e.Text.Contains(s, StringComparison.Ordinal)).Select(s => (Secret: s, Entry: e)))
            .ToList();
        // One example per category and level, so the report names every source at once.
        leaks.Count.ShouldBe(0, $"{leaks.Select(l => l.Entry).Distinct().Count()} entries leak:\n" + string.Join("\n---\n",
            leaks.GroupBy(l => (l.Entry.Category, l.Entry.Level)).Select(g =>
                $"{g.Count()} x {g.Key.Level} {g.Key.Category} [{string.Join(", ", g.Select(l => l.Secret).Distinct())}] e.g. {Cut(g.First().Entry.Text)}")));
    }

    [Fact]
    public void no_exported_span_holds_personal_data_an_access_code_or_free_text()
    {
        List<System.Diagnostics.Activity> spans;
        lock (run.Spans)
            spans = [.. run.Spans];
        spans.Count.ShouldBeGreaterThan(50);
        // The handler spans of the commands, refused ones included, are there.
        spans.Count(a => a.Source.Name == "Wolverine" && a.DisplayName.EndsWith("CommandEnvelope")).ShouldBeGreaterThan(10);
        // The span of this test's own set-up statement (the failing index, written with the marker) is the test's, not the server's.
        spans.RemoveAll(a => (a.GetTagItem("db.statement") as string)?.StartsWith("CREATE UNIQUE INDEX logs_test_phone", StringComparison.Ordinal) == true);
        // The exporter sees the whole test process: other classes' own statements on their databases (the
        // JSON log test writes the same markers into its set-up index) are theirs, not this server's.
        var databases = new[] { run.Db.ConnectionString, run.Db.ProvinceConnectionString }.Select(s => new Npgsql.NpgsqlConnectionStringBuilder(s).Database).ToHashSet();
        spans.RemoveAll(a => a.Source.Name == "Npgsql" && !databases.Contains(a.DisplayName));
        var leaks = spans.SelectMany(a => run.Secrets.Where(secret => SpanText(a).Contains(secret, StringComparison.Ordinal))
            .Select(secret => $"{secret} in {a.Source.Name} {a.DisplayName}: {Cut(SpanText(a))}")).ToList();
        leaks.Count.ShouldBe(0, string.Join("\n---\n", leaks.Take(5)));
    }

    [Fact]
    public void no_exported_metric_holds_personal_data_an_access_code_or_free_text()
    {
        var points = run.Metrics.SelectMany(m => Points(m).Select(tags => $"{m.MeterName} {m.Name} {tags}")).ToList();
        points.ShouldContain(p => p.Contains("caseengine.commands", StringComparison.Ordinal));
        foreach (var secret in run.Secrets)
        {
            points.ShouldNotContain(p => p.Contains(secret, StringComparison.Ordinal));
        }
    }

    private static string SpanText(System.Diagnostics.Activity a) => string.Join(" | ", new[] { a.DisplayName, a.OperationName, a.StatusDescription ?? "" }
        .Concat(a.TagObjects.Select(t => $"{t.Key}={t.Value}"))
        .Concat(a.Events.SelectMany(e => e.Tags.Select(t => $"{e.Name} {t.Key}={t.Value}")))
        .Concat(a.Links.SelectMany(l => l.Tags?.Select(t => $"{t.Key}={t.Value}") ?? []))
        .Concat(a.Baggage.Select(b => $"{b.Key}={b.Value}")));

    private static List<string> Points(Metric metric)
    {
        var points = new List<string>();
        foreach (ref readonly var point in metric.GetMetricPoints())
        {
            var tags = new List<string>();
            foreach (var tag in point.Tags)
                tags.Add($"{tag.Key}={tag.Value}");
            points.Add(string.Join(",", tags));
        }
        return points;
    }

    [Fact]
    public void a_refusal_is_at_most_one_debug_or_information_line_without_a_stack()
    {
        var refusals = run.Logs.Entries.Where(e => e.Phase is "refusals" or "bus-refusals").ToList();
        // Lines of the refusals, not of what else runs meanwhile: a health check that finds the read side
        // lagging behind the moved fake clock (a Degraded warning, under a loaded CI) is no refusal's line.
        var errors = refusals.Where(e => e.Level >= LogLevel.Warning
            && e.Category != "Microsoft.Extensions.Diagnostics.HealthChecks.DefaultHealthCheckService").ToList();
        errors.Count.ShouldBe(0, $"{errors.Count} warnings or errors for refusals; first: "
            + string.Join("\n---\n", errors.Take(3).Select(e => Cut(e.Text))));
        var stacks = refusals.Where(e => e.Exception is not null || e.Text.Contains("   at ", StringComparison.Ordinal)).ToList();
        stacks.Count.ShouldBe(0, $"{stacks.Count} refusal entries carry an exception or a stack; first: "
            + string.Join("\n---\n", stacks.Take(3).Select(e => Cut(e.Text))));
        var mentions = refusals.Count(e => e.Text.Contains("refused", StringComparison.OrdinalIgnoreCase)
            || e.Text.Contains(nameof(RuleViolation), StringComparison.Ordinal));
        mentions.ShouldBeLessThanOrEqualTo(run.Codes.Count(c => c.Phase is "refusals" or "bus-refusals"));
    }

    [Fact]
    public void a_failing_command_is_an_error_with_its_type_and_no_data()
    {
        var failures = run.Logs.Entries.Where(e => e.Phase is "failure" or "failure-bus" && e.Level >= LogLevel.Error).ToList();
        failures.ShouldNotBeEmpty();
        failures.ShouldAllBe(e => !e.Text.Contains("Detail", StringComparison.Ordinal) || e.Text.Contains("redacted", StringComparison.Ordinal));
        // Even with Include Error Detail in the configured connection string, the exception does not quote the key.
        run.FailureText.ShouldNotBeEmpty();
        foreach (var secret in run.Secrets)
            run.FailureText.ShouldNotContain(secret);
    }

    private static string Cut(string text) => text.Length > 700 ? text[..700] + "…" : text;
}
