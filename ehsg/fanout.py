"""One job done on many items at once: spread over forked worker processes, the results in the items' order.

Used wherever ehsg reads many files (a workshop's partners, a cohort's areas). What the caller gets is exactly
what doing the items one by one in this process gives: the same results and exceptions, in the same order.

- Workers are forked: each inherits this process's loaded state (the guide, the libraries, the job itself), so
  nothing but the items and the results crosses between processes. Forking is safe only from a process running
  one thread, and cheap and usual only on Linux: anywhere else (Windows and macOS, a web app serving pages from
  threads) the items are done here, one by one.
- One worker per core this process may use, at most 8, and only from `parallel_from` items (below that, starting
  workers costs about what it saves). The first item may be done here before the workers start, so they begin
  with what it loaded (the reader's libraries) instead of each loading it.
- Ctrl-C is the parent's: workers ignore it; the parent stops the pool (nothing more is handed out, every worker
  has left) and the KeyboardInterrupt goes on to the caller. So does an exception of the caller's, or a caller
  that stops iterating.
- A worker that dies (a worker never leaves on its own: the system stopped it, most likely for memory, with
  eight reads in flight) loses nothing: the items not yet given back are done here, one at a time, as one-by-one
  reading would. Each file's read is bounded by ehsg's checks, so one read alone needs far less than eight at
  once; if this process itself then runs out of memory, the command says so as for any input.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator, Sequence
from typing import Any

MAX_WORKERS = 8

_job: Callable[[Any], Any] | None = None   # what the workers do to each item: set before they are forked


def cores() -> int:
    """The processors this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def can_fork() -> bool:
    """Workers may be forked from here: Linux, 'fork' available, and no other thread running in this process
    (a thread holding a lock at the fork would leave that lock held forever in the worker)."""
    import multiprocessing
    import sys
    import threading

    return (sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()
            and threading.active_count() == 1)


def worker_count(items: int, parallel_from: int, wanted: int | None = None) -> int:
    """How many processes do `items` items: 1 (this process) below `parallel_from` items, where forking is
    unsafe, or on one core; else one per core, at most 8. `wanted` replaces the cores and the threshold (never
    the safety rule)."""
    if wanted is None:
        if items < parallel_from:
            return 1
        wanted = cores()
    count = max(1, min(wanted, MAX_WORKERS, items))
    return count if count > 1 and can_fork() else 1


def chunk_size(items: int, workers: int) -> int:
    """Items handed to a worker at a time: few round trips, yet about eight shares a worker, so that the last
    ones end together."""
    return max(1, min(32, items // (workers * 8)))


def in_order(job: Callable[[Any], Any], items: Sequence, parallel_from: int, workers: int | None = None,
             first_here: bool = True) -> Iterator[Any]:
    """job(item) for each item, in order; an exception job raises is raised here, at that item's turn. Lazily:
    a caller that stops early (or is stopped) stops the work; close() the iterator to end the workers at once.

    job runs in forked workers, so it may be any callable (a closure over loaded state); its results must pickle.
    first_here: the first item is done here before the workers start, so they begin with what it loaded (the
    reader's libraries) instead of each loading it; False keeps this process as small as it is (its peak memory).
    """
    count = worker_count(len(items), parallel_from, workers)
    if count < 2:
        return (job(item) for item in items)
    return _parallel(job, items, count, 1 if first_here else 0)


def _parallel(job: Callable[[Any], Any], items: Sequence, count: int, here: int) -> Iterator[Any]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    global _job
    for item in items[:here]:
        yield job(item)
    rest = items[here:]
    size = chunk_size(len(rest), count)
    _job = job   # inherited by the forked workers, never sent to them
    pool = ProcessPoolExecutor(count, mp_context=multiprocessing.get_context("fork"), initializer=_start_worker)
    done = here
    try:
        # Ctrl-C (or SIGTERM) while workers are being forked would catch a worker before it ignores it, or the
        # pool half made: they wait until every worker is started and every chunk handed to the pool
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, _STOPPING)
        try:
            chunks = pool.map(_do_chunk, [rest[k:k + size] for k in range(0, len(rest), size)])
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        try:
            for results in chunks:
                for result in results:
                    if isinstance(result, _Raised):
                        raise result.error
                    yield result
                    done += 1
        except BrokenProcessPool:
            # a worker was stopped from outside: the pool has ended the others; what is left is done here
            pool.shutdown(wait=True, cancel_futures=True)
            for item in items[done:]:
                yield job(item)
    finally:
        # however it ends (done, an error, Ctrl-C, a caller that stopped): nothing more is handed out, the
        # chunks already handed out finish (a moment), and every worker has left when this returns
        pool.shutdown(wait=True, cancel_futures=True)
        _job = None


class _Raised:
    """An exception job raised in a worker, given back in its item's place, after the results of the items before
    it in its chunk (the caller meets it at that item's turn, as in one process)."""

    __slots__ = ("error",)

    def __init__(self, error: BaseException) -> None:
        self.error = error


def _do_chunk(items: Sequence) -> list:
    out = []
    for item in items:
        try:
            out.append(_job(item))
        except Exception as e:
            out.append(_Raised(e))
            break   # the caller stops there: the rest of the chunk would never be looked at
    return out


def _start_worker() -> None:
    """In each worker (forked with Ctrl-C, SIGTERM and SIGHUP held back): Ctrl-C is the parent's to handle (it stops
    the pool); SIGTERM and SIGHUP end the worker plainly, whatever handlers the parent had set for them (its outputs'
    clean-up is the parent's)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for number in _STOPPING - {signal.SIGINT}:
        signal.signal(number, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOPPING)


_STOPPING = {getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)}
