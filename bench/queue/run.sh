#!/usr/bin/env bash
# The queue benchmark, one command (not a timed test). On one PostgreSQL, in one run:
#   1. our JobQueue with an in-process no-op executor (release build of JobQueueBench):
#      batched enqueue, claim+complete with 1 and 4 consumers, one-job-per-transaction enqueue;
#   2. PgQueuer with its own worker loop  (../shared/bench/queue_pgqueuer.py);
#   3. the raw FOR UPDATE SKIP LOCKED ceiling via pgbench (../shared/bench/queue_raw.py);
#   4. the launch path: jobs through the dispatcher + LocalProcessLauncher with a trivial worker.
# Then prints jobs/s and the ratios. Server: $BENCH_DSN (libpq key=value string), default the
# test server (scripts/test-services.sh) with database pyramydal_bench (created if missing).
# Options (environment): JOBS (50000), K (claim batch for us and raw, 10), LAUNCH_JOBS (200).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
export BENCH_DSN=${BENCH_DSN:-"host=127.0.0.1 port=55432 user=pyramydal dbname=pyramydal_bench"}
shared=${PYRAMYDAL_SHARED_BENCH:-$root/../shared/bench}
[ -d "$shared" ] || shared=/work/shared/bench
jobs=${JOBS:-50000}
k=${K:-10}
launch_jobs=${LAUNCH_JOBS:-200}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo "== the peers (pinned, in the project-local .venv-bench-queue)" >&2
# shellcheck source=scripts/python-venv.sh
source scripts/python-venv.sh
ensure_venv "$root/.venv-bench-queue" "pgqueuer==1.6.0" "psycopg[binary]==3.3.9" "asyncpg==0.32.0" >&2
export PATH="$root/.venv-bench-queue/bin:$PATH"

echo "== creating the database if missing" >&2
python3 - <<'PY'
import os, psycopg
kv = dict(p.split("=", 1) for p in os.environ["BENCH_DSN"].split())
db = kv.pop("dbname", "postgres")
with psycopg.connect(" ".join(f"{a}={b}" for a, b in kv.items()) + " dbname=postgres", autocommit=True) as c:
    if not c.execute("SELECT 1 FROM pg_database WHERE datname = %s", (db,)).fetchone():
        c.execute(f'CREATE DATABASE "{db}"')
PY

echo "== building JobQueueBench and the trivial worker (release)" >&2
swift build -c release --product JobQueueBench >&2
swift build -c release --product pyramydal-test-worker >&2
bin=$(swift build -c release --show-bin-path)

# queue_raw.py reads queue/*.sql next to itself; the shared folder lacks them, so run copies.
work=$out/peers
mkdir -p "$work/queue"
cp "$shared"/bench_common.py "$shared"/queue_raw.py "$shared"/queue_pgqueuer.py "$work/"
if [ -d "$shared/queue" ]; then cp "$shared"/queue/*.sql "$work/queue/"; else cp bench/queue/raw/*.sql "$work/queue/"; fi

echo "== pyramydal JobQueue (in-process no-op executor)" >&2
"$bin/JobQueueBench" --jobs "$jobs" --consumers 1,4 --k "$k,100" --enqueue-one-secs 5 \
    --launch-jobs "$launch_jobs" --tasks-dir "$root/bench/queue/tasks" | tee "$out/ours.jsonl" >&2
echo "== PgQueuer" >&2
(cd "$work" && python3 queue_pgqueuer.py --jobs "$jobs") | tee "$out/pgqueuer.jsonl" >&2
echo "== raw SKIP LOCKED (pgbench)" >&2
(cd "$work" && python3 queue_raw.py --jobs "$jobs" --workers 1,4 --k "$k,100" --enqueue-one-secs 5) | tee "$out/raw.jsonl" >&2

python3 - "$out" "$k" <<'PY'
import json, sys, os
out, k = sys.argv[1], int(sys.argv[2])
def load(name):
    with open(os.path.join(out, name)) as f:
        return [json.loads(l) for l in f if l.strip().startswith("{")]
ours, pgq, raw = load("ours.jsonl"), load("pgqueuer.jsonl"), load("raw.jsonl")
def pick(rows, tool, **kw):
    for r in rows:
        if r.get("tool") == tool and all(r.get(a) == b for a, b in kw.items()):
            return r
    return None
p = pgq[0] if pgq else {}
print()
print(f"{'measurement':48} {'jobs/s':>10} {'vs PgQueuer':>12} {'vs raw SQL':>11}")
def line(name, value, pg=None, rw=None):
    r1 = f"{value / pg:.2f}x" if pg else "-"
    r2 = f"{value / rw:.0%}" if rw else "-"
    print(f"{name:48} {value:>10,.0f} {r1:>12} {r2:>11}")
e = pick(ours, "pyramydal", workers=1, k=k)
re_ = pick(raw, "raw_skip_locked", workers=1, k=k)
line("enqueue, batches of 1000", e["enqueue_jobs_per_s"], p.get("enqueue_jobs_per_s"), re_ and re_["enqueue_jobs_per_s"])
for w in (1, 4):
    o = pick(ours, "pyramydal_enqueue_one_per_tx", workers=w)
    r = pick(raw, "raw_enqueue_one_per_tx", workers=w)
    if o: line(f"enqueue, one job per transaction, {w} client(s)", o["jobs_per_s"], None, r and r["jobs_per_s"])
for kk in (k, 100):
    for w in (1, 4):
        o = pick(ours, "pyramydal", workers=w, k=kk)
        r = pick(raw, "raw_skip_locked", workers=w, k=kk)
        if o: line(f"claim+complete, batch {kk}, {w} consumer(s)", o["process_jobs_per_s"], p.get("process_jobs_per_s"), r and r["process_jobs_per_s"])
if p:
    print(f"{'PgQueuer: enqueue / process (batch 10, its worker loop)':48} {p['enqueue_jobs_per_s']:>10,} / {p['process_jobs_per_s']:,}")
l = pick(ours, "pyramydal_launch_local")
if l:
    print(f"{'launch path: LocalProcessLauncher, trivial worker':48} {l['jobs_per_s']:>10,.0f}   ({l['jobs']:.0f} jobs, {l['concurrency']:.0f} at once, median start {l['median_start_ms']:.0f} ms)")
PY
