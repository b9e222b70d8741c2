#!/usr/bin/env bash
# Web benchmark (issue 16): the HTML table page of one big dataset, our
# `pyramydal serve` (release build, `/versions/{id}` with a session cookie)
# against Datasette 0.65.5's table page, in one run, on the same rows.
#
#   bench/web/run.sh [ROWS]          default 1000000 (20 columns, the rows of
#                                    ../shared/bench/gen_workbook.py, seed 42)
#
# Each view is timed with curl as ../shared/bench/web_datasette.sh does: one
# cold request, then the median of 5 (total time, server and transfer on
# loopback). HTML pages per second at 4 concurrent clients come from wrk
# (10 s, the first page without a count). Our server's RSS is sampled every
# 100 ms throughout and its maximum printed; Datasette's peak is its VmHWM.
# The set-up (tools, build, rows, ingest, serve, Datasette) is
# bench/lib/serve-bench.sh, shared with bench/api/run.sh, and so are the
# ingested rows (BENCH_SCHEMA, default bench_api).
#
# Environment: BENCH_OUT (logs, default /tmp/pyramydal-web-bench),
# BENCH_PORT (ours, default 56134; Datasette gets the next port),
# BENCH_DATASETTE=0 skips the peer; BENCH_DSN, BENCH_DATA, BENCH_SCHEMA as in
# bench/lib/serve-bench.sh. Needs: curl, wrk (from Debian when missing).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/lib/serve-bench.sh
source "$here/../lib/serve-bench.sh"
out=${BENCH_OUT:-/tmp/pyramydal-web-bench}
port=${BENCH_PORT:-56134}
# The upload below needs the dispatcher beside the server, and its worker.
(cd "$root" && swift build -c release --product IngestWorker >/dev/null)
bench_prepare "${1:-1000000}" "$port" --with-dispatcher

# A browser's session: the cookie of POST /api/v1/session.
cookie=$(curl -s -D - -o /dev/null -H 'Content-Type: application/json' \
    -d "{\"username\":\"bench\",\"password\":\"$password\"}" "$api/session" |
    tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: pyramydal_session=\([^;]*\).*/\1/p' | head -n 1)
[ -n "$cookie" ] || { echo "bench: signing in failed" >&2; exit 1; }
session=(-H "Cookie: pyramydal_session=$cookie")
page=http://127.0.0.1:$port/versions/$version
rows_on() { curl -s "${@}" | grep -o '<td class="rownum">' | wc -l; }
[ "$(rows_on "${session[@]}" "$page")" -ge 100 ] || { echo "bench: our table page holds no 100 rows" >&2; exit 1; }

declare -A ours theirs
ours[count]=$(time_view "${session[@]}" "$page")
# Our page's total is the catalog's row count (no count query): the same page.
ours[nocount]=${ours[count]}
ours[deep]=$(time_view "${session[@]}" "$page?row=$((deep + 1))&cursor=$cursor")
ours[goto]=$(time_view "${session[@]}" "$page?row=$((deep + 1))")
ours[sort]=$(time_view "${session[@]}" "$page?sort=amount")
ours[filter]=$(time_view "${session[@]}" "$page?where=notes%20contains%20urgent")
ours[search]=$(time_view "${session[@]}" "$page?q=fragile")
ours[fcount]=$(time_view "${session[@]}" "$page/count?where=notes%20contains%20urgent")
ours_rps=$(wrk -t 4 -c 4 -d 10s -H "Cookie: pyramydal_session=$cookie" "$page" | awk '/Requests\/sec/{print $2}')

# A 100k-row workbook uploaded as the upload form sends it, until its table
# is on screen: the multipart POST (CSRF token first), the job page polled
# every 0.1 s (htmx polls every 1 s, so a person sees it up to 1 s later),
# then the new version's table page. A new dataset name each run, so it is
# a real ingest and not "loaded before".
book=$data/orders_100000.xlsx
[ -s "$book" ] || python3 "$shared/gen_workbook.py" --rows 100000 --out "$book" >&2
csrf=$(curl -s "${session[@]}" "http://127.0.0.1:$port/" | grep -o 'name="csrf_token" value="[^"]*"' | head -n 1 | sed 's/.*value="//; s/"$//')
upload_s=$(python3 - "http://127.0.0.1:$port" "$cookie" "$csrf" "$book" "upload_$(date +%s%N)" <<'PY'
import re, subprocess, sys, time, urllib.request
base, cookie, csrf, book, name = sys.argv[1:]
start = time.monotonic()
# curl sends the fields in this order: the token before the file, as the form does.
location = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{redirect_url}", "-H", f"Cookie: pyramydal_session={cookie}",
                           "-F", f"csrf_token={csrf}", "-F", f"name={name}", "-F", f"file=@{book}",
                           f"{base}/departments/bench/upload"], capture_output=True, text=True, check=True).stdout
if "/jobs/" not in location:
    sys.exit(f"bench: the upload did not answer with its job's page ({location!r})")
def get(url, **headers):
    request = urllib.request.Request(url, headers={"Cookie": f"pyramydal_session={cookie}", **headers})
    return urllib.request.urlopen(request).read().decode()
while True:
    status = get(location, **{"HX-Request": "true"})
    if (m := re.search(r'href="(/versions/\d+)"', status)):
        break
    if "discarded" in status or "cancelled" in status:
        sys.exit("bench: the upload's ingest failed:\n" + status)
    if time.monotonic() - start > 120:
        sys.exit("bench: the upload's ingest took over 120 s")
    time.sleep(0.1)
table = get(base + m.group(1))
if table.count('<td class="rownum">') < 100:
    sys.exit("bench: the uploaded version's table page holds no 100 rows")
print(f"{time.monotonic() - start:.2f}")
PY
)
sleep 0.2
ours_rss_max=$(bench_rss_max)
kill "$spid" 2>/dev/null || true

if [ "$peer" != 0 ]; then
    bench_datasette "$dport"
    plain="_nocount=1&_nofacet=1"
    theirs[count]=$(time_view "$dbase")
    theirs[nocount]=$(time_view "$dbase?$plain")
    theirs[deep]=$(time_view "$dbase?_next=$deep&$plain")
    theirs[sort]=$(time_view "$dbase?_sort=amount&$plain")
    theirs[filter]=$(time_view "$dbase?notes__contains=urgent&$plain")
    theirs[search]=$(time_view "$dbase?_search=fragile&$plain")
    theirs[fcount]=$(time_view "$dbase?notes__contains=urgent&_nofacet=1")
    theirs_rps=$(wrk -t 4 -c 4 -d 10s "$dbase?$plain" | awk '/Requests\/sec/{print $2}')
    theirs_hwm=$(awk '/VmHWM/{print int($2/1024)}' "/proc/$dpid/status")
    kill "$dpid" 2>/dev/null || true
fi

printf '\n%s rows × 20 columns; HTML table pages of 100 rows; medians of 5 after a cold request (total time, ms)\n' "$rows"
printf '%-44s %10s %12s %16s\n' "view" "ours ms" "Datasette ms" "Datasette/ours"
for v in count nocount deep goto sort filter search fcount; do
    label=$(case $v in count) echo "first page with its row count";; nocount) echo "first page, no count";;
        deep) echo "page at row $deep (keyset)";; goto) echo "go to row $((deep + 1)) (ours only)";;
        sort) echo "sort on amount (no index)";; filter) echo "filter notes contains urgent";;
        search) echo "search 'fragile'";; fcount) echo "count of that filter (ours apart)";; esac)
    o=$(awk '{print $2}' <<<"${ours[$v]}"); ostatus=$(awk '{print $3}' <<<"${ours[$v]}")
    t=$(awk '{print $2}' <<<"${theirs[$v]:-- - -}"); tstatus=$(awk '{print $3}' <<<"${theirs[$v]:-- - -}")
    [ "$ostatus" = 200 ] || o="$o (HTTP $ostatus)"
    shown=$t; [ "$tstatus" = 200 ] || [ "$t" = - ] || shown="$t (HTTP $tstatus)"
    printf '%-44s %10s %12s %16s\n' "$label" "$o" "$shown" "$([ "$t" != - ] && ratio "$t" "${o%% *}" || echo -)"
done
printf '\n%-44s %10s %12s %16s\n' "HTML pages/s, 4 clients (wrk 10 s)" "ours" "Datasette" "ours/Datasette"
printf '%-44s %10s %12s %16s\n' "first page, no count" "$ours_rps" "${theirs_rps:--}" \
    "$([ -n "${theirs_rps:-}" ] && ratio "$ours_rps" "$theirs_rps" || echo -)"
printf '%-44s %10s %12s\n' "peak RSS, whole run (MiB)" "$ours_rss_max" "${theirs_hwm:--}"
printf '\n%-44s %10s\n' "100k-row workbook uploaded -> table on screen" "$upload_s s  (target <= 3 s; Datasette has no upload)"
