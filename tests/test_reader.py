"""Reading a filled workbook: the lookups the reader uses on every row."""

from __future__ import annotations

import itertools


def test_merged_cells_are_found_exactly_as_by_trying_every_range():
    """A cell is inside a merged range exactly when one range holds it, whichever rows the ranges span; the
    reader's quick test of the rows spanned leaves none out."""
    from ehsg.office.sheets import Range
    from ehsg.reader import _MergedCells

    layouts = [(), (Range(1, 1, 1, 5),), (Range(1, 1, 2, 5), Range(7, 3, 8, 3)),
               (Range(4, 2, 4, 2), Range(2, 4, 9, 4)), (Range(5, 1, 5, 6), Range(1, 3, 1, 3))]
    for ranges in layouts:
        merged = _MergedCells(ranges)
        assert bool(merged) == bool(ranges)
        for row, col in itertools.product(range(0, 12), range(0, 8)):
            holding = [r for r in ranges if r.min_row <= row <= r.max_row and r.min_col <= col <= r.max_col]
            assert ((row, col) in merged) == bool(holding), (ranges, row, col)
            if holding:
                assert merged[(row, col)] == holding[0].coord
