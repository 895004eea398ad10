"""Bad exports from the corpus: each gives its exact problem and location, exit 1, no traceback, no output."""

from __future__ import annotations

import json
import shutil
import sys

import pytest
from click.testing import CliRunner

from ehsg.cli import main
from ehsg.exportread import load_scores

from conftest import REPO

DATA = REPO / "tests" / "data"
CASES = [c for c in json.loads((DATA / "corpus" / "cases.json").read_text(encoding="utf-8")) if c["kind"] == "export"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """Only the export cases, made afresh by their generator (tests/test_corpus.py checks the whole script)."""
    out = tmp_path_factory.mktemp("corpus")
    sys.path.insert(0, str(DATA))
    import corpus_exports

    made = []
    corpus_exports.make(out, lambda name, code, location, kind="workbook", severity="error", **extra: made.append(
        {"file": name, "kind": kind, "code": code, "location": location, "severity": severity, **extra}))
    assert made == CASES, "the committed cases.json is out of date: run tests/data/make_corpus.py"
    return out


def test_every_export_case_is_in_the_corpus():
    assert len(CASES) >= 20
    assert {"year-invalid", "export-type", "score-missing", "score-invalid", "export-too-deep", "export-not-utf8",
            "damaged-workbook"} <= {c["code"] for c in CASES}


@pytest.mark.parametrize("c", CASES, ids=[c["file"] for c in CASES])
def test_export_case(corpus, tmp_path, guide, c):
    path = corpus / c["file"]
    a, problems = load_scores(path, guide)
    matching = [p for p in problems if p.code == c["code"]]
    assert matching, [str(p) for p in problems]
    assert c["location"] in [p.location for p in matching]
    assert all("\ufffd" not in p.message for p in problems)
    good = tmp_path / "good.json"
    CliRunner().invoke(main, ["export", str(REPO / "examples" / "sefton-2022.xlsx"), "--for", "coordinators",
                              "-o", str(good)])
    out = tmp_path / "out.xlsx"
    res = CliRunner().invoke(main, ["compare", str(good), str(path), "-o", str(out)], catch_exceptions=False)
    assert res.exit_code == 1 and "Traceback" not in res.output and not out.exists()
    assert f"[{c['code']}]" in res.output


def test_a_bad_export_never_stops_a_cohort(corpus, tmp_path, guide):
    folder = tmp_path / "cohort"
    folder.mkdir()
    for c in CASES:
        shutil.copy(corpus / c["file"], folder / c["file"])
    good = folder / "sefton.json"
    CliRunner().invoke(main, ["export", str(REPO / "examples" / "sefton-2022.xlsx"), "--for", "ogd", "-o",
                              str(good)])
    res = CliRunner().invoke(main, ["cohort", str(folder), "--format", "json"], catch_exceptions=False)
    assert res.exit_code == 1 and "Traceback" not in res.output
    result = json.loads(res.output[res.output.index("{"):res.output.rindex("}") + 1])
    assert {x["file"] for x in result["left_out"]} == {c["file"] for c in CASES}
