"""The "Mi archivo" tab's teaching scenario: the demo shop's catalogue (``explorer.archive.demo``:
90 product photos made from Fashion-MNIST test images, 5 of each category labelled in a folder of
the zip) analysed and taught the three ways, so a class sees what transfer learning buys with 5
labels per category. Its lesson quotes the accuracies measured with exactly these settings
(bench/bench_teach.py, seed 0; re-measured by tests/unit/test_teach.py and the e2e test).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from explorer.archive import demo, teach
from explorer.scenario import Scenarios


def check_settings(s: Mapping[str, Any]) -> None:
    if s["framing"] not in demo.FRAMINGS or not 1 <= s["labelled"] <= s["per_class"]:
        raise ValueError(f"not a demo collection: {dict(s)}")
    teach.check_methods(s["methods"])


SCENARIOS = Scenarios("archive", {
    # 3 categories × 30 photos, 5 of each labelled: the cross-validation is 5-fold on 15 images
    "shop": {"per_class": 30, "labelled": 5, "seed": 0, "framing": "varied", "methods": teach.METHODS},
}, validate=check_settings)
