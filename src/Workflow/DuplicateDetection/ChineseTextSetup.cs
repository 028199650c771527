using CaseEngine.Projections.ChineseText;
using CaseEngine.Projections.Duplicates;
using CaseEngine.Projections.SituationAnalysis;
using CaseEngine.Workflow.Configuration;
using JasperFx.Events.Projections;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CaseEngine.Workflow.DuplicateDetection;

/// <summary>Registration of the Chinese-text features: the duplicate index and detection, the situation-analysis read model, the dictionary warm-up.</summary>
public static class ChineseTextSetup
{
    /// <summary>Configuration key of the petitioner hash key (env <c>CaseEngine__PetitionerHashKey</c>).</summary>
    public const string HashKeySetting = "CaseEngine:PetitionerHashKey";

    /// <summary>Tables and projections: the duplicate index's table (written by detection) and the situation-analysis rows (async).</summary>
    public static void ConfigureStore(StoreOptions opts)
    {
        ArgumentNullException.ThrowIfNull(opts);
        var schema = opts.DatabaseSchemaName;
        opts.Storage.ExtendedSchemaObjects.Add(DuplicateIndexSchema.Definition(schema));
        SituationAnalysisRegistration.Register(opts);
    }

    /// <summary>
    /// The hash key (configuration <see cref="HashKeySetting"/>), loading the dictionary when the host
    /// starts, and — unless <paramref name="detectDuplicates"/> is false — detection after each submission.
    /// </summary>
    public static void AddChineseTextFeatures(IServiceCollection services, MartenServiceCollectionExtensions.MartenConfigurationExpression marten,
        bool detectDuplicates = true)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(marten);
        // Required outside Development (ServerKeys); no default that anyone could read in the source.
        services.TryAddSingleton(sp =>
        {
            var current = sp.GetRequiredService<ServerKeys>().Ring(KeySettings.PetitionerHash).Current;
            return new PetitionerKeys(current.Id, current.Secret);
        });
        services.TryAddSingleton(sp => new DuplicateIndex(sp.GetRequiredService<PetitionerKeys>()));
        services.AddHostedService<ChineseTextWarmup>();
        if (detectDuplicates)
            marten.AddSubscriptionWithServices<DuplicateDetectionSubscription>(ServiceLifetime.Singleton);
    }
}

/// <summary>
/// Loads the segmentation dictionary once per process when the host starts, in the background, so
/// the first submission does not wait seconds for it. Missing dictionary files fail the start at once.
/// </summary>
public sealed class ChineseTextWarmup(ILogger<ChineseTextWarmup> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        ChineseTextAnalyzer.EnsureDictionariesPresent();
        if (!ChineseTextAnalyzer.IsLoaded)
        {
            _ = Task.Run(() =>
            {
                try
                {
                    var analyzer = ChineseTextAnalyzer.Shared;
                    logger.LogInformation("Chinese segmentation dictionary loaded in {Milliseconds} ms", (int)analyzer.LoadTime.TotalMilliseconds);
                }
                catch (Exception e)
                {
                    logger.LogError(e, "Chinese segmentation dictionary failed to load");
                }
            }, CancellationToken.None);
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
