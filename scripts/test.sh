#!/usr/bin/env bash
# The whole test suite on a fresh Debian machine: installs what it needs,
# starts PostgreSQL, moto's S3 server and rclone's S3 server on 127.0.0.1,
# runs `swift test` and the offline infrastructure checks, and stops the
# servers again, even when tests fail.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh --test
trap 'scripts/test-services.sh stop' EXIT
scripts/test-services.sh start
# shellcheck source=/dev/null
source .test-services/env.sh
# (env.sh puts .venv/bin first on PATH: every `python3` and `rclone` the
# tests and the infra checks run is the project's pinned one.)

swift build --build-tests
status=0
swift test --skip-build 2>&1 | tee .test-services/swift-test.log || status=$?

# The cloud set-up (checkov, HCL, task definitions, compose, the image's
# runtime stage): offline checks, see scripts/check-infra.sh.
scripts/check-infra.sh || status=$?
exit $status
