using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using CaseEngine.Domain;
using CaseEngine.GraphApi.Tests.Support;
using CaseEngine.Testing;
using Npgsql;

namespace CaseEngine.GraphApi.Tests.Logs;

/// <summary>
/// The real server process in Production with JSON console logs switched on the way docs/operations.md
/// says (<c>Logging__Console__FormatterName=json</c>) and every category at Trace, driven over HTTP with
/// the log-capture test's personal data, access codes and text markers (<see cref="RefusalRun"/>): what a
/// log shipper reads from its console.
/// </summary>
public sealed class JsonLogRun : IAsyncLifetime
{
    public DatabaseFixture Db { get; } = new();
    public List<string> Secrets { get; } = [RefusalRun.Name, RefusalRun.Phone, RefusalRun.IdNumber, RefusalRun.Address, RefusalRun.Subject,
        RefusalRun.Content, RefusalRun.Reason, RefusalRun.BadPhone, RefusalRun.WrongCode];

    /// <summary>Every line the process printed (stdout and stderr) once the last request's line was written.</summary>
    public IReadOnlyList<string> Lines { get; private set; } = [];

    /// <summary>The GraphQL requests this run made, each of which must have its one request line.</summary>
    public int Requests { get; private set; }

    public async Task InitializeAsync()
    {
        await Db.InitializeAsync();
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Logging__Console__FormatterName"] = "json",
        };
        // An operator who turned everything up: the JSON formatter writes every structured value of every entry.
        foreach (var category in new[] { "Default", "Microsoft", "Microsoft.AspNetCore", "Microsoft.AspNetCore.Hosting.Diagnostics", "System",
                     "Wolverine", "Marten", "JasperFx", "Npgsql", "Weasel", "GraphQL", "CaseEngine" })
            environment[$"Logging__LogLevel__{category}"] = "Trace";
        await using var server = await ServerProcess.StartAsync(Db.ConnectionString, environment);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        var citizen = RemoteApi.Token(Role.Petitioner, "citizen-1");

        // Accepted: a submission with the personal data; its access code must not be logged either.
        var submitted = await PostAsync(http, server, Petitions.SubmitMutation, Input(), citizen);
        var payload = submitted.RootElement.GetProperty("data").GetProperty("submitPetition");
        var petition = payload.GetProperty("petition").GetProperty("id").GetString()!;
        var caseNumber = payload.GetProperty("caseNumber").GetString()!;
        Secrets.Add(payload.GetProperty("accessCode").GetString()!);
        // Refused: VALIDATION (a phone with letters), NOT_FOUND (a guessed access code), INVALID_TRANSITION after a withdrawal.
        Code(await PostAsync(http, server, Petitions.SubmitMutation, Input(phone: RefusalRun.BadPhone), citizen)).ShouldBe("VALIDATION");
        Code(await PostAsync(http, server, "mutation($input: EvaluatePetitionInput!) { evaluatePetition(input: $input) { petition { id } } }",
            new { input = new { commandId = Guid.NewGuid(), petitionId = petition, satisfaction = "SATISFIED", comment = RefusalRun.Reason, accessCode = RefusalRun.WrongCode } },
            null)).ShouldBe("NOT_FOUND");
        var withdraw = "mutation($input: WithdrawPetitionInput!) { withdrawPetition(input: $input) { petition { id } } }";
        Code(await PostAsync(http, server, withdraw,
            new { input = new { commandId = Guid.NewGuid(), petitionId = petition, reason = RefusalRun.Reason, accessCode = Secrets[^1] } }, null)).ShouldBeNull();
        Code(await PostAsync(http, server, withdraw,
            new { input = new { commandId = Guid.NewGuid(), petitionId = petition, reason = RefusalRun.Reason, accessCode = Secrets[^1] } }, null)).ShouldBe("INVALID_TRANSITION");
        // UNAUTHENTICATED (a letter without a token), FORBIDDEN (an auditor acting), CONCURRENCY_CONFLICT (another version).
        Code(await PostAsync(http, server, Petitions.SubmitMutation, Input(channel: "LETTER"), null)).ShouldBe("UNAUTHENTICATED");
        var decline = "mutation($input: DeclinePetitionInput!) { declinePetition(input: $input) { petition { id } } }";
        Code(await PostAsync(http, server, decline, new { input = new { commandId = Guid.NewGuid(), petitionId = petition, reason = RefusalRun.Reason } },
            RemoteApi.Token(Role.Auditor, "auditor-1"))).ShouldBe("FORBIDDEN");
        Code(await PostAsync(http, server, decline, new { input = new { commandId = Guid.NewGuid(), petitionId = petition, expectedVersion = 9, reason = RefusalRun.Reason } },
            RemoteApi.Token(Role.Officer, "officer@340101-PO", "340101-PO"))).ShouldBe("CONCURRENCY_CONFLICT");
        // A command the database fails (as in RefusalRun: a unique index on the phone; the server's error detail would quote it): an Error line with its exception.
        await using (var connection = new NpgsqlConnection(Db.ProvinceConnectionString))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand(
                $"CREATE UNIQUE INDEX json_logs_test_phone ON caseengine.mt_doc_petition ((data -> 'petitioner' ->> 'phone')) WHERE data ->> 'content' = '{RefusalRun.FailingContent}'", connection);
            await create.ExecuteNonQueryAsync();
        }
        Secrets.Add(RefusalRun.FailingContent);
        Code(await PostAsync(http, server, Petitions.SubmitMutation, Input(content: RefusalRun.FailingContent), citizen)).ShouldBeNull();
        Code(await PostAsync(http, server, Petitions.SubmitMutation, Input(content: RefusalRun.FailingContent), citizen)).ShouldBe("INTERNAL");
        // A GET with the case number and the access code in its URL.
        var track = "query($n: String!, $c: String!) { trackPetition(caseNumber: $n, accessCode: $c) { id } }";
        using (var get = await http.GetAsync(new Uri(server.GraphQLUri, $"?query={Uri.EscapeDataString(track)}"
            + $"&variables={Uri.EscapeDataString(JsonSerializer.Serialize(new { n = caseNumber, c = RefusalRun.WrongCode }))}")))
            _ = await get.Content.ReadAsStringAsync();
        Requests++;

        // The console logger writes on its own thread: poll the process's output (bounded) until every request's line is there.
        var clock = Stopwatch.StartNew();
        while (RequestLines(server.Output).Count < Requests && clock.Elapsed < TimeSpan.FromSeconds(30))
            await Task.Delay(100);
        Lines = [.. server.Output.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Trim().Length > 0)];
    }

    // The test's own requests only: the readiness probes while the server started are request lines too
    // (at Debug), and counting them let the poll stop before the last request's line was written.
    private static List<string> RequestLines(string output) =>
        [.. output.Split('\n').Where(l => l.Contains("\"Category\":\"CaseEngine.Requests\"", StringComparison.Ordinal)
            && l.Contains("\"LogLevel\":\"Information\"", StringComparison.Ordinal))];

    private static object Input(string phone = RefusalRun.Phone, string channel = "WEBSITE", string content = RefusalRun.Content) => new
    {
        input = new
        {
            commandId = Guid.NewGuid().ToString(),
            channel,
            entryRegionCode = "340101",
            category = "COMPLAINT_REQUEST",
            subject = RefusalRun.Subject,
            content,
            petitioner = new { name = RefusalRun.Name, phone, idNumber = RefusalRun.IdNumber, address = RefusalRun.Address },
        },
    };

    private async Task<JsonDocument> PostAsync(HttpClient http, ServerProcess server, string query, object variables, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, server.GraphQLUri) { Content = JsonContent.Create(new { query, variables }) };
        if (token is not null)
            request.Headers.Authorization = new("Bearer", token);
        using var response = await http.SendAsync(request);
        Requests++;
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync());
    }

    private static string? Code(JsonDocument answer) =>
        answer.RootElement.TryGetProperty("errors", out var errors)
            ? errors[0].GetProperty("extensions").GetProperty("code").GetString()
            : null;

    public async Task DisposeAsync() => await Db.DisposeAsync();
}

public sealed class when_logs_are_written_as_json(JsonLogRun run, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<JsonLogRun>
{
    private static string Cut(string text) => text.Length > 500 ? text[..500] + "…" : text;

    private List<JsonElement> Entries() => [.. run.Lines.Select(l => JsonDocument.Parse(l).RootElement.Clone())];

    [Fact]
    public void every_line_on_the_console_is_one_json_object_with_level_category_and_message()
    {
        run.Lines.Count.ShouldBeGreaterThan(20);
        output.WriteLine($"{run.Lines.Count} console lines, {run.Requests} requests");
        foreach (var line in run.Lines)
        {
            JsonElement entry;
            try
            {
                entry = JsonDocument.Parse(line).RootElement;
            }
            catch (JsonException e)
            {
                throw new ShouldAssertException($"not one JSON object per line ({e.Message}): {Cut(line)}");
            }
            entry.ValueKind.ShouldBe(JsonValueKind.Object, Cut(line));
            foreach (var field in new[] { "LogLevel", "Category", "Message" })
                entry.TryGetProperty(field, out var value).ShouldBeTrue($"no {field}: {Cut(line)}");
            entry.GetProperty("LogLevel").GetString().ShouldBeOneOf("Trace", "Debug", "Information", "Warning", "Error", "Critical");
            entry.GetProperty("Category").GetString().ShouldNotBeNullOrWhiteSpace(Cut(line));
        }
        // The start's summary line is there, as JSON too.
        Entries().ShouldContain(e => e.GetProperty("Category").GetString() == "CaseEngine"
            && e.GetProperty("Message").GetString()!.StartsWith("CaseEngine Production: database master PostgreSQL", StringComparison.Ordinal));
    }

    [Fact]
    public void each_request_has_its_one_line_with_method_path_status_and_duration()
    {
        var requests = Entries().Where(e => e.GetProperty("Category").GetString() == "CaseEngine.Requests" && e.GetProperty("LogLevel").GetString() == "Information")
            .Select(e => e.GetProperty("Message").GetString()!).ToList();
        requests.Count.ShouldBe(run.Requests, string.Join("\n", requests));
        requests.Count(m => System.Text.RegularExpressions.Regex.IsMatch(m, @"^POST /graphql \d{3} \d+\.\d ms$")).ShouldBe(run.Requests - 1, string.Join("\n", requests));
        requests.Count(m => m.StartsWith("GET /graphql ", StringComparison.Ordinal)).ShouldBe(1, string.Join("\n", requests));
    }

    [Fact]
    public void the_failing_command_is_logged_as_errors_with_its_type_and_stack_and_refusals_are_not_errors()
    {
        var errors = Entries().Where(e => e.GetProperty("LogLevel").GetString() is "Error" or "Critical").ToList();
        errors.ShouldNotBeEmpty();
        var report = string.Join("\n---\n", errors.Select(e => Cut(e.GetRawText())));
        // The failure: Marten's line(s) with the SQLSTATE and the constraint, and the GraphQL resolver's with the exception type, its reference and the stack.
        errors.ShouldContain(e => e.GetProperty("Category").GetString() == "CaseEngine.GraphApi.Http.GraphQLExecution"
            && e.GetProperty("Message").GetString()!.Contains("(reference ", StringComparison.Ordinal)
            && e.GetProperty("Message").GetString()!.Contains("   at ", StringComparison.Ordinal), report);
        errors.ShouldContain(e => e.GetProperty("Category").GetString() == "Marten.IDocumentStore"
            && e.GetProperty("Message").GetString()!.Contains("SQLSTATE 23505, constraint json_logs_test_phone", StringComparison.Ordinal), report);
        // Nothing else is an error: not the six refusals.
        errors.ShouldAllBe(e => e.GetProperty("Message").GetString()!.Contains("json_logs_test_phone", StringComparison.Ordinal)
            || e.GetProperty("Message").GetString()!.Contains("DocumentAlreadyExistsException", StringComparison.Ordinal), report);
    }

    [Fact]
    public void no_line_at_any_level_holds_personal_data_an_access_code_or_free_text()
    {
        // The JSON writer escapes non-ASCII text (\uXXXX), so the Chinese strings are searched in the decoded values as well as in the raw line.
        var leaks = run.Lines.Where(l => run.Secrets.Any(s => l.Contains(s, StringComparison.Ordinal) || Decoded(JsonDocument.Parse(l).RootElement).Contains(s, StringComparison.Ordinal)))
            .ToList();
        leaks.Count.ShouldBe(0, $"{leaks.Count} lines leak, e.g.\n" + string.Join("\n---\n", leaks.Take(5).Select(Cut)));
        // And the search would have found them: the decoded text is what it looks like.
        Decoded(JsonDocument.Parse("{\"a\":\"\\u53F8\\u9A6C\\u61FF\\u7433\"}").RootElement).ShouldContain(RefusalRun.Name);
    }

    private static string Decoded(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => string.Join(" ", element.EnumerateObject().Select(p => p.Name + "=" + Decoded(p.Value))),
        JsonValueKind.Array => string.Join(" ", element.EnumerateArray().Select(Decoded)),
        JsonValueKind.String => element.GetString()!,
        _ => element.GetRawText(),
    };
}
