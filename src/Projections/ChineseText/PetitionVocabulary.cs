namespace CaseEngine.Projections.ChineseText;

/// <summary>
/// What jieba's general dictionaries lack for petitions: a few domain words it would split, and the
/// boilerplate every petition repeats (请求, 反映, 尽快解决 …), which says nothing about the matter
/// and would make unrelated petitions look alike.
/// </summary>
public static class PetitionVocabulary
{
    /// <summary>Added to jieba's dictionary at load, so they stay one word (search mode still yields their parts).</summary>
    public static readonly IReadOnlyList<string> Words =
    [
        "征地拆迁", "征地补偿", "土地征收", "安置房", "青苗费", "土地承包", "讨薪", "村道", "拆迁安置", "违章搭建",
        "噪音扰民", "物业服务", "欠薪", "留守儿童", "危房改造", "农村低保", "社保缴费", "医疗纠纷", "学位分配",
    ];

    /// <summary>Petition boilerplate, removed like stop words.</summary>
    public static readonly IReadOnlyList<string> StopWords =
    [
        "请求", "要求", "恳请", "希望", "请", "反映", "反应", "投诉", "信访", "上访", "来信", "来访",
        "尽快", "尽早", "及时", "立即", "马上", "早日", "迟迟", "至今", "一直", "多次", "屡次", "长期", "已经", "仍然", "仍", "还是",
        "解决", "处理", "落实", "协调", "帮助", "帮忙", "关注", "重视", "调查", "核实", "查处", "答复", "回复", "督促",
        "问题", "情况", "事情", "事项", "有关", "相关", "部门", "领导", "政府", "单位", "方面", "工作",
        "我们", "本人", "我家", "我村", "群众", "村民", "居民", "大家", "自己",
        "没有", "无人", "不予", "未能", "不能", "无法", "得到", "进行", "造成", "导致", "存在", "发生", "出现", "给予", "予以",
        "依法", "合理", "严重", "非常", "十分", "特别", "目前", "现在", "当时", "今年", "去年", "近期", "最近",
        "关于", "能否", "能够", "是否", "怎么", "为何", "为什么", "一下", "一些", "这个", "那个", "此事", "该",
        "公司", "有限", "有限公司", "责任", "万元", "元",
    ];
}
