using CaseEngine.Domain.Directory;
using CaseEngine.Domain.Petitions;

namespace CaseEngine.Domain.Publications;

/// <summary>What a publication is, as the citizen pages group them (issue 21).</summary>
public enum PublicationKind
{
    /// <summary>信访须知: what a petitioner should know before submitting.</summary>
    Notice,
    /// <summary>政策: policy texts.</summary>
    Policy,
    /// <summary>法律法规: laws and regulations (e.g. the articles of the 信访工作条例 a citizen needs).</summary>
    Law,
    /// <summary>新闻: news.</summary>
    News,
    /// <summary>使用帮助: how to use the pages.</summary>
    Help,
}

public enum PublicationStatus
{
    Published,
    Withdrawn,
}

/// <summary>One written version of a publication: kept whole, never changed afterwards.</summary>
/// <param name="Number">1 for the first version, then 2, 3, …</param>
/// <param name="Source">where the text comes from (a law's official source, the issuing office), shown with it</param>
/// <param name="WrittenBy">the ADMIN's subject; not served by the API</param>
public sealed record PublicationVersion(int Number, string Title, string Body, string? Source, DateTimeOffset WrittenAt, string WrittenBy);

/// <summary>What an ADMIN writes: a new publication (no id) or a new version of one.</summary>
/// <param name="Scope">000000 for a national text, else the province code (340000) whose citizens see it</param>
/// <param name="Body">Markdown; rendered to HTML through an allow-list when served</param>
/// <param name="ExpectedVersion">for a new version: the version the writer saw (CONCURRENCY_CONFLICT when another was written since)</param>
public sealed record PublicationDraft(string Scope, PublicationKind Kind, string Title, string Body, string? Source, int? ExpectedVersion = null);

/// <summary>
/// A text published to citizens: notices, policy, law, news and help (issue 21). Its versions are kept,
/// the newest is what is shown; withdrawn, it is shown to ADMIN only. Stored as a document in the
/// database of its scope: a province's texts in the province's database, the national ones in the
/// national office's, so a province's citizens read their province's and the nation's.
/// </summary>
public sealed class Publication
{
    public const int MaxTitleLength = 200;
    public const int MaxBodyLength = 100_000;
    public const int MaxSourceLength = 500;

    public Guid Id { get; set; }
    public string Scope { get; set; } = "";
    public PublicationKind Kind { get; set; }
    public PublicationStatus Status { get; set; }
    /// <summary>When the first version was published: the order the lists show.</summary>
    public DateTimeOffset PublishedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public List<PublicationVersion> Versions { get; set; } = [];

    public PublicationVersion Current => Versions[^1];
    public int Version => Versions.Count;

    /// <summary>Who may read it: anyone while published; ADMIN also when withdrawn.</summary>
    public bool IsVisibleTo(Actor actor) => Status == PublicationStatus.Published || actor.Role == Role.Admin;
}

/// <summary>The rules of publications: only ADMIN writes; input is checked before anything is stored.</summary>
public static class PublicationRules
{
    public static void EnsureMayWrite(Actor actor, bool anonymous)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (anonymous)
            throw new RuleViolation(RuleCode.Unauthenticated, "writing a publication needs a token");
        if (actor.Role != Role.Admin)
            throw RuleViolation.Forbidden("only ADMIN writes publications");
    }

    /// <summary>A new publication, or the next version of <paramref name="existing"/> (which the caller loaded by the draft's id).</summary>
    public static Publication Write(Publication? existing, Guid newId, PublicationDraft draft, Actor actor, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(draft);
        ArgumentNullException.ThrowIfNull(actor);
        var title = Check(draft.Title, "title", maxLength: Publication.MaxTitleLength);
        var body = Check(draft.Body, "body", maxLength: Publication.MaxBodyLength);
        var source = string.IsNullOrWhiteSpace(draft.Source) ? null : Check(draft.Source, "source", maxLength: Publication.MaxSourceLength);
        EnsureScope(draft.Scope);
        if (!Enum.IsDefined(draft.Kind))
            throw RuleViolation.Validation("kind is not a publication kind");
        if (existing is null)
        {
            if (draft.ExpectedVersion is { } v && v != 0)
                throw RuleViolation.Concurrency("the publication does not exist (expectedVersion must be 0 or absent)");
            return new Publication
            {
                Id = newId,
                Scope = draft.Scope,
                Kind = draft.Kind,
                Status = PublicationStatus.Published,
                PublishedAt = now,
                UpdatedAt = now,
                Versions = [new PublicationVersion(1, title, body, source, now, actor.Id)],
            };
        }
        if (existing.Scope != draft.Scope)
            throw RuleViolation.Validation("scope cannot change: a publication stays where it was published");
        if (draft.ExpectedVersion is { } expected && expected != existing.Version)
            throw RuleViolation.Concurrency("another version was written since (expectedVersion)");
        existing.Kind = draft.Kind;
        existing.Status = PublicationStatus.Published;
        existing.UpdatedAt = now;
        existing.Versions.Add(new PublicationVersion(existing.Version + 1, title, body, source, now, actor.Id));
        return existing;
    }

    public static void Withdraw(Publication publication, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(publication);
        if (publication.Status == PublicationStatus.Withdrawn)
            throw RuleViolation.InvalidTransition("the publication is already withdrawn");
        publication.Status = PublicationStatus.Withdrawn;
        publication.UpdatedAt = now;
    }

    /// <summary>A scope is the national code (000000) or a province's code (340000): VALIDATION otherwise, never echoing it.</summary>
    public static void EnsureScope(string? scope)
    {
        if (scope is null || Provinces.Of(scope) != scope)
            throw RuleViolation.Validation("scope must be 000000 (national) or a province code such as 340000");
    }

    private static string Check(string? text, string name, int maxLength)
    {
        var trimmed = text?.Trim() ?? "";
        if (trimmed.Length == 0)
            throw RuleViolation.Validation($"{name} is required");
        if (trimmed.Length > maxLength)
            throw RuleViolation.Validation($"{name} is longer than {maxLength} characters");
        return trimmed;
    }
}
