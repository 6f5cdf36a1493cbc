"""What a `make test` run spent its time on, from the timeline tests/conftest.py writes
(test-artifacts/timeline-<worker>.jsonl): per pytest-xdist worker, when it started and finished and
how long it sat idle at the end while the other finished; the test files that took longest.
``--write`` also records each file's seconds in tests/file_seconds.json, the order in which
tests/conftest.py hands the files to the workers (the longest first).

    python -m scripts.test_timeline [test-artifacts] [--write]
"""
from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

ORDER_FILE = Path(__file__).resolve().parent.parent / "tests" / "file_seconds.json"


def main(folder: str = "test-artifacts", write: bool = False) -> None:
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
    if write:
        ORDER_FILE.write_text(json.dumps({k: round(v, 1) for k, v in sorted(files.items())}, indent=1) + "\n")
        print(f"wrote {ORDER_FILE}")


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--write"]
    main(*args, write="--write" in sys.argv[1:])
