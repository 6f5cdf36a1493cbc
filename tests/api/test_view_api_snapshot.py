"""Scripts keep working (issue 16): every ``api_name`` of the launched app, its parameters in order
(name, type, component, default) and what it returns are those recorded in
``tests/api/view_api_snapshot.json``, committed before the code was restructured. A deliberate
change of the API rewrites the file (``DLE_UPDATE_API_SNAPSHOT=1``) and shows in review.
Labels and examples are left out: they are the page's wording, not the script interface."""
from __future__ import annotations

import json
import os
from pathlib import Path

from tests.conftest import api_client

SNAPSHOT = Path(__file__).with_name("view_api_snapshot.json")


def summary(named: dict) -> dict:
    def param(p):
        return {"name": p["parameter_name"], "type": p["python_type"]["type"], "component": p["component"],
                "has_default": p["parameter_has_default"], "default": p.get("parameter_default")}

    return {name: {"parameters": [param(p) for p in ep["parameters"]],
                   "returns": [{"component": r["component"], "type": r["python_type"]["type"]}
                               for r in ep["returns"]]}
            for name, ep in sorted(named.items())}


def test_view_api_matches_the_snapshot(app_url):
    api = api_client(app_url).view_api(return_format="dict", print_info=False)
    assert api["unnamed_endpoints"] == {}, "every user action has an explicit api_name"
    now = summary(api["named_endpoints"])
    if os.environ.get("DLE_UPDATE_API_SNAPSHOT") == "1":
        SNAPSHOT.write_text(json.dumps(now, indent=1, ensure_ascii=False) + "\n")
    before = json.loads(SNAPSHOT.read_text())
    assert sorted(now) == sorted(before), (
        f"endpoints added: {sorted(set(now) - set(before))}; removed: {sorted(set(before) - set(now))}")
    changed = {k: {"before": before[k], "now": now[k]} for k in before if now[k] != before[k]}
    assert not changed, json.dumps(changed, indent=1, ensure_ascii=False)[:6000]
