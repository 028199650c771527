using CaseEngine.Domain;
using CaseEngine.Domain.Publications;
using CaseEngine.Workflow.Configuration;
using Marten;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CaseEngine.Workflow.Publications;

/// <summary>
/// The texts the demo ships (the README's run command, on the embedded database): what a citizen needs
/// of the 信访工作条例 — time limits, review and re-review, what is not accepted — and how to use the
/// pages, each with its source named. Each law text is a few lines of plain guidance that cite the
/// articles, then the articles themselves word for word (copied by a script, not retyped, from the
/// transcription in github.com/LawRefBook/Laws, commit 2f4c5c2, and compared with the government pages
/// named in docs/pages.md). Written once, when the demo database holds no publication; a deployment on
/// its own database writes its own (publishPublication).
/// </summary>
public sealed class DemoPublications(CaseEngineDatabase database, PublicationStore publications, IDocumentStore store,
    ILogger<DemoPublications> logger) : IHostedService
{
    private const string Source = "《信访工作条例》（2022年2月25日中共中央、国务院发布，自2022年5月1日起施行）。条文原文照录；条文之前的要点为本站摘编，以条文为准";

    public static IReadOnlyList<PublicationDraft> Texts { get; } =
    [
        new("340000", PublicationKind.Notice, "网上信访须知", """
            通过本页面，您可以向省、市、县三级信访部门反映情况、提出建议和意见或者投诉请求。

            - **如实反映**：写明请求、事实和理由；不得捏造、歪曲事实，不得诬告、陷害他人（第十九条）。
            - **选择部门**：向依法有权处理的机关所在地的信访部门反映（属地管理、分级负责）。
            - **保存凭证**：提交后页面显示**信访件编号**和**查询码**，只显示一次，请妥善保存，查询进度和评价时需要使用。
            - **个人信息**：仅提供给办理本事项的信访部门和有权处理的机关；检举控告事项中，您的身份对被检举人保密（第三十条）。

            ## 条文原文

            **第十九条** 信访人一般应当采用书面形式提出信访事项，并载明其姓名（名称）、住址和请求、事实、理由。对采用口头形式提出的信访事项，有关机关、单位应当如实记录。

            信访人提出信访事项，应当客观真实，对其所提供材料内容的真实性负责，不得捏造、歪曲事实，不得诬告、陷害他人。

            信访事项已经受理或者正在办理的，信访人在规定期限内向受理、办理机关、单位的上级机关、单位又提出同一信访事项的，上级机关、单位不予受理。

            **第二十六条** 信访人在信访过程中应当遵守法律、法规，不得损害国家、社会、集体的利益和其他公民的合法权利，自觉维护社会公共秩序和信访秩序，不得有下列行为：

            （一）在机关、单位办公场所周围、公共场所非法聚集，围堵、冲击机关、单位，拦截公务车辆，或者堵塞、阻断交通；

            （二）携带危险物品、管制器具；

            （三）侮辱、殴打、威胁机关、单位工作人员，非法限制他人人身自由，或者毁坏财物；

            （四）在信访接待场所滞留、滋事，或者将生活不能自理的人弃留在信访接待场所；

            （五）煽动、串联、胁迫、以财物诱使、幕后操纵他人信访，或者以信访为名借机敛财；

            （六）其他扰乱公共秩序、妨害国家和公共安全的行为。

            **第三十条** 对信访人提出的检举控告类事项，纪检监察机关或者有权处理的机关、单位应当依规依纪依法接收、受理、办理和反馈。

            党委和政府信访部门应当按照干部管理权限向组织（人事）部门通报反映干部问题的信访情况，重大情况向党委主要负责同志和分管组织（人事）工作的负责同志报送。组织（人事）部门应当按照干部选拔任用监督的有关规定进行办理。

            不得将信访人的检举、揭发材料以及有关情况透露或者转给被检举、揭发的人员或者单位。
            """, Source),
        new("340000", PublicationKind.Law, "信访事项的办理期限", """
            | 环节 | 期限 | 条款 |
            | --- | --- | --- |
            | 信访部门登记，并转送或者交办 | 收到之日起 15 日内 | 第二十二条 |
            | 其他机关书面告知接收情况以及处理途径和程序 | 收到之日起 15 日内（能当场告知的，当场书面告知） | 第二十三条 |
            | 需出具信访处理意见书的事项办结 | 受理之日起 60 日内；情况复杂的，经负责人批准可以延长，延长不超过 30 日，并告知延期理由 | 第三十四条 |

            ## 条文原文

            **第二十二条** 各级党委和政府信访部门收到信访事项，应当予以登记，并区分情况，在15日内分别按照下列方式处理：

            （一）对依照职责属于本级机关、单位或者其工作部门处理决定的，应当转送有权处理的机关、单位；情况重大、紧急的，应当及时提出建议，报请本级党委和政府决定。

            （二）涉及下级机关、单位或者其工作人员的，按照“属地管理、分级负责，谁主管、谁负责”的原则，转送有权处理的机关、单位。

            （三）对转送信访事项中的重要情况需要反馈办理结果的，可以交由有权处理的机关、单位办理，要求其在指定办理期限内反馈结果，提交办结报告。

            各级党委和政府信访部门对收到的涉法涉诉信件，应当转送同级政法部门依法处理；对走访反映涉诉问题的信访人，应当释法明理，引导其向有关政法部门反映问题。对属于纪检监察机关受理的检举控告类信访事项，应当按照管理权限转送有关纪检监察机关依规依纪依法处理。

            **第二十三条** 党委和政府信访部门以外的其他机关、单位收到信访人直接提出的信访事项，应当予以登记；对属于本机关、单位职权范围的，应当告知信访人接收情况以及处理途径和程序；对属于本系统下级机关、单位职权范围的，应当转送、交办有权处理的机关、单位，并告知信访人转送、交办去向；对不属于本机关、单位或者本系统职权范围的，应当告知信访人向有权处理的机关、单位提出。

            对信访人直接提出的信访事项，有关机关、单位能够当场告知的，应当当场书面告知；不能当场告知的，应当自收到信访事项之日起15日内书面告知信访人，但信访人的姓名（名称）、住址不清的除外。

            对党委和政府信访部门或者本系统上级机关、单位转送、交办的信访事项，属于本机关、单位职权范围的，有关机关、单位应当自收到之日起15日内书面告知信访人接收情况以及处理途径和程序；不属于本机关、单位或者本系统职权范围的，有关机关、单位应当自收到之日起5个工作日内提出异议，并详细说明理由，经转送、交办的信访部门或者上级机关、单位核实同意后，交还相关材料。

            政法部门处理涉及诉讼权利救济事项、纪检监察机关处理检举控告事项的告知按照有关规定执行。

            **第三十四条** 对本条例第三十一条第六项规定的信访事项应当自受理之日起60日内办结；情况复杂的，经本机关、单位负责人批准，可以适当延长办理期限，但延长期限不得超过30日，并告知信访人延期理由。
            """, Source),
        new("340000", PublicationKind.Law, "复查与复核", """
            - **复查**：对信访处理意见不服的，自收到书面答复之日起 **30 日内**，向原办理机关、单位的上一级机关、单位请求；复查意见在收到请求之日起 30 日内作出（第三十五条）。
            - **复核**：对复查意见不服的，自收到书面答复之日起 **30 日内**，向复查机关、单位的上一级机关、单位请求；复核意见在收到请求之日起 30 日内作出，听证所需时间不计算在内（第三十六条）。
            - 对复核意见不服，仍然以同一事实和理由提出投诉请求的，不再受理（第三十六条）。

            ## 条文原文

            **第三十五条** 信访人对信访处理意见不服的，可以自收到书面答复之日起30日内请求原办理机关、单位的上一级机关、单位复查。收到复查请求的机关、单位应当自收到复查请求之日起30日内提出复查意见，并予以书面答复。

            **第三十六条** 信访人对复查意见不服的，可以自收到书面答复之日起30日内向复查机关、单位的上一级机关、单位请求复核。收到复核请求的机关、单位应当自收到复核请求之日起30日内提出复核意见。

            复核机关、单位可以按照本条例第三十一条第六项的规定举行听证，经过听证的复核意见可以依法向社会公示。听证所需时间不计算在前款规定的期限内。

            信访人对复核意见不服，仍然以同一事实和理由提出投诉请求的，各级党委和政府信访部门和其他机关、单位不再受理。
            """, Source),
        new("340000", PublicationKind.Notice, "不予受理、不再受理和其他法定途径", """
            - 信访事项已经受理或者正在办理的，在规定期限内又向上级机关、单位提出同一事项的，上级机关、单位不予受理（第十九条第三款）。
            - 对复核意见不服，仍然以同一事实和理由提出投诉请求的，不再受理（第三十六条第三款）。
            - 涉及民事、行政、刑事等诉讼权利救济的事项，从普通信访中分离出来，由有关政法部门依法处理（第二十二条第二款、第二十八条第二款）。
            - 应当通过诉讼、仲裁、行政复议等程序解决的事项，导入相应程序处理（第三十一条）。

            ## 条文原文

            **第十九条第三款** 信访事项已经受理或者正在办理的，信访人在规定期限内向受理、办理机关、单位的上级机关、单位又提出同一信访事项的，上级机关、单位不予受理。

            **第二十二条第二款** 各级党委和政府信访部门对收到的涉法涉诉信件，应当转送同级政法部门依法处理；对走访反映涉诉问题的信访人，应当释法明理，引导其向有关政法部门反映问题。对属于纪检监察机关受理的检举控告类信访事项，应当按照管理权限转送有关纪检监察机关依规依纪依法处理。

            **第二十八条第二款** 各级机关、单位应当按照诉讼与信访分离制度要求，将涉及民事、行政、刑事等诉讼权利救济的信访事项从普通信访体制中分离出来，由有关政法部门依法处理。

            **第三十一条** 对信访人提出的申诉求决类事项，有权处理的机关、单位应当区分情况，分别按照下列方式办理：

            （一）应当通过审判机关诉讼程序或者复议程序、检察机关刑事立案程序或者法律监督程序、公安机关法律程序处理的，涉法涉诉信访事项未依法终结的，按照法律法规规定的程序处理。

            （二）应当通过仲裁解决的，导入相应程序处理。

            （三）可以通过党员申诉、申请复审等解决的，导入相应程序处理。

            （四）可以通过行政复议、行政裁决、行政确认、行政许可、行政处罚等行政程序解决的，导入相应程序处理。

            （五）属于申请查处违法行为、履行保护人身权或者财产权等合法权益职责的，依法履行或者答复。

            （六）不属于以上情形的，应当听取信访人陈述事实和理由，并调查核实，出具信访处理意见书。对重大、复杂、疑难的信访事项，可以举行听证。

            **第三十六条第三款** 信访人对复核意见不服，仍然以同一事实和理由提出投诉请求的，各级党委和政府信访部门和其他机关、单位不再受理。
            """, Source),
        new("340000", PublicationKind.Help, "使用帮助", """
            1. 在 **我要信访** 中选择省、市或县级信访部门，填写类别、标题、内容和您的联系方式，阅读并同意个人信息的使用说明后提交。
            2. 网络中断时可以再次点击提交：同一份内容只会登记一次。
            3. 在 **查询办理** 中输入信访件编号和查询码，查看办理状态、期限和答复意见；收到答复后可以评价，对答复不服的可以在期限内申请复查、复核。
            """, "CaseEngine 演示"),
    ];

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // Only the demo's own database (no ConnectionStrings:Marten): a deployment publishes its own texts.
        if (!database.Embedded)
            return;
        try
        {
            await using (var session = store.QuerySession(DemoProvince))
                if (await session.Query<Publication>().AnyAsync(cancellationToken))
                    return;
            var demo = new Actor("demo-publisher", Role.Admin, null);
            foreach (var text in Texts)
                await publications.WriteAsync(demo, anonymous: false, id: null, text, cancellationToken);
            logger.LogInformation("wrote the demo's {Count} publications", Texts.Count);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The demo's texts are a convenience: the server runs without them.
            logger.LogWarning("the demo's publications were not written ({ExceptionType})", e.GetType().Name);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static string DemoProvince => CaseEngine.Domain.Directory.DemoDirectory.ProvinceCode;
}
