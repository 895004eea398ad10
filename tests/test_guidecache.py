"""The cache of parsed guide YAML: the same values and locations as a fresh parse, never trusted blindly."""

from __future__ import annotations

import json
import shutil
import sys
from dataclasses import asdict

import pytest

from ehsg import guidecache
from ehsg.errors import GuideError
from ehsg.guide import _CACHE, load_guide
from ehsg.problems import Problems
from ehsg.yamlsource import load_yaml

from conftest import GUIDE_DIR


@pytest.fixture(autouse=True)
def cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("EHSG_NO_CACHE", raising=False)
    _CACHE.clear()  # the in-process memo of loaded guides
    yield tmp_path / "cache" / "ehsg" / "guide"
    _CACHE.clear()


def _load(path):
    problems = Problems()
    source = load_yaml(path, path.name, problems)
    return source, problems


def _no_yaml(monkeypatch):
    """From here on, parsing YAML fails: only the cache can answer."""
    monkeypatch.setitem(sys.modules, "yaml", None)


def test_a_second_load_comes_from_the_cache_with_the_same_values_and_lines(cache_home, monkeypatch):
    first, problems = _load(GUIDE_DIR / "sections.yaml")
    assert not problems.items and len(list(cache_home.glob("*.json"))) == 1
    _no_yaml(monkeypatch)
    second, problems = _load(GUIDE_DIR / "sections.yaml")
    assert not problems.items
    assert second.data == first.data and second.lines == first.lines
    assert second.where("sections[0].descriptors[2].id") == first.where("sections[0].descriptors[2].id")


def test_keys_keep_their_type(tmp_path, monkeypatch):
    f = tmp_path / "levels.yaml"
    f.write_text("levels:\n  0: none\n  5: all\n  1.5: half\n  true: so\nlist: [1, 2.5, null, 'x']\n")
    first, _ = _load(f)
    _no_yaml(monkeypatch)
    second, _ = _load(f)
    assert second.data == first.data == {"levels": {0: "none", 5: "all", 1.5: "half", True: "so"},
                                         "list": [1, 2.5, None, "x"]}
    assert [type(k) for k in second.data["levels"]] == [int, int, float, bool]


def test_an_edited_file_is_parsed_afresh(tmp_path):
    f = tmp_path / "a.yaml"
    f.write_text("title: first\n")
    assert _load(f)[0].data == {"title": "first"}
    f.write_text("title: second\n")
    assert _load(f)[0].data == {"title": "second"}


CHANGED = {"m": [["title", "changed"]]}  # what a tampered entry would have ehsg believe


def _nested(depth):
    value = "deep"
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize("tamper", [
    lambda e: "not json at all {",
    lambda e: json.dumps({**e, "sha256": "0" * 64, "data": CHANGED}),
    lambda e: json.dumps({**e, "ehsg": "0.0.0-other", "data": CHANGED}),
    lambda e: json.dumps({**e, "format": 0, "data": CHANGED}),
    lambda e: json.dumps({**e, "data": {"m": [["title", "changed\x1b[31m"]]}}),
    lambda e: json.dumps({**e, "data": {**CHANGED, "extra": 1}}),
    lambda e: json.dumps({**e, "data": {"m": [["title", "changed"], ["title", "y"]]}}),
    lambda e: json.dumps({**e, "data": {"m": [["title", "changed"], [["not", "scalar"], "x"]]}}),
    lambda e: json.dumps({**e, "lines": {"title": "one"}, "data": CHANGED}),
    lambda e: json.dumps({**e, "data": {"m": [["title", "changed"], ["more", _nested(40)]]}}),
    lambda e: json.dumps({**e, "data": {"m": [["title", "changed"], ["more", "x" * 6_000_000]]}}),
    lambda e: "[" * 100_000 + "]" * 100_000,
])
def test_a_corrupt_or_tampered_entry_is_ignored(tmp_path, cache_home, tamper):
    f = tmp_path / "a.yaml"
    f.write_text("title: first\n")
    _load(f)
    (entry,) = cache_home.glob("*.json")
    entry.write_text(tamper(json.loads(entry.read_text())))
    source, problems = _load(f)
    assert source.data == {"title": "first"} and source.lines == {"": 1, "title": 1} and not problems.items


def test_an_entry_too_large_is_ignored(tmp_path, cache_home, monkeypatch):
    f = tmp_path / "a.yaml"
    f.write_text("title: first\n")
    _load(f)
    monkeypatch.setattr(guidecache, "MAX_ENTRY_BYTES", 10)
    assert guidecache.get(f.read_bytes(), (100, 100, 5)) is None
    assert _load(f)[0].data == {"title": "first"}


def test_guide_messages_are_located_the_same_from_the_cache(tmp_path, monkeypatch):
    folder = tmp_path / "guide"
    shutil.copytree(GUIDE_DIR, folder)
    rules = folder / "rules.yaml"
    rules.write_text(rules.read_text().replace("descriptor: \"5.1\"", "descriptor: \"5.99\"", 1))
    with pytest.raises(GuideError) as fresh:
        load_guide(folder)
    _CACHE.clear()
    _no_yaml(monkeypatch)
    with pytest.raises(GuideError) as cached:
        load_guide(folder)
    assert [str(p) for p in cached.value.problems] == [str(p) for p in fresh.value.problems]
    assert any("rules.yaml: earned_autonomy[" in p.location and "(line " in p.location for p in fresh.value.problems)


def test_the_whole_guide_from_the_cache_is_the_guide(monkeypatch):
    fresh = load_guide(GUIDE_DIR)
    _CACHE.clear()
    _no_yaml(monkeypatch)
    cached = load_guide(GUIDE_DIR)
    assert cached is not fresh and asdict(cached) == asdict(fresh)  # every value, field by field


def test_a_file_with_problems_or_values_json_cannot_hold_is_not_kept(tmp_path, cache_home):
    bad = tmp_path / "bad.yaml"
    bad.write_text("a: 1\na: 2\n")  # a duplicate key: a located problem every time
    assert _load(bad)[1].errors
    dated = tmp_path / "dated.yaml"
    dated.write_text("when: 2022-06-30\n")
    assert not _load(dated)[1].items
    assert not list(cache_home.glob("*.json"))
    assert _load(bad)[1].errors  # and the problem is found again


def test_turned_off_or_unwritable_it_is_silently_not_used(tmp_path, cache_home, monkeypatch):
    f = tmp_path / "a.yaml"
    f.write_text("title: first\n")
    monkeypatch.setenv("EHSG_NO_CACHE", "1")
    assert _load(f)[0].data == {"title": "first"}
    assert not cache_home.exists()
    monkeypatch.delenv("EHSG_NO_CACHE")
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))  # a file where the folder would be
    assert _load(f)[0].data == {"title": "first"}
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/path")  # ignored, as the XDG rules say
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert _load(f)[0].data == {"title": "first"}
    assert list((tmp_path / "home" / ".cache" / "ehsg" / "guide").glob("*.json"))


def test_only_the_newest_entries_are_kept(tmp_path, cache_home, monkeypatch):
    monkeypatch.setattr(guidecache, "MAX_ENTRIES", 3)
    f = tmp_path / "a.yaml"
    for i in range(6):
        f.write_text(f"title: edit {i}\n")
        _load(f)
    kept = list(cache_home.glob("*.json"))
    assert len(kept) == 3 and guidecache.key(f.read_bytes()) + ".json" in {k.name for k in kept}
