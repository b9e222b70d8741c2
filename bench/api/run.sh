#!/usr/bin/env bash
# API benchmark: browsing one big dataset over HTTP, our `pyramydal serve`
# (release build) against Datasette 0.65.5 (the peer a person would pick to
# put a big table on the web), in one run, on the same rows.
#
#   bench/api/run.sh [ROWS]          default 1000000 (20 columns, the rows of
#                                    ../shared/bench/gen_workbook.py, seed 42)
#
# Each view is timed with curl as ../shared/bench/web_datasette.sh does: one
# cold request, then the median of 5 (time to first byte and total). The
# whole-table CSV is timed once per server with the server's peak RSS, beside
# the `psql \copy … TO` floor of the same table; JSON pages per second at 4
# concurrent clients come from wrk (10 s). Our server's RSS is sampled every
# 100 ms throughout and its maximum printed.
#
# Environment: BENCH_OUT (logs and the CSV files, default
# /tmp/pyramydal-api-bench), BENCH_PORT (ours, default 56124; Datasette gets
# the next port), BENCH_DATASETTE=0 skips the peer; BENCH_DSN, BENCH_DATA,
# BENCH_SCHEMA as in bench/lib/serve-bench.sh (the set-up shared with
# bench/web/run.sh). Needs: psql, curl, wrk (installed from Debian when
# missing). Datasette and sqlite-utils are installed pinned into the
# project-local .venv-bench-api.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/lib/serve-bench.sh
source "$here/../lib/serve-bench.sh"
out=${BENCH_OUT:-/tmp/pyramydal-api-bench}
port=${BENCH_PORT:-56124}
bench_prepare "${1:-1000000}" "$port"
rows_url=$api/versions/$version/rows

declare -A ours theirs
ours[first]=$(time_view "${auth[@]}" "$rows_url?limit=100")
ours[deep]=$(time_view "${auth[@]}" "$rows_url?limit=100&cursor=$cursor")
ours[sort]=$(time_view "${auth[@]}" "$rows_url?limit=100&sort=amount")
ours[filter]=$(time_view "${auth[@]}" "$rows_url?limit=100&where=notes%20contains%20urgent")
ours[search]=$(time_view "${auth[@]}" "$rows_url?limit=100&q=fragile")

echo "== whole-table CSV" >&2
t0=$(date +%s.%N)
curl -sf "${auth[@]}" -o "$out/ours.csv" "$rows_url.csv"
ours_csv_s=$(python3 -c "import time; print('%.2f' % (time.time() - $t0))")
ours_csv_lines=$(($(wc -l <"$out/ours.csv") - 1))
t0=$(date +%s.%N)
psql "$dsn" -qAt -c "\\copy (SELECT * FROM ${schema}_data.\"$view\") TO '$out/floor.csv' (FORMAT csv, HEADER)"
floor_s=$(python3 -c "import time; print('%.2f' % (time.time() - $t0))")
ours_csv_hwm=$(awk '/VmHWM/{print int($2/1024)}' "/proc/$spid/status")

ours_rps=$(wrk -t 4 -c 4 -d 10s -H "Authorization: Bearer $token" "$rows_url?limit=100" | awk '/Requests\/sec/{print $2}')
sleep 0.2
ours_rss_max=$(bench_rss_max)
kill "$spid" 2>/dev/null || true

if [ "$peer" != 0 ]; then
    bench_datasette "$dport"
    base=$dbase
    theirs[first]=$(time_view "$base.json?_nocount=1&_nofacet=1")
    theirs[deep]=$(time_view "$base.json?_next=$deep&_nocount=1&_nofacet=1")
    theirs[sort]=$(time_view "$base.json?_sort=amount&_nocount=1&_nofacet=1")
    theirs[filter]=$(time_view "$base.json?notes__contains=urgent&_nocount=1&_nofacet=1")
    theirs[search]=$(time_view "$base.json?_search=fragile&_nocount=1&_nofacet=1")
    echo "== Datasette whole-table CSV" >&2
    t0=$(date +%s.%N)
    curl -s -o "$out/datasette.csv" "$base.csv?_stream=on&_size=max"
    theirs_csv_s=$(python3 -c "import time; print('%.2f' % (time.time() - $t0))")
    theirs_csv_hwm=$(awk '/VmHWM/{print int($2/1024)}' "/proc/$dpid/status")
    theirs_rps=$(wrk -t 4 -c 4 -d 10s "$base.json?_nocount=1&_nofacet=1" | awk '/Requests\/sec/{print $2}')
    kill "$dpid" 2>/dev/null || true
fi

ratio() { python3 -c "a, b = float('$1'), float('$2'); print('%.2fx' % (a / b) if b > 0 else '-')"; }
printf '\n%s rows × 20 columns; medians of 5 after a cold request (total time, ms)\n' "$rows"
printf '%-36s %10s %12s %16s\n' "view" "ours ms" "Datasette ms" "Datasette/ours"
for view in first deep sort filter search; do
    label=$(case $view in first) echo "first JSON page (100 rows)";; deep) echo "page at row $deep by cursor";;
        sort) echo "sort on amount (no index)";; filter) echo "filter notes contains urgent";; search) echo "full-text search 'fragile'";; esac)
    o=$(awk '{print $2}' <<<"${ours[$view]}"); ostatus=$(awk '{print $3}' <<<"${ours[$view]}")
    t=$(awk '{print $2}' <<<"${theirs[$view]:-- - -}")
    [ "$ostatus" = 200 ] || o="$o (HTTP $ostatus)"
    printf '%-36s %10s %12s %16s\n' "$label" "$o" "$t" "$([ "$t" != - ] && ratio "$t" "${o%% *}" || echo -)"
done
printf '\n%-36s %10s %12s %16s\n' "whole-table CSV" "ours s" "Datasette s" "Datasette/ours"
printf '%-36s %10s %12s %16s\n' "time" "$ours_csv_s" "${theirs_csv_s:--}" \
    "$([ -n "${theirs_csv_s:-}" ] && ratio "$theirs_csv_s" "$ours_csv_s" || echo -)"
printf '%-36s %10s %12s\n' "server peak RSS after it (MiB)" "$ours_csv_hwm" "${theirs_csv_hwm:--}"
printf '%-36s %10s   (ours / floor: %s; %s data lines)\n' "psql \\copy TO floor (s)" "$floor_s" "$(ratio "$ours_csv_s" "$floor_s")" "$ours_csv_lines"
printf '\n%-36s %10s %12s %16s\n' "JSON pages/s, 4 clients (wrk 10 s)" "$ours_rps" "${theirs_rps:--}" \
    "$([ -n "${theirs_rps:-}" ] && ratio "$ours_rps" "$theirs_rps" || echo -)"
printf '%-36s %10s\n' "our server's max RSS, whole run (MiB)" "$ours_rss_max"
