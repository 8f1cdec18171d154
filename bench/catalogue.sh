#!/usr/bin/env bash
# Benchmark: the full 1301 download of an N-row 西药中成药 catalogue (default 50,000), on SQLite and on a throwaway
# PostgreSQL: each database imports the demo province with the generated catalogue (timed), builds the whole list's file
# (1301, ver 0) RUNS times in process and fetches it back with 9102, then imports it again unchanged and with one row
# changed, and downloads since the first version (one row). Usage: bench/catalogue.sh [N] [RUNS]
# Each database's last line is its result as JSON (medsettle-load catalogue).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-50000}
RUNS=${2:-5}
. bench/pg.sh
[ "${KEEP:-}" = 1 ] || trap pg_stop EXIT
pg_start "$(mktemp -d /tmp/medsettle-bench-XXXXXX)"
WORK=$(mktemp -d)

dotnet build -c Release bench/MedSettle.Load -v q -nologo >/dev/null
LOAD="dotnet bench/MedSettle.Load/bin/Release/net10.0/medsettle-load.dll"
echo "SQLite:"
$LOAD catalogue --db "sqlite:$WORK/catalogue.db" --key-file "$WORK/catalogue.keys" --rows "$N" --runs "$RUNS"
echo "PostgreSQL:"
$LOAD catalogue --db "postgres:Host=127.0.0.1;Port=$PGPORT;Username=postgres;Database=postgres;Command Timeout=600" \
  --key-file "$WORK/catalogue.keys" --rows "$N" --runs "$RUNS"
rm -rf "$WORK"
if [ "${KEEP:-}" = 1 ]; then echo "kept: PGPORT=$PGPORT PG_DIR=$PG_DIR"; fi
