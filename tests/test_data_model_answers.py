"""The form's changed-data-model question: answered, consistent with the current model, reported exactly."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from ehsg.cli import main
from ehsg.rules import data_model_answer_problems

from conftest import fill_by_contract

CHANGED = "Data model changed since the data survey?"
CURRENT = "Current data model"


@pytest.mark.parametrize("changed, current, expected", [
    (None, None, [("data-model-changed-missing", "error", "changed")]),
    (None, 4, [("data-model-changed-missing", "error", "changed")]),
    (True, 3, [("current-data-model-same", "error", "current")]),
    (True, 4, []),
    (False, 4, [("current-data-model-ignored", "warning", "current")]),
    (False, None, []),
])
def test_data_model_answer_problems(changed, current, expected):
    assert [p[:3] for p in data_model_answer_problems(3, changed, current)] == expected


@pytest.mark.parametrize("changed, current, code, severity, exit_code", [
    (None, None, "data-model-changed-missing", "error", 1),
    ("Yes", 3, "current-data-model-same", "error", 1),
    ("No", 4, "current-data-model-ignored", "warning", 0),
    ("Yes", 7, "data-model-invalid", "error", 1),
])
def test_check_reports_the_changed_question_on_its_cell(example, tmp_path, changed, current, code, severity,
                                                        exit_code):
    filled = fill_by_contract(example, tmp_path / "dm.xlsx", extra={CHANGED: changed, CURRENT: current})
    res = CliRunner().invoke(main, ["check", str(filled), "--format", "json"])
    assert res.exit_code == exit_code, res.output
    report = json.loads(res.output)
    found = [(p["code"], p["severity"], p["location"]) for p in report["problems"]]
    cell = "Area!B5" if code == "data-model-changed-missing" else "Area!B6"
    assert (code, severity, cell) in found
    assert all("gives no current data model" not in r for r in report["priorities"]["reasons"])


def test_build_refuses_an_unanswered_changed_question_and_repeats_warnings(example, tmp_path):
    blank = fill_by_contract(example, tmp_path / "blank.xlsx", extra={CHANGED: None})
    res = CliRunner().invoke(main, ["build", str(blank), "-o", str(tmp_path / "b.docx")])
    assert res.exit_code == 1 and "data-model-changed-missing" in res.output
    assert not (tmp_path / "b.docx").exists()
    quiet = fill_by_contract(example, tmp_path / "quiet.xlsx",
                             extra={"Share with DfE (full results including narrative)": None},
                             narratives={"5.2": ("", "")})
    res = CliRunner().invoke(main, ["build", str(quiet), "-o", str(tmp_path / "q.docx")])
    assert res.exit_code == 0, res.output
    assert "permission-missing" in res.output and "narrative-missing" in res.output
    from docx import Document
    from test_build import body_texts

    texts = body_texts(Document(tmp_path / "q.docx"))
    assert [t for t in texts if t.startswith("Please acknowledge")][0].endswith("shared with DfE: No.")
    assert not [t for t in texts if "Not answered" in t]
