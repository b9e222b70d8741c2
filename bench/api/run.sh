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
# Environment: BENCH_DSN (libpq URL; default the test server), BENCH_OUT (data
# and logs, default /tmp/pyramydal-api-bench), BENCH_PORT (ours, default
# 56124; Datasette gets the next port), BENCH_DATASETTE=0 skips the peer.
# Needs: psql, curl, wrk (installed from Debian when missing). Datasette and
# sqlite-utils are installed pinned into the project-local .venv-bench-api.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
rows=${1:-1000000}
dsn=${BENCH_DSN:-${PYRAMYDAL_TEST_DATABASE_URL:-postgresql://pyramydal@127.0.0.1:55432/pyramydal_test}}
out=${BENCH_OUT:-/tmp/pyramydal-api-bench}
port=${BENCH_PORT:-56124}
dport=$((port + 1))
peer=${BENCH_DATASETTE:-1}
shared=${BENCH_SHARED:-$root/../shared/bench}
[ -d "$shared" ] || shared=/work/shared/bench
mkdir -p "$out"

# shellcheck source=scripts/python-venv.sh
source "$root/scripts/python-venv.sh"
ensure_venv "$root/.venv-bench-api" "datasette==0.65.5" "sqlite-utils==3.38" >&2
export PATH="$root/.venv-bench-api/bin:$PATH"
if ! command -v wrk >/dev/null; then
    echo "installing wrk from Debian" >&2
    _venv_as_root apt-get install -y -qq --no-install-recommends wrk >/dev/null
fi

(cd "$root" && swift build -c release --product pyramydal >/dev/null)
bin="$root/.build/release/pyramydal"

# The rows, as CSV (booleans 1/0, ISO dates), made once per size.
csv=$out/orders_$rows.csv
[ -s "$csv" ] || python3 "$shared/web_rows_csv.py" "$rows" "$csv"

# Ours: the CSV ingested as dataset bench/orders_<rows> into its own schemas
# (a rerun finds the same bytes and makes no second version).
export PYRAMYDAL_DATABASE_URL=$dsn PYRAMYDAL_STORE=file://$out/store PYRAMYDAL_HOME=$out/home
export PYRAMYDAL_CATALOG_SCHEMA=bench_api PYRAMYDAL_DATA_SCHEMA=bench_api_data PYRAMYDAL_JOBS_SCHEMA=bench_api
export PYRAMYDAL_LOG_LEVEL=warning
mkdir -p "$out/store"
name=orders_$rows
echo "== ingesting $rows rows into bench/$name" >&2
/usr/bin/time -o "$out/ingest.time" -f "ours ingest: %e s, peak %M KiB" \
    "$bin" ingest "$csv" --department bench --name "$name" >/dev/null 2>"$out/ingest.log"
cat "$out/ingest.time" >&2
"$bin" users add bench --admin >/dev/null 2>&1 || true
token=$("$bin" users tokens add bench "run-$(date +%s%N)" 2>/dev/null)

export PYRAMYDAL_HTTP_ADDRESS=127.0.0.1:$port
"$bin" serve >"$out/serve.log" 2>&1 &
spid=$!
dpid=""
rss_max_file=$out/serve.rssmax
echo 0 >"$rss_max_file"
(   # our server's RSS, every 100 ms, the maximum kept in a file
    max=0
    while kill -0 "$spid" 2>/dev/null; do
        kb=$(awk '/VmRSS/{print $2}' "/proc/$spid/status" 2>/dev/null || echo 0)
        if [ "${kb:-0}" -gt "$max" ]; then max=$kb; echo "$max" >"$rss_max_file"; fi
        sleep 0.1
    done
) &
sampler=$!
cleanup() { kill "$spid" ${dpid:+"$dpid"} 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT
api=http://127.0.0.1:$port/api/v1
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
auth=(-H "Authorization: Bearer $token")
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
dataset=$(curl -sf "${auth[@]}" "$api/datasets?department=bench" | json "[x['id'] for x in d['items'] if x['name']=='$name'][0]")
latest=$(curl -sf "${auth[@]}" "$api/datasets/$dataset" | json "d['latest_version']")
view=$(curl -sf "${auth[@]}" "$api/datasets/$dataset" | json "d['view']")
version=$(curl -sf "${auth[@]}" "$api/datasets/$dataset/versions" | json "[x['id'] for x in d['items'] if x['version'] == $latest][0]")
rows_url=$api/versions/$version/rows

# The cursor of the page at row 900,000 (of ROWS), by walking pages of 1000.
deep=$((rows * 9 / 10))
cursor=$(BENCH_TOKEN=$token python3 - "$rows_url" "$((deep / 1000))" <<'PY'
import json, os, sys, urllib.request
url, pages, cursor = sys.argv[1], int(sys.argv[2]), None
for _ in range(pages):
    request = urllib.request.Request(url + "?limit=1000" + ("&cursor=" + cursor if cursor else ""),
                                     headers={"Authorization": "Bearer " + os.environ["BENCH_TOKEN"]})
    cursor = json.load(urllib.request.urlopen(request))["next"]
print(cursor)
PY
)

# One cold request, then the median of 5: "ttfb_ms total_ms status".
time_view() {
    curl -s -o /dev/null "${@:2}"
    for _ in 1 2 3 4 5; do curl -s -o /dev/null -w '%{time_starttransfer} %{time_total} %{http_code}\n' "${@:2}"; done |
        sort -n -k2 | sed -n 3p | awk '{printf "%.1f %.1f %s\n", $1*1000, $2*1000, $3}'
}
declare -A ours theirs
ours[first]=$(time_view x "${auth[@]}" "$rows_url?limit=100")
ours[deep]=$(time_view x "${auth[@]}" "$rows_url?limit=100&cursor=$cursor")
ours[sort]=$(time_view x "${auth[@]}" "$rows_url?limit=100&sort=amount")
ours[filter]=$(time_view x "${auth[@]}" "$rows_url?limit=100&where=notes%20contains%20urgent")
ours[search]=$(time_view x "${auth[@]}" "$rows_url?limit=100&q=fragile")

echo "== whole-table CSV" >&2
t0=$(date +%s.%N)
curl -sf "${auth[@]}" -o "$out/ours.csv" "$rows_url.csv"
ours_csv_s=$(python3 -c "import time; print('%.2f' % (time.time() - $t0))")
ours_csv_lines=$(($(wc -l <"$out/ours.csv") - 1))
t0=$(date +%s.%N)
psql "$dsn" -qAt -c "\\copy (SELECT * FROM bench_api_data.\"$view\") TO '$out/floor.csv' (FORMAT csv, HEADER)"
floor_s=$(python3 -c "import time; print('%.2f' % (time.time() - $t0))")
ours_csv_hwm=$(awk '/VmHWM/{print int($2/1024)}' "/proc/$spid/status")

ours_rps=$(wrk -t 4 -c 4 -d 10s -H "Authorization: Bearer $token" "$rows_url?limit=100" | awk '/Requests\/sec/{print $2}')
sleep 0.2
ours_rss_max=$(( $(cat "$rss_max_file") / 1024 ))
kill "$spid" 2>/dev/null || true

if [ "$peer" != 0 ]; then
    db=$out/orders_$rows.db
    if [ ! -s "$db" ]; then
        echo "== loading the same rows into SQLite for Datasette" >&2
        sqlite-utils insert "$db" orders "$csv" --csv --empty-null --pk row_id >/dev/null
        sqlite-utils enable-fts "$db" orders product_name customer_name city notes --fts5 --create-triggers >/dev/null
    fi
    datasette serve "$db" -h 127.0.0.1 -p "$dport" --setting max_csv_mb 0 >"$out/datasette.log" 2>&1 &
    dpid=$!
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$dport/-/versions.json" >/dev/null && break; sleep 0.2; done
    base=http://127.0.0.1:$dport/$(basename "$db" .db)/orders
    theirs[first]=$(time_view x "$base.json?_nocount=1&_nofacet=1")
    theirs[deep]=$(time_view x "$base.json?_next=$deep&_nocount=1&_nofacet=1")
    theirs[sort]=$(time_view x "$base.json?_sort=amount&_nocount=1&_nofacet=1")
    theirs[filter]=$(time_view x "$base.json?notes__contains=urgent&_nocount=1&_nofacet=1")
    theirs[search]=$(time_view x "$base.json?_search=fragile&_nocount=1&_nofacet=1")
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
