"""Generate a cohort of invented areas' scores-only exports (for tests and benchmarks).

    python benchmarks/make_cohort.py FOLDER COUNT [--format xlsx|csv|json]

Every area is invented ("Area 0001" …); scores and priorities are drawn from a fixed seed, so the
same command always makes the same files. Each export is written through ehsg's own exporter.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

from ehsg.check import evaluate
from ehsg.export import COLUMNS, rows_for, to_json, write_xlsx
from ehsg.guide import load_guide
from ehsg.model import Assessment, Response


def invented_area(guide, i: int, rng: random.Random) -> Assessment:
    level = rng.choice((1, 2, 2, 3, 3, 3, 4))
    scores = {d.id: max(0, min(5, level + rng.choice((-1, 0, 0, 1)))) for d in guide.descriptors}
    model = rng.randint(1, 6)
    band = guide.priority_rule.band_for(model)
    data = [d.id for d in guide.descriptors if guide.kind_of(d.id) == "data"]
    service = [d.id for d in guide.descriptors if guide.kind_of(d.id) == "service"]
    priorities = tuple(rng.sample(data, band.data) + rng.sample(service, band.service))
    return Assessment(f"Area {i:04}", guide.id, guide.version,
                      tuple(Response(d, s) for d, s in scores.items()), data_model=model, data_model_changed=False,
                      priorities=priorities, permissions={"dfe": True, "coordinators": True, "ogd": True}, year=2024,
                      has_narrative=False)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("folder")
    parser.add_argument("count", type=int)
    parser.add_argument("--format", default="xlsx", choices=("xlsx", "csv", "json"))
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args(argv)
    guide = load_guide()
    folder = Path(args.folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(args.seed)
    for i in range(1, args.count + 1):
        a = invented_area(guide, i, rng)
        report = evaluate(a, guide)
        out = folder / f"area-{i:04}.{args.format}"
        if args.format == "xlsx":
            write_xlsx(str(out), list(COLUMNS), rows_for(a, guide, "coordinators", False), report, guide,
                       "coordinators")
        elif args.format == "json":
            import json

            out.write_text(json.dumps(to_json(report, guide, "coordinators", False)), encoding="utf-8")
        else:
            import csv

            with out.open("w", newline="", encoding="utf-8") as f:
                w = csv.writer(f)
                w.writerow(COLUMNS)
                w.writerows(rows_for(a, guide, "coordinators", False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
