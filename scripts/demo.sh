#!/usr/bin/env bash
# The main job on the embedded default (a private PostgreSQL cluster and a
# local store under .pyramydal/, no Docker): installs what it needs, builds
# the release binaries, makes a sample workbook, drops it into the store's
# incoming/ with standing XLSX and PDF reports, lets the dispatcher ingest it
# and run the report jobs (each a worker process), then prints the dataset
# summary and where the reports are. Safe to run again: the same workbook
# makes no second version. ROWS=… picks the workbook's size (default 100000).
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
