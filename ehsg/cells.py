"""A sheet read the way a person reads it: labels and headers matched loosely, cells named as Excel names
them, and a formula's saved value used and said plainly."""

from __future__ import annotations

import re
from typing import Any

from .office.xlsx import column_letter
from .problems import Problems

HEADER_SCAN_ROWS = 30


def norm(value: Any) -> str:
    """Header and label matching: case, spacing and a trailing colon do not matter."""
    if value is None:
        return ""
    return " ".join(str(value).split()).rstrip(":").strip().casefold()


def cell_ref(ws, row: int, col: int) -> str:
    """Where a cell is, as Excel names it: 'Area!B4'."""
    return f"{ws.title}!{column_letter(col)}{row}"


def cell_value(ws, row: int, col: int, formulas: dict, problems: Problems, what: str):
    """A cell's value; for a formula, its last calculated value, said plainly."""
    fws = formulas.get(ws.title)
    formula = None if fws is None else fws.formula(row, col)
    return formula_value(ws.cell(row=row, column=col).value, formula, ws, row, col, problems, what)


def formula_value(value, formula: str | None, ws, row: int, col: int, problems: Problems, what: str):
    """A cell's value read with its formula (None for a plain value, the usual case): for a formula, its last
    calculated value, said plainly, or FORMULA_NO_VALUE when none was saved."""
    if formula is None:
        return value
    ref = cell_ref(ws, row, col)
    if value is None:
        problems.error("formula-no-value", ref,
                       f"The {what} is a formula ({formula}) with no calculated value saved. Open the workbook "
                       "in Excel or LibreOffice, let it calculate and save, or type the value in.")
        return FORMULA_NO_VALUE
    problems.warning("formula", ref, f"The {what} is a formula ({formula}); using its last calculated value, "
                     f"{value!r}. Type the value in to be sure.")
    return value


FORMULA_NO_VALUE = object()


def find_header(ws, required: tuple[str, ...]) -> tuple[int, dict[str, int]] | None:
    """The first row (within the first 30) holding every required header: (row, header → column), or None."""
    wanted = {norm(h) for h in required}
    for r, row in enumerate(ws.iter_rows(min_row=1, max_row=HEADER_SCAN_ROWS, values_only=True), start=1):
        found = {}
        for c, v in enumerate(row, start=1):
            key = norm(v)
            if key and key not in found:
                found[key] = c
        if wanted <= found.keys():
            return r, found
    return None


def whole(value: Any) -> int | None:
    """A whole number as typed (5, 5.0 or '5'), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    # ASCII digits only ('²' is a digit to isdigit() but not to int()), and few: no year or number is longer
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]{1,18}", value.strip()):
        return int(value.strip())
    return None


def yes_no(value: Any) -> bool | None | str:
    """Yes (True), No (False), no answer (None), or "bad"."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        return value
    key = norm(value)
    if key in ("yes", "y", "true"):
        return True
    if key in ("no", "n", "false"):
        return False
    return "bad"
