"""The Diffusion tab: from an image to noise and from noise to an image. The forward process adds
noise to any image with the closed form q(x_t | x_0) and shows what the denoiser makes of it; the
reverse process runs the shipped class-conditional U-Net (DDPM or DDIM, classifier-free guidance)
on 16 samples at once, step by step, with play, pause, single step and a slider back through the
recorded steps, and at the end the shipped CNN says what each sample looks like. The work is in
``explorer.diffusion.compute`` and ``explorer.diffusion.denoiser``; the pictures in ``explorer.diffusion.views``;
the teaching scenarios in ``explorer.diffusion.scenarios``.

Read top to bottom: the handlers of the forward process, those of the reverse process (module-level,
the session store passed first), then the sections of the page and ``build``, which lays them out
and wires them.

API (gradio_client): ``/noise``, ``/noise_animation`` (streams), ``/denoise`` (streams), ``/denoise_resume`` (streams),
``/denoise_step``, ``/denoise_pause``, ``/denoise_frame``, ``/diffusion_preset``.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass

import gradio as gr
import numpy as np

from explorer import data, images, memo, nets
from explorer.diffusion import compute as dif
from explorer.diffusion import denoiser
from explorer.diffusion import views as dv
from explorer.diffusion.scenarios import SCENARIOS
from explorer.i18n import num, t
from explorer.session import SessionStore
from explorer.ui import inputs, wiring
from explorer.ui.common import (
    NEXT_SCENARIO,
    L,
    draw_events,
    float_in,
    friendly,
    int_in,
    lang_of,
    session_key,
    shown_flag,
    user_error,
)
from explorer.ui.components import Number, OutputImage, Slider, frozen

N_SAMPLES = 16
# While a run plays, a picture reaches the browser after every STREAM_EVERY_S seconds of sampling
# (drawing and sending one costs ~10-40 ms on top, and the sampler waits meanwhile): DDIM-50 shows
# ~12 of its steps, DDPM-1000 ~125 (~2 a second). The slider goes back to every step kept.
STREAM_EVERY_S = {"ddim": 0.2, "ddpm": 0.4}
# Every denoising step runs the U-Net on 2 × 16 images (guidance), using both cores: one run at a
# time, the others wait in the queue (a DDIM-50 run takes ~3 s).
DIFFUSION_CONCURRENCY = int(os.environ.get("DLE_DIFFUSION_CONCURRENCY", "1"))
CLASS_NONE, CLASS_EACH = "none", "each"
STRIP_TS = (0, 100, 250, 400, 550, 700, 850, 1000)
ANIMATION_FRAMES = 50  # the forward animation shows t = 0, T/50, 2T/50, ...
ANIMATION_PAUSE_S = 0.08


def _T() -> int:
    """The shipped schedule's number of steps (1000), read from the manifest once."""
    return denoiser.shipped_schedule().T


def _class_choices(lang: str) -> list[tuple[str, str]]:
    names = data.FASHION_CLASSES.get(lang, data.FASHION_CLASSES["en"])
    return ([(t(lang, "diffusion_class_none"), CLASS_NONE), (t(lang, "diffusion_class_each"), CLASS_EACH)]
            + [(f"{i} · {n}", str(i)) for i, n in enumerate(names)])


def _class_value(value, lang: str) -> int | None:
    """The class dropdown's value as the sampler wants it: None, denoiser.EACH or 0..9."""
    if value is None or value == CLASS_NONE or value == "":
        return None
    if value == CLASS_EACH:
        return denoiser.EACH
    return int_in(value, 0, dif.NUM_CLASSES - 1, lang, "diffusion_class_label")


def _ab(lang: str, ab: float) -> str:
    """ᾱ_t for the status line: 3 decimals, or 2 significant digits when it is tiny (near t = T)."""
    if ab == 0 or ab >= 0.01:
        return num(lang, ab, 3)
    mant, exp = f"{ab:.1e}".split("e")
    return f"{num(lang, float(mant), 1)}·10^{int(exp)}"


def _names(lang: str) -> list[str]:
    return nets.fashion_names(lang)


# ------------------------------------------------------------------------ handlers: forward process

_NOISED = memo.Memo(64)


@friendly
def noise(src, smp, idx, up, sk, t_v, sched_v, seed_v, lang, views: bool = True):
    """The forward process on one image: x_t from q(x_t | x_0) in closed form at step t, the noise
    level (ᾱ_t, SNR), the strip of x_t at several t, the schedule plot with t marked, and what the
    shipped denoiser predicts from x_t in one pass (ε̂ and x̂0; with the model's own schedule).
    JSON: t, ᾱ_t, √ᾱ_t, √(1 − ᾱ_t), SNR in dB, the RMS error of ε̂."""
    T = _T()
    tt = int_in(t_v, 0, T, lang, "diffusion_t_label")
    if sched_v not in ("cosine", "linear"):
        raise user_error(lang, "err_diffusion_schedule", value=str(sched_v)[:20])
    seed_n = int_in(seed_v, 0, 2 ** 31 - 1, lang, "diffusion_noise_seed")
    # a sample or data-set image: the same answer for everyone (explorer.memo; "everyone, noise the cat")
    key = (memo.key_of("noise", src, smp if src == "sample" else idx, tt, sched_v, seed_n, lang)
           if views and src in ("sample", "dataset") else None)
    return _NOISED.get_or_make(key, lambda: _noise(src, smp, idx, up, sk, tt, sched_v, seed_n, lang, views))


def _noise(src, smp, idx, up, sk, tt, sched_v, seed_n, lang, views):
    T = _T()
    img = images.load_input(src, smp, idx, up, sk)
    pre = nets.shipped_cnn().prepare(img, from_dataset=src == "dataset")
    sched = denoiser.schedule(sched_v)
    model_sched = sched is denoiser.shipped_schedule()
    fw = denoiser.forward(pre.array, tt, seed_n, sched, predict=model_sched)
    lv = fw.level
    strip, records = dv.forward_strip(pre.array, sched, STRIP_TS, seed_n, lang, tile=80) if views else (None, [])
    snr = "∞" if not np.isfinite(lv.snr_db) else num(lang, lv.snr_db, 1)
    status = t(lang, "diffusion_noise_status", t=num(lang, tt), T=num(lang, T), ab=_ab(lang, lv.alpha_bar),
               sig=num(lang, lv.signal_coef, 3), noise=num(lang, lv.noise_std, 3), snr=snr,
               share=num(lang, 100 * lv.signal_share, 1))
    if not model_sched:
        status += "\n\n" + t(lang, "diffusion_noise_other_schedule")
    elif fw.noise_error is not None:
        status += "\n\n" + t(lang, "diffusion_noise_pred", err=num(lang, fw.noise_error, 3))
    summary = {"t": tt, "T": T, "schedule": sched.name, "alpha_bar": round(lv.alpha_bar, 6),
               "sqrt_alpha_bar": round(lv.signal_coef, 6), "sqrt_one_minus_alpha_bar": round(lv.noise_std, 6),
               "snr_db": None if not np.isfinite(lv.snr_db) else round(lv.snr_db, 3),
               "beta": round(float(sched.betas[tt]), 8), "seed": seed_n,
               "eps_hat_rms_error": None if fw.noise_error is None else round(fw.noise_error, 4),
               "strip": records}
    schedules = [denoiser.schedule("cosine"), denoiser.schedule("linear")]
    plot = dv.schedule_figure(schedules, lang, mark_t=tt) if views else None
    return status, frozen(dv.forward_panel(fw, lang)), frozen(strip) if strip is not None else None, plot, summary


@friendly
def animate_noise(src, smp, idx, up, sk, sched_v, seed_v, lang):
    """The forward process as an animation: t from 0 to T in steps of T/50, one picture each
    (the same image and noise, only t changes), the t slider following; ends with the full view
    at t = T."""
    T = _T()
    for tt in range(0, T, T // ANIMATION_FRAMES):
        status, panel, _, _, summary = noise(src, smp, idx, up, sk, tt, sched_v, seed_v, lang, views=False)
        yield status, panel, gr.skip(), gr.skip(), summary, tt
        time.sleep(ANIMATION_PAUSE_S)
    yield (*noise(src, smp, idx, up, sk, T, sched_v, seed_v, lang), T)


# ------------------------------------------------------------------------ handlers: reverse process

def _run_view(run: denoiser.ReverseRun, lang: str, frame_i: int | None = None, sample: int = 0):
    """status, trio, the two grids, the frame slider and the JSON for one recorded frame of a run."""
    names = _names(lang)
    fi = len(run.frames) - 1 if frame_i is None else int(np.clip(frame_i, 0, len(run.frames) - 1))
    fr = run.frames[fi]
    sample = int(np.clip(sample, 0, run.config["n"] - 1))
    req = [None if c == dif.NULL_CLASS else int(c) for c in run.y]
    final = fr.eps is None
    rec = None
    if final and run.recognised is not None:
        rec = (int(run.recognised[sample]), float(run.confidence[sample]))
    trio_img = dv.step_panel(fr, sample, lang, names, req[sample], rec)
    x_t = fr.x_t.astype(np.float32)[:, None] / 255.0
    x0 = fr.x0.astype(np.float32)[:, None] / 255.0
    if final and run.recognised is not None:
        caps = [names[int(r)] for r in run.recognised]
        oks = [None if q is None else q == int(r) for q, r in zip(req, run.recognised)]
    else:
        caps = [names[q] if q is not None else "—" for q in req] if run.config["class"] == "each" else []
        oks = [None] * len(req)
    g_xt = dv.samples_grid(x_t, lang, captions=caps if not final else [], oks=oks, cols=8, tile=48)
    g_x0 = dv.samples_grid(x0, lang, captions=caps, oks=oks, cols=8, tile=48)
    summary = run.summary(names, fi)
    if final:
        share = summary.get("recognised_share")
        if share is None:
            status = t(lang, "diffusion_done_uncond", names=", ".join(sorted({names[int(r)] for r in run.recognised})))
        else:
            status = t(lang, "diffusion_done", ok=sum(bool(r["match"]) for r in summary["samples"]),
                       n=len(summary["samples"]), pct=num(lang, 100 * share), s=num(lang, run.forward_s, 1))
    else:
        ab = run.sched.alpha_bars[fr.t]
        status = t(lang, "diffusion_step_status", i=num(lang, fr.index + 1), n=num(lang, run.total),
                   t=num(lang, fr.t), t_prev=num(lang, fr.t_prev), ab=_ab(lang, float(ab)),
                   sig=num(lang, 100 * float(np.sqrt(ab)), 1 if ab < 0.01 else 0))
        if fi < len(run.frames) - 1:  # the user went back
            status += " · " + (t(lang, "diffusion_scrubbed_done") if run.finished
                               else t(lang, "diffusion_scrubbed", done=num(lang, run.steps_done)))
    slider = gr.update(maximum=max(1, len(run.frames) - 1), value=fi)
    return status, trio_img, g_xt, g_x0, slider, summary


def _settings(cls_v, scale_v, seed_v, sampler_v, steps_v, eta_v, lang):
    c = _class_value(cls_v, lang)
    s = float_in(scale_v, 0, dif.MAX_SCALE, lang, "diffusion_scale_label")
    sd = int_in(seed_v, 0, 2 ** 31 - 1, lang, "seed_label")
    if sampler_v not in dif.SAMPLERS:
        raise user_error(lang, "err_diffusion_sampler", value=str(sampler_v)[:20])
    n_steps = int_in(steps_v, 1, _T(), lang, "diffusion_steps_label") if sampler_v == "ddim" else _T()
    e = float_in(eta_v, 0, 1, lang, "diffusion_eta_label") if sampler_v == "ddim" else 0.0
    return dict(cls=c, scale=s, seed=sd, sampler=sampler_v, steps=n_steps, eta=e)


def _start(store: SessionStore, settings: dict, request) -> denoiser.ReverseRun:
    sess = store.get(session_key(request))
    old = sess.diffusion
    if old is not None:
        old.pause.set()  # an older run of this session stops playing
    run = denoiser.new_run(settings["cls"], settings["scale"], settings["seed"], settings["sampler"],
                           settings["steps"], settings["eta"], n=N_SAMPLES)
    sess.diffusion = run
    return run


def _same(run: denoiser.ReverseRun | None, settings: dict) -> bool:
    if run is None:
        return False
    c = run.config
    want_cls = None if settings["cls"] is None else ("each" if settings["cls"] == denoiser.EACH else settings["cls"])
    return (c["class"] == want_cls and c["scale"] == settings["scale"] and c["seed"] == settings["seed"]
            and c["sampler"] == settings["sampler"] and c["steps"] == settings["steps"]
            and (settings["sampler"] == "ddpm" or c["eta"] == settings["eta"]))


def _play(run: denoiser.ReverseRun, lang: str, sample: int, max_steps: int | None = None):
    if not run.lock.acquire(timeout=5):
        raise user_error(lang, "err_diffusion_busy")
    try:
        run.pause.clear()
        every = STREAM_EVERY_S.get(run.config["sampler"], 0.2) if max_steps is None else 0
        for _ in run.advance(max_steps=max_steps, every_s=every):
            if run.frames:
                yield _run_view(run, lang, sample=sample)
    finally:
        run.lock.release()


@friendly
def denoise(store: SessionStore, cls_v, scale_v, seed_v, sampler_v, steps_v, eta_v, pick_v, lang,
            request: gr.Request):
    """Generate 16 images from noise with the shipped denoiser: a class (0..9, "each" = one of every
    class in turn, or "none"), guidance scale s (ε̂ = ε∅ + s·(εy − ε∅)), seed, sampler ("ddim" with
    ``steps`` and η, or "ddpm" with all 1000 steps). Streams status, x_t / ε̂ / x̂0 of one sample,
    the 16 x_t and x̂0, and a JSON summary (step, t, ᾱ_t; at the end the requested and recognised
    class of every sample). Always starts a new run; ``/denoise_pause`` pauses it."""
    settings = _settings(cls_v, scale_v, seed_v, sampler_v, steps_v, eta_v, lang)
    sample = int_in(pick_v, 1, N_SAMPLES, lang, "diffusion_pick_label") - 1
    run = _start(store, settings, request)
    yield from _play(run, lang, sample)


@friendly
def resume(store: SessionStore, cls_v, scale_v, seed_v, sampler_v, steps_v, eta_v, pick_v, lang,
           request: gr.Request):
    """Play: continue this session's paused run if its settings are the ones given, else start a
    new run (as ``/denoise``). A finished run with the same settings plays again from noise."""
    settings = _settings(cls_v, scale_v, seed_v, sampler_v, steps_v, eta_v, lang)
    sample = int_in(pick_v, 1, N_SAMPLES, lang, "diffusion_pick_label") - 1
    run = store.get(session_key(request)).diffusion
    if run is None or run.finished or not _same(run, settings):
        run = _start(store, settings, request)
    yield from _play(run, lang, sample)


@friendly
def step_once(store: SessionStore, cls_v, scale_v, seed_v, sampler_v, steps_v, eta_v, pick_v, lang,
              request: gr.Request):
    """One denoising step of this session's run (a new run if there is none with these settings,
    or if it has finished)."""
    settings = _settings(cls_v, scale_v, seed_v, sampler_v, steps_v, eta_v, lang)
    sample = int_in(pick_v, 1, N_SAMPLES, lang, "diffusion_pick_label") - 1
    sess = store.get(session_key(request))
    run = sess.diffusion
    if run is None or run.finished or not _same(run, settings):
        run = _start(store, settings, request)
    else:
        run.pause.set()  # a playing run stops, and then this one step is taken
    views = list(_play(run, lang, sample, max_steps=1))  # the view after the step
    return views[-1] if views else None


def pause_run(store: SessionStore, request: gr.Request) -> None:
    """Pause this session's reverse run (``/denoise_resume`` continues it)."""
    run = store.get(session_key(request)).diffusion
    if run is not None:
        run.pause.set()


@friendly
def show_frame(store: SessionStore, frame_v, pick_v, lang, request: gr.Request):
    """A recorded step of this session's run (0 = the first step; the last = the latest or the
    final images) for sample ``pick`` (1..16): no model call."""
    run = store.get(session_key(request)).diffusion
    if run is None or not run.frames:
        raise user_error(lang, "err_diffusion_no_run")
    fi = int_in(frame_v, 0, len(run.frames) - 1, lang, "diffusion_frame_label")
    sample = int_in(pick_v, 1, N_SAMPLES, lang, "diffusion_pick_label") - 1
    return _run_view(run, lang, fi, sample)


@friendly
def apply_preset(name, lang):
    """A teaching scenario's settings (class, guidance, seed, sampler, steps, η) and its lesson."""
    p = SCENARIOS.get_checked(name)
    return (p["cls"], p["scale"], p["seed"], p["sampler"], p["steps"], p["eta"], SCENARIOS.lesson(name, lang))


def previous_frame(frame_v):
    return max(0, int(frame_v or 0) - 1)


def next_frame(store: SessionStore, frame_v, request: gr.Request):
    run = store.get(session_key(request)).diffusion
    last = len(run.frames) - 1 if run is not None and run.frames else 0
    try:
        return min(last, int(frame_v) + 1)
    except (TypeError, ValueError):
        return last


def sampler_controls(sampler_v):
    ddim = sampler_v == "ddim"
    return gr.update(interactive=ddim), gr.update(interactive=ddim)


def class_choices(cls_v, lang):
    return gr.update(choices=_class_choices(lang_of(lang)), value=cls_v)


def first_view(store: SessionStore, lang, request: gr.Request):
    """The tab's opening picture: the schedule and a finished DDIM run's place-holder text."""
    run = store.get(session_key(request)).diffusion
    if run is not None and run.frames:
        return _run_view(run, lang_of(lang))
    return (t(lang_of(lang), "diffusion_press_play"), None, None, None, gr.update(maximum=1, value=0), None)


# ------------------------------------------------------------------------------------- sections

@dataclass
class ForwardSection:
    inp: inputs.ImageInputs
    t: gr.Slider
    sched: gr.Radio
    seed: gr.Number
    animate: gr.Button
    status: gr.Markdown
    img: gr.Image
    strip: gr.Image
    sched_plot: gr.Plot
    json: gr.JSON

    def inputs(self, lang: gr.Radio) -> list:
        return self.inp.components + [self.t, self.sched, self.seed, lang]

    @property
    def outputs(self) -> list:
        return [self.status, self.img, self.strip, self.sched_plot, self.json]


@dataclass
class ReverseControls:
    preset: gr.Dropdown
    next_preset: gr.Button
    lesson: gr.Markdown
    cls: gr.Dropdown
    scale: gr.Slider
    sampler: gr.Radio
    steps: gr.Slider
    eta: gr.Slider
    seed: gr.Number
    play: gr.Button
    pause: gr.Button
    step: gr.Button
    restart: gr.Button

    def inputs(self, pick: gr.Slider, lang: gr.Radio) -> list:
        return [self.cls, self.scale, self.seed, self.sampler, self.steps, self.eta, pick, lang]

    @property
    def scenario_outputs(self) -> list:
        return [self.cls, self.scale, self.seed, self.sampler, self.steps, self.eta, self.lesson]


@dataclass
class ReverseViews:
    status: gr.Markdown
    trio: gr.Image
    back: gr.Button
    frame: gr.Slider
    forward: gr.Button
    pick: gr.Slider
    grid_xt: gr.Image
    grid_x0: gr.Image
    json: gr.JSON

    @property
    def outputs(self) -> list:
        return [self.status, self.trio, self.grid_xt, self.grid_x0, self.frame, self.json]


def forward_section() -> ForwardSection:
    """The forward process: an image, the step t, the schedule and the noise's seed; x_t, the strip
    of x_t over t and the schedules' plot."""
    T = _T()
    with gr.Row(equal_height=False):
        with gr.Column(scale=1, min_width=300):
            inp = inputs.build("dif", "cat", "dataset")
            fwd_t = Slider(0, T, value=300, step=1, label=L("diffusion_t_label"), info=L("diffusion_t_info"),
                           elem_id="dif-t")
            fwd_sched = gr.Radio([(L("diffusion_sched_cosine"), "cosine"), (L("diffusion_sched_linear"), "linear")],
                                 value=denoiser.shipped_schedule().name, label=L("diffusion_sched_label"),
                                 info=L("diffusion_sched_info"), elem_id="dif-schedule")
            fwd_seed = Number(0, precision=0, label=L("diffusion_noise_seed"), elem_id="dif-noise-seed")
            animate = gr.Button(L("diffusion_animate"), elem_id="dif-animate")
        with gr.Column(scale=2):
            fwd_status = gr.Markdown(elem_id="dif-noise-status")
            fwd_img = OutputImage(label=L("diffusion_forward_label"), interactive=False, elem_id="dif-forward",
                                  format="png", height=230, buttons=["download"])
            fwd_strip = OutputImage(label=L("diffusion_strip_label"), interactive=False, elem_id="dif-strip",
                                    format="png", height=170, buttons=["download"])
    sched_plot = gr.Plot(label=L("diffusion_schedule_label"), elem_id="dif-schedule-plot")
    fwd_json = wiring.json_panel("/noise", "dif-noise-json")
    return ForwardSection(inp, fwd_t, fwd_sched, fwd_seed, animate, fwd_status, fwd_img, fwd_strip, sched_plot,
                          fwd_json)


def reverse_controls() -> ReverseControls:
    """The reverse process's settings: a scenario (its plain dropdown: a shared link carries
    ``dif-preset``, which ``wiring.scenario_picker``'s free-text dropdown could not) and its lesson,
    the class, guidance, sampler, steps, η and seed; play, pause, one step, restart."""
    with gr.Row(equal_height=True):
        preset = gr.Dropdown([(L(sc.title_key), name) for name, sc in SCENARIOS.items()], value=None,
                             label=L("diffusion_scn_label"), info=L("diffusion_scn_info"),
                             elem_id="dif-preset", scale=4)
        next_preset = gr.Button(NEXT_SCENARIO, size="sm", elem_id="dif-next-preset", scale=0, min_width=40,
                                elem_classes=["dle-next-preset"])
    lesson = gr.Markdown(elem_id="dif-lesson")
    cls = gr.Dropdown(_class_choices("es"), value="8", label=L("diffusion_class_label"),
                      info=L("diffusion_class_info"), elem_id="dif-class")
    scale = Slider(0, dif.MAX_SCALE, value=3, step=0.5, label=L("diffusion_scale_label"),
                   info=L("diffusion_scale_info"), elem_id="dif-scale")
    sampler = gr.Radio([(L("diffusion_sampler_ddim"), "ddim"), (L("diffusion_sampler_ddpm"), "ddpm")],
                       value="ddim", label=L("diffusion_sampler_label"), info=L("diffusion_sampler_info"),
                       elem_id="dif-sampler")
    steps = Slider(1, _T(), value=50, step=1, label=L("diffusion_steps_label"), elem_id="dif-steps")
    eta = Slider(0, 1, value=0, step=0.05, label=L("diffusion_eta_label"), info=L("diffusion_eta_info"),
                 elem_id="dif-eta")
    seed = Number(0, precision=0, label=L("seed_label"), elem_id="dif-seed")
    play = gr.Button(L("diffusion_play"), variant="primary", elem_id="dif-play")
    with gr.Row():
        pause = gr.Button(L("diffusion_pause"), variant="stop", elem_id="dif-pause", min_width=100)
        step_btn = gr.Button(L("diffusion_step"), elem_id="dif-step", min_width=100)
    restart = gr.Button(L("diffusion_restart"), size="sm", elem_id="dif-restart")
    return ReverseControls(preset, next_preset, lesson, cls, scale, sampler, steps, eta, seed, play, pause, step_btn,
                           restart)


def reverse_views() -> ReverseViews:
    """A run's status, one sample's x_t / ε̂ / x̂0, the slider back through the recorded steps, the
    16 samples' x_t and x̂0, and the JSON."""
    rev_status = gr.Markdown(elem_id="dif-status")
    trio = OutputImage(label=L("diffusion_trio_label"), interactive=False, elem_id="dif-trio", format="png",
                       height=250, buttons=["download"])
    with gr.Row(equal_height=True):
        back = gr.Button("◀", size="sm", elem_id="dif-back-frame", min_width=40, scale=0)
        frame = Slider(0, 1, value=0, step=1, label=L("diffusion_frame_label"), info=L("diffusion_frame_info"),
                       elem_id="dif-frame", scale=3)
        fwd = gr.Button("▶", size="sm", elem_id="dif-forward-frame", min_width=40, scale=0)
        pick = Slider(1, N_SAMPLES, value=1, step=1, label=L("diffusion_pick_label"), elem_id="dif-pick", scale=2)
    with gr.Row(equal_height=False):
        grid_xt = OutputImage(label=L("diffusion_grid_xt_label"), interactive=False, elem_id="dif-grid-xt",
                              format="png", height=190, buttons=["download"])
        grid_x0 = OutputImage(label=L("diffusion_grid_x0_label"), interactive=False, elem_id="dif-grid-x0",
                              format="png", height=190, buttons=["download"])
    rev_json = wiring.json_panel("/denoise", "dif-json")
    return ReverseViews(rev_status, trio, back, frame, fwd, pick, grid_xt, grid_x0, rev_json)


# ---------------------------------------------------------------------------------------- build

def build(store: SessionStore, lang: gr.Radio) -> inputs.ImageInputs:
    with gr.Tab(L("tab_diffusion"), id="diffusion", elem_id="tab-diffusion") as tab:
        shown = shown_flag()
        gr.Markdown(L("diffusion_intro"))
        gr.Markdown(L("diffusion_forward_heading"))
        fw = forward_section()
        gr.Markdown(L("diffusion_reverse_heading"))
        gr.Markdown(L("diffusion_reverse_intro"))
        with gr.Row(equal_height=False):
            with gr.Column(scale=1, min_width=300):
                rc = reverse_controls()
            with gr.Column(scale=2):
                rv = reverse_views()
    # named endpoints first (an unnamed event with the same function would take the name)
    wire_reverse(store, lang, rc, rv)
    wire_forward(lang, fw)
    wire_drawing(store, lang, tab, shown, fw, rc, rv)
    return fw.inp  # for the send-to bar (explorer.ui.send)


def wire_reverse(store: SessionStore, lang: gr.Radio, rc: ReverseControls, rv: ReverseViews) -> None:
    rev_in, rev_out = rc.inputs(rv.pick, lang), rv.outputs
    run_kw = dict(concurrency_limit=DIFFUSION_CONCURRENCY, concurrency_id="diffusion", show_progress="hidden")
    rc.preset.input(apply_preset, [rc.preset, lang], rc.scenario_outputs, api_name="diffusion_preset",
                    show_progress="hidden")
    wiring.next_scenario_event(rc.next_preset, rc.preset, SCENARIOS).then(
        apply_preset, [rc.preset, lang], rc.scenario_outputs, **wiring.HIDDEN)
    rc.play.click(wiring.bind(resume, store), rev_in, rev_out, api_name="denoise_resume", **run_kw)
    rc.restart.click(wiring.bind(denoise, store), rev_in, rev_out, api_name="denoise", **run_kw)
    rc.step.click(wiring.bind(step_once, store), rev_in, rev_out, api_name="denoise_step", **run_kw)
    rc.pause.click(wiring.bind(pause_run, store), None, None, api_name="denoise_pause", queue=False)
    frame_view = wiring.bind(show_frame, store)
    gr.on([rv.frame.release, rv.pick.release], frame_view, [rv.frame, rv.pick, lang], rev_out,
          api_name="denoise_frame", show_progress="hidden", trigger_mode="always_last")
    # ◀ ▶ (and the ← → keys): one recorded step back or forward, the same view as /denoise_frame
    rv.back.click(previous_frame, [rv.frame], [rv.frame], api_visibility="private", queue=False,
                  show_progress="hidden").then(frame_view, [rv.frame, rv.pick, lang], rev_out, **wiring.HIDDEN)
    rv.forward.click(wiring.bind(next_frame, store), [rv.frame], [rv.frame], api_visibility="private", queue=False,
                     show_progress="hidden").then(frame_view, [rv.frame, rv.pick, lang], rev_out, **wiring.HIDDEN)


def wire_forward(lang: gr.Radio, fw: ForwardSection) -> None:
    gr.on([fw.t.input, fw.sched.change, fw.seed.submit], noise, fw.inputs(lang), fw.outputs, api_name="noise",
          show_progress="hidden", trigger_mode="always_last")
    fw.animate.click(animate_noise, fw.inp.components + [fw.sched, fw.seed, lang], fw.outputs + [fw.t],
                     api_name="noise_animation", show_progress="hidden")


def wire_drawing(store: SessionStore, lang: gr.Radio, tab: gr.Tab, shown: gr.Checkbox, fw: ForwardSection,
                 rc: ReverseControls, rv: ReverseViews) -> None:
    """The views drawn when the image changes, when the tab is first opened and on a language switch."""
    rc.sampler.change(sampler_controls, [rc.sampler], [rc.steps, rc.eta], api_visibility="private", queue=False,
                      show_progress="hidden")
    checked = inputs.wire(fw.inp)
    checked.success(noise, fw.inputs(lang), fw.outputs, **wiring.HIDDEN)
    lesson_text, opening = wiring.lesson_handler(SCENARIOS), wiring.bind(first_view, store)
    for ev in draw_events(tab, shown, lang):
        ev.success(class_choices, [rc.cls, lang], [rc.cls], **wiring.HIDDEN).success(
            lesson_text, [rc.preset, lang], [rc.lesson], **wiring.HIDDEN)
        ev.success(noise, fw.inputs(lang), fw.outputs, **wiring.HIDDEN).success(
            opening, [lang], rv.outputs, **wiring.HIDDEN)
