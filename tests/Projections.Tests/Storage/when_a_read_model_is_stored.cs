using CaseEngine.Testing;
using Marten;

namespace CaseEngine.Projections.Tests.Storage;

public sealed record ProbeView(Guid Id, string Department, int OpenItems);

// dotnet test runs this project and Workflow.Tests as parallel processes: each must get its own
// database server (or share one safely) and pass.
public class when_a_read_model_is_stored(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task it_reads_back_from_this_test_classes_own_database()
    {
        using var store = DocumentStore.For(opts =>
        {
            opts.Connection(db.ProvinceConnectionString);
            opts.DatabaseSchemaName = "projections_probe";
        });
        var view = new ProbeView(Guid.NewGuid(), "dept-01", 3);

        await using (var session = store.LightweightSession(Province.Demo))
        {
            session.Store(view);
            await session.SaveChangesAsync();
        }

        await using var query = store.QuerySession(Province.Demo);
        (await query.LoadAsync<ProbeView>(view.Id)).ShouldBe(view);
        if (PostgresServer.Embedded is { } embedded)
            Path.GetFileName(embedded.ClusterDirectory).ShouldEndWith($"-{Environment.ProcessId}");
    }
}
