#!/usr/bin/env bash
# The main job on the embedded default (a private PostgreSQL cluster and a
# local store under .pyramydal/, no Docker): installs what it needs, builds
# the release binaries, makes a sample workbook, drops it into the store's
# incoming/ with standing XLSX and PDF reports, lets the dispatcher ingest it
# and run the report jobs (each a worker process), then prints the dataset
# summary and where the reports are, and starts the web service (with the
# dispatcher in the same process) in the background, printing its URL and, on
# the first run, the admin's one-time password. Safe to run again: the same
# workbook makes no second version, and an earlier web service is replaced.
# ROWS=… picks the workbook's size (default 100000); PYRAMYDAL_HTTP_ADDRESS
# the web service's address (default 127.0.0.1:8080).
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${ROWS:-100000}

scripts/setup.sh
echo "== building (release)"
swift build -c release 2>&1 | grep -Ev '^\[[0-9]+/[0-9]+\]|^Building|^Compiling|^Write|^Fetching|^Fetched|^Computing|^Computed|^Creating|^Working copy' || true
bin=$(swift build -c release --show-bin-path)
for program in pyramydal IngestWorker ExportWorker SnapshotWorker; do
    [ -x "$bin/$program" ] || { echo "demo: $bin/$program was not built" >&2; exit 1; }
done
pyramydal() { "$bin/pyramydal" "$@"; }

echo "== the embedded stack: a private PostgreSQL cluster and a local store"
pyramydal dev start

# Made once per size and kept: a rerun drops the same bytes, which the
# ingest recognises (same sha256), so it makes no second version.
sample=.pyramydal/samples/sales-$rows.xlsx
if [ ! -f "$sample" ]; then
    echo "== a sample workbook: $rows rows × 20 columns"
    mkdir -p .pyramydal/samples
    pyramydal sample --rows "$rows" --out "$sample.tmp" && mv "$sample.tmp" "$sample"
else
    echo "== the sample workbook from an earlier run: $sample"
fi

echo "== drop it into incoming/, asking for an XLSX and a PDF report of each version"
pyramydal drop "$sample" --department demo --name sales --reports xlsx,pdf

echo "== the dispatcher: ingest job, then the report jobs, each a worker process"
pyramydal dispatch --until-idle

echo "== datasets"
pyramydal datasets
echo "== versions of demo/sales"
pyramydal versions demo/sales
echo "== jobs"
pyramydal jobs --limit 10
echo "== reports (files in the local store)"
pyramydal reports demo/sales
echo "== a snapshot now (the nightly one runs at 02:00 UTC): new versions to snapshots/, with a manifest"
pyramydal snapshot --now --wait
pyramydal snapshots
echo "== the audit log of demo/sales"
pyramydal audit --dataset demo/sales --limit 10

echo "== the web service: the pages and the HTTP API and, in the same process, the dispatcher (uploads are ingested)"
# The password is printed here, on the terminal, once; the service's log
# (.pyramydal/serve.log) never holds it.
if out=$(pyramydal users add admin --admin 2>&1); then
    echo "$out"
elif grep -q 'already exists' <<<"$out"; then
    echo "the user admin exists: its password was shown at the first run (a new one: $bin/pyramydal users passwd admin)"
else
    echo "$out" >&2
    exit 1
fi
pidfile=.pyramydal/serve.pid log=.pyramydal/serve.log
if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    echo "stopping the web service of an earlier run (pid $(cat "$pidfile"))"
    kill -TERM "$(cat "$pidfile")"
    for _ in $(seq 1 100); do kill -0 "$(cat "$pidfile")" 2>/dev/null || break; sleep 0.1; done
fi
: >"$log"
setsid nohup "$bin/pyramydal" serve --with-dispatcher >>"$log" 2>&1 </dev/null &
echo $! >"$pidfile"
url=""
for _ in $(seq 1 300); do
    url=$(sed -n 's/^pyramydal serve: listening on \(http:[^ ]*\).*/\1/p' "$log" | head -n 1)
    [ -n "$url" ] && break
    kill -0 "$(cat "$pidfile")" 2>/dev/null || break
    sleep 0.1
done
if [ -z "$url" ]; then
    echo "demo: the web service did not start; its log:" >&2
    cat "$log" >&2
    exit 1
fi
echo "web service: $url (open it in a browser and sign in as admin: the pages; API: $url/api/v1, document: $url/api/openapi.json)"
echo "it runs in the background (pid $(cat "$pidfile"), log $log); stop it with: kill \$(cat $pidfile)"
