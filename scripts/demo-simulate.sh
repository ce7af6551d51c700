#!/usr/bin/env bash
# hapy's main job for now: simulate what the cluster does with a sample CIB.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install -q -e .
hapy simulate -x samples/two-nodes.xml -S
