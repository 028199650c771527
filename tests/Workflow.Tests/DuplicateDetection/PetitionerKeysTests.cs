using CaseEngine.Projections.Duplicates;

namespace CaseEngine.Workflow.Tests.DuplicateDetection;

public class when_petitioner_identifiers_are_hashed
{
    private readonly PetitionerKeys _keys = new("test-key");

    [Fact]
    public void one_number_typed_differently_hashes_alike()
    {
        _keys.PhoneHash("+86 138-1234-5678").ShouldBe(_keys.PhoneHash("13812345678"));
        _keys.PhoneHash("0086 13812345678").ShouldBe(_keys.PhoneHash("13812345678"));
        _keys.IdNumberHash("34010119900101567x").ShouldBe(_keys.IdNumberHash("340101 19900101 567X"));
    }

    [Fact]
    public void a_first_generation_id_number_hashes_like_its_18_digit_form()
    {
        // 15 digits: region 110105, born 49-12-31, sequence 000; its 18-digit form is 11010519491231002X.
        PetitionerKeys.NormalizeIdNumber("110105491231002").ShouldBe("11010519491231002X");
        _keys.IdNumberHash("110105491231002").ShouldBe(_keys.IdNumberHash("11010519491231002x"));
    }

    [Fact]
    public void hashes_depend_on_the_key_and_the_kind_of_identifier_and_absent_ones_are_null()
    {
        _keys.PhoneHash("13812345678").ShouldNotBe(new PetitionerKeys("another-key").PhoneHash("13812345678"));
        _keys.PhoneHash("13812345678").ShouldNotBe(_keys.IdNumberHash("13812345678"));
        _keys.PhoneHash("13812345678")!.Length.ShouldBe(32);
        _keys.PhoneHash("  ").ShouldBeNull();
        _keys.IdNumberHash(null).ShouldBeNull();
    }
}
