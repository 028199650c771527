using CaseEngine.Projections.ChineseText;
using CaseEngine.Projections.SituationAnalysis;
using Xunit.Abstractions;

namespace CaseEngine.Projections.Tests.SituationAnalysis;

public class when_chinese_text_is_segmented(ITestOutputHelper output)
{
    [Fact]
    public void the_dictionary_loads_once_and_petition_words_come_out_without_boilerplate()
    {
        var text = ChineseTextAnalyzer.Shared;
        output.WriteLine($"loaded in {text.LoadTime.TotalMilliseconds:0} ms");
        ChineseTextAnalyzer.Shared.ShouldBeSameAs(text);

        var terms = text.Terms("请求尽快解决李家湾征地补偿款被拖欠的问题！");
        terms.ShouldContain("征地");
        terms.ShouldContain("征地补偿");
        terms.ShouldContain("补偿");
        terms.ShouldContain("拖欠");
        terms.ShouldNotContain("请求");
        terms.ShouldNotContain("尽快");
        terms.ShouldNotContain("问题");
        terms.ShouldNotContain("的");
        terms.ShouldNotContain("！");
    }

    [Fact]
    public void full_width_digits_and_letters_read_as_ascii_and_keywords_leave_bare_numbers_out()
    {
        var text = ChineseTextAnalyzer.Shared;
        text.Terms("拖欠工资１２．５万元ＡＢＣ公司").ShouldContain("12.5");
        var keywords = SituationAnalysisProjection.Keywords(text, "2024年征地补偿款拖欠 征地");
        keywords.ShouldContain("征地");
        keywords.ShouldNotContain("2024");
        keywords.Count(k => k == "征地").ShouldBe(1);
    }
}
