"""The `ehsg` entry point: --version without the CLI, exit codes kept, output flushed before the fast exit."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import EXAMPLE, REPO

ENV = {"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"}


def ehsg(*args, cwd=None, **env):
    return subprocess.run([sys.executable, "-X", "importtime", "-m", "ehsg", *args], capture_output=True, text=True,
                          env={**ENV, **env}, cwd=cwd, timeout=120)


def imported(res) -> set[str]:
    return {line.rsplit("|", 1)[-1].strip() for line in res.stderr.splitlines() if line.startswith("import time:")}


def test_version_imports_neither_click_nor_any_reader():
    res = ehsg("--version")
    assert res.returncode == 0 and res.stdout == "ehsg, version 0.1.0\n"
    assert not imported(res) & {"click", "ehsg.cli", "yaml", "lxml", "python_calamine", "openpyxl"}


def test_help_imports_no_reader_or_writer():
    res = ehsg("--help")
    assert res.returncode == 0 and "Usage:" in res.stdout and "check" in res.stdout
    assert not {m.split(".")[0] for m in imported(res)} & {"click", "yaml", "lxml", "python_calamine", "openpyxl",
                                                           "docx"}


def test_exit_codes_and_the_whole_output_survive_the_fast_exit(tmp_path):
    ok = ehsg("check", str(EXAMPLE), "--format", "json")
    assert ok.returncode == 0 and json.loads(ok.stdout)["valid"] is True
    bad = tmp_path / "empty.xlsx"
    bad.write_bytes(b"")
    res = ehsg("check", str(bad))
    assert res.returncode == 1 and "not-a-workbook" in res.stdout
    assert ehsg("check", str(tmp_path / "missing.xlsx")).returncode == 2
    assert ehsg("no-such-command").returncode == 2
    built = ehsg("build", str(EXAMPLE), "-o", str(tmp_path / "out.docx"))
    assert built.returncode == 0 and (tmp_path / "out.docx").stat().st_size > 10_000
    assert not list(tmp_path.glob("*.part"))


def test_check_imports_only_what_reading_needs(tmp_path):
    first = ehsg("check", str(EXAMPLE), XDG_CACHE_HOME=str(tmp_path))
    assert first.returncode == 0 and "Result: valid" in first.stdout and "yaml" in imported(first)
    res = ehsg("check", str(EXAMPLE), XDG_CACHE_HOME=str(tmp_path))  # the guide's YAML parsed before
    assert res.returncode == 0 and res.stdout == first.stdout
    loaded = imported(res)
    # ehsg.outputs itself is light (it checks that inputs are ordinary files); what it writes with is not
    assert not loaded & {"yaml", "ehsg.workshop", "ehsg.consolidate", "ehsg.docxrender", "ehsg.brief",
                         "subprocess", "tempfile", "hashlib", "openpyxl", "docx", "docxtpl", "jinja2", "PIL"}
    assert not {m.split(".")[0] for m in loaded} & {"openpyxl", "docx", "docxtpl", "jinja2", "PIL", "lxml_html_clean"}
