#!/usr/bin/env bash
# Checks the cloud set-up offline (nothing here reaches AWS or runs Docker):
#   1. checkov over infra/tofu: no failed checks (skips are inline, with reasons)
#   2. infra/tests/test_infra.py (python-hcl2): every .tf parses; every
#      tasks/*.json kind has a task definition and its own task role; no IAM
#      statement grants "*" actions or "*" resources on S3, ECS or IAM; the S3
#      trigger matches only incoming/; RDS encrypted, private, deletion-
#      protected; envs output exactly the dispatcher's PYRAMYDAL_* settings;
#      tasks/*.json are valid ECS task definitions and the ecs module renders
#      those same files; the web service sits behind an HTTPS load balancer
#      that alone may reach it
#   3. `docker-compose config` validates docker-compose.yml
#   4. `tofu`/`terraform` fmt, validate and plan of both envs and an apply of
#      envs/dev against a private moto server, read back with boto3
#      (infra/tests/tofu_plan.py; the HTTPS listener's certificate is made in
#      moto's ACM); only where a local provider mirror exists
#      (providers can't be downloaded here) and moto is installed, else skipped
#   5. the Dockerfile's runtime stage: its packages unpacked into a folder, the
#      release binaries' shared libraries resolved there and `--help` run there
#      (infra/tests/runtime_stage.py); PYRAMYDAL_RUNTIME_STAGE_BIN_DIR names
#      release binaries already built (scripts/test.sh builds them in the
#      background from its start), else it builds them. PYRAMYDAL_SKIP_RUNTIME_STAGE=1 skips
#      it, for quick local iteration only; CI runs it.
# Installs what it needs when missing: checkov and python-hcl2 + pytest in
# virtualenvs under .build-infra/ (git-ignored), Debian's docker-compose.
# Ends with one line: `infra: N passed, N failed, N skipped`; exits non-zero
# on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."

CHECKOV_VERSION=3.3.30
HCL2_VERSION=8.1.4
PYTEST_VERSION=9.0.3
BOTOCORE_VERSION=1.43.11
tools=${PYRAMYDAL_INFRA_TOOLS:-$PWD/.build-infra}
plugin_dir=${PYRAMYDAL_TF_PLUGIN_DIR:-/opt/tf-plugins}

passed=0 failed=0 skipped=0
failures=()

run_check() { # name, command…
    local name=$1; shift
    echo "== infra: $name"
    local start=$SECONDS
    if "$@"; then
        passed=$((passed + 1))
        echo "-- infra: $name: ok ($((SECONDS - start)) s)"
    else
        failed=$((failed + 1))
        failures+=("$name")
        echo "-- infra: $name: FAILED ($((SECONDS - start)) s)"
    fi
}

skip_check() { # name, reason
    skipped=$((skipped + 1))
    echo "== infra: $1: skipped ($2)"
}

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# ensure_venv DIR pins…: a virtualenv holding exactly those pins.
# shellcheck source=scripts/python-venv.sh
source scripts/python-venv.sh

setup_tools() {
    mkdir -p "$tools"
    # Two virtualenvs: checkov pins its own HCL parser (bc-python-hcl2), which
    # installs the same `hcl2` module as python-hcl2.
    ensure_venv "$tools/checkov" "checkov==$CHECKOV_VERSION" || return 1
    ensure_venv "$tools/hcl" "python-hcl2==$HCL2_VERSION" "pytest==$PYTEST_VERSION" "botocore==$BOTOCORE_VERSION" || return 1
    if ! command -v docker-compose >/dev/null 2>&1; then
        echo "infra: installing Debian's docker-compose"
        as_root apt-get update -qq &&
            DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends docker-compose >/dev/null || return 1
    fi
}

checkov_scan() {
    "$tools/checkov/bin/checkov" -d infra/tofu --framework terraform --skip-download --quiet --compact
}

hcl_tests() {
    "$tools/hcl/bin/pytest" -q -p no:cacheprovider infra/tests
}

compose_config() {
    docker-compose -f docker-compose.yml config -q
}

tofu_plan() { # binary
    TF_CLI_CONFIG_FILE=/dev/null "$1" fmt -check -recursive -diff infra/tofu || return 1
    python3 infra/tests/tofu_plan.py "$1" --plugin-dir "$plugin_dir"
}

runtime_stage() {
    # apt needs its package lists to resolve and download the runtime packages.
    if [ -z "$(apt-cache dumpavail 2>/dev/null | head -c 1)" ]; then
        as_root apt-get update -qq || return 1
    fi
    local args=()
    [ -n "${PYRAMYDAL_RUNTIME_STAGE_BIN_DIR:-}" ] && args=(--bin-dir "$PYRAMYDAL_RUNTIME_STAGE_BIN_DIR")
    python3 infra/tests/runtime_stage.py "${args[@]}" && return 0
    # Stale package lists name versions the mirror no longer has: refresh once.
    echo "infra: retrying the runtime stage after apt-get update"
    as_root apt-get update -qq && python3 infra/tests/runtime_stage.py "${args[@]}"
}

run_check "tools (checkov $CHECKOV_VERSION, python-hcl2 $HCL2_VERSION, botocore $BOTOCORE_VERSION, docker-compose)" setup_tools
run_check "checkov over infra/tofu" checkov_scan
run_check "infra/tests (tofu, tasks/*.json, Dockerfile)" hcl_tests
run_check "docker-compose config" compose_config

tf=$(command -v tofu || command -v terraform || true)
if [ -z "$tf" ]; then
    skip_check "tofu plan" "no tofu or terraform binary"
elif ! [ -d "$plugin_dir/registry.terraform.io/hashicorp/aws" ] && ! [ -d "$plugin_dir/registry.opentofu.org/hashicorp/aws" ]; then
    skip_check "tofu plan" "no aws provider in $plugin_dir (providers can't be downloaded here)"
elif ! python3 -c "import moto.server" 2>/dev/null; then
    skip_check "tofu plan" "moto is not installed (scripts/setup.sh --test installs it)"
else
    run_check "$(basename "$tf") fmt, validate, plan (dev, prod) and apply (dev) against a private moto" tofu_plan "$tf"
fi

if [ "${PYRAMYDAL_SKIP_RUNTIME_STAGE:-}" = 1 ]; then
    skip_check "runtime stage" "PYRAMYDAL_SKIP_RUNTIME_STAGE=1"
else
    run_check "runtime stage (Dockerfile packages + release binaries)" runtime_stage
fi

[ ${#failures[@]} -eq 0 ] || printf 'infra: failed: %s\n' "${failures[@]}"
echo "infra: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
