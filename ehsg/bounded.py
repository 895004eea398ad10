"""Running a parser of untrusted input in a worker process, stopped at a deadline and at a memory bound.

A template that loops for ever, or a PDF whose pages unpack to gigabytes, then stops the worker, never
ehsg itself (nor the web app serving other people). The worker is forked only from a process running one
thread; the web app, which serves pages from threads, starts a fresh interpreter instead.
"""

from __future__ import annotations

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

    `prepare()`, when given, runs in the worker before its memory bound is set (it loads the libraries the
    target needs, while the caller goes on with its own work): the bound then counts the target's work only.
    The worker is forked where that is safe (can_fork); otherwise (Windows, or a process running other threads,
    such as the web app) it is a fresh interpreter, slower to start, with the same deadline and memory bound.
    """

    def __init__(self, target, args: tuple, memory: int, prepare=None):
        if can_fork():
            self._process = _Forked(target, args, memory, prepare)
            self._from_worker, self._to_worker = self._process.from_worker, self._process.to_worker
            return
        import multiprocessing  # a fresh interpreter, which takes longer to start

        mp = multiprocessing.get_context("spawn")
        self._from_worker, to_parent = mp.Pipe(duplex=False)
        from_parent, self._to_worker = mp.Pipe(duplex=False)
        _widen(self._to_worker.fileno())
        self._process = mp.Process(target=_serve, daemon=True, args=(
            to_parent, from_parent, (self._from_worker, self._to_worker), target, args, memory, prepare))
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


def can_fork() -> bool:
    """The worker may be forked from here: Linux, and no other thread running in this process.

    A thread holding a lock (Python's, or the C library's) at the fork would leave that lock held for ever in
    the worker, which could then hang at its first use of it: a web app serving pages from threads gets a fresh
    interpreter instead. The threads are counted by the system (/proc/self/task), so a thread a library started
    outside Python counts too; where they cannot be counted, by Python.
    """
    import sys

    if not (sys.platform.startswith("linux") and hasattr(os, "fork")):
        return False
    try:
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:
        import threading

        return threading.active_count() == 1


def _widen(fd: int) -> None:
    """A pipe that holds a whole template (1 MiB, the system's usual limit): the caller's `send` returns at once
    even while the worker is still loading its libraries."""
    try:
        import fcntl

        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, 1 << 20)
    except (ImportError, AttributeError, OSError):  # the pipe keeps its size: a larger send waits for the worker
        pass


class _Forked:
    """A forked worker (the `Process` interface BoundedWorker uses), talking through two pipes of its own.

    Lighter than multiprocessing, which a build would otherwise load before it could start its worker."""

    def __init__(self, target, args: tuple, memory: int, prepare=None):
        from_worker, to_parent = os.pipe()
        from_parent, to_worker = os.pipe()
        _widen(to_worker)
        self.pid = os.fork()
        if self.pid == 0:  # the worker: it never returns into the caller's code, and leaves without teardown
            try:
                os.close(from_worker)
                os.close(to_worker)
                _serve(_End(to_parent), _End(from_parent), (), target, args, memory, prepare)
            finally:
                os._exit(0)
        os.close(to_parent)
        os.close(from_parent)
        self.from_worker, self.to_worker = _End(from_worker), _End(to_worker)
        self._reaped = False

    def is_alive(self) -> bool:
        if not self._reaped:
            self._reaped = self._wait(os.WNOHANG)
        return not self._reaped

    def kill(self) -> None:
        os.kill(self.pid, 9)

    def join(self) -> None:
        if not self._reaped:
            self._reaped = self._wait(0)

    def _wait(self, options: int) -> bool:
        try:
            return os.waitpid(self.pid, options)[0] != 0
        except ChildProcessError:  # already reaped (a server that does not wait for its children)
            return True


class _End:
    """One end of a pipe carrying pickled values, each after its length (multiprocessing's Connection, in
    the part BoundedWorker uses)."""

    def __init__(self, fd: int):
        self.fd = fd

    def send(self, value) -> None:
        import pickle
        import struct

        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        view = memoryview(struct.pack("!Q", len(data)) + data)
        while view:
            view = view[os.write(self.fd, view):]

    def recv(self):
        import pickle
        import struct

        (size,) = struct.unpack("!Q", self._read(8))
        return pickle.loads(self._read(size))

    def _read(self, size: int) -> bytes:
        chunks = []
        while size:
            chunk = os.read(self.fd, min(size, 1 << 20))
            if not chunk:
                raise EOFError
            chunks.append(chunk)
            size -= len(chunk)
        return b"".join(chunks)

    def poll(self, seconds: float) -> bool:
        import math
        import select

        waiting = select.poll()
        waiting.register(self.fd, select.POLLIN)
        return bool(waiting.poll(max(0, math.ceil(seconds * 1000))))  # data, or the worker gone (read: EOF)

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


class _Channel:
    """The worker's side: messages to the parent, and what the parent sends."""

    def __init__(self, to_parent, from_parent):
        self._to_parent, self._from_parent = to_parent, from_parent

    def send(self, value) -> None:
        self._to_parent.send(("ok", value))

    def receive(self):
        """What the parent sent; EOFError when the parent is gone."""
        return self._from_parent.recv()


def _serve(to_parent, from_parent, parent_ends, target, args, memory: int, prepare=None) -> None:
    for end in parent_ends:  # the parent's ends, inherited: closed, so a parent that is gone is seen as gone
        end.close()
    if prepare is not None:
        prepare()
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
