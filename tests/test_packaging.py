"""A plain, non-editable install carries the themes and the scaffold inside the wheel."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from tests.conftest import REPO


def test_wheel_contains_every_runtime_file(tmp_path: Path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(REPO)],
        check=True,
        timeout=300,
    )
    [wheel] = tmp_path.glob("planbuilder-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    theme = REPO / "themes"
    expected = {
        f"planbuilder/themes/{p.relative_to(theme).as_posix()}"
        for p in theme.rglob("*")
        if p.is_file()
    }
    scaffold = REPO / "planbuilder" / "scaffold" / "files"
    expected |= {
        f"planbuilder/scaffold/files/{p.relative_to(scaffold).as_posix()}"
        for p in scaffold.rglob("*")
        if p.is_file()
    }
    assert expected <= names, sorted(expected - names)
    assert "planbuilder/themes/default/fonts/DejaVuSans.ttf" in names
    assert "planbuilder/locale/vi/LC_MESSAGES/planbuilder.po" in names
    assert "planbuilder/locale/es/LC_MESSAGES/planbuilder.po" in names
    assert not any(n.startswith(("tests/", "sample-plan/")) for n in names)
