using CaseEngine.Domain;

namespace CaseEngine.Testing.Text;

/// <summary>
/// One kind of matter petitions are about, with several ways a petitioner words it. Placeholders:
/// {P} the place (village, community), {O} the other party (a firm, a body, a person), {A} an amount,
/// {Y} when it began, {N} how many people. A concrete matter fills them once; its rewordings keep
/// the facts and change the words.
/// </summary>
public sealed record MatterKind(string Topic, PetitionCategory Category, string OrgPattern, string[] Subjects, string[] Contents);

/// <summary>A concrete matter: a kind with its facts filled in.</summary>
public sealed record Matter(MatterKind Kind, string Place, string Org, string Amount, string Since, int People)
{
    public string Subject(int wording) => Fill(Kind.Subjects[wording % Kind.Subjects.Length]);

    public string Content(int wording) => Fill(Kind.Contents[wording % Kind.Contents.Length]);

    private string Fill(string template) => template
        .Replace("{P}", Place, StringComparison.Ordinal).Replace("{O}", Org, StringComparison.Ordinal)
        .Replace("{A}", Amount, StringComparison.Ordinal).Replace("{Y}", Since, StringComparison.Ordinal)
        .Replace("{N}", People.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
}

/// <summary>Petition texts for tests: twenty kinds of matter, each worded four ways (subject) and three ways (content).</summary>
public static class PetitionTexts
{
    public static readonly MatterKind LandRequisition = new("征地", PetitionCategory.ComplaintRequest, "{X}开发区管委会",
        ["{P}征地补偿款至今未发放", "关于{P}土地被征收后补偿不到位的问题", "{O}征用我村土地不给补偿", "请求兑现{P}征地补偿款{A}"],
        [
            "{Y}，{O}以建设工业园为由征收了{P}的耕地{N}亩，承诺的征地补偿款{A}至今没有发放到农户手中，青苗费也没有结算。",
            "我们是{P}的村民，{Y}{O}征了我们{N}亩地，说好每户补偿，合计{A}，到现在一分钱没拿到，地也没了，生活没有着落。",
            "{O}在{Y}占用{P}集体土地{N}亩搞建设，征地补偿标准没有公示，补偿款{A}被拖欠，请求上级督促{O}兑现。",
        ]);

    public static readonly MatterKind WageArrears = new("欠薪", PetitionCategory.ComplaintRequest, "{X}建筑工程有限公司",
        ["{O}拖欠农民工工资{A}", "讨要{O}欠我们的工资", "{P}工地农民工工资被拖欠", "关于{O}欠薪不还的问题"],
        [
            "我们{N}名农民工自{Y}起在{O}承建的{P}工地干活，工程完工后{O}拖欠工资共计{A}，老板一直推脱。",
            "{Y}我们在{P}项目上给{O}打工，{N}个人的工钱{A}到现在没结，找项目经理也找不到人，年都过不好。",
            "{O}在{P}的工程从{Y}开工，包工头带我们{N}人干了大半年，欠薪{A}，多次讨薪无果，请求劳动监察部门处理。",
        ]);

    public static readonly MatterKind Resettlement = new("拆迁安置", PetitionCategory.ComplaintRequest, "{X}置业有限公司",
        ["{P}拆迁安置房迟迟不交付", "拆迁户安置房逾期未建成", "{O}拆迁后不给安置", "关于{P}拆迁户过渡费停发的问题"],
        [
            "{Y}{P}整体拆迁，{O}承诺两年内交付安置房，现已逾期，{N}户拆迁户仍在外租房，过渡费{A}也停发了。",
            "我家是{P}的拆迁户，{Y}签的拆迁协议，安置房到现在没建好，{O}说资金不到位，过渡费欠了{A}。",
            "{P}拆迁安置项目由{O}负责，自{Y}停工至今，{N}户群众无房可住，请求督促{O}按协议交房并补发过渡费{A}。",
        ]);

    public static readonly MatterKind VillageRoad = new("村道", PetitionCategory.ComplaintRequest, "{X}镇交通站",
        ["{P}村道损坏无人维修", "{P}通村公路坑洼不平", "请求修复{P}的道路", "{P}道路破损影响出行"],
        [
            "{P}通往镇上的村道从{Y}开始塌陷，路面坑洼积水，{N}多户村民出行困难，学生上学要绕行，{O}一直没有来修。",
            "我们{P}的水泥路是十几年前修的，{Y}下大雨冲垮了一段，车辆无法通行，找了{O}说没有资金维修。",
            "{P}道路破损严重，{Y}以来已经发生多起摔伤事故，恳请{O}安排资金{A}修复道路。",
        ]);

    public static readonly MatterKind FactoryNoise = new("噪音", PetitionCategory.ComplaintRequest, "{X}机械厂",
        ["{O}夜间施工噪音扰民", "{P}附近工厂噪声太大", "投诉{O}噪音污染", "{P}居民被噪音吵得无法休息"],
        [
            "{O}就在{P}旁边，自{Y}起每天夜里机器轰鸣到凌晨，{N}户居民无法休息，老人孩子身体受到影响。",
            "我住在{P}，{O}的冲压设备从{Y}开始通宵运转，噪声超过标准，环保部门来过一次后照旧生产。",
            "{P}的居民深受{O}噪音之害，{Y}以来多次向街道反映，噪音问题始终没有整改，请求依法查处{O}。",
        ]);

    public static readonly MatterKind PropertyFees = new("物业", PetitionCategory.ComplaintRequest, "{X}物业服务有限公司",
        ["{P}物业乱收费", "{O}擅自上涨物业费", "{P}业主反映物业服务差", "关于{O}强制收取停车费的问题"],
        [
            "{O}管理的{P}，从{Y}起把物业费由每平方一元涨到两元，未经业主大会同意，还强制收取停车费{A}。",
            "{P}小区的{O}服务很差，电梯经常坏，垃圾没人清，却在{Y}宣布涨价，{N}户业主拒交后被停水停电。",
            "我们是{P}业主，{O}自{Y}起违规收取公共维修基金{A}，账目不公开，请求住建部门查处。",
        ]);

    public static readonly MatterKind Dibao = new("低保", PetitionCategory.ComplaintRequest, "{X}镇民政办",
        ["我家低保被无故取消", "{P}困难户低保被停", "申请恢复{P}家庭的低保", "{O}取消低保不讲理由"],
        [
            "我家住在{P}，丈夫残疾，两个孩子上学，{Y}{O}突然取消了我家的低保，每月少了{A}，生活非常困难。",
            "{Y}以后我家的低保金就停了，{O}说是复核不合格，可我家情况没有变化，{P}的村干部也说不清原因。",
            "本人系{P}低保户，{Y}被{O}停发低保，未告知理由，家中病人每月药费{A}，请求重新审核恢复低保。",
        ]);

    public static readonly MatterKind SchoolPlace = new("入学", PetitionCategory.ComplaintRequest, "{X}区教育局",
        ["孩子在{P}附近上不了学", "{P}学区划分不合理", "随迁子女入学难", "关于{P}适龄儿童入学的问题"],
        [
            "我们在{P}买房居住，孩子今年该上小学，{O}把{P}划出了学区，要到{N}公里外的学校就读，接送非常困难。",
            "{Y}{O}调整学区，{P}的{N}多名孩子被分到很远的学校，家长多次找{O}没有结果。",
            "本人在{P}务工多年，社保缴费齐全，孩子入学申请被{O}以材料不全为由拒绝，请求解决随迁子女入学。",
        ]);

    public static readonly MatterKind RiverPollution = new("污染", PetitionCategory.ComplaintRequest, "{X}化工有限公司",
        ["{O}偷排污水污染河道", "{P}的河水被工厂污染", "举报{O}违法排污", "{P}饮用水源遭到污染"],
        [
            "{O}自{Y}起在夜间通过暗管向{P}旁的小河排放污水，河水发黑发臭，鱼虾死亡，{N}户村民的井水也有异味。",
            "{P}河道从{Y}开始变成黑水河，源头是{O}的排污口，庄稼用河水浇灌后减产，村民身体出现不适。",
            "{O}长期违法排污，{P}周边水体和土壤受到严重污染，请求环保部门查处{O}并赔偿损失{A}。",
        ]);

    public static readonly MatterKind Homestead = new("宅基地", PetitionCategory.ComplaintRequest, "邻居{X}某",
        ["{P}宅基地被邻居侵占", "{O}强占我家宅基地建房", "关于{P}宅基地纠纷的问题", "请求确认我家在{P}的宅基地使用权"],
        [
            "我家在{P}有一处宅基地，有{Y}发的宅基地证，{O}在翻建房屋时越界占用了我家宅基地{N}平方米。",
            "{Y}{O}趁我家外出务工，把围墙砌到我家宅基地上，{P}村委会调解了几次，{O}拒不拆除。",
            "{P}村民{O}侵占我家宅基地{N}平方米建房，镇里调解无果，请求国土部门依法确权。",
        ]);

    public static readonly MatterKind Pension = new("社保", PetitionCategory.ComplaintRequest, "{X}纺织有限公司",
        ["{O}不给职工缴纳养老保险", "{O}拖欠社保费", "职工社保断缴无法退休", "关于{O}未缴纳社会保险的问题"],
        [
            "我在{O}工作了十多年，{Y}起公司就停缴了我们{N}名职工的养老保险，现在到了退休年龄却办不了退休。",
            "{O}从{Y}开始拖欠职工社保费共{A}，{N}名老职工的医保卡也停用了，看病只能自费。",
            "本人原系{O}职工，公司自{Y}起未为职工缴纳社会保险，欠缴金额约{A}，请求社保部门责令补缴。",
        ]);

    public static readonly MatterKind Medical = new("医疗纠纷", PetitionCategory.ComplaintRequest, "{X}县人民医院",
        ["{O}误诊导致病情延误", "对{O}医疗事故鉴定不服", "{O}手术失误要求赔偿", "关于我母亲在{O}治疗死亡的问题"],
        [
            "{Y}我母亲因腹痛到{O}就诊，被误诊为胃炎，延误了治疗，后转院确诊为阑尾穿孔，花费医疗费{A}。",
            "我父亲{Y}在{O}做手术后出现严重并发症，{O}拒不承认过错，医疗事故鉴定程序不公正。",
            "{Y}家人在{O}住院治疗期间死亡，{O}存在明显过错，协商赔偿{A}被拒，请求卫健部门依法处理。",
        ]);

    public static readonly MatterKind IllegalBuilding = new("违建", PetitionCategory.ComplaintRequest, "{X}餐饮店",
        ["{P}小区有人私搭乱建", "举报{O}违章搭建", "{P}楼顶违建无人管", "{O}占用公共绿地建房"],
        [
            "{P}一楼的{O}从{Y}开始在楼前绿地上违章搭建了{N}平方米的彩钢房，堵住了消防通道。",
            "{O}在{P}楼顶私自加盖了一层，影响楼体安全，{Y}以来我们多次向城管举报，违建一直没有拆除。",
            "{P}的公共绿地被{O}圈占建房{N}平方米，请求城管执法部门依法拆除违章建筑。",
        ]);

    public static readonly MatterKind DrinkingWater = new("供水", PetitionCategory.ComplaintRequest, "{X}自来水公司",
        ["{P}停水多日无人管", "{P}自来水水质差", "{O}供水不正常", "关于{P}村民吃水难的问题"],
        [
            "{P}从{Y}起经常停水，最长一次停了{N}天，{O}说是管网老化，一直没有改造，村民只能买水喝。",
            "{P}的自来水浑浊发黄，有异味，{Y}以来已经{N}个月了，{O}只来检测过一次，没有任何处理结果。",
            "{O}负责{P}的供水，管道年久失修，{Y}以来供水时断时续，请求尽快改造供水管网。",
        ]);

    public static readonly MatterKind LandContract = new("土地承包", PetitionCategory.ComplaintRequest, "{X}农业合作社",
        ["{P}土地流转租金不兑现", "{O}拖欠土地流转费", "村里强行收回我家承包地", "关于{P}土地承包经营权的纠纷"],
        [
            "{Y}{P}的{N}亩承包地流转给{O}，合同约定每年每亩租金{A}，{O}已经两年没有支付租金。",
            "我家在{P}的承包地{N}亩，{Y}被村委会强行收回转包给{O}，没有征得我家同意，也没有任何补偿。",
            "{O}租用{P}村民土地{N}亩，自{Y}起拖欠流转费{A}，村民多次讨要无果，请求农业农村部门协调。",
        ]);

    public static readonly MatterKind HouseDelivery = new("逾期交房", PetitionCategory.ComplaintRequest, "{X}房地产开发有限公司",
        ["{O}开发的楼盘逾期交房", "{P}项目烂尾购房者维权", "{O}收了房款不交房", "关于{P}楼盘停工的问题"],
        [
            "我们在{Y}购买了{O}开发的{P}商品房，合同约定交房日期早已过去，项目停工，{N}户购房者既还房贷又付房租。",
            "{P}楼盘由{O}开发，{Y}起停工至今，开发商资金链断裂，购房者已付房款{A}，请求政府介入保交楼。",
            "{O}的{P}项目{Y}预售，收取房款后挪用资金，工地停工，{N}户业主要求按期交房并赔偿违约金。",
        ]);

    public static readonly MatterKind Fumes = new("油烟", PetitionCategory.ComplaintRequest, "{X}烧烤店",
        ["{O}油烟扰民", "{P}楼下饭店油烟熏人", "投诉{O}排烟不达标", "{P}居民深受餐饮油烟困扰"],
        [
            "{O}开在{P}的居民楼下，没有安装油烟净化设施，{Y}以来油烟直接排进楼道，楼上{N}户居民无法开窗。",
            "{P}一楼的{O}每天营业到凌晨，油烟和噪音严重扰民，{Y}开始我们向城管反映过多次，没有效果。",
            "我们是{P}的住户，{O}的排烟管道直对我家窗户，自{Y}起油烟熏黑了外墙，请求依法责令{O}整改。",
        ]);

    public static readonly MatterKind VillageAccounts = new("村务", PetitionCategory.ReportAccusation, "村支书{X}某",
        ["举报{P}村干部侵占集体资金", "{O}贪污{P}征地款", "{P}村务财务不公开", "关于{O}虚报冒领补助资金的举报"],
        [
            "{P}的{O}从{Y}起长期不公开村务财务，村集体土地出租收入{A}去向不明，涉嫌侵占集体资金。",
            "{O}利用职务之便，在{Y}{P}征地中虚报面积{N}亩，冒领补偿款{A}，请求纪检部门调查。",
            "举报{P}的{O}，{Y}以来把上级拨付的扶贫资金{A}挪作他用，村民多次要求公开账目被拒绝。",
        ]);

    public static readonly MatterKind BusRoute = new("公交", PetitionCategory.Suggestion, "{X}公交公司",
        ["建议在{P}增设公交站点", "{P}公交线路取消后出行不便", "请求恢复{P}的公交线路", "{O}公交班次太少"],
        [
            "{P}有{N}多户居民，{Y}{O}调整线路后取消了{P}站，最近的站点要走两公里，老人看病买菜很不方便。",
            "建议{O}在{P}设置公交站，{Y}以来周边新建了学校和医院，每天有{N}多人需要乘车。",
            "{O}的线路经过{P}却不停靠，{Y}开始班次从半小时一班减为一小时一班，请求增加班次并恢复站点。",
        ]);

    public static readonly MatterKind Renovation = new("危房改造", PetitionCategory.ComplaintRequest, "{X}镇政府",
        ["我家危房改造补助没有发放", "{P}危房改造名额不公", "{O}克扣危房改造资金", "关于{P}危房改造的问题"],
        [
            "我家住在{P}，房屋被鉴定为D级危房，{Y}列入危房改造计划，房子改造完工后，{O}一直没有发放补助资金{A}。",
            "{P}的危房改造名额被村干部亲属占用，真正住危房的{N}户困难群众没有评上，{O}不予理睬。",
            "{Y}{O}发放{P}危房改造补助时，每户被扣留{A}，请求有关部门查清资金去向。",
        ]);

    public static readonly IReadOnlyList<MatterKind> Kinds =
    [
        LandRequisition, WageArrears, Resettlement, VillageRoad, FactoryNoise, PropertyFees, Dibao, SchoolPlace,
        RiverPollution, Homestead, Pension, Medical, IllegalBuilding, DrinkingWater, LandContract, HouseDelivery,
        Fumes, VillageAccounts, BusRoute, Renovation,
    ];

    private static readonly string[] OrgWords =
        ["宏达", "鑫源", "华泰", "恒通", "金鼎", "盛世", "永安", "东方", "瑞丰", "天成", "中建", "顺发", "利民", "长江",
         "皖南", "江淮", "新元", "富华", "兴业", "广源", "龙腾", "德信", "卓越", "嘉禾"];

    private static readonly string[] Surnames =
        ["李", "王", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林", "何", "郭", "马", "罗"];

    private static readonly string[] VillageSuffixes = ["家湾", "庄村", "圩村", "岗村", "楼村", "集村", "塘村", "店村"];

    private static readonly string[] Communities = ["幸福里小区", "阳光花园", "锦绣家园", "翡翠城", "滨湖苑", "东城名邸", "金色港湾", "绿洲新村"];

    /// <summary>A matter of this kind with facts drawn from <paramref name="random"/>.</summary>
    public static Matter NewMatter(MatterKind kind, Random random, string? place = null)
    {
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(random);
        place ??= NewPlace(random);
        var org = kind.OrgPattern.Replace("{X}", Pick(random, kind.OrgPattern.Contains('某') ? Surnames : OrgWords), StringComparison.Ordinal);
        var amount = $"{random.Next(2, 90)}.{random.Next(1, 9)}万元";
        var since = $"{random.Next(2019, 2025)}年{random.Next(1, 13)}月";
        return new Matter(kind, place, org, amount, since, random.Next(6, 80));
    }

    /// <summary>A village or a community, e.g. 示范镇李家湾 or 阳光花园.</summary>
    public static string NewPlace(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        return random.Next(3) == 0
            ? Pick(random, Communities) + $"{random.Next(1, 20)}栋"
            : Pick(random, Surnames) + Pick(random, VillageSuffixes);
    }

    public static T Pick<T>(Random random, IReadOnlyList<T> items)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentNullException.ThrowIfNull(items);
        return items[random.Next(items.Count)];
    }
}
