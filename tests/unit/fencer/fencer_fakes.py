"""Fake fence agents (shell scripts) and small CIBs for the fencer's tests."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Sequence
from pathlib import Path

from lxml import etree

from hapy.cib.xmlio import Element

_SCRIPT = """#!/bin/sh
input=$(cat)
printf '%s\\n--\\n' "$input" >> "{log}"
action=$(printf '%s\\n' "$input" | sed -n 's/^action=//p' | head -n 1)
port=$(printf '%s\\n' "$input" | sed -n 's/^{host_arg}=//p' | head -n 1)
if [ "$action" = metadata ]; then
cat <<'XML'
{metadata}
XML
exit 0
fi
case " {fail} " in *" $action "*) echo "ERROR: Failed: $action refused" >&2; exit 1;; esac
case " {slow} " in *" $action "*) sleep 30; exit 0;; esac
case "$action" in
  list) printf '%s\\n' {hosts}; exit 0;;
  status)
    for h in {hosts}; do [ "$h" = "$port" ] && {{ echo "Status: OFF"; exit 2; }}; done
    [ -n "{hosts}" ] && exit 1
    exit 2;;
esac
exit 0
"""

_METADATA = """<?xml version="1.0" ?>
<resource-agent name="{name}" shortdesc="fake">
<parameters>{params}</parameters>
<actions>{actions}</actions>
</resource-agent>"""

ALL_ACTIONS = ("on", "off", "reboot", "status", "list", "monitor", "metadata")


def fake_agent(directory: Path, name: str, *, fail: Iterable[str] = (),
               slow: Iterable[str] = (), hosts: Sequence[str] = (),
               actions: Sequence[str] = ALL_ACTIONS, params: Sequence[str] = ("port",),
               host_arg: str = "port") -> Path:
    """Write agent ``name`` into ``directory``; every run's stdin is appended
    to ``directory/name.log``."""
    metadata = _METADATA.format(
        name=name,
        params="".join(f'<parameter name="{p}"/>' for p in params),
        actions="".join(f'<action name="{a}"/>' for a in actions))
    script = directory / name
    script.write_text(_SCRIPT.format(
        log=directory / f"{name}.log", metadata=metadata, fail=" ".join(fail),
        slow=" ".join(slow), hosts=" ".join(hosts), host_arg=host_arg))
    script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return script


def runs(directory: Path, name: str) -> list[dict[str, str]]:
    """The key=value input of each run of agent ``name`` (metadata runs left out)."""
    log = directory / f"{name}.log"
    if not log.exists():
        return []
    out = []
    for chunk in log.read_text().split("\n--\n"):
        pairs = dict(line.split("=", 1) for line in chunk.splitlines() if "=" in line)
        if pairs and pairs.get("action") != "metadata":
            out.append(pairs)
    return out


def agent_env(directory: Path) -> dict[str, str]:
    return {"PATH": f"{directory}:{os.environ.get('PATH', '/usr/bin:/bin')}"}


def device_xml(ident: str, agent: str, params: dict[str, str] | None = None,
               meta: dict[str, str] | None = None) -> str:
    pairs = "".join(f'<nvpair id="{ident}-{k}" name="{k}" value="{v}"/>'
                    for k, v in (params or {}).items())
    metas = "".join(f'<nvpair id="{ident}-m-{k}" name="{k}" value="{v}"/>'
                    for k, v in (meta or {}).items())
    return (f'<primitive id="{ident}" class="stonith" type="{agent}">'
            f'<instance_attributes id="{ident}-ia">{pairs}</instance_attributes>'
            f'<meta_attributes id="{ident}-ma">{metas}</meta_attributes></primitive>')


def cib(*devices: str, levels: str = "", constraints: str = "", options: str = "",
        nodes: Sequence[str] = ("node1", "node2", "node3")) -> Element:
    node_xml = "".join(f'<node id="{i}" uname="{n}"/>' for i, n in enumerate(nodes, 1))
    text = (
        '<cib validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">'
        '<configuration><crm_config><cluster_property_set id="cib-bootstrap-options">'
        f'{options}</cluster_property_set></crm_config>'
        f'<nodes>{node_xml}</nodes><resources>{"".join(devices)}</resources>'
        f'<constraints>{constraints}</constraints>'
        f'<fencing-topology>{levels}</fencing-topology>'
        '</configuration><status/></cib>')
    return etree.fromstring(text)


def level(index: int, target: str, devices: str, ident: str | None = None) -> str:
    return (f'<fencing-level id="{ident or f"fl-{target}-{index}"}" target="{target}" '
            f'index="{index}" devices="{devices}"/>')
