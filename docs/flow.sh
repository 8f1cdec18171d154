#!/usr/bin/env bash
# A full emergency settlement with curl, against `medsettle demo` (or any server holding the jilin-mini data):
# 张伟, insured in 长春市 (220100), treated in an emergency at 吉林市示例中心医院 (H22020000001, 220200).
# Every request is signed with the hospital's credentials: PAASID and SECRET, as `medsettle demo` prints them or
# `medsettle hospital credentials --db DB H22020000001` issues them.
set -euo pipefail
: "${PAASID:?set PAASID and SECRET (medsettle demo prints them; or: medsettle hospital credentials --db DB H22020000001)}"
: "${SECRET:?set PAASID and SECRET (medsettle demo prints them; or: medsettle hospital credentials --db DB H22020000001)}"
URL=${URL:-http://127.0.0.1:8080}/fsi/api/rsfComIfsService/callService
HOSP=H22020000001 PSN=22010000000000000001 SEQ=$(mktemp) SIGN_NO=""
# the visit began ten minutes ago by the platform's clock (China Standard Time, UTC+8): a registration may not begin in
# the future, and the filing covers the visit's day
BEGNTIME=$(TZ=UTC-8 date -d '10 minutes ago' '+%F %T') TODAY=${BEGNTIME%% *}
echo 0 > "$SEQ"

post() {  # post BODY: x-tif-signature = hex HMAC-SHA256(SECRET, timestamp \n nonce \n hex SHA-256 of the body)
  local ts nonce sig
  ts=$(date +%s) nonce=$(openssl rand -hex 16)
  sig=$(printf '%s\n%s\n%s' "$ts" "$nonce" "$(printf '%s' "$1" | sha256sum | cut -d' ' -f1)" | openssl dgst -sha256 -hmac "$SECRET" | sed 's/^.*= //')
  curl -s "$URL" -H 'Content-Type: application/json' -H "x-tif-paasid: $PAASID" -H "x-tif-timestamp: $ts" -H "x-tif-nonce: $nonce" \
    -H "x-tif-signature: $sig" --data-binary "$1"
}

call() {  # call INFNO INPUT_JSON [MSGID]: one transaction in the national envelope; a fresh 30-character msgid unless given
  local n=$(( $(cat "$SEQ") + 1 )); echo $n > "$SEQ"
  local MSGID=${3:-$HOSP$(date +%Y%m%d%H%M%S)$(printf %04d $((n % 10000)))}
  echo "$MSGID" > "$SEQ.msgid"
  post "{\"infno\":\"$1\",\"msgid\":\"$MSGID\",\"fixmedins_code\":\"$HOSP\",\"sign_no\":\"$SIGN_NO\",
    \"mdtrtarea_admvs\":\"220200\",\"insuplc_admdvs\":\"220100\",\"opter\":\"001\",\"opter_name\":\"收费员\",\"input\":$2}"
}
field() { sed -E "s/.*\"$1\":\"?([^\",}]*).*/\1/"; echo; }

echo "9001 签到"
SIGN_NO=$(call 9001 '{"signIn":{"opter_no":"001"}}' | field sign_no)
echo "sign_no=$SIGN_NO"

echo "1101 人员信息获取";  call 1101 '{"data":{"mdtrt_cert_type":"02","mdtrt_cert_no":"220102197503120110"}}'; echo
echo "2551 异地急诊备案";  call 2551 "{\"data\":{\"psn_no\":\"$PSN\",\"insutype\":\"310\",\"begndate\":\"$TODAY\",\"dise_codg\":\"J18.9\",\"dise_name\":\"肺炎\"}}"; echo
echo "2201 门诊挂号"
MDTRT_ID=$(call 2201 "{\"data\":{\"psn_no\":\"$PSN\",\"insutype\":\"310\",\"begntime\":\"$BEGNTIME\",\"ipt_otp_no\":\"MZ$RANDOM$RANDOM\",\"dept_name\":\"急诊科\"}}" | field mdtrt_id)
echo "mdtrt_id=$MDTRT_ID"
echo "2204 门诊费用明细上传"
line() { echo "{\"feedetl_sn\":\"$1\",\"mdtrt_id\":\"$MDTRT_ID\",\"psn_no\":\"$PSN\",\"chrg_bchno\":\"1\",\"med_list_codg\":\"$2\",\"pric\":$3,\"cnt\":$4,\"det_item_fee_sumamt\":$5}"; }
call 2204 "{\"feedetail\":[$(line 1 110200001 50.00 1 50.00),$(line 2 210102001 240.00 1 240.00),$(line 3 311201001 72.00 2 144.00),$(line 4 XJ01DDA036B001010178838 23.45 3 70.35),$(line 5 C14010101001 6.50 2 13.00),$(line 6 XS0000000001 88.00 1 88.00)]}"; echo
SETTLE="{\"data\":{\"psn_no\":\"$PSN\",\"mdtrt_cert_type\":\"02\",\"med_type\":\"13\",\"medfee_sumamt\":605.35,\"psn_setlway\":\"01\",\"mdtrt_id\":\"$MDTRT_ID\",\"insutype\":\"310\",\"acct_used_flag\":\"1\"}}"
echo "2206 门诊预结算";  call 2206 "$SETTLE"; echo
echo "2207 门诊结算"
SETTLED=$(call 2207 "$SETTLE"); echo "$SETTLED"; SETTLE_MSGID=$(cat "$SEQ.msgid")
SETL_ID=$(echo "$SETTLED" | field setl_id)
echo "2207 again with the same msgid returns the stored response and pays nothing more:"
call 2207 "$SETTLE" "$SETTLE_MSGID" | field hifp_pay
echo "2208 门诊结算撤销"; call 2208 "{\"data\":{\"setl_id\":\"$SETL_ID\",\"mdtrt_id\":\"$MDTRT_ID\",\"psn_no\":\"$PSN\"}}"; echo
echo "2601 冲正 of the settlement message (already reversed, so refused with the reason):"
call 2601 "{\"data\":{\"psn_no\":\"$PSN\",\"omsgid\":\"$SETTLE_MSGID\",\"oinfno\":\"2207\"}}"; echo
