#!/usr/bin/env bash
# One-command ingest benchmark (not a test): see README.md beside this file.
#
#   bench/ingest/run.sh [--rows 100000,1000000] [--runs 3]
#
# Generates the workbooks with ../shared/bench/gen_workbook.py, then, in one
# run on the same PostgreSQL, times for each size: our ingest (release
# IngestWorker --file, type inference included), the fastexcel and
# python-calamine peers (../shared/bench/ingest.py, given the column types),
# and the COPY floor (`psql \copy` of the same rows as CSV into a fresh typed
# table). Prints medians, ratios and peak RSS (/usr/bin/time -v).
set -euo pipefail

ROWS=100000
RUNS=3
while [ $# -gt 0 ]; do
    case "$1" in
        --rows) ROWS="$2"; shift 2 ;;
        --runs) RUNS="$2"; shift 2 ;;
        *) echo "usage: $0 [--rows 100000,1000000] [--runs 3]" >&2; exit 64 ;;
    esac
done

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
SHARED="$ROOT/../shared/bench"
DATA="${BENCH_DATA:-/tmp/pyramydal-bench}"
mkdir -p "$DATA"

# The database: BENCH_DATABASE_URL, else the test server's.
for env in "$ROOT/.test-services/env.sh" "$ROOT/../main/.test-services/env.sh"; do
    if [ -z "${PYRAMYDAL_TEST_DATABASE_URL:-}" ] && [ -f "$env" ]; then source "$env"; fi
done
DB="${BENCH_DATABASE_URL:-${PYRAMYDAL_TEST_DATABASE_URL:-postgresql://pyramydal@127.0.0.1:55432/pyramydal_test}}"
export BENCH_DSN="$DB"

echo "== the peers (pinned, in the project-local .venv-bench-ingest)" >&2
# shellcheck source=scripts/python-venv.sh
source "$ROOT/scripts/python-venv.sh"
ensure_venv "$ROOT/.venv-bench-ingest" "python-calamine==0.4.0" "fastexcel==0.21.0" "pyarrow==26.0.1" \
    "psycopg[binary]==3.3.9" "xlsxwriter==3.3.1" >&2
export PATH="$ROOT/.venv-bench-ingest/bin:$PATH"

echo "== building IngestWorker (release)" >&2
(cd "$ROOT" && swift build -c release --product IngestWorker >&2)
WORKER="$ROOT/.build/release/IngestWorker"

# Runs a command under /usr/bin/time; prints "seconds peak_rss_kb cpu_seconds"
# (cpu = user + system of the process and its children: robust when the
# machine is shared; the server's COPY work is not in it).
timed() {
    local log
    log="$(mktemp)"
    /usr/bin/time -v "$@" >"$log.out" 2>"$log" || { cat "$log.out" "$log" >&2; rm -f "$log" "$log.out"; return 1; }
    local wall rss user sys
    wall=$(grep "Elapsed (wall clock)" "$log" | awk '{print $NF}')
    rss=$(grep "Maximum resident set size" "$log" | awk '{print $NF}')
    user=$(grep "User time (seconds)" "$log" | awk '{print $NF}')
    sys=$(grep "System time (seconds)" "$log" | awk '{print $NF}')
    rm -f "$log" "$log.out"
    python3 -c "import sys; p=sys.argv[1].split(':'); s=sum(float(x)*60**i for i,x in enumerate(reversed(p))); print(f'{s:.3f} {sys.argv[2]} {float(sys.argv[3]) + float(sys.argv[4]):.3f}')" "$wall" "$rss" "$user" "$sys"
}

psql_q() { psql "$DB" -v ON_ERROR_STOP=1 -qAt -c "SET client_min_messages = warning" -c "$1"; }

# Before each timed path (untimed): every table with rows not yet vacuumed
# or analyzed gets its VACUUM (ANALYZE) now, so autovacuum has nothing left
# to start during the next path's timing (a 1M-row table's takes a core for
# seconds, which the path after the one that loaded it would pay for); then
# a checkpoint, so no path pays for the WAL the previous one wrote (1M rows
# write ~350 MB of it), and a `sync`, so the kernel's write-back of what
# they dirtied (~600 MB after a 1M-row path) is done before the next timing
# rather than during it. Best effort: VACUUM and CHECKPOINT need a superuser
# (or the tables' owner and pg_checkpoint), as the test server's user is.
quiet() {
    psql "$DB" -qAt >/dev/null 2>&1 <<'SQL' || true
SET client_min_messages = warning;
SELECT format('VACUUM (ANALYZE) %I.%I', schemaname, relname) FROM pg_stat_user_tables
 WHERE n_ins_since_vacuum > 0 OR n_mod_since_analyze > 0 OR n_dead_tup > 0 \gexec
SQL
    psql_q "CHECKPOINT" 2>/dev/null || true
    sync
}

# The shared benchmark's fingerprint of a loaded table (count, sums, md5s of
# the text columns: ../shared/bench/bench_common.py), one line, `|` between.
fingerprint() {
    psql_q "$(cd "$SHARED" && python3 -c "import sys; from bench_common import FINGERPRINT_SQL; print(FINGERPRINT_SQL.format(table=sys.argv[1]))" "$1")"
}

RESULTS="$(mktemp)"
PRINTS="$(mktemp)"
IFS=',' read -ra SIZES <<<"$ROWS"
for n in "${SIZES[@]}"; do
    book="$DATA/orders_$n.xlsx"
    if [ ! -f "$book" ]; then
        echo "== generating $book" >&2
        python3 "$SHARED/gen_workbook.py" --rows "$n" --out "$book" >&2
    fi
    csv="$DATA/floor_orders_$n.csv"  # not orders_N.csv: the web benchmarks keep their rows there
    # ours: the catalog is set up once, untimed, as an installed product has
    # it (its migrations are a one-time cost); every run then lands a new
    # dataset, so each makes a version 1 with its own table, view and audit row.
    psql_q "DROP SCHEMA IF EXISTS bench_data CASCADE; DROP SCHEMA IF EXISTS bench_cat CASCADE"
    ours() {
        PYRAMYDAL_DATABASE_URL="$DB" PYRAMYDAL_CATALOG_SCHEMA=bench_cat PYRAMYDAL_DATA_SCHEMA=bench_data \
            PYRAMYDAL_HOME="$DATA/home" PYRAMYDAL_LOG_LEVEL=warning "$@"
    }
    ours "$ROOT/.build/release/IngestWorker" --file "$book" --name warmup >/dev/null
    for run in $(seq 1 "$RUNS"); do
        echo "== $n rows, run $run" >&2
        quiet
        r=$(ours timed "$WORKER" --file "$book" --name "orders_r$run")
        echo "$n ours $r" >>"$RESULTS"
        got=$(psql_q "SELECT count(*) FROM bench_data.orders_r$run")
        [ "$got" = "$n" ] || { echo "ours loaded $got rows, expected $n" >&2; exit 1; }
        [ "$run" = 1 ] && fingerprint "bench_data.orders_r$run" >"$PRINTS.ours"
        for tool in fastexcel calamine; do
            quiet
            r=$(cd "$SHARED" && timed python3 ingest.py "$tool" "$book" "bench_$tool")
            echo "$n $tool $r" >>"$RESULTS"
            [ "$run" = 1 ] && fingerprint "bench_$tool" >"$PRINTS.$tool"
        done
        if [ "$run" = 1 ]; then
            # The content check: our typed columns against each peer's (not timed).
            python3 - "$n" "$PRINTS" <<'CHECK' || exit 1
import decimal, sys
n, prints = sys.argv[1], sys.argv[2]
names = ("n n_order n_sku n_od n_ca n_paid n_notes sum_qty sum_amount sum_ship min_od max_sd sum_ca_s "
         "n_paid_true len_notes len_cname md5_cat md5_city_name").split()
def load(tool):
    fields = open(f"{prints}.{tool}").read().strip().split("|")
    def norm(v):
        try: return str(decimal.Decimal(v).normalize())
        except decimal.InvalidOperation: return v
    return dict(zip(names, map(norm, fields)))
ours = load("ours")
bad = False
for tool in ("fastexcel", "calamine"):
    theirs = load(tool)
    diff = [k for k in names if ours.get(k) != theirs.get(k)]
    for k in diff:
        print(f"content check, {n} rows: {k} is {ours.get(k)} in ours but {theirs.get(k)} in {tool}", file=sys.stderr)
    bad = bad or bool(diff)
if bad: sys.exit(1)
print(f"content check, {n} rows: ours = fastexcel = calamine on {len(names)} figures "
      f"(sum(amount) {ours['sum_amount']}, sum(shipping_cost) {ours['sum_ship']}, md5s of text columns)", file=sys.stderr)
CHECK
        fi
        # the floor: the same rows as CSV through psql \copy into a fresh typed table
        if [ ! -f "$csv" ]; then
            psql_q "\\copy (SELECT * FROM bench_data.orders_r1) TO '$csv' CSV"
        fi
        (cd "$SHARED" && python3 -c "from bench_common import ddl; print(ddl('bench_floor'))") | psql "$DB" -qAt -v ON_ERROR_STOP=1 >/dev/null
        quiet
        r=$(timed psql "$DB" -v ON_ERROR_STOP=1 -qAt -c "\\copy bench_floor FROM '$csv' CSV")
        echo "$n floor $r" >>"$RESULTS"
    done
done
psql_q "DROP TABLE IF EXISTS bench_fastexcel, bench_calamine, bench_floor; DROP SCHEMA IF EXISTS bench_data CASCADE; DROP SCHEMA IF EXISTS bench_cat CASCADE"

python3 - "$RESULTS" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
sizes = sorted({int(r[0]) for r in rows})
tools = ["ours", "fastexcel", "calamine", "floor"]
print(f"{'rows':>9}  {'path':<10} {'median s':>9} {'cpu s':>7} {'peak RSS MiB':>13} {'runs':>5}")
for n in sizes:
    med = {}
    for t in tools:
        xs = [(float(r[2]), int(r[3]), float(r[4])) for r in rows if int(r[0]) == n and r[1] == t]
        if not xs: continue
        med[t] = statistics.median(x for x, _, _ in xs)
        cpu = statistics.median(c for _, _, c in xs)
        print(f"{n:>9}  {t:<10} {med[t]:>9.2f} {cpu:>7.2f} {max(m for _, m, _ in xs) / 1024:>13.1f} {len(xs):>5}")
    if "ours" in med:
        for t in ("fastexcel", "calamine"):
            if t in med: print(f"{'':>9}  {t} / ours = {med[t] / med['ours']:.2f}x  (target >= 4x for fastexcel)")
        if "floor" in med: print(f"{'':>9}  ours / floor = {med['ours'] / med['floor']:.2f}x  (target <= 1.0x)")
PY
rm -f "$RESULTS" "$PRINTS".*
