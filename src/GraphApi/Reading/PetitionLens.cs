using CaseEngine.Domain;
using CaseEngine.Domain.Directory;
using CaseEngine.Domain.Petitions;
using CaseEngine.GraphApi.Auth;

namespace CaseEngine.GraphApi.Reading;

/// <summary>
/// How one caller sees one petition: its personal data (clear, masked or hidden) and whether this
/// is the petitioner's own view, which shows no internal fields (access.md).
/// </summary>
public sealed record PetitionLens(PersonalDataView PersonalData, bool OwnView)
{
    /// <summary>
    /// The caller's lens on a petition it may read, or null when it may not read it (then the
    /// petition does not exist for it). Read rights are the domain's <see cref="Jurisdiction.CanRead"/>.
    /// </summary>
    public static PetitionLens? For(Petition p, Caller caller, DepartmentDirectory directory, bool accessCodeVerified = false) =>
        Jurisdiction.CanRead(p, caller.Actor, directory, caller.Anonymous, accessCodeVerified)
            ? Of(p, caller, directory, accessCodeVerified)
            : null;

    /// <summary>The lens without the read check: for the event feed, whose rights are scopes, not petitions.</summary>
    public static PetitionLens Of(Petition p, Caller caller, DepartmentDirectory directory, bool accessCodeVerified = false)
    {
        var own = IsPetitioner(p, caller, accessCodeVerified);
        return new PetitionLens(View(p, caller, directory, own), own);
    }

    public static bool IsPetitioner(Petition p, Caller caller, bool accessCodeVerified) =>
        Jurisdiction.IsOwnView(p, caller.Actor, caller.Anonymous, accessCodeVerified);

    private static PersonalDataView View(Petition p, Caller caller, DepartmentDirectory directory, bool own) =>
        Jurisdiction.PersonalDataViewOf(p, caller.Actor, directory, own);
}

/// <summary>A petition as the schema resolves it: the state (now, or as of a version) and the caller's lens.</summary>
/// <param name="AsOfVersion">set for petitionAsOf: history stops there</param>
public sealed record PetitionNode(Petition State, PetitionLens Lens, int? AsOfVersion = null) : ConfidentialRecord;
