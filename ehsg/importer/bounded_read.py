"""Reading a submission's file in the bounded worker (ehsg.bounded): what it found, or its located problems."""

from __future__ import annotations

from typing import Any, Callable

from ..problems import Problem, Problems


def read_in_worker(work: Callable[[bytes, str], tuple[str, Any]], data: bytes, label: str, seconds: float,
                   memory: int, problems: Problems, stopped: Callable[[str], str], code: str) -> Any | None:
    """work(data, label) in a worker stopped after `seconds` or at `memory` bytes more than it starts with.

    work returns ("found", value) or ("problems", [Problem, ...]). Gives the value, or None with the problems
    recorded; a stopped worker is one problem `code` at `label`, worded by stopped("time" or "memory")."""
    from ..bounded import LimitExceeded, run_bounded

    try:
        kind, payload = run_bounded(work, (data, label), seconds, memory)
    except LimitExceeded as e:
        problems.items.append(Problem(code, "error", label, stopped(e.kind)))
        return None
    if kind == "found":
        return payload
    for p in payload:
        problems.error(p.code, p.location, p.message)
    return None
