using MedSettle.Import;

namespace MedSettle.Web;

/// <summary>Diagnoses an emergency department files most often (ICD-10, Chinese names), for picking rather than typing blind.</summary>
public static class Icd10
{
    public static readonly (string Code, string Name)[] Common =
    [
        ("I21.0", "急性前壁心肌梗死"), ("I21.1", "急性下壁心肌梗死"), ("I21.9", "急性心肌梗死"), ("I20.0", "不稳定型心绞痛"), ("I46.9", "心脏骤停"),
        ("I48", "心房颤动和扑动"), ("I50.9", "心力衰竭"), ("I10", "特发性（原发性）高血压"), ("I16.1", "高血压急症"), ("I26.9", "肺栓塞"),
        ("I61.9", "脑内出血"), ("I60.9", "蛛网膜下腔出血"), ("I63.9", "脑梗死"), ("I64", "脑卒中"), ("G45.9", "短暂性脑缺血发作"),
        ("G40.9", "癫痫"), ("G41.9", "癫痫持续状态"), ("R56.8", "惊厥"), ("R40.2", "昏迷"), ("R55", "晕厥和虚脱"),
        ("J18.9", "肺炎"), ("J15.9", "细菌性肺炎"), ("J44.1", "慢性阻塞性肺病伴急性加重"), ("J45.9", "哮喘"), ("J46", "哮喘持续状态"),
        ("J96.0", "急性呼吸衰竭"), ("J93.9", "气胸"), ("J81", "肺水肿"), ("J06.9", "急性上呼吸道感染"), ("J20.9", "急性支气管炎"),
        ("K35.8", "急性阑尾炎"), ("K80.0", "胆囊结石伴急性胆囊炎"), ("K81.0", "急性胆囊炎"), ("K85.9", "急性胰腺炎"), ("K92.2", "胃肠出血"),
        ("K25.0", "急性胃溃疡伴出血"), ("K56.7", "肠梗阻"), ("K29.1", "急性胃炎"), ("A09", "感染性胃肠炎"), ("K40.3", "腹股沟疝伴梗阻"),
        ("N20.0", "肾结石"), ("N23", "肾绞痛"), ("N39.0", "泌尿道感染"), ("N17.9", "急性肾衰竭"), ("R33", "尿潴留"),
        ("E11.1", "2型糖尿病伴酮症酸中毒"), ("E16.2", "低血糖"), ("E87.1", "低钠血症"), ("E86", "脱水"), ("A41.9", "败血症"),
        ("R57.0", "心源性休克"), ("R57.1", "低血容量性休克"), ("T78.2", "过敏性休克"), ("T78.3", "血管神经性水肿"), ("L50.0", "过敏性荨麻疹"),
        ("S06.0", "脑震荡"), ("S06.5", "创伤性硬脑膜下出血"), ("S02.0", "颅骨穹窿骨折"), ("S12.9", "颈部骨折"), ("S22.3", "肋骨骨折"),
        ("S27.0", "创伤性气胸"), ("S32.0", "腰椎骨折"), ("S36.0", "脾损伤"), ("S36.1", "肝损伤"), ("S42.0", "锁骨骨折"),
        ("S52.5", "桡骨下端骨折"), ("S62.6", "手指骨折"), ("S72.0", "股骨颈骨折"), ("S72.3", "股骨干骨折"), ("S82.2", "胫骨干骨折"),
        ("S82.8", "小腿其他部位骨折"), ("S01.9", "头部开放性伤口"), ("S61.9", "腕和手开放性伤口"), ("S93.4", "踝关节扭伤"), ("T14.9", "多发伤"),
        ("T07", "多处损伤"), ("T20.2", "头颈部二度烧伤"), ("T30.0", "烧伤"), ("T59.7", "二氧化碳中毒"), ("T58", "一氧化碳中毒"),
        ("T40.2", "阿片类中毒"), ("T42.4", "苯二氮䓬类中毒"), ("T60.0", "有机磷农药中毒"), ("T51.0", "乙醇中毒"), ("T63.0", "蛇咬伤"),
        ("T67.0", "中暑"), ("T68", "体温过低"), ("T75.1", "溺水"), ("T75.4", "电击伤"), ("W19", "跌倒"),
        ("R07.4", "胸痛"), ("R10.4", "腹痛"), ("R50.9", "发热"), ("R51", "头痛"), ("R42", "头晕和眩晕"),
        ("R04.0", "鼻衄"), ("R04.2", "咯血"), ("R11", "恶心和呕吐"), ("O00.9", "异位妊娠"), ("O20.0", "先兆流产"),
        ("O72.1", "产后出血"), ("H66.9", "中耳炎"), ("H10.9", "结膜炎"), ("K08.8", "牙痛"), ("F10.0", "急性酒精中毒"),
    ];

    /// <summary>Each diagnosis's name in pinyin initials (心肌梗死 → XJGS), found like the catalogue's.</summary>
    private static readonly string[] Initials = Common.Select(d => PinyinInitials.Of(d.Name)).ToArray();

    /// <summary>A code by its start, a name or its pinyin initials anywhere in it; codes first.</summary>
    public static IEnumerable<(string Code, string Name)> Search(string? query, int limit = 15)
    {
        var q = query?.Trim() ?? "";
        if (q.Length == 0) return Common.Take(limit);
        var initials = q.ToUpperInvariant();
        return Common.Select((d, i) => (d, Rank: d.Code.StartsWith(q, StringComparison.OrdinalIgnoreCase) ? 0
                : d.Name.Contains(q, StringComparison.Ordinal) ? 1
                : Initials[i].Contains(initials, StringComparison.Ordinal) ? 2 : -1))
            .Where(m => m.Rank >= 0).OrderBy(m => m.Rank).Select(m => m.d).Take(limit);
    }
}
