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
from ehsg.cohort import POOL_FROM_FILES, _workers, analyse, gather

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


def test_few_files_are_read_in_this_process():
    assert _workers(POOL_FROM_FILES - 1) == 1
    assert _workers(POOL_FROM_FILES) >= 1


def test_stopping_midway_stops_the_workers(mixed, guide):
    """Ctrl-C (or any error) while areas arrive: the workers are ended, none is left running."""
    def stop(f):
        if f.name == mixed[4].name:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        gather(mixed, guide, "coordinators", progress=stop, workers=2)
    assert multiprocessing.active_children() == []


def test_the_json_is_what_json_dumps_gives(mixed, guide, tmp_path):
    folder = tmp_path / "areas"
    folder.mkdir()
    for p in mixed:
        if p.suffix == ".xlsx" and p.name != "garbage.xlsx":
            shutil.copy(p, folder / p.name)
    res = CliRunner().invoke(main, ["cohort", str(folder), "--for", "coordinators", "--format", "json"])
    assert res.exit_code == 0, res.output
    expected = analyse(gather(sorted(folder.iterdir()), guide, "coordinators", workers=1), guide)
    assert res.output == json.dumps(expected, ensure_ascii=False, indent=1) + "\n"


def test_json_written_as_areas_are_made_is_the_same_and_keeps_no_row_per_area(mixed, guide):
    from ehsg.cohort import Rows, figures

    cohort = gather(mixed, guide, "coordinators", workers=1)
    lazy = figures(cohort, guide)
    assert isinstance(lazy["positions"], Rows) and list.__len__(lazy["positions"]) == 0
    assert all(isinstance(s["members"], Rows) for s in lazy["action_learning_sets"])
    text = "".join(json.JSONEncoder(ensure_ascii=False, indent=1).iterencode(lazy))
    assert text == json.dumps(analyse(cohort, guide), ensure_ascii=False, indent=1)
    assert len(json.loads(text)["positions"]) == 12


def test_a_worker_stopped_by_the_system_is_said_plainly_never_awaited(mixed, guide):
    """A worker killed from outside (the system out of memory) ends the reading with MemoryError, which the
    command line words as running out of memory; the remaining workers are stopped, nothing hangs."""
    import os
    import signal

    many = [p for _ in range(20) for p in mixed]

    def kill_a_worker(f):
        if f == many[0]:
            os.kill(multiprocessing.active_children()[0].pid, signal.SIGKILL)

    with pytest.raises(MemoryError):
        gather(many, guide, "coordinators", progress=kill_a_worker, workers=2)
    assert multiprocessing.active_children() == []


def test_workers_only_where_processes_can_be_forked_safely(monkeypatch):
    import threading

    monkeypatch.setattr(sys, "platform", "win32")
    assert _workers(10_000) == 1
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(threading, "active_count", lambda: 2)
    assert _workers(10_000) == 1
