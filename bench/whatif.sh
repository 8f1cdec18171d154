#!/usr/bin/env bash
# Benchmark: medsettle whatif (the policy what-if, docs/WHATIF.md) over a year of N settlements (default 1,000,000) on a
# throwaway PostgreSQL. The history is consistent (bench/MedSettle.Load history: every row what settling would have
# stored, in time order), so the replay with no draft must reproduce all N. Runs the self-check twice (the second warm)
# and once with a draft raising one region's inpatient ratio; VERIFY=0 skips medsettle verify of the history.
# Usage: bench/whatif.sh [N]     Prints the time of each step; the last line is machine-readable.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}
. bench/pg.sh
bench_province
dotnet build -c Release bench/MedSettle.Load -v q -nologo >/dev/null
LOAD="dotnet bench/MedSettle.Load/bin/Release/net10.0/medsettle-load.dll"
echo "generating a consistent 2026 of $N settlements ..."
start=$(date +%s.%N)
$LOAD history --db "${DB#postgres:}" --settlements "$N" | tee "$WORK/history.json"
generated=$(awk "BEGIN{printf \"%.1f\", $(date +%s.%N) - $start}")
echo "generated in $generated s"

violations=skipped
if [ "${VERIFY:-1}" = 1 ]; then
  $MEDSETTLE verify --db "$DB" 2>/dev/null | tail -1 | tee "$WORK/verify.txt"
  violations=$(awk '{print $1; exit}' "$WORK/verify.txt")
fi

# One replay: its last line ("replayed N, identical N; ...; S s"), the wall time, the load average before it.
replay() {
  local name=$1; shift
  echo "$name (load average $(cut -d' ' -f1-3 /proc/loadavg)):"
  /usr/bin/time -f "%e s wall, %M KB max resident" -o "$WORK/$name.time" \
    $MEDSETTLE whatif --db "$DB" --from 2026-01-01 --to 2026-12-31 "$@" > "$WORK/$name.out" || true
  tail -1 "$WORK/$name.out"
  echo "  $(cat "$WORK/$name.time")"
}
seconds() { sed -n 's/.*; \([0-9.]*\) s$/\1/p' "$WORK/$1.out" | tail -1; }
identical() { sed -n 's/^replayed \([0-9,]*\), identical \([0-9,]*\);.*/\2\/\1/p' "$WORK/$1.out" | tr -d , | tail -1; }

replay first
replay second

# the draft: 长春 (220100) residents' inpatient ratio at level-3 hospitals raised to 0.80, the stored row otherwise
"$PG_BIN/psql" -q -X -At -c "
  SELECT json_agg(json_build_object('insuplc_admdvs', insuplc_admdvs, 'insutype', insutype, 'category', category, 'hosp_lv', hosp_lv,
      'effective_from', effective_from, 'deductible', deductible_fen / 100.0, 'deductible_basis', deductible_basis, 'ratio', 0.80,
      'annual_cap', annual_cap_fen / 100.0))
  FROM policies WHERE insuplc_admdvs = '220100' AND insutype = '390' AND category = 'inpatient' AND hosp_lv = 3 AND effective_from = '2026-01-01'" \
  > "$WORK/draft.json"
echo "draft: $(cat "$WORK/draft.json")"
replay draft --draft "$WORK/draft.json"
grep -E "个人现金变化分位|settlement\(s\) reach a cap" "$WORK/draft.out" || true

echo "whatif: n=$N generated_s=$generated verify_violations=$violations first_s=$(seconds first) second_s=$(seconds second)" \
     "draft_s=$(seconds draft) identical_first=$(identical first) identical_second=$(identical second) identical_draft=$(identical draft)" \
     "cores=$(nproc)"
rm -rf "$WORK"
if [ "${KEEP:-}" = 1 ]; then echo "kept: PGPORT=$PGPORT PG_DIR=$PG_DIR"; fi
