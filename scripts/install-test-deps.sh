#!/usr/bin/env bash
# Installs what hapy's tests need on a Debian 12 machine; idempotent (safe to rerun):
#   apt: pacemaker-cli-utils -- the reference crm_simulate / crm_verify (Pacemaker 2.1.5),
#        used by the conformance ratchet, the differential tests and the benchmarks;
#        resource-agents, pacemaker-resource-agents -- the real agents the executor runs;
#        fence-agents -- the real fence agents (fence_dummy) the fencer runs;
#   pip: hapy itself (editable) with its test extra (pytest, mypy, ruff, ...).
# PYTHON=/path/to/python3.11 picks the interpreter (default: python3 on PATH).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}

if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "install-test-deps: hapy needs Python >= 3.11, $PYTHON is $("$PYTHON" --version 2>&1)" >&2
    exit 1
fi

# apt packages and a file each provides (installed only when the file is missing):
#   pacemaker-cli-utils        crm_simulate, the scheduler reference
#   resource-agents            ocf:heartbeat:* (Dummy...), what the executor tests run
#   pacemaker-resource-agents  ocf:pacemaker:* (Stateful...)
#   fence-agents               fence_dummy, a real fence agent for the fencer's tests
#   corosync                   corosync and its client libraries (Corosync backend tests)
#   iproute2                   ip, which builds the Corosync tests' namespace network
missing=()
[ -x /usr/sbin/crm_simulate ] || missing+=(pacemaker-cli-utils)
[ -x /usr/lib/ocf/resource.d/heartbeat/Dummy ] || missing+=(resource-agents)
[ -x /usr/lib/ocf/resource.d/pacemaker/Stateful ] || missing+=(pacemaker-resource-agents)
[ -x /usr/sbin/fence_dummy ] || missing+=(fence-agents)
[ -x /usr/sbin/corosync ] || missing+=(corosync)
command -v ip >/dev/null 2>&1 || [ -x /sbin/ip ] || missing+=(iproute2)
if [ ${#missing[@]} -eq 0 ]; then
    echo "install-test-deps: reference present: $(crm_simulate --version | sed -n 1p)"
else
    if [ "$(id -u)" -eq 0 ]; then
        SUDO=()
    elif command -v sudo >/dev/null 2>&1; then
        SUDO=(sudo)
    else
        echo "install-test-deps: need root (or sudo) to apt-get install ${missing[*]}" >&2
        exit 1
    fi
    # Only the command-line tools are wanted: keep the pulled-in daemons (corosync,
    # pacemaker) from being started by their packages' scripts.
    policy=/usr/sbin/policy-rc.d
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' | "${SUDO[@]}" tee "$policy" >/dev/null
        "${SUDO[@]}" chmod 755 "$policy"
        trap '"${SUDO[@]}" rm -f "$policy"' EXIT
    fi
    echo "install-test-deps: apt-get install ${missing[*]}"
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
        --no-install-recommends "${missing[@]}"
    crm_simulate --version | sed -n 1p
fi

echo "install-test-deps: pip install -e '.[test]' ($("$PYTHON" --version))"
PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore \
    "$PYTHON" -m pip install -q -e '.[test]'
# Bytecode for the editable tree, as pip writes it for an installed package: with
# PYTHONDONTWRITEBYTECODE set, Python would otherwise compile hapy's sources again
# on every run (about 75 ms of each `hapy simulate`). Python still checks each
# file's time stamp: an edited module is compiled from its source, never run stale.
"$PYTHON" -m compileall -q src/hapy >/dev/null
