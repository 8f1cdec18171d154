using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using MedSettle.Engine;

namespace MedSettle.Tools.Demo;

/// <summary>A generated reference-data bundle for Jilin: the jilin-mini sample plus hospitals, catalogue items, people and older policy versions.</summary>
public static class DemoProvince
{
    private const int A = 1;
    private const int B = 2;
    private const int C = 3;
    private const int CommonSurnameCount = 10;

    /// <summary>A pooling region: its share of the insured (per mille), the county codes its people's identity numbers start with,
    /// and how much more generous (in hundredths of the ratio) its policies are than the base table.</summary>
    public sealed record Region(string Admdvs, string Name, int Weight, string[] Counties, int RatioBonus);

    /// <summary>Jilin's 12 pooling regions, for every generator of people (the demo bundle and the bulk loader).</summary>
    public static IReadOnlyList<Region> JilinRegions => Regions;

    private sealed record Hospital(string Code, string Name, string Admdvs, int Level, bool CrossRegion);

    private sealed record HospitalSeed(string Admdvs, string Name, int Level, bool CrossRegion);

    private sealed record Item(string Code, string Name, string ListType, string ChargeType, int Level, decimal SelfPay, decimal? Ceiling);

    private sealed record CodedSeed(string Code, string Name, string ChargeType, int Level, decimal? Ceiling);

    private sealed record Person(string PsnNo, string Name, string Certno, string Gend, DateOnly Birthday, string Admdvs, string Insutype, string Status, decimal Balance,
        string AssistanceType = "");

    private sealed record PolicyRow(string Admdvs, string Insutype, string Category, int Level, DateOnly From, int Deductible, string Basis, int RatioPercent, int AnnualCap);

    private sealed record PolicyBase(string Insutype, string Category, int Level, int Deductible, string Basis, int RatioPercent, int AnnualCap);

    private static readonly UTF8Encoding Utf8 = new(false);
    private static readonly SearchValues<char> NeedsQuoting = SearchValues.Create(",\"\r\n");
    private static readonly DateOnly CurrentPolicyDate = new(2026, 1, 1);
    private static readonly DateOnly PreviousPolicyDate = new(2025, 1, 1);
    private static readonly string[] InjectableMarkers = ["注射", "疫苗", "血清", "抗毒素", "白蛋白", "免疫球蛋白"];
    private static readonly decimal[] SelfPayChoices = [0.05m, 0.10m, 0.10m, 0.15m, 0.20m, 0.20m, 0.30m];

    private static readonly Region[] Regions =
    [
        new("220100", "长春市", 380, ["220102", "220103", "220104", "220105", "220106", "220112", "220113", "220122", "220182", "220183", "220184"], 0),
        new("220200", "吉林市", 150, ["220202", "220203", "220204", "220211", "220221", "220281", "220282", "220283", "220284"], 1),
        new("220300", "四平市", 75, ["220302", "220303", "220322", "220323", "220382"], 0),
        new("220400", "辽源市", 42, ["220402", "220403", "220421", "220422"], 0),
        new("220500", "通化市", 50, ["220502", "220503", "220521", "220523", "220524", "220582"], 1),
        new("220600", "白山市", 40, ["220602", "220605", "220621", "220622", "220623", "220681"], 0),
        new("220700", "松原市", 93, ["220702", "220721", "220722", "220723", "220781"], 0),
        new("220800", "白城市", 64, ["220802", "220821", "220822", "220881", "220882"], 1),
        new("222400", "延边朝鲜族自治州", 80, ["222401", "222402", "222403", "222404", "222405", "222406", "222424", "222426"], 0),
        new("220581", "梅河口市", 25, ["220581"], 0),
        new("229900", "吉林省省本级", 10, ["220102", "220103", "220104", "220105", "220106"], 1),
        new("229800", "长白山保护开发区", 3, ["222426", "220623", "220621"], 0),
    ];

    private static readonly Hospital[] SampleHospitals =
    [
        new("H22010000001", "长春市示例第一医院", "220100", 3, true),
        new("H22010000002", "长春市示例社区卫生服务中心", "220100", 1, false),
        new("H22020000001", "吉林市示例中心医院", "220200", 3, true),
        new("H22020000002", "吉林市示例人民医院", "220200", 2, true),
        new("H22240000001", "延边示例医院", "222400", 3, true),
        new("H22070000001", "松原市示例医院", "220700", 2, true),
    ];

    private static readonly HospitalSeed[] HospitalSeeds =
    [
        new("220100", "长春市中心医院", 3, true),
        new("220100", "长春市中医院", 3, true),
        new("220100", "农安县人民医院", 2, true),
        new("220100", "德惠市人民医院", 2, true),
        new("220100", "长春市朝阳区南湖社区卫生服务中心", 1, true),
        new("220100", "长春市宽城区柳影社区卫生服务中心", 1, false),
        new("220200", "北华大学附属医院", 3, true),
        new("220200", "吉林市人民医院", 3, true),
        new("220200", "永吉县医院", 2, true),
        new("220200", "吉林市船营区北极街社区卫生服务中心", 1, true),
        new("220300", "四平市中心人民医院", 3, true),
        new("220300", "四平市第一人民医院", 2, true),
        new("220300", "四平市铁西区英雄社区卫生服务中心", 1, false),
        new("220400", "辽源市中心医院", 3, true),
        new("220400", "东丰县医院", 2, true),
        new("220400", "辽源市龙山区向阳社区卫生服务中心", 1, true),
        new("220500", "通化市中心医院", 3, true),
        new("220500", "通化县人民医院", 2, true),
        new("220500", "通化市东昌区团结社区卫生服务中心", 1, true),
        new("220600", "白山市中心医院", 3, true),
        new("220600", "临江市人民医院", 2, true),
        new("220600", "白山市浑江区新建社区卫生服务中心", 1, false),
        new("220700", "松原市中心医院", 3, true),
        new("220700", "前郭尔罗斯蒙古族自治县医院", 2, true),
        new("220700", "松原市宁江区临江社区卫生服务中心", 1, true),
        new("220800", "白城中心医院", 3, true),
        new("220800", "洮南市人民医院", 2, true),
        new("220800", "白城市洮北区长庆社区卫生服务中心", 1, true),
        new("222400", "延边大学附属医院", 3, true),
        new("222400", "延吉市医院", 2, true),
        new("222400", "敦化市医院", 2, true),
        new("222400", "延吉市建工街道社区卫生服务中心", 1, true),
        new("220581", "梅河口市中心医院", 3, true),
        new("220581", "梅河口市人民医院", 2, true),
        new("220581", "梅河口市海龙镇卫生院", 1, true),
        new("229900", "吉林大学第一医院", 3, true),
        new("229900", "吉林大学第二医院", 3, true),
        new("229900", "吉林省人民医院", 3, true),
        new("229900", "长春中医药大学附属医院", 3, true),
        new("229800", "长白山保护开发区中心医院", 2, true),
        new("229800", "长白山池北区社区卫生服务中心", 1, false),
    ];

    private static readonly Item[] SampleCatalogue =
    [
        new("110200001", "急诊诊察费", "201", "02", A, 0m, null),
        new("120400001", "静脉输液", "201", "05", A, 0m, null),
        new("250101001", "血常规", "201", "04", A, 0m, null),
        new("210102001", "CT平扫", "201", "03", B, 0.10m, null),
        new("311201001", "急诊监护", "201", "05", B, 0.10m, 60.00m),
        new("110900001", "普通病房床位费", "201", "01", A, 0m, 40.00m),
        new("XB05BBA030B001010104416", "氯化钠注射液", "101", "09", A, 0m, null),
        new("XJ01DDA036B001010178838", "注射用头孢曲松钠", "101", "09", B, 0.10m, null),
        new("ZA12BAD0011010103983", "复方丹参滴丸", "101", "11", B, 0.05m, null),
        new("C14010101001", "一次性使用输液器", "301", "08", B, 0.20m, 5.00m),
        new("XS0000000001", "自费营养制剂", "101", "09", C, 0m, null),
        new("311300001", "重症监护", "201", "05", A, 0m, null),
    ];

    private static readonly (string Name, string Atc, int Level)[] WesternDrugs =
    [
        ("注射用头孢呋辛钠", "J01DC", A),
        ("注射用头孢他啶", "J01DD", B),
        ("注射用头孢哌酮钠舒巴坦钠", "J01DD", B),
        ("注射用头孢唑林钠", "J01DB", A),
        ("注射用青霉素钠", "J01CE", A),
        ("注射用阿莫西林钠克拉维酸钾", "J01CR", B),
        ("注射用哌拉西林钠他唑巴坦钠", "J01CR", B),
        ("注射用美罗培南", "J01DH", B),
        ("注射用亚胺培南西司他丁钠", "J01DH", B),
        ("左氧氟沙星氯化钠注射液", "J01MA", B),
        ("莫西沙星氯化钠注射液", "J01MA", B),
        ("注射用阿奇霉素", "J01FA", B),
        ("阿莫西林胶囊", "J01CA", A),
        ("头孢克肟胶囊", "J01DD", B),
        ("头孢呋辛酯片", "J01DC", B),
        ("左氧氟沙星片", "J01MA", A),
        ("甲硝唑氯化钠注射液", "J01XD", A),
        ("注射用盐酸万古霉素", "J01XA", B),
        ("利奈唑胺葡萄糖注射液", "J01XX", B),
        ("硫酸阿米卡星注射液", "J01GB", A),
        ("注射用克林霉素磷酸酯", "J01FF", B),
        ("氟康唑氯化钠注射液", "J02AC", B),
        ("注射用阿昔洛韦", "J05AB", B),
        ("磷酸奥司他韦胶囊", "J05AH", B),
        ("破伤风抗毒素", "J06AA", A),
        ("人破伤风免疫球蛋白", "J06BB", B),
        ("抗蝮蛇毒血清", "J06AA", A),
        ("冻干人用狂犬病疫苗(Vero细胞)", "J07BG", C),
        ("阿司匹林肠溶片", "B01AC", A),
        ("硫酸氢氯吡格雷片", "B01AC", A),
        ("替格瑞洛片", "B01AC", B),
        ("肝素钠注射液", "B01AB", A),
        ("依诺肝素钠注射液", "B01AB", B),
        ("注射用阿替普酶", "B01AD", B),
        ("注射用尿激酶", "B01AD", B),
        ("维生素K1注射液", "B02BA", A),
        ("氨甲环酸注射液", "B02AA", A),
        ("注射用尖吻蝮蛇血凝酶", "B02BX", B),
        ("酚磺乙胺注射液", "B02BX", B),
        ("硝酸甘油注射液", "C01DA", A),
        ("硝酸甘油片", "C01DA", A),
        ("单硝酸异山梨酯片", "C01DA", B),
        ("盐酸胺碘酮注射液", "C01BD", A),
        ("去乙酰毛花苷注射液", "C01AA", A),
        ("盐酸多巴胺注射液", "C01CA", A),
        ("盐酸多巴酚丁胺注射液", "C01CA", A),
        ("重酒石酸去甲肾上腺素注射液", "C01CA", A),
        ("盐酸肾上腺素注射液", "C01CA", A),
        ("盐酸异丙肾上腺素注射液", "C01CA", B),
        ("注射用重组人脑利钠肽", "C01DX", B),
        ("呋塞米注射液", "C03CA", A),
        ("呋塞米片", "C03CA", A),
        ("托拉塞米注射液", "C03CA", B),
        ("硝苯地平缓释片", "C08CA", A),
        ("苯磺酸氨氯地平片", "C08CA", A),
        ("盐酸乌拉地尔注射液", "C02CA", B),
        ("注射用硝普钠", "C02DD", B),
        ("酒石酸美托洛尔片", "C07AB", A),
        ("酒石酸美托洛尔注射液", "C07AB", B),
        ("盐酸艾司洛尔注射液", "C07AB", B),
        ("阿托伐他汀钙片", "C10AA", A),
        ("瑞舒伐他汀钙片", "C10AA", B),
        ("盐酸利多卡因注射液", "N01BB", A),
        ("葡萄糖注射液", "B05BA", A),
        ("葡萄糖氯化钠注射液", "B05BB", A),
        ("复方氯化钠注射液", "B05BB", A),
        ("乳酸钠林格注射液", "B05BB", A),
        ("氯化钾注射液", "B05XA", A),
        ("碳酸氢钠注射液", "B05XA", A),
        ("硫酸镁注射液", "B05XA", A),
        ("葡萄糖酸钙注射液", "A12AA", A),
        ("羟乙基淀粉130/0.4氯化钠注射液", "B05AA", B),
        ("琥珀酰明胶注射液", "B05AA", B),
        ("人血白蛋白", "B05AA", B),
        ("甘露醇注射液", "B05BC", A),
        ("灭菌注射用水", "V07AB", A),
        ("中/长链脂肪乳注射液(C8-24)", "B05BA", B),
        ("复方氨基酸注射液(18AA)", "B05BA", B),
        ("氨茶碱注射液", "R03DA", A),
        ("多索茶碱注射液", "R03DA", B),
        ("吸入用布地奈德混悬液", "R03BA", B),
        ("吸入用硫酸沙丁胺醇溶液", "R03AC", A),
        ("吸入用异丙托溴铵溶液", "R03BB", B),
        ("盐酸氨溴索注射液", "R05CB", B),
        ("盐酸氨溴索片", "R05CB", B),
        ("乙酰半胱氨酸泡腾片", "R05CB", B),
        ("尼可刹米注射液", "R07AB", A),
        ("盐酸洛贝林注射液", "R07AB", A),
        ("氯雷他定片", "R06AX", B),
        ("盐酸异丙嗪注射液", "R06AD", A),
        ("地西泮注射液", "N05BA", A),
        ("咪达唑仑注射液", "N05CD", B),
        ("苯巴比妥钠注射液", "N03AA", A),
        ("丙戊酸钠注射液", "N03AG", B),
        ("盐酸吗啡注射液", "N02AA", A),
        ("盐酸哌替啶注射液", "N02AB", A),
        ("盐酸曲马多注射液", "N02AX", B),
        ("对乙酰氨基酚片", "N02BE", A),
        ("布洛芬缓释胶囊", "M01AE", B),
        ("氟比洛芬酯注射液", "M01AE", B),
        ("氟马西尼注射液", "V03AB", B),
        ("盐酸纳洛酮注射液", "V03AB", A),
        ("丙泊酚乳状注射液", "N01AX", A),
        ("枸橼酸芬太尼注射液", "N01AH", A),
        ("注射用盐酸瑞芬太尼", "N01AH", B),
        ("氟哌啶醇注射液", "N05AD", A),
        ("盐酸右美托咪定注射液", "N05CM", B),
        ("依达拉奉注射液", "N07XX", B),
        ("胞磷胆碱钠注射液", "N06BX", B),
        ("注射用奥美拉唑钠", "A02BC", B),
        ("注射用泮托拉唑钠", "A02BC", B),
        ("奥美拉唑肠溶胶囊", "A02BC", A),
        ("铝碳酸镁咀嚼片", "A02AD", B),
        ("盐酸甲氧氯普胺注射液", "A03FA", A),
        ("多潘立酮片", "A03FA", B),
        ("盐酸昂丹司琼注射液", "A04AA", B),
        ("消旋山莨菪碱注射液", "A03BA", A),
        ("硫酸阿托品注射液", "A03BA", A),
        ("盐酸戊乙奎醚注射液", "A03BA", B),
        ("间苯三酚注射液", "A03AX", B),
        ("蒙脱石散", "A07BC", A),
        ("口服补液盐散(Ⅲ)", "A07CA", A),
        ("乳果糖口服溶液", "A06AD", B),
        ("开塞露", "A06AG", A),
        ("注射用生长抑素", "H01CB", B),
        ("醋酸奥曲肽注射液", "H01CB", B),
        ("重组人胰岛素注射液", "A10AB", A),
        ("门冬胰岛素注射液", "A10AB", B),
        ("地塞米松磷酸钠注射液", "H02AB", A),
        ("注射用甲泼尼龙琥珀酸钠", "H02AB", B),
        ("氢化可的松注射液", "H02AB", B),
        ("缩宫素注射液", "H01BB", A),
        ("碘解磷定注射液", "V03AB", A),
        ("亚甲蓝注射液", "V03AB", A),
        ("硫代硫酸钠注射液", "V03AB", A),
        ("碘海醇注射液", "V08AB", B),
        ("碘克沙醇注射液", "V08AB", B),
        ("注射用还原型谷胱甘肽", "V03AB", B),
        ("莫匹罗星软膏", "D06AX", B),
        ("磺胺嘧啶银乳膏", "D06BA", B),
        ("红霉素眼膏", "S01AA", A),
        ("注射用复合辅酶", "A16AX", C),
        ("注射用脑蛋白水解物", "N06BX", C),
        ("维生素C泡腾片", "A11GA", C),
        ("辅酶Q10胶囊", "C01EB", C),
        ("葡萄糖酸锌口服溶液", "A12CB", C),
        ("复方氨基酸胶囊(8-11)", "B05BA", C),
        ("注射用水溶性维生素", "B05XC", C),
        ("注射用核糖核酸Ⅱ", "L03AX", C),
        ("脱氧核苷酸钠注射液", "V03AX", C),
    ];

    private static readonly (string Name, string Category, int Level)[] PatentDrugs =
    [
        ("速效救心丸", "A12BA", A),
        ("麝香保心丸", "A12BA", B),
        ("通心络胶囊", "A12BA", B),
        ("脑心通胶囊", "A12BA", B),
        ("注射用血塞通(冻干)", "A12BA", B),
        ("丹参注射液", "A12BA", B),
        ("疏血通注射液", "A12BA", B),
        ("血必净注射液", "A12BB", B),
        ("稳心颗粒", "A12BC", B),
        ("安宫牛黄丸", "A06AA", A),
        ("醒脑静注射液", "A06AA", B),
        ("清开灵注射液", "A03AA", B),
        ("痰热清注射液", "A03AA", B),
        ("喜炎平注射液", "A03AA", B),
        ("热毒宁注射液", "A03AA", B),
        ("参附注射液", "A08AA", B),
        ("生脉注射液", "A08AA", B),
        ("参麦注射液", "A08AA", B),
        ("连花清瘟胶囊", "A01BA", A),
        ("藿香正气水", "A01AA", A),
        ("感冒清热颗粒", "A01AA", A),
        ("正柴胡饮颗粒", "A01AA", B),
        ("小柴胡颗粒", "A01CA", A),
        ("板蓝根颗粒", "A03BA", A),
        ("蒲地蓝消炎口服液", "A03BA", B),
        ("双黄连口服液", "A03BA", A),
        ("牛黄解毒片", "A03CA", A),
        ("云南白药胶囊", "A10AA", A),
        ("三七伤药片", "G01AA", B),
        ("跌打丸", "G01AA", B),
        ("活血止痛胶囊", "G01AA", B),
        ("舒筋活血片", "G01AB", B),
        ("京万红软膏", "B01AA", A),
        ("元胡止痛片", "A13AA", A),
        ("香砂养胃丸", "A13BA", B),
        ("六味地黄丸", "A08BA", A),
        ("补中益气丸", "A08AB", A),
        ("复方阿胶浆", "A08CA", C),
        ("灵芝孢子粉胶囊", "A08CA", C),
    ];

    private static readonly (string Name, int Level)[] Herbs =
    [
        ("黄芪", A), ("当归", A), ("党参", B), ("丹参", B), ("川芎", A),
        ("甘草", A), ("茯苓", A), ("白术", B), ("金银花", B), ("连翘", A),
        ("板蓝根", A), ("柴胡", A), ("黄芩", A), ("大黄", A), ("三七粉", B),
        ("红花", B), ("桃仁", B), ("人参", C), ("西洋参", C), ("冬虫夏草", C),
        ("鹿茸", C), ("阿胶", C), ("枸杞子", C),
    ];

    private static readonly CodedSeed[] Services =
    [
        new("110900002", "急诊观察床位费", "01", A, 30.00m),
        new("110900003", "重症监护病房床位费", "01", A, 120.00m),
        new("110900004", "隔离病房床位费", "01", B, 60.00m),
        new("110900005", "特需病房床位费", "01", C, null),
        new("110900006", "自选单人间床位费", "01", C, null),
        new("110200002", "急诊主任医师诊察费", "02", A, 25.00m),
        new("110200003", "急诊副主任医师诊察费", "02", A, 18.00m),
        new("110300001", "门诊诊察费", "02", A, 10.00m),
        new("110400001", "住院诊察费", "02", A, 15.00m),
        new("110500001", "院内会诊费", "02", B, 30.00m),
        new("110600001", "院前急救出诊费", "02", C, 50.00m),
        new("110700001", "特需专家诊察费", "02", C, null),
        new("210200101", "胸部X线摄影(DR)", "03", A, 60.00m),
        new("210200102", "四肢X线摄影(DR)", "03", A, 50.00m),
        new("210200103", "床旁X线摄影", "03", B, 80.00m),
        new("210300101", "头颅CT平扫", "03", B, 180.00m),
        new("210300102", "胸部CT平扫", "03", B, 200.00m),
        new("210300103", "腹部CT平扫", "03", B, 220.00m),
        new("210300201", "CT增强扫描", "03", B, 350.00m),
        new("210300301", "CT血管成像(CTA)", "03", B, 650.00m),
        new("210400101", "头颅磁共振平扫", "03", B, 480.00m),
        new("210400102", "磁共振弥散加权成像", "03", B, 300.00m),
        new("220201001", "腹部彩色多普勒超声", "03", B, 120.00m),
        new("220301001", "心脏彩色多普勒超声", "03", B, 220.00m),
        new("220600001", "床旁超声检查", "03", B, 150.00m),
        new("310701001", "心电图", "03", A, 25.00m),
        new("310701002", "床旁心电图", "03", B, 35.00m),
        new("310701008", "动态心电图", "03", B, 200.00m),
        new("310100001", "脑电图", "03", B, 90.00m),
        new("310603001", "肺功能检查", "03", B, 100.00m),
        new("250102001", "尿常规", "04", A, 10.00m),
        new("250104001", "ABO血型鉴定", "04", A, 15.00m),
        new("250104002", "交叉配血", "04", A, 30.00m),
        new("250203001", "凝血酶原时间测定", "04", A, 12.00m),
        new("250203002", "活化部分凝血活酶时间测定", "04", A, 12.00m),
        new("250203066", "D-二聚体测定", "04", B, 80.00m),
        new("250301001", "血气分析", "04", A, 60.00m),
        new("250302001", "血清钾测定", "04", A, 6.00m),
        new("250302010", "血糖测定", "04", A, 8.00m),
        new("250305001", "血清肌酐测定", "04", A, 8.00m),
        new("250305012", "肌酸激酶同工酶测定", "04", B, 25.00m),
        new("250305017", "肌钙蛋白I测定", "04", B, 80.00m),
        new("250305018", "B型钠尿肽前体测定", "04", B, 150.00m),
        new("250309001", "血乳酸测定", "04", B, 20.00m),
        new("250310001", "血淀粉酶测定", "04", A, 15.00m),
        new("250401001", "丙氨酸氨基转移酶测定", "04", A, 6.00m),
        new("250401005", "C反应蛋白测定", "04", A, 20.00m),
        new("250403010", "人免疫缺陷病毒抗体测定", "04", B, 40.00m),
        new("250501001", "降钙素原测定", "04", B, 150.00m),
        new("250502001", "血培养", "04", B, 80.00m),
        new("120400002", "静脉注射", "05", A, 5.00m),
        new("120400003", "肌肉注射", "05", A, 3.00m),
        new("120400004", "皮下注射", "05", A, 3.00m),
        new("120400005", "静脉采血", "05", A, 3.00m),
        new("120400006", "静脉输液(加瓶)", "05", A, 2.00m),
        new("120500001", "雾化吸入", "05", A, 8.00m),
        new("120800001", "吸氧", "05", A, 3.00m),
        new("120900001", "吸痰护理", "05", A, 6.00m),
        new("121000001", "导尿", "05", A, 15.00m),
        new("121100001", "鼻饲管置管", "05", B, 20.00m),
        new("121200001", "洗胃", "05", A, 60.00m),
        new("121300001", "灌肠", "05", B, 20.00m),
        new("311201002", "心电监测", "05", A, 4.00m),
        new("311201003", "血氧饱和度监测", "05", A, 3.00m),
        new("311201004", "无创血压监测", "05", A, 3.00m),
        new("311000001", "心肺复苏术", "05", A, 150.00m),
        new("311000002", "电除颤", "05", A, 100.00m),
        new("311000003", "有创呼吸机辅助呼吸", "05", B, 10.00m),
        new("311000004", "无创呼吸机辅助呼吸", "05", B, 6.00m),
        new("311000020", "救护车使用费", "05", C, null),
        new("311600001", "心理咨询", "05", C, null),
        new("311000010", "气管插管术", "05", A, 120.00m),
        new("310902001", "血液透析", "05", B, 400.00m),
        new("311400001", "大换药", "05", B, 40.00m),
        new("311400002", "中换药", "05", A, 25.00m),
        new("311503001", "石膏固定术", "05", B, 80.00m),
        new("311503002", "小夹板固定术", "05", B, 50.00m),
        new("330100001", "局部浸润麻醉", "06", A, 20.00m),
        new("330100003", "全身麻醉", "06", B, 600.00m),
        new("440000001", "清创缝合术(小)", "06", A, 60.00m),
        new("440000002", "清创缝合术(中)", "06", A, 120.00m),
        new("440000003", "清创缝合术(大)", "06", A, 200.00m),
        new("330601001", "气管切开术", "06", A, 350.00m),
        new("330803001", "胸腔闭式引流术", "06", B, 300.00m),
        new("330804001", "心包穿刺术", "06", B, 200.00m),
        new("330501001", "开颅血肿清除术", "06", B, 2800.00m),
        new("331001001", "剖腹探查术", "06", B, 1200.00m),
        new("331600001", "阑尾切除术", "06", B, 900.00m),
        new("331504001", "四肢骨折闭合复位术", "06", B, 400.00m),
        new("331502001", "股骨干骨折切开复位内固定术", "06", B, 2200.00m),
        new("330800001", "经皮冠状动脉腔内成形术", "06", B, 3500.00m),
        new("120100001", "特级护理", "07", A, 80.00m),
        new("120100002", "Ⅰ级护理", "07", A, 30.00m),
        new("120100003", "Ⅱ级护理", "07", A, 18.00m),
        new("120100004", "Ⅲ级护理", "07", A, 10.00m),
        new("120200001", "重症监护", "07", A, 100.00m),
        new("120300001", "急诊陪护指导", "07", C, null),
    ];

    private static readonly CodedSeed[] Consumables =
    [
        new("C14010201001", "一次性使用静脉留置针", "08", B, 20.00m),
        new("C14010301001", "一次性使用无菌注射器(5ml)", "08", A, 1.00m),
        new("C14010101002", "一次性使用精密过滤输液器", "08", B, 15.00m),
        new("C14010101003", "一次性使用输血器", "08", B, 8.00m),
        new("C14010401001", "一次性使用动脉采血器", "08", B, 18.00m),
        new("C14010401002", "一次性使用真空采血管", "08", A, 1.20m),
        new("C14020101001", "一次性使用鼻氧管", "08", A, 3.00m),
        new("C14020101002", "一次性使用吸氧面罩", "08", B, 12.00m),
        new("C14020201001", "一次性使用吸痰管", "08", A, 2.50m),
        new("C14020301001", "一次性使用气管插管", "08", B, 45.00m),
        new("C14020301002", "一次性使用气管切开插管", "08", B, 120.00m),
        new("C14020401001", "一次性使用呼吸机管路", "08", B, 90.00m),
        new("C14020501001", "一次性使用简易呼吸器", "08", B, 150.00m),
        new("C14020601001", "一次性使用雾化器", "08", B, 15.00m),
        new("C14030101001", "一次性使用导尿包", "08", B, 30.00m),
        new("C14030201001", "一次性使用胃管", "08", A, 10.00m),
        new("C14030301001", "一次性使用引流袋", "08", B, 5.00m),
        new("C14030401001", "一次性使用胸腔闭式引流瓶", "08", B, 80.00m),
        new("C14030501001", "一次性使用负压引流器", "08", B, 60.00m),
        new("C14040101001", "心电电极片", "08", A, 1.00m),
        new("C14040201001", "一次性使用血氧饱和度传感器", "08", B, 80.00m),
        new("C14050101001", "可吸收性外科缝线", "08", B, 60.00m),
        new("C14050101002", "非吸收性外科缝线", "08", B, 15.00m),
        new("C14050201001", "一次性使用皮肤缝合器", "08", B, 180.00m),
        new("C14060101001", "医用纱布块", "08", A, 2.00m),
        new("C14060101002", "医用脱脂棉球", "08", A, 1.00m),
        new("C14060201001", "弹性绷带", "08", B, 8.00m),
        new("C14060201002", "医用石膏绷带", "08", B, 12.00m),
        new("C14060301001", "医用高分子夹板", "08", B, 120.00m),
        new("C14060401001", "一次性使用透明敷贴", "08", B, 4.00m),
        new("C14060401002", "医用胶带", "08", C, null),
        new("C14070101001", "一次性使用中心静脉导管包", "08", B, 380.00m),
        new("C14070201001", "一次性使用三通阀", "08", B, 3.00m),
        new("C14070201002", "一次性使用延长管", "08", A, 4.00m),
        new("C14080101001", "一次性使用医用检查手套", "08", C, null),
        new("C14080201001", "颈托", "08", B, 60.00m),
        new("C01010101001", "冠状动脉药物洗脱支架", "08", B, 800.00m),
        new("C01010201001", "经皮冠状动脉球囊扩张导管", "08", B, 600.00m),
        new("C14090101001", "一次性使用护理垫", "08", C, null),
        new("C14090201001", "医用冰袋", "08", C, null),
        new("C14090301001", "防压疮气垫床垫", "08", C, null),
        new("C14090401001", "一次性使用成人纸尿裤", "08", C, null),
    ];

    /// <summary>The sample's people (张伟, 王芳…), whom README's walkthrough settles: the demo's simulated history leaves them alone.</summary>
    public static IReadOnlySet<string> WalkthroughPeople => SamplePersons.Select(p => p.PsnNo).ToHashSet();

    private static readonly (string PsnNo, string Name, string Certno, string Gend, DateOnly Birthday, string Admdvs, string Insutype, string Status, decimal Balance,
        string AssistanceType)[] SamplePersons =
    [
        ("22010000000000000001", "张伟", "220102197503120110", "1", new(1975, 3, 12), "220100", "310", "1", 1520.50m, ""),
        ("22010000000000000002", "王芳", "220104198807210227", "2", new(1988, 7, 21), "220100", "390", "1", 0m, ""),
        ("22020000000000000003", "李娜", "220202196201050349", "2", new(1962, 1, 5), "220200", "310", "1", 86.20m, ""),
        ("22240000000000000004", "金明哲", "222401199909300454", "1", new(1999, 9, 30), "222400", "390", "1", 0m, ""),
        ("22070000000000000005", "刘洋", "220702197011180531", "1", new(1970, 11, 18), "220700", "310", "2", 300.00m, ""),
        ("22010000000000000006", "孙丽", "220103198405160523", "2", new(1984, 5, 16), "220100", "390", "1", 0m, ""),
        ("22010000000000000007", "陈刚", "220105196609090612", "1", new(1966, 9, 9), "220100", "310", "1", 800.00m, ""),
        ("22010000000000000008", "赵敏", "220106197212040749", "2", new(1972, 12, 4), "220100", "390", "1", 0m, "2"),
    ];

    private static readonly PolicyBase[] PolicyBases =
    [
        new("310", "inpatient", 1, 200, "per_visit", 77, 150000),
        new("310", "emergency_outpatient", 1, 200, "per_year", 75, 150000),
        new("310", "inpatient", 2, 400, "per_visit", 73, 150000),
        new("310", "emergency_outpatient", 2, 200, "per_year", 70, 150000),
        new("310", "inpatient", 3, 800, "per_visit", 70, 150000),
        new("310", "emergency_outpatient", 3, 200, "per_year", 65, 150000),
        new("390", "inpatient", 1, 100, "per_visit", 70, 120000),
        new("390", "emergency_outpatient", 1, 100, "per_year", 50, 120000),
        new("390", "inpatient", 2, 300, "per_visit", 60, 120000),
        new("390", "emergency_outpatient", 2, 100, "per_year", 50, 120000),
        new("390", "inpatient", 3, 600, "per_visit", 50, 120000),
        new("390", "emergency_outpatient", 3, 100, "per_year", 50, 120000),
    ];

    private static readonly string[] Surnames =
    [
        "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林", "罗",
        "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田", "董", "袁", "潘", "于", "蒋", "蔡",
        "余", "杜", "叶", "程", "苏", "魏", "吕", "丁", "任", "沈", "姚", "卢", "姜", "崔", "钟", "谭", "陆", "汪", "范", "金",
        "石", "廖", "贾", "夏", "韦", "付", "方", "白", "邹", "孟", "熊", "秦", "邱", "江", "尹", "薛", "闫", "段", "雷", "侯",
        "龙", "史", "陶", "黎", "贺", "顾", "毛", "郝", "龚", "邵", "万", "钱", "严", "覃", "武", "戴", "莫", "孔", "向", "常",
    ];

    private static readonly string[] MaleNameCharacters =
    [
        "伟", "强", "磊", "军", "勇", "杰", "涛", "斌", "超", "明", "刚", "平", "辉", "鹏", "华", "飞", "鑫", "波", "宇", "浩",
        "凯", "健", "俊", "帆", "帅", "旭", "宁", "龙", "林", "阳", "博", "文", "志", "国", "建", "海", "东", "峰", "成", "亮",
        "振", "德", "庆", "春", "立", "永", "长", "福", "生", "广", "新", "铁", "金", "宏", "晨", "子", "轩", "睿", "泽", "恒",
    ];

    private static readonly string[] FemaleNameCharacters =
    [
        "芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "燕", "玲", "桂", "英", "秀", "兰", "梅", "琳", "婷", "雪", "慧", "颖",
        "倩", "佳", "欣", "悦", "萍", "红", "玉", "洁", "晶", "凤", "淑", "珍", "华", "丹", "莉", "宁", "妍", "琪", "涵", "思",
        "雨", "璐", "月", "春", "云", "彤", "瑶", "怡", "晓", "文", "美", "秋", "荣", "爱", "亚", "子", "梦", "诗", "可", "欢",
    ];

    private static readonly string[] KoreanSurnames = ["金", "李", "朴", "崔", "郑", "姜", "韩", "全", "玄", "俞"];

    private static readonly string[] KoreanMaleNames = ["明哲", "成浩", "永哲", "光日", "哲洙", "英洙", "东哲", "昌浩", "龙范", "俊植", "世勋", "相宇"];

    private static readonly string[] KoreanFemaleNames = ["春花", "英姬", "美兰", "顺姬", "贞淑", "美玉", "京花", "惠善", "秀贤", "玉子", "恩静", "海燕"];

    /// <summary>Writes a complete reference-data bundle for a demo province into <paramref name="directory"/> (created if missing):
    /// regions.csv, hospitals.csv, catalogue.csv, persons.csv, policies.json and supplements.json. Deterministic for a given seed.</summary>
    public static void WriteBundle(string directory, int persons = 3000, int seed = 2026)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentOutOfRangeException.ThrowIfNegative(persons);
        Directory.CreateDirectory(directory);
        var random = new Random(seed);

        WriteCsv(Path.Combine(directory, "regions.csv"), "admdvs,name",
            Regions.Select(r => new[] { r.Admdvs, r.Name }));
        WriteCsv(Path.Combine(directory, "hospitals.csv"), "fixmedins_code,fixmedins_name,admdvs,hosp_lv,cross_region_enabled",
            AllHospitals().Select(h => new[] { h.Code, h.Name, h.Admdvs, Text(h.Level), h.CrossRegion ? "1" : "0" }));
        WriteCsv(Path.Combine(directory, "catalogue.csv"), "med_list_codg,med_list_name,list_type,med_chrgitm_type,chrgitm_lv,selfpay_prop,pric_uplmt_amt",
            Catalogue(random).Select(CatalogueFields));
        WriteCsv(Path.Combine(directory, "persons.csv"), "psn_no,psn_name,certno,gend,brdy,insuplc_admdvs,insutype,psn_insu_stas,acct_balc,assistance_type",
            People(random, persons).Select(PersonFields));
        WritePolicies(Path.Combine(directory, "policies.json"), Policies());
        WriteSupplements(Path.Combine(directory, "supplements.json"), Supplements());
    }

    private static IEnumerable<Hospital> AllHospitals()
    {
        var nextSequence = new Dictionary<string, int>();
        foreach (var hospital in SampleHospitals)
        {
            var sequence = int.Parse(hospital.Code.AsSpan(7), CultureInfo.InvariantCulture);
            nextSequence[hospital.Admdvs] = Math.Max(nextSequence.GetValueOrDefault(hospital.Admdvs), sequence);
            yield return hospital;
        }

        foreach (var seed in HospitalSeeds)
        {
            var sequence = nextSequence[seed.Admdvs] = nextSequence.GetValueOrDefault(seed.Admdvs) + 1;
            yield return new Hospital($"H{seed.Admdvs}{Text(sequence, "D5")}", seed.Name, seed.Admdvs, seed.Level, seed.CrossRegion);
        }
    }

    private static List<Item> Catalogue(Random random)
    {
        var items = new List<Item>(SampleCatalogue);
        decimal SelfPay(int level) => level == B ? SelfPayChoices[random.Next(SelfPayChoices.Length)] : 0m;

        for (var i = 0; i < WesternDrugs.Length; i++)
        {
            var (name, atc, level) = WesternDrugs[i];
            var code = $"X{atc}A{Text(100 + i, "D3")}{DosageForm(name)}{Text(10_300_000 + i * 137, "D9")}";
            items.Add(new Item(code, name, "101", "09", level, SelfPay(level), null));
        }

        for (var i = 0; i < PatentDrugs.Length; i++)
        {
            var (name, category, level) = PatentDrugs[i];
            var code = $"Z{category}D{Text(100 + i, "D4")}{Text(10_300_000 + i * 149, "D9")}";
            items.Add(new Item(code, name, "101", "11", level, SelfPay(level), null));
        }

        for (var i = 0; i < Herbs.Length; i++)
        {
            var (name, level) = Herbs[i];
            items.Add(new Item($"T{Text(1_000_100 + i * 100, "D9")}", name, "102", "10", level, SelfPay(level), null));
        }

        foreach (var s in Services)
            items.Add(new Item(s.Code, s.Name, "201", s.ChargeType, s.Level, SelfPay(s.Level), s.Ceiling));
        foreach (var s in Consumables)
            items.Add(new Item(s.Code, s.Name, "301", s.ChargeType, s.Level, SelfPay(s.Level), s.Ceiling));

        var codes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in items)
            if (!codes.Add(item.Code))
                throw new InvalidOperationException($"Duplicate catalogue code {item.Code}.");
        return items;
    }

    private static string DosageForm(string name) =>
        InjectableMarkers.Any(marker => name.Contains(marker, StringComparison.Ordinal)) ? "B001"
        : name.Contains("吸入", StringComparison.Ordinal) ? "L001"
        : name.Contains("胶囊", StringComparison.Ordinal) ? "C001"
        : name.Contains('片') ? "A001"
        : "D001";

    private static IEnumerable<Person> People(Random random, int count)
    {
        var certnos = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in SamplePersons)
        {
            certnos.Add(p.Certno);
            yield return new Person(p.PsnNo, p.Name, p.Certno, p.Gend, p.Birthday, p.Admdvs, p.Insutype, p.Status, p.Balance, p.AssistanceType);
        }

        var totalWeight = Regions.Sum(r => r.Weight);
        for (var i = 0; i < count; i++)
        {
            var region = i < Regions.Length ? Regions[i] : PickRegion(random, totalWeight);
            var male = random.Next(2) == 0;
            var insutype = random.Next(100) < 45 ? "310" : "390";
            var birthday = insutype == "310" ? RandomDate(random, 1950, 2004) : RandomDate(random, 1940, 2020);
            var roll = random.Next(100);
            var status = roll < 95 ? "1" : roll < 98 ? "2" : "4";
            var balance = insutype == "310" ? Math.Round((decimal)Math.Pow(random.NextDouble(), 2) * 8000m, 2) : 0m;
            var name = PersonName(random, region, male);
            var certno = NewCertno(random, region, birthday, male, certnos);
            var psnNo = region.Admdvs + Text(100_001 + i, "D14");
            // 医疗救助: a few per cent of residents, most of them 低保 (1 特困人员 1 %, 2 低保对象 3 %, 3 返贫致贫/监测对象 1 %)
            var assistance = insutype != "390" ? "" : random.Next(100) switch { 0 => "1", < 4 => "2", 4 => "3", _ => "" };
            yield return new Person(psnNo, name, certno, male ? "1" : "2", birthday, region.Admdvs, insutype, status, balance, assistance);
        }
    }

    private static Region PickRegion(Random random, int totalWeight)
    {
        var roll = random.Next(totalWeight);
        foreach (var region in Regions)
        {
            if (roll < region.Weight) return region;
            roll -= region.Weight;
        }
        return Regions[0];
    }

    private static DateOnly RandomDate(Random random, int fromYear, int toYear)
    {
        var first = new DateOnly(fromYear, 1, 1);
        var days = new DateOnly(toYear, 12, 31).DayNumber - first.DayNumber + 1;
        return first.AddDays(random.Next(days));
    }

    private static string PersonName(Random random, Region region, bool male)
    {
        if (region.Admdvs == "222400" && random.Next(100) < 30)
            return Pick(random, KoreanSurnames) + Pick(random, male ? KoreanMaleNames : KoreanFemaleNames);

        var surname = random.Next(100) < 40 ? Surnames[random.Next(CommonSurnameCount)] : Surnames[random.Next(CommonSurnameCount, Surnames.Length)];
        var characters = male ? MaleNameCharacters : FemaleNameCharacters;
        var given = Pick(random, characters);
        if (random.Next(100) < 60)
        {
            var second = Pick(random, characters);
            if (second != given || random.Next(4) == 0) given += second;
        }
        return surname + given;
    }

    private static string NewCertno(Random random, Region region, DateOnly birthday, bool male, HashSet<string> taken)
    {
        var county = Pick(random, region.Counties);
        var date = birthday.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        Span<char> first17 = stackalloc char[17];
        while (true)
        {
            var sequence = random.Next(500) * 2 + (male ? 1 : 0);
            var prefix = county + date + Text(sequence, "D3");
            prefix.AsSpan().CopyTo(first17);
            var certno = prefix + IdentityNumber.CheckCharacter(first17);
            if (taken.Add(certno)) return certno;
        }
    }

    private static IEnumerable<PolicyRow> Policies()
    {
        foreach (var region in Regions)
            foreach (var p in PolicyBases)
                yield return new PolicyRow(region.Admdvs, p.Insutype, p.Category, p.Level, CurrentPolicyDate,
                    p.Deductible, p.Basis, p.RatioPercent + region.RatioBonus, p.AnnualCap);

        foreach (var region in Regions)
            foreach (var p in PolicyBases)
                yield return new PolicyRow(region.Admdvs, p.Insutype, p.Category, p.Level, PreviousPolicyDate,
                    p.Category == "inpatient" ? p.Deductible + 100 : p.Deductible, p.Basis,
                    p.RatioPercent + region.RatioBonus - 2, p.AnnualCap - 20000);
    }

    private static string[] CatalogueFields(Item item) =>
    [
        item.Code, item.Name, item.ListType, item.ChargeType, $"0{Text(item.Level)}",
        item.Level == B ? Money(item.SelfPay) : "",
        item.Ceiling is { } ceiling ? Money(ceiling) : "",
    ];

    private static string[] PersonFields(Person p) =>
    [
        p.PsnNo, p.Name, p.Certno, p.Gend, p.Birthday.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        p.Admdvs, p.Insutype, p.Status, p.Insutype == "310" ? Money(p.Balance) : "0", p.AssistanceType,
    ];

    private sealed record SupplementRow(string Admdvs, string Fund, string Key, DateOnly From, int Threshold, (int? Upto, int RatioPercent)[] Bands, int AnnualCap);

    /// <summary>
    /// Every region's supplementary funds, Jilin-like: residents' 大病 from about 15,000 in rising bands, employees' 大额 on
    /// what the basic cap leaves, 医疗救助 for the three assistance classes; 2026's rows, and 2025's a little meaner.
    /// </summary>
    private static IEnumerable<SupplementRow> Supplements()
    {
        foreach (var region in Regions)
            foreach (var (from, less) in new[] { (CurrentPolicyDate, 0), (PreviousPolicyDate, 5) })
            {
                var threshold = 15000 - region.RatioBonus * 1000 + less * 200;
                yield return new SupplementRow(region.Admdvs, "hifmi", "390", from, threshold,
                    [(50000, 60 - less), (100000, 70 - less), (null, 80 - less)], 300000 - less * 10000);
                yield return new SupplementRow(region.Admdvs, "hifob", "310", from, 0, [(null, 90 - less)], 400000 - less * 10000);
                yield return new SupplementRow(region.Admdvs, "maf", "1", from, 0, [(null, 90 - less)], 50000);
                yield return new SupplementRow(region.Admdvs, "maf", "2", from, 1000, [(null, 70 - less)], 30000);
                yield return new SupplementRow(region.Admdvs, "maf", "3", from, 5000, [(null, 60 - less)], 20000);
            }
    }

    private static void WriteSupplements(string path, IEnumerable<SupplementRow> rows)
    {
        using var stream = File.Create(path);
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, NewLine = "\n", Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        json.WriteStartArray();
        foreach (var r in rows)
        {
            json.WriteStartObject();
            json.WriteString("insuplc_admdvs", r.Admdvs);
            json.WriteString("fund", r.Fund);
            json.WriteString(r.Fund == "maf" ? "assistance_type" : "insutype", r.Key);
            json.WriteString("effective_from", r.From.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            json.WriteNumber("threshold", r.Threshold);
            json.WriteStartArray("bands");
            foreach (var (upto, ratio) in r.Bands)
            {
                json.WriteStartObject();
                if (upto is { } u) json.WriteNumber("upto", u); else json.WriteNull("upto");
                json.WriteNumber("ratio", ratio / 100m);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteNumber("annual_cap", r.AnnualCap);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.Flush();
        stream.WriteByte((byte)'\n');
    }

    private static void WritePolicies(string path, IEnumerable<PolicyRow> policies)
    {
        using var stream = File.Create(path);
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions
        {
            Indented = true,
            NewLine = "\n",
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        });
        json.WriteStartArray();
        foreach (var p in policies)
        {
            json.WriteStartObject();
            json.WriteString("insuplc_admdvs", p.Admdvs);
            json.WriteString("insutype", p.Insutype);
            json.WriteString("category", p.Category);
            json.WriteNumber("hosp_lv", p.Level);
            json.WriteString("effective_from", p.From.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            json.WriteNumber("deductible", p.Deductible);
            json.WriteString("deductible_basis", p.Basis);
            json.WriteNumber("ratio", p.RatioPercent / 100.0);
            json.WriteNumber("annual_cap", p.AnnualCap);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.Flush();
        stream.WriteByte((byte)'\n');
    }

    private static void WriteCsv(string path, string header, IEnumerable<string[]> rows)
    {
        using var writer = new StreamWriter(path, append: false, Utf8, bufferSize: 1 << 16);
        writer.Write(header);
        writer.Write('\n');
        foreach (var row in rows)
        {
            for (var i = 0; i < row.Length; i++)
            {
                if (i > 0) writer.Write(',');
                writer.Write(Quoted(row[i]));
            }
            writer.Write('\n');
        }
    }

    private static string Quoted(string field) =>
        field.AsSpan().IndexOfAny(NeedsQuoting) < 0 ? field : "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static T Pick<T>(Random random, T[] values) => values[random.Next(values.Length)];

    private static string Money(decimal amount) => amount.ToString("0.00", CultureInfo.InvariantCulture);

    private static string Text(int value, string format = "0") => value.ToString(format, CultureInfo.InvariantCulture);
}
