#!/usr/bin/env bash
# Installs what the test suite needs on a fresh Debian 12 machine (idempotent).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v crm_simulate >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -q
    $SUDO apt-get install -y -q pacemaker-cli-utils
fi
python3 -m pip install -q -e '.[test]'
