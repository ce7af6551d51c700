#!/usr/bin/env bash
# hapy's main job: a 3-node cluster on this host, managing resources.
# Installs hapy (pip install -e .) and runs `hapy demo`: starts three node
# daemons in a temporary directory, configures a group and a clone, injects a
# failure and shows its recovery, stops a node cleanly and shows its resources
# moving, prints the timings, stops everything. No root needed.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}

PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore "$PYTHON" -m pip install -q -e .

hapy="$("$PYTHON" -c 'import sysconfig; print(sysconfig.get_path("scripts"))')/hapy"
echo "\$ hapy demo $*"
if [ -x "$hapy" ]; then
    exec "$hapy" demo "$@"
fi
exec "$PYTHON" -m hapy demo "$@"
