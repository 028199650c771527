using CaseEngine.Domain.Directory;
using CaseEngine.Workflow.Hosting;
using CaseEngine.Workflow.Tenancy;
using Xunit;

namespace CaseEngine.Testing;

/// <summary>
/// Fresh databases for one test class (<c>IClassFixture&lt;DatabaseFixture&gt;</c>), dropped afterwards:
/// a master database (<see cref="ConnectionString"/>, what a host is given) listing the province
/// databases of <see cref="Provinces"/> — the demo province's alone unless a subclass says otherwise
/// (<see cref="ProvinceConnectionString"/>, where its petitions are stored).
/// </summary>
public class DatabaseFixture : IAsyncLifetime
{
    private string _server = "";
    private readonly List<string> _created = [];

    public string DatabaseName { get; } = $"caseengine_{Guid.NewGuid():N}"[..27];

    /// <summary>The provinces whose databases the master lists from the start.</summary>
    public virtual IReadOnlyList<string> Provinces => [Province.Demo];

    /// <summary>Connection string to this fixture's master database (ConnectionStrings:Marten of a host).</summary>
    public string ConnectionString { get; private set; } = "";

    /// <summary>Connection string to the demo province's database: the events, documents and read models.</summary>
    public string ProvinceConnectionString => ProvinceConnectionStringOf(Province.Demo);

    /// <summary>Connection string to a province's database beside the master (created by <see cref="CreateProvinceDatabaseAsync"/> or at start).</summary>
    public string ProvinceConnectionStringOf(string province) => PostgresDatabases.ForDatabase(_server, $"{DatabaseName}_{province}");

    public async Task InitializeAsync()
    {
        _server = await PostgresServer.GetConnectionStringAsync();
        await PostgresDatabases.CreateAsync(_server, DatabaseName);
        _created.Add(DatabaseName);
        ConnectionString = PostgresDatabases.ForDatabase(_server, DatabaseName);
        foreach (var province in Provinces)
            await ProvinceDatabases.RecordAsync(ConnectionString, province, await CreateProvinceDatabaseAsync(province));
    }

    /// <summary>An empty database for a province beside the master, not yet listed in it; its connection string.</summary>
    public async Task<string> CreateProvinceDatabaseAsync(string province)
    {
        var name = $"{DatabaseName}_{province}";
        await PostgresDatabases.CreateAsync(_server, name);
        _created.Add(name);
        return ProvinceConnectionStringOf(province);
    }

    public async Task DisposeAsync()
    {
        foreach (var name in _created)
            await PostgresDatabases.DropAsync(_server, name);
    }
}

/// <summary>A master database listing three provinces of the real divisions (Anhui, Jiangsu, Zhejiang), each in a database of its own.</summary>
public sealed class ThreeProvinces : DatabaseFixture
{
    public override IReadOnlyList<string> Provinces => [Province.Anhui, Province.Jiangsu, Province.Zhejiang];
}

/// <summary>The national office's database beside Anhui's, Jiangsu's and Zhejiang's (issue 20): four databases behind the master.</summary>
public sealed class NationAndThreeProvinces : DatabaseFixture
{
    public override IReadOnlyList<string> Provinces => [Province.Nation, Province.Anhui, Province.Jiangsu, Province.Zhejiang];
}

/// <summary>The national office's, Anhui's and Jiangsu's databases; a test adds Zhejiang's on a server of its own.</summary>
public sealed class NationAnhuiJiangsu : DatabaseFixture
{
    public override IReadOnlyList<string> Provinces => [Province.Nation, Province.Anhui, Province.Jiangsu];
}

/// <summary>The provinces the tests use.</summary>
public static class Province
{
    /// <summary>安徽省, the demo directory's province: the one database of a <see cref="DatabaseFixture"/>.</summary>
    public const string Demo = DemoDirectory.ProvinceCode;

    /// <summary>安徽省, 江苏省, 浙江省: three provinces of the real divisions (../shared/data/divisions).</summary>
    public const string Anhui = "340000", Jiangsu = "320000", Zhejiang = "330000";

    /// <summary>The national office's own database (tenant 000000).</summary>
    public const string Nation = DepartmentDirectory.NationalCode;
}
