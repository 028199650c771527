using CaseEngine.Domain.Petitions;

namespace CaseEngine.Domain.Tests.Petitions;

/// <summary>A petition's id names its province (routing without scans, issue 19) and stays a time-ordered version-7 UUID.</summary>
public class PetitionIdTests
{
    // Every province of ../shared/data/divisions (GB/T 2260) and the national office.
    private static readonly string[] Provinces =
    [
        "000000", "110000", "120000", "130000", "140000", "150000", "210000", "220000", "230000", "310000", "320000", "330000",
        "340000", "350000", "360000", "370000", "410000", "420000", "430000", "440000", "450000", "460000", "500000", "510000",
        "520000", "530000", "540000", "610000", "620000", "630000", "640000", "650000", "710000", "810000", "820000",
    ];

    [Fact]
    public void an_id_names_the_province_of_its_entry_region_at_every_level()
    {
        var random = new Random(19);
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        foreach (var province in Provinces)
        {
            foreach (var region in new[] { province[..2], province, province[..4] + "01", province[..2] + "0102", province[..2] + "0102001" })
            {
                for (var i = 0; i < 50; i++)
                {
                    var id = PetitionIds.New(region, start.AddMilliseconds(random.NextInt64(0, 10L * 365 * 24 * 3600 * 1000)));
                    PetitionIds.ProvinceOf(id).ShouldBe(province, $"{region} {id}");
                    id.Version.ShouldBe(7);
                    (id.Variant & 0xC).ShouldBe(0x8);
                }
            }
        }
    }

    [Fact]
    public void ids_made_later_sort_later_and_ids_of_one_millisecond_differ()
    {
        var moment = new DateTimeOffset(2026, 12, 5, 8, 0, 0, TimeSpan.Zero);
        var earlier = PetitionIds.New("340102", moment);
        var later = PetitionIds.New("110101", moment.AddMilliseconds(1));
        string.CompareOrdinal(earlier.ToString(), later.ToString()).ShouldBeLessThan(0);
        earlier.CompareTo(later).ShouldBeLessThan(0);

        var same = Enumerable.Range(0, 100_000).Select(_ => PetitionIds.New("340102", moment)).ToHashSet();
        same.Count.ShouldBe(100_000);
    }

    [Fact]
    public void an_id_made_otherwise_names_no_province()
    {
        PetitionIds.ProvinceOf(Guid.Empty).ShouldBeNull();
        // Version 4 never passes (its version nibble); a plain version 7 passes when its random marker nibble,
        // province byte and check byte happen to fit: 1/16 × 100/256 × 1/256, about 1 in 10,500.
        var random = new Random(4096);
        var named = Enumerable.Range(0, 40_000).Count(i =>
            PetitionIds.ProvinceOf(i % 2 == 0 ? Guid.NewGuid() : Guid.CreateVersion7(DateTimeOffset.UnixEpoch.AddMilliseconds(random.NextInt64(1L << 40)))) is not null);
        named.ShouldBeLessThan(20);   // expected about 2 of the 20,000 version-7 ids

        // One bit of the check or of the province changed: no province.
        var id = PetitionIds.New("340102", DateTimeOffset.UnixEpoch.AddDays(20_000));
        var bytes = id.ToByteArray(bigEndian: true);
        foreach (var (index, flip) in new[] { (9, 0x01), (7, 0x01), (6, 0x01), (6, 0x10) })
        {
            var changed = (byte[])bytes.Clone();
            changed[index] ^= (byte)flip;
            PetitionIds.ProvinceOf(new Guid(changed, bigEndian: true)).ShouldBeNull($"byte {index} ^ {flip}");
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("3401020")]
    [InlineData("34a102")]
    public void a_region_code_that_is_not_one_is_refused(string code) =>
        Should.Throw<ArgumentException>(() => PetitionIds.New(code, DateTimeOffset.UnixEpoch));
}
