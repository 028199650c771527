using CaseEngine.Domain;
using CaseEngine.Domain.Petitions;
using CaseEngine.Domain.Petitions.Submitting;
using CaseEngine.Testing.Text;

namespace CaseEngine.Projections.Tests.SituationAnalysis;

/// <summary>One seeded submission: when it is received (Shanghai) and what.</summary>
public sealed record SeededPetition(int Index, DateTimeOffset ReceivedAt, string EntryRegion, PetitionCategory Category, string Subject, string Content)
{
    public SubmitPetition Command(int person) => new(
        Channel.Website, EntryRegion, Category, Subject, Content,
        new PetitionerDetails($"群众{person}", $"137{person:00000000}", null, null));
}

/// <summary>
/// Five months (February to June 2025) of petitions in city 340100's eight counties, a few at the city's
/// own office and a neighbouring city 340200: every county receives the same mix of matters each month,
/// land requisition (征地) included at one or two a month; in June county 340103's land-requisition
/// petitions triple, from 5 a month to 15.
/// </summary>
public static class SurgeWorkload
{
    public const string City = "340100";
    public const string SurgeCounty = "340103";
    public static readonly DateOnly June = new(2025, 6, 1);

    public static IReadOnlyList<SeededPetition> Generate(int seed = 6)
    {
        var random = new Random(seed);
        var plan = new List<(DateTimeOffset At, string Region, MatterKind Kind)>();
        var background = PetitionTexts.Kinds.Where(k => k != PetitionTexts.LandRequisition).ToList();
        for (var month = 2; month <= 6; month++)
        {
            var days = DateTime.DaysInMonth(2025, month);
            DateTimeOffset Day() => new(2025, month, random.Next(1, days + 1), random.Next(8, 18), random.Next(60), 0, TimeSpan.FromHours(8));
            for (var county = 1; county <= 8; county++)
            {
                var code = $"3401{county:00}";
                // The same background mix every month: six matters of kinds fixed per county.
                for (var i = 0; i < 6; i++)
                    plan.Add((Day(), code, background[(county * 7 + i * 3) % background.Count]));
                var land = code == SurgeCounty ? (month == 6 ? 15 : 5) : 1 + county % 2;
                for (var i = 0; i < land; i++)
                    plan.Add((Day(), code, PetitionTexts.LandRequisition));
            }
            for (var i = 0; i < 3; i++)
                plan.Add((Day(), City, background[i * 5 % background.Count]));
            for (var i = 0; i < 6; i++)
                plan.Add((Day(), $"3402{i % 3 + 1:00}", background[(i * 4 + 1) % background.Count]));
        }
        // January, outside every window read for June: must not count.
        for (var i = 0; i < 5; i++)
            plan.Add((new DateTimeOffset(2025, 1, 20 + i, 10, 0, 0, TimeSpan.FromHours(8)), SurgeCounty, PetitionTexts.LandRequisition));

        return [.. plan.OrderBy(p => p.At).Select((p, i) =>
        {
            var matter = PetitionTexts.NewMatter(p.Kind, random);
            var wording = random.Next(4);
            return new SeededPetition(i, p.At, p.Region, p.Kind.Category, matter.Subject(wording), matter.Content(wording));
        })];
    }
}
