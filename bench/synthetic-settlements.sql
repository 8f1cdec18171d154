-- :n settlements at random times in the month starting :'month_start' (yyyy-MM-dd), spread over every hospital open for
-- cross-region care, each paid by a home region other than the hospital's; one in fifty is later reversed in the
-- same month. Amounts look like the seed article's: mostly admissions, about 35,800 yuan a bill, the fund ~55 %.
-- For benchmarks only: this writes rows directly, not through the transaction API.
\set ON_ERROR_STOP on
CREATE TEMP TABLE bench_hospitals AS
  SELECT row_number() OVER (ORDER BY fixmedins_code) - 1 AS i, fixmedins_code, admdvs FROM hospitals WHERE cross_region_enabled = 1;
CREATE TEMP TABLE bench_regions AS SELECT row_number() OVER (ORDER BY admdvs) - 1 AS i, admdvs FROM regions;

INSERT INTO settlements (setl_id, kind, orig_setl_id, reversed_by, mdtrt_id, insuplc_admdvs, mdtrtarea_admvs, fixmedins_code, psn_no,
    insutype, med_type, clr_type, mid_setl_flag, acct_used_flag, year, setl_time, trt_dcla_detl_sn, policy_effective_from,
    pool_prop_selfpay, medfee_fen, fulamt_ownpay_fen, overlmt_fen, preselfpay_fen, inscp_fen, act_pay_dedc_fen, dedc_added_fen,
    cap_left_fen, hifp_fen, fund_pay_fen, psn_part_fen, acct_pay_fen, psn_cash_fen, balc_fen, msgid)
SELECT 'SB' || lpad(g::text, 12, '0'), 'settle', NULL, CASE WHEN g % 50 = 0 THEN 'RB' || lpad(g::text, 12, '0') END,
       'MB' || lpad(g::text, 12, '0'), home.admdvs, h.admdvs, h.fixmedins_code, 'PB' || (g % 200000),
       CASE WHEN g % 9 < 4 THEN '310' ELSE '390' END, CASE WHEN g % 5 = 0 THEN '13' ELSE '24' END, CASE WHEN g % 5 = 0 THEN '11' ELSE '21' END,
       '0', '0', extract(year FROM date :'month_start')::int,
       to_char(date :'month_start' + (random() * (date :'month_start' + interval '1 month' - date :'month_start' - interval '2 hours')), 'YYYY-MM-DD HH24:MI:SS'),
       'BB' || g, '2026-01-01', '0.65', medfee, 0, 0, 0, medfee, 0, 0, 15000000, fund, fund, medfee - fund, 0, medfee - fund, 0, 'BENCH' || g
FROM generate_series(1, :n) AS g
CROSS JOIN LATERAL (SELECT (CASE WHEN g % 5 = 0 THEN 20000 + (random() * 300000)::bigint ELSE 800000 + (random() * 6000000)::bigint END) AS medfee) m
CROSS JOIN LATERAL (SELECT (m.medfee * (0.45 + random() * 0.2))::bigint AS fund) f
JOIN bench_hospitals h ON h.i = (g::bigint * 2654435761) % (SELECT count(*) FROM bench_hospitals)
JOIN bench_regions area ON area.admdvs = h.admdvs
JOIN bench_regions home ON home.i = (area.i + 1 + (g::bigint * 40503) % ((SELECT count(*) FROM bench_regions) - 1)) % (SELECT count(*) FROM bench_regions);

INSERT INTO settlements (setl_id, kind, orig_setl_id, reversed_by, mdtrt_id, insuplc_admdvs, mdtrtarea_admvs, fixmedins_code, psn_no,
    insutype, med_type, clr_type, mid_setl_flag, acct_used_flag, year, setl_time, trt_dcla_detl_sn, policy_effective_from,
    pool_prop_selfpay, medfee_fen, fulamt_ownpay_fen, overlmt_fen, preselfpay_fen, inscp_fen, act_pay_dedc_fen, dedc_added_fen,
    cap_left_fen, hifp_fen, fund_pay_fen, psn_part_fen, acct_pay_fen, psn_cash_fen, balc_fen, msgid)
SELECT reversed_by, 'reversal', setl_id, NULL, mdtrt_id, insuplc_admdvs, mdtrtarea_admvs, fixmedins_code, psn_no, insutype, med_type,
       clr_type, mid_setl_flag, acct_used_flag, year, setl_time, trt_dcla_detl_sn, policy_effective_from, pool_prop_selfpay,
       -medfee_fen, 0, 0, 0, -inscp_fen, 0, 0, cap_left_fen, -hifp_fen, -fund_pay_fen, -psn_part_fen, 0, -psn_cash_fen, 0, msgid || 'R'
FROM settlements WHERE reversed_by LIKE 'RB%' AND kind = 'settle';
ANALYZE settlements;
SELECT count(*) AS settlement_rows, min(setl_time), max(setl_time) FROM settlements;
