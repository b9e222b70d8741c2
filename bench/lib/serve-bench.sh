# shellcheck shell=bash
# Sourced, not run: what bench/api/run.sh and bench/web/run.sh share. Our
# release `pyramydal serve` and Datasette 0.65.5 on the same 20-column rows
# (../shared/bench/web_rows_csv.py, the rows of gen_workbook.py, seed 42),
# timed with curl as ../shared/bench/web_datasette.sh does.
#
#   bench_setup ROWS             the tools (Datasette and sqlite-utils pinned in
#                                .venv-bench-api, wrk from Debian), the release
#                                build ($bin), the rows as CSV ($csv, made once)
#   bench_ingest                 the CSV as dataset bench/orders_<rows> ($name;
#                                a rerun makes no second version), a global
#                                admin `bench` with a new password ($password)
#                                and a write token ($token)
#   bench_serve PORT [ARGS]      `pyramydal serve [ARGS]` ($spid) with its RSS sampled
#                                every 100 ms; bench_rss_max prints the maximum (MiB)
#   bench_version                the dataset's latest version: sets $dataset,
#                                $version (id) and $view (its database view)
#   bench_deep_cursor ROW        the API cursor of the rows before ROW
#   bench_datasette PORT         the same rows in SQLite (FTS5 on the text
#                                columns, made once) served by Datasette ($dpid,
#                                $dbase: the table's URL)
#   bench_prepare ROWS PORT [SERVE ARGS]      all of the above in turn; $deep (9/10 of the
#                                rows), $cursor (the cursor of the rows before
#                                it) and $dport (Datasette's port: PORT + 1)
#   time_view ARGS…              curl ARGS once cold, then the median of 5:
#                                "ttfb_ms total_ms status"
#   ratio A B                    A / B as "1.23x"
#
# Environment: BENCH_DSN (libpq URL; default the test server), BENCH_DATA
# (the CSV and SQLite files, default /tmp/pyramydal-bench), BENCH_SCHEMA
# (our catalog schema, default bench_api: both benchmarks browse the same
# ingested rows), BENCH_SHARED (../shared/bench).

bench_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$bench_here/../.." && pwd)
dsn=${BENCH_DSN:-${PYRAMYDAL_TEST_DATABASE_URL:-postgresql://pyramydal@127.0.0.1:55432/pyramydal_test}}
data=${BENCH_DATA:-/tmp/pyramydal-bench}
schema=${BENCH_SCHEMA:-bench_api}
shared=${BENCH_SHARED:-$root/../shared/bench}
[ -d "$shared" ] || shared=/work/shared/bench
spid="" dpid="" sampler=""
# BENCH_DATASETTE=0 skips the peer.
peer=${BENCH_DATASETTE:-1}

bench_setup() {
    rows=$1
    mkdir -p "$data"
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
    csv=$data/orders_$rows.csv
    [ -s "$csv" ] || python3 "$shared/web_rows_csv.py" "$rows" "$csv"
}

bench_ingest() {
    export PYRAMYDAL_DATABASE_URL=$dsn PYRAMYDAL_STORE=file://$out/store PYRAMYDAL_HOME=$out/home
    export PYRAMYDAL_CATALOG_SCHEMA=$schema PYRAMYDAL_DATA_SCHEMA=${schema}_data PYRAMYDAL_JOBS_SCHEMA=$schema
    export PYRAMYDAL_LOG_LEVEL=warning
    mkdir -p "$out/store"
    name=orders_$rows
    echo "== ingesting $rows rows into bench/$name" >&2
    /usr/bin/time -o "$out/ingest.time" -f "ours ingest: %e s, peak %M KiB" \
        "$bin" ingest "$csv" --department bench --name "$name" >/dev/null 2>"$out/ingest.log"
    cat "$out/ingest.time" >&2
    password=$(python3 -c "import secrets; print(secrets.token_urlsafe(18))")
    printf '%s\n' "$password" | "$bin" users add bench --admin --password-stdin >/dev/null 2>&1 ||
        printf '%s\n' "$password" | "$bin" users passwd bench --password-stdin >/dev/null
    token=$("$bin" users tokens add bench "run-$(date +%s%N)" 2>/dev/null)
}

bench_serve() {
    export PYRAMYDAL_HTTP_ADDRESS=127.0.0.1:$1
    "$bin" serve "${@:2}" >"$out/serve.log" 2>&1 &
    spid=$!
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
    trap bench_cleanup EXIT
    api=http://127.0.0.1:$1/api/v1
    auth=(-H "Authorization: Bearer $token")
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$1/readyz" >/dev/null && break; sleep 0.1; done
}

bench_rss_max() { echo $(( $(cat "$rss_max_file") / 1024 )); }

bench_cleanup() { kill ${spid:+"$spid"} ${dpid:+"$dpid"} 2>/dev/null || true; wait 2>/dev/null || true; }

bench_json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

bench_version() {
    dataset=$(curl -sf "${auth[@]}" "$api/datasets?department=bench" | bench_json "[x['id'] for x in d['items'] if x['name']=='$name'][0]")
    local latest
    latest=$(curl -sf "${auth[@]}" "$api/datasets/$dataset" | bench_json "d['latest_version']")
    view=$(curl -sf "${auth[@]}" "$api/datasets/$dataset" | bench_json "d['view']")
    version=$(curl -sf "${auth[@]}" "$api/datasets/$dataset/versions" | bench_json "[x['id'] for x in d['items'] if x['version'] == $latest][0]")
}

# The cursor of the rows before row $1 + 1, by walking the API's pages of 1000.
bench_deep_cursor() {
    BENCH_TOKEN=$token python3 - "$api/versions/$version/rows" "$(($1 / 1000))" <<'PY'
import json, os, sys, urllib.request
url, pages, cursor = sys.argv[1], int(sys.argv[2]), None
for _ in range(pages):
    request = urllib.request.Request(url + "?limit=1000" + ("&cursor=" + cursor if cursor else ""),
                                     headers={"Authorization": "Bearer " + os.environ["BENCH_TOKEN"]})
    cursor = json.load(urllib.request.urlopen(request))["next"]
print(cursor)
PY
}

bench_datasette() {
    local db=$data/orders_$rows.db
    if [ ! -s "$db" ]; then
        echo "== loading the same rows into SQLite for Datasette" >&2
        sqlite-utils insert "$db" orders "$csv" --csv --empty-null --pk row_id >/dev/null
        sqlite-utils enable-fts "$db" orders product_name customer_name city notes --fts5 --create-triggers >/dev/null
    fi
    datasette serve "$db" -h 127.0.0.1 -p "$1" --setting max_csv_mb 0 >"$out/datasette.log" 2>&1 &
    dpid=$!
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$1/-/versions.json" >/dev/null && break; sleep 0.2; done
    dbase=http://127.0.0.1:$1/$(basename "$db" .db)/orders
}

time_view() {
    curl -s -o /dev/null "$@"
    for _ in 1 2 3 4 5; do curl -s -o /dev/null -w '%{time_starttransfer} %{time_total} %{http_code}\n' "$@"; done |
        sort -n -k2 | sed -n 3p | awk '{printf "%.1f %.1f %s\n", $1*1000, $2*1000, $3}'
}

ratio() { python3 -c "a, b = float('$1'), float('$2'); print('%.2fx' % (a / b) if b > 0 else '-')"; }

bench_prepare() {
    mkdir -p "$out"
    bench_setup "$1"
    bench_ingest
    bench_serve "$2" "${@:3}"
    bench_version
    deep=$((rows * 9 / 10))
    cursor=$(bench_deep_cursor "$deep")
    dport=$(($2 + 1))
}
