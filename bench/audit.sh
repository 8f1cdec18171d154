#!/usr/bin/env bash
# Benchmark: medsettle audit over a month of N settlements (default 1,000,000) with their visits, fee lines and filings,
# on a throwaway PostgreSQL. Usage: bench/audit.sh [N]     Prints the time of each step and the audit's table.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}
. bench/pg.sh
bench_province
echo "generating $N settlements in 2026-03 with their visits, fee lines and filings ..."
start=$(date +%s.%N)
"$PG_BIN/psql" -q -X -v n="$N" -v month_start=2026-03-01 -f bench/synthetic-settlements.sql
"$PG_BIN/psql" -q -X -f bench/synthetic-supervision.sql
echo "generated in $(awk "BEGIN{print $(date +%s.%N) - $start}") s"

echo "first run (files what it finds):"
/usr/bin/time -f "audit: %e s wall, %M KB max resident" $MEDSETTLE audit --db "$DB" --from 2026-03-01 --to 2026-03-31
echo "second run (files nothing new):"
/usr/bin/time -f "audit: %e s wall, %M KB max resident" $MEDSETTLE audit --db "$DB" --from 2026-03-01 --to 2026-03-31 | tail -1
rm -rf "$WORK"
if [ "${KEEP:-}" = 1 ]; then echo "kept: PGPORT=$PGPORT PG_DIR=$PG_DIR"; fi
