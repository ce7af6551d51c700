"""`hapy verify` reports every problem of a CIB with a code and the element."""

from __future__ import annotations

from pathlib import Path

from hapy.commands.verify import verify_file

CIB = """<cib validate-with="pacemaker-3.7" epoch="1" admin_epoch="0" num_updates="0">
  <configuration>
    <crm_config/>
    <nodes><node id="1" uname="node1"/></nodes>
    <resources>
      <primitive id="ok" class="ocf" provider="heartbeat" type="Dummy"/>
      <primitive id="noagent" class="ocf"/>
      <primitive class="ocf" provider="heartbeat" type="Dummy"/>
    </resources>
    <constraints>
      <rsc_location id="bad-score" rsc="ok" node="node1" score="lots"/>
      <rsc_colocation id="dangling" rsc="ok" with-rsc="ghost" score="INFINITY">
        <meta_attributes id-ref="nothing-here"/>
      </rsc_colocation>
    </constraints>
  </configuration>
  <status/>
</cib>
"""


def test_all_errors_are_reported_with_codes(tmp_path: Path) -> None:
    path = tmp_path / "cib.xml"
    path.write_text(CIB)
    reports = verify_file(str(path))
    codes = sorted(r.code for r in reports if r.is_error())
    assert codes == [
        "CIB_BAD_SCORE",
        "CIB_DANGLING_REFERENCE",
        "CIB_DANGLING_REFERENCE",
        "CIB_ID_MISSING",
        "CIB_RESOURCE_AGENT_MISSING",
    ]
    bad = next(r for r in reports if r.code == "CIB_BAD_SCORE")
    assert bad.context["id"] == "bad-score"
    dangling = {r.context["id"] for r in reports if r.code == "CIB_DANGLING_REFERENCE"}
    assert dangling == {"dangling", "nothing-here"}


def test_a_valid_cib_has_no_errors(tmp_path: Path) -> None:
    path = tmp_path / "cib.xml"
    path.write_text(CIB.split("<primitive id=\"noagent\"")[0] + "</resources><constraints/>"
                    "</configuration><status/></cib>")
    assert [r for r in verify_file(str(path)) if r.is_error()] == []


def test_not_a_cib(tmp_path: Path) -> None:
    path = tmp_path / "x.xml"
    path.write_text("<html/>")
    assert [r.code for r in verify_file(str(path))] == ["CIB_NOT_A_CIB"]
