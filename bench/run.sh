#!/usr/bin/env bash
# Benchmark: durable settlements per second through the real HTTP API against pgbench TPC-B, on the same throwaway
# PostgreSQL (fsync on), the same machine, in the same run (issue 5).
# Usage: bench/run.sh [--clients C] [--seconds T] [--persons P] [--hot-persons H] [--out FILE]
#   C concurrent clients (default 8) for T seconds (default 30) each for pgbench and for 2207; full flows for T/2 s,
#   and the HTTP floor (the same clients against a stub that only parses and answers) for T/2 s;
#   P generated insured people on top of the demo's 3,005 (default 100000, bulk COPY when P > 3000).
# pgbench runs twice (before settling and after the full flows); the ratio uses the better of the two. With C > 10 it
# also runs at scale C, for reference (pgbench's advice: scale at least the clients; not in the ratio).
# Prints a table, writes bench/results/<yyyy-MM-dd>.json (with -c/-t/-p in the name when not the defaults), and its
# last line is: settlements_per_s=<n> pgbench_tps=<n> ratio=<n> p50_ms=<n> p99_ms=<n> full_flows_per_s=<n> rss_mb=<n>
# Before the report, `medsettle verify` checks every invariant over all that the run wrote; a violation fails the run
# (exit 1, after the summary line).
set -euo pipefail
cd "$(dirname "$0")/.."

CLIENTS=8 DURATION=30 PERSONS=100000 HOT=10 OUT=""
while [ $# -gt 0 ]; do
  case $1 in
    --clients) CLIENTS=$2; shift 2 ;;
    --seconds) DURATION=$2; shift 2 ;;
    --persons) PERSONS=$2; shift 2 ;;
    --hot-persons) HOT=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
for v in "$CLIENTS" "$DURATION" "$PERSONS" "$HOT"; do
  [[ $v =~ ^[0-9]+$ ]] || { echo "run.sh: $v is not a whole number" >&2; exit 2; }
done
[ "$CLIENTS" -ge 1 ] && [ "$DURATION" -ge 2 ] || { echo "run.sh: need --clients >= 1 and --seconds >= 2" >&2; exit 2; }
if [ -z "$OUT" ]; then
  OUT=bench/results/$(date +%F).json
  [ "$CLIENTS$DURATION$PERSONS" = 830100000 ] || OUT=bench/results/$(date +%F)-c$CLIENTS-t$DURATION-p$PERSONS.json
fi

. bench/pg.sh
WORK=$(mktemp -d /tmp/medsettle-run-XXXXXX)
SERVER_PID="" STUB_PID=""
cleanup() {
  [ -z "$STUB_PID" ] || kill "$STUB_PID" 2>/dev/null || true
  if [ -n "$SERVER_PID" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  pg_stop
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

STARTED=$(date +%s)
# CPU ticks used so far by the given processes, their reaped children included
ticks() { local p t=0 n; for p in "$@"; do n=$(awk '{ sub(/^.*\) /, ""); print $12 + $13 + $14 + $15 }' "/proc/$p/stat" 2>/dev/null) && t=$((t + n)); done; echo "$t"; }
pg_pids() { local pm; pm=$(head -1 "$PG_DIR/data/postmaster.pid"); echo "$pm" $(ps -o pid= --ppid "$pm"); }
own_children_ticks() { awk '{ sub(/^.*\) /, ""); print $14 + $15 }' "/proc/$$/stat"; }
HZ=$(getconf CLK_TCK)
pct() { awk -v t="$1" -v s="$2" -v hz="$HZ" 'BEGIN { printf "%.0f", (s > 0 ? 100 * t / hz / s : 0) }'; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

say "building (Release)"
dotnet build -c Release bench/MedSettle.Load -nologo -v q > "$WORK/build.log" 2>&1 || { cat "$WORK/build.log"; exit 1; }
MEDSETTLE="dotnet src/MedSettle/bin/Release/net10.0/medsettle.dll"
LOAD="dotnet bench/MedSettle.Load/bin/Release/net10.0/medsettle-load.dll"

say "starting a throwaway PostgreSQL (fsync on)"
# STATEMENTS=FILE: where PostgreSQL's time goes while settling (pg_stat_statements, planning included), written to FILE.
[ -n "${STATEMENTS:-}" ] && PG_OPTIONS="${PG_OPTIONS:-} -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track_planning=on"
PG_OPTIONS="-c max_connections=300 ${PG_OPTIONS:-}" pg_start "$(mktemp -d /tmp/medsettle-bench-XXXXXX)"
PSQL="$PG_BIN/psql -X -q -v ON_ERROR_STOP=1"
$PSQL -d postgres -c "CREATE DATABASE medsettle" -c "CREATE DATABASE pgbench"
CONN="Host=127.0.0.1;Port=$PGPORT;Username=postgres;Database=medsettle"
DB="postgres:$CONN"

say "importing the demo province (3,005 people)"
$MEDSETTLE demo-bundle --persons 3000 "$WORK/bundle" > /dev/null
$MEDSETTLE import --db "$DB" "$WORK/bundle" > "$WORK/import.log" 2>&1 || { cat "$WORK/import.log"; exit 1; }
PARTS=()
if [ "$PERSONS" -gt 3000 ]; then
  say "adding $PERSONS people (binary COPY)"
  $LOAD persons --db "$CONN" --count "$PERSONS" > "$WORK/persons.json"
  PARTS+=(--part "persons=$WORK/persons.json")
fi

PORT=$(free_port)
URL=http://127.0.0.1:$PORT
say "starting medsettle serve at $URL"
$MEDSETTLE serve --db "$DB" --urls "$URL" > "$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 120); do
  curl -sf "$URL/health" > /dev/null 2>&1 && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log"; exit 1; }
  sleep 0.5
done
curl -sf "$URL/health" > /dev/null || { echo "the server did not answer /health"; cat "$WORK/server.log"; exit 1; }

# How many visits T seconds of settling need: prepare two batches and settle them, the first to warm up the server's
# 2207 path, the second to measure; then prepare rate × T × 2 (a short batch can measure low). The first visits go
# through the API (2551 + 2201 + 2204); the rest are SQL copies of those (see bench/MedSettle.Load/Prepare.cs).
say "calibrating: two batches of visits, prepared and settled"
CAL=$(( CLIENTS * 500 < 2000 ? 2000 : CLIENTS * 500 ))
$LOAD prepare --url "$URL" --db "$CONN" --visits $(( 2 * CAL )) --api-visits 1000 --hot-persons 0 --clients 16 --seed 1 --out "$WORK/calibration.tsv" > "$WORK/calibration-prepare.json"
head -n $(( CAL + 1 )) "$WORK/calibration.tsv" > "$WORK/warmup.tsv"
{ head -n 1 "$WORK/calibration.tsv"; tail -n +$(( CAL + 2 )) "$WORK/calibration.tsv"; } > "$WORK/measure.tsv"
$LOAD settle --url "$URL" --db "$CONN" --visits "$WORK/warmup.tsv" --clients "$CLIENTS" --seconds "$DURATION" > "$WORK/warmup.json"
$PSQL -d postgres -c "CHECKPOINT"
$LOAD settle --url "$URL" --db "$CONN" --visits "$WORK/measure.tsv" --clients "$CLIENTS" --seconds "$DURATION" > "$WORK/calibration.json"
RATE=$(grep -o '"steady_settlements_per_s":[0-9.]*' "$WORK/calibration.json" | cut -d: -f2)
VISITS=$(awk -v r="$RATE" -v t="$DURATION" 'BEGIN { printf "%d", r * t * 2 + 100 }')
say "preparing $VISITS visits (~$RATE settlements/s × $DURATION s × 2): ${API_VISITS:-3000} through the API (2551 + 2201 + 2204 × 10 lines), the rest SQL copies; $HOT hot persons"
$LOAD prepare --url "$URL" --db "$CONN" --visits "$VISITS" --api-visits "${API_VISITS:-3000}" --hot-persons "$HOT" --clients 16 --out "$WORK/visits.tsv" > "$WORK/prepare.json"

THREADS=$(( CLIENTS < 2 ? CLIENTS : 2 ))
# pgbench TPC-B with the clients for the seconds on DATABASE (default pgbench), its output into LOG and its tps (without
# connection time) into PGB_TPS
pgbench_run() {
  "$PG_BIN/pgbench" -M prepared -c "$CLIENTS" -j "$THREADS" -T "$DURATION" "${2:-pgbench}" > "$1" 2>&1 || { cat "$1"; exit 1; }
  PGB_TPS=$(grep -o 'tps = [0-9.]* (without initial connection time)' "$1" | awk '{print $3}')
  [ -n "$PGB_TPS" ] || { echo "no tps in pgbench's output:"; cat "$1"; exit 1; }
}

say "pgbench TPC-B: initialising scale 10"
"$PG_BIN/pgbench" -i -s 10 -q pgbench > "$WORK/pgbench-init.log" 2>&1 || { cat "$WORK/pgbench-init.log"; exit 1; }
$PSQL -d postgres -c "CHECKPOINT"
say "pgbench -M prepared -c $CLIENTS -j $THREADS -T $DURATION"
PG_T0=$(ticks $(pg_pids)); CL_T0=$(own_children_ticks); W0=$(now)
pgbench_run "$WORK/pgbench.log"
PGB_WALL=$(since "$W0"); PGB_PG=$(( $(ticks $(pg_pids)) - PG_T0 )); PGB_CL=$(( $(own_children_ticks) - CL_T0 ))
printf '{"tps":%s,"clients":%s,"threads":%s,"seconds":%s,"scale":10,"transactions":%s,"latency_avg_ms":%s}\n' \
  "$PGB_TPS" "$CLIENTS" "$THREADS" "$DURATION" \
  "$(grep -o 'number of transactions actually processed: [0-9]*' "$WORK/pgbench.log" | awk '{print $NF}')" \
  "$(grep -o 'latency average = [0-9.]*' "$WORK/pgbench.log" | awk '{print $NF}')" > "$WORK/pgbench.json"

$PSQL -d postgres -c "CHECKPOINT"
[ -n "${STATEMENTS:-}" ] && $PSQL -d medsettle -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" -c "SELECT pg_stat_statements_reset()" > /dev/null
say "settling (2207) with $CLIENTS clients for $DURATION s"
PG_T0=$(ticks $(pg_pids)); SV_T0=$(ticks "$SERVER_PID"); CL_T0=$(own_children_ticks); W0=$(now)
$LOAD settle --url "$URL" --db "$CONN" --visits "$WORK/visits.tsv" --clients "$CLIENTS" --seconds "$DURATION" > "$WORK/settle.json"
curl -sf -H "Authorization: Bearer $($MEDSETTLE admin-token --db "$DB")" "$URL/api/admin/health" > "$WORK/health.json"
[ -n "${STATEMENTS:-}" ] && $PSQL -d medsettle -P pager=off -c "
  SELECT calls, round(total_plan_time::numeric, 1) AS plan_ms, round(total_exec_time::numeric, 1) AS exec_ms,
         round((total_exec_time / NULLIF(calls, 0))::numeric, 3) AS exec_ms_per_call, rows, left(regexp_replace(query, '\s+', ' ', 'g'), 110) AS query
  FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = 'medsettle')
  ORDER BY total_plan_time + total_exec_time DESC LIMIT 25" > "$STATEMENTS"
ST_WALL=$(since "$W0"); ST_PG=$(( $(ticks $(pg_pids)) - PG_T0 )); ST_SV=$(( $(ticks "$SERVER_PID") - SV_T0 )); ST_CL=$(( $(own_children_ticks) - CL_T0 ))

FLOW_SECONDS=$(( DURATION / 2 ))
USED=$(grep -o '"requests":[0-9]*' "$WORK/settle.json" | cut -d: -f2)
HALF=$(grep -o '"settlements_per_s":[0-9.]*' "$WORK/settle.json" | cut -d: -f2 | awk '{printf "%.1f", $1 / 2}')
say "settling at half that rate ($HALF/s, paced) for $FLOW_SECONDS s: the latency a window sees on an ordinary busy day"
# from a checkpoint, as every measured phase: otherwise the disk may still be writing back the last phase's pages
$PSQL -d postgres -c "CHECKPOINT"
$LOAD settle --url "$URL" --db "$CONN" --visits "$WORK/visits.tsv" --skip "$USED" --rate "$HALF" --clients "$CLIENTS" --seconds "$FLOW_SECONDS" > "$WORK/half.json"
say "at half rate: $(grep -o '"settlements_per_s":[0-9.]*' "$WORK/half.json" | cut -d: -f2)/s, p50 $(grep -o '"p50_ms":[0-9.]*' "$WORK/half.json" | cut -d: -f2) ms, p99 $(grep -o '"p99_ms":[0-9.]*' "$WORK/half.json" | cut -d: -f2) ms"

say "full flows (2551 → 2201 → 2203 → 2204 → 2207) with $CLIENTS clients for $FLOW_SECONDS s"
PG_T0=$(ticks $(pg_pids)); SV_T0=$(ticks "$SERVER_PID"); W0=$(now)
$LOAD flow --url "$URL" --db "$CONN" --clients "$CLIENTS" --seconds "$FLOW_SECONDS" > "$WORK/flow.json"
FL_WALL=$(since "$W0"); FL_PG=$(( $(ticks $(pg_pids)) - PG_T0 )); FL_SV=$(( $(ticks "$SERVER_PID") - SV_T0 ))

say "pgbench again, as before settling: the ratio uses the better of the two runs"
$PSQL -d postgres -c "CHECKPOINT"
pgbench_run "$WORK/pgbench-after.log"
printf '{"tps":%s}\n' "$PGB_TPS" > "$WORK/pgbench-after.json"

# TPC-B has one branch row per unit of scale, and every transaction updates one: with more clients than branches its
# transactions can wait on those rows (its documentation: the scale should be at least the clients). Then pgbench runs
# once more at scale C, reported beside the ratio, which stays the one at scale 10 as issue 5 defines it.
if [ "$CLIENTS" -gt 10 ]; then
  say "pgbench at scale $CLIENTS, for reference (at scale 10, $CLIENTS clients share 10 branch rows): initialising"
  $PSQL -d postgres -c "CREATE DATABASE pgbench_scaled"
  "$PG_BIN/pgbench" -i -s "$CLIENTS" -q pgbench_scaled > "$WORK/pgbench-scaled-init.log" 2>&1 || { cat "$WORK/pgbench-scaled-init.log"; exit 1; }
  $PSQL -d postgres -c "CHECKPOINT"
  say "pgbench -M prepared -c $CLIENTS -j $THREADS -T $DURATION at scale $CLIENTS"
  pgbench_run "$WORK/pgbench-scaled.log" pgbench_scaled
  printf '{"tps":%s,"scale":%s}\n' "$PGB_TPS" "$CLIENTS" > "$WORK/pgbench-scaled.json"
  PARTS+=(--part "pgbench_scaled=$WORK/pgbench-scaled.json")
  $PSQL -d postgres -c "DROP DATABASE pgbench_scaled"
fi

# The HTTP floor: the same clients against a stub that only reads, parses and answers (medsettle-load stub-server, with
# a real 2207 answer from this run): what the HTTP exchange alone costs on this machine, under every settlement.
say "the HTTP floor: the same $CLIENTS clients against a stub answering every 2207 with a stored answer, $FLOW_SECONDS s"
$PSQL -d medsettle -tA -c "SELECT response FROM messages WHERE infno = '2207' AND response LIKE '{\"infcode\":0,%' ORDER BY received_at DESC LIMIT 1" > "$WORK/answer.json"
STUB_PORT=$(free_port)
DOTNET_gcServer=1 $LOAD stub-server --urls "http://127.0.0.1:$STUB_PORT" --answer "$WORK/answer.json" > "$WORK/stub.log" 2>&1 &
STUB_PID=$!
for _ in $(seq 1 60); do curl -sf -o /dev/null -X POST -d '{"infno":"9001"}' "http://127.0.0.1:$STUB_PORT/fsi/api/rsfComIfsService/callService" && break; sleep 0.5; done
SB_T0=$(ticks "$STUB_PID"); CL_T0=$(own_children_ticks); W0=$(now)
$LOAD settle --url "http://127.0.0.1:$STUB_PORT" --db "$CONN" --visits "$WORK/visits.tsv" --cycle yes --clients "$CLIENTS" --seconds "$FLOW_SECONDS" > "$WORK/floor.json"
FLR_WALL=$(since "$W0"); FLR_SB=$(( $(ticks "$STUB_PID") - SB_T0 )); FLR_CL=$(( $(own_children_ticks) - CL_T0 ))
kill "$STUB_PID"; wait "$STUB_PID" 2>/dev/null || true

# Correctness is not traded for speed: every invariant over all that this run wrote (accumulators and accounts equal
# their settlements, each settlement its bill, each acknowledged message stored once, …). A violation fails the run.
say "medsettle verify: every invariant over what this run wrote"
W0=$(now)
VERIFY_RC=0
$MEDSETTLE verify --db "$DB" > "$WORK/verify.txt" 2> "$WORK/verify.log" || VERIFY_RC=$?
VERIFY_WALL=$(since "$W0")
# its exit code says whether every invariant holds; the count on its last line is for the table
VIOLATIONS=$(tail -n 1 "$WORK/verify.txt" | grep -o '^[0-9]*' || true)
if [ "$VERIFY_RC" -ne 0 ]; then
  echo "medsettle verify failed (exit $VERIFY_RC):"; cat "$WORK/verify.txt" "$WORK/verify.log"
fi

RSS_MB=$(awk '/^VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$SERVER_PID/status")
RSS_NOW_MB=$(awk '/^VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$SERVER_PID/status")
PERSONS_TOTAL=$($PSQL -d medsettle -tA -c "SELECT COUNT(*) FROM persons")
say "done; stopping the server and PostgreSQL after the report"
echo

$LOAD report --out "$OUT" \
  --set "machine.nproc=$(nproc)" \
  --set "machine.memory_mb=$(awk '/^MemTotal/ { printf "%.0f", $2 / 1024 }' /proc/meminfo)" \
  --set "machine.cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')" \
  --set "machine.kernel=$(uname -r)" \
  --set "machine.pg_version=$("$PG_BIN/postgres" --version)" \
  --set "machine.dotnet=$(dotnet --version)" \
  --set "parameters.commit=git:$(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- src bench ':!bench/results' 2>/dev/null || echo +changes)" \
  --set "parameters.clients=$CLIENTS" \
  --set "parameters.seconds=$DURATION" \
  --set "parameters.flow_seconds=$FLOW_SECONDS" \
  --set "parameters.persons=$PERSONS" \
  --set "parameters.persons_in_table=$PERSONS_TOTAL" \
  --set "parameters.hot_persons=$HOT" \
  --set "parameters.visits_prepared=$VISITS" \
  --set "parameters.postgres=fsync on, synchronous_commit on, shared_buffers 1GB, max_connections 300; CHECKPOINT before pgbench, before settle and before the half rate" \
  --set "server.rss_mb=$RSS_MB" \
  --set "server.rss_end_mb=$RSS_NOW_MB" \
  --set "cpu.settle_server_pct=$(pct "$ST_SV" "$ST_WALL")" \
  --set "cpu.settle_postgres_pct=$(pct "$ST_PG" "$ST_WALL")" \
  --set "cpu.settle_driver_pct=$(pct "$ST_CL" "$ST_WALL")" \
  --set "cpu.flow_server_pct=$(pct "$FL_SV" "$FL_WALL")" \
  --set "cpu.flow_postgres_pct=$(pct "$FL_PG" "$FL_WALL")" \
  --set "cpu.pgbench_postgres_pct=$(pct "$PGB_PG" "$PGB_WALL")" \
  --set "cpu.pgbench_client_pct=$(pct "$PGB_CL" "$PGB_WALL")" \
  --set "cpu.floor_stub_pct=$(pct "$FLR_SB" "$FLR_WALL")" \
  --set "cpu.floor_driver_pct=$(pct "$FLR_CL" "$FLR_WALL")" \
  --set "cpu.note=percent of one core over the phase's wall time; the machine has $(nproc) cores" \
  --set "verify.violations=${VIOLATIONS:-unknown}" \
  --set "verify.exit_code=$VERIFY_RC" \
  --set "verify.seconds=$VERIFY_WALL" \
  --part "calibration=$WORK/calibration.json" \
  "${PARTS[@]}" \
  --part "prepare=$WORK/prepare.json" \
  --part "health=$WORK/health.json" \
  --part "pgbench=$WORK/pgbench.json" \
  --part "pgbench_after=$WORK/pgbench-after.json" \
  --part "settle=$WORK/settle.json" \
  --part "half_rate=$WORK/half.json" \
  --part "flow=$WORK/flow.json" \
  --part "http_floor=$WORK/floor.json"
# the summary stays the last line; a run whose data breaks an invariant still fails
[ "$VERIFY_RC" -eq 0 ]
