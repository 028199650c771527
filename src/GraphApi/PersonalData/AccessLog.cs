using System.Collections.Concurrent;
using CaseEngine.Domain;
using CaseEngine.Domain.Directory;
using CaseEngine.Domain.Petitions;
using CaseEngine.Workflow.Tenancy;
using Marten;

namespace CaseEngine.GraphApi.PersonalData;

/// <summary>
/// One clear-text read of a petitioner's personal data: who read it, which petition, when, and
/// through which field. Kept at least six months (<see cref="AccessLog.Retention"/>): nothing in
/// the engine deletes these rows; a purge job may remove only rows older than the retention.
/// </summary>
public sealed class PersonalDataRead
{
    /// <summary>Assigned by Marten (HiLo) on insert: increasing, the cursor of the auditor's query.</summary>
    public long Id { get; set; }
    public Guid PetitionId { get; set; }
    public string ReaderId { get; set; } = "";
    public Role ReaderRole { get; set; }
    public string? ReaderDepartmentId { get; set; }
    public bool Anonymous { get; set; }
    /// <summary>Where the clear data was served: "Petition.petitioner" or "PetitionEvent.data".</summary>
    public string Path { get; set; } = "";
    public DateTimeOffset ReadAt { get; set; }
    public string? CorrelationId { get; set; }
}

/// <summary>
/// Collects the clear reads of one request and stores them after it ran, in one transaction, so
/// a response with fifty petitions writes one batch rather than fifty.
/// </summary>
public sealed class AccessLog(IDocumentStore store, ProvinceDatabases provinces, TimeProvider time)
{
    /// <summary>The minimum time a read stays recorded (access.md: at least six months).</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromDays(183);

    public static void Configure(StoreOptions opts) =>
        opts.Schema.For<PersonalDataRead>()
            .Index(x => x.PetitionId)
            .Index(x => x.ReadAt)
            .Index(x => x.ReaderId);

    public RequestAccessLog ForRequest(Actor reader, bool anonymous, string? correlationId) =>
        new(this, reader, anonymous, correlationId);

    internal async Task StoreAsync(IReadOnlyCollection<PersonalDataRead> reads, CancellationToken ct)
    {
        if (reads.Count == 0)
            return;
        // Each read is kept in the database of the petition it was of, with the petition's other records:
        // one batch per province database (a petition read was found, so its province is served).
        foreach (var (province, batch) in await provinces.ByProvinceAsync(reads, r => r.PetitionId))
        {
            await using var session = store.LightweightSession(province);
            session.Insert(batch.ToArray());
            await session.SaveChangesAsync(ct);
        }
    }

    internal DateTimeOffset Now => time.GetUtcNow();
}

/// <summary>The clear reads of one request, deduplicated per petition and path.</summary>
public sealed class RequestAccessLog(AccessLog log, Actor reader, bool anonymous, string? correlationId)
{
    private readonly ConcurrentDictionary<(Guid, string), PersonalDataRead> _reads = new();

    public void Record(Guid petitionId, string path) =>
        _reads.GetOrAdd((petitionId, path), key => new PersonalDataRead
        {
            PetitionId = key.Item1,
            Path = key.Item2,
            ReaderId = reader.Id,
            ReaderRole = reader.Role,
            ReaderDepartmentId = reader.DepartmentId,
            Anonymous = anonymous,
            ReadAt = log.Now,
            CorrelationId = correlationId,
        });

    public int Count => _reads.Count;

    public Task FlushAsync(CancellationToken ct)
    {
        var reads = _reads.Values.ToList();
        _reads.Clear();
        return log.StoreAsync(reads, ct);
    }
}
