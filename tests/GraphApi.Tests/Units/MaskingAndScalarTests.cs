using CaseEngine.Domain;
using CaseEngine.Domain.Petitions;
using CaseEngine.GraphApi.Http;
using CaseEngine.GraphApi.PersonalData;
using CaseEngine.GraphApi.Schema;
using CaseEngine.Workflow.Rules;
using GraphQLParser.AST;

namespace CaseEngine.GraphApi.Tests.Units;

public class masking_follows_access_md
{
    [Theory]
    [InlineData("张三丰", "张*")]
    [InlineData("李四", "李*")]
    [InlineData("𠀀明", "𠀀*")]
    [InlineData("Ann", "A*")]
    public void a_name_keeps_its_first_character(string name, string masked) => Masking.MaskName(name).ShouldBe(masked);

    [Theory]
    [InlineData("13812345678", "138****5678")]
    [InlineData("1381234", "1381234")]
    [InlineData("138123", "****")]
    [InlineData("+86 138-1234-5678", "+86 1**-****-5678")]
    public void a_phone_keeps_its_first_three_and_last_four_digits(string phone, string masked) => Masking.MaskPhone(phone).ShouldBe(masked);

    [Fact]
    public void hidden_shows_three_stars_and_nothing_else()
    {
        var hidden = Masking.Apply(new PetitionerDetails("张三丰", "13812345678", "id", "addr"), PersonalDataView.Hidden);
        hidden.ShouldBe(new PetitionerDetails("***", null, null, null));
    }

    [Fact]
    public void validation_messages_lose_the_quoted_input()
    {
        ContractErrorInfoProvider.WithoutValues("Argument 'name' has invalid value. Expected type 'Int', found \"张三丰\".")
            .ShouldBe("Argument 'name' has invalid value. Expected type 'Int', found \"…\".");
    }
}

public class scalars_follow_the_contract
{
    private readonly DateTimeScalar _dateTime = new(RuleBook.Demo());

    [Fact]
    public void a_date_time_is_written_in_plus_eight_with_milliseconds_or_microseconds()
    {
        _dateTime.Serialize(new DateTimeOffset(2025, 3, 3, 1, 0, 0, TimeSpan.Zero)).ShouldBe("2025-03-03T09:00:00.000+08:00");
        _dateTime.Serialize(new DateTimeOffset(2025, 3, 3, 1, 0, 0, TimeSpan.Zero).AddTicks(1234560)).ShouldBe("2025-03-03T09:00:00.123456+08:00");
    }

    [Theory]
    [InlineData("2025-03-03T09:00:00+08:00")]
    [InlineData("2025-03-03T01:00:00Z")]
    [InlineData("2025-03-03T09:00:00.000+08:00")]
    public void a_date_time_with_an_offset_is_read(string text) =>
        ((DateTimeOffset)_dateTime.ParseValue(text)!).ShouldBe(new DateTimeOffset(2025, 3, 3, 1, 0, 0, TimeSpan.Zero));

    [Theory]
    [InlineData("2025-03-03T09:00:00")]
    [InlineData("2025-03-03")]
    [InlineData("yesterday")]
    public void a_date_time_without_an_offset_is_validation(string text) =>
        Should.Throw<RuleViolation>(() => _dateTime.ParseValue(text)).Code.ShouldBe(RuleCode.Validation);

    [Fact]
    public void a_long_is_a_number_out_and_a_number_or_decimal_string_in()
    {
        var scalar = new LongScalar();
        scalar.Serialize(9_007_199_254_740_993L).ShouldBe(9_007_199_254_740_993L);
        scalar.ParseValue("9007199254740993").ShouldBe(9_007_199_254_740_993L);
        scalar.ParseValue(42).ShouldBe(42L);
        scalar.ParseLiteral(new GraphQLStringValue("17")).ShouldBe(17L);
        Should.Throw<RuleViolation>(() => scalar.ParseValue("1.5"));
    }

    [Fact]
    public void a_date_is_yyyy_mm_dd()
    {
        var scalar = new DateScalar();
        scalar.Serialize(new DateOnly(2025, 5, 6)).ShouldBe("2025-05-06");
        scalar.ParseValue("2025-05-06").ShouldBe(new DateOnly(2025, 5, 6));
        Should.Throw<RuleViolation>(() => scalar.ParseValue("06/05/2025"));
    }
}
