"""Work spread over forked workers gives what one process gives, in order; the pool is stopped cleanly; workers are
forked only where that is safe."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading

import pytest

from ehsg import fanout


@pytest.fixture
def two_cores(monkeypatch):
    monkeypatch.setattr(fanout, "cores", lambda: 2)   # workers even on a one-core machine


def parallel(iterator) -> bool:
    return getattr(iterator, "gi_code", None) is fanout._parallel.__code__


def test_results_come_in_the_items_order_and_the_state_is_inherited_not_sent(two_cores):
    lock = threading.Lock()   # cannot be pickled: a job sent to the workers would fail
    pids = set()

    def job(n):
        with lock:
            pids.add(os.getpid())
            return n * n, os.getpid()

    items = list(range(200))
    results = fanout.in_order(job, items, parallel_from=8)
    assert parallel(results)
    got = list(results)
    assert [r for r, _ in got] == [n * n for n in items]
    assert got[0][1] == os.getpid() and {pid for _, pid in got[1:]} - {os.getpid()}   # first here, the rest away
    assert multiprocessing.active_children() == []


def test_the_first_item_may_be_left_to_the_workers_too(two_cores):
    got = list(fanout.in_order(lambda n: (n, os.getpid()), list(range(50)), parallel_from=8, first_here=False))
    assert [n for n, _ in got] == list(range(50)) and os.getpid() not in {pid for _, pid in got}


def test_an_exception_is_raised_at_its_items_turn_after_every_earlier_result(two_cores):
    def job(n):
        if n == 37:
            raise ValueError(f"item {n}")
        return n

    seen = []
    with pytest.raises(ValueError, match="item 37"):
        for r in fanout.in_order(job, list(range(100)), parallel_from=8):
            seen.append(r)
    assert seen == list(range(37)) and multiprocessing.active_children() == []


def test_a_caller_stopped_midway_ctrl_c_included_stops_every_worker(two_cores):
    results = fanout.in_order(lambda n: n, list(range(5000)), parallel_from=8)
    with pytest.raises(KeyboardInterrupt):
        for r in results:
            if r == 10:
                raise KeyboardInterrupt
    results.close()
    assert multiprocessing.active_children() == []


def test_workers_ignore_ctrl_c_the_parent_handles_it(two_cores):
    """A Ctrl-C at a terminal reaches the workers too: they go on; the parent's KeyboardInterrupt stops them."""
    parent = os.getpid()

    def job(n):
        if os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGINT)
        return n

    items = list(range(40))
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    assert list(fanout.in_order(job, items, parallel_from=8)) == items


def test_a_worker_that_dies_loses_nothing_the_rest_is_done_here(two_cores):
    """A worker stopped from outside (the system, out of memory): every item still comes back, in order; the ones
    not yet given back are done in this process."""
    parent = os.getpid()

    def job(n):
        if n == 50 and os.getpid() != parent:
            os._exit(9)
        return n, os.getpid() == parent

    got = list(fanout.in_order(job, list(range(120)), parallel_from=8))
    assert [n for n, _ in got] == list(range(120))
    assert [here for n, here in got if n == 50] == [True]
    assert multiprocessing.active_children() == []


def test_few_items_one_core_or_a_single_worker_are_done_here(monkeypatch):
    monkeypatch.setattr(fanout, "cores", lambda: 2)
    assert fanout.worker_count(7, parallel_from=8) == 1
    assert fanout.worker_count(8, parallel_from=8) == 2
    assert not parallel(fanout.in_order(lambda n: n, list(range(7)), parallel_from=8))
    assert fanout.worker_count(10_000, parallel_from=8, wanted=1) == 1
    assert fanout.worker_count(3, parallel_from=64, wanted=2) == 2      # asked for: the threshold does not apply
    monkeypatch.setattr(fanout, "cores", lambda: 1)
    assert fanout.worker_count(10_000, parallel_from=8) == 1
    monkeypatch.setattr(fanout, "cores", lambda: 64)
    assert fanout.worker_count(10_000, parallel_from=8) == fanout.MAX_WORKERS == 8
    assert fanout.worker_count(5, parallel_from=2) == 5                  # never more workers than items


def test_workers_only_where_processes_can_be_forked_safely(monkeypatch, two_cores):
    assert fanout.worker_count(10_000, parallel_from=8) == 2
    monkeypatch.setattr(sys, "platform", "win32")
    assert fanout.worker_count(10_000, parallel_from=8) == 1
    assert fanout.worker_count(10_000, parallel_from=8, wanted=4) == 1   # asking does not override safety
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    assert fanout.worker_count(10_000, parallel_from=8) == 1
    monkeypatch.undo()
    monkeypatch.setattr(fanout, "cores", lambda: 2)
    assert fanout.worker_count(10_000, parallel_from=8) == 2


def test_no_fork_while_another_thread_runs(two_cores):
    """A web app serves pages from threads: work started there is done in its own thread, one item at a time."""
    stop = threading.Event()
    other = threading.Thread(target=stop.wait, daemon=True)
    other.start()
    try:
        results = fanout.in_order(lambda n: (n, os.getpid()), list(range(100)), parallel_from=8)
        assert not parallel(results)
        assert list(results) == [(n, os.getpid()) for n in range(100)]
    finally:
        stop.set()
        other.join()
    assert parallel(fanout.in_order(lambda n: n, list(range(100)), parallel_from=8))
