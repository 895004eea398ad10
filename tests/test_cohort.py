"""Cohorts read in worker processes give exactly what one process gives; what a cohort keeps of each area."""

from __future__ import annotations

import json
import multiprocessing
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

from ehsg.cli import main
from ehsg import fanout
from ehsg.cohort import POOL_FROM_FILES, analyse, gather

from conftest import REPO


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    """Twelve areas' exports, three of them also as CSV under other names (repeats), a file that is no workbook,
    a JSON export missing its scores, and a workbook whose area did not share with other government departments."""
    folder = tmp_path_factory.mktemp("cohort")
    subprocess.run([sys.executable, str(REPO / "benchmarks" / "make_cohort.py"), str(folder), "12", "--format",
                    "xlsx"], check=True)
    csvs = tmp_path_factory.mktemp("csv")
    subprocess.run([sys.executable, str(REPO / "benchmarks" / "make_cohort.py"), str(csvs), "3", "--format", "csv"],
                   check=True)
    for p in csvs.glob("*.csv"):
        shutil.copy(p, folder / f"again-{p.name}")
    (folder / "garbage.xlsx").write_bytes(b"not a workbook")
    (folder / "dup.json").write_text(json.dumps({"area": "Area 0003", "year": 2024, "scores": {}}), encoding="utf-8")
    return sorted(folder.iterdir())


def _same(one, many):
    assert [(a.area, a.year, a.file, a.scores, a.priorities, a.data_model, a.source) for a in many.areas] == \
        [(a.area, a.year, a.file, a.scores, a.priorities, a.data_model, a.source) for a in one.areas]
    assert many.left_out == one.left_out and many.problems == one.problems and many.year == one.year


def test_worker_processes_give_what_one_process_gives_in_the_same_order(mixed, guide):
    one = gather(mixed, guide, "coordinators", workers=1)
    assert len(one.areas) == 12 and {c for _, _, c in one.left_out} == {"file-problems", "duplicate-area"}
    for workers in (2, 3):
        many = gather(mixed, guide, "coordinators", workers=workers)
        _same(one, many)
        assert analyse(many, guide) == analyse(one, guide)
    strict = gather(mixed, guide, "ogd", year=2024, workers=2)
    _same(gather(mixed, guide, "ogd", year=2024, workers=1), strict)


def test_ids_are_the_guides_own_strings_even_from_worker_processes(mixed, guide):
    own = {d.id: d.id for d in guide.descriptors}
    cohort = gather(mixed, guide, "coordinators", workers=2)
    for a in cohort.areas:
        assert a.ids is cohort.areas[0].ids and all(key is own[key] for key in a.scores)
        assert a.priorities and all(did is own[did] for did in a.priorities)


def test_few_files_are_read_in_this_process(monkeypatch):
    from ehsg.cohort import _read_all

    monkeypatch.setattr(fanout, "cores", lambda: 2)
    files = [REPO / f"area-{i}.xlsx" for i in range(POOL_FROM_FILES)]
    assert _read_all(files[:-1], None, "ogd", None, None).gi_code is not fanout._parallel.__code__
    assert _read_all(files, None, "ogd", None, None).gi_code is fanout._parallel.__code__


def test_stopping_midway_stops_the_workers(mixed, guide):
    """Ctrl-C (or any error) while areas arrive: the workers are ended, none is left running."""
    def stop(f):
        if f.name == mixed[4].name:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        gather(mixed, guide, "coordinators", progress=stop, workers=2)
    assert multiprocessing.active_children() == []


@pytest.fixture(scope="module")
def areas(mixed, tmp_path_factory):
    """A folder of the twelve areas' workbooks alone."""
    folder = tmp_path_factory.mktemp("areas")
    for p in mixed:
        if p.suffix == ".xlsx" and p.name != "garbage.xlsx":
            shutil.copy(p, folder / p.name)
    return folder


def test_the_json_holds_what_json_dumps_gives_one_record_to_a_line(areas, guide):
    folder = areas
    res = CliRunner().invoke(main, ["cohort", str(folder), "--for", "coordinators", "--format", "json"])
    assert res.exit_code == 0, res.output
    expected = analyse(gather(sorted(folder.iterdir()), guide, "coordinators", workers=1), guide)
    assert json.loads(res.output) == json.loads(json.dumps(expected, ensure_ascii=False))
    assert list(json.loads(res.output)) == list(expected)   # the fields in the same order
    lines = res.output.splitlines()
    assert lines[0] == "{" and lines[-1] == "}" and lines[1] == f' "areas": {expected["areas"]},'
    # each area's position, each descriptor and each member of a set: one line, read alone as JSON
    for record in expected["positions"] + expected["descriptors"]:
        assert "  " + json.dumps(record, ensure_ascii=False) in lines or \
            "  " + json.dumps(record, ensure_ascii=False) + "," in lines
    members = [m for s in expected["action_learning_sets"] for m in s["members"]]
    assert members and all(f"    {json.dumps(m, ensure_ascii=False)}" in (line.rstrip(",") for line in lines)
                           for m in members)


def test_json_written_as_areas_are_made_is_the_same_and_keeps_no_row_per_area(mixed, guide):
    from ehsg.cohort import Rows, figures, write_json

    cohort = gather(mixed, guide, "coordinators", workers=1)
    lazy = figures(cohort, guide)
    assert isinstance(lazy["positions"], Rows) and list.__len__(lazy["positions"]) == 0
    assert all(isinstance(s["members"], Rows) for s in lazy["action_learning_sets"])
    pieces: list[str] = []
    write_json(lazy, pieces.append)
    text = "".join(pieces)
    assert json.loads(text) == json.loads(json.dumps(analyse(cohort, guide), ensure_ascii=False))
    assert len(json.loads(text)["positions"]) == 12
    assert list.__len__(lazy["positions"]) == 0   # the rows were made, written and let go


def test_a_worker_stopped_by_the_system_loses_nothing(mixed, guide):
    """A worker killed from outside (the system out of memory): the remaining workers are stopped, nothing hangs,
    and the files not yet read are read in this process: the cohort is the one one process gives."""
    import os
    import signal

    many = [p for _ in range(20) for p in mixed]
    killed = []

    def kill_a_worker(f):
        if not killed and multiprocessing.active_children():
            killed.append(multiprocessing.active_children()[0].pid)
            os.kill(killed[0], signal.SIGKILL)

    _same(gather(many, guide, "coordinators", workers=1), gather(many, guide, "coordinators", progress=kill_a_worker,
                                                                  workers=2))
    assert killed and multiprocessing.active_children() == []


def test_a_year_without_its_own_prospectus_is_judged_against_another_and_says_so(areas, guide):
    import openpyxl

    from ehsg.cohort import minima_warnings

    prospectus = guide.thresholds(None).year
    assert minima_warnings(prospectus, guide.thresholds(prospectus)) == []
    assert analyse(gather([], guide, "coordinators", year=prospectus + 2), guide)["warnings"] == []   # none judged
    folder = areas
    year = gather(sorted(folder.iterdir()), guide, "coordinators").year
    assert year != prospectus and not any(e.year == year for e in guide.earned_autonomy)
    res = CliRunner().invoke(main, ["cohort", str(folder), "--for", "coordinators", "--year", str(year),
                                    "--format", "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["earned_autonomy"]["year"] == prospectus
    assert [w["code"] for w in data["warnings"]] == ["cohort-minima-of-another-year"]
    assert f"no Earned Autonomy prospectus for {year}" in data["warnings"][0]["message"]
    out = folder.parent / f"{folder.name}-cohort.xlsx"
    made = CliRunner().invoke(main, ["cohort", str(folder), "--for", "coordinators", "--year", str(year), "-o",
                                     str(out)])
    assert made.exit_code == 0, made.output
    about = openpyxl.load_workbook(out).worksheets[0]   # the workbook says it too, on the sheet it opens on
    cells = {r[0]: r[1] for r in about.iter_rows(min_row=2, values_only=True)}
    assert about.title == "About" and cells["Warning"] == f"{data['warnings'][0]['message']} " \
                                                          "[cohort-minima-of-another-year]"
    assert cells["Areas"] == data["areas"] and f"{prospectus} prospectus" in cells["Earned Autonomy minima"]
    text = CliRunner().invoke(main, ["cohort", str(folder), "--for", "coordinators", "--year", str(year)])
    assert text.exit_code == 0
    assert f"minima of the {prospectus} prospectus" in text.stderr and \
        "[cohort-minima-of-another-year]" in text.stderr
    assert f"Earned Autonomy minimum ({prospectus} prospectus)" in text.stdout


def test_a_cohort_before_every_prospectus_is_judged_against_the_first_and_says_so(guide):
    from ehsg.cohort import minima_warnings

    first = min(e.year for e in guide.earned_autonomy)
    used = guide.thresholds(first - 1)
    assert used.year == first
    [w] = minima_warnings(first - 1, used)
    assert w.code == "cohort-minima-of-another-year" and w.severity == "warning"
    assert (f"no Earned Autonomy prospectus for {first - 1} or any earlier year, so the areas are judged against the "
            f"minima of the {first} prospectus, the earliest it has, published after {first - 1}") in w.message
    [none] = minima_warnings(None, guide.thresholds(None))
    assert none.message.startswith(f"No year is given, so the areas are judged against the minima of the "
                                   f"{guide.thresholds(None).year} prospectus")


def _children(pid: int) -> list[int]:
    """The processes whose parent is pid (Linux: from /proc)."""
    from pathlib import Path

    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers are forked on Linux only")
def test_ctrl_c_at_the_terminal_stops_the_command_and_every_worker(tmp_path):
    """Ctrl-C reaches the whole foreground process group: the workers ignore it, ehsg stops them, says so and exits
    130, and nothing of it is left running."""
    import os
    import signal
    import time

    base = tmp_path / "base"
    subprocess.run([sys.executable, str(REPO / "benchmarks" / "make_cohort.py"), str(base), "2", "--format",
                    "xlsx"], check=True)
    folder = tmp_path / "areas"
    folder.mkdir()
    sources = sorted(base.iterdir())
    for i in range(3000):
        os.link(sources[i % 2], folder / f"a{i:04}.xlsx")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen([sys.executable, "-m", "ehsg", "cohort", str(folder), "--for", "coordinators"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True, env=env)
    deadline = time.monotonic() + 60
    while proc.poll() is None and time.monotonic() < deadline and not _children(proc.pid):
        time.sleep(0.01)
    assert proc.poll() is None, "the workers were never started"
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and err.decode().strip().endswith("ehsg: stopped."), err
    time.sleep(0.2)
    with pytest.raises(ProcessLookupError):
        os.killpg(proc.pid, 0)   # no process of the command's group is left


def test_cohort_json_of_every_shape_reads_back_as_the_data():
    from ehsg.cohort import Rows, write_json

    data = {"areas": 0, "empty": [], "none": {}, "rows": Rows(0, lambda: iter(())), "text": "Ynys Môn \"quoted\"\n",
            "sets": [{"descriptor": "6.4", "members": Rows(2, lambda: iter([{"area": "A"}, {"area": "B"}]))},
                     {"descriptor": "7.1", "members": Rows(0, lambda: iter(()))}],
            "nested": {"list": [[1, 2], []], "deep": {"a": {"b": [None, True, 2.5]}}}}
    pieces: list[str] = []
    write_json(data, pieces.append)
    text = "".join(pieces)
    plain = {**data, "rows": [], "sets": [{"descriptor": "6.4", "members": [{"area": "A"}, {"area": "B"}]},
                                          {"descriptor": "7.1", "members": []}]}
    assert json.loads(text) == plain and text.endswith("}\n") and "Ynys Môn" in text


def test_the_cohort_workbook_opens_on_what_it_is_and_says_when_nothing_is_to_be_warned(areas, guide, tmp_path):
    import openpyxl

    from ehsg.cohort import write_xlsx

    result = analyse(gather(sorted(areas.iterdir()), guide, "coordinators", workers=1), guide)
    write_xlsx({**result, "warnings": []}, guide, tmp_path / "c.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "c.xlsx")
    rows = list(wb.active.iter_rows(values_only=True))
    assert wb.active.title == "About" and rows[0][0] == "About this cohort" and ("Warnings", "None") in rows
    assert ("Files left out", "None") in rows and ("Areas", result["areas"]) in rows
