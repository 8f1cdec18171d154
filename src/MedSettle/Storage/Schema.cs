using System.Data.Common;
using System.Globalization;
using Dapper;
using Npgsql;

namespace MedSettle.Storage;

/// <summary>
/// The schema, as numbered migrations applied on start for both providers. Money is stored as whole fen (BIGINT),
/// ratios as decimal text, dates and times as ISO text (yyyy-MM-dd, yyyy-MM-dd HH:mm:ss) so that one SQL text serves
/// SQLite and PostgreSQL and sums stay exact. Per-person data keeps the home region (insuplc_admdvs) in its key.
/// Text compares in byte order on both: SQLite's BINARY, and on PostgreSQL COLLATE "C" on every text column (migration
/// 34 and after), so ISO dates and codes order alike whatever the cluster's locale. PostgreSQL also gets statistics on
/// how many groups the figures' columns form, so that a year's figures plan as one hash aggregate.
/// </summary>
public static class Schema
{
    private sealed record Migration(string Sql, DbProvider? Only = null, Func<UnitOfWork, Task>? Code = null);

    private static readonly Migration[] Migrations =
    [
        new("""
        CREATE TABLE regions (
            admdvs TEXT PRIMARY KEY,
            name TEXT NOT NULL);
        CREATE TABLE hospitals (
            fixmedins_code TEXT PRIMARY KEY,
            fixmedins_name TEXT NOT NULL,
            admdvs TEXT NOT NULL,
            hosp_lv INTEGER NOT NULL,
            cross_region_enabled INTEGER NOT NULL);
        CREATE TABLE catalogue (
            med_list_codg TEXT PRIMARY KEY,
            med_list_name TEXT NOT NULL,
            list_type TEXT NOT NULL,
            med_chrgitm_type TEXT NOT NULL,
            chrgitm_lv INTEGER NOT NULL,
            selfpay_prop TEXT NOT NULL,
            pric_uplmt_amt TEXT NULL);
        CREATE TABLE persons (
            insuplc_admdvs TEXT NOT NULL,
            psn_no TEXT NOT NULL,
            insutype TEXT NOT NULL,
            psn_name TEXT NOT NULL,
            certno TEXT NOT NULL,
            gend TEXT NOT NULL,
            brdy TEXT NOT NULL,
            psn_insu_stas TEXT NOT NULL,
            acct_balc_fen BIGINT NOT NULL,
            acct_imported_fen BIGINT NOT NULL,
            PRIMARY KEY (insuplc_admdvs, psn_no, insutype));
        CREATE INDEX persons_by_psn_no ON persons (psn_no);
        CREATE INDEX persons_by_certno ON persons (certno);
        CREATE TABLE policies (
            insuplc_admdvs TEXT NOT NULL,
            insutype TEXT NOT NULL,
            category TEXT NOT NULL,
            hosp_lv INTEGER NOT NULL,
            effective_from TEXT NOT NULL,
            deductible_fen BIGINT NOT NULL,
            deductible_basis TEXT NOT NULL,
            ratio TEXT NOT NULL,
            annual_cap_fen BIGINT NOT NULL,
            PRIMARY KEY (insuplc_admdvs, insutype, category, hosp_lv, effective_from));
        CREATE TABLE year_accumulators (
            insuplc_admdvs TEXT NOT NULL,
            psn_no TEXT NOT NULL,
            insutype TEXT NOT NULL,
            year INTEGER NOT NULL,
            hifp_paid_fen BIGINT NOT NULL,
            dedc_outpatient_fen BIGINT NOT NULL,
            dedc_inpatient_fen BIGINT NOT NULL,
            PRIMARY KEY (insuplc_admdvs, psn_no, insutype, year));
        CREATE TABLE messages (
            fixmedins_code TEXT NOT NULL,
            msgid TEXT NOT NULL,
            infno TEXT NOT NULL,
            input_hash TEXT NOT NULL,
            state TEXT NOT NULL,
            subject TEXT NULL,
            response TEXT NULL,
            received_at TEXT NOT NULL,
            undone_by TEXT NULL,
            PRIMARY KEY (fixmedins_code, msgid));
        CREATE TABLE sign_ins (
            sign_no TEXT PRIMARY KEY,
            fixmedins_code TEXT NOT NULL,
            opter_no TEXT NOT NULL,
            mac TEXT NOT NULL,
            ip TEXT NOT NULL,
            sign_time TEXT NOT NULL,
            sign_out_time TEXT NULL);
        CREATE TABLE filings (
            trt_dcla_detl_sn TEXT PRIMARY KEY,
            insuplc_admdvs TEXT NOT NULL,
            psn_no TEXT NOT NULL,
            insutype TEXT NOT NULL,
            fixmedins_code TEXT NOT NULL,
            mdtrtarea_admvs TEXT NOT NULL,
            begndate TEXT NOT NULL,
            enddate TEXT NOT NULL,
            dise_codg TEXT NOT NULL,
            dise_name TEXT NOT NULL,
            main_cond_dscr TEXT NULL,
            tel TEXT NULL,
            created_at TEXT NOT NULL,
            revoked_at TEXT NULL,
            msgid TEXT NOT NULL);
        CREATE INDEX filings_by_person ON filings (psn_no, insutype, fixmedins_code);
        CREATE INDEX filings_by_time ON filings (created_at);
        CREATE TABLE visits (
            mdtrt_id TEXT PRIMARY KEY,
            insuplc_admdvs TEXT NOT NULL,
            psn_no TEXT NOT NULL,
            insutype TEXT NOT NULL,
            fixmedins_code TEXT NOT NULL,
            mdtrtarea_admvs TEXT NOT NULL,
            kind TEXT NOT NULL,
            med_type TEXT NOT NULL,
            begntime TEXT NOT NULL,
            endtime TEXT NULL,
            ipt_otp_no TEXT NOT NULL,
            dise_codg TEXT NULL,
            dise_name TEXT NULL,
            dept_name TEXT NULL,
            dr_name TEXT NULL,
            trt_dcla_detl_sn TEXT NULL,
            cancelled_at TEXT NULL,
            created_at TEXT NOT NULL,
            msgid TEXT NOT NULL);
        CREATE INDEX visits_by_person ON visits (psn_no, insutype);
        CREATE INDEX visits_by_hospital ON visits (fixmedins_code, ipt_otp_no);
        CREATE TABLE fee_lines (
            mdtrt_id TEXT NOT NULL,
            upload_msgid TEXT NOT NULL,
            feedetl_sn TEXT NOT NULL,
            chrg_bchno TEXT NOT NULL,
            fee_ocur_time TEXT NOT NULL,
            med_list_codg TEXT NOT NULL,
            medins_list_codg TEXT NOT NULL,
            med_list_name TEXT NOT NULL,
            pric TEXT NOT NULL,
            cnt TEXT NOT NULL,
            amount_fen BIGINT NOT NULL,
            chrgitm_lv INTEGER NOT NULL,
            med_chrgitm_type TEXT NOT NULL,
            selfpay_prop TEXT NOT NULL,
            pric_uplmt_amt TEXT NULL,
            fulamt_ownpay_fen BIGINT NOT NULL,
            overlmt_fen BIGINT NOT NULL,
            preselfpay_fen BIGINT NOT NULL,
            inscp_fen BIGINT NOT NULL,
            setl_id TEXT NULL,
            withdrawn_at TEXT NULL,
            PRIMARY KEY (mdtrt_id, upload_msgid, feedetl_sn));
        CREATE TABLE settlements (
            setl_id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            orig_setl_id TEXT NULL,
            reversed_by TEXT NULL,
            mdtrt_id TEXT NOT NULL,
            insuplc_admdvs TEXT NOT NULL,
            mdtrtarea_admvs TEXT NOT NULL,
            fixmedins_code TEXT NOT NULL,
            psn_no TEXT NOT NULL,
            insutype TEXT NOT NULL,
            med_type TEXT NOT NULL,
            clr_type TEXT NOT NULL,
            mid_setl_flag TEXT NOT NULL,
            acct_used_flag TEXT NOT NULL,
            year INTEGER NOT NULL,
            setl_time TEXT NOT NULL,
            trt_dcla_detl_sn TEXT NOT NULL,
            policy_effective_from TEXT NOT NULL,
            pool_prop_selfpay TEXT NOT NULL,
            medfee_fen BIGINT NOT NULL,
            fulamt_ownpay_fen BIGINT NOT NULL,
            overlmt_fen BIGINT NOT NULL,
            preselfpay_fen BIGINT NOT NULL,
            inscp_fen BIGINT NOT NULL,
            act_pay_dedc_fen BIGINT NOT NULL,
            dedc_added_fen BIGINT NOT NULL,
            cap_left_fen BIGINT NOT NULL,
            hifp_fen BIGINT NOT NULL,
            fund_pay_fen BIGINT NOT NULL,
            psn_part_fen BIGINT NOT NULL,
            acct_pay_fen BIGINT NOT NULL,
            psn_cash_fen BIGINT NOT NULL,
            balc_fen BIGINT NOT NULL,
            msgid TEXT NOT NULL);
        CREATE INDEX settlements_by_visit ON settlements (mdtrt_id);
        CREATE INDEX settlements_by_time ON settlements (setl_time);
        CREATE INDEX settlements_by_hospital ON settlements (fixmedins_code, setl_time);
        """),
        new("""
        CREATE TABLE admin_tokens (
            token_hash TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            created_at TEXT NOT NULL,
            revoked_at TEXT NULL);
        CREATE TABLE clearings (
            month TEXT PRIMARY KEY,
            status TEXT NOT NULL,
            computed_at TEXT NOT NULL,
            confirmed_at TEXT NULL,
            result TEXT NOT NULL);
        CREATE TABLE clearing_confirmations (
            setl_id TEXT PRIMARY KEY,
            fixmedins_code TEXT NOT NULL,
            month TEXT NOT NULL,
            cnfm_flag TEXT NOT NULL,
            memo TEXT NULL,
            confirmed_at TEXT NOT NULL,
            msgid TEXT NOT NULL);
        CREATE INDEX clearing_confirmations_by_month ON clearing_confirmations (month, cnfm_flag);
        """),
        new("""
        ALTER TABLE settlements ALTER COLUMN setl_time TYPE TEXT COLLATE "C", ALTER COLUMN kind TYPE TEXT COLLATE "C",
            ALTER COLUMN insuplc_admdvs TYPE TEXT COLLATE "C", ALTER COLUMN mdtrtarea_admvs TYPE TEXT COLLATE "C",
            ALTER COLUMN fixmedins_code TYPE TEXT COLLATE "C";
        ALTER TABLE filings ALTER COLUMN created_at TYPE TEXT COLLATE "C", ALTER COLUMN insuplc_admdvs TYPE TEXT COLLATE "C",
            ALTER COLUMN mdtrtarea_admvs TYPE TEXT COLLATE "C", ALTER COLUMN fixmedins_code TYPE TEXT COLLATE "C";
        CREATE STATISTICS settlements_figure_groups (ndistinct)
            ON insuplc_admdvs, mdtrtarea_admvs, fixmedins_code, (substr(setl_time, 1, 10)) FROM settlements;
        CREATE STATISTICS filings_figure_groups (ndistinct)
            ON insuplc_admdvs, mdtrtarea_admvs, fixmedins_code, (substr(created_at, 1, 10)) FROM filings;
        """, Only: DbProvider.Postgres),
        new("""
        CREATE TABLE users (
            username TEXT PRIMARY KEY,
            display_name TEXT NOT NULL,
            role TEXT NOT NULL,
            fixmedins_code TEXT NULL,
            admdvs TEXT NULL,
            password_hash TEXT NOT NULL,
            created_at TEXT NOT NULL,
            disabled_at TEXT NULL);
        """),
        new("""
        ALTER TABLE catalogue ADD COLUMN name_initials TEXT NULL;
        """),
        // Rows that settlement updates (a visit's lines once, a person's account and year totals each time) keep room in
        // their page for the new version: no index changes (a HOT update), and old versions are pruned in place.
        new("""
        ALTER TABLE fee_lines SET (fillfactor = 80);
        ALTER TABLE persons SET (fillfactor = 90);
        ALTER TABLE year_accumulators SET (fillfactor = 80);
        """, Only: DbProvider.Postgres),
        new("""
        CREATE TABLE data_protection_keys (
            friendly_name TEXT PRIMARY KEY,
            xml TEXT NOT NULL,
            created_at TEXT NOT NULL);
        """),
        // 8, 9: personal data encrypted at rest (see Privacy/): sealed name and identity number, the keyed lookup hash,
        // the keys a database has met, and the audit log of personal-data reads.
        new("""
        ALTER TABLE persons ADD COLUMN psn_name_enc BLOB NULL;
        ALTER TABLE persons ADD COLUMN certno_enc BLOB NULL;
        ALTER TABLE persons ADD COLUMN certno_hash BLOB NULL;
        ALTER TABLE persons ADD COLUMN pd_digest BLOB NULL;
        CREATE TABLE data_keys (
            key_id TEXT PRIMARY KEY,
            key_check TEXT NOT NULL,
            added_at TEXT NOT NULL,
            retired_at TEXT NULL);
        CREATE TABLE personal_data_reads (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            read_at TEXT NOT NULL,
            channel TEXT NOT NULL,
            actor TEXT NOT NULL,
            fixmedins_code TEXT NULL,
            insuplc_admdvs TEXT NULL,
            psn_no TEXT NOT NULL,
            source TEXT NOT NULL,
            purpose TEXT NOT NULL,
            reference TEXT NULL);
        CREATE INDEX personal_data_reads_by_time ON personal_data_reads (read_at);
        CREATE INDEX personal_data_reads_by_person ON personal_data_reads (psn_no, read_at);
        """, Only: DbProvider.Sqlite),
        new("""
        ALTER TABLE persons ADD COLUMN psn_name_enc BYTEA NULL, ADD COLUMN certno_enc BYTEA NULL,
            ADD COLUMN certno_hash BYTEA NULL, ADD COLUMN pd_digest BYTEA NULL;
        CREATE TABLE data_keys (
            key_id TEXT PRIMARY KEY,
            key_check TEXT NOT NULL,
            added_at TEXT NOT NULL,
            retired_at TEXT NULL);
        CREATE TABLE personal_data_reads (
            id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            read_at TEXT COLLATE "C" NOT NULL,
            channel TEXT NOT NULL,
            actor TEXT NOT NULL,
            fixmedins_code TEXT NULL,
            insuplc_admdvs TEXT NULL,
            psn_no TEXT NOT NULL,
            source TEXT NOT NULL,
            purpose TEXT NOT NULL,
            reference TEXT NULL);
        CREATE INDEX personal_data_reads_by_time ON personal_data_reads (read_at);
        CREATE INDEX personal_data_reads_by_person ON personal_data_reads (psn_no, read_at);
        """, Only: DbProvider.Postgres),
        // 10: any plaintext names and identity numbers are sealed with the current key, then their columns dropped.
        new("""
        DROP INDEX persons_by_certno;
        ALTER TABLE persons DROP COLUMN psn_name;
        ALTER TABLE persons DROP COLUMN certno;
        CREATE INDEX persons_by_certno_hash ON persons (certno_hash);
        """, Code: DataKeys.SealPlaintextAsync),
        // hospitals' credentials, request nonces, sign-ins by hospital, region-scoped admin tokens
        new("""
        CREATE TABLE hospital_credentials (
            paasid TEXT PRIMARY KEY,
            fixmedins_code TEXT NOT NULL,
            secret_enc TEXT NOT NULL,
            key_id TEXT NOT NULL,
            created_at TEXT NOT NULL,
            revoked_at TEXT NULL);
        CREATE INDEX hospital_credentials_by_hospital ON hospital_credentials (fixmedins_code);
        CREATE TABLE request_nonces (
            paasid TEXT NOT NULL,
            nonce TEXT NOT NULL,
            expires_at BIGINT NOT NULL,
            PRIMARY KEY (paasid, nonce));
        CREATE INDEX request_nonces_by_expiry ON request_nonces (expires_at);
        CREATE INDEX sign_ins_by_hospital ON sign_ins (fixmedins_code);
        ALTER TABLE admin_tokens ADD COLUMN admdvs TEXT NULL;
        """),
        // 12: which import the hospitals and policies are at, so that servers may hold them in memory (Transactions/ReferenceData)
        new("""
        CREATE TABLE reference_data (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            version BIGINT NOT NULL);
        INSERT INTO reference_data (id, version) VALUES (1, 0);
        """),
        // 13: fee lines belong to numbered bills of their visit, and a settlement takes its open bill whole
        // (Transactions/Bills) instead of marking each line with its setl_id: bills are numbered in each visit's order of
        // settlement, the lines a reversal had released go to the open bill, and one settlement per bill is a key.
        new("""
        ALTER TABLE fee_lines ADD COLUMN bill_no INTEGER NOT NULL DEFAULT 1;
        ALTER TABLE settlements ADD COLUMN bill_no INTEGER NULL;
        UPDATE settlements SET bill_no = (
            SELECT COUNT(*) FROM settlements e WHERE e.mdtrt_id = settlements.mdtrt_id AND e.kind = 'settle'
              AND (e.setl_time < settlements.setl_time OR (e.setl_time = settlements.setl_time AND e.setl_id <= settlements.setl_id)))
        WHERE kind = 'settle';
        UPDATE fee_lines SET bill_no = (SELECT s.bill_no FROM settlements s WHERE s.setl_id = fee_lines.setl_id) WHERE setl_id IS NOT NULL;
        UPDATE fee_lines SET bill_no = (SELECT COALESCE(MAX(s.bill_no), 0) + 1 FROM settlements s WHERE s.mdtrt_id = fee_lines.mdtrt_id AND s.kind = 'settle')
        WHERE setl_id IS NULL;
        ALTER TABLE fee_lines DROP COLUMN setl_id;
        DROP INDEX settlements_by_visit;
        CREATE UNIQUE INDEX settlements_by_visit_bill ON settlements (mdtrt_id, bill_no);
        """),
        // 14, 15: a person's filings at a hospital in the order they were filed (Filings.FindCovering's order, byte-wise),
        // so that a group finds the covering filing without reading every earlier one
        new("""
        DROP INDEX filings_by_person;
        CREATE INDEX filings_by_person ON filings (psn_no, insutype, fixmedins_code, created_at, trt_dcla_detl_sn);
        """, Only: DbProvider.Sqlite),
        new("""
        DROP INDEX filings_by_person;
        CREATE INDEX filings_by_person ON filings (psn_no, insutype, fixmedins_code, created_at COLLATE "C", trt_dcla_detl_sn COLLATE "C");
        """, Only: DbProvider.Postgres),
        // 16: the answers stored for replays keep no name or identity number (Transactions/StoredResponses)
        new("SELECT 1", Code: StoredResponses.RedactStoredAsync),
        // 17: which lines a reversed settlement had taken, since the reversal moves them into the open bill (Settle.ReverseAsync)
        new("""
        CREATE TABLE reversed_lines (
            setl_id TEXT NOT NULL,
            mdtrt_id TEXT NOT NULL,
            upload_msgid TEXT NOT NULL,
            feedetl_sn TEXT NOT NULL,
            PRIMARY KEY (setl_id, upload_msgid, feedetl_sn));
        """),
        // 18, 19, 20: a filing's contact phone (tel) is sealed like a name (Privacy/FilingPhones): any plaintext is sealed with
        // the current key, then its column dropped
        new("ALTER TABLE filings ADD COLUMN tel_enc BLOB NULL;", Only: DbProvider.Sqlite),
        new("ALTER TABLE filings ADD COLUMN tel_enc BYTEA NULL;", Only: DbProvider.Postgres),
        new("ALTER TABLE filings DROP COLUMN tel;", Code: FilingPhones.SealPlaintextAsync),
        // 21: the id node each server leases, so that the ids it hands out are unique across servers (Storage/IdNodes)
        new("""
        CREATE TABLE id_nodes (
            node INTEGER PRIMARY KEY,
            holder TEXT NOT NULL,
            expires_at BIGINT NOT NULL);
        """),
        // 22: each web account's security stamp, carried by its sign-in cookies and checked on every request
        // (Web/Accounts): a new password, role or hospital, disabling the account or signing out changes it, and every
        // cookie made before stops working. '' (rows from before) matches no cookie.
        new("""
        ALTER TABLE users ADD COLUMN security_stamp TEXT NOT NULL DEFAULT '';
        """),
        // 23: failed sign-ins by username and by client address, shared by every server (Web/LoginThrottle); times in Unix seconds
        new("""
        CREATE TABLE login_failures (
            subject TEXT PRIMARY KEY,
            failures BIGINT NOT NULL,
            last_failure_at BIGINT NOT NULL,
            locked_until BIGINT NOT NULL);
        """),
        // 24: the sign-in key ring is stored sealed with the platform key (Web/KeyRingEncryption). Keys that earlier
        // versions stored in the clear are dropped, not sealed: they have sat readable in the database and its backups,
        // so they could be used to forge cookies until they expire. New keys are made at start; everyone signs in again.
        new("""
        DELETE FROM data_protection_keys WHERE xml LIKE '%requiresEncryption="true"%';
        """),
        // 25: why a settlement was reversed, on the reversal's row: the clerk's reason at the window, or 2208/2305's optional memo
        // from a HIS (null when none was given, as for every reversal before). Free text a person wrote: shown, never logged.
        new("""
        ALTER TABLE settlements ADD COLUMN reason TEXT NULL;
        """),
        // 26: one-stop settlement (DESIGN.md rules 11–15). The supplementary funds' versions (supplements.json: 大额 hifob
        // and 大病 hifmi by scheme, 医疗救助 maf by assistance class; the key's unused part is ''), the person's assistance
        // class, each settlement's share of every fund with its base and cap left (NULL where the fund does not apply to
        // the person), and each fund's year: its cumulative base and what it paid.
        new("""
        CREATE TABLE supplements (
            insuplc_admdvs TEXT NOT NULL,
            fund TEXT NOT NULL,
            insutype TEXT NOT NULL,
            assistance_type TEXT NOT NULL,
            effective_from TEXT NOT NULL,
            threshold_fen BIGINT NOT NULL,
            bands TEXT NOT NULL,
            annual_cap_fen BIGINT NOT NULL,
            PRIMARY KEY (insuplc_admdvs, fund, insutype, assistance_type, effective_from));
        ALTER TABLE persons ADD COLUMN assistance_type TEXT NULL;
        ALTER TABLE settlements ADD COLUMN hifob_fen BIGINT NOT NULL DEFAULT 0;
        ALTER TABLE settlements ADD COLUMN hifmi_fen BIGINT NOT NULL DEFAULT 0;
        ALTER TABLE settlements ADD COLUMN maf_fen BIGINT NOT NULL DEFAULT 0;
        ALTER TABLE settlements ADD COLUMN hifob_base_fen BIGINT NULL;
        ALTER TABLE settlements ADD COLUMN hifmi_base_fen BIGINT NULL;
        ALTER TABLE settlements ADD COLUMN maf_base_fen BIGINT NULL;
        ALTER TABLE settlements ADD COLUMN hifob_cap_left_fen BIGINT NULL;
        ALTER TABLE settlements ADD COLUMN hifmi_cap_left_fen BIGINT NULL;
        ALTER TABLE settlements ADD COLUMN maf_cap_left_fen BIGINT NULL;
        ALTER TABLE year_accumulators ADD COLUMN hifob_base_fen BIGINT NOT NULL DEFAULT 0;
        ALTER TABLE year_accumulators ADD COLUMN hifob_paid_fen BIGINT NOT NULL DEFAULT 0;
        ALTER TABLE year_accumulators ADD COLUMN hifmi_base_fen BIGINT NOT NULL DEFAULT 0;
        ALTER TABLE year_accumulators ADD COLUMN hifmi_paid_fen BIGINT NOT NULL DEFAULT 0;
        ALTER TABLE year_accumulators ADD COLUMN maf_base_fen BIGINT NOT NULL DEFAULT 0;
        ALTER TABLE year_accumulators ADD COLUMN maf_paid_fen BIGINT NOT NULL DEFAULT 0;
        """),
        // 27: how a hospital's credential signs (Transactions/HospitalSignature and JilinGateway): hmac (MedSettle's own, the default), tif (the
        // national gateway's x-tif headers, the secret being the token), csb (the CSB gateway's _api_* pairs) or sm (Jilin's
        // bearer token with SM2-signed, SM4-encrypted input; the hospital's SM2 public key, hex, beside it), and the bearer
        // tokens the sm profile's token endpoint hands out (by their SHA-256, never the token itself).
        new("""
        ALTER TABLE hospital_credentials ADD COLUMN scheme TEXT NOT NULL DEFAULT 'hmac';
        ALTER TABLE hospital_credentials ADD COLUMN sm2_public_key TEXT NULL;
        CREATE TABLE access_tokens (
            token_hash TEXT PRIMARY KEY,
            paasid TEXT NOT NULL,
            expires_at BIGINT NOT NULL);
        CREATE INDEX access_tokens_by_expiry ON access_tokens (expires_at);
        """),
        // 28: a filing an emergency admission or settlement made for itself (异地急诊视同备案, MedSettle:Filing:ImplicitEmergency)
        // is marked 1; filings by 2551, every one before included, are 0
        new("""
        ALTER TABLE filings ADD COLUMN filed_implicitly INTEGER NOT NULL DEFAULT 0;
        """),
        // 29: a settlement may take one charge batch of the open bill (2206/2207 with chrg_bchno; Transactions/Bills): the
        // batch it took (NULL: the whole open bill, which closes an outpatient visit as before). A refund line (negative cnt)
        // names the line it offsets by init_feedetl_sn (Transactions/Fees); NULL on every other line.
        new("""
        ALTER TABLE settlements ADD COLUMN chrg_bchno TEXT NULL;
        ALTER TABLE fee_lines ADD COLUMN init_feedetl_sn TEXT NULL;
        """),
        // 30: what 1101 and the settlement answers tell of a person beyond the bundle's required columns (persons.csv's optional
        // naty, emp_name, psn_insu_date, paus_insu_date, cvlserv_flag); NULL where the bundle does not say, answered as null.
        // emp_name is the employer's name, not the person's: stored plain, never logged.
        new("""
        ALTER TABLE persons ADD COLUMN naty TEXT NULL;
        ALTER TABLE persons ADD COLUMN emp_name TEXT NULL;
        ALTER TABLE persons ADD COLUMN psn_insu_date TEXT NULL;
        ALTER TABLE persons ADD COLUMN paus_insu_date TEXT NULL;
        ALTER TABLE persons ADD COLUMN cvlserv_flag TEXT NULL;
        """),
        // 31: files a hospital uploads with 9101 (the 3202 detail file) and the 3202 result files made for it, fetched with
        // 9102 (Transactions/Files): owned by one hospital, the content as Base64 text (one type on both databases; at most
        // 40 KB uploaded), downloadable until expires_at (24 hours after stored_at), deleted a week after that.
        new("""
        CREATE TABLE files (
            file_qury_no TEXT PRIMARY KEY,
            fixmedins_code TEXT NOT NULL,
            filename TEXT NOT NULL,
            content_base64 TEXT NOT NULL,
            size_bytes BIGINT NOT NULL,
            sha256 TEXT NOT NULL,
            origin TEXT NOT NULL,
            msgid TEXT NOT NULL,
            stored_at TEXT NOT NULL,
            expires_at TEXT NOT NULL);
        CREATE INDEX files_by_expiry ON files (expires_at);
        """),
        // 32: the last msgid the clerk's window minted for each hospital (Web/WindowClient), as one number: the second
        // (clock ticks / 10^7) × 1000 + the sequence within it. Each new one is the larger of the last + 1 and now × 1000, in
        // one statement, so every server's window msgids are distinct by construction and never go back in time.
        new("""
        CREATE TABLE window_msgids (
            fixmedins_code TEXT PRIMARY KEY,
            last_minted BIGINT NOT NULL);
        """),
        // 33: one row per person and scheme (psn_no is national; a person is insured in one home region per scheme), as
        // People.LockAsync locks it: the index by psn_no becomes unique over (psn_no, insutype), so that no write can
        // add a second row that the lock would not serialise with the first
        new("""
        DROP INDEX persons_by_psn_no;
        CREATE UNIQUE INDEX persons_by_psn_no ON persons (psn_no, insutype);
        """),
        // 34: on PostgreSQL every text column compares in byte order (COLLATE "C"), as every column does on SQLite (BINARY):
        // dates and times are ISO text compared as strings, and codes are sorted and grouped, so one order must hold for all
        // of them on both databases, whatever locale the PostgreSQL cluster was made with. MigrateAsync gives it to every
        // text column without it after any migration from this one on (ByteOrderTextColumns), so columns added later get it
        // too: this entry only marks when that began.
        new("SELECT 1"),
        // 35: fund supervision (issue 22, docs/SUPERVISION.md). The catalogue's optional limits (catalogue.csv; NULL: no limit):
        // lmt_gend 1 or 2, lmt_age_min and lmt_age_max in whole years, lmt_daily_cnt as decimal text, excl_group. The rules'
        // versions (rules.json), added and never overwritten like policies: enabled 1/0, severity warn or block, params a
        // JSON object holding every parameter of the rule (defaults filled in at import), so a version means what it meant.
        new("""
        ALTER TABLE catalogue ADD COLUMN lmt_gend TEXT NULL;
        ALTER TABLE catalogue ADD COLUMN lmt_age_min INTEGER NULL;
        ALTER TABLE catalogue ADD COLUMN lmt_age_max INTEGER NULL;
        ALTER TABLE catalogue ADD COLUMN lmt_daily_cnt TEXT NULL;
        ALTER TABLE catalogue ADD COLUMN excl_group TEXT NULL;
        CREATE TABLE supervision_rules (
            code TEXT NOT NULL,
            effective_from TEXT NOT NULL,
            enabled INTEGER NOT NULL,
            severity TEXT NOT NULL,
            params TEXT NOT NULL,
            PRIMARY KEY (code, effective_from));
        """),
        // 36: fund supervision's cases (issue 22, docs/SUPERVISION.md "Cases"). A case is one subject a rule found something
        // in: a settlement (case_id "S" + setl_id), a visit with no settlement (V + mdtrt_id) or a filing (F + its sn),
        // with the home region (the agency that reviews it), the treating region and hospital. Its violations are keyed by
        // rule and evidence, so that filing the same finding twice (a retried settlement, `medsettle audit` run twice) adds
        // nothing. The workflow's columns: the first reviewer's decision (cleared, or a proposed deduction and its reason),
        // the hospital's one appeal, the second reviewer's decision, the deduction confirmed. Every step is an event
        // (who, when, what). A confirmed deduction, and its undoing when the settlement is reversed, is a row of
        // supervision_deductions in the month it happened: the clearing statement and 3260 read it; no settlement is edited.
        new("""
        CREATE TABLE supervision_cases (
            case_id TEXT PRIMARY KEY,
            subject_kind TEXT NOT NULL,
            setl_id TEXT NULL,
            mdtrt_id TEXT NULL,
            trt_dcla_detl_sn TEXT NULL,
            insuplc_admdvs TEXT NOT NULL,
            mdtrtarea_admvs TEXT NOT NULL,
            fixmedins_code TEXT NOT NULL,
            psn_no TEXT NOT NULL,
            insutype TEXT NOT NULL,
            medfee_fen BIGINT NOT NULL,
            fund_pay_fen BIGINT NOT NULL,
            status TEXT NOT NULL,
            opened_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            reviewed_by TEXT NULL,
            reviewed_at TEXT NULL,
            review_note TEXT NULL,
            proposed_fen BIGINT NULL,
            appeal_text TEXT NULL,
            appealed_by TEXT NULL,
            appealed_at TEXT NULL,
            decided_by TEXT NULL,
            decided_at TEXT NULL,
            decision_note TEXT NULL,
            deducted_fen BIGINT NULL,
            deduction_month TEXT NULL);
        CREATE INDEX supervision_cases_by_home ON supervision_cases (insuplc_admdvs, status, opened_at);
        CREATE INDEX supervision_cases_by_hospital ON supervision_cases (fixmedins_code, status);
        CREATE INDEX supervision_cases_by_settlement ON supervision_cases (setl_id);
        CREATE TABLE supervision_violations (
            case_id TEXT NOT NULL,
            rule_code TEXT NOT NULL,
            evidence_key TEXT NOT NULL,
            rule_name TEXT NOT NULL,
            severity TEXT NOT NULL,
            moment TEXT NOT NULL,
            message TEXT NOT NULL,
            lines TEXT NOT NULL,
            day TEXT NULL,
            found TEXT NULL,
            limit_value TEXT NULL,
            related TEXT NULL,
            approved INTEGER NOT NULL,
            approval_reason TEXT NULL,
            found_at TEXT NOT NULL,
            PRIMARY KEY (case_id, rule_code, evidence_key));
        CREATE INDEX supervision_violations_by_rule ON supervision_violations (rule_code, found_at);
        CREATE TABLE supervision_events (
            case_id TEXT NOT NULL,
            seq INTEGER NOT NULL,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            detail TEXT NULL,
            PRIMARY KEY (case_id, seq));
        CREATE TABLE supervision_deductions (
            case_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            month TEXT NOT NULL,
            at TEXT NOT NULL,
            insuplc_admdvs TEXT NOT NULL,
            mdtrtarea_admvs TEXT NOT NULL,
            fixmedins_code TEXT NOT NULL,
            setl_id TEXT NULL,
            amount_fen BIGINT NOT NULL,
            PRIMARY KEY (case_id, kind));
        CREATE INDEX supervision_deductions_by_month ON supervision_deductions (month, fixmedins_code);
        """),
        // 37: fund supervision before and during settlement (docs/SUPERVISION.md "Before and during settlement"). A fee line
        // keeps the hospital's approval as sent (hosp_appr_flag, and the reason in its memo), and the most severe rule its
        // visit's lines broke at the last upload or withdrawal (spvs_severity: warn, block, or NULL), so that a settlement
        // learns from the sums it reads anyway whether it has anything to check.
        new("""
        ALTER TABLE fee_lines ADD COLUMN hosp_appr_flag TEXT NULL;
        ALTER TABLE fee_lines ADD COLUMN hosp_appr_reason TEXT NULL;
        ALTER TABLE fee_lines ADD COLUMN spvs_severity TEXT NULL;
        """),
        // 38: policy what-if (docs/WHATIF.md). A replay takes each person's settlements in the order they were written: on
        // SQLite the rowid, which only grows; on PostgreSQL seq, drawn from a sequence as each row is inserted (under the
        // person's lock, so one person's rows draw in their order), and numbered for the rows already stored in settlement
        // time order (setl_time, then setl_id).
        new("""
        ALTER TABLE settlements ADD COLUMN seq BIGINT NULL;
        UPDATE settlements SET seq = o.n FROM (SELECT setl_id, row_number() OVER (ORDER BY setl_time, setl_id) AS n FROM settlements) o
        WHERE o.setl_id = settlements.setl_id;
        CREATE SEQUENCE settlements_seq OWNED BY settlements.seq;
        SELECT setval('settlements_seq', COALESCE((SELECT max(seq) FROM settlements), 0) + 1, false);
        ALTER TABLE settlements ALTER COLUMN seq SET DEFAULT nextval('settlements_seq');
        """, Only: DbProvider.Postgres),
        // 39: named policy drafts of the 政策测算 page: their rows as a bundle's (policies.json and supplements.json rows), the
        // region whose agency owns them ('' for the province's), the period last run.
        new("""
        CREATE TABLE whatif_drafts (
            id TEXT PRIMARY KEY,
            owner_admdvs TEXT NOT NULL,
            name TEXT NOT NULL,
            period_from TEXT NOT NULL,
            period_to TEXT NOT NULL,
            rows TEXT NOT NULL,
            created_by TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            UNIQUE (owner_admdvs, name));
        """),
        // 40: catalogue versions (catalogue downloads 1301–1311, queries 1312/1318/1319; Transactions/CatalogueDownloads).
        // Every import that adds or changes catalogue rows is one version (ver 1, 2, …: released_at, the import's time,
        // and how many rows it changed); an import that changes nothing makes none. A row keeps the version it was last
        // added or changed in (ver) and the one it was first added in (first_ver), so a download since version v is the
        // rows with ver > v. catalogue_history keeps each version of each row, in force from begntime (its version's
        // released_at) until endtime (the next version's, NULL while current), so that the queries answer "on day D".
        // Rows already stored become version 1, in force since the database was made (the first migration's time: the
        // catalogue can only have been imported after it).
        new("""
        ALTER TABLE catalogue ADD COLUMN ver BIGINT NOT NULL DEFAULT 1;
        ALTER TABLE catalogue ADD COLUMN first_ver BIGINT NOT NULL DEFAULT 1;
        CREATE INDEX catalogue_by_ver ON catalogue (ver);
        CREATE TABLE catalogue_versions (
            ver BIGINT PRIMARY KEY,
            released_at TEXT NOT NULL,
            rows_changed BIGINT NOT NULL);
        CREATE TABLE catalogue_history (
            med_list_codg TEXT NOT NULL,
            ver BIGINT NOT NULL,
            med_list_name TEXT NOT NULL,
            list_type TEXT NOT NULL,
            med_chrgitm_type TEXT NOT NULL,
            chrgitm_lv INTEGER NOT NULL,
            selfpay_prop TEXT NOT NULL,
            pric_uplmt_amt TEXT NULL,
            name_initials TEXT NULL,
            lmt_gend TEXT NULL,
            lmt_age_min INTEGER NULL,
            lmt_age_max INTEGER NULL,
            lmt_daily_cnt TEXT NULL,
            excl_group TEXT NULL,
            begntime TEXT NOT NULL,
            endtime TEXT NULL,
            PRIMARY KEY (med_list_codg, ver));
        INSERT INTO catalogue_versions (ver, released_at, rows_changed)
        SELECT 1, (SELECT MIN(applied_at) FROM schema_migrations), (SELECT COUNT(*) FROM catalogue) WHERE EXISTS (SELECT 1 FROM catalogue);
        INSERT INTO catalogue_history (med_list_codg, ver, med_list_name, list_type, med_chrgitm_type, chrgitm_lv, selfpay_prop, pric_uplmt_amt,
            name_initials, lmt_gend, lmt_age_min, lmt_age_max, lmt_daily_cnt, excl_group, begntime, endtime)
        SELECT med_list_codg, 1, med_list_name, list_type, med_chrgitm_type, chrgitm_lv, selfpay_prop, pric_uplmt_amt,
            name_initials, lmt_gend, lmt_age_min, lmt_age_max, lmt_daily_cnt, excl_group, (SELECT MIN(applied_at) FROM schema_migrations), NULL
        FROM catalogue;
        """),
        // 41: item mapping (目录对照, docs/INTERFACE.md "Item mapping").
        // A hospital's own item code (fixmedins_hilist_id) mapped to a catalogue code for a period (begndate, enddate NULL:
        // open), one row per row of a 3301 (row_no its place in the upload), with the other 3301 fields as sent. Rows are
        // never deleted nor edited but for their withdrawal (3302: withdrawn_at, withdrawn_msgid), so the mapping in force on
        // any day stays explainable. What uploads sent without a mapping is counted per hospital code (item_mapping_misses),
        // though the upload itself is refused and changes nothing.
        new("""
        CREATE TABLE item_mappings (
            fixmedins_code TEXT NOT NULL,
            upload_msgid TEXT NOT NULL,
            row_no INTEGER NOT NULL,
            fixmedins_hilist_id TEXT NOT NULL,
            fixmedins_hilist_name TEXT NOT NULL,
            list_type TEXT NOT NULL,
            med_list_codg TEXT NOT NULL,
            begndate TEXT NOT NULL,
            enddate TEXT NULL,
            aprvno TEXT NULL,
            dosform TEXT NULL,
            exct_cont TEXT NULL,
            item_cont TEXT NULL,
            prcunt TEXT NULL,
            spec TEXT NULL,
            pacspec TEXT NULL,
            memo TEXT NULL,
            uploaded_at TEXT NOT NULL,
            withdrawn_at TEXT NULL,
            withdrawn_msgid TEXT NULL,
            PRIMARY KEY (fixmedins_code, upload_msgid, row_no));
        CREATE INDEX item_mappings_by_code ON item_mappings (fixmedins_code, fixmedins_hilist_id);
        CREATE TABLE item_mapping_misses (
            fixmedins_code TEXT NOT NULL,
            fixmedins_hilist_id TEXT NOT NULL,
            seen_count BIGINT NOT NULL,
            first_seen_at TEXT NOT NULL,
            last_seen_at TEXT NOT NULL,
            last_msgid TEXT NOT NULL,
            PRIMARY KEY (fixmedins_code, fixmedins_hilist_id));
        """),
        // 42: a settlement row keeps its visit's begin date (begndate, yyyy-MM-dd: the day its policy was chosen by), so that
        // the policy what-if reads the settlements alone, without a lookup in visits for each row (PolicyReplay). Rows
        // already stored take it from their visit.
        new("""
        ALTER TABLE settlements ADD COLUMN begndate TEXT NULL;
        UPDATE settlements SET begndate = (SELECT SUBSTR(v.begntime, 1, 10) FROM visits v WHERE v.mdtrt_id = settlements.mdtrt_id);
        """),
        // 43: the what-if streams a year's settlements in seq order: by this index PostgreSQL hands over the first row at once
        // instead of sorting the year first. seq only grows, so each insert appends at the index's right edge.
        new("CREATE INDEX settlements_by_seq ON settlements (seq);", Only: DbProvider.Postgres),
    ];

    /// <summary>The migration since which every text column on PostgreSQL is COLLATE "C".</summary>
    private const int ByteOrderSince = 34;

    /// <summary>Gives every text column of this schema without it COLLATE "C", one ALTER TABLE per table (its indexes are rebuilt once).</summary>
    private const string ByteOrderTextColumns = """
        DO $$
        DECLARE t record;
        BEGIN
            FOR t IN
                SELECT c.table_name, string_agg(format('ALTER COLUMN %I TYPE TEXT COLLATE "C"', c.column_name), ', ') AS alters
                FROM information_schema.columns c
                JOIN information_schema.tables tb ON tb.table_schema = c.table_schema AND tb.table_name = c.table_name AND tb.table_type = 'BASE TABLE'
                WHERE c.table_schema = current_schema() AND c.data_type = 'text' AND c.collation_name IS DISTINCT FROM 'C'
                GROUP BY c.table_name
            LOOP
                EXECUTE format('ALTER TABLE %I %s', t.table_name, t.alters);
            END LOOP;
        END $$;
        """;

    /// <summary>Brings the schema up to date, and leases this database object its id node (see <see cref="Ids"/>) if it has none yet.</summary>
    public static async Task MigrateAsync(Database database, CancellationToken cancel = default)
    {
        await MigrateAsync(database, int.MaxValue, cancel);
        if (!database.HasIds) database.Ids = await Ids.LeaseAsync(database, cancel: cancel);
    }

    /// <summary>
    /// For commands that only read (verify, stats): the schema must already be this program's, and nothing is written,
    /// so that they run on a hot standby and never turn a mistyped --db into a new database.
    /// </summary>
    public static async Task RequireCurrentAsync(Database database, CancellationToken cancel = default)
    {
        var applied = await database.ReadAsync(async unit =>
        {
            try
            {
                return (await unit.QueryAsync<long>("SELECT version FROM schema_migrations")).ToHashSet();
            }
            catch (DbException)
            {
                return null;
            }
        }, cancel);
        if (applied is null)
            throw new DatabaseProblem($"{database.Description} is not a MedSettle database (it has no schema_migrations table): check --db.");
        var missing = Enumerable.Range(1, Migrations.Length).Count(v => !applied.Contains(v));
        if (missing > 0)
            throw new DatabaseProblem($"{database.Description} lacks {missing} of this version's {Migrations.Length} schema migrations: "
                                      + "start `medsettle serve` (or run `medsettle import`) once against the primary to apply them.");
    }

    /// <summary>Applies the migrations up to version <paramref name="upTo"/> (tests of a migration start from the schema before it).</summary>
    internal static async Task MigrateAsync(Database database, int upTo, CancellationToken cancel = default)
    {
        await database.WriteAsync<int>(async unit =>
        {
            if (database.Provider == DbProvider.Postgres)
                await unit.ExecuteAsync("SELECT pg_advisory_xact_lock(7262001)");
            await unit.ExecuteAsync("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)");
            var applied = (await unit.QueryAsync<long>("SELECT version FROM schema_migrations")).ToHashSet();
            var migrated = false;
            for (var i = 0; i < Math.Min(upTo, Migrations.Length); i++)
            {
                var version = i + 1;
                if (applied.Contains(version)) continue;
                migrated = true;
                if (Migrations[i].Code is { } code)
                {
                    await DataKeys.AttachAsync(unit);
                    await code(unit);
                }
                if (Migrations[i].Only is null || Migrations[i].Only == database.Provider)
                    await unit.Connection.ExecuteAsync(new CommandDefinition(Migrations[i].Sql, transaction: unit.Transaction, cancellationToken: cancel));
                await unit.ExecuteAsync("INSERT INTO schema_migrations (version, applied_at) VALUES (@version, @at)",
                    new { version, at = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) });
            }
            if (migrated && unit.Connection is NpgsqlConnection pg)
            {
                if (upTo >= ByteOrderSince) await unit.ExecuteAsync(ByteOrderTextColumns);
                // a statement prepared before a migration changed a table's columns would fail ("cached plan must not change result type")
                pg.UnprepareAll();
            }
            if (upTo >= Migrations.Length) await DataKeys.AttachAsync(unit);
            return (Migrations.Length, true);
        }, cancel);
    }
}
