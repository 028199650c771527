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
/// pages, each with its source named. They are summaries that cite the articles, marked as such: the
/// official text is the one published by the State Council. Written once, when the demo database holds
/// no publication; a deployment on its own database writes its own (publishPublication).
/// </summary>
public sealed class DemoPublications(CaseEngineDatabase database, PublicationStore publications, IDocumentStore store,
    ILogger<DemoPublications> logger) : IHostedService
{
    private const string Source = "《信访工作条例》（中共中央、国务院，2022年），要点摘编，以官方发布的全文为准";

    public static IReadOnlyList<PublicationDraft> Texts { get; } =
    [
        new("340000", PublicationKind.Notice, "网上信访须知", """
            通过本页面，您可以向省、市、县三级信访部门反映情况、提出建议和意见或者投诉请求。

            - **如实反映**：写明事实、理由和请求；捏造、歪曲事实或者诬告陷害他人的，依法承担责任。
            - **选择部门**：向依法有权处理的机关所在地的信访部门反映（属地管理、分级负责）。
            - **保存凭证**：提交后页面显示**信访件编号**和**查询码**，只显示一次，请妥善保存，查询进度和评价时需要使用。
            - **个人信息**：仅提供给办理本事项的信访部门和有权处理的机关；检举控告事项中，您的身份对被检举人保密。
            """, Source),
        new("340000", PublicationKind.Law, "信访事项的办理期限", """
            | 环节 | 期限 | 条款 |
            | --- | --- | --- |
            | 信访部门登记、转送或交办 | 自收到之日起 15 日内 | 第二十二条 |
            | 有权处理的机关决定是否受理并告知 | 自收到之日起 15 日内 | 第二十三条 |
            | 办理并出具处理意见 | 自受理之日起 60 日内；情况复杂的，经批准可延长不超过 30 日，并告知延期理由 | 第三十四条 |

            办理期间举行听证的，听证时间不计入办理期限。处理意见书载明支持、部分支持、不支持或者解释说明的意见，以及事实、理由和依据（第三十二条）。
            """, Source),
        new("340000", PublicationKind.Law, "复查与复核", """
            - **复查**：对处理意见不服的，可以自收到处理意见之日起 **30 日内**，请求原办理机关的上一级机关复查；复查机关自收到请求之日起 30 日内提出复查意见（第三十五条）。
            - **复核**：对复查意见不服的，可以自收到复查意见之日起 **30 日内**，向复查机关的上一级机关请求复核；复核机关可以举行听证，自收到请求之日起 30 日内提出复核意见（第三十六条）。
            - 复核意见作出后，信访人以同一事实和理由提出的信访事项，各级机关不再受理。
            """, Source),
        new("340000", PublicationKind.Notice, "哪些事项不予受理", """
            - 应当通过诉讼、仲裁、行政复议等法定途径解决的事项，信访部门不予受理，并告知应当选择的法定途径（诉访分离，第二十八条、第三十一条）。
            - 已经受理、尚在办理期限内的同一事项，不再重复受理，上级机关也不受理（第十九条）。
            - 已经复核的事项，以同一事实和理由再次提出的，不再受理（第三十六条）。
            - 检举、控告党员和公职人员违纪违法的，由纪检监察机关依规依纪依法处理（第三十条）。
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
