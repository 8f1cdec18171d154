# The sm signing profile (Jilin's deployment) with curl and openssl alone; source it, then:  call INFNO MSGID INPUT_JSON SIGN_NO
# Needs URL, CLIENT (paasid= of `medsettle hospital credentials --scheme sm --sm2-public-key HEX CODE`), SECRET (secret=),
# HOSPITAL (the fixmedins_code) and hospital.pem, the SM2 key whose public half was registered:
#   openssl genpkey -algorithm SM2 -out hospital.pem
#   openssl pkey -in hospital.pem -pubout -outform DER | tail -c 65 | xxd -p -c 200     # the HEX to register
TOKEN=$(curl -s -u "$CLIENT:$SECRET" -d grant_type=password -d "username=$HOSPITAL" --data-urlencode "password=$SECRET" \
  -d scope=server "$URL/auth/oauth/token" | sed 's/.*"access_token":"\([^"]*\)".*/\1/')
KEY=$(printf '%s' "$CLIENT" | xxd -p)   # the SM4 key: the client id's 16 ASCII bytes
call() {  # input SM4-encrypted, cainfo = SM3withSM2 of the input JSON; prints the answer's output decrypted, or the refusal
  printf '%s' "$3" > input.json
  local enc sig now answer
  enc=$(openssl enc -sm4-ecb -K "$KEY" -in input.json | base64 -w0)
  sig=$(openssl dgst -sm3 -sign hospital.pem -sigopt distid:1234567812345678 input.json | base64 -w0)
  now=$(TZ=Asia/Shanghai date '+%Y-%m-%d %H:%M:%S')
  answer=$(curl -s "$URL/mbs/fmi/fsi/api/callFsiService/callService" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    --data-binary "{\"infno\":\"$1\",\"msgid\":\"$2\",\"fixmedins_code\":\"$HOSPITAL\",\"inf_time\":\"$now\",\"sign_no\":\"$4\",\"enc_type\":\"SM4\",\"signtype\":\"SM2\",\"cainfo\":\"$sig\",\"input\":\"$enc\"}")
  case "$answer" in
    *'"output":"'*) printf '%s' "$answer" | sed 's/.*"output":"\([^"]*\)".*/\1/' | base64 -d | openssl enc -d -sm4-ecb -K "$KEY"; echo ;;
    *) echo "$answer" ;;
  esac
}
