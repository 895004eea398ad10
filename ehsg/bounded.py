"""Running a parser of untrusted input in a worker process, stopped at a deadline and at a memory bound.

A template that loops for ever, or a PDF whose pages unpack to gigabytes, then stops the worker, never
ehsg itself (nor the web app serving other people).
"""

from __future__ import annotations

import multiprocessing
import os


class LimitExceeded(Exception):
    """Raised when the worker ran past its deadline ('time') or its memory bound ('memory')."""

    def __init__(self, kind: str):
        super().__init__(kind)
        self.kind = kind


def run_bounded(target, args: tuple, seconds: float, memory: int):
    """target(*args) in a worker process; its return value (which must pickle).

    The worker's address space may grow `memory` bytes beyond what it uses when it starts (on Linux), and it
    is killed after `seconds`. `target` reports its own failures in what it returns; a MemoryError inside it,
    a worker killed by the bound, or the deadline raise LimitExceeded here.
    """
    methods = multiprocessing.get_all_start_methods()
    mp = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    receive, send = mp.Pipe(duplex=False)
    worker = mp.Process(target=_work, args=(send, target, args, memory), daemon=True)
    worker.start()
    send.close()
    try:
        if not receive.poll(seconds):
            raise LimitExceeded("time")
        kind, value = receive.recv()
    except (EOFError, OSError):
        raise LimitExceeded("memory") from None
    finally:
        if worker.is_alive():
            worker.kill()
        worker.join()
        receive.close()
    if kind == "memory":
        raise LimitExceeded("memory")
    return value


def _work(send, target, args, memory: int) -> None:
    _limit_memory(memory)
    try:
        outcome = ("ok", target(*args))
    except MemoryError:
        outcome = ("memory", None)
    try:
        send.send(outcome)
    finally:
        send.close()


def _limit_memory(memory: int) -> None:
    try:
        import resource

        with open("/proc/self/statm") as f:
            in_use = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = in_use + memory
        if hard == resource.RLIM_INFINITY or limit < hard:
            resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, OSError, ValueError):  # not Linux: the deadline still bounds the work
        pass
