using CaseEngine.GraphApi.Schema;
using CaseEngine.GraphApi.Tests.Support;
using CaseEngine.Workflow.Rules;
using GraphQL.Types;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CaseEngine.GraphApi.Tests.Schema;

/// <summary>schema/schema.graphql is the served schema, and the served schema keeps the contract's promises.</summary>
public class when_the_schema_is_printed
{
    public static string Served()
    {
        var services = new ServiceCollection();
        services.AddSingleton(RuleBook.Demo());
        services.AddSingleton(TimeProvider.System);
        // No settings: every section at its defaults (GraphQL:Limits among them).
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddCaseEngineSchema();
        using var provider = services.BuildServiceProvider();
        var schema = provider.GetRequiredService<ISchema>();
        schema.Initialize();
        return CaseEngineSchema.Print(schema);
    }

    [Fact]
    public void the_exported_file_matches_the_code()
    {
        var served = Served();
        if (Environment.GetEnvironmentVariable("CASEENGINE_UPDATE_SCHEMA") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Repository.SchemaFile)!);
            File.WriteAllText(Repository.SchemaFile, served);
        }
        File.Exists(Repository.SchemaFile).ShouldBeTrue("schema/schema.graphql is missing: run the tests with CASEENGINE_UPDATE_SCHEMA=1");
        File.ReadAllText(Repository.SchemaFile).ReplaceLineEndings("\n")
            .ShouldBe(served, "schema/schema.graphql drifted from the code: run the tests with CASEENGINE_UPDATE_SCHEMA=1 and commit it");
    }

    [Fact]
    public async Task graphql_js_finds_no_breaking_change_from_the_contract()
    {
        File.Exists(Repository.ContractSchemaFile).ShouldBeTrue($"the contract is expected at {Repository.ContractSchemaFile}");
        var served = Path.Combine(Path.GetTempPath(), $"caseengine-served-{Guid.NewGuid():N}.graphql");
        await File.WriteAllTextAsync(served, Served());
        try
        {
            var (code, output) = await Node.ScriptAsync("compat.mjs", [Repository.ContractSchemaFile, served], TimeSpan.FromMinutes(2));
            code.ShouldBe(0, output);
        }
        finally
        {
            File.Delete(served);
        }
    }

    [Theory]
    [InlineData("scalar DateTime")]
    [InlineData("scalar Date")]
    [InlineData("scalar Long")]
    [InlineData("scalar JSON")]
    [InlineData("personalDataAccessLog(")]
    [InlineData("petitionEvents(filter: PetitionEventFilter, after: Long): PetitionEvent!")]
    public void it_declares_the_contract_scalars_and_its_extensions(string text) => Served().ShouldContain(text);
}
