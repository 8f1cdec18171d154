#!/usr/bin/env bash
# Database failover under load (issue 6): a primary PostgreSQL with a synchronous standby on loopback (pg_basebackup -R,
# synchronous_standby_names, synchronous_commit on); the demo province imported; medsettle serve on the primary;
# settlements under load, each acknowledged msgid/setl_id logged by the driver; the primary stopped hard
# (pg_ctl -m immediate); the standby promoted; the server restarted on it at the same address; the driver keeps sending
# every unanswered request again with its own msgid. Then: every acknowledged settlement is on the standby, none twice,
# and `medsettle verify` finds no violation.
# Usage: bench/failover.sh [--clients C] [--seconds T] [--visits N] [--stop-after S]
#   C clients (default 8) settle for T seconds (default 30) from N prepared visits (default 20000: 2,000 through the API, the rest SQL copies); the primary is
#   stopped S seconds (default 8) into the load. Exit status 0 when every check holds.
# The last line is: acknowledged_before_stop=<n> in_flight_at_stop=<n> found=<n> … missing=<n> duplicates=<n> downtime_s=<n> violations=<n>
# (downtime: from the stop to the first acknowledgement of a request sent after it).
set -euo pipefail
cd "$(dirname "$0")/.."

CLIENTS=8 DURATION=30 VISITS=20000 STOP_AFTER=8
while [ $# -gt 0 ]; do
  case $1 in
    --clients) CLIENTS=$2; shift 2 ;;
    --seconds) DURATION=$2; shift 2 ;;
    --visits) VISITS=$2; shift 2 ;;
    --stop-after) STOP_AFTER=$2; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "failover.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
for v in "$CLIENTS" "$DURATION" "$VISITS" "$STOP_AFTER"; do
  [[ $v =~ ^[0-9]+$ ]] || { echo "failover.sh: $v is not a whole number" >&2; exit 2; }
done
[ "$STOP_AFTER" -lt "$DURATION" ] || { echo "failover.sh: --stop-after must be less than --seconds" >&2; exit 2; }

. bench/pg.sh
WORK=$(mktemp -d /tmp/medsettle-failover-XXXXXX)
[ "$(id -u)" -eq 0 ] && chmod 755 "$WORK"
SERVER_PID="" DRIVER_PID="" PRIMARY_DIR="" STANDBY_DIR=""
cleanup() {
  for pid in $DRIVER_PID $SERVER_PID; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  for dir in $PRIMARY_DIR $STANDBY_DIR; do
    [ -f "$dir/data/postmaster.pid" ] && pg_as "$PG_BIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

STARTED=$(date +%s)
now_ms() { date +%s%3N; }
json() { grep -o "\"$2\":[^,}]*" "$1" | head -1 | cut -d: -f2; }

say "building (Release)"
dotnet build -c Release bench/MedSettle.Load -nologo -v q > "$WORK/build.log" 2>&1 || { cat "$WORK/build.log"; exit 1; }
MEDSETTLE="dotnet src/MedSettle/bin/Release/net10.0/medsettle.dll"
LOAD="dotnet bench/MedSettle.Load/bin/Release/net10.0/medsettle-load.dll"

say "primary: a throwaway PostgreSQL (fsync on)"
PG_OPTIONS="-c max_connections=300 -c shared_buffers=256MB -c wal_level=replica -c max_wal_senders=4" pg_start "$WORK/primary"
PRIMARY_DIR=$PG_DIR PRIMARY_PORT=$PGPORT
PSQL="$PG_BIN/psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1"
$PSQL -p "$PRIMARY_PORT" -d postgres -c "CREATE DATABASE medsettle"

say "standby: pg_basebackup -R from the primary, streaming, synchronous"
STANDBY_DIR="$WORK/standby" STANDBY_PORT=$(free_port)
mkdir -p "$STANDBY_DIR"; [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$STANDBY_DIR"
pg_as "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -D "$STANDBY_DIR/data" -R -X stream -c fast
pg_as "$PG_BIN/pg_ctl" -D "$STANDBY_DIR/data" -l "$STANDBY_DIR/server.log" -w -o \
  "-c listen_addresses=127.0.0.1 -p $STANDBY_PORT -k $STANDBY_DIR -c max_connections=300 -c shared_buffers=256MB" start >/dev/null
# only now, so that the standby's copy of the configuration does not wait for a standby of its own once promoted
$PSQL -p "$PRIMARY_PORT" -d postgres -c "ALTER SYSTEM SET synchronous_standby_names = '*'" -c "ALTER SYSTEM SET synchronous_commit = on" \
  -c "SELECT pg_reload_conf()" > /dev/null
for _ in $(seq 1 60); do
  STATE=$($PSQL -p "$PRIMARY_PORT" -d postgres -tA -c "SELECT sync_state FROM pg_stat_replication" || true)
  [ "$STATE" = sync ] && break
  sleep 0.5
done
[ "$STATE" = sync ] || { echo "the standby did not become synchronous (state: '$STATE')"; cat "$STANDBY_DIR/server.log"; exit 1; }
say "replication: $($PSQL -p "$PRIMARY_PORT" -d postgres -tA -c "SELECT application_name || ' ' || state || ' ' || sync_state FROM pg_stat_replication")"

PRIMARY_CONN="Host=127.0.0.1;Port=$PRIMARY_PORT;Username=postgres;Database=medsettle"
STANDBY_CONN="Host=127.0.0.1;Port=$STANDBY_PORT;Username=postgres;Database=medsettle"

say "importing the demo province (3,005 people) into the primary"
$MEDSETTLE demo-bundle --persons 3000 "$WORK/bundle" > /dev/null
$MEDSETTLE import --db "postgres:$PRIMARY_CONN" "$WORK/bundle" > "$WORK/import.log" 2>&1 || { cat "$WORK/import.log"; exit 1; }

PORT=$(free_port)
URL=http://127.0.0.1:$PORT
serve() {  # serve CONN: medsettle serve at $URL on that database, waiting for /health
  $MEDSETTLE serve --db "postgres:$1" --urls "$URL" >> "$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 240); do
    curl -sf "$URL/health" > /dev/null 2>&1 && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log"; exit 1; }
    sleep 0.25
  done
  echo "the server did not answer /health"; cat "$WORK/server.log"; exit 1
}
say "starting medsettle serve at $URL on the primary"
serve "$PRIMARY_CONN"

say "preparing $VISITS visits through the API (2551 + 2201 + 2204)"
$LOAD prepare --url "$URL" --db "$PRIMARY_CONN" --visits "$VISITS" --api-visits 2000 --hot-persons 10 --clients 8 --out "$WORK/visits.tsv" > "$WORK/prepare.json"

say "settling with $CLIENTS clients for $DURATION s; every acknowledgement logged; unanswered requests retried with their msgid"
$LOAD durable --url "$URL" --db "$PRIMARY_CONN" --visits "$WORK/visits.tsv" --log "$WORK/acks.tsv" --clients "$CLIENTS" --seconds "$DURATION" \
  > "$WORK/durable.json" 2> "$WORK/durable.log" &
DRIVER_PID=$!
sleep "$STOP_AFTER"

say "stopping the primary hard (pg_ctl -m immediate) with $(wc -l < "$WORK/acks.tsv") settlements acknowledged"
pg_as "$PG_BIN/pg_ctl" -D "$PRIMARY_DIR/data" -m immediate -w stop > /dev/null
STOP_MS=$(now_ms)  # the primary is gone from here on
say "promoting the standby"
pg_as "$PG_BIN/pg_ctl" -D "$STANDBY_DIR/data" -w promote > /dev/null
PROMOTED_MS=$(now_ms)
say "restarting medsettle serve at $URL on the promoted standby"
kill -9 "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true
serve "$STANDBY_CONN"
SERVING_MS=$(now_ms)

say "waiting for the driver (it ends after $DURATION s, once every request it took is answered)"
DRIVER_STATUS=0
wait "$DRIVER_PID" || DRIVER_STATUS=$?
DRIVER_PID=""
cat "$WORK/durable.log" >&2

say "checking: every acknowledged settlement on the standby, once"
CHECK_STATUS=0
$LOAD failover-check --db "$STANDBY_CONN" --log "$WORK/acks.tsv" --since-ms "$STOP_MS" > "$WORK/check.json" || CHECK_STATUS=$?
say "medsettle verify on the standby"
VERIFY_STATUS=0
$MEDSETTLE verify --db "postgres:$STANDBY_CONN" > "$WORK/verify.log" 2>&1 || VERIFY_STATUS=$?
head -n 12 "$WORK/verify.log"
VIOLATIONS=$(grep -o '^[0-9]* violation' "$WORK/verify.log" | awk '{print $1}')

echo
echo "prepare:  $(tail -n 1 "$WORK/prepare.json")"
echo "driver:   $(tail -n 1 "$WORK/durable.json")"
echo "check:    $(tail -n 1 "$WORK/check.json")"
awk -v s="$STOP_MS" -v p="$PROMOTED_MS" -v v="$SERVING_MS" 'BEGIN { printf "timeline: standby promoted %.2f s after the stop, server serving on it %.2f s after the stop\n", (p - s) / 1000, (v - s) / 1000 }'
echo "acknowledged_before_stop=$(json "$WORK/check.json" acknowledged_before_stop) in_flight_at_stop=$(json "$WORK/check.json" in_flight_at_stop) found=$(json "$WORK/check.json" found)" \
  "acknowledged=$(json "$WORK/check.json" acknowledged) missing=$(json "$WORK/check.json" missing) duplicates=$(json "$WORK/check.json" duplicated)" \
  "visits_settled_twice=$(json "$WORK/check.json" visits_settled_twice) retried=$(json "$WORK/durable.json" retried_requests)" \
  "downtime_s=$(json "$WORK/check.json" downtime_s) violations=${VIOLATIONS:-?}"
[ "$DRIVER_STATUS" -eq 0 ] && [ "$CHECK_STATUS" -eq 0 ] && [ "$VERIFY_STATUS" -eq 0 ]
