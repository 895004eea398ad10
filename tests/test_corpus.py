"""The corpus of bad and hostile inputs: each gives its exact problem, a non-zero exit, no traceback, no output."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from ehsg.cli import main

from conftest import EXAMPLE, REPO

DATA = REPO / "tests" / "data"
CASES = json.loads((DATA / "corpus" / "cases.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def corpus(tmp_path_factory):
    out = tmp_path_factory.mktemp("corpus")
    subprocess.run([sys.executable, str(DATA / "make_corpus.py"), str(out)], check=True, capture_output=True)
    return out


def test_committed_case_list_matches_the_generator(corpus):
    assert json.loads((corpus / "cases.json").read_text(encoding="utf-8")) == CASES
    assert len(CASES) >= 40


def _run(args):
    res = CliRunner().invoke(main, args, catch_exceptions=False)
    assert "Traceback" not in res.output
    return res


WORKBOOK_CASES = [c for c in CASES if c["kind"] == "workbook"]


@pytest.mark.parametrize("c", WORKBOOK_CASES, ids=[c["file"] for c in WORKBOOK_CASES])
def test_workbook_case(corpus, tmp_path, c):
    path = corpus / c["file"]
    started = time.perf_counter()
    res = _run(["check", str(path), "--format", "json"])
    elapsed = time.perf_counter() - started
    assert elapsed < 30, "a hostile file must be refused quickly"  # generous: a bound, not a benchmark
    report = json.loads(res.output)
    problems = report["problems"]
    out = tmp_path / "out.docx"
    build = _run(["build", str(path), "-o", str(out)])
    if c["severity"] == "error":
        assert res.exit_code == 1 and report["valid"] is False
        matching = [p for p in problems if p["code"] == c["code"]]
        assert matching, problems
        if c["location"] is not None:
            assert c["location"] in [p["location"] for p in matching], matching
        assert build.exit_code == 1 and not out.exists()
        assert not list(tmp_path.glob("*.part"))
        return
    assert res.exit_code == 0, problems
    assert build.exit_code == 0, build.output
    if c["code"] and c.get("stage") == "build":
        assert c["location"] in build.output and c["code"] in build.output
    elif c["code"]:
        assert [(p["code"], p["severity"]) for p in problems if p["location"] == c["location"]] == \
            [(c["code"], "warning")]
    if "narrative" in c:
        from docx import Document
        from test_build import descriptor_blocks

        texts = [b[1] for b in descriptor_blocks(Document(out)).values()]
        assert max(len(t) for t in texts) == c["narrative"]["length"]


GUIDE_CASES = [c for c in CASES if c["kind"] == "guide"]


@pytest.mark.parametrize("c", GUIDE_CASES, ids=[c["file"] for c in GUIDE_CASES])
def test_guide_case(corpus, tmp_path, c, monkeypatch):
    monkeypatch.chdir(corpus)
    pwned = Path("/tmp/ehsg-pwned")
    pwned.unlink(missing_ok=True)
    res = _run(["check", str(EXAMPLE), "--guide", c["file"]])
    out = tmp_path / "t.xlsx"
    tpl = _run(["template", "-o", str(out), "--guide", c["file"]])
    assert not pwned.exists()
    if c["severity"] == "error":
        assert res.exit_code == 2 and tpl.exit_code == 2 and not out.exists()
        assert c["code"] in res.output and c["location"] in res.output
    else:
        assert res.exit_code == 0 and tpl.exit_code == 0
        assert c["code"] in res.output and c["location"] in res.output


TEMPLATE_CASES = [c for c in CASES if c["kind"] == "template"]


@pytest.mark.parametrize("c", TEMPLATE_CASES, ids=[c["file"] for c in TEMPLATE_CASES])
def test_template_case(corpus, tmp_path, c):
    out = tmp_path / "out.docx"
    res = _run([c.get("command", "build"), str(EXAMPLE), "-o", str(out), "--template", str(corpus / c["file"])])
    assert res.exit_code == 2 and c["code"] in res.output and not out.exists()


COMMAND_CASES = [c for c in CASES if c["kind"] == "command"]


def _snapshot(root: Path) -> dict[str, str]:
    """Every path under root, with a hash for files: to see what changed and what appeared."""
    import hashlib
    import stat as st

    seen = {}
    for p in sorted(root.rglob("*")):
        mode = p.lstat().st_mode
        seen[str(p.relative_to(root))] = hashlib.sha256(p.read_bytes()).hexdigest() if st.S_ISREG(mode) else \
            ("folder" if st.S_ISDIR(mode) else "special")
    return seen


def _prepare(corpus: Path, root: Path, c: dict) -> dict[str, str]:
    import os
    import shutil

    inp, outdir = root / "in", root / "out"
    inp.mkdir()
    outdir.mkdir()
    shutil.copy(EXAMPLE, inp / "example.xlsx")
    if c["input"] and (corpus / c["input"]).exists():
        src = corpus / c["input"]
        (shutil.copytree if src.is_dir() else shutil.copy)(src, inp / c["input"])
    for kind, name in c["setup"]:
        where = outdir / name[4:] if name.startswith("out/") else inp / name
        if kind == "fifo":
            os.mkfifo(where)
        elif kind == "folder":
            where.mkdir()
        elif kind == "copy-example":
            shutil.copy(EXAMPLE, where)
        elif kind == "copy-guide-file":
            shutil.copy(REPO / "descriptors" / "ehsg-2022" / where.name, where)
        else:  # pragma: no cover - a mistake in the generator
            raise AssertionError(kind)
    return {"file": str(inp / c["input"]) if c["input"] else "", "example": str(inp / "example.xlsx"),
            "in": str(inp), "out": str(outdir / c["out"]), "outdir": str(outdir)}


@pytest.mark.parametrize("c", COMMAND_CASES, ids=[c["file"] for c in COMMAND_CASES])
def test_command_case(corpus, tmp_path, c):
    from ehsg.terminal import safe

    places = _prepare(corpus, tmp_path, c)
    args = [a.format(**places) for a in c["args"]]
    before = _snapshot(tmp_path)
    res = _run(args)
    printed = res.output
    assert res.exit_code == c["exit"], printed
    if c["code"]:
        assert f"[{c['code']}]" in printed or f'"code": "{c["code"]}"' in printed, printed
    if c["location"]:
        assert c["location"].format(**places) in printed, printed
    if c.get("terminal"):
        assert safe(printed) == printed, "a control character reached the terminal"
    if c.get("json"):
        json.loads(res.stdout)
    after = _snapshot(tmp_path)
    out = Path(places["out"])
    if c["exit"] == 0 and str(out) in " ".join(args):
        assert out.is_file()
        after.pop(str(out.relative_to(tmp_path)))
    assert after == before, "an input changed, or a file was left behind"
