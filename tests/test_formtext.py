"""form.yaml: the national form's text as guide data, checked like the rest, edition names in one place."""

from __future__ import annotations

import shutil

import pytest
from docx import Document

from ehsg.errors import GuideError
from ehsg.guide import load_guide
from ehsg.submission import build_submission

from conftest import GUIDE_DIR
from test_build import body_texts


def _copy(tmp_path):
    g = tmp_path / "guide"
    shutil.copytree(GUIDE_DIR, g)
    return g


def _edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_every_problem_in_form_yaml_names_its_path(tmp_path):
    g = _copy(tmp_path)
    _edit(g / "form.yaml", '  reminder: "Here is a reminder of the different data models:"\n', "")
    _edit(g / "form.yaml", "{area}'s data model (as submitted", "{council}'s data model (as submitted")
    _edit(g / "form.yaml", '      - heading: "Conducting a self-assessment"', '      - picture: "logo.png"')
    _edit(g / "guide.yaml", "during {coordinators_date}", "during {coordinator_date}")
    with pytest.raises(GuideError) as e:
        load_guide(g)
    found = {(p.code, p.location.split(" (line")[0]) for p in e.value.problems}
    assert any(c == "guide-missing-field" and loc.endswith("form.yaml: selection") for c, loc in found)
    assert any(c == "guide-placeholder" and loc.endswith("form.yaml: selection.survey_model") for c, loc in found)
    assert any(c == "guide-unknown-key" and loc.endswith("form.yaml: front[3].blocks[3].picture") for c, loc in found)
    assert any(c == "guide-placeholder" and loc.endswith("guide.yaml: permissions[1].statement") for c, loc in found)
    assert all("(line " in p.location for p in e.value.problems)


def test_a_later_edition_changes_its_dates_in_one_place(tmp_path, example):
    g = _copy(tmp_path)
    _edit(g / "form.yaml", "  year: 2022", "  year: 2023")
    _edit(g / "form.yaml", '"September 2021"', '"September 2022"')
    _edit(g / "form.yaml", '"July 2022"', '"July 2023"')
    guide = load_guide(g)
    assert "during July 2023." in guide.permissions[1].statement
    assert guide.data_survey == "as submitted in the September 2022 data survey"
    q = guide.form.get("selection.changed_question", area="X", answer="No.")
    assert q.endswith("in September 2022? No.")


def test_the_guides_level_wording_is_printed_when_a_copy_has_it(tmp_path, example):
    g = _copy(tmp_path)
    _edit(g / "guide.yaml", "  levels: {}", '  levels:\n    0: "Level nought wording"\n    5: "Level five wording"')
    guide = load_guide(g)
    out = tmp_path / "levels.docx"
    build_submission(example, out, guide)
    texts = body_texts(Document(out))
    i = texts.index("SCORING SYSTEM:")
    assert texts[i + 1:i + 3] == ["0 – Level nought wording", "5 – Level five wording"]
    assert not [t for t in texts if "did not survive" in t and "score level" in t]


def test_the_bundled_form_says_where_the_guides_text_is_not_known(built_texts):
    lost = [t for t in built_texts if "did not survive in the copy of the form" in t]
    assert len(lost) == 3  # the guide's contents list, the workforce table, the score levels


@pytest.fixture(scope="module")
def built_texts(tmp_path_factory):
    from conftest import EXAMPLE

    guide = load_guide(GUIDE_DIR)
    out = tmp_path_factory.mktemp("form") / "s.docx"
    build_submission(EXAMPLE, out, guide)
    return body_texts(Document(out))
