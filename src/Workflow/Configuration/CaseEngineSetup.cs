using CaseEngine.Projections.Duplicates;
using CaseEngine.Projections.Inbox;
using CaseEngine.Projections.Monitoring;
using CaseEngine.Projections.ReadSide;
using CaseEngine.Workflow.Commands;
using CaseEngine.Workflow.DeadLetters;
using CaseEngine.Workflow.Deadlines;
using CaseEngine.Workflow.DuplicateDetection;
using CaseEngine.Workflow.Hosting;
using CaseEngine.Workflow.Integration;
using CaseEngine.Workflow.Integrity;
using CaseEngine.Workflow.Rules;
using CaseEngine.Workflow.Submitting;
using CaseEngine.Workflow.Telemetry;
using CaseEngine.Workflow.Tenancy;
using CaseEngine.Domain.Directory;
using JasperFx;
using JasperFx.Events;
using JasperFx.Events.Daemon;
using Marten;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Weasel.Core;
using Wolverine;
using Wolverine.Marten;

namespace CaseEngine.Workflow.Configuration;

/// <summary>Marten + Wolverine as one registration, shared by the API host, the test hosts and the bench.</summary>
public static class CaseEngineSetup
{
    /// <summary>Name under ConnectionStrings (env <c>ConnectionStrings__Marten</c>).</summary>
    public const string ConnectionStringName = "Marten";

    /// <summary>
    /// Registers the event store, the command bus with its durable outbox, the async daemon (each province
    /// database's projections on one node, spread by Wolverine's leader: ReadSideDistribution) and a health check. Without a connection string (options, then
    /// configuration <c>ConnectionStrings:Marten</c>, env <c>ConnectionStrings__Marten</c>) a private
    /// <see cref="EmbeddedPostgres"/> cluster with durable settings starts when the host first needs
    /// the database, and stops when the host is disposed (or the process exits).
    /// </summary>
    public static IHostApplicationBuilder AddCaseEngine(this IHostApplicationBuilder builder, Action<CaseEngineOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = new CaseEngineOptions();
        configure?.Invoke(options);
        var services = builder.Services;

        // Every key (KeySettings.Required) is checked first, before any other hosted service touches
        // the database: outside Development a missing key stops the start with one line naming it.
        services.TryAddSingleton<ServerKeys>();
        services.Insert(0, ServiceDescriptor.Singleton<IHostedService, RequiredKeysCheck>());
        // Then, before Wolverine starts: Wolverine's tables in the master database, and every province database
        // readied side by side; one that does not answer is served when it does, without stopping the node.
        services.Insert(1, ServiceDescriptor.Singleton<IHostedService, ProvinceDatabasesStart>());

        // Resolved when the container is built, not now: Alba / WebApplicationFactory add their
        // configuration only at Build(), after Program has registered its services.
        services.TryAddSingleton(sp => ConfiguredDatabase.From(
            options.ConnectionString ?? sp.GetRequiredService<IConfiguration>().GetConnectionString(ConnectionStringName)));
        services.TryAddSingleton(sp =>
        {
            var provinces = ProvinceSettings.From(options.Provinces, sp.GetRequiredService<IConfiguration>());
            if (sp.GetRequiredService<ConfiguredDatabase>().ConnectionString is { } configured)
                return new CaseEngineDatabase(configured, Embedded: false, provinces);
            // The embedded default is federated too: its master database, and the demo province's own database beside it.
            var embedded = sp.GetRequiredService<EmbeddedPostgres>();
            var demo = provinces.Count > 0 ? provinces : new Dictionary<string, string>
            {
                [DemoDirectory.ProvinceCode] = EmbeddedProvinceDatabase(embedded, DemoDirectory.ProvinceCode),
            };
            return new CaseEngineDatabase(embedded.ConnectionString, Embedded: true, demo);
        });
        // Only created (about a second) when no connection string is configured. Created by the
        // container, so disposed by it: after every hosted service has stopped.
        services.TryAddSingleton(sp =>
        {
            var server = EmbeddedPostgres.Start(new EmbeddedPostgresOptions { FastUnsafe = options.EmbeddedFastUnsafe });
            sp.GetService<ILoggerFactory>()?.CreateLogger(typeof(EmbeddedPostgres)).LogInformation(
                "No ConnectionStrings:Marten configured: started embedded PostgreSQL on port {Port} in {Folder} (initdb {InitDb} ms, start {Start} ms); it stops with this process",
                server.Port, server.ClusterDirectory, (int)server.InitDbDuration.TotalMilliseconds, (int)server.StartDuration.TotalMilliseconds);
            return server;
        });

        // Hosts do not register a clock; a handler asking for one would fail at run time, not at start.
        services.TryAddSingleton(TimeProvider.System);
        // The department directory: the demo province unless CaseEngine:Directory:Divisions names the divisions.
        services.AddSettings<DirectorySettings>(DirectorySettings.Section, o => o.Invalid());
        services.TryAddSingleton(sp => options.RuleBook ?? sp.GetRequiredService<DirectorySettings>().Rules());
        // Required outside Development (ServerKeys); no default that anyone could read in the source.
        services.TryAddSingleton(sp => new AccessCodes(sp.GetRequiredService<ServerKeys>().Ring(KeySettings.AccessCode)));
        // Case numbers from blocks this node reserved: one per host, so its blocks are not shared with another host's.
        services.TryAddSingleton<CaseNumbers>();
        services.TryAddSingleton<CommandServices>();
        services.TryAddSingleton<CommandBatch>();
        services.TryAddSingleton<ProvinceDatabases>();
        services.TryAddSingleton<MasterDataSource>();
        services.TryAddSingleton<SubmissionClaims>();
        services.AddSettings<DeadlineSweepOptions>(DeadlineSweepOptions.Section, o => o.Invalid());
        services.AddSettings<ReadSideRoomOptions>(ReadSideRoomOptions.Section, o => o.Invalid());
        services.AddSingleton<DeadlineSweeper>();
        services.AddSingleton<CalendarReload>();
        // Each province's sweep runs on one node, given to it by Wolverine's leader (DeadlineSweepAgents).
        services.AddSingleton<Wolverine.Runtime.Agents.IAgentFamily, DeadlineSweepAgents>();

        // Integration events on a message broker: only when one is configured; checked now, so a missing
        // credential stops the start before any database work (outside Development).
        var broker = options.Broker?.Check(builder.Environment.IsDevelopment())
            ?? BrokerSettings.From(builder.Configuration, builder.Environment.IsDevelopment());

        // Before AddMarten: else the daemon starts relaying events before Wolverine runs.
        builder.UseWolverine(opts =>
        {
            opts.UseRuntimeCompilation();
            // Under test hosts (and Alba) the entry assembly is the test project: name ours explicitly.
            opts.ApplicationAssembly = typeof(CaseEngineSetup).Assembly;
            opts.Discovery.IncludeAssembly(typeof(CaseEngineSetup).Assembly);
            opts.Policies.AutoApplyTransactions();
            opts.Policies.UseDurableLocalQueues();
            opts.Policies.UseDurableOutboxOnAllSendingEndpoints();
            // Engine commands that failed where they ran: tried again from a durable queue, then dead-lettered.
            opts.LocalQueue(InternalCommand.Queue).UseDurableInbox().Sequential();
            // Hand-overs and reports between databases (issue 20): mostly waiting on another database, and
            // retried while one is away, so many at once; the order between them is the reports' own (LinkingDecisions).
            opts.LocalQueueFor<Linking.LinkCommand>().UseDurableInbox().MaximumParallelMessages(16);
            // Refusals are answers, not errors; no failure line prints a command's personal data.
            PersonalDataLogging.Apply(opts);
            ReadSideDistribution.Apply(opts);
            // Wolverine's tables are created by ProvinceDatabasesStart (the master's, then each province's as it
            // answers): Wolverine's own start migrated every province database in turn and stopped the node at
            // the first that did not answer. Its check of each province's tables at start then only logs one that is down.
            opts.AutoBuildMessageStorageOnStartup = AutoCreate.None;
            opts.ResourceMigrationFailureMode = ResourceMigrationFailureMode.ContinueOnFailures;
            options.ConfigureWolverine?.Invoke(opts);
        });

        services.AddSingleton(sp => new DaemonWakeup(sp.GetRequiredService<CaseEngineDatabase>().ConnectionString,
            sp.GetRequiredService<ILogger<DaemonWakeup>>()));
        var marten = services.AddMarten(sp =>
            {
                var opts = new StoreOptions();
                // One database per province (tenant id = province code, ProvinceDatabases), listed in a
                // table of the master database; there is no single-database mode (docs/operations.md).
                var database = sp.GetRequiredService<CaseEngineDatabase>();
                // Every database's connections prepare the statements they repeat (StatementPreparation).
                opts.ConfigureNpgsqlDataSourceBuilder(StatementPreparation.Configure);
                opts.MultiTenantedDatabasesWithMasterDatabaseTable(tenancy =>
                {
                    tenancy.ConnectionString = database.ConnectionString;
                    tenancy.SchemaName = ProvinceDatabases.MasterSchema;
                    tenancy.ApplicationName = "caseengine";
                    foreach (var (province, connectionString) in database.Provinces)
                        tenancy.RegisterDatabase(province, connectionString);
                });
                opts.DatabaseSchemaName = options.SchemaName;
                opts.AutoCreateSchemaObjects = AutoCreate.CreateOrUpdate;
                opts.UseSystemTextJsonForSerialization(EnumStorage.AsString, Casing.CamelCase);
                opts.Events.StreamIdentity = StreamIdentity.AsGuid;
                // Correlation and causation ids and headers (actor, commandId) on every event.
                opts.Events.MetadataConfig.EnableAll();
                // Stored event timestamps come from the injected clock, so tests with a fake clock see its time.
                opts.Events.TimeProvider = sp.GetRequiredService<TimeProvider>();
                EventStoreSetup.ConfigureEventStore(opts, CachedStreams(options, sp));
                // Projection lag (target T3: commit → visible in inbox/overdue/statistics, p99 ≤ 500 ms).
                // Polling alone waits for the daemon's high-water poll (SlowPollingTime 1 s when quiet):
                // measured p50 ≈ 0.2–0.9 s, p99 ≈ 1.1 s. The daemon LISTENs and is woken after each commit
                // that appended events (DaemonWakeup: the NOTIFY is sent after the commit, from its own
                // connection, never inside the commands' transactions, where PostgreSQL's notify lock
                // would serialise their flushes). Polling stays as the fallback at its defaults.
                // Marten #4961 (daemon stopped for good after a database outage with LISTEN on) is fixed in
                // 9.58: the wake-up falls back to polling while the database is down and listens again after;
                // tests/Projections.Tests/DaemonRecoveryTests restarts (and crashes) PostgreSQL to prove it.
                sp.GetRequiredService<DaemonWakeup>().Configure(opts);
                // SQL without parameter values: events and documents carry personal data.
                PersonalDataLogging.Apply(opts, sp.GetService<ILoggerFactory>());
                // Tamper evidence: every append links its events in the same transaction (docs/operations.md).
                if (options.EventChain)
                    EventChainSetup.ConfigureStore(opts, sp);
                options.ConfigureMarten?.Invoke(opts);
                return opts;
            })
            .UseLightweightSessions()
            // No ApplyAllDatabaseChangesOnStartup: it applies the schema to every province database in turn and
            // stops the node at the first that does not answer; ProvinceDatabasesStart readies them side by side.
            // The read side is spread over the nodes by Wolverine's leader: every async projection and
            // subscription of a province's database runs on exactly one node (a database's agents stay
            // together), and moves to another node when its node stops sending heartbeats (ReadSideDistribution).
            .IntegrateWithWolverine(w =>
            {
                w.UseWolverineManagedEventSubscriptionDistribution = true;
                // Wolverine's tables in each database are made by ProvinceDatabases.ReadyAsync (AppliedSchema): left
                // to Marten's AutoCreate, Wolverine compared them again the first time it met each province's database.
                w.AutoCreate = AutoCreate.None;
            });
        // After the integration, which adds the PostgreSQL queue transport we do not use and whose start-up check of
        // every province database held a node's start ~100 s while one was down (UnusedPostgresqlTransport).
        UnusedPostgresqlTransport.Replace(services);
        // After Wolverine's own family of projection agents (the agent controller keeps the last of a scheme):
        // the same agents, started knowing their province database, so each daemon is woken by its own commits (DaemonWakeup).
        services.AddSingleton<Wolverine.Runtime.Agents.IAgentFamily>(sp =>
            new ScopedSubscriptionAgents(sp.GetRequiredService<Wolverine.Runtime.Agents.EventSubscriptionAgentFamily>()));
        // Health checks, rebuilds and the bench ask JasperFx's contract; Wolverine registers Marten's, which inherits it.
        services.AddSingleton<IProjectionCoordinator>(sp => sp.GetRequiredService<Marten.Events.Daemon.Coordination.IProjectionCoordinator>());
        if (broker is not null)
            IntegrationSetup.AddPublisher(marten, services, broker);
        options.ConfigureMartenServices?.Invoke(marten);
        // After ProvinceDatabasesStart's schema step: the backfill of events stored before the chain needs its table.
        if (options.EventChain)
            EventChainSetup.AddEventChain(services, options.EventChainKey);
        // Petitioner hash key, duplicate detection after each submission, the segmentation dictionary loaded at start.
        ChineseTextSetup.AddChineseTextFeatures(services, marten, options.DuplicateDetection);

        // Projection lag gauges, and a check that turns unhealthy when a projection stalls.
        // The broker's publisher waits while the broker is down: that degrades the node, it does not make it unready.
        services.AddProjectionMonitoring(o =>
        {
            if (broker is not null)
                o.WaitOnOutsideSystems.Add(CaseEventPublisher.SubscriptionName);
        });
        services.TryAddSingleton<DeadLetterBox>();
        services.TryAddSingleton<CaseEngine.Workflow.Publications.PublicationStore>();
        // The demo's texts for citizens, on the embedded database only.
        services.AddHostedService<CaseEngine.Workflow.Publications.DemoPublications>();
        // The command pipeline compiled once the host has started, not by the first command.
        services.AddHostedService<CaseEngine.Workflow.Hosting.CommandPipelineWarmup>();
        // Outbox, dead-letter and broker state as plain values, with or without a broker.
        services.TryAddSingleton(sp => new IntegrationStatus(sp.GetRequiredService<Wolverine.Runtime.IWolverineRuntime>(), sp.GetService<CaseEventSender>()));
        // Commands, deadlines, overdue, outbox and dead-letter instruments (docs/operations.md, Metrics).
        services.AddCaseEngineMetrics();
        // Both checks decide readiness (/health/ready); liveness asks nothing of the database (HealthTags).
        // One instance, so that it knows which province probes are still in flight.
        services.TryAddSingleton<CaseEngineHealthCheck>();
        services.AddHealthChecks().AddCheck<CaseEngineHealthCheck>("caseengine", tags: [HealthTags.Ready])
            .AddCheck<ProjectionHealthCheck>("projections", tags: [HealthTags.Ready]);
        return builder;
    }

    /// <summary>Creates a province's database in the embedded cluster (new at every start) and names it.</summary>
    private static string EmbeddedProvinceDatabase(EmbeddedPostgres embedded, string province)
    {
        var name = $"caseengine_{province}";
        // Once, while the container builds the store: the cluster has just started and is empty.
        embedded.CreateDatabaseAsync(name).GetAwaiter().GetResult();
        return embedded.ConnectionStringFor(name);
    }

    /// <summary>The room of the inbox and overdue projections: the option given in code, else the setting (<see cref="ReadSideRoomOptions"/>).</summary>
    private static int CachedStreams(CaseEngineOptions options, IServiceProvider sp) =>
        options.ReadSideCachedStreams ?? sp.GetRequiredService<ReadSideRoomOptions>().ReadSideCachedStreams;
}

/// <summary>Resolves every key of <see cref="KeySettings.Required"/> when the host starts, before the hosted services that use the database.</summary>
internal sealed class RequiredKeysCheck(ServerKeys keys) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        keys.CheckRequired();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>
/// The connection string the operator configured (<c>ConnectionStrings:Marten</c>), checked for its
/// form when resolved; null when none is, and an embedded cluster serves.
/// </summary>
public sealed class ConfiguredDatabase
{
    public const string Setting = "ConnectionStrings:Marten (env ConnectionStrings__Marten)";

    private ConfiguredDatabase(string? connectionString) => ConnectionString = connectionString;

    public string? ConnectionString { get; }

    public static ConfiguredDatabase From(string? connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
            return new ConfiguredDatabase(null);
        try
        {
            _ = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException or OverflowException)
        {
            // The parser's message can quote a piece of the string (a password): never repeat it.
            throw new StartupException($"{Setting} is not a valid PostgreSQL connection string: write it as "
                + "Host=<host>;Port=5432;Database=<database>;Username=<user>;Password=<password>, or unset it to use the embedded database");
        }
        return new ConfiguredDatabase(connectionString);
    }

    /// <summary>Opens one connection; a failure becomes one line naming the setting (never the password).</summary>
    public async Task CheckReachableAsync(CancellationToken cancellationToken = default)
    {
        if (ConnectionString is null)
            return;
        try
        {
            await using var connection = new NpgsqlConnection(ConnectionString);
            await connection.OpenAsync(cancellationToken);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException)
        {
            var reason = e is PostgresException pg ? $"{pg.SqlState} {pg.MessageText}" : e.Message;
            throw new StartupException($"cannot connect to the database of {Setting}: {reason.ReplaceLineEndings(" ")}; "
                + "check that PostgreSQL runs there and that host, port, database, user and password are right", e);
        }
    }
}

/// <summary>The databases the engine runs on, as resolved at start.</summary>
/// <param name="ConnectionString">the master database (the table of province databases, Wolverine's nodes)</param>
/// <param name="Embedded">True when it points at the private cluster started for this process.</param>
/// <param name="Provinces">province databases registered at start, by province code</param>
public sealed record CaseEngineDatabase(string ConnectionString, bool Embedded, IReadOnlyDictionary<string, string> Provinces)
{
    /// <summary>Never with Npgsql's Include Error Detail: the server's DETAIL quotes keys and rows into exception text.</summary>
    public string ConnectionString { get; } = PersonalDataLogging.WithoutErrorDetail(ConnectionString);

    public IReadOnlyDictionary<string, string> Provinces { get; } =
        Provinces.ToDictionary(p => p.Key, p => PersonalDataLogging.WithoutErrorDetail(p.Value), StringComparer.Ordinal);
}
