"""Bad exports (.json, .csv, .xlsx) for the corpus: each wrong in exactly one way, made from a real export.

Called from make_corpus.py's main; every file is made from the bundled example exported by ehsg itself.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
EXAMPLE = REPO / "examples" / "sefton-2022.xlsx"


def _exports(folder: Path) -> dict[str, Path]:
    """The example exported for co-ordinators in every format, by ehsg's own exporter."""
    sys.path.insert(0, str(REPO))
    from ehsg.export import export
    from ehsg.guide import load_guide

    guide = load_guide()
    return {fmt: export(EXAMPLE, folder / f"sefton.{fmt}", "coordinators", guide) for fmt in ("json", "csv", "xlsx")}


def make(out: Path, case) -> None:
    with tempfile.TemporaryDirectory(prefix="ehsg-corpus-") as d:
        base = _exports(Path(d))
        good = json.loads(base["json"].read_text(encoding="utf-8"))

        def js(name: str, change, code: str, location: str | None, **extra) -> None:
            data = json.loads(json.dumps(good))
            change(data)
            (out / name).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
            case(name, code, f"{name}: {location}" if location else name, kind="export", **extra)

        def put(key, value):
            return lambda data: data.__setitem__(key, value)

        def score(value):
            return lambda data: data["scores"].__setitem__("5.1", value)

        js("export-year-string.json", put("year", "2023"), "year-invalid", "year")
        js("export-year-list.json", put("year", [2023]), "year-invalid", "year")
        js("export-year-fraction.json", put("year", 2023.5), "year-invalid", "year")
        js("export-guide-string.json", put("guide", "ehsg-2022"), "export-type", "guide")
        js("export-narratives-list.json", put("narratives", ["working well"]), "export-type", "narratives")
        js("export-priorities-integer.json", put("priorities", 7), "export-type", "priorities")
        js("export-priorities-string.json", put("priorities", "7.3"), "export-type", "priorities")
        js("export-priority-two-ids.json", put("priorities", ["7.3", "6.4 and 9.4"]), "priority-several",
           "priorities[1]")
        js("export-score-null.json", score(None), "score-missing", 'scores["5.1"]')
        js("export-score-empty.json", score(""), "score-missing", 'scores["5.1"]')
        js("export-score-true.json", score(True), "score-invalid", 'scores["5.1"]')
        js("export-score-text.json", score("3"), "score-invalid", 'scores["5.1"]')
        js("export-score-list.json", score([3]), "score-invalid", 'scores["5.1"]')
        js("export-area-number.json", put("area", 7), "export-type", "area")
        js("export-data-model-true.json", put("data_model", True), "data-model-invalid", "data_model")

        deep = "[" * 50_000 + "]" * 50_000
        (out / "export-deep-nesting.json").write_text(
            json.dumps(good)[:-1] + f', "extra": {deep}}}', encoding="utf-8")
        case("export-deep-nesting.json", "export-too-deep", "export-deep-nesting.json", kind="export")
        nested = json.loads(json.dumps(good))
        nested["year"] = [[[[[[[[2023]]]]]]]]
        (out / "export-nested-year.json").write_text(json.dumps(nested), encoding="utf-8")
        case("export-nested-year.json", "export-too-deep", "export-nested-year.json", kind="export")

        # Python reads neither a number of thousands of digits nor, unless asked, a name given twice.
        text = json.dumps(good, ensure_ascii=False)
        assert '"5.1": ' in text
        (out / "export-number-5000-digits.json").write_text(text.replace('"5.1": ', '"5.1": ' + "9" * 5000 + ', "x": ',
                                                                         1), encoding="utf-8")
        case("export-number-5000-digits.json", "export-unreadable", "export-number-5000-digits.json", kind="export")
        (out / "export-repeated-score.json").write_text(text.replace('"5.1": ', '"5.1": 5, "5.1": ', 1),
                                                        encoding="utf-8")
        case("export-repeated-score.json", "export-repeated-key", "export-repeated-score.json", kind="export")

        (out / "export-not-json.json").write_text('{"area": "Sefton", "scores": {', encoding="utf-8")
        case("export-not-json.json", "export-unreadable", "export-not-json.json: line 1, column 31", kind="export")

        text = base["csv"].read_text(encoding="utf-8-sig")
        (out / "export-latin-1.csv").write_bytes(text.replace("Sefton", "Ynys Môn").encode("latin-1"))
        case("export-latin-1.csv", "export-not-utf8", "export-latin-1.csv: line 2", kind="export")
        (out / "export-utf-16.csv").write_bytes(text.encode("utf-16"))
        case("export-utf-16.csv", "export-not-utf8", "export-utf-16.csv: line 1", kind="export")
        lines = text.splitlines()
        header = lines[0].split(",")
        year, score_col, pri = header.index("Year"), header.index("Score"), header.index("Priority")

        def csv_case(name, row, col, value, code, column):
            rows = [line.split(",") for line in lines]
            rows[row][col] = value
            (out / name).write_text("\r\n".join(",".join(r) for r in rows) + "\r\n", encoding="utf-8")
            case(name, code, f"{name}: row {row + 1}, column {column}", kind="export")

        csv_case("export-year-fraction.csv", 1, year, "2023.5", "year-invalid", "Year")
        csv_case("export-score-text.csv", 1, score_col, "three", "score-invalid", "Score")
        csv_case("export-score-400-digits.csv", 1, score_col, "1" + "0" * 400, "score-invalid", "Score")
        csv_case("export-score-blank.csv", 1, score_col, "", "score-missing", "Score")
        csv_case("export-priority-rank.csv", 1, pri, "first", "priority-rank-invalid", "Priority")

        # an export workbook whose sheet list calamine cannot read: reported as damaged, not as "no Area sheet"
        damaged = out / "export-damaged.xlsx"
        with zipfile.ZipFile(base["xlsx"]) as src, zipfile.ZipFile(damaged, "w", zipfile.ZIP_DEFLATED) as dst:
            for item in src.infolist():
                data = src.read(item.filename)
                if item.filename == "xl/_rels/workbook.xml.rels":
                    data = data.replace(b"worksheets/sheet2.xml", b"worksheets/missing.xml")
                dst.writestr(item, data)
        case("export-damaged.xlsx", "damaged-workbook", "export-damaged.xlsx: xl/worksheets/missing.xml", kind="export")
    shutil.rmtree(out / "__pycache__", ignore_errors=True)
