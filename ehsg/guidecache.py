"""A cache of parsed guide YAML files (never of a result), so a command need not load the YAML parser each time.

Each entry is JSON (never pickle), in the user's cache folder ($XDG_CACHE_HOME/ehsg, else ~/.cache/ehsg),
named and keyed by the sha256 of the YAML file's bytes and ehsg's version: an edited file is parsed afresh.
An entry holds a file's values and the line of each YAML path (so messages are located as before), is
written atomically, and is checked on reading (size, shape, the limits the YAML loader applies, no control
characters); anything wrong, unreadable or unwritable is ignored and the YAML parsed as usual. Setting
EHSG_NO_CACHE (to anything) turns the cache off.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from pathlib import Path
from typing import Any

from . import __version__

FORMAT = 1  # raise it whenever ehsg.yamlsource changes what a parse gives (values or lines)
MAX_ENTRY_BYTES = 8_000_000  # a guide file is at most 2 MB of YAML (ehsg.yamlsource.MAX_YAML_BYTES)
MAX_ENTRIES = 60  # ten editions' or edits' worth of six files; the oldest go first
_SCALARS = (str, int, float, bool, type(None))
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # as ehsg.yamlsource refuses in guide text


class _Bad(Exception):
    """An entry that is not what this module writes: ignored."""


def folder() -> Path | None:
    """Where entries live, or None when the cache is turned off or there is no home to put it in."""
    if os.environ.get("EHSG_NO_CACHE"):
        return None
    base = os.environ.get("XDG_CACHE_HOME")
    if not base or not os.path.isabs(base):
        home = os.path.expanduser("~")
        if home == "~" or not os.path.isabs(home):
            return None
        base = os.path.join(home, ".cache")
    return Path(base) / "ehsg" / "guide"


def key(raw: bytes) -> str:
    try:  # CPython's own SHA-256; hashlib would first load OpenSSL, a tenth of a short command's time
        from _sha256 import sha256
    except ImportError:  # pragma: no cover - other Pythons, and 3.12 onwards (where it is _sha2)
        from hashlib import sha256
    return sha256(raw).hexdigest()


def get(raw: bytes, limits: tuple[int, int, int]) -> tuple[Any, dict[str, int]] | None:
    """The values and lines parsed from these bytes before, or None. limits: (nodes, characters, depth)."""
    where = folder()
    if where is None:
        return None
    digest = key(raw)
    try:
        with open(where / f"{digest}.json", "rb") as f:
            blob = f.read(MAX_ENTRY_BYTES + 1)
        if len(blob) > MAX_ENTRY_BYTES:
            return None
        entry = json.loads(blob)
        if not (isinstance(entry, dict) and entry.get("format") == FORMAT and entry.get("ehsg") == __version__
                and entry.get("sha256") == digest and isinstance(entry.get("lines"), dict) and "data" in entry):
            return None
        lines = entry["lines"]
        if not all(isinstance(k, str) and type(v) is int for k, v in lines.items()):
            return None
        count = [0, 0]
        data = _decode(entry["data"], 0, count, limits)
        return data, lines
    except (OSError, ValueError, RecursionError, _Bad):
        return None


def put(raw: bytes, data: Any, lines: dict[str, int]) -> None:
    """Keep what was parsed from these bytes; silently nothing when it cannot be written or encoded exactly."""
    where = folder()
    if where is None:
        return
    try:
        encoded = _encode(data)
        text = json.dumps({"format": FORMAT, "ehsg": __version__, "sha256": key(raw), "lines": lines,
                           "data": encoded}, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        blob = text.encode("utf-8")
        if len(blob) > MAX_ENTRY_BYTES:
            return
        where.mkdir(mode=0o700, parents=True, exist_ok=True)
        target = where / f"{key(raw)}.json"
        tmp = where / f".{target.name}.{os.getpid()}.part"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(blob)
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        _prune(where)
    except (OSError, ValueError, TypeError, RecursionError, _Bad):
        return


def _prune(where: Path) -> None:
    """Keep the newest MAX_ENTRIES entries: each edit of a guide file adds one, and none is ever reused after."""
    entries = []
    for e in os.scandir(where):
        if e.name.endswith(".json") and e.is_file(follow_symlinks=False):
            with contextlib.suppress(OSError):
                entries.append((e.stat(follow_symlinks=False).st_mtime, e.path))
    for _, path in sorted(entries, reverse=True)[MAX_ENTRIES:]:
        with contextlib.suppress(OSError):
            os.unlink(path)


def _encode(value: Any) -> Any:
    """JSON for YAML's values: a mapping becomes {"m": [[key, value], ...]} so keys keep their type."""
    if isinstance(value, dict):
        for k in value:
            if not isinstance(k, _SCALARS):
                raise _Bad()
        return {"m": [[k, _encode(v)] for k, v in value.items()]}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, _SCALARS):
        return value
    raise _Bad()  # a date or any other value JSON does not hold exactly: not cached


def _decode(value: Any, depth: int, count: list[int], limits: tuple[int, int, int]) -> Any:
    nodes, chars, deepest = limits
    count[0] += 1
    if count[0] > nodes or depth > deepest:
        raise _Bad()
    if isinstance(value, dict):
        pairs = value.get("m")
        if len(value) != 1 or not isinstance(pairs, list):
            raise _Bad()
        out = {}
        for pair in pairs:
            if not (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], _SCALARS)) or pair[0] in out:
                raise _Bad()
            k = pair[0]
            if isinstance(k, str) and _CONTROL.search(k):
                raise _Bad()
            out[k] = _decode(pair[1], depth + 1, count, limits)
        return out
    if isinstance(value, list):
        return [_decode(v, depth + 1, count, limits) for v in value]
    if isinstance(value, str):
        count[1] += len(value)
        if count[1] > chars or _CONTROL.search(value):
            raise _Bad()
    return value
