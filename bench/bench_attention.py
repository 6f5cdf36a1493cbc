"""Attention tab latency: every text view of a 32-token sentence, and the Vision Transformer's
attention for one Fashion-MNIST image.

a) In-process, for each text model (multilingual-e5-small, 12 layers, on a Spanish sentence — the
   target —, and all-MiniLM-L6-v2, 6 layers, on an English one): ``attention.view`` (the forward
   with every attention matrix, word merging, rollout, head patterns) on a sentence it has not seen
   (the cache is missed on purpose: each run's sentence differs by one number), the tab's real
   ``/attention_text`` handler (from ``app.build_demo()``) with Gradio's postprocessing of its
   outputs (7 figures to JSON), and the same handler when only the layer changes (the cached
   path); ``vit.analyse`` through ONNX Runtime and the ``/attention_image`` handler with its
   postprocessing.
b) End to end: ``python app.py`` in its own process, ``/attention_text``, ``/attention_image``
   and ``/similarity`` as plain HTTP (``POST /gradio_api/call/<name>``, then its event stream).

The text target (≤ 300 ms for every view) is checked end to end over HTTP, a new sentence each
call; the ViT target (≤ 50 ms) on ``vit.analyse``. Medians and p90 after a warm-up; a series
during which other processes used ≥ 20 % of the CPU is run again (up to 3 times).

    .venv/bin/python -m bench.bench_attention [--runs 30] [--api-runs 15] [--skip-api]
"""
from __future__ import annotations

import argparse
import itertools
import logging
import os
import time
from typing import Any

import numpy as np

from bench.bench_filters import _mm, _rest_call, handlers, print_profile, profile, series
from bench.common import measurement, report, target

TEXT_MS, VIT_MS = 300.0, 50.0
# {n} makes every sentence new to the cache; only those of exactly 32 pieces (the model's first and
# last special tokens included) are used
SENTENCES = {
    "multilingual": ("La archivera escaneó {n} cartas antiguas porque el museo quería publicarlas antes de la "
                     "exposición, y los lectores se lo agradecieron."),
    "minilm": ("The archivist scanned {n} old letters because the museum wanted them online before the exhibition "
               "opened, and the readers in the library thanked her for it."),
}
PIECES = 32
LANG = "en"
MODEL = "multilingual"  # the target's model: the default, 12 layers


def sentences(model: str = MODEL):
    """An endless supply of distinct 32-piece sentences for ``model`` (tokenised here, before any timing)."""
    from explorer import text

    pool = []
    for n in range(1000, 9000):
        s = SENTENCES[model].format(n=n)
        if len(text.tokenize(s, model).pieces) == PIECES:
            pool.append(s)
            if len(pool) == 400:
                break
    if not pool:
        raise RuntimeError(f"no {PIECES}-piece sentence for {model}")
    return itertools.cycle(pool)  # more than the cache holds (32), so every call misses it


def _postprocess(outputs, values) -> None:
    for comp, v in zip(outputs, values):
        if isinstance(v, dict) and v.get("__type__") == "update":
            continue
        comp.postprocess(v)


def bench_text(h, runs: int, model: str = MODEL) -> dict[str, Any]:
    from explorer.attention import compute as attention

    fn, outputs = h["attention_text"]
    new = sentences(model)
    a = attention.attend(next(new), model)
    res: dict[str, Any] = {"model": model, "sentence": SENTENCES[model], "word_pieces": len(a.tokens),
                           "layers": attention.layers_of(model)}
    print(f"text ({model}): {len(a.tokens)} pieces, a new sentence every run", flush=True)
    res["view"] = series(f"attention.view (forward, merge, rollout, patterns), {model}",
                         lambda: attention.view(next(new), model, "words"), runs, 3)

    def handler(text=None, layer=4):
        out = fn(text or next(new), "words", layer, 1, None, LANG, model)
        _postprocess(outputs, out)

    res["handler_plus_postprocess"] = series("/attention_text handler + postprocess, new sentence", handler, runs, 3)
    fixed = next(new)
    layers = itertools.cycle(range(1, attention.layers_of(model) + 1))
    res["handler_cached"] = series("  same sentence, another layer (cached forward)",
                                   lambda: handler(fixed, next(layers)), runs, 3)
    res["_work"] = handler
    return res


def bench_vit(h, runs: int) -> dict[str, Any]:
    from explorer import data
    from explorer.attention import vit

    ds = data.load("fashion")
    x = ds.test.floats()[:runs + 8].numpy()
    i = itertools.cycle(range(len(x)))
    res: dict[str, Any] = {}
    res["analyse"] = series("vit.analyse, one image, ONNX Runtime", lambda: vit.analyse(x[next(i)]), runs, 5)
    fn, outputs = h["attention_image"]

    def handler():
        out = fn("dataset", "cat", next(i), None, None, 4, "mean", 0, LANG)
        _postprocess(outputs, out)

    res["handler_plus_postprocess"] = series("/attention_image handler + postprocess (with Grad-CAM)", handler,
                                             runs, 3)
    res["_work"] = lambda: vit.analyse(x[next(i)])
    return res


def bench_api(runs: int) -> dict[str, Any]:
    from bench.common import app_server

    logging.getLogger("httpx").setLevel(logging.WARNING)
    print("end to end: python app.py in its own process, plain HTTP (/gradio_api/call/…)", flush=True)
    new, new_en = sentences(MODEL), sentences("minilm")
    idx = itertools.count()
    calls = {  # (endpoint, arguments): the key names the series
        "attention_text": ("attention_text", lambda: [next(new), "words", 4, 1, None, LANG, MODEL]),
        "attention_text_minilm": ("attention_text", lambda: [next(new_en), "words", 4, 1, None, LANG, "minilm"]),
        "attention_image": ("attention_image", lambda: ["dataset", "cat", next(idx) % 10000, None, None, 4, "mean", 0,
                                                        LANG]),
        "similarity": ("similarity", lambda: [next(new), "\n".join(next(new_en) for _ in range(5)), LANG, MODEL]),
    }
    res: dict[str, Any] = {}
    with app_server(settle_s=8.0) as (proc, url):
        for key, (name, args) in calls.items():
            t1 = time.perf_counter()
            _rest_call(url, name, args())
            first = (time.perf_counter() - t1) * 1e3
            res[key] = series(f"/{name} as plain HTTP ({key})",
                              lambda name=name, args=args: _rest_call(url, name, args()), runs, 2, pids=(proc.pid,))
            res[key]["first_call_ms"] = first
    return res


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--api-runs", type=int, default=15)
    ap.add_argument("--skip-api", action="store_true")
    args = ap.parse_args(argv)
    import torch

    from explorer.attention import compute as attention
    from explorer.attention import vit

    t_start = time.perf_counter()
    attention.warm_up()
    vit.analyse(np.zeros((28, 28), np.float32))
    h = handlers(("attention_text", "attention_image", "similarity"))
    tx = bench_text(h, args.runs)
    tx_minilm = bench_text(h, args.runs, "minilm")
    vt = bench_vit(h, args.runs)
    api = None if args.skip_api else bench_api(args.api_runs)

    targets, infos = [], []
    if api:
        targets.append(target(f"/attention_text, multilingual-e5-small (12 layers), {tx['word_pieces']}-token Spanish "
                              "sentence, every view, end to end over HTTP (median)", api["attention_text"]["median_ms"],
                              "<=", TEXT_MS, "ms", 1))
        infos.append(measurement("/attention_text end to end, plain HTTP (median / p90)", _mm(api["attention_text"])))
        infos.append(measurement("/attention_text with MiniLM (6 layers), 32 tokens, end to end (median / p90)",
                                 _mm(api["attention_text_minilm"])))
    else:
        targets.append(target(f"/attention_text handler + postprocess, {tx['word_pieces']} tokens (median)",
                              tx["handler_plus_postprocess"]["median_ms"], "<=", TEXT_MS, "ms", 1))
    infos += [measurement("attention.view, new sentence (median / p90)", _mm(tx["view"])),
              measurement("attention.view with MiniLM, new sentence (median / p90)", _mm(tx_minilm["view"])),
              measurement("/attention_text handler + postprocess, new sentence (median / p90)",
                          _mm(tx["handler_plus_postprocess"])),
              measurement("/attention_text handler + postprocess, layer change (median / p90)",
                          _mm(tx["handler_cached"]))]
    targets.append(target("ViT attention, one image, vit.analyse via ORT (median)", vt["analyse"]["median_ms"],
                          "<=", VIT_MS, "ms", 2))
    infos.append(measurement("/attention_image handler + postprocess (median / p90)",
                             _mm(vt["handler_plus_postprocess"])))
    if api:
        infos += [measurement("/attention_image end to end, plain HTTP (median / p90)", _mm(api["attention_image"])),
                  measurement("/similarity, 5 sentences, end to end, plain HTTP (median / p90)",
                              _mm(api["similarity"]))]
    for row, part in zip(targets, (tx, vt)):
        if not row["pass"]:
            print(f"profile of the in-process work behind {row['name']!r}:", flush=True)
            part["profile"] = profile(part["_work"])
            print_profile(part["profile"])
    for part in (tx, tx_minilm, vt):
        part.pop("_work", None)
    results = {"threads": {"torch_threads": torch.get_num_threads(),
                           "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY", "(unset: libgomp's default)")},
               "text": tx, "text_minilm": tx_minilm, "vit": vt, "api": api, "targets": targets, "measurements": infos,
               "bench_seconds": round(time.perf_counter() - t_start, 1)}
    return report("attention", results)


if __name__ == "__main__":
    main()
