"""Reading many partners' workbooks in parallel finds what reading them one by one finds, in the same order.
(The pool itself, ehsg.fanout, is tested in test_fanout.py.)"""

from __future__ import annotations

import os
import shutil

import openpyxl
import pytest

from ehsg import fanout, partnerread
from ehsg.workshop import load_partners

from conftest import REPO

WORKSHOP = REPO / "examples" / "workshop"


@pytest.fixture(scope="module")
def many(tmp_path_factory):
    """Eleven partners' files: distinct ones, an identical copy, one with a score out of range, one not a
    workbook at all, one the same organisation as another."""
    folder = tmp_path_factory.mktemp("partners")
    sources = sorted(WORKSHOP.glob("*.xlsx"))
    files = []
    for i in range(8):
        wb = openpyxl.load_workbook(sources[i % len(sources)])
        wb["Respondent"]["B3"] = f"Partner {i}" if i != 6 else "Partner 1"
        wb["Respondent"]["B2"] = f"Person {i}" if i != 6 else "Person 1"
        if i == 3:
            wb["5 Family voice and experience"]["C4"] = 9
        path = folder / f"p{i}.xlsx"
        wb.save(path)
        files.append(path)
    shutil.copy(files[2], folder / "p2-copy.xlsx")
    (folder / "broken.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    shutil.copy(files[5], folder / "p5-again.xlsx")
    return [files[0], files[1], files[2], folder / "p2-copy.xlsx", files[3], folder / "broken.xlsx", files[4],
            files[5], files[6], files[7], folder / "p5-again.xlsx"]


def loaded(result):
    partners, problems = result
    return ([(a, name) for a, name in partners], [(p.code, p.severity, p.location, p.message) for p in problems])


def one_by_one(monkeypatch, files, guide):
    with monkeypatch.context() as m:
        m.setattr(partnerread, "PARALLEL_FROM", 10**9)
        return loaded(load_partners(files, guide))


def parallel(iterator) -> bool:
    return getattr(iterator, "gi_code", None) is fanout._parallel.__code__


def test_parallel_reading_finds_the_same_in_the_same_order(guide, many, monkeypatch):
    serial = one_by_one(monkeypatch, many, guide)
    monkeypatch.setattr(fanout, "cores", lambda: 2)   # workers even on a one-core machine
    assert parallel(partnerread.read_in_order(many, guide))
    seen = []
    parallel_result = loaded(load_partners(many, guide, progress=lambda done, total: seen.append((done, total))))
    assert parallel_result == serial
    errors = [(code, location.split(":")[0]) for code, severity, location, _ in serial[1] if severity == "error"]
    assert errors == [("duplicate-respondent", "p2-copy.xlsx"), ("score-out-of-range", "p3.xlsx"),
                      ("damaged-workbook", "broken.xlsx"), ("duplicate-respondent", "p6.xlsx"),
                      ("duplicate-respondent", "p5-again.xlsx")]
    assert len(serial[0]) == 8 and seen == [(i, len(many)) for i in range(1, len(many) + 1)]


def test_a_worker_that_dies_leaves_the_rest_read_here(guide, many, monkeypatch):
    """A worker killed (by the system, out of memory) does not lose or reorder anything: what is left is read
    in this process."""
    serial = one_by_one(monkeypatch, many, guide)
    parent, real = os.getpid(), partnerread.load_workbook_file
    died = []

    def dies_reading_one(path, guide):
        if path == many[6]:
            if os.getpid() != parent:
                os._exit(9)
            died.append(path)
        return real(path, guide)

    monkeypatch.setattr(fanout, "cores", lambda: 2)
    monkeypatch.setattr(partnerread, "load_workbook_file", dies_reading_one)
    assert loaded(load_partners(many, guide)) == serial
    assert died == [many[6]]   # read here, after its worker died


def test_few_files_are_read_here(guide, many, monkeypatch):
    monkeypatch.setattr(fanout, "cores", lambda: 2)
    assert not parallel(partnerread.read_in_order(many[:partnerread.PARALLEL_FROM - 1], guide))
    assert parallel(partnerread.read_in_order(many[:partnerread.PARALLEL_FROM], guide))
