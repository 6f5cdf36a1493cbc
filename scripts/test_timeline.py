"""What a `make test` run spent its time on, from the timeline tests/conftest.py writes
(test-artifacts/timeline-<worker>.jsonl): per pytest-xdist worker, when it started and finished and
how long it sat idle at the end while the other finished; the test files that took longest.

    python -m scripts.test_timeline [test-artifacts]
"""
from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path


def main(folder: str = "test-artifacts") -> None:
    rows = {}
    for path in sorted(Path(folder).glob("timeline-*.jsonl")):
        rows[path.stem.removeprefix("timeline-")] = [json.loads(line) for line in path.read_text().splitlines()]
    if not rows:
        sys.exit(f"no timeline-*.jsonl in {folder}: run the tests first")
    t0 = min(r["start"] for rs in rows.values() for r in rs)
    end = max(r["start"] + r["seconds"] for rs in rows.values() for r in rs)
    print(f"tests ran for {end - t0:.0f} s")
    files: dict[str, float] = defaultdict(float)
    for worker, rs in rows.items():
        busy = sum(r["seconds"] for r in rs)
        last = max(r["start"] + r["seconds"] for r in rs)
        print(f"  {worker}: {len(rs)} tests, busy {busy:.0f} s, done at {last - t0:.0f} s "
              f"(idle {end - last:.0f} s at the end); its last: {rs[-1]['test']}")
        for r in rs:
            files[r["test"].split("::")[0]] += r["seconds"]
    print("slowest files:")
    for name, s in sorted(files.items(), key=lambda kv: -kv[1])[:25]:
        print(f"  {s:7.1f} s  {name}")


if __name__ == "__main__":
    main(*sys.argv[1:])
