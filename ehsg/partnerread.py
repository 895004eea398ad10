"""Reading many partners' workbooks on all the machine's cores, the results in the files' order.

Each workbook is read exactly as one read alone (ehsg.reader.load_workbook_file, with every check on the
file); only the reading is spread over worker processes. Few files, one core, or no way to start workers
cheaply (no 'fork'): they are read one by one in this process.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from .guide import Guide
from .reader import LoadResult, load_workbook_file

# Below this many files starting workers costs about what it saves.
PARALLEL_FROM = 8
MAX_WORKERS = 8
# Files handed to a worker at a time: fewer round trips, and still an even share for each.
_CHUNK = 4

_guide: Guide | None = None   # a worker's guide, set once when it starts


def cores() -> int:
    """The processors this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def read_in_order(files: list[Path], guide: Guide) -> Iterator[LoadResult]:
    """load_workbook_file(f, guide) for each file, in order; an exception it raises is raised here, at
    that file's turn. Lazily: a caller that stops early stops the reading."""
    import multiprocessing

    workers = min(cores(), MAX_WORKERS, len(files) // _CHUNK)
    if len(files) < PARALLEL_FROM or workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return (load_workbook_file(f, guide) for f in files)
    return _parallel(files, guide, workers)


def _parallel(files: list[Path], guide: Guide, workers: int) -> Iterator[LoadResult]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    # The first file is read here before the workers start: they begin with the reader's libraries loaded.
    yield load_workbook_file(files[0], guide)
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                               initializer=_start_worker, initargs=(guide,))
    done = 1
    try:
        for result in pool.map(_read, files[1:], chunksize=_CHUNK):
            yield result
            done += 1
    except BrokenProcessPool:
        # a worker died (killed, or out of memory): read what is left here, as one by one reading would
        pool.shutdown(wait=True, cancel_futures=True)
        for f in files[done:]:
            yield load_workbook_file(f, guide)
    finally:
        # Ctrl-C, an error, or a caller that stopped: nothing more is started; running reads finish first
        pool.shutdown(wait=True, cancel_futures=True)


def _start_worker(guide: Guide) -> None:
    """In each worker: Ctrl-C is the parent's to handle (it stops the pool); other signals end it plainly."""
    import signal

    global _guide
    _guide = guide
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)


def _read(path: Path) -> LoadResult:
    return load_workbook_file(path, _guide)
