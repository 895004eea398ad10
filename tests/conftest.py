"""Shared fixtures: the bundled guide, the Sefton example, the published seed, and a contract-only filler."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import openpyxl
import pytest

from ehsg.workbook import set_text

from ehsg.guide import load_guide

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "sefton-2022.xlsx"
# The published 2022 submission; EHSG_SEED names a copy kept elsewhere.
SEED = Path(os.environ.get("EHSG_SEED") or REPO.parent / "shared" / "seeds" / "004_d9c2f1ded2bd0d1f.txt")
GUIDE_DIR = REPO / "descriptors" / "ehsg-2022"


@pytest.fixture(scope="session", autouse=True)
def guide_cache_in_a_temporary_folder(tmp_path_factory):
    """The parsed-guide cache (ehsg.guidecache) of this test run, kept out of the user's own cache folder."""
    before = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if before is None:
        del os.environ["XDG_CACHE_HOME"]
    else:
        os.environ["XDG_CACHE_HOME"] = before


@pytest.fixture(scope="session")
def guide():
    return load_guide(GUIDE_DIR)


@pytest.fixture(scope="session")
def seed_text():
    if not SEED.exists():
        pytest.skip("the published seed (../shared/seeds) is not beside this checkout")
    return SEED.read_text(encoding="utf-8")


@pytest.fixture
def example(tmp_path):
    """A private copy of the Sefton example, so no test can alter the bundled file."""
    dst = tmp_path / "sefton-2022.xlsx"
    shutil.copy(EXAMPLE, dst)
    return dst


def soffice():
    return shutil.which("soffice") or shutil.which("libreoffice")


def fill_by_contract(path, out, area=None, scores=None, narratives=None, extra=None):
    """Fill a workbook the way a third-party script would: only through the documented headers and labels."""
    wb = openpyxl.load_workbook(path)
    if area is not None or extra:
        ws = wb["Area"]
        header = {c.value: c.column for c in ws[1]}
        rows = {ws.cell(row=r, column=header["Label"]).value: r for r in range(2, ws.max_row + 1)}
        for label, value in {**(area or {}), **(extra or {})}.items():
            set_text(ws.cell(row=rows[label], column=header["Value"]), value)
    for ws in wb.worksheets:
        for hrow in range(1, 10):
            header = {c.value: c.column for c in ws[hrow]}
            if "ID" in header and "Score" in header:
                break
        else:
            continue
        for r in range(hrow + 1, ws.max_row + 1):
            did = ws.cell(row=r, column=header["ID"]).value
            if scores and did in scores:
                ws.cell(row=r, column=header["Score"]).value = scores[did]
            if narratives and did in narratives:
                ww, nx = narratives[did]
                set_text(ws.cell(row=r, column=header["What is working well and what evidence do you have?"]), ww)
                set_text(ws.cell(row=r, column=header["What are you prioritising next?"]), nx)
    wb.save(out)
    return out
