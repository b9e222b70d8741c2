#!/usr/bin/env bash
# The main job on the embedded default (a private PostgreSQL cluster and a
# local store under .pyramydal/, no Docker): installs what it needs, builds,
# and runs the pipeline as far as it exists today. See README.md.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
swift build -c release --product pyramydal 2>&1 | grep -Ev '^\[[0-9]+/[0-9]+\]' || true
bin=$(swift build -c release --show-bin-path)/pyramydal
[ -x "$bin" ] || { echo "demo: build failed" >&2; exit 1; }

echo "== the embedded stack: a private PostgreSQL cluster and a local store"
"$bin" dev start
echo
echo "== configuration"
"$bin" config
