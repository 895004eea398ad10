"""A priority cell as the national form writes it, and cells that hold more than one descriptor."""

from __future__ import annotations

import pytest

from ehsg.priorities import parse_priority_cell
from ehsg.reader import load_workbook_file

from conftest import fill_by_contract


@pytest.mark.parametrize("value", ["Descriptor two: 6.4 – Workforce", "6.4 – Workforce", "6.4", " 6.4 ", 6.4,
                                   "descriptor 2: 6.4", "6.4 - Workforce", "６.４"])
def test_the_forms_own_writing_is_read(guide, value):
    assert parse_priority_cell(value, guide) == (("6.4",), None)


@pytest.mark.parametrize("value, ids", [("9.4 and 5.1", ("9.4", "5.1")), ("7.3, 6.4, 9.4", ("7.3", "6.4", "9.4")),
                                        ("Descriptor one: 7.3 – Communities; 6.4", ("7.3", "6.4"))])
def test_several_descriptors_in_one_cell_is_an_error_naming_them_all(guide, value, ids):
    found, problem = parse_priority_cell(value, guide)
    assert found == ids
    assert problem[0] == "priority-several"
    assert all(i in problem[1] for i in ids)


@pytest.mark.parametrize("value", ["Workforce", "12.9", "2022.5", True, "6.4.1"])
def test_no_known_descriptor_is_an_error(guide, value):
    _, problem = parse_priority_cell(value, guide)
    assert problem[0] == "priority-unknown"


def test_reader_reports_each_cell_with_its_location(example, tmp_path, guide):
    path = fill_by_contract(example, tmp_path / "p.xlsx", area={
        "Priority descriptor 1": "Descriptor one: 7.3 – Communities",
        "Priority descriptor 2": "9.4 and 5.1",
        "Priority descriptor 3": "6.4 – Workforce"})
    result = load_workbook_file(path, guide)
    several = [p for p in result.problems if p.code == "priority-several"]
    assert len(several) == 1 and "9.4, 5.1" in several[0].message and several[0].location.startswith("Area!")
    assert "Priority descriptor 2" in several[0].message


def test_reader_accepts_the_forms_writing(example, tmp_path, guide):
    path = fill_by_contract(example, tmp_path / "p.xlsx", area={
        "Priority descriptor 1": "Descriptor one: 7.3 – Communities",
        "Priority descriptor 2": "Descriptor two: 6.4 – Workforce",
        "Priority descriptor 3": "9.4"})
    result = load_workbook_file(path, guide)
    assert not result.problems.errors, [str(p) for p in result.problems]
    assert result.assessment.priorities == ("7.3", "6.4", "9.4")
