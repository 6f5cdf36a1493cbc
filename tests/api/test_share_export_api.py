"""The classroom header over the API: /share_link puts the open tab's changed settings in the link
(and only valid ones), /export_html writes the tab's figures into one offline HTML page."""
import base64
import json
import re
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import numpy as np
import pytest
from gradio_client.exceptions import AppError

from tests.conftest import api_client as client

pytestmark = pytest.mark.slow

ANIMAL = "The animal didn't cross the street because it was too tired"
PLOTS = ["att_head_view", "att_matrix", "att_row", "att_heads", "att_token_heads", "att_rollout", "att_rollout_row"]


def link(out) -> str:
    """The address in /share_link's answer (the link box, made visible: an update)."""
    return out[0]["value"] if isinstance(out[0], dict) else out[0]


def test_share_link_carries_changed_valid_settings(app_url):
    c = client(app_url)
    out = c.predict(lang_v="es", presenter_v=False, href="http://127.0.0.1:7860/?tab=attention",
                    attention_att_layer=2, attention_att_head="mean", attention_att_text="A cat & a dog",
                    attention_att_unit="pieces", attention_vit_layer=4,  # the default: left out
                    api_name="/share_link")
    q = dict(parse_qsl(urlsplit(link(out)).query))
    assert q == {"tab": "attention", "lang": "es", "att-layer": "2", "att-head": "mean", "att-text": "A cat & a dog",
                 "att-unit": "pieces"}
    # values a link could not restore never reach it (Gradio itself refuses an out-of-range slider
    # or an unknown choice); another tab's settings neither
    out = c.predict(lang_v="en", presenter_v=False, href="http://127.0.0.1:7860/?tab=attention",
                    attention_att_layer=2.5, attention_att_text="x" * 600, diffusion_dif_t=500, api_name="/share_link")
    assert dict(parse_qsl(urlsplit(link(out)).query)) == {"tab": "attention", "lang": "en"}


def test_export_html_of_the_attention_tab(app_url):
    c = client(app_url)
    views = c.predict(ANIMAL, "words", 4, 1, None, "es", "minilm", api_name="/attention_text")
    plots = dict(zip(PLOTS, views[2:9]))
    assert all(p and p.get("type") == "plotly" for p in plots.values()), [type(p) for p in plots.values()]
    out = c.predict(lang_v="es", href="http://127.0.0.1:7860/?tab=attention",
                    **{f"attention_{k}": v for k, v in plots.items()},
                    api_name="/export_html")
    path = Path(out[-1]["value"])  # the file component, made visible
    assert re.fullmatch(r"deep-learning-explorer-attention-\d{4}-\d\d-\d\d-\d{4}\.html", path.name)
    page = path.read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]+src=", page)  # plotly.js is inside: it opens offline
    assert page.count("Plotly.newPlot(") == 7
    assert re.search(r"<title>Atención · Deep Learning Explorer · \d\d/\d\d/\d{4} \d\d:\d\d</title>", page)
    assert "<h2>Matriz de atención" in page and "<h2>Vista de cabeza" in page
    # the figures' data: the matrix figure (2nd) holds the attention matrix the tab computed
    calls = dict(re.findall(r'Plotly\.newPlot\(\s*"figure-(\d)",\s*(\[.*?\]),\s*\{', page, re.S))
    z = next(t for t in json.loads(calls["2"]) if t.get("type") == "heatmap")["z"]
    m = np.array(views[9]["matrix"])
    if isinstance(z, dict):  # Plotly's typed-array encoding: base64 of the raw numbers
        z = np.frombuffer(base64.b64decode(z["bdata"]), dtype=z["dtype"])
    np.testing.assert_allclose(np.asarray(z, dtype=float).reshape(m.shape), m, atol=1e-3)


def test_export_of_a_tab_with_no_figure_yet_says_so(app_url):
    c = client(app_url)
    with pytest.raises(AppError, match="no muestra todavía ninguna figura"):
        c.predict(lang_v="es", href="http://127.0.0.1:7860/?tab=diffusion", api_name="/export_html")
    with pytest.raises(AppError, match="shows no figure to export yet"):
        c.predict(lang_v="en", href="http://127.0.0.1:7860/", api_name="/export_html")


def test_a_page_without_a_link_runs_only_light_events_at_load(served):
    """Every input and output of an event the page has run gets a loading status that the browser
    refreshes, by a walk of the whole component tree, at every later event (Gradio 6). What a page
    load runs must therefore touch few components: the link's restore (154 settings) runs only when
    the address has a query, through the hidden box the load fills with it."""
    cfg = served.get_config_file()
    ids = {c["id"]: c for c in cfg["components"]}
    on_load = [d for d in cfg["dependencies"] if any(t[1] == "load" for t in d["targets"])]
    assert on_load
    for d in on_load:
        assert len(d["inputs"]) + len(d["outputs"]) <= 3, (d.get("api_name"), d["js"] and d["js"][:60])
    query_box = next(c["id"] for c in ids.values() if c.get("props", {}).get("elem_id") == "dle-query")
    restore = [d for d in cfg["dependencies"] if [query_box, "change"] in [list(t) for t in d["targets"]]]
    assert len(restore) == 1 and restore[0]["backend_fn"] and len(restore[0]["outputs"]) >= 4
    assert any(d["outputs"] == [query_box] and "location.search" in (d["js"] or "") for d in on_load)
