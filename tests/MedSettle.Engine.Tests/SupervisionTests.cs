namespace MedSettle.Engine.Tests;

/// <summary>Fund supervision (issue 22, docs/SUPERVISION.md): for each rule a planted case and the clean near-miss beside it.</summary>
public class SupervisionTests
{
    private static readonly Patient Man = new(Sex.Male, new DateOnly(1975, 3, 12));
    private static readonly Patient Woman = new(Sex.Female, new DateOnly(1988, 7, 21));
    private static readonly DateOnly Admitted = new(2026, 4, 1);

    private static DateTime At(int day, int hour = 9, int month = 4) => new(2026, month, day, hour, 0, 0);

    private static SupervisedLine Line(string sn, string code, string name, DateTime at, decimal count = 1m, decimal price = 10m,
        ItemLimits? limits = null, string type = "05", string? refundOf = null) =>
        new(sn, code, name, type, at, count, Money.Round(price * count), limits ?? ItemLimits.None, refundOf);

    private static SupervisedLine Bed(string sn, DateTime at, decimal count = 1m, string code = "110900001", string name = "普通病房床位费", string? group = null) =>
        Line(sn, code, name, at, count, 40m, new ItemLimits(ExclusionGroup: group), type: "01");

    private static SupervisedLine Drip(string sn, DateTime at) => Line(sn, "120400001", "静脉输液", at, price: 18m);

    private static SupervisedVisit Admission(DateOnly? discharged = null, Patient? patient = null) =>
        new("M1", CareCategory.Inpatient, Admitted, discharged, patient ?? Man);

    /// <summary>A rules.json row that leaves everything out: the rule's default severity and parameters.</summary>
    private static RuleVersion Rule(SupervisionRule rule) => RuleVersion.Default(rule) with { Severity = rule.DefaultSeverity() };

    private static RuleVersion With(SupervisionRule rule, string param, decimal value) =>
        Rule(rule) with { Params = new Dictionary<string, decimal>(Rule(rule).Params) { [param] = value } };

    [Fact]
    public void Each_rule_has_its_code_its_chinese_name_and_its_default_severity()
    {
        Assert.Equal(["R01", "R02", "R03", "R04", "R05", "R06", "R07", "R08", "R09", "R10"], SupervisionRules.All.Select(r => r.Code()));
        Assert.Equal("限性别 限年龄 单日限量 重复收费 互斥项目 超住院天数 分解住院 频繁备案 异常高额 挂床住院",
            string.Join(" ", SupervisionRules.All.Select(r => r.ChineseName())));
        Assert.All(SupervisionRules.All.Take(6), r => Assert.Equal(RuleSeverity.Block, r.DefaultSeverity()));
        Assert.All(SupervisionRules.All.Skip(6), r => Assert.Equal(RuleSeverity.Warn, r.DefaultSeverity()));
        // a rule no rules.json configures flags and never refuses, whatever its default severity
        Assert.All(SupervisionRules.All, r => Assert.Equal(RuleSeverity.Warn, RuleVersion.Default(r).Severity));
        Assert.True(SupervisionRules.TryParse("R07", out var r07));
        Assert.Equal(SupervisionRule.R07, r07);
        Assert.False(SupervisionRules.TryParse("R11", out _));
        Assert.False(SupervisionRules.TryParse("r07", out _));
        Assert.Equal(15m, Rule(SupervisionRule.R07).Param("within_days"));
        Assert.Equal((3m, 30m), (Rule(SupervisionRule.R08).Param("filings"), Rule(SupervisionRule.R08).Param("within_days")));
        Assert.Equal((3m, 20m, 365m), (Rule(SupervisionRule.R09).Param("multiple"), Rule(SupervisionRule.R09).Param("min_cases"), Rule(SupervisionRule.R09).Param("lookback_days")));
        Assert.Equal(3m, Rule(SupervisionRule.R10).Param("bed_only_days"));
    }

    [Fact]
    public void The_version_in_force_is_the_latest_on_or_before_the_day_and_a_rule_without_one_takes_its_defaults()
    {
        RuleVersion[] versions =
        [
            new(SupervisionRule.R07, new DateOnly(2026, 1, 1), true, RuleSeverity.Warn, new Dictionary<string, decimal> { ["within_days"] = 10m }),
            new(SupervisionRule.R07, new DateOnly(2026, 7, 1), true, RuleSeverity.Block, new Dictionary<string, decimal> { ["within_days"] = 30m }),
            new(SupervisionRule.R04, new DateOnly(2026, 3, 1), false, RuleSeverity.Block, new Dictionary<string, decimal>()),
        ];

        Assert.Equal(10m, RuleSet.InForce(versions, new DateOnly(2026, 6, 30))[SupervisionRule.R07].Param("within_days"));
        Assert.Equal(RuleSeverity.Block, RuleSet.InForce(versions, new DateOnly(2026, 7, 1))[SupervisionRule.R07].Severity);
        Assert.Equal(15m, RuleSet.InForce(versions, new DateOnly(2025, 12, 31))[SupervisionRule.R07].Param("within_days"));
        Assert.False(RuleSet.InForce(versions, new DateOnly(2026, 3, 1))[SupervisionRule.R04].Enabled);
        Assert.True(RuleSet.InForce(versions, new DateOnly(2026, 2, 28))[SupervisionRule.R04].Enabled);
        Assert.Equal(RuleSeverity.Warn, RuleSet.InForce(versions, new DateOnly(2026, 2, 28))[SupervisionRule.R01].Severity); // unconfigured: flags only
    }

    // R01 限性别

    [Fact]
    public void R01_an_item_for_women_charged_for_a_man_is_blocked_with_the_line_named()
    {
        var icu = Line("3", "311300001", "重症监护", At(2), limits: new ItemLimits(Sex: Sex.Female));

        var found = Assert.Single(Supervision.SexLimit(Rule(SupervisionRule.R01), Man, [Drip("1", At(2)), icu]));

        Assert.Equal(("R01", "限性别", RuleSeverity.Block), (found.Code, found.Name, found.Severity));
        Assert.Equal("明细 3：重症监护 限女性使用，患者为男性", found.Message);
        Assert.Equal(["3"], found.Lines);
    }

    [Fact]
    public void R01_passes_the_sex_the_item_is_for_and_a_person_whose_sex_is_not_known()
    {
        var forWomen = Line("3", "311300001", "重症监护", At(2), limits: new ItemLimits(Sex: Sex.Female));

        Assert.Empty(Supervision.SexLimit(Rule(SupervisionRule.R01), Woman, [forWomen]));
        Assert.Empty(Supervision.SexLimit(Rule(SupervisionRule.R01), Man with { Sex = Sexes.FromGend("9") }, [forWomen]));
        Assert.Empty(Supervision.SexLimit(Rule(SupervisionRule.R01) with { Enabled = false }, Man, [forWomen]));
    }

    // R02 限年龄

    [Fact]
    public void R02_an_adult_item_charged_the_day_before_the_18th_birthday_is_found_and_on_the_birthday_passes()
    {
        var teen = new Patient(Sex.Female, new DateOnly(2008, 4, 3));
        var adult = new ItemLimits(MinAge: 18);

        var found = Assert.Single(Supervision.AgeLimit(Rule(SupervisionRule.R02), teen, [Line("5", "X1", "成人用药", At(2), limits: adult)]));
        Assert.Equal("明细 5：成人用药 限18岁及以上使用，患者收费当日（2026-04-02）17岁", found.Message);
        Assert.Equal((17m, 18m), (found.Found, found.Limit));

        Assert.Empty(Supervision.AgeLimit(Rule(SupervisionRule.R02), teen, [Line("5", "X1", "成人用药", At(3), limits: adult)]));
    }

    [Fact]
    public void R02_a_child_item_passes_at_the_maximum_age_and_is_found_a_year_later()
    {
        var child = new Patient(Sex.Male, new DateOnly(2011, 4, 2));
        var paediatric = new ItemLimits(MinAge: 0, MaxAge: 14);

        Assert.Empty(Supervision.AgeLimit(Rule(SupervisionRule.R02), child, [Line("1", "X2", "小儿推拿", At(1), limits: paediatric)]));
        var found = Assert.Single(Supervision.AgeLimit(Rule(SupervisionRule.R02), child, [Line("1", "X2", "小儿推拿", At(2), limits: paediatric)]));
        Assert.Equal("明细 1：小儿推拿 限0–14岁使用，患者收费当日（2026-04-02）15岁", found.Message);
    }

    // R03 单日限量

    [Fact]
    public void R03_exactly_the_daily_limit_passes_and_one_unit_more_on_the_same_day_is_found()
    {
        var limit = new ItemLimits(DailyCount: 24m);
        SupervisedLine Monitoring(string sn, DateTime at, decimal count) => Line(sn, "311201001", "急诊监护", at, count, 60m, limit);

        Assert.Empty(Supervision.DailyLimit(Rule(SupervisionRule.R03), [Monitoring("1", At(2, 8), 12m), Monitoring("2", At(2, 20), 12m)]));
        // the same 25 units over two days
        Assert.Empty(Supervision.DailyLimit(Rule(SupervisionRule.R03), [Monitoring("1", At(2, 8), 13m), Monitoring("2", At(3, 8), 12m)]));

        var found = Assert.Single(Supervision.DailyLimit(Rule(SupervisionRule.R03), [Monitoring("1", At(2, 8), 12m), Monitoring("2", At(2, 20), 13m)]));
        Assert.Equal("明细 1、2：急诊监护 2026-04-02 数量合计 25，超过单日限量 24", found.Message);
        Assert.Equal((25m, 24m, new DateOnly(2026, 4, 2)), (found.Found, found.Limit, found.Day));
    }

    // R04 重复收费

    [Fact]
    public void R04_the_same_item_time_and_amount_twice_is_found()
    {
        var ct = Line("3", "210102001", "CT平扫", At(2, 10), price: 240m);

        var found = Assert.Single(Supervision.DuplicateCharges(Rule(SupervisionRule.R04), [ct, Drip("4", At(2, 10)), ct with { FeedetlSn = "7" }]));

        Assert.Equal("明细 3、7：CT平扫 同一时间（2026-04-02 10:00:00）同一金额（240.00 元）收费 2 次，疑似重复收费", found.Message);
        Assert.Equal(["3", "7"], found.Lines);
    }

    [Fact]
    public void R04_another_time_another_amount_or_a_refunded_copy_is_no_duplicate()
    {
        var ct = Line("3", "210102001", "CT平扫", At(2, 10), price: 240m);

        Assert.Empty(Supervision.DuplicateCharges(Rule(SupervisionRule.R04), [ct, ct with { FeedetlSn = "7", OccurredAt = At(2, 11) }]));
        Assert.Empty(Supervision.DuplicateCharges(Rule(SupervisionRule.R04), [ct, ct with { FeedetlSn = "7", Count = 2m, Amount = 480m }]));
        var refund = ct with { FeedetlSn = "8", Count = -1m, Amount = -240m, RefundOf = "7" };
        Assert.Empty(Supervision.CheckVisit(Admission(), [ct, ct with { FeedetlSn = "7" }, refund], RuleSet.Defaults, Admitted));
    }

    // R05 互斥项目

    [Fact]
    public void R05_a_general_bed_and_an_icu_bed_on_the_same_day_are_found_and_on_following_days_pass()
    {
        var general = Bed("1", At(2, 8), group: "床位");
        var icu = Line("2", "110900002", "重症监护病房床位费", At(2, 20), price: 200m, limits: new ItemLimits(ExclusionGroup: "床位"), type: "01");

        var found = Assert.Single(Supervision.ExclusiveItems(Rule(SupervisionRule.R05), [general, icu]));
        Assert.Equal("明细 1、2：普通病房床位费 与 重症监护病房床位费 同属互斥组“床位”，不得于同日（2026-04-02）同时收费", found.Message);

        Assert.Empty(Supervision.ExclusiveItems(Rule(SupervisionRule.R05), [general, icu with { OccurredAt = At(3, 8) }]));
        Assert.Empty(Supervision.ExclusiveItems(Rule(SupervisionRule.R05), [general, general with { FeedetlSn = "3", OccurredAt = At(2, 21) }]));
    }

    // R06 超住院天数

    [Fact]
    public void R06_a_three_day_stay_may_charge_three_bed_days_and_not_four()
    {
        var discharged = Admission(new DateOnly(2026, 4, 3));

        Assert.Empty(Supervision.BedDaysBeyondStay(Rule(SupervisionRule.R06), discharged, [Bed("1", At(1)), Bed("2", At(2)), Bed("3", At(3))], Admitted));

        var found = Assert.Single(Supervision.BedDaysBeyondStay(Rule(SupervisionRule.R06), discharged,
            [Bed("1", At(1)), Bed("2", At(2), count: 2m), Bed("3", At(3)), Drip("4", At(2))], Admitted));
        Assert.Equal("明细 1、2、3：床位费共 4 日，超过住院天数 3 日（入院 2026-04-01，出院 2026-04-03）", found.Message);
        Assert.Equal((4m, 3m), (found.Found, found.Limit));
    }

    [Fact]
    public void R06_an_open_admission_is_counted_to_the_settlement_day_and_an_outpatient_visit_is_not_checked()
    {
        SupervisedLine[] lines = [Bed("1", At(1)), Bed("2", At(2)), Bed("3", At(3))];

        Assert.Empty(Supervision.BedDaysBeyondStay(Rule(SupervisionRule.R06), Admission(), lines, new DateOnly(2026, 4, 3)));
        var found = Assert.Single(Supervision.BedDaysBeyondStay(Rule(SupervisionRule.R06), Admission(), lines, new DateOnly(2026, 4, 2)));
        Assert.EndsWith("（入院 2026-04-01，至 2026-04-02 未出院）", found.Message);

        var outpatient = Admission() with { Category = CareCategory.EmergencyOutpatient };
        Assert.Empty(Supervision.BedDaysBeyondStay(Rule(SupervisionRule.R06), outpatient, lines, Admitted));
    }

    // R07 分解住院

    [Fact]
    public void R07_a_readmission_at_the_same_hospital_on_the_15th_day_after_discharge_is_found_and_on_the_16th_passes()
    {
        var first = new Admission("M1", "H22020000001", new DateOnly(2026, 4, 20), new DateOnly(2026, 5, 1));

        var found = Assert.Single(Supervision.Readmission(Rule(SupervisionRule.R07),
            new Admission("M2", "H22020000001", new DateOnly(2026, 5, 16), null), [first]));
        Assert.Equal("入院 2026-05-16 距同院上次出院 2026-05-01（就诊 M1）15 日，在 15 日内，疑似分解住院", found.Message);
        Assert.Equal(["M1"], found.Related);
        Assert.Equal(RuleSeverity.Warn, found.Severity);

        Assert.Empty(Supervision.Readmission(Rule(SupervisionRule.R07), new Admission("M2", "H22020000001", new DateOnly(2026, 5, 17), null), [first]));
        Assert.Empty(Supervision.Readmission(Rule(SupervisionRule.R07), new Admission("M2", "H22240000001", new DateOnly(2026, 5, 2), null), [first]));
        Assert.Empty(Supervision.Readmission(Rule(SupervisionRule.R07), first, [first]));
    }

    [Fact]
    public void R07_is_measured_from_the_latest_discharge_and_with_the_days_the_version_sets()
    {
        Admission[] earlier =
        [
            new("M1", "H1", new DateOnly(2026, 1, 1), new DateOnly(2026, 1, 5)),
            new("M2", "H1", new DateOnly(2026, 3, 1), new DateOnly(2026, 3, 10)),
            new("M3", "H1", new DateOnly(2026, 3, 12), null),
        ];
        var again = new Admission("M4", "H1", new DateOnly(2026, 3, 30), null);

        Assert.Empty(Supervision.Readmission(Rule(SupervisionRule.R07), again, earlier));
        Assert.Equal(["M2"], Assert.Single(Supervision.Readmission(With(SupervisionRule.R07, "within_days", 20m), again, earlier)).Related);
    }

    // R08 频繁备案

    [Fact]
    public void R08_three_filings_in_thirty_days_are_found_and_three_spread_over_thirty_one_pass()
    {
        FilingRecord[] filings = [new("F1", new DateOnly(2026, 4, 1)), new("F2", new DateOnly(2026, 4, 15)), new("F3", new DateOnly(2026, 4, 30))];

        var found = Assert.Single(Supervision.FrequentFilings(Rule(SupervisionRule.R08), filings, new DateOnly(2026, 4, 30)));
        Assert.Equal("2026-04-01 至 2026-04-30 的 30 日内备案 3 次，达到 3 次，疑似频繁备案（备案 F1、F2、F3）", found.Message);
        Assert.Equal(["F1", "F2", "F3"], found.Related);

        filings[0] = new("F1", new DateOnly(2026, 3, 31));
        Assert.Empty(Supervision.FrequentFilings(Rule(SupervisionRule.R08), filings, new DateOnly(2026, 4, 30)));
        Assert.Empty(Supervision.FrequentFilings(Rule(SupervisionRule.R08), filings.Take(2), new DateOnly(2026, 4, 30)));
    }

    // R09 异常高额

    private static List<SettledBill> Peers(int count, string dise = "J18.9", DateOnly? day = null) =>
        Enumerable.Range(1, count).Select(i => new SettledBill($"S{i}", dise, day ?? new DateOnly(2026, 3, 1), 500m + 50m * i)).ToList();

    [Fact]
    public void R09_a_bill_above_three_times_the_median_of_twenty_peers_is_found_and_exactly_three_times_passes()
    {
        var peers = Peers(20); // 550 … 1500: median (1000 + 1050) / 2 = 1025, three times 3075
        var day = new DateOnly(2026, 4, 2);

        var found = Assert.Single(Supervision.UnusuallyHighBill(Rule(SupervisionRule.R09), new SettledBill("X", "J18.0", day, 3075.01m), peers));
        Assert.Equal("本次结算医疗费用 3075.01 元，超过同主诊断（J18）近 365 日 20 例结算中位数 1025.00 元的 3 倍（3075.00 元），请核实", found.Message);
        Assert.Equal((3075.01m, 3075.00m), (found.Found, found.Limit));

        Assert.Empty(Supervision.UnusuallyHighBill(Rule(SupervisionRule.R09), new SettledBill("X", "J18.0", day, 3075.00m), peers));
    }

    [Fact]
    public void R09_needs_enough_peers_of_the_same_diagnosis_within_the_lookback()
    {
        var day = new DateOnly(2026, 4, 2);
        var bill = new SettledBill("X", "J18.9", day, 90000m);

        Assert.Empty(Supervision.UnusuallyHighBill(Rule(SupervisionRule.R09), bill, Peers(19)));
        Assert.Empty(Supervision.UnusuallyHighBill(Rule(SupervisionRule.R09), bill, Peers(20, dise: "J15.9")));
        Assert.Empty(Supervision.UnusuallyHighBill(Rule(SupervisionRule.R09), bill, Peers(20, day: day.AddDays(-365))));
        Assert.Single(Supervision.UnusuallyHighBill(Rule(SupervisionRule.R09), bill, Peers(20, day: day.AddDays(-364))));
        // the bill itself is no peer of its own
        Assert.Empty(Supervision.UnusuallyHighBill(Rule(SupervisionRule.R09), bill, [.. Peers(19), bill]));
    }

    // R10 挂床住院

    [Fact]
    public void R10_three_days_charging_only_the_bed_are_found_and_two_pass()
    {
        SupervisedLine[] lines = [Bed("1", At(1)), Drip("2", At(1)), Bed("3", At(2)), Bed("4", At(3)), Bed("5", At(4))];

        var found = Assert.Single(Supervision.BedOnlyDays(Rule(SupervisionRule.R10), Admission(), lines));
        Assert.Equal("明细 3、4、5：住院期间 3 日仅收取床位费（2026-04-02、2026-04-03、2026-04-04），达到 3 日，疑似挂床住院", found.Message);
        Assert.Equal(RuleSeverity.Warn, found.Severity);

        Assert.Empty(Supervision.BedOnlyDays(Rule(SupervisionRule.R10), Admission(), [.. lines, Drip("6", At(3))]));
        Assert.Empty(Supervision.BedOnlyDays(Rule(SupervisionRule.R10), Admission() with { Category = CareCategory.EmergencyOutpatient }, lines));
    }

    // The whole visit

    [Fact]
    public void A_visit_lists_every_violation_in_rule_order_with_the_severity_its_version_sets()
    {
        var forWomen = new ItemLimits(Sex: Sex.Female, DailyCount: 1m);
        SupervisedLine[] lines =
        [
            Line("1", "311300001", "重症监护", At(1, 10), count: 2m, limits: forWomen),
            Line("2", "210102001", "CT平扫", At(1, 11), price: 240m),
            Line("3", "210102001", "CT平扫", At(1, 11), price: 240m),
            Bed("4", At(2)), Bed("5", At(3)), Bed("6", At(4)), Bed("7", At(5)),
        ];
        RuleVersion[] versions = [new(SupervisionRule.R04, Admitted, true, RuleSeverity.Warn, new Dictionary<string, decimal>())];

        var found = Supervision.CheckVisit(Admission(new DateOnly(2026, 4, 3)), lines, RuleSet.InForce(versions, Admitted), Admitted);

        Assert.Equal(["R01", "R03", "R04", "R06", "R10"], found.Select(v => v.Code));
        Assert.Equal(RuleSeverity.Warn, found.Single(v => v.Code == "R04").Severity);
        Assert.Empty(Supervision.CheckVisit(Admission(new DateOnly(2026, 4, 5), Woman), lines.Skip(3).Take(2), RuleSet.Defaults, Admitted));
    }

    [Fact]
    public void Refunds_are_folded_into_the_line_they_offset_and_a_line_refunded_in_full_is_left_out()
    {
        var drug = Line("1", "XJ01", "头孢", At(2), count: 4m, price: 23.45m);
        var net = Supervision.Net([drug, drug with { FeedetlSn = "2", Count = -1m, Amount = -23.45m, RefundOf = "1" },
            Drip("3", At(2)), Drip("4", At(2)) with { Count = -1m, Amount = -18m, RefundOf = "3" }]);

        var left = Assert.Single(net);
        Assert.Equal(("1", 3m, 70.35m), (left.FeedetlSn, left.Count, left.Amount));
    }
}
