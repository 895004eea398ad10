"""Random bytes and random damage to valid workbooks, exports, templates and guide folders, fed to every command.

Whatever the input, a command exits 0, 1 or 2, prints no traceback and no internal error, leaves no
temporary file behind, and writes no output when it fails. Each test tries
a fixed number of inputs, about a minute in all; set EHSG_FUZZ_SCALE for a longer search. The
search is derandomised, so a run in CI is repeatable and a failure is the same failure again.
"""

from __future__ import annotations

import io
import os
import shutil
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from ehsg.cli import main

from conftest import EXAMPLE, GUIDE_DIR, REPO

# How many inputs each test below tries; about a minute in all. EHSG_FUZZ_SCALE=20 searches twenty times longer.
SCALE = float(os.environ.get("EHSG_FUZZ_SCALE", "1"))
TEMPLATE = REPO / "templates" / "submission.docx"


def FUZZ(examples: int):
    return settings(max_examples=max(1, int(examples * SCALE)), deadline=None, derandomize=True, database=None,
                    phases=[Phase.generate], suppress_health_check=list(HealthCheck))


def _export_bytes(ending: str) -> bytes:
    from ehsg.export import export
    from ehsg.guide import load_guide

    import tempfile
    with tempfile.TemporaryDirectory() as d:
        out = Path(d) / f"e{ending}"
        export(EXAMPLE, out, "ogd", load_guide(GUIDE_DIR))
        return out.read_bytes()


SOURCES = {".xlsx": EXAMPLE.read_bytes(), ".docx": TEMPLATE.read_bytes()}


def _members(data: bytes) -> list[tuple[zipfile.ZipInfo, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return [(i, z.read(i.filename)) for i in z.infolist()]


INSIDE = ("member", "member", "member", "random")
RAW = ("raw", "truncate")

# Kinds of internal error known and being fixed (text in the output -> why): each is reported as an
# expected failure naming it, so any NEW internal error still fails. Empty: every class found so far
# (damaged zip members, a CSV with a bare carriage return) is now a located problem.
KNOWN_ELSEWHERE: dict[str, str] = {}


@st.composite
def damaged(draw, original: bytes, kinds=INSIDE + RAW) -> bytes:
    """A copy with one kind of damage: inside a zip member (re-zipped, so it still opens), or to the raw bytes."""
    how = draw(st.sampled_from(kinds))
    if how == "random":
        return draw(st.binary(max_size=2000))
    if how == "truncate":
        return original[:draw(st.integers(0, len(original)))]
    if how == "raw" or not original.startswith(b"PK"):
        data = bytearray(original)
        for _ in range(draw(st.integers(1, 8))):
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
        return bytes(data)
    members = _members(original)
    index = draw(st.integers(0, len(members) - 1))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for i, (info, content) in enumerate(members):
            if i == index:
                content = _mutate(draw, content)
            z.writestr(info.filename, content)
    return buf.getvalue()


def _mutate(draw, content: bytes) -> bytes:
    if not content:
        return draw(st.binary(max_size=50))
    start = draw(st.integers(0, len(content) - 1))
    end = min(len(content), start + draw(st.integers(0, 40)))
    insert = draw(st.one_of(st.binary(max_size=30),
                            st.sampled_from([b"<", b">", b"&", b"\"", b"-1", b"999999999", b"1e309", b"\x00",
                                             b"<!DOCTYPE x [<!ENTITY a \"aaaa\">]>", b"&a;", b"{{", b"}}",
                                             b"{%", b"=1+1", b"\xef\xbf\xbf", b"\x1b]0;x\x07"])))
    return content[:start] + insert + content[end:]


class Run:
    """One command line in a fresh folder, checked for the promises every command makes."""

    def __init__(self, root: Path, known: set[str]):
        self.root = root
        self.known = known

    def __call__(self, args: list[str], output: Path | None = None) -> int:
        before = {p for p in self.root.rglob("*")}
        res = CliRunner().invoke(main, args, catch_exceptions=False)
        text = res.output
        known = [why for what, why in KNOWN_ELSEWHERE.items() if res.exit_code == 3 and what in text]
        self.known.update(known)
        if not known:
            assert res.exit_code in (0, 1, 2), f"exit {res.exit_code} for {args}:\n{text}"
            assert "Traceback" not in text and "internal error" not in text, text
        after = {p for p in self.root.rglob("*")}
        new = after - before
        assert not [p for p in after if p.name.endswith(".part")], "a temporary file was left behind"
        # cohort reports a bad file, leaves it out and still analyses the rest (exit 1), as the README says
        left_out = args[0] == "cohort" and res.exit_code == 1 and "Left out" in text
        if (res.exit_code != 0 and not left_out) or output is None:
            assert not new, f"{args} failed (exit {res.exit_code}) but left {new}"
        else:
            assert new <= {output}, new
        if output is not None and output.exists():
            output.unlink()
        return res.exit_code


@pytest.fixture
def fresh(tmp_path_factory):
    known: set[str] = set()

    def make() -> tuple[Path, Run]:
        root = tmp_path_factory.mktemp("fuzz")
        shutil.copy(EXAMPLE, root / "example.xlsx")
        return root, Run(root, known)
    make.known = known
    return make


def _settle(fresh) -> None:
    """Every promise held, except internal errors of a kind listed in KNOWN_ELSEWHERE: those are named."""
    if fresh.known:
        pytest.xfail("internal errors of kinds already known, fixed elsewhere: " + "; ".join(sorted(fresh.known)))


COMMANDS = ["check", "suggest", "build", "export", "merge", "compare", "cohort", "template"]


def test_damaged_workbooks_every_command(fresh):
    @FUZZ(80)
    @given(data=damaged(SOURCES[".xlsx"]), command=st.sampled_from(COMMANDS))
    def run(data, command):
        root, go = fresh()
        f = root / "area.xlsx"
        f.write_bytes(data)
        out = {"build": root / "s.docx", "export": root / "e.json", "merge": root / "c.xlsx",
               "compare": root / "c.xlsx", "cohort": root / "k.xlsx", "template": root / "t.xlsx"}.get(command)
        args = {"check": ["check", str(f)], "suggest": ["suggest", str(f)],
                "build": ["build", str(f), "-o", str(out)],
                "export": ["export", str(f), "--for", "dfe", "-o", str(out)],
                "merge": ["merge", str(f), str(root / "example.xlsx"), "-o", str(out)],
                "compare": ["compare", str(root / "example.xlsx"), str(f), "-o", str(out)],
                "cohort": ["cohort", str(f), "-o", str(out)],
                # a damaged workbook named as the output: refused or replaced, never a crash
                "template": ["template", "-o", str(f)]}[command]
        go(args, None if command == "template" else out)

    run()
    _settle(fresh)


@pytest.mark.parametrize("ending", [".json", ".csv", ".xlsx"])
def test_damaged_exports_compare_and_cohort(fresh, ending):
    original = _export_bytes(ending)

    @FUZZ(25)
    @given(data=damaged(original), command=st.sampled_from(["compare", "cohort"]))
    def run(data, command):
        root, go = fresh()
        f = root / f"area{ending}"
        f.write_bytes(data)
        out = root / "c.xlsx"
        args = (["compare", str(root / "example.xlsx"), str(f), "-o", str(out)] if command == "compare"
                else ["cohort", str(f), "-o", str(out)])
        go(args, out)

    run()
    _settle(fresh)


def test_damaged_templates_build_and_check_template(fresh):
    @FUZZ(20)
    @given(data=damaged(SOURCES[".docx"]), command=st.sampled_from(["build", "check-template"]))
    def run(data, command):
        root, go = fresh()
        f = root / "mine.docx"
        f.write_bytes(data)
        out = root / "s.docx"
        if command == "build":
            go(["build", str(root / "example.xlsx"), "-o", str(out), "--template", str(f)], out)
        else:
            go(["check-template", str(f)])

    run()
    _settle(fresh)


GUIDE_FILES = sorted(p.name for p in GUIDE_DIR.glob("*.yaml"))


def test_damaged_guide_folders(fresh):
    @FUZZ(40)
    @given(name=st.sampled_from(GUIDE_FILES), data=st.data(), command=st.sampled_from(["check", "template"]))
    def run(name, data, command):
        root, go = fresh()
        guide = root / "guide"
        shutil.copytree(GUIDE_DIR, guide)
        text = (guide / name).read_bytes()
        (guide / name).write_bytes(data.draw(damaged(text)))
        before = (guide / name).read_bytes()
        out = root / "t.xlsx"
        if command == "check":
            go(["check", str(root / "example.xlsx"), "--guide", str(guide)])
        else:
            go(["template", "-o", str(out), "--guide", str(guide)], out)
        assert (guide / name).read_bytes() == before

    run()
    _settle(fresh)
