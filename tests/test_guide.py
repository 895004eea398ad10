"""The guide data: complete, verbatim, and validated with every problem located."""

from __future__ import annotations

import re
import shutil

import pytest

from ehsg.errors import GuideError
from ehsg.guide import load_guide, load_guide_with_warnings

from conftest import GUIDE_DIR


def test_31_descriptors_in_five_sections(guide):
    assert [s.number for s in guide.sections] == [5, 6, 7, 8, 9]
    assert [s.name for s in guide.sections] == ["Family voice and experience", "Workforce", "Communities",
                                                "Leaders", "Data"]
    assert [len(s.descriptors) for s in guide.sections] == [7, 7, 5, 5, 7]
    assert [s.kind for s in guide.sections] == ["service"] * 4 + ["data"]
    assert guide.descriptor("5.1").title == "Family engagement"
    assert guide.descriptor("5.5").title == "One team around the family"
    assert guide.descriptor("6.1").title == ""


def test_descriptor_wording_is_verbatim_from_the_published_form(guide, seed_text):
    published = dict(re.findall(r"^(\d\.\d) - (.*)$", seed_text, flags=re.M))
    assert len(published) == 31
    assert {d.id: d.text for d in guide.descriptors} == published


def test_prompts_models_and_permissions_are_verbatim(guide, seed_text):
    assert guide.prompts.score == "Self-Assessment Score – Answer 0 to 5 – see scale above"
    for prompt in (guide.prompts.score, guide.prompts.working_well, guide.prompts.next):
        assert prompt in seed_text
    for m in guide.data_models:
        assert f"Data Model {m.number}: {m.name} – {m.definition}" in seed_text
    for p in guide.permissions:
        assert p.statement in seed_text and f"{p.question}: Yes" in seed_text
    assert [p.includes_narrative for p in guide.permissions] == [True, False, False]
    for v in guide.vision:
        for s in v.statements:
            assert s in seed_text


def test_scale_has_no_invented_level_wording(guide):
    assert (guide.scale.minimum, guide.scale.maximum) == (0, 5)
    assert guide.scale.levels == {}


def test_earned_autonomy_2022_thresholds(guide):
    t = guide.thresholds(2022)
    assert {x.descriptor: x.minimum for x in t.thresholds} == {
        "5.1": 4, "6.1": 4, "6.3": 3, "8.1": 4, "8.3": 3, "9.1": 4, "9.3": 4, "9.4": 4, "9.7": 3}
    assert "prospectus" in t.source
    assert guide.thresholds(2023).year == 2022  # latest published table not after the year


def _with_prospectuses(guide, *years):
    """The guide with one prospectus per year (copies of the 2022 minima, each with a note naming its year)."""
    from dataclasses import replace

    first = guide.thresholds(2022)
    return replace(guide, earned_autonomy=tuple(replace(first, year=y, note=f"the {y} prospectus") for y in years))


@pytest.mark.parametrize("year, used, said", [
    (2022, 2022, None),                                          # exactly a prospectus's year: its own
    (2023, 2022, "the 2022 prospectus, the latest before 2023"),  # between two: the one still in force
    (2024, 2024, None),
    (2031, 2024, "the 2024 prospectus, the latest before 2031"),  # after all: the latest
    (2021, 2022, "the 2022 prospectus, the earliest it has, published after 2021"),  # before all: the first
    (None, 2024, "the 2024 prospectus, the latest in the guide data"),
])
def test_each_year_is_judged_against_the_prospectus_in_force_and_the_note_names_it(guide, year, used, said):
    from ehsg.guide import minima_note

    g = _with_prospectuses(guide, 2024, 2022)  # the data's order is not the years' order
    chosen = g.thresholds(year)
    assert (chosen.year, chosen.note) == (used, f"the {used} prospectus")
    note = minima_note(year, chosen.year)
    if said is None:
        assert note == ""
    else:
        assert said in note and f"minima of the {used} prospectus" in note
        assert ("or any earlier year" in note) == (year is not None and year < used)
        assert ("add its minima to the guide data" in note) == (year is not None)


def test_a_guide_with_one_prospectus_uses_it_for_every_year_and_says_why(guide):
    from ehsg.guide import minima_note

    only = guide.thresholds(None).year
    for year in (only - 1, only, only + 1, None):
        assert guide.thresholds(year).year == only
    assert minima_note(only, only) == ""
    assert "published after" in minima_note(only - 1, only) and "latest before" in minima_note(only + 1, only)


def _copy(tmp_path):
    dst = tmp_path / "my-guide"
    shutil.copytree(GUIDE_DIR, dst)
    return dst


def _edit(path, old, new, count=1):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def test_every_problem_is_reported_at_once_with_yaml_path(tmp_path):
    g = _copy(tmp_path)
    _edit(g / "sections.yaml", 'id: "5.2"', 'id: "5.1"')            # duplicate id
    _edit(g / "sections.yaml", 'id: "6.3"', 'id: "7.9"')            # id not of its section
    _edit(g / "rules.yaml", 'descriptor: "9.7"\n        minimum: 3', 'descriptor: "9.9"\n        minimum: 7')
    _edit(g / "rules.yaml", "data_models: [3]", "data_models: [3, 9]")
    with pytest.raises(GuideError) as e:
        load_guide(g)
    located = {p.code: p.location for p in e.value.problems}
    assert "sections.yaml: sections[0].descriptors[1].id" in located["guide-duplicate-id"]
    assert "sections.yaml: sections[1].descriptors[2].id" in located["guide-id-section"]
    refs = [p.location for p in e.value.problems if p.code == "guide-bad-reference"]
    assert any("rules.yaml: earned_autonomy[0].thresholds[8].descriptor" in r for r in refs)
    assert any("rules.yaml: priority_selection.bands[1].data_models[1]" in r for r in refs)
    assert any(p.code == "guide-range" and "thresholds[8].minimum" in p.location for p in e.value.problems)
    assert all("(line " in p.location for p in e.value.problems)


def test_unknown_keys_are_warnings_not_errors(tmp_path):
    g = _copy(tmp_path)
    _edit(g / "guide.yaml", "id: ehsg-2022", "id: ehsg-2022\ncolour: blue")
    guide, warnings = load_guide_with_warnings(g)
    assert guide.id == "ehsg-2022"
    assert [(w.code, w.location.split(": ", 1)[1]) for w in warnings] == [("guide-unknown-key", "colour (line 10)")]


def test_yaml_syntax_error_names_file_and_line(tmp_path):
    g = _copy(tmp_path)
    _edit(g / "data-models.yaml", "  - number: 2\n", "  - number: [2\n")
    with pytest.raises(GuideError) as e:
        load_guide(g)
    (p,) = e.value.problems
    assert p.code == "guide-yaml-syntax" and "data-models.yaml" in p.location and "line" in p.location


def test_object_constructing_tags_are_refused(tmp_path):
    g = _copy(tmp_path)
    _edit(g / "guide.yaml", 'title: "Early', 'title: !!python/object/apply:os.system ["echo pwned"]\nx: "Early')
    with pytest.raises(GuideError) as e:
        load_guide(g)
    assert [p.code for p in e.value.problems] == ["guide-yaml-tag"]


def test_duplicate_yaml_keys_are_reported(tmp_path):
    g = _copy(tmp_path)
    _edit(g / "guide.yaml", 'version: "2022.1"', 'version: "2022.1"\nversion: "9"')
    with pytest.raises(GuideError) as e:
        load_guide(g)
    assert [p.code for p in e.value.problems] == ["guide-duplicate-key"]


def test_a_band_must_cover_every_data_model(tmp_path):
    g = _copy(tmp_path)
    _edit(g / "rules.yaml", "data_models: [4, 5, 6]", "data_models: [4, 5]")
    with pytest.raises(GuideError) as e:
        load_guide(g)
    assert [p.code for p in e.value.problems] == ["guide-rule-gap"]
    assert "data model 6" in e.value.problems[0].message


def test_official_level_wording_can_be_added_in_a_copy(tmp_path):
    g = _copy(tmp_path)
    _edit(g / "guide.yaml", "levels: {}", 'levels:\n    0: "wording zero"\n    5: "wording five"')
    guide = load_guide(g)
    assert guide.scale.describe(5) == "wording five" and guide.scale.describe(3) == ""


def test_missing_guide_folder_is_a_clear_error(tmp_path):
    with pytest.raises(GuideError) as e:
        load_guide(tmp_path / "nowhere")
    assert e.value.problems[0].code == "guide-not-found"


@pytest.mark.parametrize("value,said", [("2022-13-45", "a date that does not exist"),
                                        ("9" * 5000, "a number thousands of digits long")])
def test_a_value_python_will_not_make_is_a_located_yaml_problem(tmp_path, value, said):
    g = _copy(tmp_path)
    _edit(g / "guide.yaml", "\nid: ehsg-2022", f"\nunused_value: {value}\nid: ehsg-2022")
    with pytest.raises(GuideError) as e:
        load_guide(g)
    assert [p.code for p in e.value.problems] == ["guide-yaml-syntax"]
    assert "guide.yaml (line" in e.value.problems[0].location and said in e.value.problems[0].message


def _frozen_classes():
    """Every dataclass of the guide, the form text, the rules' results, the check report, the assessment and
    its problems: loaded once, then trusted and shared, so none may change after it is made."""
    import dataclasses

    from ehsg import check, formtext, guide, model, problems, rules
    for module in (guide, formtext, rules, check, model):
        for value in vars(module).values():
            if isinstance(value, type) and dataclasses.is_dataclass(value) and value.__module__ == module.__name__:
                yield value
    yield problems.Problem


def test_every_domain_object_refuses_to_be_changed():
    import dataclasses

    classes = list(_frozen_classes())
    assert len(classes) >= 25  # guide 13, form text 3, rules 4, check 1, model 4, problem 1
    for cls in classes:
        obj = object.__new__(cls)  # no values needed: refusing assignment does not depend on them
        name = dataclasses.fields(cls)[0].name
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(obj, name, "changed")
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(obj, "something_new", "added")
        with pytest.raises(dataclasses.FrozenInstanceError):
            delattr(obj, name)


def test_a_loaded_guide_cannot_be_changed_and_is_shared_not_copied():
    import dataclasses

    guide = load_guide(GUIDE_DIR)
    with pytest.raises(dataclasses.FrozenInstanceError):
        guide.id = "another"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        guide.sections[0].descriptors[0].text = "reworded"  # type: ignore[misc]
    assert load_guide(GUIDE_DIR) is guide
    d = guide.descriptors[0]
    assert guide.descriptor(d.id) is d and d in guide.descriptors
