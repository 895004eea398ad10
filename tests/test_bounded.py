"""The bounded worker: answers, a deadline, a memory bound, and a worker that never outlives its use."""

from __future__ import annotations

import os
import time

import pytest

from ehsg.bounded import BoundedWorker, LimitExceeded, can_fork, run_bounded

_STATE: list[str] = []   # changed by a test in this process: a forked worker sees the change, a fresh one does not
_BALLAST: list[bytes] = []


def _double(x):
    return x * 2


def _echo_twice(channel, greeting):
    channel.send(greeting)
    value = channel.receive()
    return value, value


def _sleep(channel, seconds):
    time.sleep(seconds)
    return "late"


def _hog(channel):
    return b"x" * (600 * 1024 * 1024)


def _state():
    return list(_STATE)


def _load_ballast():
    _BALLAST.append(b"x" * (300 * 1024 * 1024))


def _ballast_then(channel, size):
    return len(_BALLAST[0]) + len(b"y" * size)


def _pid_then_wait(channel):
    channel.send(os.getpid())
    return channel.receive()


def _in_fresh_python(code: str):
    """`code` run by a fresh Python (one thread) that can import this file's workers; its finished process."""
    import subprocess
    import sys

    from conftest import REPO

    return subprocess.run([sys.executable, "-c", "import sys\nsys.path.insert(0, sys.argv[1])\n" + code,
                           str(REPO / "tests")], capture_output=True, text=True, timeout=60,
                          env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})


def test_run_bounded_returns_what_the_target_returns():
    assert run_bounded(_double, (21,), 30, 256 * 1024 * 1024) == 42


def _talks(memory: int, wait: float) -> None:
    """A worker answers, is answered, and answers again."""
    with BoundedWorker(_echo_twice, ("ready",), memory) as worker:
        assert worker.receive(wait) == "ready"
        worker.send({"values": [1, "two"]})
        assert worker.receive(wait) == ({"values": [1, "two"]},) * 2


def _is_bounded(memory: int, wait: float) -> None:
    """A worker past its deadline, and one past its memory bound (100 MB), are stopped and named as such."""
    with BoundedWorker(_sleep, (30,), memory) as worker:
        with pytest.raises(LimitExceeded) as e:
            worker.receive(0.5)
        assert e.value.kind == "time"
    with BoundedWorker(_hog, (), 100 * 1024 * 1024) as worker:
        with pytest.raises(LimitExceeded) as e:
            worker.receive(wait)
        assert e.value.kind == "memory"


def test_a_worker_talks_while_it_works():
    _talks(256 * 1024 * 1024, 30)


def test_the_deadline_and_the_memory_bound_stop_the_worker():
    _is_bounded(256 * 1024 * 1024, 30)


def test_leaving_the_block_ends_a_waiting_worker():
    with BoundedWorker(_pid_then_wait, (), 256 * 1024 * 1024) as worker:
        pid = worker.receive(30)
    with pytest.raises(ProcessLookupError):  # killed and reaped: no such process any more
        os.kill(pid, 0)


def test_a_worker_whose_parent_is_gone_stops(tmp_path):
    """ehsg leaves without teardown (os._exit): a worker still waiting for its values must not linger."""
    res = _in_fresh_python("import os\n"
                           "from test_bounded import _pid_then_wait\n"
                           "from ehsg.bounded import BoundedWorker\n"
                           "w = BoundedWorker(_pid_then_wait, (), 256 * 1024 * 1024)\n"
                           "print(w.receive(30), flush=True)\n"
                           "os._exit(0)\n")
    pid = int(res.stdout)
    for _ in range(300):  # gone, or a zombie nobody has reaped yet: either way it has stopped
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X"):
                    break
        except FileNotFoundError:
            break
        time.sleep(0.1)
    else:
        os.kill(pid, 9)
        pytest.fail("the worker outlived its parent")


def test_without_fork_a_fresh_interpreter_does_the_same(monkeypatch):
    """Where there is no fork (Windows), the worker is a fresh interpreter started by multiprocessing."""
    monkeypatch.delattr(os, "fork")
    assert run_bounded(_double, ("ab",), 60, 512 * 1024 * 1024) == "abab"
    with BoundedWorker(_echo_twice, ("ready",), 512 * 1024 * 1024) as worker:
        assert worker.receive(60) == "ready"
        worker.send([1])
        assert worker.receive(60) == ([1], [1])


def test_a_threaded_caller_gets_a_fresh_interpreter_with_the_same_bounds():
    """A fork while another thread holds a lock can leave the worker hung: a process running threads (the web
    app serves pages from threads) starts a fresh interpreter instead, with the same deadline and memory bound."""
    import threading

    release = threading.Event()
    thread = threading.Thread(target=release.wait, daemon=True)
    thread.start()
    _STATE.append("changed after the start")
    try:
        assert not can_fork()
        assert run_bounded(_state, (), 60, 512 * 1024 * 1024) == []  # a fork would have seen the change
        _talks(512 * 1024 * 1024, 60)
        _is_bounded(512 * 1024 * 1024, 60)
    finally:
        _STATE.clear()
        release.set()
        thread.join()


def test_a_lone_thread_forks_its_worker():
    res = _in_fresh_python("import test_bounded\n"
                           "from ehsg.bounded import can_fork, run_bounded\n"
                           "test_bounded._STATE.append('forked')\n"
                           "print(can_fork(), run_bounded(test_bounded._state, (), 30, 256 * 1024 * 1024))\n")
    assert res.stdout.split("\n")[0] == "True ['forked']", res.stderr


@pytest.mark.parametrize("threaded", [False, True])
def test_what_prepare_loads_is_not_counted_in_the_memory_bound(threaded):
    """prepare() runs before the bound is set (the libraries a render needs); the target's work is bounded."""
    import threading

    release = threading.Event()
    thread = threading.Thread(target=release.wait, daemon=True)
    if threaded:
        thread.start()
    try:
        with BoundedWorker(_ballast_then, (10 * 1024 * 1024,), 100 * 1024 * 1024, prepare=_load_ballast) as worker:
            assert worker.receive(60) == 310 * 1024 * 1024
        with BoundedWorker(_ballast_then, (200 * 1024 * 1024,), 100 * 1024 * 1024, prepare=_load_ballast) as worker:
            with pytest.raises(LimitExceeded) as e:
                worker.receive(60)
            assert e.value.kind == "memory"
    finally:
        release.set()
        if threaded:
            thread.join()
