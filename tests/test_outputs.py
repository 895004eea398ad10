"""Outputs: all or nothing, removed on failure and on SIGTERM/SIGHUP, refused early with a coded reason."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from click.testing import CliRunner

from ehsg import outputs
from ehsg.cli import main
from ehsg.errors import InputFileError
from ehsg.inputfile import require_regular_file
from ehsg.outputs import Stopped, atomic_save, check_ending, check_output_path, writing

from conftest import EXAMPLE


def _write(text):
    return lambda tmp: Path(tmp).write_text(text, encoding="utf-8")


def test_outputs_move_into_place_together_at_the_end(tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    with writing([a, b]):
        atomic_save(a, _write("A"))
        assert not a.exists(), "nothing is in place before the whole command has succeeded"
        atomic_save(b, _write("B"))
    assert a.read_text() == "A" and b.read_text() == "B"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.txt"]


def test_a_failure_after_the_first_output_leaves_neither(tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("earlier")
    with pytest.raises(RuntimeError):
        with writing([a, b]):
            atomic_save(a, _write("A"))
            atomic_save(b, lambda tmp: (_ for _ in ()).throw(RuntimeError("disk trouble")))
    assert a.read_text() == "earlier" and not b.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_while_writing_removes_every_temporary_file(tmp_path, signum):
    before = signal.getsignal(signum)
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"

    def write_then_get_stopped(tmp):
        Path(tmp).write_text("half")
        os.kill(os.getpid(), signum)

    with pytest.raises(Stopped) as e:
        with writing([a, b]):
            atomic_save(a, _write("A"))
            atomic_save(b, write_then_get_stopped)
    assert e.value.exit_code == 128 + signum
    assert list(tmp_path.iterdir()) == []
    assert signal.getsignal(signum) == before, "the handler is put back afterwards"


def test_merge_with_a_pack_writes_both_or_neither_even_when_stopped(tmp_path, monkeypatch):
    from ehsg import pack as pack_module

    class StoppedWhileSaving:  # the workbook's temporary is written by then: it must go too
        def save(self, path):
            os.kill(os.getpid(), signal.SIGTERM)

    monkeypatch.setattr(pack_module, "build_pack", lambda *args, **kwargs: StoppedWhileSaving())
    out, pack = tmp_path / "c.xlsx", tmp_path / "p.docx"
    res = CliRunner().invoke(main, ["merge", str(EXAMPLE), "-o", str(out), "--pack", str(pack)])
    assert res.exit_code == 128 + signal.SIGTERM and "SIGTERM" in res.output
    assert list(tmp_path.iterdir()) == []


def test_merge_pack_in_a_missing_folder_is_refused_before_anything_is_written(tmp_path):
    out = tmp_path / "c.xlsx"
    res = CliRunner().invoke(main, ["merge", str(EXAMPLE), "-o", str(out), "--pack", str(tmp_path / "no" / "p.docx")])
    assert res.exit_code == 2 and "[output-folder-missing]" in res.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("make, code", [
    (lambda d: d / "missing" / "x.xlsx", "output-folder-missing"),
    (lambda d: (d / "f.xlsx").mkdir() or d / "f.xlsx", "output-is-folder"),
    (lambda d: d / ("n" * 300 + ".xlsx"), "output-name-too-long"),
    (lambda d: (os.mkfifo(d / "p.xlsx"), d / "p.xlsx")[1], "output-not-a-file"),
    (lambda d: d / "..", "output-not-a-file-name"),
])
def test_unwritable_outputs_are_refused_with_a_code(tmp_path, make, code):
    with pytest.raises(InputFileError, match=rf"\[{code}\]"):
        check_output_path(make(tmp_path))


def test_a_read_only_folder_is_refused(tmp_path, monkeypatch):
    # The tests may run as root, for whom every folder is writable: ask the question ehsg asks.
    monkeypatch.setattr(outputs.os, "access", lambda path, mode: False)
    with pytest.raises(InputFileError, match=r"read-only.*\[output-folder-read-only\]"):
        check_output_path(tmp_path / "x.xlsx")


def test_a_disk_that_refuses_the_temporary_file_is_a_coded_problem(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    import tempfile

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    with pytest.raises(InputFileError, match=r"permission denied.*\[output-unwritable\]"):
        atomic_save(tmp_path / "x.xlsx", _write("x"))


def test_endings_name_what_is_accepted(tmp_path):
    assert check_ending(tmp_path / "T.XLSX", (".xlsx",), "template") == ".xlsx"
    with pytest.raises(InputFileError, match=r"template writes \.xlsx files; this name has '\.docx'.*\[output-ending\]"):
        check_ending(tmp_path / "t.docx", (".xlsx",), "template")


def test_pdf_is_refused_with_the_reason_when_libreoffice_is_missing(tmp_path, monkeypatch):
    monkeypatch.setattr(outputs, "soffice", lambda: None)
    with pytest.raises(InputFileError, match=r"LibreOffice.*\[pdf-unavailable\]"):
        check_ending(tmp_path / "s.pdf", (".docx", ".pdf"), "build")


@pytest.mark.parametrize("make, code", [
    (lambda d: d / "none.xlsx", "input-missing"),
    (lambda d: d, "input-is-folder"),
    (lambda d: (os.mkfifo(d / "p.xlsx"), d / "p.xlsx")[1], "input-not-a-file"),
    (lambda d: Path("/dev/zero"), "input-not-a-file"),
])
def test_only_ordinary_files_are_read(tmp_path, make, code):
    with pytest.raises(InputFileError, match=rf"\[{code}\]"):
        require_regular_file(make(tmp_path))
    assert require_regular_file(EXAMPLE) == EXAMPLE


@pytest.mark.skipif(not outputs.soffice(), reason="LibreOffice is not installed")
def test_build_writes_a_pdf_through_libreoffice(tmp_path):
    out = tmp_path / "submission.pdf"
    res = CliRunner().invoke(main, ["build", str(EXAMPLE), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert out.read_bytes().startswith(b"%PDF")
    assert [p.name for p in tmp_path.iterdir()] == ["submission.pdf"]


def test_an_unquoted_name_with_spaces_gets_a_hint_to_quote_it():
    res = CliRunner().invoke(main, ["check", "My", "workshop.xlsx"])
    assert res.exit_code == 2 and "put the whole name in quotes" in res.output


@pytest.mark.parametrize("args", [
    ["agree", "{example}", "-o", "{tmp}/agreed.docx"],
    ["import", "{example}", "-o", "{tmp}/imported.csv"],
    ["brief", "{example}", "-o", "{tmp}/brief.txt"],
])
def test_every_later_command_checks_its_output_ending(tmp_path, args):
    args = [a.format(example=EXAMPLE, tmp=tmp_path) for a in args]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 2 and "[output-ending]" in res.output, res.output
    assert list(tmp_path.iterdir()) == []
