"""``hapy daemon`` picks corosync when it is configured and no embedded directory is given."""

from __future__ import annotations

from pathlib import Path

import pytest

from hapy.cli.daemon import choose_backend
from hapy.cli.main import main


def test_choice(tmp_path: Path) -> None:
    conf = tmp_path / "corosync.conf"
    assert choose_backend(None, None, conf) == "embedded"
    conf.write_text("totem {}\n")
    assert choose_backend(None, None, conf) == "corosync"
    assert choose_backend(None, "/some/dir", conf) == "embedded"
    assert choose_backend("embedded", None, conf) == "embedded"
    assert choose_backend("corosync", "/some/dir", tmp_path / "absent") == "corosync"


def test_embedded_without_its_options_is_a_coded_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["daemon", "--backend", "embedded", "--state-dir", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "DAEMON_OPTION_MISSING" in err and "--cluster-dir" in err and "--node" in err
