-- The history `medsettle audit` reads, for the settlements bench/synthetic-settlements.sql made (run it after that):
-- a visit for each settlement ('MB…': an admission for med_type 24 of 1–4 days ending on the settlement's day, an
-- emergency visit for 13) of a person of its own (PV…), with a main diagnosis from 60 ICD-10 categories; its fee lines
-- (a bed and an infusion each day of a stay, a consultation and a test for an emergency visit); a filing per settlement.
-- Planted so that each history rule has something to find: one bill in a thousand ten times its size (R09), one
-- admission in five hundred that charged only the bed (R10), one person in a thousand re-admitted at the same hospital
-- (R07) and filed again twice (R08). For benchmarks only: this writes rows directly, not through the transaction API.
\set ON_ERROR_STOP on
-- one person per settlement ('PV…', the home region and scheme of the settlement; name and identity number sealed as the
-- bundle's first person's), so that only the planted cases repeat a person
INSERT INTO persons (insuplc_admdvs, psn_no, insutype, gend, brdy, psn_insu_stas, acct_balc_fen, acct_imported_fen, psn_name_enc, certno_enc,
    certno_hash, pd_digest)
SELECT s.insuplc_admdvs, 'PV' || substr(s.setl_id, 3), s.insutype, CASE WHEN substr(s.setl_id, 3)::bigint % 2 = 0 THEN '1' ELSE '2' END,
       to_char(date '1950-01-01' + (substr(s.setl_id, 3)::bigint % 20000)::int, 'YYYY-MM-DD'), '1', 0, 0, t.psn_name_enc, t.certno_enc, t.certno_hash, t.pd_digest
FROM settlements s CROSS JOIN (SELECT * FROM persons ORDER BY psn_no LIMIT 1) t
WHERE s.kind = 'settle' AND s.setl_id LIKE 'SB%';

UPDATE settlements SET medfee_fen = medfee_fen * 10 WHERE setl_id LIKE 'SB%' AND kind = 'settle' AND substr(setl_id, 3)::bigint % 1000 = 7;

INSERT INTO visits (mdtrt_id, insuplc_admdvs, psn_no, insutype, fixmedins_code, mdtrtarea_admvs, kind, med_type, begntime, endtime,
    ipt_otp_no, dise_codg, dise_name, dept_name, dr_name, trt_dcla_detl_sn, cancelled_at, created_at, msgid)
SELECT s.mdtrt_id, s.insuplc_admdvs, 'PV' || lpad(CASE WHEN g.n % 1000 = 3 THEN g.n - 2 ELSE g.n END::text, 12, '0'), s.insutype, s.fixmedins_code, s.mdtrtarea_admvs,
       CASE WHEN s.med_type = '24' THEN 'inpatient' ELSE 'outpatient' END, s.med_type,
       to_char(s.setl_time::timestamp - CASE WHEN s.med_type = '24' THEN (g.n % 4) * interval '1 day' + interval '1 hour' ELSE interval '2 hours' END,
               'YYYY-MM-DD HH24:MI:SS'),
       CASE WHEN s.med_type = '24' THEN to_char(s.setl_time::timestamp - interval '30 minutes', 'YYYY-MM-DD HH24:MI:SS') END,
       'B' || g.n, chr((65 + (g.n % 60) / 10 * 2)::int) || lpad(((g.n % 60) % 10 * 7)::text, 2, '0') || '.9', '急诊诊断', '急诊科', '李医生',
       s.trt_dcla_detl_sn, NULL, s.setl_time, s.msgid
FROM settlements s
CROSS JOIN LATERAL (SELECT substr(s.setl_id, 3)::bigint AS n) g
WHERE s.kind = 'settle' AND s.setl_id LIKE 'SB%';
-- a re-admission: settlement n ≡ 3 (mod 1000) is the person of n − 2 (see above), at the same hospital 5 days after
UPDATE visits v SET insuplc_admdvs = w.insuplc_admdvs, insutype = w.insutype, fixmedins_code = w.fixmedins_code, mdtrtarea_admvs = w.mdtrtarea_admvs, kind = 'inpatient', med_type = '24',
       begntime = to_char(w.endtime::timestamp + interval '5 days', 'YYYY-MM-DD HH24:MI:SS'),
       endtime = to_char(w.endtime::timestamp + interval '7 days', 'YYYY-MM-DD HH24:MI:SS')
FROM visits w
WHERE v.mdtrt_id LIKE 'MB%' AND substr(v.mdtrt_id, 3)::bigint % 1000 = 3 AND w.mdtrt_id = 'MB' || lpad((substr(v.mdtrt_id, 3)::bigint - 2)::text, 12, '0')
  AND w.kind = 'inpatient';

INSERT INTO fee_lines (mdtrt_id, upload_msgid, feedetl_sn, chrg_bchno, fee_ocur_time, med_list_codg, medins_list_codg, med_list_name, pric, cnt,
    amount_fen, chrgitm_lv, med_chrgitm_type, selfpay_prop, pric_uplmt_amt, fulamt_ownpay_fen, overlmt_fen, preselfpay_fen, inscp_fen,
    withdrawn_at, bill_no, init_feedetl_sn)
SELECT v.mdtrt_id, v.msgid, lpad((d * 2 + line.k + 1)::text, 4, '0'), 'B1',
       to_char(v.begntime::timestamp + d * interval '1 day' + line.k * interval '10 minutes', 'YYYY-MM-DD HH24:MI:SS'),
       item.code, 'H-' || item.code, item.name, item.price, '1', item.fen, 1, item.type, '0', NULL, 0, 0, 0, item.fen, NULL, 1, NULL
FROM visits v
CROSS JOIN LATERAL generate_series(0, CASE WHEN v.kind = 'inpatient' THEN v.endtime::date - v.begntime::date ELSE 0 END) AS d
CROSS JOIN LATERAL generate_series(0, 1) AS line (k)
JOIN (VALUES ('outpatient', 0, '110200001', '急诊诊察费', '02', '10.00', 1000), ('outpatient', 1, '250101001', '血常规', '04', '25.00', 2500),
             ('inpatient', 0, '110900001', '普通病房床位费', '01', '40.00', 4000), ('inpatient', 1, '120400001', '静脉输液', '05', '18.00', 1800))
     AS item (kind, nth, code, name, type, price, fen) ON item.kind = v.kind AND item.nth = line.k
WHERE v.mdtrt_id LIKE 'MB%'
  -- bed-only stays: admission n ≡ 11 (mod 500) charged nothing but the bed
  AND NOT (v.kind = 'inpatient' AND line.k = 1 AND substr(v.mdtrt_id, 3)::bigint % 500 = 11);

INSERT INTO filings (trt_dcla_detl_sn, insuplc_admdvs, psn_no, insutype, fixmedins_code, mdtrtarea_admvs, begndate, enddate, dise_codg,
    dise_name, main_cond_dscr, created_at, revoked_at, msgid)
SELECT v.trt_dcla_detl_sn || CASE WHEN r = 0 THEN '' ELSE 'X' || r END, v.insuplc_admdvs, v.psn_no, v.insutype, v.fixmedins_code, v.mdtrtarea_admvs,
       substr(v.begntime, 1, 10), substr(v.begntime, 1, 10), v.dise_codg, v.dise_name, '急诊就医',
       to_char(v.begntime::timestamp + r * interval '1 day', 'YYYY-MM-DD HH24:MI:SS'), NULL, v.msgid || 'F' || r
FROM visits v CROSS JOIN LATERAL generate_series(0, CASE WHEN substr(v.mdtrt_id, 3)::bigint % 1000 = 5 THEN 2 ELSE 0 END) AS r
WHERE v.mdtrt_id LIKE 'MB%';
ANALYZE visits; ANALYZE fee_lines; ANALYZE filings; ANALYZE settlements;
SELECT (SELECT count(*) FROM visits) AS visits, (SELECT count(*) FROM fee_lines) AS fee_lines, (SELECT count(*) FROM filings) AS filings;
