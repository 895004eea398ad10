"""Round trips over whole assessments: nothing a partnership typed is lost on any path."""

from __future__ import annotations

from dataclasses import replace

import shutil
import subprocess

import pytest
from docx import Document
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ehsg.compare import compare
from ehsg.export import export, load_scores
from ehsg.model import Assessment, Response
from ehsg.reader import load_workbook_file
from ehsg.submission import build_submission
from ehsg.workbook import write_assessment

from conftest import soffice
from test_build import descriptor_blocks

_chars = st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff")
_piece = st.text(alphabet=_chars | st.sampled_from("\n\t&<>\"'•’👍_"), min_size=1, max_size=40) | st.sampled_from(
    ["\n\n", "=SUM(A1)", "+44 151", "-", "@here", "_x0041_", "{{ area }}", " "])
narrative = st.lists(_piece, max_size=6).map("".join)


@st.composite
def assessments(draw, guide):
    model = draw(st.integers(1, 6))
    band = guide.priority_rule.band_for(model)
    data = [d.id for d in guide.descriptors if guide.kind_of(d.id) == "data"]
    service = [d.id for d in guide.descriptors if guide.kind_of(d.id) == "service"]
    priorities = tuple(draw(st.permutations(data))[: band.data] + draw(st.permutations(service))[: band.service])
    responses = tuple(Response(d.id, draw(st.integers(0, 5)), draw(narrative), draw(narrative))
                      for d in guide.descriptors)
    changed = draw(st.booleans())
    # a changed data model differs from the survey's; the rule follows the current one
    survey = draw(st.sampled_from([n for n in range(1, 7) if n != model])) if changed else model
    return Assessment(
        area=draw(st.text(alphabet=_chars, min_size=1, max_size=30).filter(str.strip).map(str.strip)),
        guide_id=guide.id, guide_version=guide.version, responses=responses, data_model=survey,
        data_model_changed=changed, current_data_model=model if changed else None, priorities=priorities,
        permissions={p.id: draw(st.booleans()) for p in guide.permissions}, year=draw(st.integers(2021, 2030)))


def same(a: Assessment, b: Assessment) -> None:
    assert (b.area, b.year, b.data_model, b.data_model_changed, b.current_data_model, b.priorities) == \
        (a.area, a.year, a.data_model, a.data_model_changed, a.current_data_model, a.priorities)
    assert b.permissions == a.permissions
    assert [(r.descriptor, r.score, r.working_well, r.next) for r in b.responses] == \
        [(r.descriptor, r.score, r.working_well, r.next) for r in a.responses]


SETTINGS = settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(data=st.data())
def test_workbook_assessment_workbook(guide, tmp_path, data):
    a = data.draw(assessments(guide))
    path = write_assessment(guide, a, tmp_path / "a.xlsx")
    loaded = load_workbook_file(path, guide)
    assert not [p for p in loaded.problems.errors if p.code != "priority-rule"], [str(p) for p in loaded.problems]
    same(a, loaded.assessment)
    again = write_assessment(guide, loaded.assessment, tmp_path / "b.xlsx")
    same(a, load_workbook_file(again, guide).assessment)


@pytest.mark.parametrize("typed", ["_x005F_x0041_", "_x0041__x0042_", "__x0041_", "_x005F_", "a_x0007_b"])
def test_typed_escape_lookalikes_survive_ehsgs_own_workbooks(guide, tmp_path, typed):
    """Text that looks like Excel's _xHHHH_ escapes, overlapping ones included, reads back exactly.

    (LibreOffice Calc re-saves overlapping ones with only the first escaped, so they are not in the
    strategy shared with the LibreOffice round trip.)"""
    base = load_workbook_file(write_assessment(guide, Assessment("Sefton", guide.id, guide.version, ()),
                                               tmp_path / "blank.xlsx"), guide).assessment
    a = replace(base, responses=tuple(Response(d.id, 3, typed, typed) for d in guide.descriptors))
    loaded = load_workbook_file(write_assessment(guide, a, tmp_path / "a.xlsx"), guide).assessment
    assert {(r.working_well, r.next) for r in loaded.responses} == {(typed, typed)}


@SETTINGS
@given(data=st.data())
def test_assessment_to_word_keeps_every_score_and_narrative(guide, tmp_path, data):
    a = data.draw(assessments(guide))
    path = write_assessment(guide, a, tmp_path / "a.xlsx")
    out = tmp_path / "a.docx"
    build_submission(path, out, guide)
    blocks = descriptor_blocks(Document(out))
    for r in a.responses:
        assert blocks[r.descriptor] == (str(r.score), r.working_well, r.next)


@SETTINGS
@given(data=st.data())
def test_export_then_compare_reads_the_same_scores(guide, tmp_path, data):
    a = data.draw(assessments(guide))
    a = Assessment(**{**a.__dict__, "permissions": {"dfe": True, "coordinators": True, "ogd": True}})
    path = write_assessment(guide, a, tmp_path / "a.xlsx")
    scores = {r.descriptor: r.score for r in a.responses}
    for fmt in ("xlsx", "csv", "json"):
        out = export(path, tmp_path / f"e.{fmt}", "dfe", guide)
        back, problems = load_scores(out, guide)
        assert not problems.errors, [str(p) for p in problems]
        assert back.scores() == scores and back.priorities == a.priorities and back.area == a.area
        assert [(r.working_well, r.next) for r in back.responses] == [(r.working_well, r.next) for r in a.responses]
    other = Assessment(**{**back.__dict__, "area": a.area + " (other)"})
    c = compare([back, other], guide, over_time=False)
    assert dict(c.rows) == {d: (s, s) for d, s in scores.items()}


@pytest.mark.skipif(not soffice(), reason="LibreOffice (soffice) is not installed")
@settings(max_examples=2, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_round_trip_through_libreoffice_calc(guide, tmp_path, data):
    a = data.draw(assessments(guide))
    src = write_assessment(guide, a, tmp_path / "in.xlsx")
    outdir = tmp_path / "lo"
    shutil.rmtree(outdir, ignore_errors=True)
    subprocess.run([soffice(), "--headless", f"-env:UserInstallation=file://{tmp_path}/profile", "--convert-to",
                    "xlsx:Calc MS Excel 2007 XML", "--outdir", str(outdir), str(src)], check=True,
                   capture_output=True, timeout=180)
    loaded = load_workbook_file(outdir / "in.xlsx", guide)
    same(a, loaded.assessment)
