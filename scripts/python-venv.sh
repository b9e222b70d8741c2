# shellcheck shell=bash
# Sourced, not run: project-local Python virtual environments with pinned
# packages, so tests and benchmarks never use (or change) the machine's own
# pip packages, whatever versions it has installed.
#
#   ensure_venv DIR "name==version"…   makes DIR a virtualenv holding exactly
#                                       these pins (re-made when one is off)
#
# Debian's python3 needs python3-venv for `python3 -m venv`; it is installed
# when missing.

_venv_as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

ensure_venv() {
    local dir=$1; shift
    if [ -x "$dir/bin/python" ] && "$dir/bin/python" - "$@" <<'PY' 2>/dev/null; then return 0; fi
import sys, importlib.metadata as m
for pin in sys.argv[1:]:
    name, version = pin.split("==")
    name = name.split("[")[0]
    assert m.version(name) == version, pin
PY
    echo "venv: installing $* into $dir" >&2
    rm -rf "$dir"
    python3 -m venv "$dir" 2>/dev/null || {
        rm -rf "$dir"
        _venv_as_root apt-get update -qq &&
            DEBIAN_FRONTEND=noninteractive _venv_as_root apt-get install -y -qq --no-install-recommends python3-venv >/dev/null &&
            python3 -m venv "$dir"
    } &&
        PIP_USER=0 "$dir/bin/pip" install -q --disable-pip-version-check --no-user "$@"
}
