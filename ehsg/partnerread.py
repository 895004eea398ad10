"""Reading a workshop's partners' workbooks, many at once on the machine's cores (ehsg.fanout), in the files' order.

Each workbook is read exactly as one read alone (ehsg.reader.load_workbook_file, with every check on the file);
only the reading is spread over worker processes.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from .guide import Guide
from .reader import LoadResult, load_workbook_file

# Below this many files starting workers costs about what it saves (measured on the benchmark's partners).
PARALLEL_FROM = 8


def read_in_order(files: list[Path], guide: Guide) -> Iterator[LoadResult]:
    """load_workbook_file(f, guide) for each file, in order; an exception it raises is raised here, at that file's
    turn. Lazily: a caller that stops early stops the reading."""
    from .fanout import in_order

    return in_order(lambda f: load_workbook_file(f, guide), files, PARALLEL_FROM)
