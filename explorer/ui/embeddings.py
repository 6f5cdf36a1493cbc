"""The Embeddings tab: the map a network makes of 10,000 Fashion-MNIST test images (its
penultimate layer, the same network untrained, raw pixels, or the session's model) through UMAP,
PCA or t-SNE in 2-D or 3-D; a click on a point finds its nearest neighbours by cosine similarity;
the map organising itself during training; and "Mi archivo": the user's own photos or sentences.
The work is in ``explorer.embeddings.compute`` and ``explorer.archive.compute``; pictures in
``explorer.embeddings.views``.

An image of the user's (or one sent from another tab, the Adversarial tab's attacked image with its
original) is placed on the map: its vector from the map's network lands among its nearest neighbours.

API (gradio_client): ``/embedding_map``, ``/stop_map``, ``/neighbors``, ``/place_image``, ``/embedding_progress``,
``/archive``, ``/archive_similar``, ``/archive_text``.
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
from pathlib import Path

import gradio as gr
import numpy as np
import torch
from PIL import Image

from explorer import data, images, nets
from explorer.archive import compute as archive
from explorer.embeddings import compute as emb
from explorer.embeddings import views as ev
from explorer.i18n import num, t
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
    lang_of,
    next_scenario,
    scenario_lesson,
    scenario_settings,
    session_key,
    shown_flag,
    user_error,
)
from explorer.ui.components import ImagePath, Number, OutputImage, Radio, Slider

SOURCES = ("cnn", "untrained", "pixels", "session")
PROGRESS_RUNS = ("shipped", "session")  # the animation: the seeded run of `make assets`, or this session's
DEFAULT = dict(source="cnn", method="umap", dims=2, n_neighbors=15, min_dist=0.1)
K_DEFAULT = 8
MAP_CONCURRENCY = int(os.environ.get("DLE_MAP_CONCURRENCY", "1"))  # UMAP / t-SNE: seconds of CPU
ARCHIVE_CONCURRENCY = int(os.environ.get("DLE_ARCHIVE_CONCURRENCY", "1"))
# A small archive's catalogue, in both languages, for the text map and search.
TEXT_EXAMPLE = [
    "Carta de un emigrante a su familia desde Buenos Aires, 1912.",
    "Letter from an emigrant to his family in Galicia, written in Buenos Aires.",
    "Fotografía de la inauguración del puerto, con autoridades y público.",
    "Photograph of the harbour opening ceremony with officials and a crowd.",
    "Plano de la ciudad con el ensanche proyectado.",
    "Map of the town showing the planned extension of the streets.",
    "Libro de cuentas de una tienda de ultramarinos.",
    "Account book of a grocery shop, 1920-1935.",
    "Cartel de las fiestas patronales con programa de actos.",
    "Poster announcing the summer festival and its programme.",
]
TEXT_QUERY = "emigration letters"
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
      tip.innerHTML = img + `<div>${meta.index_label || "#"} ${idx}</div><div><b>${label}</b></div><div>${predTxt}</div>`;
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


def build(store: SessionStore, lang: gr.Radio) -> inputs.ImageInputs:
    with gr.Tab(L("tab_embeddings"), id="embeddings", elem_id="tab-embeddings") as tab:
        shown = shown_flag()
        placed = gr.State(None)  # the images placed on the map: {"image": (1, 28, 28), "compare": ..., "k": k}
        gr.Markdown(L("emb_intro"))
        with gr.Row(equal_height=False):
            with gr.Column(scale=1, min_width=300):
                with gr.Row(equal_height=True):
                    preset = gr.Dropdown([(L(f"emb_preset_{k}"), k) for k in emb.PRESETS], value=None,
                                         label=L("emb_preset_label"), info=L("emb_preset_info"),
                                         elem_id="emb-preset", scale=4)
                    next_preset = gr.Button(NEXT_SCENARIO, size="sm", elem_id="emb-next-preset", scale=0, min_width=40,
                                            elem_classes=["dle-next-preset"])
                lesson = gr.Markdown(elem_id="emb-lesson")
                source = gr.Radio([(L(f"emb_src_{s}"), s) for s in SOURCES], value=DEFAULT["source"],
                                  label=L("emb_source_label"), elem_id="emb-source")
                method = gr.Radio([(L(f"emb_m_{m}"), m) for m in emb.METHODS], value=DEFAULT["method"],
                                  label=L("emb_method_label"), info=L("emb_method_info"), elem_id="emb-method")
                dims = Radio([("2-D", 2), ("3-D", 3)], value=DEFAULT["dims"], label=L("emb_dims_label"),
                                elem_id="emb-dims")
                with gr.Accordion(L("emb_umap_params"), open=False):
                    n_neighbors = Slider(2, 200, value=DEFAULT["n_neighbors"], step=1,
                                            label=L("emb_n_neighbors"), info=L("emb_n_neighbors_info"))
                    min_dist = Slider(0.0, 1.0, value=DEFAULT["min_dist"], step=0.01, label=L("emb_min_dist"),
                                         info=L("emb_min_dist_info"))
                errors = gr.Checkbox(False, label=L("emb_errors_label"), elem_id="emb-errors")
                with gr.Row():
                    draw = gr.Button(L("emb_draw"), variant="primary", elem_id="emb-draw")
                    map_stop = gr.Button(L("stop_button"), variant="stop", elem_id="emb-stop")
                gr.Markdown(L("emb_pick_heading"))
                with gr.Row():
                    # no minimum/maximum: out-of-range numbers get our translated message
                    pick = Number(0, precision=0, label=L("emb_pick_label"), elem_id="emb-map-pick", scale=2)
                    k = Slider(1, 30, value=K_DEFAULT, step=1, label=L("emb_k_label"), elem_id="emb-k", scale=2)
                go = gr.Button(L("emb_neighbours_run"), elem_id="emb-map-go")
                gr.Markdown(L("emb_place_heading"))
                gr.Markdown(L("emb_place_intro"))
                inp = inputs.build("emb", "cat", "dataset")
                with gr.Row(visible=False, equal_height=True) as compare_row:
                    # filled by the send-to bar (the original of an attacked image) or by "keep"
                    compare = ImagePath(label=L("emb_compare_label"), interactive=False, elem_id="emb-compare",
                                        height=140, format="png", scale=2)
                with gr.Row():
                    place_btn = gr.Button(L("emb_place_run"), variant="primary", elem_id="emb-place", scale=2)
                    pin_btn = gr.Button(L("emb_pin"), elem_id="emb-pin", scale=1, min_width=100)
                    unplace_btn = gr.Button(L("emb_unplace"), elem_id="emb-unplace", scale=1, min_width=100)
            with gr.Column(scale=3):
                status = gr.Markdown(elem_id="emb-status")
                place_status = gr.Markdown(elem_id="emb-place-status")
                map_plot = gr.Plot(label=L("emb_map_label"), elem_id="emb-map", elem_classes=["dle-map"])
                nb_status = gr.Markdown(elem_id="emb-nb-status")
                strip = OutputImage(label=L("emb_strip_label"), interactive=False, elem_id="emb-strip",
                                    buttons=["download"], format="png")
                with gr.Accordion(L("json_label"), open=False):
                    map_json = gr.JSON(label="/embedding_map", elem_id="emb-map-json")
                    nb_json = gr.JSON(label="/neighbors", elem_id="emb-nb-json")
                    place_json = gr.JSON(label="/place_image", elem_id="emb-place-json")
        gr.Markdown(L("emb_prog_heading"))
        gr.Markdown(L("emb_prog_intro"))
        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                prog_plot = gr.Plot(label=L("emb_prog_label"), elem_id="emb-progress")
            with gr.Column(scale=1, min_width=260):
                prog_run = gr.Radio([(L(f"emb_prog_run_{r}"), r) for r in PROGRESS_RUNS], value="shipped",
                                    label=L("emb_prog_run_label"), info=L("emb_prog_run_info"),
                                    elem_id="emb-prog-run")
                prog_btn = gr.Button(L("emb_prog_draw"), elem_id="emb-prog-draw")  # /embedding_progress
                prog_status = gr.Markdown(elem_id="emb-prog-status")
                prog_agree = gr.Plot(label=L("emb_prog_agree_label"), elem_id="emb-prog-agree")

        gr.Markdown(L("emb_arch_heading"))
        gr.Markdown(L("emb_arch_intro"))
        with gr.Row(equal_height=False):
            with gr.Column(scale=1, min_width=300):
                files = gr.File(file_count="multiple", file_types=[".zip", "image"], type="filepath",
                                label=L("emb_arch_files"), elem_id="arch-files", height=140)
                threshold = Slider(0.8, 0.99, value=0.95, step=0.01, label=L("emb_arch_threshold"),
                                      info=L("emb_arch_threshold_info"), elem_id="arch-threshold")
                with gr.Row():
                    arch_run = gr.Button(L("emb_arch_run"), variant="primary", elem_id="arch-run")
                    arch_stop = gr.Button(L("stop_button"), variant="stop", elem_id="arch-stop")
                gr.Markdown(L("emb_arch_pick_heading"))
                with gr.Row():
                    arch_pick = Number(0, precision=0, label=L("emb_arch_pick"), elem_id="arch-map-pick", scale=2)
                    arch_k = Slider(1, 20, value=6, step=1, label=L("emb_k_label"), scale=2)
                arch_go = gr.Button(L("emb_arch_similar"), elem_id="arch-map-go")
                csv_file = gr.File(label=L("emb_arch_csv"), interactive=False, elem_id="arch-csv")
            with gr.Column(scale=3):
                arch_status = gr.Markdown(elem_id="arch-status")
                arch_plot = gr.Plot(label=L("emb_arch_map_label"), elem_id="arch-map", elem_classes=["dle-map"])
                arch_strip = OutputImage(label=L("emb_arch_strip_label"), interactive=False, elem_id="arch-strip",
                                         buttons=["download"], format="png")
                arch_dups = gr.Markdown(elem_id="arch-dups")
                arch_table = gr.Dataframe(headers=["file", "tags"], interactive=False, elem_id="arch-tags",
                                          label=L("emb_arch_tags_label"), max_height=320, wrap=True)
                with gr.Accordion(L("json_label"), open=False):
                    arch_json = gr.JSON(label="/archive", elem_id="arch-json")
                    sim_json = gr.JSON(label="/archive_similar", elem_id="arch-sim-json")
        gr.Markdown(L("emb_text_heading"))
        with gr.Row(equal_height=False):
            with gr.Column(scale=1, min_width=300):
                lines = gr.Textbox("\n".join(TEXT_EXAMPLE), lines=10, max_lines=20, label=L("emb_text_lines"),
                                   info=L("emb_text_lines_info"), elem_id="arch-lines")
                query = gr.Textbox(TEXT_QUERY, label=L("emb_text_query"), elem_id="arch-query")
                text_run = gr.Button(L("emb_text_run"), variant="primary", elem_id="arch-text-run")
            with gr.Column(scale=3):
                text_status = gr.Markdown(elem_id="arch-text-status")
                text_plot = gr.Plot(label=L("emb_text_map_label"), elem_id="arch-text-map")
                text_hits = gr.Dataframe(headers=["#", "cos", "text"], interactive=False, elem_id="arch-text-hits",
                                         label=L("emb_text_hits_label"), wrap=True)
                with gr.Accordion(L("json_label"), open=False):
                    text_json = gr.JSON(label="/archive_text", elem_id="arch-text-json")

    # ---- handlers -------------------------------------------------------------------------------

    def _params(source_v, method_v, dims_v, nn_v, md_v, lang):
        if source_v not in SOURCES:
            raise user_error(lang, "err_emb_source", value=str(source_v)[:40], choices=", ".join(SOURCES))
        if method_v not in emb.METHODS:
            raise user_error(lang, "err_emb_method", value=str(method_v)[:40])
        d = int_in(dims_v, 2, 3, lang, "emb_dims_label")
        nn_ = int_in(nn_v, *emb.N_NEIGHBORS, lang, "emb_n_neighbors")
        md = float_in(md_v, *emb.MIN_DIST, lang, "emb_min_dist")
        return source_v, method_v, d, nn_, md

    session_cache: dict[tuple[str, int], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    cache_lock = threading.Lock()

    def _session_vectors(lang, request):
        """The session model's vectors, predictions and confidences for the 10,000 test images,
        computed once per training run (a few seconds) and kept for the last few runs."""
        key = session_key(request)
        sess = store.get(key)
        if sess.model is None:
            raise user_error(lang, "err_no_session_model")
        if sess.params.get("dataset", "fashion") != "fashion":
            raise user_error(lang, "err_emb_session_dataset")
        ck = (key, sess.run_id)
        with cache_lock:
            hit = session_cache.get(ck)
        if hit is not None:
            return hit
        model = copy.deepcopy(sess.model).eval()  # the session's model may be training again
        X = emb.features("session", model=model)
        with torch.inference_mode():
            x = emb.test_images()
            prob = torch.cat([torch.softmax(model(x[i:i + 1000]), 1) for i in range(0, len(x), 1000)])
        conf, pred = prob.max(1)
        out = (X, pred.numpy().astype(np.int64), conf.numpy().astype(np.float32))
        with cache_lock:
            session_cache[ck] = out
            while len(session_cache) > 8:  # oldest first (dicts keep insertion order)
                session_cache.pop(next(iter(session_cache)))
        return out

    def _features(source_v, lang, request):
        if source_v == "session":
            return _session_vectors(lang, request)[0]
        return emb.features(source_v)

    def _names(lang):
        return nets.shipped_cnn().class_names(lang)

    map_cache: dict[str, tuple[tuple, np.ndarray, np.ndarray]] = {}  # session → its last computed map

    def _map_coords(source_v, method_v, d, nn_, md, lang, request, progress, compute=True):
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
        with cache_lock:
            hit = map_cache.get(key)
        if hit is not None and hit[0] == params:
            return hit[1], hit[2], True
        if not compute:
            return None
        X = _features(source_v, lang, request)
        if method_v == "tsne":  # t-SNE cannot be stopped: a seeded sample keeps it to seconds
            idx = emb.sample_indices(len(X), emb.TSNE_SAMPLE)
            X = X[idx]
        stop = store.get(key).new_run("embedding")
        phases = {"start": t(lang, "emb_phase_start"), "neighbors": t(lang, "emb_phase_neighbors"),
                  "layout": t(lang, "emb_phase_layout"), "done": t(lang, "emb_phase_done")}
        coords = emb.project(X, method_v, d, nn_, md, seed=0, stop=stop,
                             progress=lambda f, ph: progress(f, desc=phases.get(ph, ph)))
        with cache_lock:
            map_cache.pop(key, None)
            map_cache[key] = (params, coords, idx)
            while len(map_cache) > 32:  # oldest first: one map per session, for the last few sessions
                map_cache.pop(next(iter(map_cache)))
        return coords, idx, True

    def _landings(placed_v, source_v, coords, idx, lang, request) -> list[tuple[str, str, emb.Landing]]:
        """The placed images on this map: (role, caption, landing), the compared image first."""
        if not placed_v or placed_v.get("image") is None:
            return []
        X = _features(source_v, lang, request)[idx]
        labels = emb.default_map().labels[idx]
        model = store.get(session_key(request)).model if source_v == "session" else None
        kk = int(placed_v.get("k", K_DEFAULT))
        pair = _attack_pair(placed_v)
        out = []
        if placed_v.get("compare") is not None:
            out.append(("compare", t(lang, "emb_place_original" if pair else "emb_place_kept"),
                        emb.land(placed_v["compare"], source_v, X, coords, labels, kk, model)))
        out.append(("image", t(lang, "emb_place_attacked" if pair else "emb_place_yours"),
                    emb.land(placed_v["image"], source_v, X, coords, labels, kk, model)))
        return out

    def _attack_pair(placed_v) -> float | None:
        """L∞ between the compared and the current image, in grey levels, when the current one is a
        slightly changed copy of the compared one (at most 64/255 per pixel, the Adversarial tab's
        largest ε): the original and its attacked version. None otherwise."""
        a, b = placed_v.get("image"), placed_v.get("compare")
        if a is None or b is None or placed_v.get("how") != "exact" or placed_v.get("compare_how") != "exact":
            return None
        linf = float(np.abs(np.asarray(a) - np.asarray(b)).max()) * 255
        return linf if 0.5 < linf <= 64.5 else None

    def _placed_summary(landings, idx) -> list[dict]:
        return [{"role": role, "caption": cap, "xy": [round(float(v), 4) for v in ld.xy],
                 "neighbors": [int(idx[j]) for j in ld.neighbors],
                 "cosine": [round(float(v), 6) for v in ld.similarities],
                 "neighbor_labels": [int(v) for v in ld.neighbor_labels], "majority": ld.majority,
                 "majority_count": ld.majority_count, "pred": ld.pred, "prob": round(float(ld.probs[ld.pred]), 6)}
                for role, cap, ld in landings]

    def _map_view(source_v, method_v, dims_v, nn_v, md_v, errors_v, placed_v, lang, request, progress):
        """The map (and the placed images on it): (status, figure, summary, landings, indices)."""
        source_v, method_v, d, nn_, md = _params(source_v, method_v, dims_v, nn_v, md_v, lang)
        dm = emb.default_map()
        coords, idx, computed = _map_coords(source_v, method_v, d, nn_, md, lang, request, progress)
        names = _names(lang)
        pred, conf = (dm.pred, dm.conf) if source_v != "session" else _session_vectors(lang, request)[1:]
        labels, pred, conf = dm.labels[idx], pred[idx], conf[idx]
        title = t(lang, "emb_map_title", source=t(lang, f"emb_src_{source_v}"), method=t(lang, f"emb_m_{method_v}"),
                  d=d)
        fig = ev.map_figure(coords, labels, names, lang, title, pred, conf, bool(errors_v), sprite_url=sprite_url(),
                            indices=idx)
        landings = _landings(placed_v, source_v, coords, idx, lang, request)
        if landings:
            ev.add_landings(fig, coords, landings, names, lang)
        agree = dm.params.get("knn_agreement", {}).get(source_v)
        if source_v == "session":  # measured now, on this model's vectors
            agree = emb.knn_agreement(_features(source_v, lang, request), dm.labels, 5)
            msg_model = t(lang, "emb_status_session_pred")
        else:
            msg_model = ""
        msg = t(lang, "emb_status_computed" if computed else "emb_status_shipped", n=num(lang, len(coords)))
        if len(coords) < len(dm.labels):
            msg += " " + t(lang, "emb_status_sample", n=num(lang, len(coords)), total=num(lang, len(dm.labels)))
        if agree is not None:
            msg += " " + t(lang, "emb_status_agree", pct=num(lang, 100 * agree, 1))
        if errors_v:
            msg += " " + t(lang, "emb_status_errors", n=num(lang, int((pred != labels).sum())))
        if msg_model:
            msg += " " + msg_model
        summary = {"source": source_v, "method": method_v, "dims": d, "n_neighbors": nn_, "min_dist": md,
                   "precomputed": not computed, "points": len(coords), "indices": idx.tolist(),
                   "coords": np.round(coords.astype(np.float64), 4).tolist(), "labels": labels.tolist(),
                   "pred": pred.tolist(), "class_names": nets.shipped_cnn().class_names("en"),
                   "knn5_agreement": agree}
        if landings:
            summary["placed"] = _placed_summary(landings, idx)
        return msg, fig, summary, landings, idx

    @friendly
    def embedding_map(source_v, method_v, dims_v, nn_v, md_v, errors_v, placed_v, lang, request: gr.Request,
                      progress=gr.Progress()):
        """The map of the 10,000 Fashion-MNIST test images: ``source`` cnn (the shipped CNN's
        penultimate layer), untrained, pixels or session, projected by umap / pca / tsne into 2 or
        3 dimensions (UMAP's n_neighbors 2-200 and min_dist 0-1). The default maps are shipped
        precomputed; others are computed (UMAP ≈ 10 s, t-SNE about a minute). JSON: coordinates,
        labels and predictions, and the map's quality (5-NN label agreement in the original space);
        images this session placed with /place_image are drawn on it too ("placed")."""
        lang = lang_of(lang)
        msg, fig, summary, _, _ = _map_view(source_v, method_v, dims_v, nn_v, md_v, errors_v, placed_v, lang,
                                            request, progress)
        return msg, fig, summary

    def _place_text(landings, placed_v, source_v, lang) -> str:
        names = _names(lang)
        net = t(lang, "emb_place_net_session" if source_v == "session" else "emb_place_net_shipped")
        lines = []
        for _role, cap, ld in landings:
            lines.append(t(lang, "emb_place_line", caption=cap, near=names[ld.majority], count=ld.majority_count,
                           k=len(ld.neighbors), source=t(lang, f"emb_src_{source_v}"),
                           cos=num(lang, float(ld.similarities[0]), 3), net=net, pred=names[ld.pred],
                           prob=num(lang, 100 * float(ld.probs[ld.pred]), 1)))
        linf = _attack_pair(placed_v)
        if linf is not None and len(landings) == 2:
            (_, _, a), (_, _, b) = landings
            key = "emb_place_pair_moved" if a.majority != b.majority else "emb_place_pair_stayed"
            lines.append(t(lang, key, linf=num(lang, linf, 0), before=names[a.majority], after=names[b.majority]))
        return "\n\n".join(lines)

    @friendly
    def place_image(src, smp, idx, up, sk, compare_v, source_v, method_v, dims_v, nn_v, md_v, errors_v, k_v,
                    lang, request: gr.Request, progress=gr.Progress()):
        """Place an image on the map currently chosen (same parameters as /embedding_map): converted
        to 28×28 grey as the Fashion CNN expects (a dataset image, or an exact enlargement of one such
        as the Adversarial tab's attacked image, is taken pixel for pixel), its vector computed by the
        map's source network and put among its ``k`` (1-30) nearest map images (weighted mean of
        their positions). ``compare``: a second image drawn too (the original of an attacked image).
        Returns a text (the network's prediction, the neighbours' majority class, the top cosine
        similarity), the map with the images as stars and their neighbours ringed, the neighbour
        strip and a JSON summary."""
        lang = lang_of(lang)
        kk = int_in(k_v, 1, 30, lang, "emb_k_label")
        img = images.load_input(src, smp, idx, up, sk)
        x, how = emb.fashion_input(img, from_dataset=src == "dataset")
        placed_v = {"image": x, "how": how, "k": kk, "compare": None, "compare_how": None}
        if compare_v:
            placed_v["compare"], placed_v["compare_how"] = emb.fashion_input(images.load(compare_v))
        _msg, fig, summary, landings, map_idx = _map_view(source_v, method_v, dims_v, nn_v, md_v, errors_v, placed_v,
                                                         lang, request, progress)
        text = _place_text(landings, placed_v, summary["source"], lang)
        ld = landings[-1][2]
        names = _names(lang)
        labels = emb.default_map().labels
        test = data.load("fashion").test.images[:, 0].numpy()
        query = Image.fromarray(255 - np.rint(x[0] * 255).astype(np.uint8), mode="L")
        tiles = [(Image.fromarray(255 - test[map_idx[j]], mode="L"), names[labels[map_idx[j]]], float(sv),
                  labels[map_idx[j]] == ld.pred) for j, sv in zip(ld.neighbors, ld.similarities)]
        strip_img = ev.neighbours_strip(query, names[ld.pred], tiles, lang)
        out = {k_: summary[k_] for k_ in ("source", "method", "dims", "n_neighbors", "min_dist", "precomputed")}
        out.update(k=kk, pixels=how, compare_pixels=placed_v["compare_how"], placed=summary["placed"],
                   class_names=summary["class_names"], attack_linf_255=_attack_pair(placed_v))
        return text, fig, strip_img, out, placed_v

    @friendly
    def keep_image(src, smp, idx_v, up, sk, lang, request: gr.Request):
        """The image in the input as the one to compare with (a PNG in the session's private folder)."""
        lang = lang_of(lang)
        img = images.load_input(src, smp, idx_v, up, sk)
        if max(img.size) <= 64:  # a 28×28 image: shown with visible pixels (emb.exact_gray28 still reads it)
            img = images.enlarge(img, 8)
        path = store.get(session_key(request)).workdir() / f"kept-{uuid.uuid4().hex[:12]}.png"
        img.save(path, format="PNG")
        return str(path)

    @friendly
    def place_text(placed_v, source_v, method_v, dims_v, nn_v, md_v, lang, request: gr.Request):
        """After the map is redrawn (another source, the other language): the placed images' text for
        it, when the map is at hand (shipped or just computed); unchanged otherwise."""
        lang = lang_of(lang)
        if not placed_v or placed_v.get("image") is None:
            return ""
        source_v, method_v, d, nn_, md = _params(source_v, method_v, dims_v, nn_v, md_v, lang)
        got = _map_coords(source_v, method_v, d, nn_, md, lang, request, _no_progress, compute=False)
        if got is None:
            return gr.skip()
        coords, idx, _ = got
        return _place_text(_landings(placed_v, source_v, coords, idx, lang, request), placed_v, source_v, lang)

    def example_neighbors(source_v, index_v, k_v, lang, placed_v, request: gr.Request):
        """The tab's first view: the chosen image's neighbours, unless an image has been placed
        (sent from another tab): the strip then keeps that image's neighbours."""
        if placed_v:
            return gr.skip(), gr.skip(), gr.skip()
        return neighbors(source_v, index_v, k_v, lang, request)

    @friendly
    def apply_preset(name, lang):
        """A teaching scenario's map settings (source, method, dimensions, UMAP's n_neighbors and
        min_dist, mistakes circled) and its lesson, whose numbers were measured with them."""
        lang = lang_of(lang)
        p = scenario_settings(emb.PRESETS, name, lang, "err_emb_preset")
        return (p["source"], p["method"], p["dims"], p["n_neighbors"], p["min_dist"], p["errors"],
                t(lang, f"emb_preset_{name}_lesson"))

    def lesson_text(name, lang):
        return scenario_lesson(emb.PRESETS, "emb_preset_{}_lesson", name, lang)

    def following_preset(name):
        return next_scenario(emb.PRESETS, name)

    def show_compare(compare_v):
        return gr.Row(visible=bool(compare_v))

    def unplace():
        """Nothing placed any more: the map without stars."""
        return None, None, ""

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
    def auto_map(source_v, method_v, dims_v, nn_v, md_v, errors_v, placed_v, lang, request: gr.Request):
        """A change of source, method, dimensions or highlighting redraws at once when the map is
        shipped (or PCA); a map that takes seconds waits for the button, and the status says so."""
        lang = lang_of(lang)
        if method_v != "pca" and needs_computing(source_v, method_v, dims_v, nn_v, md_v):
            key = "emb_press_draw_tsne" if method_v == "tsne" else "emb_press_draw"
            return t(lang, key), gr.skip(), gr.skip()
        return embedding_map(source_v, method_v, dims_v, nn_v, md_v, errors_v, placed_v, lang, request,
                             progress=_no_progress)

    @friendly
    def neighbors(source_v, index_v, k_v, lang, request: gr.Request):
        """The ``k`` (1-30) nearest neighbours of test image ``index`` (0-9999) by cosine
        similarity in the chosen source's original embedding space (not on the 2-D map), as a strip
        of images with their classes and similarities. JSON: indices, similarities, labels."""
        lang = lang_of(lang)
        if source_v not in SOURCES:
            raise user_error(lang, "err_emb_source", value=str(source_v)[:40], choices=", ".join(SOURCES))
        i = int_in(index_v, 0, 9999, lang, "emb_pick_label")
        kk = int_in(k_v, 1, 30, lang, "emb_k_label")
        X = _features(source_v, lang, request)
        idx, sims = emb.neighbors(X, i, kk)
        dm = emb.default_map()
        names = _names(lang)
        imgs = data.load("fashion").test.images[:, 0].numpy()

        def img(j):
            return Image.fromarray(255 - imgs[j], mode="L")

        tiles = [(img(j), names[dm.labels[j]], float(s), dm.labels[j] == dm.labels[i]) for j, s in zip(idx, sims)]
        same = sum(1 for *_, ok in tiles if ok)
        msg = t(lang, "emb_nb_status", i=i, label=names[dm.labels[i]], same=same, k=kk,
                source=t(lang, f"emb_src_{source_v}"))
        summary = {"source": source_v, "index": i, "label": int(dm.labels[i]), "k": kk,
                   "neighbors": [int(j) for j in idx], "cosine": [round(float(s), 6) for s in sims],
                   "labels": [int(dm.labels[j]) for j in idx], "same_class": same}
        return msg, ev.neighbours_strip(img(i), names[dm.labels[i]], tiles, lang), summary

    def _session_progress(lang, request, progress) -> tuple[emb.Frames, float | None]:
        """The animation of this session's latest Fashion-MNIST run (its weight snapshots, kept by
        ``train_view.run``) on the shipped animation's 2,000 images: computed once per run, then
        cached in the session. Returns the frames and the seconds it took (None when cached)."""
        sess = store.get(session_key(request))
        run_id = sess.snapshot_run  # read before the snapshots: a run starting meanwhile is caught below
        snaps, model = list(sess.snapshots), sess.model
        if model is None:
            raise user_error(lang, "err_emb_prog_no_run")
        if sess.params.get("dataset", "fashion") != "fashion":
            raise user_error(lang, "err_emb_prog_dataset")
        if sess.running or sess.snapshot_run != run_id:
            raise user_error(lang, "err_emb_prog_running")
        if not snaps:
            mb = train_view.state_bytes(model) / 2**20
            raise user_error(lang, "err_emb_prog_too_large", mb=num(lang, mb, 1),
                             limit=num(lang, train_view.SNAPSHOT_MAX_BYTES / 2**20))
        if len(snaps) < 2:
            raise user_error(lang, "err_emb_prog_short")
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
                progress=lambda f, _ph: progress(f, desc=t(lang, "emb_prog_computing",
                                                           frame=min(int(f * n) + 1, n), frames=n)))
            secs = time.perf_counter() - t0
        if sess.snapshot_run == run_id:
            sess.progress_frames = {run_id: fr}  # only the latest run's animation is kept
        return fr, secs

    @friendly
    def progress_view(run_v, lang, request: gr.Request, progress=gr.Progress()):
        """The map of the same 2,000 test images at several steps of a training run, animated; and
        the 5-NN label agreement and accuracy at each step. ``run``: "shipped" (a seeded run,
        precomputed) or "session" (this session's latest Fashion-MNIST run from /train: one UMAP per
        weight snapshot, a few seconds the first time, then cached)."""
        lang = lang_of(lang)
        if run_v not in PROGRESS_RUNS:
            raise user_error(lang, "err_emb_prog_run", value=str(run_v)[:40])
        names = _names(lang)
        if run_v == "shipped":
            fr, secs = emb.progress_checkpoints(), None
        else:
            fr, secs = _session_progress(lang, request, progress)
        fig = ev.progress_figure(fr.steps, fr.coords, fr.labels, names, fr.agreement, fr.accuracy, lang)
        kw = dict(n=num(lang, fr.coords.shape[1]), frames=len(fr.steps),
                  first=num(lang, 100 * float(fr.agreement[0]), 1), last=num(lang, 100 * float(fr.agreement[-1]), 1))
        if run_v == "shipped":
            msg = t(lang, "emb_prog_status", **kw)
        else:
            msg = t(lang, "emb_prog_status_session", steps=", ".join(num(lang, int(s)) for s in fr.steps), **kw)
        if secs is not None:
            msg += " " + t(lang, "emb_prog_computed", secs=num(lang, secs, 1))
        return msg, fig, ev.agreement_figure(fr.steps, fr.agreement, fr.accuracy, lang)

    def stop_map(request: gr.Request) -> None:
        """Stop this session's map being computed (UMAP; t-SNE cannot be stopped)."""
        store.get(session_key(request)).cancel("embedding")

    def stop_progress(run_v, request: gr.Request) -> None:
        """Choosing the shipped run stops this session's animation being computed at once (its
        request would otherwise finish before the shipped one is drawn)."""
        if run_v == "shipped":
            store.get(session_key(request)).cancel("embedding_progress")

    def _archive_state(lang, request):
        sess = store.get(session_key(request))
        if not sess.archive:
            raise user_error(lang, "err_arch_nothing")
        return sess.archive

    def _tags_text(tags: list[dict], lang) -> str:
        return ", ".join(f"{tg['label']} {num(lang, 100 * tg['probability'], 0)} %" for tg in tags)

    def _archive_outputs(st, lang, selected=None, neighbours=()):
        names = [it.name for it in st["items"]]
        top = [tg[0]["label"] if tg else "?" for tg in st["tags"]]
        title = t(lang, "emb_arch_title", n=num(lang, len(names)))
        return ev.archive_figure(st["coords"], names, top, lang, title, st["thumbs"], selected, neighbours, st["groups"])

    @friendly
    def analyse_archive(files_v, threshold_v, lang, request: gr.Request, progress=gr.Progress()):
        """"Mi archivo": a zip and/or images (up to 500 images, 200 MB) → EfficientNet-Lite0
        embeddings through ONNX Runtime, top-3 ImageNet tags, a UMAP map, near-duplicate groups
        (cosine ≥ threshold: 0.8-0.99 on the page, 0.5-1 through the API) and a CSV (file, tags,
        x, y, nearest neighbours). Files are written only to this session's temporary folder. JSON: per-file tags and duplicate groups."""
        lang = lang_of(lang)
        thr = float_in(threshold_v, *archive.THRESHOLD_RANGE, lang, "emb_arch_threshold")
        sess = store.get(session_key(request))
        stop = sess.new_run("archive")
        sess.archive = None
        workdir = archive.fresh_workdir(sess.workdir())
        paths = files_v if isinstance(files_v, list) else ([files_v] if files_v else None)
        paths = [p if isinstance(p, str) else getattr(p, "name", p) for p in paths] if paths else None
        ext = archive.extract(paths, workdir, progress=lambda d, n: progress(0.3 * d / max(n, 1),
                                                                            desc=t(lang, "emb_arch_reading")),
                              stop=stop)
        for it in ext:  # decoded into thumbnails and model inputs: the copies are not needed any more
            Path(it.path).unlink(missing_ok=True)
        F, tags = archive.embed_images(ext, progress=lambda d, n: progress(0.3 + 0.6 * d / max(n, 1),
                                                                          desc=t(lang, "emb_arch_embedding")),
                                       stop=stop)
        for it in ext:
            it.pixels = None  # 150 kB each; the vectors are what is kept
        progress(0.92, desc=t(lang, "emb_phase_layout"))
        coords = archive.layout(F)
        groups = archive.duplicate_groups(F, thr)
        nb = archive.all_neighbors(F, 5)[0] if len(ext) > 1 else None
        csv_path = workdir / "mi_archivo.csv"
        csv_path.write_text(archive.to_csv(ext, tags, coords, nb), encoding="utf-8-sig")  # Excel reads the accents
        thumbs = [ev.thumb_uri(it.thumb) for it in ext]
        sess.archive = {"items": list(ext), "F": F, "tags": tags, "coords": coords, "thumbs": thumbs,
                        "groups": groups}
        counts = ext.counts()
        msg = t(lang, "emb_arch_status", n=num(lang, len(ext)), groups=len(groups),
                skipped=len(ext.skipped))
        dups = "\n".join("- " + " · ".join("`" + ext[i].name.replace("`", "'") + "`" for i in g)
                         for g in groups[:30]) if groups else \
            t(lang, "emb_arch_no_dups")
        if groups:
            dups = t(lang, "emb_arch_dups_heading", thr=num(lang, thr, 2)) + "\n\n" + dups
        table = [[it.name, _tags_text(tg, lang)] for it, tg in zip(ext, tags)]
        summary = archive.summary(ext, tags, groups, ext.skipped)
        summary.update(threshold=thr, coords=np.round(coords.astype(np.float64), 4).tolist(), counts=counts)
        return msg, _archive_outputs(sess.archive, lang), dups, table, str(csv_path), summary

    @friendly
    def archive_similar(index_v, k_v, lang, request: gr.Request):
        """"Find similar" in the analysed collection: the ``k`` (1-20) items most similar to item
        ``index`` (0-based, in upload order) by cosine similarity of their EfficientNet vectors."""
        lang = lang_of(lang)
        st = _archive_state(lang, request)
        n = len(st["items"])
        if n < 2:
            raise user_error(lang, "err_arch_one_item")
        i = int_in(index_v, 0, n - 1, lang, "emb_arch_pick")
        kk = int_in(k_v, 1, 20, lang, "emb_k_label")
        idx, sims = archive.neighbors(st["F"], i, kk)
        items, tags = st["items"], st["tags"]
        cap = lambda j: tags[j][0]["label"] if tags[j] else "?"  # noqa: E731
        top_i = cap(i)
        tiles = [(items[j].thumb, items[j].name, float(s), cap(j) == top_i) for j, s in zip(idx, sims)]
        summary = {"index": i, "file": items[i].name, "similar": [
            {"index": int(j), "file": items[j].name, "cosine": round(float(s), 6)} for j, s in zip(idx, sims)]}
        return (ev.neighbours_strip(items[i].thumb, items[i].name, tiles, lang),
                _archive_outputs(st, lang, i, [int(j) for j in idx]), summary)

    def first_item(request: gr.Request):
        """After an analysis: item 0, when there is anything to compare it with."""
        st = store.get(session_key(request)).archive
        if not st or len(st["items"]) < 2:
            raise gr.Error("", visible=False, print_exception=False)
        return 0

    def stop_archive(request: gr.Request) -> None:
        """Stop this session's running analysis."""
        store.get(session_key(request)).cancel("archive")

    @friendly
    def archive_text(lines_v, query_v, lang, request: gr.Request):
        """Sentences (one per line, up to 500) → all-MiniLM-L6-v2 embeddings, their map, and the
        five closest to ``query`` by cosine similarity. JSON: the sentences, coordinates and hits."""
        lang = lang_of(lang)
        kept, E = archive.embed_texts(lines_v if isinstance(lines_v, str) else "")
        coords = archive.layout(E)
        hits, sims = archive.search(query_v, E, min(5, len(kept)))
        store.get(session_key(request)).archive_text = {"lines": kept, "E": E}
        msg = t(lang, "emb_text_status", n=num(lang, len(kept)), best=kept[int(hits[0])][:120],
                cos=num(lang, float(sims[0]), 3))
        rows = [[r + 1, round(float(s), 3), kept[int(j)]] for r, (j, s) in enumerate(zip(hits, sims))]
        summary = {"sentences": kept, "coords": np.round(coords.astype(np.float64), 4).tolist(),
                   "query": str(query_v)[:1000], "hits": [int(j) for j in hits],
                   "cosine": [round(float(s), 6) for s in sims]}
        return (msg, ev.text_map_figure(coords, kept, lang, t(lang, "emb_text_title", n=len(kept)), hits, sims),
                rows, summary)

    # ---- wiring ---------------------------------------------------------------------------------
    map_in = [source, method, dims, n_neighbors, min_dist, errors, placed, lang]
    map_out = [status, map_plot, map_json]
    place_in = inp.components + [compare, source, method, dims, n_neighbors, min_dist, errors, k, lang]
    place_out = [place_status, map_plot, strip, place_json, placed]
    nb_in, nb_out = [source, pick, k, lang], [nb_status, strip, nb_json]
    queue = dict(concurrency_limit=MAP_CONCURRENCY, concurrency_id="embedding_map")
    ptext_in = [placed, source, method, dims, n_neighbors, min_dist, lang]
    draw.click(embedding_map, map_in, map_out, api_name="embedding_map", show_progress="full",
               show_progress_on=[map_plot], **queue).success(place_text, ptext_in, [place_status],
                                                              api_visibility="private", show_progress="hidden")
    map_stop.click(stop_map, None, None, api_name="stop_map", queue=False)
    go.click(neighbors, nb_in, nb_out, api_name="neighbors", show_progress="minimal", show_progress_on=[nb_status])
    # (after the named map endpoint, which an unnamed use of its function would rename) a scenario sets the controls, then draws its (shipped) map
    preset_out = [source, method, dims, n_neighbors, min_dist, errors, lesson]
    preset.input(apply_preset, [preset, lang], preset_out, api_name="embeddings_preset", show_progress="hidden").success(
        embedding_map, map_in, map_out, api_visibility="private", show_progress="full", show_progress_on=[map_plot],
        **queue).success(place_text, ptext_in, [place_status], api_visibility="private", show_progress="hidden")
    next_preset.click(following_preset, [preset], [preset], api_visibility="private", queue=False,
                      show_progress="hidden").then(apply_preset, [preset, lang], preset_out, api_visibility="private",
                                                   show_progress="hidden").success(
        embedding_map, map_in, map_out, api_visibility="private", show_progress="full", show_progress_on=[map_plot],
        **queue).success(place_text, ptext_in, [place_status], api_visibility="private", show_progress="hidden")
    place_btn.click(place_image, place_in, place_out, api_name="place_image", show_progress="full",
                    show_progress_on=[map_plot], **queue)
    # an image chosen, drawn or sent from another tab (with, from the Adversarial tab, its original
    # into "compare") lands on the map at once; keeping it for comparison or removing it redraws too
    inputs.wire(inp).success(place_image, place_in, place_out, api_visibility="undocumented", show_progress="full",
                             show_progress_on=[map_plot], **queue)
    compare.change(show_compare, [compare], [compare_row], api_visibility="private", queue=False,
                   show_progress="hidden")
    pin_btn.click(keep_image, inp.components + [lang], [compare], api_visibility="private",
                  show_progress="hidden").success(place_image, place_in, place_out, api_visibility="private",
                                                  show_progress="full", show_progress_on=[map_plot], **queue)
    unplace_btn.click(unplace, None, [compare, placed, place_status], api_visibility="private", queue=False,
                      show_progress="hidden").then(embedding_map, map_in, map_out, api_visibility="private",
                                                   show_progress="full", show_progress_on=[map_plot], **queue)
    hidden = dict(api_visibility="undocumented", show_progress="hidden")
    prog_in, prog_out = [prog_run, lang], [prog_status, prog_plot, prog_agree]
    prog_btn.click(progress_view, prog_in, prog_out, api_name="embedding_progress", show_progress="full",
                   show_progress_on=[prog_plot])
    prog_run.input(stop_progress, [prog_run], None, api_visibility="private", queue=False)
    prog_run.input(progress_view, prog_in, prog_out, trigger_mode="always_last", show_progress="full",
                   show_progress_on=[prog_plot], api_visibility="undocumented")
    # instant choices redraw at once; UMAP with other parameters and t-SNE wait for the button
    gr.on([source.input, method.input, dims.input, errors.input], auto_map, map_in, map_out,
          trigger_mode="always_last", show_progress="full", show_progress_on=[map_plot],
          api_visibility="undocumented", **queue).success(place_text, ptext_in, [place_status],
                                                          api_visibility="private", show_progress="hidden")
    pick.submit(neighbors, nb_in, nb_out, **hidden)
    arch_out = [arch_status, arch_plot, arch_dups, arch_table, csv_file, arch_json]
    arch_queue = dict(concurrency_limit=ARCHIVE_CONCURRENCY, concurrency_id="archive")
    sim_in, sim_out = [arch_pick, arch_k, lang], [arch_strip, arch_plot, sim_json]
    # before the chain below: its unnamed use of the same function would otherwise take the name
    # "archive_similar" and leave this endpoint "/archive_similar_1"
    arch_go.click(archive_similar, sim_in, sim_out, api_name="archive_similar", show_progress="minimal")
    arch_run.click(analyse_archive, [files, threshold, lang], arch_out, api_name="archive", show_progress="full",
                   show_progress_on=[arch_plot], **arch_queue).success(
        first_item, None, [arch_pick], **hidden, queue=False).success(  # the first item's look-alikes
        archive_similar, sim_in, sim_out, **hidden)
    arch_stop.click(stop_archive, None, None, api_name="stop_archive", queue=False)
    arch_pick.submit(archive_similar, sim_in, sim_out, **hidden)
    text_in, text_out = [lines, query, lang], [text_status, text_plot, text_hits, text_json]
    text_run.click(archive_text, text_in, text_out, api_name="archive_text", show_progress="minimal",
                   show_progress_on=[text_status])
    query.submit(archive_text, text_in, text_out, **hidden)
    for ev_ in draw_events(tab, shown, lang):
        drawn = ev_.success(embedding_map, map_in, map_out, **hidden, **queue)
        drawn.success(progress_view, prog_in, prog_out, **hidden)
        drawn.success(example_neighbors, nb_in + [placed], nb_out, **hidden)
        ev_.success(place_text, ptext_in, [place_status], api_visibility="private", show_progress="hidden")
        ev_.success(lesson_text, [preset, lang], [lesson], api_visibility="private", show_progress="hidden")
    inp.companion = compare  # the send-to bar fills it with the original of an attacked image
    return inp
