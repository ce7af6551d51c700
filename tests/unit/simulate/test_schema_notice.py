"""crm_simulate notes a CIB whose schema validation is switched off."""

from __future__ import annotations

import io
from pathlib import Path

from hapy.simulate.driver import SimulateRequest, simulate

NOTICE = "Schema validation of configuration is disabled"


def _cib(validate_with: str) -> str:
    return (
        f'<cib validate-with="{validate_with}" epoch="1" num_updates="0" admin_epoch="0">'
        "<configuration><crm_config/><nodes/><resources/><constraints/></configuration>"
        "<status/></cib>"
    )


def _output(tmp_path: Path, validate_with: str) -> str:
    path = tmp_path / "cib.xml"
    path.write_text(_cib(validate_with))
    out = io.StringIO()
    simulate(SimulateRequest(xml_file=str(path)), out)
    return out.getvalue()


def test_disabled_validation_is_noted_first(tmp_path: Path) -> None:
    assert _output(tmp_path, "none").startswith(NOTICE)


def test_validated_cib_has_no_notice(tmp_path: Path) -> None:
    assert NOTICE not in _output(tmp_path, "pacemaker-3.7")
