"""A read workbook's sheets: cell values, formulas, hidden rows and merged ranges, addressed as in Excel.

The access has the shape the reader's semantic functions use (`wb.sheetnames`, `wb[title]`,
`ws.cell(row=, column=).value`, `ws.iter_rows(...)`, `ws.max_row`, `ws.row_dimensions[r].hidden`,
`ws.merged_cells.ranges`), so those functions read the same way whatever parsed the file.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Iterator


@dataclass(frozen=True)
class Range:
    """A rectangular range of cells, 1-based and inclusive."""

    min_row: int
    min_col: int
    max_row: int
    max_col: int

    @property
    def coord(self) -> str:
        from .xlsx import column_letter

        first = f"{column_letter(self.min_col)}{self.min_row}"
        last = f"{column_letter(self.max_col)}{self.max_row}"
        return first if first == last else f"{first}:{last}"


@dataclass(frozen=True)
class Cell:
    row: int
    column: int
    value: Any


@dataclass(frozen=True)
class _RowDimension:
    hidden: bool


class _Merged:
    def __init__(self, ranges: tuple[Range, ...]) -> None:
        self.ranges = ranges


class _RowDimensions:
    def __init__(self, hidden: frozenset[int]) -> None:
        self._hidden = hidden

    def __getitem__(self, row: int) -> _RowDimension:
        return _RowDimension(row in self._hidden)


def _value(v: Any) -> Any:
    """calamine's value as the reader expects it: an empty cell is None, a whole number an int."""
    kind = type(v)
    if kind is str:       # calamine's usual values first, by exact type; anything else takes the general path
        return v or None
    if kind is float:
        return int(v) if v.is_integer() and abs(v) < 2**53 else v
    return _other_value(v)


def _other_value(v: Any) -> Any:
    if v == "" and isinstance(v, str):
        return None
    if isinstance(v, float) and v.is_integer() and abs(v) < 2**53:
        return int(v)
    if isinstance(v, dt.date) and not isinstance(v, dt.datetime):
        return dt.datetime(v.year, v.month, v.day)
    return v


class Sheet:
    """One worksheet's cells (values as last saved), its formulas, hidden rows and merged ranges."""

    def __init__(self, title: str, rows: list[list], max_row: int, formulas: dict[tuple[int, int], str],
                 hidden: frozenset[int], merges: tuple[Range, ...]) -> None:
        self.title = title
        self._rows = rows
        self.max_row = max_row
        self.max_column = max((len(r) for r in rows), default=0)
        self.formulas = formulas
        self.row_dimensions = _RowDimensions(hidden)
        self.merged_cells = _Merged(merges)

    def value(self, row: int, column: int) -> Any:
        if row < 1 or column < 1 or row > len(self._rows):
            return None
        cells = self._rows[row - 1]
        return _value(cells[column - 1]) if column <= len(cells) else None

    def cell(self, row: int, column: int) -> Cell:
        return Cell(row, column, self.value(row, column))

    def formula(self, row: int, column: int) -> str | None:
        """The cell's formula as Excel shows it ('=SUM(A1:A3)'), or None when it holds a plain value."""
        return self.formulas.get((row, column))

    def iter_rows(self, min_row: int = 1, max_row: int | None = None, max_col: int | None = None,
                  values_only: bool = False) -> Iterator[tuple]:
        last = self.max_row if max_row is None else min(max_row, self.max_row)
        width = self.max_column if max_col is None else max_col
        for r in range(min_row, last + 1):
            cells = self._rows[r - 1][:width] if 1 <= r <= len(self._rows) else []
            values = tuple(map(_value, cells)) + (None,) * (width - len(cells))
            yield values if values_only else tuple(Cell(r, c, v) for c, v in enumerate(values, start=1))


    def rows(self) -> list[list]:
        """Every row from the first to max_row as a list of its values, as iter_rows(values_only=True) gives them
        but without the None that pads a short row to the sheet's width."""
        out = [list(map(_value, cells)) for cells in self._rows[:self.max_row]]
        out.extend([] for _ in range(self.max_row - len(out)))
        return out


class Book:
    """A workbook's worksheets, in workbook order."""

    def __init__(self, sheets: tuple[Sheet, ...]) -> None:
        self.worksheets = sheets
        self._by_title = {s.title: s for s in sheets}

    @property
    def sheetnames(self) -> list[str]:
        return [s.title for s in self.worksheets]

    def __getitem__(self, title: str) -> Sheet:
        return self._by_title[title]

    def __contains__(self, title: str) -> bool:
        return title in self._by_title
