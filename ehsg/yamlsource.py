"""Safe YAML loading that remembers where every value came from (file, YAML path, line)."""

from __future__ import annotations

import re
import stat
from pathlib import Path
from typing import Any

from . import guidecache
from .problems import Problems

# Files larger than this are not guide data; refuse before parsing.
MAX_YAML_BYTES = 2_000_000


class Source:
    """A parsed YAML file: its data, and the line of each YAML path for messages."""

    def __init__(self, path: Path, label: str, data: Any, lines: dict[str, int]):
        self.path = path
        self.label = label
        self.data = data
        self.lines = lines

    def where(self, ypath: str) -> str:
        line = self.lines.get(ypath)
        suffix = f" (line {line})" if line else ""
        return f"{self.label}: {ypath}{suffix}" if ypath else f"{self.label}{suffix}"


_PLAIN_TAGS = {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:omap"}


def _join(parent: str, key: Any) -> str:
    if isinstance(key, int):
        return f"{parent}[{key}]"
    return f"{parent}.{key}" if parent else str(key)


MAX_NODES = 100_000  # guide data has a few thousand; aliases must not multiply a small file into millions
# Text after aliases are expanded: the real guide files hold a few hundred thousand characters; an
# alias repeated thousands of times must not turn a small file into a workbook of hundreds of megabytes.
MAX_EXPANDED_CHARS = 5_000_000
MAX_DEPTH = 30  # the guide's deepest value is five levels down


# Controls other than tab and newline cannot be stored in a workbook cell and could drive a terminal.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


class _TooComplex(Exception):
    pass


class _TooDeep(Exception):
    def __init__(self, line: int):
        self.line = line


def _scalar(loader, node) -> Any:
    """A plain value; one Python will not make (a date such as 2022-13-45, a number thousands of digits long)
    is a located YAML problem."""
    try:
        return loader.construct_object(node, deep=True)
    except (ValueError, OverflowError):
        import yaml

        what = ("a date that does not exist (put it in quotes if it is text)" if node.tag.endswith(":timestamp")
                else "a number thousands of digits long, which no guide needs")
        raise yaml.MarkedYAMLError(problem=what, problem_mark=node.start_mark) from None


def _build(loader, node, ypath: str, lines: dict[str, int],
           problems: Problems, label: str, depth: int = 0) -> Any:
    lines.setdefault(ypath, node.start_mark.line + 1)
    lines["\0count"] = lines.get("\0count", 0) + 1
    if lines["\0count"] > MAX_NODES:
        raise _TooComplex()
    if depth > MAX_DEPTH:
        raise _TooDeep(node.start_mark.line + 1)
    if node.id != "scalar" and node.tag not in _PLAIN_TAGS:  # PyYAML's node kinds: scalar, sequence, mapping
        import yaml

        raise yaml.constructor.ConstructorError(None, None, f"the tag {node.tag!r} is not allowed", node.start_mark)
    if node.id == "mapping":
        loader.flatten_mapping(node)
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _scalar(loader, key_node)
            if not isinstance(key, (str, int, float, bool)) and key is not None:
                problems.error("guide-yaml-key", f"{label}: {ypath} (line {key_node.start_mark.line + 1})",
                               "A key must be plain text.")
                continue
            child = _join(ypath, key)
            if key in out:
                problems.error("guide-duplicate-key", f"{label}: {child} (line {key_node.start_mark.line + 1})",
                               f"The key '{key}' appears twice in the same block; only one is allowed.")
                continue
            out[key] = _build(loader, value_node, child, lines, problems, label, depth + 1)
        return out
    if node.id == "sequence":
        return [_build(loader, item, _join(ypath, i), lines, problems, label, depth + 1)
                for i, item in enumerate(node.value)]
    value = _scalar(loader, node)
    if isinstance(value, str) and _CONTROL.search(value):
        problems.error("guide-control-character", f"{label}: {ypath} (line {node.start_mark.line + 1})",
                       "This text contains a control character (such as ESC or BEL); guide text must be plain "
                       "text, which the workbook and the Word document can hold.")
    if isinstance(value, str):
        lines["\0chars"] = lines.get("\0chars", 0) + len(value)
        if lines["\0chars"] > MAX_EXPANDED_CHARS:
            raise _TooComplex()
    return value


def load_yaml(path: Path, label: str, problems: Problems) -> Source | None:
    """Parse one YAML file with the safe loader; problems are recorded, never raised."""
    try:
        st = path.stat()
        if stat.S_ISDIR(st.st_mode) or not stat.S_ISREG(st.st_mode):
            problems.error("guide-file-not-a-file", label, "This is not an ordinary file (a folder, pipe or device); "
                           "each file of the guide data must be an ordinary YAML file.")
            return None
        size = st.st_size
        if size > MAX_YAML_BYTES:
            problems.error("guide-file-too-large", label,
                           f"This file is {size:,} bytes; guide data files are far smaller. Is it the right file?")
            return None
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except FileNotFoundError:
        problems.error("guide-file-missing", label, "This file of the guide data is missing.")
        return None
    except UnicodeDecodeError as e:
        problems.error("guide-encoding", label, f"This file is not UTF-8 text ({e.reason} at byte {e.start}).")
        return None
    except OSError as e:
        problems.error("guide-file-unreadable", label, f"This file cannot be read: {e.strerror}.")
        return None
    if len(raw) > MAX_YAML_BYTES:  # it grew after the size was checked
        problems.error("guide-file-too-large", label,
                       f"This file is {len(raw):,} bytes; guide data files are far smaller. Is it the right file?")
        return None
    limits = (MAX_NODES, MAX_EXPANDED_CHARS, MAX_DEPTH)
    cached = guidecache.get(raw, limits)
    if cached is not None:  # these very bytes were parsed before, without a problem
        return Source(path, label, *cached)
    import yaml

    # The C parser when PyYAML has it (it ships in PyYAML's wheels): the same safe rules, several times faster.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    lines: dict[str, int] = {}
    before = len(problems.items)
    try:
        node = loader.get_single_node()
        if node is None:
            problems.error("guide-empty-file", label, "This file is empty.")
            return None
        data = _build(loader, node, "", lines, problems, label)
    except _TooComplex:
        problems.error("guide-too-complex", label, f"This file expands to more than {MAX_NODES:,} values or "
                       f"{MAX_EXPANDED_CHARS:,} characters (through YAML aliases); guide data is far smaller. "
                       "It was not loaded.")
        return None
    except _TooDeep as e:
        problems.error("guide-too-deep", f"{label} (line {e.line})", f"Values are nested more than {MAX_DEPTH} "
                       "levels deep here; guide data is at most a few levels deep. It was not loaded.")
        return None
    except RecursionError:
        problems.error("guide-too-deep", label, "Values are nested far too deep for guide data (thousands of "
                       "levels). It was not loaded.")
        return None
    except yaml.constructor.ConstructorError as e:
        mark = e.problem_mark
        at = f" (line {mark.line + 1})" if mark else ""
        problems.error("guide-yaml-tag", f"{label}{at}",
                       f"Refused a YAML tag that would construct an object ({e.problem}). "
                       "Guide data may contain only plain text, numbers, lists and mappings.")
        return None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        at = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        what = getattr(e, "problem", None) or str(e)
        problems.error("guide-yaml-syntax", f"{label}{at}", f"This is not valid YAML: {what}.")
        return None
    finally:
        loader.dispose()
    lines.pop("\0count", None)
    lines.pop("\0chars", None)
    if len(problems.items) == before:
        guidecache.put(raw, data, lines)
    return Source(path, label, data, lines)
