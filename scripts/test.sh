#!/usr/bin/env bash
# The whole test suite on a fresh Debian machine: installs what it needs,
# starts PostgreSQL, moto's S3 server and rclone's S3 server on 127.0.0.1,
# runs `swift test` and the offline infrastructure checks, and stops the
# servers again, even when tests fail.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh --test
swift package resolve
# The Dockerfile's release build (static Swift runtime), whose binaries the
# infra check's runtime stage runs, starts now at the lowest CPU priority in
# its own scratch folder (SwiftPM locks a build folder per command), beside
# the debug build, so the infra check at the end no longer
# waits ~10 minutes for it (it took 17 s with the binaries given).
release_scratch=.build-release
release_build=(swift build -c release --static-swift-stdlib --scratch-path "$release_scratch")
mkdir -p "$release_scratch"
nice -n 19 "${release_build[@]}" >"$release_scratch/build.log" 2>&1 &
release_pid=$!
trap 'kill "$release_pid" 2>/dev/null || true; scripts/test-services.sh stop' EXIT
scripts/test-services.sh start
# shellcheck source=/dev/null
source .test-services/env.sh
# (env.sh puts .venv/bin first on PATH: every `python3` and `rclone` the
# tests and the infra checks run is the project's pinned one.)

swift build --build-tests
# The tests wait for the release build: compiling beside them (the debug
# build finishes first), even at the lowest priority, it slowed the suite by
# a third and a timing test of three dispatchers ran out of time.
release_status=0
wait "$release_pid" || release_status=$?
status=0
swift test --skip-build 2>&1 | tee .test-services/swift-test.log || status=$?

# The cloud set-up (checkov, HCL, task definitions, compose, the image's
# runtime stage): offline checks, see scripts/check-infra.sh. Should the
# release build have failed, the runtime stage builds again and reports it.
if [ "$release_status" -eq 0 ]; then
    PYRAMYDAL_RUNTIME_STAGE_BIN_DIR=$("${release_build[@]}" --show-bin-path)
    export PYRAMYDAL_RUNTIME_STAGE_BIN_DIR
else
    echo "test: the background release build failed ($release_scratch/build.log):"
    tail -n 20 "$release_scratch/build.log"
fi
scripts/check-infra.sh || status=$?
exit $status
