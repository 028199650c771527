using CaseEngine.Domain;
using CaseEngine.Domain.Petitions;
using CaseEngine.Domain.Petitions.Submitting;
using CaseEngine.Projections.Duplicates;
using CaseEngine.Testing.Text;

namespace CaseEngine.Workflow.Tests.DuplicateDetection;

/// <summary>A person who petitions: the token subject they submit with, and their personal data.</summary>
public sealed record Person(string Key, string Name, string? IdNumber, string Phone, string HomeCounty, string HomePlace)
{
    public Actor Actor => new(Key, Role.Petitioner, null);
}

/// <summary>How an original matter ends between the two submission phases.</summary>
public enum Ending { None, Withdrawn, Declined, Terminated }

/// <summary>One planned submission: who, about which matter (the label), worded how, entered where.</summary>
public sealed record PlannedPetition(int Index, Person Person, int MatterId, Matter Matter, int Wording, string EntryRegion, string? PhoneAsTyped = null)
{
    public SubmitPetition Command => new(
        Channel.Website, EntryRegion, Matter.Kind.Category, Matter.Subject(Wording), Matter.Content(Wording + Index % 2),
        new PetitionerDetails(Person.Name, PhoneAsTyped ?? Person.Phone, Person.IdNumber, $"安徽省示范县{Person.HomePlace}"));
}

/// <summary>
/// The labelled set: first-phase petitions (originals, second matters, neighbours), endings applied to
/// some originals, then second-phase petitions (rewordings of the originals by the same person, family
/// members, more second matters and neighbours). The label of a pair (new, earlier) is "duplicate" when
/// both come from one petitioner by the ID-number-else-phone rule, are about the same matter, and the
/// earlier one is open or terminated when the new one arrives.
/// </summary>
public sealed class LabelledWorkload
{
    private static readonly string[] Higher = ["340000"];

    public List<PlannedPetition> FirstPhase { get; } = [];
    public List<PlannedPetition> SecondPhase { get; } = [];
    public Dictionary<int, Ending> Endings { get; } = [];

    public IEnumerable<PlannedPetition> All => FirstPhase.Concat(SecondPhase);

    public static LabelledWorkload Generate(int seed = 20250303)
    {
        var random = new Random(seed);
        var w = new LabelledWorkload();
        var people = 0;
        var matters = 0;
        var index = 0;
        Person NewPerson(bool withId = true, string? phone = null)
        {
            var n = ++people;
            var city = random.Next(1, 17);
            var county = $"34{city:00}{random.Next(1, 8):00}";
            var id = withId ? $"{county}19{random.Next(50, 100)}{random.Next(1, 13):00}{random.Next(1, 29):00}{random.Next(100, 1000)}{random.Next(10)}" : null;
            return new Person($"petitioner-{n}", PetitionTexts.Pick(random, ["张", "王", "李", "赵"]) + "某" + n, id,
                phone ?? $"13{random.Next(0, 10)}{random.Next(10_000_000, 100_000_000)}", county, PetitionTexts.NewPlace(random));
        }
        PlannedPetition Plan(Person person, int matterId, Matter matter, int wording, string? entry = null, string? phone = null) =>
            new(index++, person, matterId, matter, wording, entry ?? person.HomeCounty, phone);
        MatterKind OtherKind(MatterKind not)
        {
            while (true)
            {
                var k = PetitionTexts.Pick(random, PetitionTexts.Kinds);
                if (k != not) return k;
            }
        }

        // Repeaters: an original, then one or two rewordings, some at a higher level or in another county.
        var repeaters = new List<(Person Person, int MatterId, Matter Matter, PlannedPetition Original)>();
        for (var i = 0; i < 70; i++)
        {
            var person = NewPerson();
            var matter = PetitionTexts.NewMatter(PetitionTexts.Pick(random, PetitionTexts.Kinds), random, person.HomePlace);
            var id = ++matters;
            var wording = random.Next(4);
            var original = Plan(person, id, matter, wording);
            w.FirstPhase.Add(original);
            repeaters.Add((person, id, matter, original));
            var repeats = random.Next(1, 3);
            for (var r = 1; r <= repeats; r++)
            {
                var entry = random.Next(4) switch
                {
                    0 => person.HomeCounty[..4] + "00",
                    1 => PetitionTexts.Pick(random, Higher),
                    _ => person.HomeCounty,
                };
                w.SecondPhase.Add(Plan(person, id, matter, wording + r, entry));
            }
        }

        // Forty of them bring a second, different matter: thirty of another kind, ten of the same kind.
        for (var i = 0; i < 40; i++)
        {
            var (person, _, matter, _) = repeaters[i];
            // A matter of the same kind is another matter when it is about another place and another party
            // (a second plot, another employer); one of another kind may be about the same place.
            var second = i < 10
                ? PetitionTexts.NewMatter(matter.Kind, random)
                : PetitionTexts.NewMatter(OtherKind(matter.Kind), random, person.HomePlace);
            var plan = Plan(person, ++matters, second, random.Next(4));
            (random.Next(2) == 0 ? w.FirstPhase : w.SecondPhase).Add(plan);
        }

        // Ten petitioners without an ID number: recognised by phone, typed differently the second time.
        for (var i = 0; i < 10; i++)
        {
            var person = NewPerson(withId: false);
            var matter = PetitionTexts.NewMatter(PetitionTexts.Pick(random, PetitionTexts.Kinds), random, person.HomePlace);
            var id = ++matters;
            var wording = random.Next(4);
            w.FirstPhase.Add(Plan(person, id, matter, wording));
            var typed = $"+86 {person.Phone[..3]}-{person.Phone[3..7]}-{person.Phone[7..]}";
            w.SecondPhase.Add(Plan(person, id, matter, wording + 1, person.HomeCounty[..4] + "00", typed));
        }

        // Thirty neighbours: other people petitioning about the very same matter as a repeater (co-villagers).
        for (var i = 0; i < 30; i++)
        {
            var (_, id, matter, _) = repeaters[random.Next(repeaters.Count)];
            var person = NewPerson();
            (i % 2 == 0 ? w.FirstPhase : w.SecondPhase).Add(Plan(person, id, matter, random.Next(4)));
        }

        // Ten family members: the repeater's phone, their own ID number, the same matter: another petitioner.
        foreach (var (person, id, matter, _) in repeaters.Skip(40).Take(10))
            w.SecondPhase.Add(Plan(NewPerson(phone: person.Phone), id, matter, random.Next(4)));

        // Endings between the phases: 4 originals withdrawn, 3 declined, 3 terminated (reply, review, re-review).
        var ended = repeaters.Skip(50).Take(10).Select(r => r.Original).ToList();
        for (var i = 0; i < ended.Count; i++)
            w.Endings[ended[i].Index] = i < 4 ? Ending.Withdrawn : i < 7 ? Ending.Declined : Ending.Terminated;

        // Submission order within a phase is shuffled; rewordings of one matter keep their order (wording + r).
        Shuffle(random, w.FirstPhase);
        Shuffle(random, w.SecondPhase);
        return w;
    }

    private static void Shuffle(Random random, List<PlannedPetition> list)
    {
        for (var i = list.Count - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (list[i], list[j]) = (list[j], list[i]);
        }
    }

    /// <summary>The rule's notion of one petitioner: equal ID numbers, or equal phones when either has no ID number.</summary>
    public static bool SamePetitioner(PlannedPetition a, PlannedPetition b)
    {
        var idA = PetitionerKeys.NormalizeIdNumber(a.Person.IdNumber);
        var idB = PetitionerKeys.NormalizeIdNumber(b.Person.IdNumber);
        if (idA is not null && idB is not null)
            return idA == idB;
        return PetitionerKeys.NormalizePhone(a.PhoneAsTyped ?? a.Person.Phone) == PetitionerKeys.NormalizePhone(b.PhoneAsTyped ?? b.Person.Phone);
    }

    /// <summary>Every labelled duplicate pair (new index, earlier index), in submission order.</summary>
    public HashSet<(int New, int Earlier)> ExpectedPairs()
    {
        var order = All.ToList();
        var pairs = new HashSet<(int, int)>();
        for (var i = 0; i < order.Count; i++)
        {
            var secondPhase = i >= FirstPhase.Count;
            for (var j = 0; j < i; j++)
            {
                var earlier = order[j];
                var ending = secondPhase ? Endings.GetValueOrDefault(earlier.Index) : Ending.None;
                if (ending is Ending.Withdrawn or Ending.Declined)
                    continue;
                if (order[i].MatterId == earlier.MatterId && SamePetitioner(order[i], earlier))
                    pairs.Add((order[i].Index, earlier.Index));
            }
        }
        return pairs;
    }

    /// <summary>Every pair the detector compares (same petitioner, earlier, comparable status), labelled or not.</summary>
    public IEnumerable<(PlannedPetition New, PlannedPetition Earlier)> ComparedPairs()
    {
        var order = All.ToList();
        for (var i = 0; i < order.Count; i++)
        {
            var secondPhase = i >= FirstPhase.Count;
            for (var j = 0; j < i; j++)
            {
                var ending = secondPhase ? Endings.GetValueOrDefault(order[j].Index) : Ending.None;
                if (ending is Ending.Withdrawn or Ending.Declined)
                    continue;
                if (SamePetitioner(order[i], order[j]))
                    yield return (order[i], order[j]);
            }
        }
    }
}
