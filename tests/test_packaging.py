"""The installed command: data files travel with the package, and start-up stays light."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import EXAMPLE, REPO


def _installed_data_dir(tmp_path) -> Path:
    out = subprocess.run([sys.executable, "-c", "from ehsg.guide import packaged_guides_dir; "
                          "print(packaged_guides_dir())"], cwd=tmp_path, capture_output=True, text=True, check=True)
    return Path(out.stdout.strip())


def test_installed_package_carries_guide_and_template(tmp_path):
    data = _installed_data_dir(tmp_path)
    if data == REPO / "descriptors":
        pytest.skip("ehsg is installed in editable mode; the wheel's data files are not in use")
    assert data.parts[-2:] == ("_data", "descriptors")
    assert (data / "ehsg-2022" / "sections.yaml").is_file()
    assert (data.parent / "templates" / "submission.docx").is_file()


def test_console_script_runs_from_anywhere(tmp_path):
    exe = shutil.which("ehsg", path=str(Path(sys.executable).parent))
    assert exe, "the ehsg command is not installed beside this Python"
    shutil.copy(EXAMPLE, tmp_path / "in.xlsx")
    subprocess.run([exe, "template", "-o", "blank.xlsx"], cwd=tmp_path, check=True, capture_output=True)
    res = subprocess.run([exe, "build", "in.xlsx", "-o", "out.docx"], cwd=tmp_path, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "blank.xlsx").stat().st_size > 5000 and (tmp_path / "out.docx").stat().st_size > 20000


def test_help_does_not_import_heavy_libraries():
    code = ("import sys; from ehsg.cli import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "heavy = [m for m in ('openpyxl', 'docx', 'docxtpl', 'PIL', 'yaml', 'jinja2') if m in sys.modules]\n"
            "print('HEAVY=' + ','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "HEAVY="
