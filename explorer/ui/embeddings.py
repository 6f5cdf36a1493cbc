"""The Embeddings tab: the map a network makes of 10,000 Fashion-MNIST test images (its
penultimate layer, the same network untrained, raw pixels, or the session's model) through UMAP,
PCA or t-SNE in 2-D or 3-D; a click on a point finds its nearest neighbours by cosine similarity;
and the map organising itself during training. The work is in ``explorer.embeddings.compute``;
pictures in ``explorer.embeddings.views``; the teaching scenarios in ``explorer.embeddings.scenarios``.
The user's own photos and sentences ("Mi archivo") are a tab of their own, ``explorer.ui.archive``,
drawn with this tab's map figures and its page script (:data:`PLOT_EVENTS_JS`).

An image of the user's (or one sent from another tab, the Adversarial tab's attacked image with its
original) is placed on the map: its vector from the map's network lands among its nearest neighbours.

Read top to bottom: the sprite behind the hover thumbnails, the handlers (module-level: a unit test
calls them with a ``SessionStore`` and a ``MapCache``), the section layouts, then their wiring.

API (gradio_client): ``/embedding_map``, ``/stop_map``, ``/neighbors``, ``/place_image``, ``/embedding_progress``,
``/embeddings_preset``.
"""
from __future__ import annotations

import atexit
import copy
import os
import shutil
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import gradio as gr
import numpy as np
import torch
from PIL import Image

from explorer import data, images, nets
from explorer.embeddings import compute as emb
from explorer.embeddings import views as ev
from explorer.embeddings.scenarios import SCENARIOS
from explorer.i18n import num, t
from explorer.plots import playable
from explorer.session import SessionStore
from explorer.train import views as train_view
from explorer.ui import inputs
from explorer.ui.common import (
    NEXT_SCENARIO,
    L,
    draw_events,
    float_in,
    friendly,
    int_in,
    session_key,
    shown_flag,
    user_error,
)
from explorer.ui.components import ImagePath, Number, OutputImage, Radio, Slider
from explorer.ui.wiring import HIDDEN, bind, lesson_handler, next_scenario_event

SOURCES = ("cnn", "untrained", "pixels", "session")
PROGRESS_RUNS = ("shipped", "session")  # the animation: the seeded run of `make assets`, or this session's
DEFAULT = dict(source="cnn", method="umap", dims=2, n_neighbors=15, min_dist=0.1)
K_DEFAULT = 8
MAP_CONCURRENCY = int(os.environ.get("DLE_MAP_CONCURRENCY", "1"))  # UMAP / t-SNE: seconds of CPU
MAP_QUEUE = dict(concurrency_limit=MAP_CONCURRENCY, concurrency_id="embedding_map")
_sprite_lock = threading.Lock()
# Session animations (one UMAP per snapshot) computed at once in the whole process; the shipped
# animation, instant, never waits behind them.
_progress_slots = threading.BoundedSemaphore(MAP_CONCURRENCY)

# Plotly's own events are not Gradio events: this script, run once when the page loads, listens on
# every plot inside an element with class "dle-map" — hovering shows the image under the pointer
# (from the sprite named in layout.meta), a click writes the point's image index into the hidden
# box "#<map id>-pick" and presses "#<map id>-go", which runs the neighbour query.
PLOT_EVENTS_JS = r"""
() => {
  const tip = document.createElement("div");
  tip.id = "dle-map-tip";
  tip.style.cssText = "position:fixed;z-index:1000;pointer-events:none;display:none;background:#fff;" +
    "border:1px solid #bbb;border-radius:6px;padding:4px;font:12px sans-serif;box-shadow:0 2px 6px #0003";
  document.body.appendChild(tip);
  const bind = (gd) => {
    if (!gd.on || gd.__dleBound === gd._fullLayout) return;
    gd.__dleBound = gd._fullLayout;
    if (gd.removeAllListeners) { gd.removeAllListeners("plotly_hover"); gd.removeAllListeners("plotly_unhover");
                                 gd.removeAllListeners("plotly_click"); }
    const host = gd.closest(".dle-map");
    gd.on("plotly_hover", (ev) => {
      const p = ev.points && ev.points[0]; const meta = (gd.layout && gd.layout.meta) || {};
      if (!p || !p.customdata) { return; }
      const [idx, pred, conf] = p.customdata;
      let img = "";
      if (meta.sprite) {
        const s = 3, c = meta.cols, tl = meta.tile, r = Math.floor(idx / c), col = idx % c;
        img = `<div style="width:${tl*s}px;height:${tl*s}px;background:url('${meta.sprite}') ` +
              `-${col*tl*s}px -${r*tl*s}px / ${c*tl*s}px auto no-repeat;image-rendering:pixelated"></div>`;
      } else if (meta.thumbs && meta.thumbs[idx]) {
        img = `<img src="${meta.thumbs[idx]}" style="max-width:96px;max-height:96px;display:block">`;
      }
      const names = meta.names || [];
      const label = p.data && p.data.name ? p.data.name.replace(/ \(.*\)$/, "") : "";
      const predTxt = names.length ? `${meta.pred_label || "→"}: ${names[pred] || ""} ${(100*conf).toFixed(0)} %` : "";
      tip.innerHTML = img + `<div>${meta.index_label || "#"} ${idx}</div>` +
        `<div><b>${label}</b></div><div>${predTxt}</div>`;
      const e = ev.event || {};
      tip.style.left = ((e.clientX || 0) + 14) + "px"; tip.style.top = ((e.clientY || 0) + 14) + "px";
      tip.style.display = "block";
    });
    gd.on("plotly_unhover", () => { tip.style.display = "none"; });
    gd.on("plotly_click", (ev) => {
      const p = ev.points && ev.points[0];
      if (!p || !p.customdata || !host) { return; }
      const box = document.querySelector(`#${host.id}-pick textarea, #${host.id}-pick input`);
      const go = document.querySelector(`#${host.id}-go`);
      if (!box || !go) { return; }
      box.value = String(Math.round(p.customdata[0]));
      box.dispatchEvent(new Event("input", { bubbles: true }));
      setTimeout(() => go.click(), 50);
    });
  };
  const scan = () => document.querySelectorAll(".dle-map .js-plotly-plot").forEach(bind);
  new MutationObserver(scan).observe(document.body, { childList: true, subtree: true });
  scan();
}
"""


_static: dict[str, Path] = {}


def _sprite_file() -> Path:
    """Where this process keeps the sprite: a private folder made once (mkdtemp: 0700, a fresh
    name), removed at exit. Only that one file is ever served."""
    with _sprite_lock:
        if "sprite" not in _static:
            folder = Path(tempfile.mkdtemp(prefix="dle-static-"))
            atexit.register(shutil.rmtree, folder, True)
            _static["sprite"] = ev.sprite_path(folder)
        return _static["sprite"]


def sprite_url() -> str | None:
    """The Fashion-MNIST test set as one PNG sprite for the hover thumbnails (built at first use);
    None when the data set is missing."""
    path = _sprite_file()
    with _sprite_lock:
        if not path.exists():
            try:
                ds = data.load("fashion")
            except data.DatasetMissing:
                return None
            ev.build_sprite(ds.test.images[:, 0].numpy(), path)
    return f"gradio_api/file={path}"


def static_paths() -> list[str]:
    """The files Gradio may serve without an upload: the sprite, and nothing else."""
    return [str(_sprite_file())]


def _no_progress(*_args, **_kw) -> None:
    return None




# ---- handlers: the map ----------------------------------------------------------------------------

@dataclass
class MapCache:
    """What the map's handlers keep between calls, for one app: the session model's vectors (the
    last few training runs) and each session's last computed map."""

    vectors: dict[tuple[str, int], tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=dict)
    maps: dict[str, tuple[tuple, np.ndarray, np.ndarray]] = field(default_factory=dict)  # session → its last map
    lock: threading.Lock = field(default_factory=threading.Lock)


def _check_source(source_v, lang: str) -> None:
    if source_v not in SOURCES:
        raise user_error(lang, "err_embeddings_source", value=str(source_v)[:40], choices=", ".join(SOURCES))


def _params(source_v, method_v, dims_v, nn_v, md_v, lang):
    _check_source(source_v, lang)
    if method_v not in emb.METHODS:
        raise user_error(lang, "err_embeddings_method", value=str(method_v)[:40])
    d = int_in(dims_v, 2, 3, lang, "embeddings_dims_label")
    nn_ = int_in(nn_v, *emb.N_NEIGHBORS, lang, "embeddings_n_neighbors")
    md = float_in(md_v, *emb.MIN_DIST, lang, "embeddings_min_dist")
    return source_v, method_v, d, nn_, md


def _session_vectors(store: SessionStore, cache: MapCache, lang, request):
    """The session model's vectors, predictions and confidences for the 10,000 test images,
    computed once per training run (a few seconds) and kept for the last few runs."""
    key = session_key(request)
    sess = store.get(key)
    if sess.model is None:
        raise user_error(lang, "err_no_session_model")
    if sess.params.get("dataset", "fashion") != "fashion":
        raise user_error(lang, "err_embeddings_session_dataset")
    ck = (key, sess.run_id)
    with cache.lock:
        hit = cache.vectors.get(ck)
    if hit is not None:
        return hit
    model = copy.deepcopy(sess.model).eval()  # the session's model may be training again
    X = emb.features("session", model=model)
    with torch.inference_mode():
        x = emb.test_images()
        prob = torch.cat([torch.softmax(model(x[i:i + 1000]), 1) for i in range(0, len(x), 1000)])
    conf, pred = prob.max(1)
    out = (X, pred.numpy().astype(np.int64), conf.numpy().astype(np.float32))
    with cache.lock:
        cache.vectors[ck] = out
        while len(cache.vectors) > 8:  # oldest first (dicts keep insertion order)
            cache.vectors.pop(next(iter(cache.vectors)))
    return out


def _features(store: SessionStore, cache: MapCache, source_v, lang, request):
    if source_v == "session":
        return _session_vectors(store, cache, lang, request)[0]
    return emb.features(source_v)


def _names(lang):
    return nets.shipped_cnn().class_names(lang)


def _map_coords(store: SessionStore, cache: MapCache, source_v, method_v, d, nn_, md, lang, request, progress,
                compute=True):
    """The map's coordinates and which test images they show (all 10,000, or t-SNE's sample):
    shipped when precomputed, else this session's last computed map with these settings, else
    computed now (unless not ``compute``: then None). Returns (coords, indices, computed)."""
    dm = emb.default_map()
    shipped = dm.params.get("umap", {})
    default_params = nn_ == shipped.get("n_neighbors", 15) and abs(md - shipped.get("min_dist", 0.1)) < 1e-9
    coords = dm.get(source_v, method_v, d) if source_v != "session" and (method_v == "pca" or default_params) \
        else None
    idx = np.arange(len(dm.labels))
    if coords is not None:
        return coords, idx, False
    key = session_key(request)
    run = store.get(key).run_id if source_v == "session" else None
    params = (source_v, method_v, d, nn_, round(md, 6), run)
    with cache.lock:
        hit = cache.maps.get(key)
    if hit is not None and hit[0] == params:
        return hit[1], hit[2], True
    if not compute:
        return None
    X = _features(store, cache, source_v, lang, request)
    if method_v == "tsne":  # t-SNE is slow: a seeded sample keeps it to seconds
        idx = emb.sample_indices(len(X), emb.TSNE_SAMPLE)
        X = X[idx]
    stop = store.get(key).new_run("embedding")
    phases = {"start": t(lang, "embeddings_phase_start"), "neighbors": t(lang, "embeddings_phase_neighbors"),
              "layout": t(lang, "embeddings_phase_layout"), "done": t(lang, "embeddings_phase_done")}
    coords = emb.project(X, method_v, d, nn_, md, seed=0, stop=stop,
                         progress=lambda f, ph: progress(f, desc=phases.get(ph, ph)))
    with cache.lock:
        cache.maps.pop(key, None)
        cache.maps[key] = (params, coords, idx)
        while len(cache.maps) > 32:  # oldest first: one map per session, for the last few sessions
            cache.maps.pop(next(iter(cache.maps)))
    return coords, idx, True


def _attack_pair(placed_v) -> float | None:
    """L∞ between the compared and the current image, in grey levels, when the current one is a
    slightly changed copy of the compared one (at most 64/255 per pixel, the Adversarial tab's
    largest ε): the original and its attacked version. None otherwise."""
    a, b = placed_v.get("image"), placed_v.get("compare")
    if a is None or b is None or placed_v.get("how") != "exact" or placed_v.get("compare_how") != "exact":
        return None
    linf = float(np.abs(np.asarray(a) - np.asarray(b)).max()) * 255
    return linf if 0.5 < linf <= 64.5 else None


def _landings(store: SessionStore, cache: MapCache, placed_v, source_v, coords, idx, lang,
              request) -> list[tuple[str, str, emb.Landing]]:
    """The placed images on this map: (role, caption, landing), the compared image first."""
    if not placed_v or placed_v.get("image") is None:
        return []
    X = _features(store, cache, source_v, lang, request)[idx]
    labels = emb.default_map().labels[idx]
    model = store.get(session_key(request)).model if source_v == "session" else None
    kk = int(placed_v.get("k", K_DEFAULT))
    pair = _attack_pair(placed_v)
    out = []
    if placed_v.get("compare") is not None:
        out.append(("compare", t(lang, "embeddings_place_original" if pair else "embeddings_place_kept"),
                    emb.land(placed_v["compare"], source_v, X, coords, labels, kk, model)))
    out.append(("image", t(lang, "embeddings_place_attacked" if pair else "embeddings_place_yours"),
                emb.land(placed_v["image"], source_v, X, coords, labels, kk, model)))
    return out


def _placed_summary(landings, idx) -> list[dict]:
    return [{"role": role, "caption": cap, "xy": [round(float(v), 4) for v in ld.xy],
             "neighbors": [int(idx[j]) for j in ld.neighbors],
             "cosine": [round(float(v), 6) for v in ld.similarities],
             "neighbor_labels": [int(v) for v in ld.neighbor_labels], "majority": ld.majority,
             "majority_count": ld.majority_count, "pred": ld.pred, "prob": round(float(ld.probs[ld.pred]), 6)}
            for role, cap, ld in landings]


def _map_status(lang, computed: bool, points: int, total: int, agree, errors_v, wrong: int, session: bool) -> str:
    """The line above the map: shipped or computed, sampled, its 5-NN agreement, the mistakes circled."""
    msg = t(lang, "embeddings_status_computed" if computed else "embeddings_status_shipped", n=num(lang, points))
    if points < total:
        msg += " " + t(lang, "embeddings_status_sample", n=num(lang, points), total=num(lang, total))
    if agree is not None:
        msg += " " + t(lang, "embeddings_status_agree", pct=num(lang, 100 * agree, 1))
    if errors_v:
        msg += " " + t(lang, "embeddings_status_errors", n=num(lang, wrong))
    if session:
        msg += " " + t(lang, "embeddings_status_session_pred")
    return msg


def _map_view(store: SessionStore, cache: MapCache, source_v, method_v, dims_v, nn_v, md_v, errors_v, placed_v,
              lang, request, progress):
    """The map (and the placed images on it): (status, figure, summary, landings, indices)."""
    source_v, method_v, d, nn_, md = _params(source_v, method_v, dims_v, nn_v, md_v, lang)
    dm = emb.default_map()
    coords, idx, computed = _map_coords(store, cache, source_v, method_v, d, nn_, md, lang, request, progress)
    names = _names(lang)
    pred, conf = (dm.pred, dm.conf) if source_v != "session" else _session_vectors(store, cache, lang, request)[1:]
    labels, pred, conf = dm.labels[idx], pred[idx], conf[idx]
    title = t(lang, "embeddings_map_title", source=t(lang, f"embeddings_src_{source_v}"),
              method=t(lang, f"embeddings_m_{method_v}"), d=d)
    fig = ev.map_figure(coords, labels, names, lang, title, pred, conf, bool(errors_v), sprite_url=sprite_url(),
                        indices=idx)
    landings = _landings(store, cache, placed_v, source_v, coords, idx, lang, request)
    if landings:
        ev.add_landings(fig, coords, landings, names, lang)
    agree = dm.params.get("knn_agreement", {}).get(source_v)
    if source_v == "session":  # measured now, on this model's vectors
        agree = emb.knn_agreement(_features(store, cache, source_v, lang, request), dm.labels, 5)
    msg = _map_status(lang, computed, len(coords), len(dm.labels), agree, errors_v, int((pred != labels).sum()),
                      source_v == "session")
    summary = {"source": source_v, "method": method_v, "dims": d, "n_neighbors": nn_, "min_dist": md,
               "precomputed": not computed, "points": len(coords), "indices": idx.tolist(),
               "coords": np.round(coords.astype(np.float64), 4).tolist(), "labels": labels.tolist(),
               "pred": pred.tolist(), "class_names": nets.shipped_cnn().class_names("en"),
               "knn5_agreement": agree}
    if landings:
        summary["placed"] = _placed_summary(landings, idx)
    return msg, fig, summary, landings, idx


@friendly
def embedding_map(store, cache, source_v, method_v, dims_v, nn_v, md_v, errors_v, placed_v,
                  lang, request: gr.Request, progress=gr.Progress()):
    """The map of the 10,000 Fashion-MNIST test images: ``source`` cnn (the shipped CNN's
    penultimate layer), untrained, pixels or session, projected by umap / pca / tsne into 2 or
    3 dimensions (UMAP's n_neighbors 2-200 and min_dist 0-1). The default maps are shipped
    precomputed; others are computed (UMAP ≈ 10 s, t-SNE about a minute). JSON: coordinates,
    labels and predictions, and the map's quality (5-NN label agreement in the original space);
    images this session placed with /place_image are drawn on it too ("placed")."""
    msg, fig, summary, _, _ = _map_view(store, cache, source_v, method_v, dims_v, nn_v, md_v, errors_v, placed_v,
                                        lang, request, progress)
    return msg, fig, summary


def needs_computing(source_v, method_v, dims_v, nn_v, md_v) -> bool:
    dm = emb.default_map()
    shipped = dm.params.get("umap", {})
    try:
        default_params = int(nn_v) == shipped.get("n_neighbors", 15) and \
            abs(float(md_v) - shipped.get("min_dist", 0.1)) < 1e-9
    except (TypeError, ValueError):
        return True
    return source_v == "session" or method_v == "tsne" or \
        (method_v == "umap" and not default_params) or dm.get(source_v, method_v, dims_v) is None


@friendly
def auto_map(store, cache, source_v, method_v, dims_v, nn_v, md_v, errors_v, placed_v, lang,
             request: gr.Request):
    """A change of source, method, dimensions or highlighting redraws at once when the map is
    shipped (or PCA); a map that takes seconds waits for the button, and the status says so."""
    if method_v != "pca" and needs_computing(source_v, method_v, dims_v, nn_v, md_v):
        key = "embeddings_press_draw_tsne" if method_v == "tsne" else "embeddings_press_draw"
        return t(lang, key), gr.skip(), gr.skip()
    return embedding_map(store, cache, source_v, method_v, dims_v, nn_v, md_v, errors_v, placed_v, lang, request,
                         progress=_no_progress)


def stop_map(store, request: gr.Request) -> None:
    """Stop this session's map being computed (UMAP or t-SNE: its worker process is ended)."""
    store.get(session_key(request)).cancel("embedding")


@friendly
def apply_preset(name, lang):
    """A teaching scenario's map settings (source, method, dimensions, UMAP's n_neighbors and
    min_dist, mistakes circled) and its lesson, whose numbers were measured with them."""
    p = SCENARIOS.get_checked(name)
    return (p["source"], p["method"], p["dims"], p["n_neighbors"], p["min_dist"], p["errors"],
            SCENARIOS.lesson(name, lang))


# ---- handlers: the neighbours of a map image ------------------------------------------------------

@friendly
def neighbors(store, cache, source_v, index_v, k_v, lang, request: gr.Request):
    """The ``k`` (1-30) nearest neighbours of test image ``index`` (0-9999) by cosine
    similarity in the chosen source's original embedding space (not on the 2-D map), as a strip
    of images with their classes and similarities. JSON: indices, similarities, labels."""
    _check_source(source_v, lang)
    i = int_in(index_v, 0, 9999, lang, "embeddings_pick_label")
    kk = int_in(k_v, 1, 30, lang, "embeddings_k_label")
    X = _features(store, cache, source_v, lang, request)
    idx, sims = emb.neighbors(X, i, kk)
    dm = emb.default_map()
    names = _names(lang)
    imgs = data.load("fashion").test.images[:, 0].numpy()

    def img(j):
        return Image.fromarray(255 - imgs[j], mode="L")

    tiles = [(img(j), names[dm.labels[j]], float(s), dm.labels[j] == dm.labels[i]) for j, s in zip(idx, sims)]
    same = sum(1 for *_, ok in tiles if ok)
    msg = t(lang, "embeddings_nb_status", i=i, label=names[dm.labels[i]], same=same, k=kk,
            source=t(lang, f"embeddings_src_{source_v}"))
    summary = {"source": source_v, "index": i, "label": int(dm.labels[i]), "k": kk,
               "neighbors": [int(j) for j in idx], "cosine": [round(float(s), 6) for s in sims],
               "labels": [int(dm.labels[j]) for j in idx], "same_class": same}
    return msg, ev.neighbours_strip(img(i), names[dm.labels[i]], tiles, lang), summary


def example_neighbors(store, cache, source_v, index_v, k_v, lang, placed_v,
                      request: gr.Request):
    """The tab's first view: the chosen image's neighbours, unless an image has been placed
    (sent from another tab): the strip then keeps that image's neighbours."""
    if placed_v:
        return gr.skip(), gr.skip(), gr.skip()
    return neighbors(store, cache, source_v, index_v, k_v, lang, request)


# ---- handlers: an image of the user's placed on the map -------------------------------------------

def _place_text(landings, placed_v, source_v, lang) -> str:
    names = _names(lang)
    net = t(lang, "embeddings_place_net_session" if source_v == "session" else "embeddings_place_net_shipped")
    lines = []
    for _role, cap, ld in landings:
        lines.append(t(lang, "embeddings_place_line", caption=cap, near=names[ld.majority], count=ld.majority_count,
                       k=len(ld.neighbors), source=t(lang, f"embeddings_src_{source_v}"),
                       cos=num(lang, float(ld.similarities[0]), 3), net=net, pred=names[ld.pred],
                       prob=num(lang, 100 * float(ld.probs[ld.pred]), 1)))
    linf = _attack_pair(placed_v)
    if linf is not None and len(landings) == 2:
        (_, _, a), (_, _, b) = landings
        key = "embeddings_place_pair_moved" if a.majority != b.majority else "embeddings_place_pair_stayed"
        lines.append(t(lang, key, linf=num(lang, linf, 0), before=names[a.majority], after=names[b.majority]))
    return "\n\n".join(lines)


def _neighbours_of_placed(x, ld, map_idx, lang) -> Image.Image:
    """The strip of a placed image (``x``, 1×28×28 in [0, 1]) and its neighbours on the map."""
    names = _names(lang)
    labels = emb.default_map().labels
    test = data.load("fashion").test.images[:, 0].numpy()
    query = Image.fromarray(255 - np.rint(x[0] * 255).astype(np.uint8), mode="L")
    tiles = [(Image.fromarray(255 - test[map_idx[j]], mode="L"), names[labels[map_idx[j]]], float(sv),
              labels[map_idx[j]] == ld.pred) for j, sv in zip(ld.neighbors, ld.similarities)]
    return ev.neighbours_strip(query, names[ld.pred], tiles, lang)


@friendly
def place_image(store, cache, src, smp, idx, up, sk, compare_v, source_v, method_v, dims_v,
                nn_v, md_v, errors_v, k_v, lang, request: gr.Request, progress=gr.Progress()):
    """Place an image on the map currently chosen (same parameters as /embedding_map): converted
    to 28×28 grey as the Fashion CNN expects (a dataset image, or an exact enlargement of one such
    as the Adversarial tab's attacked image, is taken pixel for pixel), its vector computed by the
    map's source network and put among its ``k`` (1-30) nearest map images (weighted mean of
    their positions). ``compare``: a second image drawn too (the original of an attacked image).
    Returns a text (the network's prediction, the neighbours' majority class, the top cosine
    similarity), the map with the images as stars and their neighbours ringed, the neighbour
    strip and a JSON summary."""
    kk = int_in(k_v, 1, 30, lang, "embeddings_k_label")
    img = images.load_input(src, smp, idx, up, sk)
    x, how = emb.fashion_input(img, from_dataset=src == "dataset")
    placed_v = {"image": x, "how": how, "k": kk, "compare": None, "compare_how": None}
    if compare_v:
        placed_v["compare"], placed_v["compare_how"] = emb.fashion_input(images.load(compare_v))
    _msg, fig, summary, landings, map_idx = _map_view(store, cache, source_v, method_v, dims_v, nn_v, md_v, errors_v,
                                                     placed_v, lang, request, progress)
    text = _place_text(landings, placed_v, summary["source"], lang)
    strip_img = _neighbours_of_placed(x, landings[-1][2], map_idx, lang)
    out = {k_: summary[k_] for k_ in ("source", "method", "dims", "n_neighbors", "min_dist", "precomputed")}
    out.update(k=kk, pixels=how, compare_pixels=placed_v["compare_how"], placed=summary["placed"],
               class_names=summary["class_names"], attack_linf_255=_attack_pair(placed_v))
    return text, fig, strip_img, out, placed_v


@friendly
def keep_image(store, src, smp, idx_v, up, sk, lang, request: gr.Request):
    """The image in the input as the one to compare with (a PNG in the session's private folder)."""
    img = images.load_input(src, smp, idx_v, up, sk)
    if max(img.size) <= 64:  # a 28×28 image: shown with visible pixels (emb.exact_gray28 still reads it)
        img = images.enlarge(img, 8)
    path = store.get(session_key(request)).workdir() / f"kept-{uuid.uuid4().hex[:12]}.png"
    img.save(path, format="PNG")
    return str(path)


@friendly
def place_text(store, cache, placed_v, source_v, method_v, dims_v, nn_v, md_v, lang,
               request: gr.Request):
    """After the map is redrawn (another source, the other language): the placed images' text for
    it, when the map is at hand (shipped or just computed); unchanged otherwise."""
    if not placed_v or placed_v.get("image") is None:
        return ""
    source_v, method_v, d, nn_, md = _params(source_v, method_v, dims_v, nn_v, md_v, lang)
    got = _map_coords(store, cache, source_v, method_v, d, nn_, md, lang, request, _no_progress, compute=False)
    if got is None:
        return gr.skip()
    coords, idx, _ = got
    return _place_text(_landings(store, cache, placed_v, source_v, coords, idx, lang, request), placed_v, source_v,
                       lang)


def show_compare(compare_v):
    return gr.Row(visible=bool(compare_v))


def unplace():
    """Nothing placed any more: the map without stars."""
    return None, None, ""


# ---- handlers: the map during training ------------------------------------------------------------

def _check_snapshots(sess, snaps, model, run_id, lang) -> None:
    """A translated error unless the session's latest run can be animated: a Fashion-MNIST run,
    finished, with at least two weight snapshots kept."""
    if model is None:
        raise user_error(lang, "err_embeddings_prog_no_run")
    if sess.params.get("dataset", "fashion") != "fashion":
        raise user_error(lang, "err_embeddings_prog_dataset")
    if sess.running or sess.snapshot_run != run_id:
        raise user_error(lang, "err_embeddings_prog_running")
    if not snaps:
        mb = train_view.state_bytes(model) / 2**20
        raise user_error(lang, "err_embeddings_prog_too_large", mb=num(lang, mb, 1),
                         limit=num(lang, train_view.SNAPSHOT_MAX_BYTES / 2**20))
    if len(snaps) < 2:
        raise user_error(lang, "err_embeddings_prog_short")


def _session_progress(store: SessionStore, lang, request, progress) -> tuple[emb.Frames, float | None]:
    """The animation of this session's latest Fashion-MNIST run (its weight snapshots, kept by
    ``train_view.run``) on the shipped animation's 2,000 images: computed once per run, then
    cached in the session. Returns the frames and the seconds it took (None when cached)."""
    sess = store.get(session_key(request))
    run_id = sess.snapshot_run  # read before the snapshots: a run starting meanwhile is caught below
    snaps, model = list(sess.snapshots), sess.model
    _check_snapshots(sess, snaps, model, run_id, lang)
    hit = sess.progress_frames.get(run_id)
    if hit is not None:
        return hit, None
    shipped = emb.progress_checkpoints()
    images = emb.test_images()[shipped.indices]  # the shipped animation's 2,000 images
    stop = sess.new_run("embedding_progress")
    n = len(snaps)
    with _progress_slots:
        t0 = time.perf_counter()
        fr = emb.progress_frames(
            snaps, images, shipped.labels, template=model, stop=stop,  # a copy per frame: model untouched
            progress=lambda f, _ph: progress(f, desc=t(lang, "embeddings_prog_computing",
                                                       frame=min(int(f * n) + 1, n), frames=n)))
        secs = time.perf_counter() - t0
    if sess.snapshot_run == run_id:
        sess.progress_frames = {run_id: fr}  # only the latest run's animation is kept
    return fr, secs


@friendly
def progress_view(store, run_v, lang, request: gr.Request, progress=gr.Progress()):
    """The map of the same 2,000 test images at several steps of a training run, animated; and
    the 5-NN label agreement and accuracy at each step. ``run``: "shipped" (a seeded run,
    precomputed) or "session" (this session's latest Fashion-MNIST run from /train: one UMAP per
    weight snapshot, a few seconds the first time, then cached)."""
    if run_v not in PROGRESS_RUNS:
        raise user_error(lang, "err_embeddings_prog_run", value=str(run_v)[:40])
    names = _names(lang)
    if run_v == "shipped":
        fr, secs = emb.progress_checkpoints(), None
    else:
        fr, secs = _session_progress(store, lang, request, progress)
    # its frames where the page script finds them: gr.Plot alone dropped them and ▶ did nothing
    fig = playable(ev.progress_figure(fr.steps, fr.coords, fr.labels, names, fr.agreement, fr.accuracy, lang))
    kw = dict(n=num(lang, fr.coords.shape[1]), frames=len(fr.steps),
              first=num(lang, 100 * float(fr.agreement[0]), 1), last=num(lang, 100 * float(fr.agreement[-1]), 1))
    if run_v == "shipped":
        msg = t(lang, "embeddings_prog_status", **kw)
    else:
        msg = t(lang, "embeddings_prog_status_session", steps=", ".join(num(lang, int(s)) for s in fr.steps), **kw)
    if secs is not None:
        msg += " " + t(lang, "embeddings_prog_computed", secs=num(lang, secs, 1))
    return msg, fig, ev.agreement_figure(fr.steps, fr.agreement, fr.accuracy, lang)


def stop_progress(store, run_v, request: gr.Request) -> None:
    """Choosing the shipped run stops this session's animation being computed at once (its
    request would otherwise finish before the shipped one is drawn)."""
    if run_v == "shipped":
        store.get(session_key(request)).cancel("embedding_progress")


# ---- layout: one builder per section ----------------------------------------------------------------

@dataclass
class MapUI:
    """The map section's components that its events read and write."""

    preset: gr.Dropdown
    next_preset: gr.Button
    lesson: gr.Markdown
    source: gr.Radio
    method: gr.Radio
    dims: gr.Radio
    n_neighbors: gr.Slider
    min_dist: gr.Slider
    errors: gr.Checkbox
    draw: gr.Button
    stop: gr.Button
    pick: gr.Number
    k: gr.Slider
    go: gr.Button
    inp: inputs.ImageInputs
    compare_row: gr.Row
    compare: gr.Image
    place: gr.Button
    pin: gr.Button
    unplace: gr.Button
    status: gr.Markdown
    place_status: gr.Markdown
    plot: gr.Plot
    nb_status: gr.Markdown
    strip: gr.Image
    map_json: gr.JSON
    nb_json: gr.JSON
    place_json: gr.JSON
    placed: gr.State

    @property
    def settings(self) -> list:
        """The map's settings, in the order /embedding_map takes them."""
        return [self.source, self.method, self.dims, self.n_neighbors, self.min_dist]


@dataclass
class ProgressUI:
    """The animation of the map during training."""

    plot: gr.Plot
    run: gr.Radio
    draw: gr.Button
    status: gr.Markdown
    agree: gr.Plot


def _scenario_controls() -> tuple[gr.Dropdown, gr.Button, gr.Markdown]:
    """The scenario dropdown, its "next" button (the presenter's "]" key presses it) and the lesson.
    Not ``wiring.scenario_picker``: that one lets unknown names through to the handler, where this
    dropdown keeps Gradio's own refusal of a name not in its choices (tests/api/test_embeddings_api.py)."""
    with gr.Row(equal_height=True):
        preset = gr.Dropdown([(L(sc.title_key), name) for name, sc in SCENARIOS.items()], value=None,
                             label=L("embeddings_scn_label"), info=L("embeddings_scn_info"),
                             elem_id="emb-preset", scale=4)
        next_preset = gr.Button(NEXT_SCENARIO, size="sm", elem_id="emb-next-preset", scale=0, min_width=40,
                                elem_classes=["dle-next-preset"])
    lesson = gr.Markdown(elem_id="emb-lesson")
    return preset, next_preset, lesson


def _map_settings() -> tuple:
    """Source, method, dimensions, UMAP's parameters, the mistakes checkbox, draw and stop."""
    source = gr.Radio([(L(f"embeddings_src_{s}"), s) for s in SOURCES], value=DEFAULT["source"],
                      label=L("embeddings_source_label"), elem_id="emb-source")
    method = gr.Radio([(L(f"embeddings_m_{m}"), m) for m in emb.METHODS], value=DEFAULT["method"],
                      label=L("embeddings_method_label"), info=L("embeddings_method_info"), elem_id="emb-method")
    dims = Radio([("2-D", 2), ("3-D", 3)], value=DEFAULT["dims"], label=L("embeddings_dims_label"),
                 elem_id="emb-dims")
    with gr.Accordion(L("embeddings_umap_params"), open=False):
        # elem_id: the key a shared link (and /share_link's parameter) names them by, which was their
        # label's translation key before issue 16; it stays so that links and scripts keep working
        n_neighbors = Slider(2, 200, value=DEFAULT["n_neighbors"], step=1, label=L("embeddings_n_neighbors"),
                             info=L("embeddings_n_neighbors_info"), elem_id="emb_n_neighbors")
        min_dist = Slider(0.0, 1.0, value=DEFAULT["min_dist"], step=0.01, label=L("embeddings_min_dist"),
                          info=L("embeddings_min_dist_info"), elem_id="emb_min_dist")
    errors = gr.Checkbox(False, label=L("embeddings_errors_label"), elem_id="emb-errors")
    with gr.Row():
        draw = gr.Button(L("embeddings_draw"), variant="primary", elem_id="emb-draw")
        stop = gr.Button(L("stop_button"), variant="stop", elem_id="emb-stop")
    return source, method, dims, n_neighbors, min_dist, errors, draw, stop


def _pick_controls() -> tuple[gr.Number, gr.Slider, gr.Button]:
    gr.Markdown(L("embeddings_pick_heading"))
    with gr.Row():
        # no minimum/maximum: out-of-range numbers get our translated message
        pick = Number(0, precision=0, label=L("embeddings_pick_label"), elem_id="emb-map-pick", scale=2)
        k = Slider(1, 30, value=K_DEFAULT, step=1, label=L("embeddings_k_label"), elem_id="emb-k", scale=2)
    go = gr.Button(L("embeddings_neighbours_run"), elem_id="emb-map-go")
    return pick, k, go


def _place_controls() -> tuple:
    """The image to place on the map, the image it is compared with, and the buttons."""
    gr.Markdown(L("embeddings_place_heading"))
    gr.Markdown(L("embeddings_place_intro"))
    inp = inputs.build("emb", "cat", "dataset")
    with gr.Row(visible=False, equal_height=True) as compare_row:
        # filled by the send-to bar (the original of an attacked image) or by "keep"
        compare = ImagePath(label=L("embeddings_compare_label"), interactive=False, elem_id="emb-compare",
                            height=140, format="png", scale=2)
    with gr.Row():
        place = gr.Button(L("embeddings_place_run"), variant="primary", elem_id="emb-place", scale=2)
        pin = gr.Button(L("embeddings_pin"), elem_id="emb-pin", scale=1, min_width=100)
        unplace_btn = gr.Button(L("embeddings_unplace"), elem_id="emb-unplace", scale=1, min_width=100)
    return inp, compare_row, compare, place, pin, unplace_btn


def _map_outputs() -> tuple:
    status = gr.Markdown(elem_id="emb-status")
    place_status = gr.Markdown(elem_id="emb-place-status")
    plot = gr.Plot(label=L("embeddings_map_label"), elem_id="emb-map", elem_classes=["dle-map"])
    nb_status = gr.Markdown(elem_id="emb-nb-status")
    strip = OutputImage(label=L("embeddings_strip_label"), interactive=False, elem_id="emb-strip",
                        buttons=["download"], format="png")
    with gr.Accordion(L("json_label"), open=False):
        map_json = gr.JSON(label="/embedding_map", elem_id="emb-map-json")
        nb_json = gr.JSON(label="/neighbors", elem_id="emb-nb-json")
        place_json = gr.JSON(label="/place_image", elem_id="emb-place-json")
    return status, place_status, plot, nb_status, strip, map_json, nb_json, place_json


def _map_layout() -> MapUI:
    placed = gr.State(None)  # the images placed on the map: {"image": (1, 28, 28), "compare": ..., "k": k}
    gr.Markdown(L("embeddings_intro"))
    with gr.Row(equal_height=False):
        with gr.Column(scale=1, min_width=300):
            scenario = _scenario_controls()
            settings = _map_settings()
            pick = _pick_controls()
            place = _place_controls()
        with gr.Column(scale=3):
            outputs = _map_outputs()
    return MapUI(*scenario, *settings, *pick, *place, *outputs, placed)


def _progress_layout() -> ProgressUI:
    gr.Markdown(L("embeddings_prog_heading"))
    gr.Markdown(L("embeddings_prog_intro"))
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            plot = gr.Plot(label=L("embeddings_prog_label"), elem_id="emb-progress")
        with gr.Column(scale=1, min_width=260):
            run = gr.Radio([(L(f"embeddings_prog_run_{r}"), r) for r in PROGRESS_RUNS], value="shipped",
                           label=L("embeddings_prog_run_label"), info=L("embeddings_prog_run_info"),
                           elem_id="emb-prog-run")
            draw = gr.Button(L("embeddings_prog_draw"), elem_id="emb-prog-draw")  # /embedding_progress
            status = gr.Markdown(elem_id="emb-prog-status")
            agree = gr.Plot(label=L("embeddings_prog_agree_label"), elem_id="emb-prog-agree")
    return ProgressUI(plot, run, draw, status, agree)


# ---- wiring ---------------------------------------------------------------------------------------

@dataclass
class MapEvents:
    """The map's handlers bound to the app's store and cache, with their inputs and outputs."""

    ui: MapUI
    store: SessionStore
    cache: MapCache
    lang: gr.Radio

    def __post_init__(self):
        ui, deps = self.ui, (self.store, self.cache)
        self.map, self.place_text = bind(embedding_map, *deps), bind(place_text, *deps)
        self.map_in = ui.settings + [ui.errors, ui.placed, self.lang]
        self.map_out = [ui.status, ui.plot, ui.map_json]
        self.ptext_in = [ui.placed] + ui.settings + [self.lang]
        self.place_in = ui.inp.components + [ui.compare] + ui.settings + [ui.errors, ui.k, self.lang]
        self.place_out = [ui.place_status, ui.plot, ui.strip, ui.place_json, ui.placed]
        self.nb_in, self.nb_out = [ui.source, ui.pick, ui.k, self.lang], [ui.nb_status, ui.strip, ui.nb_json]

    @property
    def drawn(self) -> dict:
        """How a (re)drawn map is shown: progress on the map, in the map's queue."""
        return dict(show_progress="full", show_progress_on=[self.ui.plot], **MAP_QUEUE)

    def redraw(self, event, **kw):
        """``event`` followed by the map drawn (not an endpoint) and the placed images' text."""
        return event.success(self.map, self.map_in, self.map_out, api_visibility="private", **self.drawn, **kw) \
            .success(self.place_text, self.ptext_in, [self.ui.place_status], api_visibility="private",
                     show_progress="hidden")


def _wire_map(ev_: MapEvents) -> None:
    ui, store, cache, lang = ev_.ui, ev_.store, ev_.cache, ev_.lang
    ui.draw.click(ev_.map, ev_.map_in, ev_.map_out, api_name="embedding_map", **ev_.drawn).success(
        ev_.place_text, ev_.ptext_in, [ui.place_status], api_visibility="private", show_progress="hidden")
    ui.stop.click(bind(stop_map, store), None, None, api_name="stop_map", queue=False)
    ui.go.click(bind(neighbors, store, cache), ev_.nb_in, ev_.nb_out, api_name="neighbors", show_progress="minimal",
                show_progress_on=[ui.nb_status])
    # (after the named map endpoint, which an unnamed use of its function would rename) a scenario
    # sets the controls, then draws its (shipped) map
    preset_out = ui.settings + [ui.errors, ui.lesson]
    ev_.redraw(ui.preset.input(apply_preset, [ui.preset, lang], preset_out, api_name="embeddings_preset",
                               show_progress="hidden"))
    ev_.redraw(next_scenario_event(ui.next_preset, ui.preset, SCENARIOS).then(
        apply_preset, [ui.preset, lang], preset_out, api_visibility="private", show_progress="hidden"))


def _wire_place(ev_: MapEvents) -> None:
    ui, place = ev_.ui, bind(place_image, ev_.store, ev_.cache)
    ui.place.click(place, ev_.place_in, ev_.place_out, api_name="place_image", **ev_.drawn)
    # an image chosen, drawn or sent from another tab (with, from the Adversarial tab, its original
    # into "compare") lands on the map at once; keeping it for comparison or removing it redraws too
    inputs.wire(ui.inp).success(place, ev_.place_in, ev_.place_out, api_visibility="undocumented", **ev_.drawn)
    ui.compare.change(show_compare, [ui.compare], [ui.compare_row], api_visibility="private", queue=False,
                      show_progress="hidden")
    ui.pin.click(bind(keep_image, ev_.store), ui.inp.components + [ev_.lang], [ui.compare], api_visibility="private",
                 show_progress="hidden").success(place, ev_.place_in, ev_.place_out, api_visibility="private",
                                                 **ev_.drawn)
    ui.unplace.click(unplace, None, [ui.compare, ui.placed, ui.place_status], api_visibility="private", queue=False,
                     show_progress="hidden").then(ev_.map, ev_.map_in, ev_.map_out, api_visibility="private",
                                                  **ev_.drawn)


def _wire_progress(ui: ProgressUI, store: SessionStore, lang: gr.Radio):
    """The animation's events; returns its bound handler, inputs and outputs (the first draw uses them)."""
    view = bind(progress_view, store)
    prog_in, prog_out = [ui.run, lang], [ui.status, ui.plot, ui.agree]
    ui.draw.click(view, prog_in, prog_out, api_name="embedding_progress", show_progress="full",
                  show_progress_on=[ui.plot])
    ui.run.input(bind(stop_progress, store), [ui.run], None, api_visibility="private", queue=False)
    ui.run.input(view, prog_in, prog_out, trigger_mode="always_last", show_progress="full",
                 show_progress_on=[ui.plot], api_visibility="undocumented")
    return view, prog_in, prog_out


def _wire_auto_map(ev_: MapEvents) -> None:
    """Instant choices redraw at once; UMAP with other parameters and t-SNE wait for the button."""
    ui = ev_.ui
    gr.on([ui.source.input, ui.method.input, ui.dims.input, ui.errors.input], bind(auto_map, ev_.store, ev_.cache),
          ev_.map_in, ev_.map_out, trigger_mode="always_last", api_visibility="undocumented", **ev_.drawn).success(
        ev_.place_text, ev_.ptext_in, [ui.place_status], api_visibility="private", show_progress="hidden")
    ui.pick.submit(bind(neighbors, ev_.store, ev_.cache), ev_.nb_in, ev_.nb_out, **HIDDEN)


def _wire_first_draw(tab: gr.Tab, shown: gr.Checkbox, ev_: MapEvents, progress: tuple) -> None:
    """The tab's views, drawn the first time it is opened and again on every language switch."""
    ui, lang = ev_.ui, ev_.lang
    view, prog_in, prog_out = progress
    examples = bind(example_neighbors, ev_.store, ev_.cache)
    for event in draw_events(tab, shown, lang):
        drawn = event.success(ev_.map, ev_.map_in, ev_.map_out, **HIDDEN, **MAP_QUEUE)
        drawn.success(view, prog_in, prog_out, **HIDDEN)
        drawn.success(examples, ev_.nb_in + [ui.placed], ev_.nb_out, **HIDDEN)
        event.success(ev_.place_text, ev_.ptext_in, [ui.place_status], api_visibility="private",
                      show_progress="hidden")
        event.success(lesson_handler(SCENARIOS), [ui.preset, lang], [ui.lesson], api_visibility="private",
                      show_progress="hidden")


def build(store: SessionStore, lang: gr.Radio) -> inputs.ImageInputs:
    """The tab: the map (scenarios, settings, neighbours, a placed image), then the map during training."""
    with gr.Tab(L("tab_embeddings"), id="embeddings", elem_id="tab-embeddings") as tab:
        shown = shown_flag()
        ui = _map_layout()
        prog = _progress_layout()
    events = MapEvents(ui, store, MapCache(), lang)
    _wire_map(events)
    _wire_place(events)
    progress = _wire_progress(prog, store, lang)
    _wire_auto_map(events)
    _wire_first_draw(tab, shown, events, progress)
    ui.inp.companion = ui.compare  # the send-to bar fills it with the original of an attacked image
    return ui.inp
