using CaseEngine.Domain;
using CaseEngine.Domain.Petitions;
using CaseEngine.Domain.Petitions.Submitting;
using CaseEngine.Workflow.Commands;
using CaseEngine.Workflow.Configuration;
using CaseEngine.Workflow.Deadlines;
using CaseEngine.Workflow.Submitting;
using JasperFx.Events;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Wolverine;

namespace CaseEngine.Testing;

/// <summary>
/// The real engine (Marten, Wolverine, the deadline sweep) on a test database with a fake clock,
/// driven the way the API drives it: commands through the bus.
/// </summary>
public sealed class Engine : IAsyncDisposable
{
    private Engine(IHost host, FakeClock clock)
    {
        Host = host;
        Clock = clock;
    }

    public IHost Host { get; }
    public FakeClock Clock { get; }
    public IDocumentStore Store => Host.Services.GetRequiredService<IDocumentStore>();
    public IMessageBus Bus => Host.Services.GetRequiredService<IMessageBus>();

    public static Task<Engine> StartAsync(DatabaseFixture db, FakeClock? clock = null, Action<CaseEngineOptions>? configure = null) =>
        StartAsync(db.ConnectionString, clock, configure);

    public static async Task<Engine> StartAsync(string connectionString, FakeClock? clock = null, Action<CaseEngineOptions>? configure = null,
        Action<Microsoft.Extensions.Hosting.HostApplicationBuilder>? configureHost = null)
    {
        clock ??= new FakeClock();
        var host = await CaseEngineTestHost.StartAsync(connectionString, clock, configure, configureHost);
        return new Engine(host, clock);
    }

    public static CommandMeta As(Actor actor, int? expectedVersion = null, string? accessCode = null, Guid? commandId = null) =>
        new(commandId ?? Guid.NewGuid(), actor, Anonymous: false, expectedVersion, accessCode);

    public static CommandMeta Anonymously(string? accessCode = null, Guid? commandId = null) =>
        new(commandId ?? Guid.NewGuid(), Actor.AnonymousPetitioner, Anonymous: true, AccessCode: accessCode);

    /// <summary>Sends a command through the bus and waits for its result.</summary>
    public Task<CommandResult> SendAsync(CommandEnvelope command) => Bus.InvokeCommandAsync(Host.Services, command);

    /// <summary>A WEBSITE complaint by citizen-1 to the county 340101, unless told otherwise.</summary>
    public Task<CommandResult> SubmitAsync(SubmitPetition? command = null, CommandMeta? meta = null) =>
        SendAsync(new CommandEnvelope(meta ?? As(new Actor("citizen-1", Role.Petitioner, null)), command ?? Samples.Complaint()));

    /// <summary>The database a petition is in: the province its id names (the demo province's for an id naming none).</summary>
    public static string ProvinceOf(Guid id) => PetitionIds.ProvinceOf(id) ?? Province.Demo;

    public async Task<Petition> PetitionAsync(Guid id)
    {
        await using var session = Store.QuerySession(ProvinceOf(id));
        return await session.LoadAsync<Petition>(id) ?? throw new InvalidOperationException($"petition {id} not found");
    }

    public async Task<IReadOnlyList<IEvent>> StreamAsync(Guid id)
    {
        await using var session = Store.QuerySession(ProvinceOf(id));
        return await session.Events.FetchStreamAsync(id);
    }

    /// <summary>Runs the deadline sweep at the fake clock's now.</summary>
    public Task<int> SweepAsync() => Host.Services.GetRequiredService<DeadlineSweeper>().SweepAsync();

    public async ValueTask DisposeAsync()
    {
        await Host.StopAsync();
        Host.Dispose();
    }
}

public static class Samples
{
    public static SubmitPetition Complaint(
        Channel channel = Channel.Website, string entryRegion = "340101",
        PetitionCategory category = PetitionCategory.ComplaintRequest, string subject = "村道损坏无人维修") =>
        new(channel, entryRegion, category, subject, "村里的道路损坏已有半年，请求尽快维修。",
            new PetitionerDetails("张三丰", "13812345678", "340101199001011234", "示范市1县1镇1"));
}
