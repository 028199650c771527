using System.Diagnostics;
using System.Text.Json;
using CaseEngine.Bench.Faults;
using CaseEngine.Domain;
using CaseEngine.Testing;
using CaseEngine.Workflow.Hosting;
using CaseEngine.Workflow.Tenancy;
using Npgsql;
using Xunit.Abstractions;

namespace CaseEngine.FaultRun.Tests;

/// <summary>
/// Issue 19, item 4: three nodes of the real server over a master database and three province
/// databases (安徽 340000, 江苏 320000, 浙江 330000). Wolverine's leader gives each province's read side
/// (its projections and subscriptions) and its deadline sweep to exactly one node; the node holding
/// Anhui's is SIGKILLed under load and its work must run on another node within
/// <see cref="MoveWithin"/>; a fourth province (上海 310000) registered while the nodes run gets its read
/// side and sweep on some node. Nothing is skipped or counted twice: every acknowledged submission is in
/// its province's statistics and inbox once, in the national feed once, and a subscriber that follows
/// the national log through the kill sees the feed exactly. Issue 20 on the same nodes: the national office's
/// database beside the provinces'; petitions handed down from it to the provinces through the node about to be
/// killed, the kill landing while their link commands are in flight, and more after it: each hand-down makes
/// exactly one copy, mirrored on the national petition, and a copy's acceptance after the kill is reported back.
/// </summary>
[RunsLong]
public class the_read_side_over_three_nodes(ITestOutputHelper output)
{
    /// <summary>Issue 19's bound from a node's SIGKILL to its work running elsewhere (ReadSideDistribution: stale after 10 s).</summary>
    private static readonly TimeSpan MoveWithin = TimeSpan.FromSeconds(30);

    private static readonly string[] Provinces = ["340000", "320000", "330000"];
    private const string Shanghai = "310000";
    private const string Nation = "000000";

    /// <summary>The county agencies the national office hands down to, one per province.</summary>
    private static readonly string[] Agencies = ["340102-EDU", "320102-EDU", "330102-EDU"];

    /// <summary>A city of each province, where its petitions are filed (the city's petition office receives them).</summary>
    private static readonly Dictionary<string, string> City = new()
    {
        ["340000"] = "340100", ["320000"] = "320100", ["330000"] = "330100", [Shanghai] = "310101", [Nation] = Nation,
    };

    private readonly Stopwatch _watch = Stopwatch.StartNew();

    [Fact]
    public async Task moves_a_killed_nodes_provinces_within_30_s_and_skips_or_repeats_nothing()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var ct = timeout.Token;
        await using var postgres = await EmbeddedPostgres.StartAsync(new EmbeddedPostgresOptions { Name = "nodes", FastUnsafe = true }, ct);
        var admin = Unpooled(postgres.ConnectionString);
        await PostgresDatabases.CreateAsync(admin, "nodes", ct);
        var master = postgres.ConnectionStringFor("nodes");
        foreach (var province in Provinces.Append(Nation))
        {
            await PostgresDatabases.CreateAsync(admin, $"nodes_{province}", ct);
            await ProvinceDatabases.RecordAsync(Unpooled(master), province, postgres.ConnectionStringFor($"nodes_{province}"));
        }

        var root = FaultRunOptions.RepositoryRoot();
        var environment = new Dictionary<string, string>(TestKeys.EnvironmentVariables)
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ConnectionStrings__Marten"] = master,
            ["CaseEngine__Directory__Divisions"] = Path.GetFullPath(Path.Combine(root, "..", "shared", "data", "divisions")),
            ["Logging__LogLevel__Default"] = "Warning",
            ["GraphQL__RateLimit__Burst"] = "100000",
            ["GraphQL__RateLimit__PermitsPerSecond"] = "100000",
        };
        var dll = FaultRunOptions.ServerDllIn(root);
        var nodes = Enumerable.Range(0, 3).Select(i => new NodeProcess(i, dll, environment)).ToList();
        try
        {
            // The first node creates the schemas; the others start against them.
            await nodes[0].StartAsync(TimeSpan.FromMinutes(2), ct);
            await Task.WhenAll(nodes.Skip(1).Select(n => n.StartAsync(TimeSpan.FromMinutes(2), ct)));
            Say($"3 nodes healthy: {string.Join(", ", nodes)}");

            // The leader gives everything to the first node until the others join, then spreads the databases: waited for.
            var placed = await PlacedAsync(nodes, Provinces, TimeSpan.FromSeconds(60), ct, spread: p => p.Values.Select(x => x.ReadSide).Distinct().Count() > 1);
            Say("placed: " + Describe(placed));
            // Wolverine keeps a database's agents together and spreads the databases: with three of each, every node holds work.
            placed.Values.Select(p => p.ReadSide).Distinct().Count().ShouldBeGreaterThan(1, Describe(placed));

            using var api = new GraphQLCaller(TestKeys.SigningKey);
            var live = new List<NodeProcess>(nodes);
            var rng = new Random(19);
            NodeProcess Pick()
            {
                lock (live)
                    return live[rng.Next(live.Count)];
            }
            var submitted = new List<(string Province, Guid Id, string Department)>();
            async Task SubmitAsync(string province, int count)
            {
                for (var i = 0; i < count; i++)
                    submitted.Add(await SubmitOneAsync(api, Pick, province, ct));
            }

            // The subscriber follows the national log from the node about to be killed, so it must resume elsewhere.
            var victim = nodes[placed["340000"].ReadSide];
            var subscriber = new ResumingSubscriber(_ => victim.Running ? victim : Pick(), api.Token(Role.Auditor, "three-node-subscriber"));
            using var stopSubscriber = new CancellationTokenSource();
            var following = Task.Run(() => subscriber.RunAsync(stopSubscriber.Token), CancellationToken.None);

            foreach (var province in Provinces)
                await SubmitAsync(province, 8);

            // The national office hands petitions down through the node about to be killed; the kill follows the
            // last acknowledgement at once, while the link commands those forwards stored are being delivered.
            var nationalOfficer = api.Token(Role.Officer, $"officer-{Nation}-PO", $"{Nation}-PO");
            var handedDown = new List<(Guid Origin, string Agency)>();
            var national = new List<(string Province, Guid Id, string Department)>();
            for (var i = 0; i < 12; i++)
                national.Add(await SubmitOneAsync(api, Pick, Nation, ct));
            submitted.AddRange(national);
            // Anhui's streams table is held locked, so the copies Anhui is to receive cannot be written: those link
            // commands are certainly in flight on the victim, stored in the national database, when it dies.
            await using var blocker = new NpgsqlConnection(Unpooled(postgres.ConnectionStringFor("nodes_340000")));
            await blocker.OpenAsync(ct);
            await using var hold = await blocker.BeginTransactionAsync(ct);
            await using (var lockStreams = new NpgsqlCommand("lock table caseengine.mt_streams in access exclusive mode", blocker, hold))
                await lockStreams.ExecuteNonQueryAsync(ct);
            await Task.WhenAll(national.Take(9).Select((p, i) => ForwardAsync(api, () => victim, p.Id, Agencies[i % 3], nationalOfficer, ct)));
            handedDown.AddRange(national.Take(9).Select((p, i) => (p.Id, Agencies[i % 3])));
            var inFlight = await WaitingAsync(postgres.ConnectionStringFor($"nodes_{Nation}"), ct);
            inFlight.ShouldBeGreaterThanOrEqualTo(3, "the hand-downs to Anhui wait on its lock");

            // SIGKILL the node holding Anhui's read side, while submissions keep coming to every province.
            lock (live)
                live.Remove(victim);
            var killedAt = _watch.Elapsed;
            await victim.KillAsync();
            await hold.RollbackAsync(ct);
            Say($"killed node {victim.Index} right after it acknowledged 9 hand-downs, {inFlight} of their link commands in flight");
            await Task.WhenAll(national.Skip(9).Select((p, i) => ForwardAsync(api, Pick, p.Id, Agencies[i % 3], nationalOfficer, ct)));
            handedDown.AddRange(national.Skip(9).Select((p, i) => (p.Id, Agencies[i % 3])));
            Say($"killed node {victim.Index} (it held the read side of {string.Join(", ", placed.Where(p => p.Value.ReadSide == victim.Index).Select(p => p.Key))})");
            var during = Task.Run(async () =>
            {
                foreach (var province in Provinces)
                    await SubmitAsync(province, 6);
            }, ct);

            var moved = await PlacedAsync(live, Provinces, MoveWithin + TimeSpan.FromSeconds(30), ct);
            var movedAfter = _watch.Elapsed - killedAt;
            Say($"after the kill, placed in {movedAfter.TotalSeconds:0.0} s: {Describe(moved)}");
            movedAfter.ShouldBeLessThan(MoveWithin, $"the killed node's work ran elsewhere after {movedAfter.TotalSeconds:0.0} s");
            await during;

            // Anhui's deadline sweep runs on its new node: a letter registered 40 days after it arrived has
            // missed its routing time limit, and the sweep fires that (DeadlineMissed) without any request.
            var letter = await SubmitOneAsync(api, Pick, "340000", ct, receivedDaysAgo: 40);
            submitted.Add(letter);
            var auditor = api.Token(Role.Auditor, "three-node-auditor");
            var firedAfter = Stopwatch.StartNew();
            var missed = await UntilAsync(async () =>
            {
                var reply = await api.SendAsync(Pick().GraphQLUri, "query($p: ID!) { events(petitionId: $p) { type } }", new { p = letter.Id }, auditor, ct);
                reply.Answer.ShouldBe(Answer.Acknowledged, $"the petition's events: {reply.Code} {reply.Detail}");
                return reply.Data.GetProperty("events").EnumerateArray().Count(e => e.GetProperty("type").GetString() == "DeadlineMissed");
            }, n => n > 0, ct);
            missed.ShouldBe(1, "the moved sweep fired the missed deadline once");
            Say($"the letter's missed deadline fired {firedAfter.Elapsed.TotalSeconds:0.0} s after its submission");

            // Every hand-down, the 9 cut by the kill included, has its copy and is mirrored on the national petition.
            var copies = new Dictionary<Guid, Guid>();
            foreach (var (origin, agency) in handedDown)
            {
                var mirrored = await UntilAsync(async () =>
                {
                    var reply = await api.SendAsync(Pick().GraphQLUri,
                        "query($id: ID!) { petition(id: $id) { status currentDepartment { id } linkedPetition { id caseNumber relation } } }", new { id = origin }, auditor, ct);
                    reply.Answer.ShouldBe(Answer.Acknowledged, $"the national petition: {reply.Code} {reply.Detail}");
                    return reply.Data.GetProperty("petition");
                }, p => p.GetProperty("linkedPetition").ValueKind == JsonValueKind.Object
                    && p.GetProperty("linkedPetition").GetProperty("caseNumber").ValueKind == JsonValueKind.String, ct);
                mirrored.GetProperty("linkedPetition").ValueKind.ShouldBe(JsonValueKind.Object, $"the hand-down of {origin} has a copy");
                mirrored.GetProperty("linkedPetition").GetProperty("relation").GetString().ShouldBe("HANDED_OVER_TO");
                mirrored.GetProperty("status").GetString().ShouldBe("FORWARDED");
                mirrored.GetProperty("currentDepartment").GetProperty("id").GetString().ShouldBe(agency);
                copies[origin] = Guid.Parse(mirrored.GetProperty("linkedPetition").GetProperty("id").GetString()!);
            }
            // The agency accepts a copy of a hand-down the kill cut: the national petition mirrors the acceptance.
            var (cut, cutAgency) = handedDown[0];
            var accepted = await api.SendAsync(Pick().GraphQLUri,
                "mutation($input: AcceptPetitionInput!) { acceptPetition(input: $input) { petition { status } } }",
                new { input = new { commandId = Guid.NewGuid(), petitionId = copies[cut] } }, api.Token(Role.Officer, $"officer-{cutAgency}", cutAgency), ct);
            accepted.Answer.ShouldBe(Answer.Acknowledged, $"the copy's acceptance: {accepted.Code} {accepted.Detail}");
            var reported = await UntilAsync(async () =>
            {
                var reply = await api.SendAsync(Pick().GraphQLUri, "query($id: ID!) { petition(id: $id) { status } }", new { id = cut }, auditor, ct);
                reply.Answer.ShouldBe(Answer.Acknowledged, $"the national petition: {reply.Code} {reply.Detail}");
                return reply.Data.GetProperty("petition").GetProperty("status").GetString();
            }, status => status == "IN_HANDLING", ct);
            reported.ShouldBe("IN_HANDLING", "the copy's acceptance is reported back onto the national petition");
            Say($"{handedDown.Count} hand-downs (9 cut by the kill): each copied and mirrored; an acceptance reported back");


            // A province registered while the nodes run: its read side and sweep are given to a node.
            await PostgresDatabases.CreateAsync(admin, $"nodes_{Shanghai}", ct);
            await ProvinceDatabases.RecordAsync(Unpooled(master), Shanghai, postgres.ConnectionStringFor($"nodes_{Shanghai}"));
            var registeredAt = _watch.Elapsed;
            var withShanghai = await PlacedAsync(live, [.. Provinces, Shanghai], TimeSpan.FromSeconds(90), ct);
            Say($"上海 registered: placed after {(_watch.Elapsed - registeredAt).TotalSeconds:0.0} s: {Describe(withShanghai)}");
            await SubmitAsync(Shanghai, 5);

            // Converged: each province's statistics and inboxes count its acknowledged submissions once.
            var counted = new List<(string Province, int Expected, int Received, int Inboxes)>();
            foreach (var province in Provinces.Append(Shanghai))
            {
                var expected = submitted.Count(s => s.Province == province);
                // A SUPERVISOR of the province office: its statistics roll up every office below (an OFFICER reads its own only).
                var officer = api.Token(Role.Supervisor, $"supervisor-{province}", $"{province}-PO");
                // From 60 days back: the letter counts on the day it arrived.
                var received = await UntilAsync(async () =>
                {
                    var reply = await api.SendAsync(Pick().GraphQLUri,
                        "query($d: ID!, $from: Date!, $to: Date!) { statistics(departmentId: $d, from: $from, to: $to) { totals { received } } }",
                        new { d = $"{province}-PO", from = DateTime.UtcNow.AddDays(-60).ToString("yyyy-MM-dd"), to = DateTime.UtcNow.AddDays(1).ToString("yyyy-MM-dd") }, officer, ct);
                    reply.Answer.ShouldBe(Answer.Acknowledged, $"statistics of {province}: {reply.Code} {reply.Detail}");
                    return reply.Data.GetProperty("statistics").GetProperty("totals").GetProperty("received").GetInt32();
                }, n => n >= expected, ct);
                var inboxes = await UntilAsync(async () =>
                {
                    var rows = 0;
                    foreach (var department in submitted.Where(s => s.Province == province).Select(s => s.Department).Distinct())
                    {
                        var reply = await api.SendAsync(Pick().GraphQLUri, "query($d: ID!) { inbox(departmentId: $d) { totalCount } }", new { d = department },
                            api.Token(Role.Officer, $"officer-{department}", department), ct);
                        reply.Answer.ShouldBe(Answer.Acknowledged, $"inbox of {department}: {reply.Code} {reply.Detail}");
                        rows += reply.Data.GetProperty("inbox").GetProperty("totalCount").GetInt32();
                    }
                    return rows;
                }, n => n >= expected, ct);
                counted.Add((province, expected, received, inboxes));
            }
            Say("acknowledged / statistics / inbox rows: " + string.Join("; ", counted.Select(c => $"{c.Province} {c.Expected}/{c.Received}/{c.Inboxes}")));
            foreach (var c in counted)
            {
                c.Received.ShouldBe(c.Expected, $"statistics of {c.Province}");
                c.Inboxes.ShouldBe(c.Expected, $"inbox rows of {c.Province}");
            }

            // 移交 between provinces on the surviving nodes (after the counts above, which it would move): an Anhui
            // city office's supervisor transfers a petition to a Jiangsu county office, which gets a copy at
            // routing; Anhui's petition mirrors it.
            var moving = submitted.First(p => p.Province == "340000" && p.Department == "340100-PO");
            var transfer = await api.SendAsync(Pick().GraphQLUri,
                "mutation($input: TransferLevelInput!) { transferLevel(input: $input) { petition { status } } }",
                new { input = new { commandId = Guid.NewGuid(), petitionId = moving.Id, toDepartmentId = "320102-PO", reason = "事发地在外省" } },
                api.Token(Role.Supervisor, "supervisor-340100-PO", "340100-PO"), ct);
            transfer.Answer.ShouldBe(Answer.Acknowledged, $"the transfer: {transfer.Code} {transfer.Detail}");
            var transferred = await UntilAsync(async () =>
            {
                var reply = await api.SendAsync(Pick().GraphQLUri,
                    "query($id: ID!) { petition(id: $id) { currentDepartment { id } linkedPetition { id caseNumber province } } }", new { id = moving.Id }, auditor, ct);
                reply.Answer.ShouldBe(Answer.Acknowledged, $"the transferred petition: {reply.Code} {reply.Detail}");
                return reply.Data.GetProperty("petition");
            }, p => p.GetProperty("linkedPetition").ValueKind == JsonValueKind.Object
                && p.GetProperty("linkedPetition").GetProperty("caseNumber").ValueKind == JsonValueKind.String, ct);
            transferred.GetProperty("linkedPetition").GetProperty("province").GetString().ShouldBe("320000");
            transferred.GetProperty("currentDepartment").GetProperty("id").GetString().ShouldBe("320102-PO");
            copies[moving.Id] = Guid.Parse(transferred.GetProperty("linkedPetition").GetProperty("id").GetString()!);

            // The national feed holds each submission once, in strictly increasing sequence; the subscriber saw exactly that.
            var feed = new List<(long Sequence, Guid Petition, string Type, string Province, long ProvinceSequence)>();
            for (long after = 0; ;)
            {
                var reply = await api.SendAsync(Pick().GraphQLUri, "query($after: Long) { events(after: $after, first: 100) { sequence petitionId type province provinceSequence } }", new { after }, auditor, ct);
                reply.Answer.ShouldBe(Answer.Acknowledged, $"the feed: {reply.Code} {reply.Detail}");
                var page = reply.Data.GetProperty("events").EnumerateArray()
                    .Select(e => (e.GetProperty("sequence").GetInt64(), Guid.Parse(e.GetProperty("petitionId").GetString()!), e.GetProperty("type").GetString()!,
                        e.GetProperty("province").GetString()!, e.GetProperty("provinceSequence").GetInt64())).ToList();
                if (page.Count == 0)
                    break;
                feed.AddRange(page);
                after = page[^1].Item1;
            }
            feed.Select(e => e.Sequence).ShouldBe(feed.Select(e => e.Sequence).Order(), "the feed's sequence increases");
            feed.Select(e => e.Sequence).Distinct().Count().ShouldBe(feed.Count, "no sequence twice");
            var submissions = feed.Where(e => e.Type == "PetitionSubmitted").Select(e => e.Petition).ToList();
            submissions.Count.ShouldBe(submitted.Count, "one PetitionSubmitted per acknowledged submission");
            submissions.ToHashSet().SetEquals(submitted.Select(s => s.Id)).ShouldBeTrue("the feed's submissions are the acknowledged ones");

            // Exactly once: one copy per hand-down in the national feed, each the copy the national petition names.
            var arrived = feed.Where(e => e.Type == "HandedOverPetitionReceived").Select(e => e.Petition).ToList();
            arrived.Count.ShouldBe(copies.Count, "one copy per hand-down and per transfer");
            arrived.ToHashSet().SetEquals(copies.Values).ShouldBeTrue("the copies are those the national petitions name");
            // Nothing is left waiting in any database's inbox; the national feed is every database's own log, each
            // event once, in that database's order (the union of the logs, the national office's included).
            foreach (var database in Provinces.Append(Nation).Append(Shanghai))
            {
                await using var connection = new NpgsqlConnection(Unpooled(postgres.ConnectionStringFor($"nodes_{database}")));
                await connection.OpenAsync(ct);
                (await WaitingAsync(postgres.ConnectionStringFor($"nodes_{database}"), ct)).ShouldBe(0, $"link commands waiting in {database}");
                await using var log = new NpgsqlCommand("select seq_id from caseengine.mt_events where type <> 'tombstone' order by seq_id", connection);
                var sequences = new List<long>();
                await using (var reader = await log.ExecuteReaderAsync(ct))
                    while (await reader.ReadAsync(ct))
                        sequences.Add(reader.GetInt64(0));
                feed.Where(e => e.Province == database).Select(e => e.ProvinceSequence).ShouldBe(sequences, $"the national feed's events of {database}");
            }

            var last = feed[^1].Sequence;
            await UntilAsync(() => Task.FromResult(subscriber.Last), n => n >= last, ct);
            await stopSubscriber.CancelAsync();
            await following;
            subscriber.Sequences.ShouldBe(feed.Select(e => e.Sequence).ToList(), "the subscriber saw the feed, each event once, in order");
            Say($"{submitted.Count} submissions, {feed.Count} events in the national feed, the subscriber connected {subscriber.Connections} times");
            subscriber.Connections.ShouldBeGreaterThan(1, "the subscriber resumed on another node after the kill");
        }
        catch
        {
            foreach (var node in nodes)
                output.WriteLine($"--- {node} ---\n{node.Tail}");
            throw;
        }
        finally
        {
            foreach (var node in nodes)
                await node.DisposeAsync();
        }
    }

    /// <summary>Where each province's work runs (node index), from the live nodes' health reports.</summary>
    private sealed record Placement(int ReadSide, int Sweep, int Relay);

    /// <summary>
    /// Waits until each of <paramref name="provinces"/> has its read side and its sweep on exactly one of
    /// <paramref name="nodes"/>, and so has its relay into the national log (the health report's <c>readSideHere</c> and <c>agentsHere</c>).
    /// </summary>
    /// <param name="spread">a further condition the placement must meet (the initial spread over the nodes)</param>
    private static async Task<Dictionary<string, Placement>> PlacedAsync(IReadOnlyList<NodeProcess> nodes, IReadOnlyList<string> provinces,
        TimeSpan within, CancellationToken ct, Func<Dictionary<string, Placement>, bool>? spread = null)
    {
        var deadline = Stopwatch.StartNew();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        while (true)
        {
            var readSide = new Dictionary<string, List<int>>();
            var sweeps = new Dictionary<string, List<int>>();
            var relays = new Dictionary<string, List<int>>();
            foreach (var node in nodes)
            {
                try
                {
                    using var health = JsonDocument.Parse(await http.GetStringAsync(new Uri(node.BaseUri, "/health"), ct));
                    var data = health.RootElement.GetProperty("checks").GetProperty("caseengine").GetProperty("data");
                    Add(readSide, data.GetProperty("readSideHere"), node.Index);
                    var agents = data.GetProperty("agentsHere").EnumerateArray().Select(a => a.GetString()!).ToList();
                    Add(sweeps, agents.Where(a => a.StartsWith("deadline-sweep://", StringComparison.Ordinal)).Select(a => a[^6..]), node.Index);
                    Add(relays, agents.Where(a => a.StartsWith("national-relay://", StringComparison.Ordinal)).Select(a => a[^6..]), node.Index);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or KeyNotFoundException or JsonException && !ct.IsCancellationRequested)
                {
                    // A node still starting (or busy): asked again on the next round.
                }
            }
            var placed = provinces.All(p => readSide.GetValueOrDefault(p)?.Count == 1 && sweeps.GetValueOrDefault(p)?.Count == 1 && relays.GetValueOrDefault(p)?.Count == 1)
                ? provinces.ToDictionary(p => p, p => new Placement(readSide[p][0], sweeps[p][0], relays[p][0]))
                : null;
            if (placed is not null && (spread is null || spread(placed)))
                return placed;
            if (placed is not null && deadline.Elapsed > within)
                return placed;   // placed but not spread: the caller's assertion says so
            if (deadline.Elapsed > within)
                throw new TimeoutException($"not every province's work ran on exactly one node within {within.TotalSeconds} s: read side "
                    + string.Join("; ", readSide.Select(r => $"{r.Key} on {string.Join('+', r.Value)}")) + ", sweeps "
                    + string.Join("; ", sweeps.Select(r => $"{r.Key} on {string.Join('+', r.Value)}")) + ", relays "
                    + string.Join("; ", relays.Select(r => $"{r.Key} on {string.Join('+', r.Value)}")));
            await Task.Delay(250, ct);
        }
    }

    private static void Add(Dictionary<string, List<int>> held, JsonElement provinces, int node) =>
        Add(held, provinces.EnumerateArray().Select(p => p.GetString()!), node);

    private static void Add(Dictionary<string, List<int>> held, IEnumerable<string> provinces, int node)
    {
        foreach (var province in provinces)
        {
            if (!held.TryGetValue(province, out var nodes))
                held[province] = nodes = [];
            nodes.Add(node);
        }
    }

    /// <summary>One submission, sent until it has an answer (the same command id every time, so a repeat is answered, not applied).</summary>
    /// <param name="receivedDaysAgo">a LETTER an officer of the city's office registers that many days after it arrived; else a citizen's web submission</param>
    private static async Task<(string Province, Guid Id, string Department)> SubmitOneAsync(GraphQLCaller api, Func<NodeProcess> pick, string province, CancellationToken ct,
        int? receivedDaysAgo = null)
    {
        var commandId = Guid.NewGuid();
        var token = receivedDaysAgo is null
            ? api.Token(Role.Petitioner, $"citizen-{commandId:N}")
            : api.Token(Role.Officer, $"officer-{City[province]}-PO", $"{City[province]}-PO");
        var input = new
        {
            commandId,
            channel = receivedDaysAgo is null ? "WEBSITE" : "LETTER",
            receivedAt = receivedDaysAgo is { } days ? DateTimeOffset.UtcNow.AddDays(-days).ToString("O") : null,
            entryRegionCode = City[province],
            category = "COMPLAINT_REQUEST",
            subject = $"道路维修 {commandId:N}",
            content = $"小区门前道路破损，请求维修。{commandId:N}",
            petitioner = new { name = "张三", phone = "13800000000" },
        };
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var reply = await api.SendAsync(pick().GraphQLUri,
                "mutation($input: SubmitPetitionInput!) { submitPetition(input: $input) { petition { id currentDepartment { id } } } }",
                new { input }, token, ct);
            if (reply.Answer == Answer.Acknowledged)
            {
                var petition = reply.Data.GetProperty("submitPetition").GetProperty("petition");
                return (province, Guid.Parse(petition.GetProperty("id").GetString()!), petition.GetProperty("currentDepartment").GetProperty("id").GetString()!);
            }
            reply.Answer.ShouldNotBe(Answer.Refused, $"submission to {province} refused: {reply.Code}");
            await Task.Delay(200, ct);
        }
        throw new TimeoutException($"a submission to {province} had no answer after 100 attempts");
    }

    /// <summary>The link commands a database's inbox holds not yet handled (<see cref="Workflow.Linking.LinkCommand.WaitingSql"/>).</summary>
    private static async Task<long> WaitingAsync(string database, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(Unpooled(database));
        await connection.OpenAsync(ct);
        await using var waiting = new NpgsqlCommand(Workflow.Linking.LinkCommand.WaitingSql("caseengine"), connection);
        return (long)(await waiting.ExecuteScalarAsync(ct))!;
    }

    /// <summary>A hand-down (forwardPetition to another province's agency), sent until it has an answer, with one command id.</summary>
    private static async Task ForwardAsync(GraphQLCaller api, Func<NodeProcess> pick, Guid petition, string agency, string token, CancellationToken ct)
    {
        var input = new { commandId = Guid.NewGuid(), petitionId = petition, toDepartmentId = agency, mode = "TRANSFER", note = "请依法处理" };
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var reply = await api.SendAsync(pick().GraphQLUri,
                "mutation($input: ForwardPetitionInput!) { forwardPetition(input: $input) { petition { status } } }", new { input }, token, ct);
            if (reply.Answer == Answer.Acknowledged)
                return;
            reply.Answer.ShouldNotBe(Answer.Refused, $"the hand-down was refused: {reply.Code} {reply.Detail}");
            await Task.Delay(200, ct);
        }
        throw new TimeoutException("a hand-down had no answer after 100 attempts");
    }

    private static async Task<T> UntilAsync<T>(Func<Task<T>> read, Func<T, bool> done, CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var value = await read();
            if (done(value) || deadline.Elapsed > TimeSpan.FromSeconds(60))
                return value;
            await Task.Delay(250, ct);
        }
    }

    private static string Describe(Dictionary<string, Placement> placed) =>
        string.Join("; ", placed.Select(p => $"{p.Key}: read side on node {p.Value.ReadSide}, sweep on {p.Value.Sweep}, relay on {p.Value.Relay}"));

    private void Say(string line) => output.WriteLine($"[{_watch.Elapsed.TotalSeconds,6:0.0} s] {line}");

    private static string Unpooled(string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString;
}
