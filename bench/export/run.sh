#!/usr/bin/env bash
# Export benchmark: the same table through our ExportWorker (release build)
# and the peers, in one run, on the same PostgreSQL.
#
#   bench/export/run.sh [ROWS...]        default: 100000
#
# Environment: BENCH_DSN (libpq URL; default the test server),
# BENCH_RUNS (runs of ours and the floor, default 3), BENCH_PEER_RUNS (runs of
# the slow Python peers, default 1; 0 skips them), BENCH_PEERS_MAX_ROWS (skip
# the Python peers above this many rows, default 100000), BENCH_PDF_MAX_ROWS
# (skip our PDF above this, default 200000: PYRAMYDAL_PRINT_MAX_ROWS' default;
# memory is flat, about 1.5 s per 100k rows).
# Needs: psql. The Python peers (XlsxWriter, openpyxl, reportlab, psycopg) are
# installed pinned into the project-local .venv-bench-export.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
dsn=${BENCH_DSN:-${PYRAMYDAL_TEST_DATABASE_URL:-postgresql://pyramydal@127.0.0.1:55432/pyramydal_test}}
runs=${BENCH_RUNS:-3}
peer_runs=${BENCH_PEER_RUNS:-1}
peers_max=${BENCH_PEERS_MAX_ROWS:-100000}
pdf_max=${BENCH_PDF_MAX_ROWS:-200000}
shared=${BENCH_SHARED:-$root/../shared/bench}
[ -d "$shared" ] || shared=/work/shared/bench
out=${BENCH_OUT:-/tmp/pyramydal-export-bench}
mkdir -p "$out"
sizes=("$@"); [ ${#sizes[@]} -gt 0 ] || sizes=(100000)

# shellcheck source=scripts/python-venv.sh
source "$root/scripts/python-venv.sh"
ensure_venv "$root/.venv-bench-export" "xlsxwriter==3.3.1" "openpyxl==3.1.5" "reportlab==4.2.5" "psycopg[binary]==3.3.9" >&2
export PATH="$root/.venv-bench-export/bin:$PATH"

(cd "$root" && swift build -c release --product ExportWorker >/dev/null)
worker="$root/.build/release/ExportWorker"

measure() { python3 "$here/measure.py" "$1" -- "${@:2}"; }
field() { python3 -c "import json,sys; print('%.2f' % json.loads(sys.argv[1])['$2'])" "$1"; }

psql "$dsn" -qAt -c "CREATE SCHEMA IF NOT EXISTS bench_export" >/dev/null
printf '%-34s %8s %10s %9s %10s\n' "tool" "rows" "median s" "ratio" "peak MiB"
for rows in "${sizes[@]}"; do
  tbl="bench_export.orders_$rows"
  if [ "$(psql "$dsn" -qAt -c "SELECT count(*) FROM $tbl" 2>/dev/null || echo 0)" != "$rows" ]; then
    psql "$dsn" -q -v ON_ERROR_STOP=1 -v rows="$rows" -v tbl="$tbl" -f "$here/make_table.sql" >/dev/null
  fi
  q="SELECT * FROM $tbl ORDER BY row_id"
  declare -A res=()
  res[floor]=$(measure "$runs" psql "$dsn" -qAt -c "\\copy ($q) TO '$out/floor.csv' (FORMAT csv, HEADER)")
  formats="csv xlsx"; [ "$rows" -le "$pdf_max" ] && formats="$formats pdf"
  for f in $formats; do
    res[ours_$f]=$(PYRAMYDAL_DATABASE_URL="$dsn" measure "$runs" "$worker" render --table "$tbl" --format $f \
      --sort row_id --output "$out/ours.$f")
  done
  if [ "$peer_runs" -gt 0 ] && [ "$rows" -le "$peers_max" ]; then
    for tool in xlsxwriter openpyxl pdf_canvas; do
      ext=xlsx; [ $tool = pdf_canvas ] && ext=pdf
      res[$tool]=$(BENCH_DSN="$dsn" PYTHONPATH="$shared" measure "$peer_runs" \
        python3 "$shared/export.py" $tool "$tbl" "$out/$tool.$ext")
    done
  fi
  floor=$(field "${res[floor]}" median_s)
  line() { # name key baseline-key
    local r=${res[$2]:-}; [ -n "$r" ] || return 0
    local s; s=$(field "$r" median_s)
    local base=${res[$3]:-}; local ratio="-"
    [ -n "$base" ] && ratio=$(python3 -c "print('%.2fx' % ($s / $(field "$base" median_s)))")
    printf '%-34s %8s %10s %9s %10s\n' "$1" "$rows" "$s" "$ratio" "$(field "$r" peak_rss_mib)"
  }
  line "psql \\copy TO (CSV floor)" floor floor
  line "ours CSV (vs floor)" ours_csv floor
  line "ours XLSX (vs floor)" ours_xlsx floor
  line "Python XlsxWriter const-memory" xlsxwriter ours_xlsx
  line "openpyxl write-only" openpyxl ours_xlsx
  line "ours PDF (vs floor)" ours_pdf floor
  line "reportlab canvas (vs ours PDF)" pdf_canvas ours_pdf
  unset res
done
echo "(peer ratios are peer time / our time: how many times faster we are)"
