"""Small CIBs for placement tests: nodes, resources, constraints and a
status section built from short specifications."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from hapy.cib.parse import load_cib_file
from hapy.scheduler.run import Transition, schedule

NOW = datetime(2024, 1, 1, tzinfo=UTC)
DIGEST = "f2317cad3d54cec5d7d7aa7d0bf35cf8"

#: operation histories: (operation, interval, rc, expected rc)
HISTORIES = {
    "run": [("start", 0, 0, 0)],
    "fail_stop": [("start", 0, 0, 0), ("stop", 0, 1, 0)],
    "fail_monitor": [("start", 0, 0, 0), ("monitor", 10000, 7, 0)],
    "promoted": [("start", 0, 0, 0), ("promote", 0, 0, 0)],
    "fail_demote": [("start", 0, 0, 0), ("promote", 0, 0, 0), ("demote", 0, 1, 0)],
}


def primitive(rid: str, meta: str = "", extra: str = "") -> str:
    metas = f'<meta_attributes id="{rid}-m">{meta}</meta_attributes>' if meta else ""
    return (f'<primitive id="{rid}" class="ocf" provider="pacemaker" type="Dummy">'
            f"{metas}{extra}</primitive>")


def nvpair(owner: str, name: str, value: str) -> str:
    return f'<nvpair id="{owner}-{name}" name="{name}" value="{value}"/>'


def location(rsc: str, node: str, score: str) -> str:
    return f'<rsc_location id="l-{rsc}-{node}" rsc="{rsc}" node="{node}" score="{score}"/>'


def colocation(dependent: str, primary: str, score: str) -> str:
    return (f'<rsc_colocation id="c-{dependent}-{primary}" rsc="{dependent}" '
            f'with-rsc="{primary}" score="{score}"/>')


def _lrm(rid: str, history: str) -> str:
    ops = "".join(
        f'<lrm_rsc_op id="{rid}_{task}_{i}" operation="{task}" interval="{interval}" '
        f'call-id="{i + 1}" rc-code="{rc}" op-status="0" op-digest="{DIGEST}" '
        f'transition-key="{i}:1:{exp}:aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa" '
        f'transition-magic="0:{rc};{i}:1:{exp}:aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa"/>'
        for i, (task, interval, rc, exp) in enumerate(HISTORIES[history])
    )
    return (f'<lrm_resource id="{rid}" class="ocf" provider="pacemaker" type="Dummy">'
            f"{ops}</lrm_resource>")


def run(
    tmp_path: Path,
    nodes: str,
    resources: str,
    constraints: str = "",
    *,
    active: dict[str, list[tuple[str, str]]] | None = None,
    options: str = "",
    node_extra: dict[str, str] | None = None,
    node_scores: dict[str, str] | None = None,
) -> Transition:
    """Schedule a CIB. ``nodes`` lists node names, "!" marking one offline;
    ``active`` maps a node to (resource, history) pairs."""
    names = nodes.split()
    online = [n for n in names if not n.startswith("!")]
    names = [n.lstrip("!") for n in names]
    extra = node_extra or {}
    scored = {n: f' score="{v}"' for n, v in (node_scores or {}).items()}
    node_xml = "".join(f'<node id="{n}" uname="{n}"{scored.get(n, "")}>{extra.get(n, "")}</node>'
                       for n in names)
    states = "".join(
        f'<node_state id="{n}" uname="{n}" in_ccm="true" crmd="online" join="member" '
        f'expected="member"><lrm id="{n}"><lrm_resources>'
        + "".join(_lrm(r, h) for r, h in (active or {}).get(n, []))
        + "</lrm_resources></lrm></node_state>"
        for n in online
    )
    xml = f"""<cib validate-with="pacemaker-3.7" epoch="1" num_updates="0" admin_epoch="0"
      have-quorum="1">
  <configuration>
    <crm_config><cluster_property_set id="o">
      <nvpair id="o1" name="stonith-enabled" value="false"/>{options}
    </cluster_property_set></crm_config>
    <nodes>{node_xml}</nodes>
    <resources>{resources}</resources>
    <constraints>{constraints}</constraints>
  </configuration>
  <status>{states}</status>
</cib>"""
    path = tmp_path / "cib.xml"
    path.write_text(xml)
    cib, _ = load_cib_file(str(path))
    return schedule(cib, NOW)


def scores(result: Transition, rsc: str, func: str = "pcmk__primitive_assign") -> dict[str, str]:
    """The last score trace of ``rsc`` from ``func``: node name -> score text."""
    out: dict[str, str] = {}
    prefix = f"{func}: {rsc} allocation score on "
    for line in result.scores:
        if line.startswith(prefix):
            node, _, value = line[len(prefix):].partition(": ")
            out[node] = value
    return out


def placed(result: Transition, rsc: str) -> str | None:
    node = result.working_set.resources_by_id[rsc].assigned_node
    return node.uname if node is not None else None
