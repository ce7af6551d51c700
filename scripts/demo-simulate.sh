#!/usr/bin/env bash
# hapy's main job: simulate what the cluster would do with a CIB, like crm_simulate.
# Installs hapy (pip install -e .) and runs
#     hapy simulate -x samples/two-nodes.xml -S
# (current status, the transition it schedules, the status after running it).
# Arguments replace the defaults:  scripts/demo-simulate.sh -x my-cib.xml -S -s
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}

PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore "$PYTHON" -m pip install -q -e .

# The console script of the interpreter just installed into (no PATH or shim surprises).
hapy="$("$PYTHON" -c 'import sysconfig; print(sysconfig.get_path("scripts"))')/hapy"
[ -x "$hapy" ] || hapy=""

if [ $# -eq 0 ]; then
    set -- -x samples/two-nodes.xml -S
fi
echo "\$ hapy simulate $*"
if [ -n "$hapy" ]; then
    exec "$hapy" simulate "$@"
fi
exec "$PYTHON" -m hapy simulate "$@"
