#!/usr/bin/env bash
# Benchmark: clear a month of N settlements (default 1,000,000) on a throwaway PostgreSQL, and the year's figures.
# Usage: bench/clearing.sh [N]     Prints the time of each step; the last line is machine-readable.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}
. bench/pg.sh
bench_province
echo "generating $N settlements in 2026-03 ..."
start=$(date +%s.%N)
"$PG_BIN/psql" -q -X -v n="$N" -v month_start=2026-03-01 -f bench/synthetic-settlements.sql
echo "generated in $(awk "BEGIN{print $(date +%s.%N) - $start}") s"

$MEDSETTLE clear --db "$DB" --month 2026-03 --out "$WORK" | tail -2
$MEDSETTLE stats --db "$DB" --from 2026-01-01 --to 2026-12-31 | head -6
rm -rf "$WORK"
if [ "${KEEP:-}" = 1 ]; then echo "kept: PGPORT=$PGPORT PG_DIR=$PG_DIR"; fi
