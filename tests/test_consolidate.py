"""The consolidated workbook as a workshop paper: the Discussion sheet's print layout and every heading whole."""

from __future__ import annotations

import pytest

from ehsg.consolidate import PARTNER_MAX_WIDTH, PARTNER_MIN_WIDTH, build_consolidated
from ehsg.model import Assessment, Respondent, Response
from ehsg.sheetlayout import BOLD_CHARS, LINE_POINTS, READABLE_SCALE, word_lines
from ehsg.workshop import aggregate

SECTORS = ("Council", "Health", "Police", "Voluntary and community sector")


def workshop(guide, n: int):
    partners = []
    for i in range(n):
        who = Respondent(f"Person {i}", f"Exampleshire Partner Organisation {i}", SECTORS[i % len(SECTORS)])
        responses = tuple(Response(d.id, (i + j) % 6, "", "") for j, d in enumerate(guide.descriptors))
        partners.append((Assessment("Exampleshire", guide.id, guide.version, responses, respondent=who),
                         f"p{i}.xlsx"))
    return aggregate(partners, guide, area="Exampleshire")


def headings_whole(ws, row: int) -> None:
    """Every heading in the row: no word broken (each fits its column) and the row tall enough for all lines."""
    for c in ws[row]:
        if not isinstance(c.value, str) or not c.value:
            continue
        per_line = ws.column_dimensions[c.column_letter].width * BOLD_CHARS
        assert all(len(w) <= per_line for w in c.value.split()), (ws.title, c.coordinate, c.value)
        assert ws.row_dimensions[row].height >= word_lines(c.value, per_line) * LINE_POINTS, (ws.title, c.coordinate)


@pytest.mark.parametrize("n", [5, 15, 40])
def test_discussion_sheet_prints_readably_at_any_number_of_partners(guide, n):
    ws = build_consolidated(workshop(guide, n), guide)["Discussion"]
    assert ws.page_setup.orientation == "landscape"
    assert ws.print_title_rows == "$2:$2"
    partner_columns = [c for c in ws[2] if c.column > 10]
    assert len(partner_columns) == n
    for c in partner_columns:
        assert PARTNER_MIN_WIDTH <= ws.column_dimensions[c.column_letter].width <= PARTNER_MAX_WIDTH
    headings_whole(ws, 2)
    if n == 5:    # fits one page wide at a readable scale
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
        assert ws.print_title_cols is None
    else:         # across pages at a readable scale, ID and descriptor on each
        assert not ws.sheet_properties.pageSetUpPr.fitToPage
        assert int(ws.page_setup.scale) == READABLE_SCALE
        assert ws.print_title_cols == "$A:$B"
        assert ws.page_setup.pageOrder == "overThenDown"


def test_every_heading_row_of_the_consolidated_workbook_shows_whole(guide):
    wb = build_consolidated(workshop(guide, 4), guide)
    headings_whole(wb["Responses"], 1)
    assert wb["Responses"]["E1"].value == "Partner's score" and wb["Responses"].row_dimensions[1].height >= 30
    headings_whole(wb["Evidence"], 2)
    headings_whole(wb["Workforce table"], 3)
    for section in guide.sections:
        headings_whole(wb[next(n for n in wb.sheetnames if n.startswith(f"{section.number} "))], 3)
