using CaseEngine.Domain.Petitions;
using JasperFx.Events;
using Marten.Events.Aggregation;

namespace CaseEngine.Projections.PetitionView;

/// <summary>
/// The petition as the domain folds it, stored inline with every command: the write model's
/// snapshot and the petition view in one document, so a mutation can return it at once.
/// </summary>
public sealed partial class PetitionSnapshotProjection : SingleStreamProjection<Petition, Guid>
{
    public override Petition? Evolve(Petition? snapshot, Guid id, IEvent e) =>
        e.Data is IPetitionEvent petitionEvent ? Petition.Evolve(snapshot, petitionEvent) : snapshot;
}
