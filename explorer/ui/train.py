"""The Train tab: lay out the controls and the live views, and wire them to ``explorer.train.views``.

Read top to bottom: the handlers (module-level, their session store passed first; the work is in
``explorer.train.views``), then the sections of the page (scenario, settings, views), then
``build``, which lays them out and wires them.

API (gradio_client): ``/train`` (streams), ``/stop``, ``/preset``, ``/architecture``,
``/download_checkpoint``, ``/export_onnx``, ``/train_redraw``.
"""
from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from typing import Any

import gradio as gr

from explorer import data
from explorer.i18n import t
from explorer.session import SessionData, SessionStore
from explorer.streaming import newest_first
from explorer.train import compute as training
from explorer.train import views as train_view
from explorer.train.augment import AUGMENTATIONS
from explorer.train.scenarios import SCENARIOS
from explorer.ui import wiring
from explorer.ui.common import NEXT_SCENARIO, L, friendly, session_key, user_error
from explorer.ui.components import CheckboxGroup, Number, OutputImage, Radio, Slider
from models.cnn import ACTIVATIONS, KERNEL_SIZES

# Two trainings at once share the 2 cores of a Spaces CPU; more would only queue inside torch.
TRAIN_CONCURRENCY = int(os.environ.get("DLE_TRAIN_CONCURRENCY", "2"))
# Trainings run at this nice value: they take the CPU the class's clicks leave (bench_load.py).
TRAIN_NICE = int(os.environ.get("DLE_TRAIN_NICE", "10"))

P = training.PARAMS
PARAM_ORDER = ("dataset", "train_size", "augment", "blocks", "filters", "kernel_size", "activation",
               "batch_norm", "dropout", "dense", "optimizer", "lr", "batch_size", "epochs",
               "weight_decay", "l1", "schedule", "seed")
ARCH_ORDER = ("blocks", "filters", "kernel_size", "activation", "batch_norm", "dropout", "dense")

# A setting's key in a shared link, and its parameter of ``/share_link`` (``train_<key>``): the
# elem_id, or without one the label's translation key (explorer.ui.share). These settings keep the
# keys their labels had before the translation keys took the tab's prefix (issue 16), as elem_ids.
SHARE_KEYS = {name: f"{name}_label" for name in PARAM_ORDER if name not in ("train_size", "seed")}
SHARE_KEYS["kernel_size"] = "kernel_label"


def _setting(name: str) -> dict:
    """The label (``train_<key>``) and the elem_id (``<key>``, its key in a shared link) of setting ``name``."""
    key = SHARE_KEYS[name]
    return dict(label=L(f"train_{key}"), elem_id=key)


# ------------------------------------------------------------------------------------- handlers

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


@friendly
def apply_preset(name: str, lang: str):
    scenario = SCENARIOS.get_checked(name)  # a dropdown passes a list of choices on
    return [scenario[k] if k != "augment" else list(scenario[k]) for k in PARAM_ORDER] + [
        SCENARIOS.lesson(name, lang)]


@friendly
def architecture(blocks, filters, kernel_size, activation, batch_norm, dropout, dense, lang):
    return train_view.architecture_markdown(dict(
        blocks=blocks, filters=filters, kernel_size=kernel_size, activation=activation,
        batch_norm=batch_norm, dropout=dropout, dense=dense), lang)


@friendly
def train(store: SessionStore, dataset, train_size, augment, blocks, filters, kernel_size, activation, batch_norm,
          dropout, dense, optimizer, lr, batch_size, epochs, weight_decay, l1, schedule, seed,
          lang, request: gr.Request):
    """Train a fresh CNN in this session, streaming status, curves, filters, predictions and a
    JSON summary (step, epoch, losses, accuracies, images/s); the last message has the test
    accuracy, the confusion matrix and the most confident mistakes."""
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


def stop_training(store: SessionStore, request: gr.Request) -> None:
    """Stop this session's training run; the model keeps what it learned so far."""
    store.get(session_key(request)).stop.set()


@friendly
def redraw(store: SessionStore, lang: str, preset_name: str, request: gr.Request):
    """Redraw every computed text and figure in ``lang`` (after a language switch)."""
    sess = store.get(session_key(request))
    lesson_text = SCENARIOS.lesson(preset_name, lang)
    frame = train_view.final_view(sess, lang)
    if frame is not None:
        return [lesson_text] + _frame_outputs(frame)
    try:  # before any training: the showcase images with their labels
        status, grid = t(lang, "train_status_idle"), train_view.grid_of(data.load("fashion"), lang)
    except data.DatasetMissing as err:  # say how to get the data, where the status goes
        status, grid = "⚠ " + t(lang, "err_dataset_missing", name=err.name, how=err.how), None
    return [lesson_text, status, train_view.curves(sess, lang), gr.skip(), grid, gr.skip(),
            gr.skip(), gr.skip()]


def _session_model(store: SessionStore, lang: str, request: gr.Request) -> SessionData:
    sess = store.get(session_key(request))
    if sess.model is None:
        raise user_error(lang, "err_train_no_model")
    return sess


@friendly
def download_checkpoint(store: SessionStore, lang: str, request: gr.Request) -> str:
    """The session's trained model as a PyTorch checkpoint ({config, state_dict, metrics})."""
    return str(train_view.export_checkpoint(_session_model(store, lang, request)))


@friendly
def export_onnx(store: SessionStore, lang: str, request: gr.Request) -> str:
    """The session's trained model as ONNX (input x: (batch, 1, 28, 28) pixels in [0, 1])."""
    sess = _session_model(store, lang, request)
    try:
        return str(train_view.export_onnx(sess))
    except Exception as err:
        raise user_error(lang, "err_train_export", detail=type(err).__name__) from None


# ------------------------------------------------------------------------------------- sections

@dataclass
class ScenarioControls:
    preset: gr.Dropdown
    next_preset: gr.Button
    lesson: gr.Markdown
    start: gr.Button
    stop: gr.Button


@dataclass
class Settings:
    params: dict[str, gr.components.Component]  # by PARAM_ORDER's names
    arch_md: gr.Markdown

    @property
    def inputs(self) -> list:
        return [self.params[k] for k in PARAM_ORDER]

    @property
    def arch_inputs(self) -> list:
        return [self.params[k] for k in ARCH_ORDER]


@dataclass
class Views:
    status: gr.Markdown
    curves: gr.Plot
    filters_img: gr.Image
    grid_img: gr.Image
    confusion: gr.Plot
    mistakes: gr.Image
    summary_json: gr.JSON
    ckpt_btn: gr.Button
    onnx_btn: gr.Button
    model_file: gr.File

    @property
    def outputs(self) -> list:
        """What /train streams and /train_redraw redraws, in order."""
        return [self.status, self.curves, self.filters_img, self.grid_img, self.confusion, self.mistakes,
                self.summary_json]


def scenario_section() -> ScenarioControls:
    """The scenario picker (it keeps its plain dropdown: a shared link carries ``train-preset``,
    which ``wiring.scenario_picker``'s free-text dropdown could not), its lesson, start and stop."""
    with gr.Row(equal_height=True):
        preset = gr.Dropdown([(L(sc.title_key), name) for name, sc in SCENARIOS.items()], value="quick",
                             label=L("train_scn_label"), elem_id="train-preset", scale=4)
        next_preset = gr.Button(NEXT_SCENARIO, size="sm", elem_id="train-next-preset", scale=0,
                                min_width=40, elem_classes=["dle-next-preset"])
    lesson = gr.Markdown(elem_id="train-lesson")
    with gr.Row():
        start = gr.Button(L("train_start_button"), variant="primary", elem_id="train-start")
        stop = gr.Button(L("stop_button"), variant="stop", elem_id="train-stop")
    return ScenarioControls(preset, next_preset, lesson, start, stop)


def _data_section(q) -> dict:
    with gr.Accordion(L("train_data_section"), open=False):
        return dict(
            dataset=gr.Radio([(L(f"train_ds_{d}"), d) for d in training.DATASET_NAMES],
                             value=q["dataset"], **_setting("dataset")),
            train_size=Slider(P["train_size"].lo, P["train_size"].hi, value=q["train_size"],
                              step=100, label=L("train_size_label"), info=L("train_size_info")),
            augment=CheckboxGroup([(L(f"train_aug_{a}"), a) for a in AUGMENTATIONS],
                                     value=list(q["augment"]), **_setting("augment")))


def _architecture_section(q) -> tuple[dict, gr.Markdown]:
    with gr.Accordion(L("train_arch_section"), open=True):
        with gr.Row():
            blocks = Slider(P["blocks"].lo, P["blocks"].hi, value=q["blocks"], step=1,
                            **_setting("blocks"))
            filters = Slider(P["filters"].lo, P["filters"].hi, value=q["filters"], step=1,
                             **_setting("filters"), info=L("train_filters_info"))
        with gr.Row():
            kernel_size = Radio(list(KERNEL_SIZES), value=q["kernel_size"], **_setting("kernel_size"))
            activation = gr.Radio([(L(f"train_act_{a}"), a) for a in ACTIVATIONS],
                                  value=q["activation"], **_setting("activation"))
        batch_norm = gr.Checkbox(value=q["batch_norm"], **_setting("batch_norm"))
        with gr.Row():
            dropout = Slider(P["dropout"].lo, P["dropout"].hi, value=q["dropout"], step=0.05,
                             **_setting("dropout"))
            dense = Slider(P["dense"].lo, P["dense"].hi, value=q["dense"], step=8, **_setting("dense"))
        arch_md = gr.Markdown(elem_id="train-architecture")
    return dict(blocks=blocks, filters=filters, kernel_size=kernel_size, activation=activation,
                batch_norm=batch_norm, dropout=dropout, dense=dense), arch_md


def _optimisation_section(q) -> dict:
    with gr.Accordion(L("train_optim_section"), open=False):
        optimizer = gr.Radio([(L(f"train_opt_{o}"), o) for o in training.OPTIMIZERS],
                             value=q["optimizer"], **_setting("optimizer"))
        with gr.Row():
            lr = Number(value=q["lr"], **_setting("lr"), minimum=P["lr"].lo,
                        maximum=P["lr"].hi, step=0.0005)
            batch_size = Slider(P["batch_size"].lo, P["batch_size"].hi, value=q["batch_size"], step=1,
                                **_setting("batch_size"))
        with gr.Row():
            epochs = Slider(P["epochs"].lo, P["epochs"].hi, value=q["epochs"], step=1,
                            **_setting("epochs"))
            schedule = gr.Radio([(L(f"train_sched_{s}"), s) for s in training.SCHEDULES],
                                value=q["schedule"], **_setting("schedule"))
        with gr.Row():
            weight_decay = Number(value=q["weight_decay"], **_setting("weight_decay"),
                                  minimum=P["weight_decay"].lo, maximum=P["weight_decay"].hi, step=0.0001)
            l1 = Number(value=q["l1"], **_setting("l1"), minimum=P["l1"].lo, maximum=P["l1"].hi,
                        step=0.00001)
            seed = Number(value=q["seed"], label=L("seed_label"), precision=0,
                          minimum=P["seed"].lo, maximum=P["seed"].hi)
    return dict(optimizer=optimizer, lr=lr, batch_size=batch_size, epochs=epochs, schedule=schedule,
                weight_decay=weight_decay, l1=l1, seed=seed)


def settings_section() -> Settings:
    """Every parameter of a run, set to the first scenario's values: data, architecture,
    optimisation."""
    q = SCENARIOS["quick"]
    params = _data_section(q)
    arch, arch_md = _architecture_section(q)
    params.update(arch)
    params.update(_optimisation_section(q))
    return Settings(params, arch_md)


def views_section() -> Views:
    """What a run shows while it trains and after: status, curves, filters, predictions, results,
    the export buttons and the JSON summary."""
    status = gr.Markdown(elem_id="train-status")
    curves = gr.Plot(label=L("train_curves_label"), elem_id="train-curves")
    with gr.Row(equal_height=False):
        filters_img = OutputImage(label=L("train_filters_image_label"), type="pil", interactive=False,
                                  elem_id="train-filters", scale=2, buttons=["download"])
        grid_img = OutputImage(label=L("train_grid_image_label"), type="pil", interactive=False,
                               elem_id="train-grid", scale=3, buttons=["download", "fullscreen"])
    with gr.Accordion(L("train_results_section"), open=True):
        confusion = gr.Plot(label=L("train_confusion_label"), elem_id="train-confusion")
        mistakes = OutputImage(label=L("train_mistakes_label"), type="pil", interactive=False,
                               elem_id="train-mistakes", buttons=["download", "fullscreen"])
    with gr.Accordion(L("train_export_section"), open=False):
        with gr.Row():
            ckpt_btn = gr.Button(L("train_download_ckpt"), elem_id="train-download-ckpt")
            onnx_btn = gr.Button(L("train_download_onnx"), elem_id="train-export-onnx")
        model_file = gr.File(label=L("train_download_file"), interactive=False, elem_id="train-model-file")
    # labelled "JSON" rather than with its endpoint (wiring.json_panel): /train streams it
    with gr.Accordion(L("json_label"), open=False):
        summary_json = gr.JSON(label=L("json_label"), elem_id="train-json", open=False)
    return Views(status, curves, filters_img, grid_img, confusion, mistakes, summary_json, ckpt_btn, onnx_btn,
                 model_file)


# ---------------------------------------------------------------------------------------- build

def build(store: SessionStore, lang: gr.Radio) -> None:  # no image input
    with gr.Tab(L("tab_train"), id="train", elem_id="tab-train"):
        gr.Markdown(L("train_intro"))
        with gr.Row(equal_height=False):
            with gr.Column(scale=2, min_width=330):
                scenario = scenario_section()
                settings = settings_section()
            with gr.Column(scale=3, min_width=420):
                views = views_section()
    wire(store, lang, scenario, settings, views)


def wire(store: SessionStore, lang: gr.Radio, scenario: ScenarioControls, settings: Settings,
         views: Views) -> None:
    params, arch_inputs = settings.inputs, settings.arch_inputs
    # a scenario fills in every parameter; the dropdown's change event (a shared link restores the
    # dropdown first, then the parameters it carries: explorer.ui.share.drivers)
    scenario.preset.change(apply_preset, [scenario.preset, lang], params + [scenario.lesson], api_name="preset",
                           show_progress="hidden")
    wiring.next_scenario_event(scenario.next_preset, scenario.preset, SCENARIOS)  # the change applies it
    gr.on([c.change for c in arch_inputs], architecture, arch_inputs + [lang], settings.arch_md,
          api_name="architecture", trigger_mode="always_last", show_progress="hidden")
    scenario.start.click(wiring.bind(train, store), params + [lang], views.outputs, api_name="train",
                         concurrency_limit=TRAIN_CONCURRENCY, concurrency_id="train", show_progress="minimal",
                         show_progress_on=[views.status])
    scenario.stop.click(wiring.bind(stop_training, store), None, None, api_name="stop", concurrency_limit=None,
                        queue=False)
    lang.change(wiring.bind(redraw, store), [lang, scenario.preset], [scenario.lesson] + views.outputs,
                api_name="train_redraw", show_progress="hidden").then(
        architecture, arch_inputs + [lang], settings.arch_md, api_name="architecture_redraw", **wiring.HIDDEN)
    views.ckpt_btn.click(wiring.bind(download_checkpoint, store), [lang], views.model_file,
                         api_name="download_checkpoint")
    views.onnx_btn.click(wiring.bind(export_onnx, store), [lang], views.model_file, api_name="export_onnx")
