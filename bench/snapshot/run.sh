#!/usr/bin/env bash
# Snapshot benchmark: one ROWS-row, 20-column table (bench/export/make_table.sql)
# as a committed dataset version, side by side in one run:
#   our snapshot (SnapshotWorker, release)  vs  pg_dump -Fc -t <table>
#   our restore into an empty database      vs  pg_restore into an empty database
# Prints the median time, the bytes written and the peak RSS of each, and the
# ratios ours / PostgreSQL's.
#
#   bench/snapshot/run.sh [ROWS]            default: 1000000
#
# Environment: BENCH_DSN (libpq URL of a superuser on the test server; default
# the test server), BENCH_RUNS (runs per tool, default 3), BENCH_OUT (scratch
# directory, default /tmp/pyramydal-snapshot-bench), PYRAMYDAL_SNAPSHOT_GZIP_LEVEL.
# Needs: psql, pg_dump, pg_restore, /usr/bin/time.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
dsn=${BENCH_DSN:-${PYRAMYDAL_TEST_DATABASE_URL:-postgresql://pyramydal@127.0.0.1:55432/pyramydal_test}}
runs=${BENCH_RUNS:-3}
rows=${1:-1000000}
out=${BENCH_OUT:-/tmp/pyramydal-snapshot-bench}
mkdir -p "$out"

(cd "$root" && swift build -c release --product SnapshotWorker >/dev/null)
worker="$root/.build/release/SnapshotWorker"

# A URL for another database on the same server.
db_url() { python3 -c "import sys,urllib.parse as u; p=u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path='/'+sys.argv[2])))" "$dsn" "$1"; }
recreate_db() { psql "$dsn" -qAt -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1" >/dev/null; }

catalog=bench_snap; data=bench_snap_data; table='orders@v1'
export PGOPTIONS="-c client_min_messages=warning"
export PYRAMYDAL_CATALOG_SCHEMA=$catalog PYRAMYDAL_DATA_SCHEMA=$data PYRAMYDAL_LOG_LEVEL=warning PYRAMYDAL_HOME="$out/home"

# The dataset: the catalog (migrated by a first, empty snapshot), one committed version, its table.
if [ "$(psql "$dsn" -qAt -c "SELECT row_count FROM $catalog.dataset_versions WHERE table_name = '$table'" 2>/dev/null || true)" != "$rows" ]; then
  psql "$dsn" -qAt -c "DROP SCHEMA IF EXISTS $catalog CASCADE" -c "DROP SCHEMA IF EXISTS $data CASCADE" >/dev/null
  rm -rf "$out/init-store"
  PYRAMYDAL_DATABASE_URL="$dsn" PYRAMYDAL_STORE="file://$out/init-store" "$worker" snapshot --no-prune >/dev/null
  psql "$dsn" -q -v ON_ERROR_STOP=1 -v rows="$rows" -v tbl="$data.\"$table\"" -f "$root/bench/export/make_table.sql" >/dev/null
  psql "$dsn" -q -v ON_ERROR_STOP=1 >/dev/null <<SQL
INSERT INTO $catalog.datasets (id, department, name, view_name) VALUES (1, 'default', 'orders', 'orders');
INSERT INTO $catalog.dataset_versions (dataset_id, version, status, source_uri, sha256, sheet, row_count, columns, table_name, created_by, committed_at)
VALUES (1, 1, 'committed', 's3://bench/incoming/orders.xlsx', 'bench', 'Sheet1', $rows, '[]', '$table', 'bench', now());
CREATE VIEW $data.orders AS SELECT * FROM $data."$table";
SQL
fi

# measure NAME COMMAND…: runs the command BENCH_RUNS times (each after
# "prepare_NAME" if defined); records the median seconds and max peak RSS.
declare -A secs=() rss=()
measure() {
  local name=$1; shift
  local times=() peak=0
  for _ in $(seq "$runs"); do
    if declare -F "prepare_$name" >/dev/null; then "prepare_$name"; fi
    /usr/bin/time -f '%e %M' -o "$out/time" "$@" >/dev/null 2>"$out/$name.err" || { cat "$out/$name.err" >&2; exit 1; }
    read -r t m < "$out/time"
    times+=("$t"); [ "$m" -gt "$peak" ] && peak=$m
  done
  secs[$name]=$(printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  rss[$name]=$((peak / 1024))
}

store="$out/store"
prepare_ours_snapshot() { rm -rf "$store"; mkdir -p "$store"; }
prepare_pg_dump() { rm -f "$out/orders.dump"; }
measure ours_snapshot env PYRAMYDAL_DATABASE_URL="$dsn" PYRAMYDAL_STORE="file://$store" "$worker" snapshot --no-prune
measure pg_dump pg_dump -Fc -t "$data.\"$table\"" -f "$out/orders.dump" "$dsn"
snapshot_id=$(ls "$store/snapshots" | tail -1)
ours_bytes=$(du -sb "$store/snapshots/$snapshot_id" | cut -f1)
pg_bytes=$(stat -c %s "$out/orders.dump")

ours_db=bench_snapshot_restore_ours; pg_db=bench_snapshot_restore_pg
prepare_ours_restore() { recreate_db $ours_db; }
prepare_pg_restore() { recreate_db $pg_db; psql "$(db_url $pg_db)" -qAt -c "CREATE SCHEMA $data" >/dev/null; }
measure ours_restore env PYRAMYDAL_DATABASE_URL="$dsn" PYRAMYDAL_STORE="file://$store" "$worker" restore "$snapshot_id" --into "$(db_url $ours_db)"
measure pg_restore pg_restore -d "$(db_url $pg_db)" "$out/orders.dump"

# Both restores hold the same rows.
diff_rows=$(psql "$(db_url $ours_db)" -qAt -c "SELECT count(*) FROM $data.\"$table\"")
pg_rows=$(psql "$(db_url $pg_db)" -qAt -c "SELECT count(*) FROM $data.\"$table\"")
[ "$diff_rows" = "$rows" ] && [ "$pg_rows" = "$rows" ] || { echo "row counts differ: ours $diff_rows, pg_restore $pg_rows, expected $rows" >&2; exit 1; }

ratio() { python3 -c "import sys; print('%.2f' % (float(sys.argv[1]) / max(float(sys.argv[2]), 1e-9)))" "$1" "$2"; }
echo "snapshot benchmark: $rows rows x 20 columns, median of $runs runs, PostgreSQL $(psql "$dsn" -qAt -c 'SHOW server_version')"
printf '%-16s %10s %14s %10s %8s\n' tool seconds "bytes written" "peak MiB" ratio
printf '%-16s %10s %14s %10s %8s\n' "ours snapshot" "${secs[ours_snapshot]}" "$ours_bytes" "${rss[ours_snapshot]}" "$(ratio "${secs[ours_snapshot]}" "${secs[pg_dump]}")"
printf '%-16s %10s %14s %10s %8s\n' "pg_dump -Fc" "${secs[pg_dump]}" "$pg_bytes" "${rss[pg_dump]}" "1.00"
printf '%-16s %10s %14s %10s %8s\n' "ours restore" "${secs[ours_restore]}" "-" "${rss[ours_restore]}" "$(ratio "${secs[ours_restore]}" "${secs[pg_restore]}")"
printf '%-16s %10s %14s %10s %8s\n' "pg_restore" "${secs[pg_restore]}" "-" "${rss[pg_restore]}" "1.00"
echo "bytes: ours / pg_dump = $(ratio "$ours_bytes" "$pg_bytes")"
psql "$dsn" -qAt -c "DROP DATABASE IF EXISTS $ours_db" -c "DROP DATABASE IF EXISTS $pg_db" >/dev/null
