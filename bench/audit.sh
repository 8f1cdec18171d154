#!/usr/bin/env bash
# Benchmark: medsettle audit over a month of N settlements (default 1,000,000) with their visits, fee lines and filings,
# on a throwaway PostgreSQL. Usage: bench/audit.sh [N]     Prints the time of each step and the audit's table.
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
