using System.Globalization;
using MedSettle.Engine;

namespace MedSettle.Transactions;

/// <summary>
/// The lists the catalogue downloads (1301–1311, 1313–1315) answer, each with its columns in the national order: a HIS
/// reads the downloaded file by position (a row per line, cells separated by tabs, no header), and the paged variant by
/// these names. A list holds the imported catalogue's rows of one list_type (1301 西药中成药: 101, 1302: 102, 1303: 103,
/// 1304: 104, 1305 医疗服务项目: 201, 1306 医用耗材: 301), or the diagnoses (1307), or nothing the platform keeps (1308
/// 手术操作 and the rest: an empty file). The catalogue has a code, a name, its pinyin initials, its class and its
/// versions: those fill the columns that mean them (<see cref="ValueOf"/>); every other column is empty.
/// </summary>
public static class CatalogueLists
{
    /// <summary>
    /// A list: its transaction and name, the catalogue list_type it holds (null: the diagnoses; empty: none), its columns.
    /// Column names and their order follow the national interface as HIS clients read them (docs/INTERFACE.md).
    /// </summary>
    public sealed record DownloadList(string Infno, string Name, string? ListType, IReadOnlyList<Column> Columns)
    {
        /// <summary>Whether the platform keeps this list at all (1308 and the others: never any rows).</summary>
        public bool Kept => ListType is not "";

        /// <summary>For each column, where its value comes from (null: always empty).</summary>
        internal Func<Item, string?>?[] Values { get; } = [.. Columns.Select(c => ValueOf(c.Field))];
    }

    /// <summary>A column: its national field name and its Chinese label.</summary>
    public sealed record Column(string Field, string Label);

    /// <summary>One row of a list, as the platform knows it: a catalogue row (or a diagnosis) in its current version.</summary>
    internal sealed record Item(string Code, string Name, string? Initials, string MedChrgitmType, int ChrgitmLv, bool Limited, long Ver,
        string? Begins, string? Created, string VerName);

    /// <summary>The version as a HIS keeps it: ten digits, so that the highest sorts last as text too.</summary>
    public static string VerText(long ver) => ver.ToString("D10", CultureInfo.InvariantCulture);

    /// <summary>What fills column <paramref name="field"/> of a row; null: nothing the platform keeps.</summary>
    private static Func<Item, string?>? ValueOf(string field) => field switch
    {
        "med_list_codg" or "diag_code" or "diag_list_id" => i => i.Code,
        "drug_prodname" or "drug_genname" or "reg_name" or "tcmherb_name" or "servitem_name" or "mcs_name" or "hi_genname" or "diag_name" => i => i.Name,
        "pinyin" => i => i.Initials,
        "begndate" => i => i.Begins?[..10],
        "begntime" or "updt_time" => i => i.Begins,
        "crte_time" => i => i.Created,
        "vali_flag" => _ => "1",
        "rid" => i => $"{i.Code}-{i.Ver}",
        "ver" => i => VerText(i.Ver),
        "ver_name" => i => i.VerName,
        "lmt_used_flag" => i => i.Limited ? "1" : "0",
        "tcmpat_flag" => i => i.MedChrgitmType == "11" ? "1" : "0", // 中成药费
        "nat_hi_druglist_chrgitm_lv" => i => ((ChargeLevel)i.ChrgitmLv).Code(),
        "cgy_code" => i => i.Code.Length >= 3 ? i.Code[..3] : null,            // ICD-10 类目: I21
        "sor_code" => i => i.Code.Contains('.', StringComparison.Ordinal) ? i.Code : null, // 亚目: I21.0
        _ => null,
    };

    private static Column[] Columns(string spec) =>
        [.. spec.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(c => c.Split(':')).Select(c => new Column(c[0], c[1]))];

    public static readonly IReadOnlyDictionary<string, DownloadList> ByInfno = new DownloadList[]
    {
        new("1301", "西药中成药目录下载", "101", Columns("""
            med_list_codg:医疗目录编码, drug_prodname:药品商品名, genname_codg:通用名编号, drug_genname:药品通用名, chemname:化学名称, alis:别名,
            eng_name:英文名称, reg_name:注册名称, drugstdcode:药监本位码, drug_dosform:药品剂型, drug_dosform_name:药品剂型名称, drug_type:药品类别,
            drug_type_name:药品类别名称, drug_spec:药品规格, drug_spec_code:药品规格代码, reg_dosform:注册剂型, reg_spec:注册规格, reg_spec_code:注册规格代码,
            each_dos:每次用量, used_frqu:使用频次, acdbas:酸根盐基, nat_drug_no:国家药品编号, used_mtd:用法, tcmpat_flag:中成药标志,
            prodplac_type:生产地类别, prodplac_type_name:生产地类别名称, prcunt_type:计价单位类型, otc_flag:非处方药标志, otc_flag_name:非处方药标志名称,
            pacmatl:包装材质, pacmatl_name:包装材质名称, pacspec:包装规格, pac_cnt:包装数量, efcc_atd:功能主治, rute:给药途径, manl:说明书,
            begndate:开始日期, enddate:结束日期, min_useunt:最小使用单位, min_salunt:最小销售单位, min_unt:最小计量单位, min_pac_cnt:最小包装数量,
            min_pacunt:最小包装单位, min_prepunt:最小制剂单位, min_pacunt_name:最小包装单位名称, min_prepunt_name:最小制剂单位名称, convrat:转换比,
            drug_expy:药品有效期, min_prcunt:最小计价单位, wubi:五笔助记码, pinyin:拼音助记码, subpck_fcty:分包装厂家, prodentp_code:生产企业编号,
            prodentp_name:生产企业名称, sp_lmtpric_drug_flag:特殊限价药品标志, sp_drug_flag:特殊药品标志, lmt_usescp:限制使用范围, lmt_used_flag:限制使用标志,
            drug_regno:药品注册证号, drug_regcert_begndate:药品注册证号开始日期, drug_regcert_enddate:药品注册证号结束日期, aprvno:批准文号,
            aprvno_begndate:批准文号开始日期, aprvno_enddate:批准文号结束日期, mkt_stas:市场状态, mkt_stas_name:市场状态名称,
            drug_reg_appvletr_elecacs:药品注册批件电子档案, splm_appy_appvletr_file:药品补充申请批件电子档案, nat_hi_druglist_memo:国家医保药品目录备注,
            bas_medn_flag_name:基本药物标志名称, bas_medn_flag:基本药物标志, advaltax_adjm_drug_flag:增值税调整药品标志, advaltax_adjm_drug_name:增值税调整药品名称,
            lstd_druglist_drug:上市药品目录集药品, hi_nego_drug_flag:医保谈判药品标志, hi_nego_drug_name:医保谈判药品名称, nhc_drug_codg:卫健委药品编码,
            memo:备注, vali_flag:有效标志, rid:唯一记录号, crte_time:数据创建时间, updt_time:数据更新时间, ver:版本号, ver_name:版本名称,
            chld_medc:儿童用药, co_name:公司名称, conseval_drug:仿制药一致性评价药品, dstr:经销企业, dstr_coner:经销企业联系人,
            dstr_auth_file_elecacs:经销企业授权书电子档案, nat_hi_druglist_dosform:国家医保药品目录剂型, nat_hi_druglist_chrgitm_lv:国家医保药品目录甲乙类标识
            """)),
        new("1302", "中药饮片目录下载", "102", Columns("""
            med_list_codg:医疗目录编码, tcmherb_name:单味药名称, cpnd_flag:单复方标志, qlt_lv:质量等级, medcn_year:中草药年份, med_part:药用部位,
            safe_mtr:安全计量, cnvl_used:常规用法, natfla:性味, mertpm:归经, cat:品种, begndate:开始日期, enddate:结束日期, vali_flag:有效标志,
            rid:唯一记录号, crte_time:数据创建时间, updt_time:数据更新时间, ver:版本号, ver_name:版本名称, mlms_name:药材名称, efcc_atd:功能主治,
            psdg_mtd:炮制方法, ecy_type:功效分类, mlms_cat_souc:药材种来源, nat_hi_pay_pol:国家医保支付政策, prov_hi_pay_pol:省级医保支付政策,
            std_name:标准名称, std_pagen:标准页码, std_elecacs:标准电子档案
            """)),
        new("1303", "医疗机构制剂目录下载", "103", Columns("""
            med_list_codg:医疗目录编码, drug_prodname:药品商品名, alis:别名, eng_name:英文名称, dosform:剂型, dosform_name:剂型名称, reg_dosform:注册剂型,
            ing:成分, efcc_atd:功能主治, chrt:性状, drug_spec:药品规格, drug_spec_code:药品规格代码, reg_spec:注册规格, reg_spec_code:注册规格代码,
            rute:给药途径, stog:贮藏, used_frqu:使用频次, each_dos:每次用量, drug_type:药品类别, drug_type_name:药品类别名称, otc_flag:非处方药标志,
            otc_flag_name:非处方药标志名称, pacmatl:包装材质, pacmatl_name:包装材质名称, pacspec:包装规格, manl:说明书, pac_cnt:包装数量,
            min_useunt:最小使用单位, min_salunt:最小销售单位, min_unt:最小计量单位, min_pac_cnt:最小包装数量, min_pacunt:最小包装单位,
            min_prepunt:最小制剂单位, min_prepunt_name:最小制剂单位名称, drug_expy:药品有效期, min_prcunt:最小计价单位, defs:不良反应, mnan:注意事项,
            tabo:禁忌, prodentp_code:生产企业编号, prodentp_name:生产企业名称, prodentp_addr:生产企业地址, sp_lmtpric_drug_flag:特殊限价药品标志,
            aprvno:批准文号, aprvno_begndate:批准文号开始日期, aprvno_enddate:批准文号结束日期, drug_regno:药品注册证号,
            drug_regcert_begndate:药品注册证号开始日期, drug_regcert_enddate:药品注册证号结束日期, convrat:转换比, lmt_usescp:限制使用范围,
            min_pacunt_name:最小包装单位名称, reg_name:注册名称, subpck_fcty:分包装厂家, mkt_stas:市场状态, drug_reg_appvletr_elecacs:药品注册批件电子档案,
            splm_appy_appvletr_file:药品补充申请批件电子档案, nat_hi_druglist_no:国家医保药品目录编号, nat_hi_druglist_memo:国家医保药品目录备注,
            advaltax_adjm_drug_flag:增值税调整药品标志, advaltax_adjm_drug_name:增值税调整药品名称, lstd_druglist_drug:上市药品目录集药品,
            nhc_drug_codg:卫健委药品编码, memo:备注, vali_flag:有效标志, begntime:开始时间, endtime:结束时间, rid:唯一记录号, crte_time:数据创建时间,
            updt_time:数据更新时间, ver:版本号, ver_name:版本名称, selfprep_pmtno:自制剂许可证号, chld_medc:儿童用药, elde_medc:老年患者用药,
            medins_conter_name:医疗机构联系人姓名, medins_conter_tel:医疗机构联系人电话, selfprep_pmt_elecacs:自制剂许可证电子档案
            """)),
        new("1304", "民族药品目录下载", "104", Columns("""
            med_list_codg:医疗目录编码, drug_prodname:药品商品名, genname_codg:通用名编号, drug_genname:药品通用名, ethdrug_type:民族药种类,
            chemname:化学名称, alis:别名, eng_name:英文名称, dosform:剂型, each_dos:每次用量, used_frqu:使用频次, nat_drug_no:国家药品编号,
            used_mtd:用法, ing:成分, chrt:性状, defs:不良反应, tabo:禁忌, mnan:注意事项, stog:贮藏, drug_spec:药品规格, prcunt_type:计价单位类型,
            otc_flag:非处方药标志, pacmatl:包装材质, pacspec:包装规格, min_useunt:最小使用单位, min_salunt:最小销售单位, manl:说明书, rute:给药途径,
            begndate:开始日期, enddate:结束日期, pham_type:药理分类, memo:备注, pac_cnt:包装数量, min_unt:最小计量单位, min_pac_cnt:最小包装数量,
            min_pacunt:最小包装单位, min_prepunt:最小制剂单位, drug_expy:药品有效期, efcc_atd:功能主治, min_prcunt:最小计价单位, wubi:五笔助记码,
            pinyin:拼音助记码, vali_flag:有效标志, rid:唯一记录号, crte_time:数据创建时间, updt_time:数据更新时间, crter_id:创建人ID,
            crter_name:创建人姓名, crte_optins_no:创建机构编号, opter_id:经办人ID, opter_name:经办人姓名, opt_time:经办时间, optins_no:经办机构编号,
            ver:版本号
            """)),
        new("1305", "医疗服务项目目录下载", "201", Columns("""
            med_list_codg:医疗目录编码, prcunt:计价单位, prcunt_name:计价单位名称, trt_item_dscr:诊疗项目说明, trt_exct_cont:诊疗除外内容,
            trt_item_cont:诊疗项目内涵, vali_flag:有效标志, memo:备注, servitem_type:服务项目类别, servitem_name:医疗服务项目名称, item_dscr:项目说明,
            begndate:开始日期, enddate:结束日期, rid:唯一记录号, ver:版本号, ver_name:版本名称
            """)),
        new("1306", "医用耗材目录下载", "301", Columns("""
            med_list_codg:医疗目录编码, mcs_name:耗材名称, udi:医疗器械唯一标识码, hi_genname_code:医保通用名代码, hi_genname:医保通用名,
            prod_mol:产品型号, spec_code:规格代码, spec:规格, mcs_type:耗材分类, spec_mol:规格型号, matl_code:材质代码, mcs_matl:耗材材质,
            pacspec:包装规格, pac_cnt:包装数量, prod_pacmatl:产品包装材质, pacunt:包装单位, prod_convrat:产品转换比, min_useunt:最小使用单位,
            prodplac_type:生产地类别, prodplac_type_name:生产地类别名称, prodstrd:产品标准, prodexpy:产品有效期, perf_stru_comp:性能结构与组成,
            apb_scp:适用范围, prod_istr:产品使用方法, prod_img_no:产品图片编号, prod_qlt_std:产品质量标准, manl:说明书, oth_cert_matl:其他证明材料,
            sped_flag:专机专用标志, sped_name:专机名称, comb_name:组套名称, case_flag:机套标志, lmt_used_flag:限制使用标志, hi_lmt_scp:医保限用范围,
            min_salunt:最小销售单位, highval_mcs_flag:高值耗材标志, matl_type_code:医用材料分类代码, impt_matl_hmorgn_flag:植入材料和人体器官标志,
            stlz_flag:灭菌标志, stlz_flag_name:灭菌标志名称, impt_itvt_clss_flag:植入或介入类标志, impt_itvt_clss_name:植入或介入类名称,
            dspo_used_flag:一次性使用标志, dspo_used_flag_name:一次性使用标志名称, reger_name:注册备案人名称, begndate:开始日期, enddate:结束日期,
            med_equ_mgt_type:医疗器械管理类别, med_equ_mgt_type_name:医疗器械管理类别名称, reg_fil_no:注册备案号, reg_fil_prod_name:注册备案产品名称,
            stru_comp:结构及组成, oth_cont:其他内容, aprv_date:批准日期, reger_addr:注册备案人住所, regcert_expy_begntime:注册证有效期开始时间,
            regcert_expy_endtime:注册证有效期结束时间, prodentp_code:生产企业编号, prodentp_name:生产企业名称, manu_addr:生产地址, agnt_entp:代理人企业,
            agnt_entp_addr:代理人企业地址, manu_nat_regn:生产国或地区, aftsal_serins:售后服务机构, reg_fil_elec_file:注册或备案证电子档案,
            prod_img:产品影像, vali_flag:有效标志, rid:唯一记录号, ver:版本号, ver_name:版本名称
            """)),
        new("1307", "疾病与诊断目录下载", null, Columns("""
            diag_list_id:西医疾病诊断ID, cpr:章, cpr_code_scp:章代码范围, cpr_name:章名称, sec_code_scp:节代码范围, sec_name:节名称, cgy_code:类目代码,
            cgy_name:类目名称, sor_code:亚目代码, sor_name:亚目名称, diag_code:诊断代码, diag_name:诊断名称, used_std:使用标记,
            natstd_diag_code:国标版诊断代码, natstd_diag_name:国标版诊断名称, clnc_diag_code:临床版诊断代码, clnc_diag_name:临床版诊断名称, memo:备注,
            vali_flag:有效标志, rid:唯一记录号, crte_time:数据创建时间, updt_time:数据更新时间, ver:版本号, ver_name:版本名称
            """)),
        new("1308", "手术操作目录下载", "", []),
        new("1309", "门诊慢特病种目录下载", "", []),
        new("1310", "按病种付费病种目录下载", "", []),
        new("1311", "日间手术治疗病种目录下载", "", []),
        new("1313", "肿瘤形态学目录下载", "", []),
        new("1314", "中医疾病目录下载", "", []),
        new("1315", "中医证候目录下载", "", []),
    }.ToDictionary(l => l.Infno);
}
