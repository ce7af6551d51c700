"""cibadmin's operations on a CIB tree, and the versions they leave."""

from __future__ import annotations

import pytest
from lxml import etree

from hapy.cib.ops import CibOp, CibRequest, apply_change, query
from hapy.cib.validate import new_errors
from hapy.cib.versions import CibVersion, version_of
from hapy.cib.xmlio import Element, parse_xml_text
from hapy.reports import HapyError

CIB = """<cib admin_epoch="0" epoch="5" num_updates="3" validate-with="pacemaker-3.9">
  <configuration>
    <crm_config/>
    <nodes><node id="1" uname="node1"/></nodes>
    <resources>
      <primitive id="web" class="ocf" provider="heartbeat" type="Dummy">
        <meta_attributes id="web-meta">
          <nvpair id="web-meta-tr" name="target-role" value="Started"/>
        </meta_attributes>
      </primitive>
    </resources>
    <constraints/>
  </configuration>
  <status><node_state id="1" uname="node1" in_ccm="true" crmd="online"/></status>
</cib>"""


def cib() -> Element:
    return parse_xml_text(CIB)


def change(root: Element, op: CibOp, xml: str | None = None, **kw: object) -> Element:
    outcome = apply_change(root, CibRequest(op, xml, **kw))  # type: ignore[arg-type]
    return outcome.root


def code_of(exc: pytest.ExceptionInfo[HapyError]) -> str:
    return exc.value.reports[0].code


def test_create_adds_to_the_objects_section_and_bumps_epoch() -> None:
    root = cib()
    new = change(root, CibOp.CREATE, '<primitive id="db" class="ocf" provider="heartbeat" '
                 'type="Dummy"/>')
    assert new.find("configuration/resources/primitive[@id='db']") is not None
    assert version_of(new) == CibVersion(0, 6, 0)
    # the original is untouched
    assert root.find("configuration/resources/primitive[@id='db']") is None
    assert version_of(root) == CibVersion(0, 5, 3)


def test_create_with_a_used_id_is_refused() -> None:
    with pytest.raises(HapyError) as exc:
        change(cib(), CibOp.CREATE, '<rsc_location id="web" rsc="web" node="node1" score="1"/>')
    assert code_of(exc) == "CIB_OP_EXISTS"


def test_status_changes_bump_num_updates_only() -> None:
    new = change(cib(), CibOp.MODIFY, '<node_state id="1" crmd="offline"/>', scope="status")
    assert new.find("status/node_state").get("crmd") == "offline"  # type: ignore[union-attr]
    assert version_of(new) == CibVersion(0, 5, 4)


def test_modify_merges_attributes_and_children_by_id() -> None:
    new = change(cib(), CibOp.MODIFY, """<primitive id="web" description="site">
        <meta_attributes id="web-meta">
          <nvpair id="web-meta-tr" value="Stopped"/>
          <nvpair id="web-meta-im" name="is-managed" value="false"/>
        </meta_attributes></primitive>""", scope="resources")
    prim = new.find("configuration/resources/primitive")
    assert prim is not None and prim.get("description") == "site" and prim.get("type") == "Dummy"
    values = {n.get("id"): n.get("value") for n in prim.iter("nvpair")}
    assert values == {"web-meta-tr": "Stopped", "web-meta-im": "false"}


def test_modify_of_a_missing_object_fails_unless_allowed_to_create() -> None:
    obj = '<primitive id="nope" class="ocf" provider="heartbeat" type="Dummy"/>'
    with pytest.raises(HapyError) as exc:
        change(cib(), CibOp.MODIFY, obj, scope="resources")
    assert code_of(exc) == "CIB_OP_NOT_FOUND"
    new = change(cib(), CibOp.MODIFY, obj, scope="resources", allow_create=True)
    assert new.find("configuration/resources/primitive[@id='nope']") is not None


def test_replace_swaps_the_whole_object() -> None:
    new = change(cib(), CibOp.REPLACE,
                 '<primitive id="web" class="ocf" provider="pacemaker" type="Stateful"/>')
    prim = new.find("configuration/resources/primitive")
    assert prim is not None and prim.get("provider") == "pacemaker" and len(prim) == 0


def test_replacing_the_cib_with_an_older_one_is_refused() -> None:
    older = CIB.replace('epoch="5"', 'epoch="4"')
    with pytest.raises(HapyError) as exc:
        change(cib(), CibOp.REPLACE, older)
    assert code_of(exc) == "CIB_OP_OLDER"


def test_replacing_the_cib_with_an_edited_copy_bumps_epoch() -> None:
    edited = CIB.replace('<constraints/>',
                         '<constraints><rsc_location id="l" rsc="web" node="node1" score="5"/>'
                         '</constraints>')
    new = change(cib(), CibOp.REPLACE, edited)
    assert new.find("configuration/constraints/rsc_location") is not None
    assert version_of(new) == CibVersion(0, 6, 0)


def test_delete_removes_the_object_and_a_missing_one_is_no_change() -> None:
    root = cib()
    outcome = apply_change(root, CibRequest(CibOp.DELETE, '<primitive id="web"/>'))
    assert outcome.changed and outcome.root.find("configuration/resources/primitive") is None
    again = apply_change(outcome.root, CibRequest(CibOp.DELETE, '<primitive id="web"/>'))
    assert not again.changed and version_of(again.root) == version_of(outcome.root)


def test_delete_by_xpath() -> None:
    new = change(cib(), CibOp.DELETE, xpath="//nvpair[@name='target-role']")
    assert not list(new.iter("nvpair"))


def test_query_by_section_and_xpath() -> None:
    root = cib()
    [resources] = query(root, CibRequest(CibOp.QUERY, scope="resources"))
    assert resources.tag == "resources"
    found = query(root, CibRequest(CibOp.QUERY, xpath="//primitive[@id='web']"))
    assert [e.get("type") for e in found] == ["Dummy"]
    with pytest.raises(HapyError) as exc:
        query(root, CibRequest(CibOp.QUERY, xpath="//primitive[@id='none']"))
    assert code_of(exc) == "CIB_OP_NOT_FOUND"


@pytest.mark.parametrize(("request_", "code"), [
    (CibRequest(CibOp.QUERY, xpath="//primitive[@id="), "CIB_OP_BAD_XPATH"),
    (CibRequest(CibOp.QUERY, scope="resourcez"), "CIB_OP_BAD_SCOPE"),
    (CibRequest(CibOp.CREATE), "CIB_OP_NO_OBJECT"),
    (CibRequest(CibOp.CREATE, "<primitive id='x'"), "CIB_XML_MALFORMED"),
    (CibRequest(CibOp.CREATE, '<!DOCTYPE x [<!ENTITY a "b">]><x/>'), "CIB_XML_DTD_REFUSED"),
])
def test_bad_requests_get_coded_errors(request_: CibRequest, code: str) -> None:
    with pytest.raises(HapyError) as exc:
        if request_.op is CibOp.QUERY:
            query(cib(), request_)
        else:
            apply_change(cib(), request_)
    assert code_of(exc) == code


def test_validation_names_only_the_errors_a_change_brings() -> None:
    root = cib()
    bad = change(root, CibOp.CREATE, '<rsc_colocation id="c" rsc="web" with-rsc="ghost" '
                 'score="INFINITY"/>')
    errors = new_errors(root, bad)
    assert [e.code for e in errors] == ["CIB_DANGLING_REFERENCE"]
    # a later unrelated change is not blamed for the old problem
    later = change(bad, CibOp.MODIFY, '<primitive id="web" description="x"/>')
    assert new_errors(bad, later) == []
    assert etree.tostring(root) == etree.tostring(cib())
