#!/usr/bin/env bash
# Starts (or stops) the real servers the test suite talks to, all on 127.0.0.1:
#   - a throw-away PostgreSQL cluster (trust auth, port $PYRAMYDAL_TEST_PG_PORT)
#   - moto's S3 server with IAM authentication on, so signatures are verified
#   - `rclone serve s3`, a second, strict SigV4 checker
# State lives in .test-services/ (git-ignored); `env` prints the variables the
# tests read. Usage: scripts/test-services.sh start|stop|env
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD/.test-services
pg_port=${PYRAMYDAL_TEST_PG_PORT:-55432}
moto_port=${PYRAMYDAL_TEST_MOTO_PORT:-55000}
rclone_port=${PYRAMYDAL_TEST_RCLONE_PORT:-55001}
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
# moto, boto3 and rclone come from the project's virtual environment
# (scripts/setup.sh --test), never from the machine's own pip packages.
venv_bin=$PWD/.venv/bin
export PATH="$venv_bin:$PATH"

# initdb and postgres refuse to run as root: as root, run them as the
# unprivileged `postgres` account that Debian's package creates.
as_pg() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

wait_for() { # name, command…
    local name=$1; shift
    for _ in $(seq 1 100); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
    echo "test-services: $name did not come up" >&2; return 1
}

env_file=$root/env.sh

start() {
    [ -x "$venv_bin/python3" ] || { echo "test-services: no .venv (run scripts/setup.sh --test)" >&2; return 1; }
    mkdir -p "$root"
    # PostgreSQL
    if ! "$pg_bin/pg_isready" -q -h 127.0.0.1 -p "$pg_port"; then
        rm -rf "$root/pg"
        mkdir -p "$root/pg"
        [ "$(id -u)" = 0 ] && chown postgres "$root/pg" && chmod 755 "$root"
        as_pg "$pg_bin/initdb" -D "$root/pg/data" -U pyramydal -A trust -E UTF8 --locale=C.UTF-8 >"$root/pg/initdb.log"
        as_pg "$pg_bin/pg_ctl" -D "$root/pg/data" -l "$root/pg/server.log" -w -o \
            "-h 127.0.0.1 -p $pg_port -k '' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=500" start >/dev/null
        as_pg "$pg_bin/createdb" -h 127.0.0.1 -p "$pg_port" -U pyramydal pyramydal_test
    fi
    # moto (IAM auth on after the first three unauthenticated set-up calls)
    if ! curl -sf "http://127.0.0.1:$moto_port/moto-api/" >/dev/null; then
        INITIAL_NO_AUTH_ACTION_COUNT=3 nohup python3 -m moto.server -H 127.0.0.1 -p "$moto_port" >"$root/moto.log" 2>&1 &
        echo $! >"$root/moto.pid"
        wait_for moto curl -sf "http://127.0.0.1:$moto_port/moto-api/"
        python3 - "$moto_port" >"$root/moto-credentials" <<'PY'
import sys, boto3, json
url = f"http://127.0.0.1:{sys.argv[1]}"
iam = boto3.client("iam", endpoint_url=url, region_name="us-east-1",
                   aws_access_key_id="setup", aws_secret_access_key="setup")
iam.create_user(UserName="pyramydal-test")
iam.put_user_policy(UserName="pyramydal-test", PolicyName="all",
    PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
key = iam.create_access_key(UserName="pyramydal-test")["AccessKey"]
print(key["AccessKeyId"], key["SecretAccessKey"])
PY
    fi
    # rclone serve s3 (a second, strict signature checker)
    if ! curl -s -o /dev/null "http://127.0.0.1:$rclone_port/"; then
        mkdir -p "$root/rclone-data"
        nohup rclone serve s3 --addr "127.0.0.1:$rclone_port" \
            --auth-key "rclonetestkey,rclonetestsecret" --force-path-style=true \
            "$root/rclone-data" >"$root/rclone.log" 2>&1 &
        echo $! >"$root/rclone.pid"
        wait_for rclone curl -s -o /dev/null "http://127.0.0.1:$rclone_port/"
    fi
    read -r moto_key moto_secret <"$root/moto-credentials"
    cat >"$env_file" <<ENV
# The tests' Python (openpyxl, calamine, XlsxWriter, botocore) and rclone: the project's .venv.
export PATH="$venv_bin:\$PATH"
export PYRAMYDAL_TEST_PYTHON="$venv_bin/python3"
export PYRAMYDAL_TEST_DATABASE_URL="postgresql://pyramydal@127.0.0.1:$pg_port/pyramydal_test"
export PYRAMYDAL_TEST_S3_ENDPOINT="http://127.0.0.1:$moto_port"
export PYRAMYDAL_TEST_S3_ACCESS_KEY_ID="$moto_key"
export PYRAMYDAL_TEST_S3_SECRET_ACCESS_KEY="$moto_secret"
export PYRAMYDAL_TEST_RCLONE_ENDPOINT="http://127.0.0.1:$rclone_port"
export PYRAMYDAL_TEST_RCLONE_ACCESS_KEY_ID="rclonetestkey"
export PYRAMYDAL_TEST_RCLONE_SECRET_ACCESS_KEY="rclonetestsecret"
ENV
    echo "test-services: PostgreSQL :$pg_port, moto :$moto_port, rclone :$rclone_port (variables in $env_file)"
}

stop() {
    for name in rclone moto; do
        if [ -f "$root/$name.pid" ]; then
            kill "$(cat "$root/$name.pid")" 2>/dev/null || true
            rm -f "$root/$name.pid"
        fi
    done
    if [ -d "$root/pg/data" ]; then
        as_pg "$pg_bin/pg_ctl" -D "$root/pg/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    echo "test-services: stopped"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    env) cat "$env_file" ;;
    *) echo "usage: $0 start|stop|env" >&2; exit 2 ;;
esac
