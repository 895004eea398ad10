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
    with BoundedWorker(_call, (target, args), memory) as worker:
        return worker.receive(seconds)


def _call(channel, target, args):
    return target(*args)


class BoundedWorker:
    """A worker process started at once, to talk with while it works: target(channel, *args) runs in it.

    The worker may `channel.send(value)` (each value is one `receive` here) and `channel.receive()` what is
    `send`-ed here; its return value is its last message. Its address space may grow `memory` bytes beyond what
    it uses when it starts (on Linux). Each `receive(seconds)` waits at most `seconds`; a MemoryError in the
    worker, a worker killed by the bound, or the deadline raise LimitExceeded. Leaving the `with` block (or
    `stop()`) kills the worker if it still runs; a worker whose parent is gone stops at its next `receive()`.
    """

    def __init__(self, target, args: tuple, memory: int):
        methods = multiprocessing.get_all_start_methods()
        mp = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        self._from_worker, to_parent = mp.Pipe(duplex=False)
        from_parent, self._to_worker = mp.Pipe(duplex=False)
        self._process = mp.Process(target=_serve, daemon=True, args=(
            to_parent, from_parent, (self._from_worker, self._to_worker), target, args, memory))
        self._process.start()
        to_parent.close()
        from_parent.close()

    def __enter__(self) -> BoundedWorker:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def send(self, value) -> None:
        try:
            self._to_worker.send(value)
        except OSError:  # the worker is gone (killed by its memory bound, or it failed)
            raise LimitExceeded("memory") from None

    def receive(self, seconds: float):
        try:
            if not self._from_worker.poll(seconds):
                raise LimitExceeded("time")
            kind, value = self._from_worker.recv()
        except (EOFError, OSError):
            raise LimitExceeded("memory") from None
        if kind == "memory":
            raise LimitExceeded("memory")
        return value

    def stop(self) -> None:
        if self._process.is_alive():
            self._process.kill()
        self._process.join()
        self._from_worker.close()
        self._to_worker.close()


class _Channel:
    """The worker's side: messages to the parent, and what the parent sends."""

    def __init__(self, to_parent, from_parent):
        self._to_parent, self._from_parent = to_parent, from_parent

    def send(self, value) -> None:
        self._to_parent.send(("ok", value))

    def receive(self):
        """What the parent sent; EOFError when the parent is gone."""
        return self._from_parent.recv()


def _serve(to_parent, from_parent, parent_ends, target, args, memory: int) -> None:
    for end in parent_ends:  # the parent's ends, inherited: closed, so a parent that is gone is seen as gone
        end.close()
    _limit_memory(memory)
    try:
        outcome = ("ok", target(_Channel(to_parent, from_parent), *args))
    except MemoryError:
        outcome = ("memory", None)
    except EOFError:  # the parent went away before sending what the worker waited for
        return
    try:
        to_parent.send(outcome)
    finally:
        to_parent.close()


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
