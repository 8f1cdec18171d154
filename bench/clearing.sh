#!/usr/bin/env bash
# Benchmark: clear a month of N settlements (default 1,000,000) on a throwaway PostgreSQL, and the year's figures.
# Usage: bench/clearing.sh [N]     Prints the time of each step; the last line is machine-readable.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}
. bench/pg.sh
[ "${KEEP:-}" = 1 ] || trap pg_stop EXIT
pg_start "$(mktemp -d /tmp/medsettle-bench-XXXXXX)"
DB="postgres:Host=127.0.0.1;Port=$PGPORT;Username=postgres;Database=postgres;Command Timeout=600"
WORK=$(mktemp -d)

dotnet build -c Release src/MedSettle -v q -nologo >/dev/null
MEDSETTLE="dotnet src/MedSettle/bin/Release/net10.0/medsettle.dll"
$MEDSETTLE demo-bundle --persons 200000 "$WORK/bundle" >/dev/null
$MEDSETTLE import --db "$DB" "$WORK/bundle" | tail -1
echo "generating $N settlements in 2026-03 ..."
start=$(date +%s.%N)
"$PG_BIN/psql" -q -X -v n="$N" -v month_start=2026-03-01 -f bench/synthetic-settlements.sql
echo "generated in $(awk "BEGIN{print $(date +%s.%N) - $start}") s"

$MEDSETTLE clear --db "$DB" --month 2026-03 --out "$WORK" | tail -2
$MEDSETTLE stats --db "$DB" --from 2026-01-01 --to 2026-12-31 | head -6
rm -rf "$WORK"
if [ "${KEEP:-}" = 1 ]; then echo "kept: PGPORT=$PGPORT PG_DIR=$PG_DIR"; fi
