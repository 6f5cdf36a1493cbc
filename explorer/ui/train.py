"""The Train tab: lay out the controls and the live views, and wire them to ``explorer.train.views``.

API (gradio_client): ``/train`` (streams), ``/stop``, ``/preset``, ``/architecture``,
``/download_checkpoint``, ``/export_onnx``, ``/train_redraw``.
"""
from __future__ import annotations

import os
import threading
from typing import Any

import gradio as gr

from explorer import data
from explorer.i18n import t
from explorer.session import SessionStore
from explorer.streaming import newest_first
from explorer.train import compute as training
from explorer.train import views as train_view
from explorer.train.augment import AUGMENTATIONS
from explorer.train.scenarios import PRESETS
from explorer.ui.common import NEXT_SCENARIO, L, friendly, lang_of, next_scenario, session_key, user_error
from explorer.ui.components import Number, OutputImage, Radio, Slider
from models.cnn import ACTIVATIONS, KERNEL_SIZES

# Two trainings at once share the 2 cores of a Spaces CPU; more would only queue inside torch.
TRAIN_CONCURRENCY = int(os.environ.get("DLE_TRAIN_CONCURRENCY", "2"))
# Trainings run at this nice value: they take the CPU the class's clicks leave (bench_load.py).
TRAIN_NICE = int(os.environ.get("DLE_TRAIN_NICE", "10"))

P = training.PARAMS
PARAM_ORDER = ("dataset", "train_size", "augment", "blocks", "filters", "kernel_size", "activation",
               "batch_norm", "dropout", "dense", "optimizer", "lr", "batch_size", "epochs",
               "weight_decay", "l1", "schedule", "seed")


def _frame_outputs(frame: train_view.Frame | None) -> list[Any]:
    if frame is None:
        return [gr.skip()] * 7
    return [frame.status, frame.curves, frame.filters,
            frame.grid if frame.grid is not None else gr.skip(),
            frame.confusion if frame.confusion is not None else gr.skip(),
            frame.mistakes if frame.mistakes is not None else gr.skip(),
            _jsonable(frame.summary)]


def _jsonable(summary: dict) -> dict:
    out = {}
    for k, v in summary.items():
        if isinstance(v, float) and v != v:  # NaN is not JSON
            v = None
        out[k] = v
    return out


def build(store: SessionStore, lang: gr.Radio) -> None:  # no image input
    q = PRESETS["quick"]
    with gr.Tab(L("tab_train"), id="train", elem_id="tab-train"):
        gr.Markdown(L("train_intro"))
        with gr.Row(equal_height=False):
            with gr.Column(scale=2, min_width=330):
                with gr.Row(equal_height=True):
                    preset = gr.Dropdown([(L(f"preset_{k}"), k) for k in PRESETS], value="quick",
                                         label=L("train_scn_label"), elem_id="train-preset", scale=4)
                    next_preset = gr.Button(NEXT_SCENARIO, size="sm", elem_id="train-next-preset", scale=0,
                                            min_width=40, elem_classes=["dle-next-preset"])
                lesson = gr.Markdown(elem_id="train-lesson")
                with gr.Row():
                    start = gr.Button(L("train_start_button"), variant="primary", elem_id="train-start")
                    stop = gr.Button(L("stop_button"), variant="stop", elem_id="train-stop")
                with gr.Accordion(L("train_data_section"), open=False):
                    dataset = gr.Radio([(L(f"ds_{d}"), d) for d in training.DATASET_NAMES],
                                       value=q["dataset"], label=L("train_dataset_label"))
                    train_size = Slider(P["train_size"].lo, P["train_size"].hi, value=q["train_size"],
                                           step=100, label=L("train_size_label"), info=L("train_size_info"))
                    augment = gr.CheckboxGroup([(L(f"aug_{a}"), a) for a in AUGMENTATIONS],
                                               value=list(q["augment"]), label=L("train_augment_label"))
                with gr.Accordion(L("arch_section"), open=True):
                    with gr.Row():
                        blocks = Slider(P["blocks"].lo, P["blocks"].hi, value=q["blocks"], step=1,
                                           label=L("train_blocks_label"))
                        filters = Slider(P["filters"].lo, P["filters"].hi, value=q["filters"], step=1,
                                            label=L("train_filters_label"), info=L("train_filters_info"))
                    with gr.Row():
                        kernel_size = Radio(list(KERNEL_SIZES), value=q["kernel_size"],
                                               label=L("train_kernel_label"))
                        activation = gr.Radio([(L(f"act_{a}"), a) for a in ACTIVATIONS],
                                              value=q["activation"], label=L("train_activation_label"))
                    batch_norm = gr.Checkbox(value=q["batch_norm"], label=L("train_batch_norm_label"))
                    with gr.Row():
                        dropout = Slider(P["dropout"].lo, P["dropout"].hi, value=q["dropout"], step=0.05,
                                            label=L("train_dropout_label"))
                        dense = Slider(P["dense"].lo, P["dense"].hi, value=q["dense"], step=8, label=L("train_dense_label"))
                    arch_md = gr.Markdown(elem_id="train-architecture")
                with gr.Accordion(L("train_optim_section"), open=False):
                    optimizer = gr.Radio([(L(f"opt_{o}"), o) for o in training.OPTIMIZERS],
                                         value=q["optimizer"], label=L("train_optimizer_label"))
                    with gr.Row():
                        lr = Number(value=q["lr"], label=L("train_lr_label"), minimum=P["lr"].lo,
                                       maximum=P["lr"].hi, step=0.0005)
                        batch_size = Slider(P["batch_size"].lo, P["batch_size"].hi, value=q["batch_size"], step=1,
                                               label=L("train_batch_size_label"))
                    with gr.Row():
                        epochs = Slider(P["epochs"].lo, P["epochs"].hi, value=q["epochs"], step=1,
                                           label=L("train_epochs_label"))
                        schedule = gr.Radio([(L(f"sched_{s}"), s) for s in training.SCHEDULES],
                                            value=q["schedule"], label=L("train_schedule_label"))
                    with gr.Row():
                        weight_decay = Number(value=q["weight_decay"], label=L("train_weight_decay_label"),
                                                 minimum=P["weight_decay"].lo, maximum=P["weight_decay"].hi, step=0.0001)
                        l1 = Number(value=q["l1"], label=L("train_l1_label"), minimum=P["l1"].lo, maximum=P["l1"].hi,
                                       step=0.00001)
                        seed = Number(value=q["seed"], label=L("seed_label"), precision=0,
                                         minimum=P["seed"].lo, maximum=P["seed"].hi)
            with gr.Column(scale=3, min_width=420):
                status = gr.Markdown(elem_id="train-status")
                curves = gr.Plot(label=L("train_curves_label"), elem_id="train-curves")
                with gr.Row(equal_height=False):
                    filters_img = OutputImage(label=L("train_filters_image_label"), type="pil", interactive=False,
                                              elem_id="train-filters", scale=2,
                                              buttons=["download"])
                    grid_img = OutputImage(label=L("train_grid_image_label"), type="pil", interactive=False,
                                           elem_id="train-grid", scale=3,
                                           buttons=["download", "fullscreen"])
                with gr.Accordion(L("train_results_section"), open=True):
                    confusion = gr.Plot(label=L("train_confusion_label"), elem_id="train-confusion")
                    mistakes = OutputImage(label=L("train_mistakes_label"), type="pil", interactive=False,
                                           elem_id="train-mistakes", buttons=["download", "fullscreen"])
                with gr.Accordion(L("train_export_section"), open=False):
                    with gr.Row():
                        ckpt_btn = gr.Button(L("train_download_ckpt"), elem_id="train-download-ckpt")
                        onnx_btn = gr.Button(L("train_download_onnx"), elem_id="train-export-onnx")
                    model_file = gr.File(label=L("train_download_file"), interactive=False,
                                         elem_id="train-model-file")
                with gr.Accordion(L("json_label"), open=False):
                    summary_json = gr.JSON(label=L("json_label"), elem_id="train-json", open=False)

    params = [dataset, train_size, augment, blocks, filters, kernel_size, activation, batch_norm,
              dropout, dense, optimizer, lr, batch_size, epochs, weight_decay, l1, schedule, seed]
    arch_inputs = [blocks, filters, kernel_size, activation, batch_norm, dropout, dense]
    views = [status, curves, filters_img, grid_img, confusion, mistakes, summary_json]

    # ---- handlers: thin; the work is in explorer.train.views -----------------------------------

    @friendly
    def apply_preset(name: str, lang: str):
        lang = lang_of(lang)
        if not isinstance(name, str) or name not in PRESETS:  # a dropdown passes a list of choices on
            raise user_error(lang, "err_train_scenario", value=str(name)[:40])
        p = PRESETS[name]
        return [p[k] if k != "augment" else list(p[k]) for k in PARAM_ORDER] + [
            t(lang, f"preset_{name}_lesson")]

    @friendly
    def architecture(blocks, filters, kernel_size, activation, batch_norm, dropout, dense, lang):
        lang = lang_of(lang)
        return train_view.architecture_markdown(dict(
            blocks=blocks, filters=filters, kernel_size=kernel_size, activation=activation,
            batch_norm=batch_norm, dropout=dropout, dense=dense), lang)

    @friendly
    def train(dataset, train_size, augment, blocks, filters, kernel_size, activation, batch_norm,
              dropout, dense, optimizer, lr, batch_size, epochs, weight_decay, l1, schedule, seed,
              lang, request: gr.Request):
        """Train a fresh CNN in this session, streaming status, curves, filters, predictions and a
        JSON summary (step, epoch, losses, accuracies, images/s); the last message has the test
        accuracy, the confusion matrix and the most confident mistakes."""
        lang = lang_of(lang)
        raw = dict(zip(PARAM_ORDER, (dataset, train_size, augment, blocks, filters, kernel_size,
                                     activation, batch_norm, dropout, dense, optimizer, lr, batch_size,
                                     epochs, weight_decay, l1, schedule, seed)))
        sess = store.get(session_key(request))
        stop = threading.Event()  # this run's own: a closed stream never stops a newer run
        # Training runs in its own thread and never waits while a frame is encoded and sent.
        frames = newest_first(lambda: train_view.run(sess, raw, lang, stop=stop),
                              merge=train_view.merge_frames, on_close=stop.set, nice=TRAIN_NICE)
        for frame in frames:
            yield _frame_outputs(frame)

    def stop_training(request: gr.Request) -> None:
        """Stop this session's training run; the model keeps what it learned so far."""
        store.get(session_key(request)).stop.set()

    @friendly
    def redraw(lang: str, preset_name: str, request: gr.Request):
        """Redraw every computed text and figure in ``lang`` (after a language switch)."""
        lang = lang_of(lang)
        sess = store.get(session_key(request))
        lesson_text = (t(lang, f"preset_{preset_name}_lesson")
                       if isinstance(preset_name, str) and preset_name in PRESETS else "")
        frame = train_view.final_view(sess, lang)
        if frame is not None:
            return [lesson_text] + _frame_outputs(frame)
        try:  # before any training: the showcase images with their labels
            status, grid = t(lang, "train_status_idle"), train_view.grid_of(data.load("fashion"), lang)
        except data.DatasetMissing as err:  # say how to get the data, where the status goes
            status, grid = "⚠ " + t(lang, "err_dataset_missing", name=err.name, how=err.how), None
        return [lesson_text, status, train_view.curves(sess, lang), gr.skip(), grid, gr.skip(),
                gr.skip(), gr.skip()]

    def session_model(lang: str, request: gr.Request):
        sess = store.get(session_key(request))
        if sess.model is None:
            raise user_error(lang, "err_train_no_model")
        return sess

    @friendly
    def download_checkpoint(lang: str, request: gr.Request) -> str:
        """The session's trained model as a PyTorch checkpoint ({config, state_dict, metrics})."""
        return str(train_view.export_checkpoint(session_model(lang_of(lang), request)))

    @friendly
    def export_onnx(lang: str, request: gr.Request) -> str:
        """The session's trained model as ONNX (input x: (batch, 1, 28, 28) pixels in [0, 1])."""
        lang = lang_of(lang)
        sess = session_model(lang, request)
        try:
            return str(train_view.export_onnx(sess))
        except Exception as err:
            raise user_error(lang, "err_train_export", detail=type(err).__name__) from None

    # ---- wiring --------------------------------------------------------------------------------
    preset.change(apply_preset, [preset, lang], params + [lesson], api_name="preset",
                  show_progress="hidden")
    # the next scenario: the dropdown's change applies it
    next_preset.click(lambda name: next_scenario(PRESETS, name), [preset], [preset], api_visibility="private",
                      queue=False, show_progress="hidden")
    gr.on([c.change for c in arch_inputs], architecture, arch_inputs + [lang], arch_md,
          api_name="architecture", trigger_mode="always_last", show_progress="hidden")
    start.click(train, params + [lang], views, api_name="train", concurrency_limit=TRAIN_CONCURRENCY,
                concurrency_id="train", show_progress="minimal", show_progress_on=[status])
    stop.click(stop_training, None, None, api_name="stop", concurrency_limit=None, queue=False)
    lang.change(redraw, [lang, preset], [lesson] + views, api_name="train_redraw",
                show_progress="hidden").then(
        architecture, arch_inputs + [lang], arch_md, api_name="architecture_redraw",
        api_visibility="undocumented", show_progress="hidden")
    ckpt_btn.click(download_checkpoint, [lang], model_file, api_name="download_checkpoint")
    onnx_btn.click(export_onnx, [lang], model_file, api_name="export_onnx")
