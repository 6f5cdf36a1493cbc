"""The Adversarial tab: how easily a network is fooled. One image attacked with FGSM or PGD
(untargeted or toward a chosen class), and the accuracy-versus-ε curve of several networks on a
batch of test images. The work is in ``explorer.adversarial.compute``; the pictures in
``explorer.adversarial.views``.

Teaching scenarios (``explorer.adversarial.scenarios``): choosing one sets every control, shows its
lesson and runs its attack (or, for the sweep scenario, the sweep).

Read top to bottom: the handlers (module-level, their session store first: a unit test calls them
directly), the sections of the page, then ``build`` and the wiring.

API (gradio_client): ``/attack``, ``/epsilon_sweep`` (streams), ``/stop_attack``,
``/attack_classes``, ``/adversarial_preset``.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import gradio as gr

from explorer import data, images, memo, nets
from explorer.adversarial import compute as adv
from explorer.adversarial import views as av
from explorer.adversarial.scenarios import SCENARIOS
from explorer.i18n import num, t
from explorer.session import SessionStore
from explorer.ui import inputs, wiring
from explorer.ui.common import L, draw_events, float_in, friendly, int_in, session_key, shown_flag, user_error
from explorer.ui.components import CheckboxGroup, ImagePath, Number, OutputImage, Slider
from explorer.ui.wiring import GATE, HIDDEN, bind

NETS = ("fashion", "fashion_adv", "session", "imagenet")
SWEEP_NETS = ("fashion", "fashion_adv", "session")
EPS_MAX_255 = 64  # the ε slider's range, in grey levels
# Attacks and sweeps are seconds of CPU each: a queue of their own, beside training's.
ATTACK_CONCURRENCY = int(os.environ.get("DLE_ATTACK_CONCURRENCY", "1"))
QUEUE = dict(concurrency_limit=ATTACK_CONCURRENCY, concurrency_id="attack")
# A scenario's chain goes on to the sweep only for the sweep scenario.
SWEEP_SCENARIO_JS = wiring.only_for_scenarios_js(SCENARIOS, lambda sc: sc["run_sweep"])


def _net(store: SessionStore, key: str, lang: str, request: gr.Request | None) -> nets.Net:
    return inputs.network(key, NETS, lang, request, store)


# ---- handlers --------------------------------------------------------------------------------------

@friendly
def attack(store, src, smp, idx, up, sk, net_key, method_v, eps_v, steps_v, step_v, random_v, seed_v,
           targeted_v, target_v, lang, request: gr.Request, progress=gr.Progress()):
    """Attack one image: FGSM, or PGD in the L∞ ball (ε in grey levels k/255), untargeted or toward
    a target class. Returns the original as the network sees it, the perturbation (amplified,
    its scale stated), the adversarial image, predictions before and after, and a JSON summary
    (top-5 before/after, whether the prediction flipped, L∞ of the perturbation)."""
    net_obj = _net(store, net_key, lang, request)
    if method_v not in adv.METHODS:
        raise user_error(lang, "err_adversarial_bad_attack", value=str(method_v)[:20])
    eps = float_in(eps_v, 0, EPS_MAX_255, lang, "adversarial_eps_label") / 255
    n_steps = int_in(steps_v, *adv.PGD_STEPS, lang, "adversarial_steps_label")
    alpha = float_in(step_v, 0, 16, lang, "adversarial_step_label") / 255
    seed = int_in(seed_v, 0, 2**31 - 1, lang, "seed_label")
    names = net_obj.class_names(lang)
    target_idx = None
    if targeted_v:
        target_idx = int_in(target_v, 0, len(names) - 1, lang, "adversarial_target_label")
    img = images.load_input(src, smp, idx, up, sk)
    stop_ev = store.get(session_key(request)).new_run("attack")

    def on_step(st):
        progress(st.step / st.steps, desc=t(lang, "adversarial_progress", step=st.step, steps=st.steps))

    x, x_adv, summary = adv.attack_image(
        net_obj, img, src == "dataset", method_v, eps, steps=n_steps, step_size=alpha or None,
        random_start=bool(random_v), targeted=bool(targeted_v), target=target_idx, seed=seed, names=names,
        stop=stop_ev, on_step=on_step)
    delta_img, factor = adv.perturbation_image(x_adv - x, eps)
    summary = {**summary, "network": net_key, "amplification": factor}
    target_label = names[target_idx] if target_idx is not None else None
    note = t(lang, "adversarial_delta_note", factor=num(lang, factor, 1), eps=av.eps_text(lang, eps),
             linf=av.eps_text(lang, summary["linf"]))
    return (av.status_markdown(summary, method_v, eps, lang, bool(targeted_v), target_label),
            av.to_picture(x[0].numpy()), av.to_picture(delta_img), av.to_picture(x_adv[0].numpy()), note,
            av.predictions_figure(summary["before"], summary["after"], lang), summary)


def stop_attack(store, request: gr.Request) -> None:
    """Stop this session's running PGD attack or ε sweep."""
    sess = store.get(session_key(request))
    sess.cancel("attack")
    sess.cancel("sweep")


@friendly
def attack_classes(store, net_key, targeted_v, target_v, lang, request: gr.Request):
    """The class list of the chosen network, for the target of a targeted attack."""
    net_obj = _net(store, net_key, lang, request)
    names = net_obj.class_names(lang)
    value = target_v if isinstance(target_v, int) and 0 <= target_v < len(names) else (
        8 if net_key != "imagenet" else 967)  # a bag / an espresso: easy to recognise
    return gr.update(choices=av.class_choices(names), value=value, visible=bool(targeted_v))


_SWEPT = memo.Memo(16)  # accuracy curves of the shipped networks


@friendly
def epsilon_sweep(store, nets_v, method_v, n_v, max_v, steps_v, lang, request: gr.Request):
    """Accuracy against ε on a seeded batch of test images for each chosen network (the shipped
    CNN, the adversarially trained one, this session's), under FGSM or PGD. Streams the curves as
    each network finishes; the JSON has the accuracy at every ε."""
    if not isinstance(nets_v, list) or not nets_v or any(k not in SWEEP_NETS for k in nets_v):
        raise user_error(lang, "err_adversarial_sweep_nets", choices=", ".join(SWEEP_NETS))
    if method_v not in adv.METHODS:
        raise user_error(lang, "err_adversarial_bad_attack", value=str(method_v)[:20])
    n = int_in(n_v, 100, 2000, lang, "adversarial_sweep_n")
    max_255 = float_in(max_v, 2, EPS_MAX_255, lang, "adversarial_sweep_max")
    n_steps = int_in(steps_v, 1, 40, lang, "adversarial_steps_label")
    networks = {k: _net(store, k, lang, request) for k in nets_v}
    sess = store.get(session_key(request))
    stop_ev = sess.new_run("sweep")
    grid = av.eps_grid(max_255)
    names = {k: t(lang, f"net_{k}") for k in networks}
    curves: dict[str, list[dict]] = {}
    for i, (key, net_obj) in enumerate(networks.items()):
        curves[key] = []
        yield (t(lang, "adversarial_sweep_running", net=names[key], i=i + 1, n=len(networks)),
               av.sweep_figure(curves, names, method_v, lang), gr.skip())

        # a shipped network's curve is the same for everyone (explorer.memo): kept once complete
        shared = (memo.key_of("sweep", key, method_v, n, repr(max_255), n_steps)
                  if key != "session" else None)
        rows = _SWEPT.get(shared)
        if rows is None:
            ds_name = sess.params.get("dataset", "fashion") if key == "session" else "fashion"
            x, y = adv.sample_batch(data.load(ds_name).test, n, seed=0)
            rows = adv.epsilon_sweep(net_obj.module, x, y, grid, method_v, pgd_steps=n_steps, stop=stop_ev)
            if not stop_ev.is_set():
                _SWEPT.put(shared, rows)
        curves[key] = rows
        if stop_ev.is_set():
            yield (t(lang, "adversarial_sweep_stopped"), av.sweep_figure(curves, names, method_v, lang),
                   av.sweep_summary(curves, method_v, n, n_steps))
            return
    yield (t(lang, "adversarial_sweep_done", n=n), av.sweep_figure(curves, names, method_v, lang),
           av.sweep_summary(curves, method_v, n, n_steps))


@friendly
def apply_preset(name, lang):
    """A teaching scenario's settings and its lesson: the image (source, sample, test-set index),
    the network, attack, ε (grey levels), PGD steps, step (0 = automatic), random start, seed,
    targeted and target class; the sweep's networks, attack, images, largest ε and steps."""
    p = SCENARIOS.get_checked(name)
    sw = p["sweep"]
    # the target as a plain class index: /attack_classes (on the network's or the checkbox's
    # change) gives the dropdown its choices and keeps this value
    return (p["source"], p["sample"], p["index"], p["net"], p["method"], p["eps_255"], p["steps"],
            p["step_255"], p["random_start"], p["seed"], p["targeted"], p["target"], list(sw["nets"]), sw["method"],
            sw["images"], sw["max_255"], sw["steps"], SCENARIOS.lesson(name, lang))


def image_snapshot(src, smp, idx):
    return [src, smp, idx]


def _same(a, b) -> bool:
    try:
        return a == b or float(a) == float(b)
    except (TypeError, ValueError):
        return False


def attack_gate(name, snap, src, smp, idx):
    """Go on to the attack unless this is the sweep scenario, or the scenario changed the image:
    then the image's own change event runs the attack (once, not twice)."""
    changed = snap is None or not all(_same(a, b) for a, b in zip(snap, (src, smp, idx), strict=False))
    if changed or name not in SCENARIOS or SCENARIOS[name]["run_sweep"]:
        wiring.end_chain()


# ---- the page's sections ---------------------------------------------------------------------------

@dataclass
class Controls:
    """The attack's settings (left column), with the scenario picker above them."""

    scenario: gr.Dropdown
    next_scenario: gr.Button
    lesson: gr.Markdown
    snapshot: gr.State  # the image inputs just before a scenario set them
    inp: inputs.ImageInputs
    net: gr.Radio
    method: gr.Radio
    eps: gr.Slider
    pgd: list  # steps, step size, random start, seed
    targeted: gr.Checkbox
    target: gr.Dropdown
    run: gr.Button
    stop: gr.Button

    @property
    def settings(self) -> list:
        """The attack's inputs after the image, in the handler's order."""
        return [self.net, self.method, self.eps, *self.pgd, self.targeted, self.target]


@dataclass
class Sweep:
    """The accuracy-versus-ε sweep: its settings, buttons and views."""

    nets: gr.CheckboxGroup
    method: gr.Radio
    n: gr.Slider
    max: gr.Slider
    steps: gr.Slider
    run: gr.Button
    stop: gr.Button
    status: gr.Markdown
    plot: gr.Plot
    json: gr.JSON

    @property
    def settings(self) -> list:
        return [self.nets, self.method, self.n, self.max, self.steps]

    @property
    def views(self) -> list:
        return [self.status, self.plot, self.json]


# Some controls' elem_ids (``adv_step_label``, ``adv_random_start``, ``adv_method_label``, ``sweep_n``,
# ``sweep_max``) are their keys in a shared link and in /share_link (explorer/ui/share.py): the
# translation keys of their labels before the keys took the tab's name, so shared links still work.

def _controls_column() -> Controls:
    scenario, following, lesson = wiring.scenario_picker(SCENARIOS, "adv")
    snapshot = gr.State(None)
    inp = inputs.build("adv", "cat", "sample")
    net = gr.Radio([(L(f"net_{k}"), k) for k in NETS], value="imagenet", label=L("net_label"), elem_id="adv-net")
    method = gr.Radio([(L(f"adversarial_method_{m}"), m) for m in adv.METHODS], value="pgd",
                      label=L("adversarial_method_label"), elem_id="adv-method")
    eps = Slider(0, EPS_MAX_255, value=2, step=0.5, label=L("adversarial_eps_label"),
                 info=L("adversarial_eps_info"), elem_id="adv-eps")
    with gr.Accordion(L("adversarial_pgd_section"), open=False):
        steps = Slider(*adv.PGD_STEPS, value=adv.DEFAULT_STEPS, step=1, label=L("adversarial_steps_label"))
        step_size = Slider(0, 16, value=0, step=0.25, label=L("adversarial_step_label"),
                           info=L("adversarial_step_info"), elem_id="adv_step_label")
        random_start = gr.Checkbox(True, label=L("adversarial_random_start"), elem_id="adv_random_start")
        seed = Number(0, precision=0, label=L("seed_label"))
    targeted = gr.Checkbox(False, label=L("adversarial_targeted"), elem_id="adv-targeted")
    target = gr.Dropdown([], label=L("adversarial_target_label"), allow_custom_value=True, elem_id="adv-target",
                         visible=False)
    with gr.Row():
        run = gr.Button(L("adversarial_run"), variant="primary", elem_id="adv-run")
        stop = gr.Button(L("stop_button"), variant="stop", elem_id="adv-stop")
    pgd = [steps, step_size, random_start, seed]
    return Controls(scenario, following, lesson, snapshot, inp, net, method, eps, pgd, targeted, target, run, stop)


def _attack_views() -> list:
    """The status, the three pictures (original, perturbation, adversarial), the predictions, the JSON."""
    status = gr.Markdown(elem_id="adv-status")
    with gr.Row():
        img_orig = OutputImage(label=L("adversarial_original"), interactive=False, elem_id="adv-original",
                               height=260, format="png")
        img_delta = OutputImage(label=L("adversarial_perturbation"), interactive=False, elem_id="adv-delta",
                                height=260, format="png")
        # an input of /send_image too: its file is read by explorer.images, not decoded by Gradio
        img_adv = ImagePath(label=L("adversarial_adversarial"), interactive=False, elem_id="adv-image",
                            height=260, format="png", buttons=["download"])
    delta_note = gr.Markdown(elem_id="adv-delta-note")
    preds = gr.Plot(label=L("adversarial_predictions"), elem_id="adv-predictions")
    return [status, img_orig, img_delta, img_adv, delta_note, preds, wiring.json_panel("/attack", "adv-json")]


def _sweep_section() -> Sweep:
    gr.Markdown(L("adversarial_sweep_heading"))
    gr.Markdown(L("adversarial_sweep_intro"))
    with gr.Row(equal_height=False):
        with gr.Column(scale=1, min_width=300):
            nets_v = CheckboxGroup([(L(f"net_{k}"), k) for k in SWEEP_NETS], value=["fashion", "fashion_adv"],
                                      label=L("adversarial_sweep_nets"), elem_id="sweep-nets")
            method = gr.Radio([(L(f"adversarial_method_{m}"), m) for m in adv.METHODS], value="fgsm",
                              label=L("adversarial_method_label"), elem_id="adv_method_label")
            n = Slider(100, 2000, value=500, step=100, label=L("adversarial_sweep_n"), elem_id="sweep_n")
            max_255 = Slider(2, EPS_MAX_255, value=32, step=1, label=L("adversarial_sweep_max"), elem_id="sweep_max")
            steps = Slider(1, 40, value=10, step=1, label=L("adversarial_steps_label"))
            with gr.Row():
                run = gr.Button(L("adversarial_sweep_run"), variant="primary", elem_id="sweep-run")
                stop = gr.Button(L("stop_button"), variant="stop", elem_id="sweep-stop")
        with gr.Column(scale=2):
            status = gr.Markdown(elem_id="sweep-status")
            plot = gr.Plot(label=L("adversarial_sweep_label"), elem_id="sweep-plot")
            sweep_json = wiring.json_panel("/epsilon_sweep", "sweep-json")
    return Sweep(nets_v, method, n, max_255, steps, run, stop, status, plot, sweep_json)


# ---- the tab -----------------------------------------------------------------------------------------

def build(store: SessionStore, lang: gr.Radio) -> inputs.ImageInputs:
    with gr.Tab(L("tab_adversarial"), id="adversarial", elem_id="tab-adversarial") as tab:
        shown = shown_flag()
        gr.Markdown(L("adversarial_intro"))
        with gr.Row(equal_height=False):
            with gr.Column(scale=1, min_width=300):
                c = _controls_column()
            with gr.Column(scale=2):
                views = _attack_views()
        sweep = _sweep_section()
    _wire(store, lang, tab, shown, c, views, sweep)
    c.inp.sends = views[3]  # the adversarial image
    return c.inp  # for the send-to bar (explorer.ui.send)


def _wire(store: SessionStore, lang: gr.Radio, tab: gr.Tab, shown: gr.Checkbox, c: Controls, views: list,
          sweep: Sweep) -> None:
    attack_fn, sweep_fn, classes_fn = bind(attack, store), bind(epsilon_sweep, store), bind(attack_classes, store)
    attack_in = c.inp.components + c.settings + [lang]
    sweep_in = sweep.settings + [lang]
    c.run.click(attack_fn, attack_in, views, api_name="attack", show_progress="minimal", show_progress_on=[views[0]],
                **QUEUE)
    # a scenario: note the image, set every control (and the lesson), then attack or sweep
    scenario_out = c.inp.components[:3] + c.settings + sweep.settings + [c.lesson]
    image_in = c.inp.components[:3]
    applied = [c.scenario.input(image_snapshot, image_in, [c.snapshot], **GATE).then(
                   apply_preset, [c.scenario, lang], scenario_out, api_name="adversarial_preset",
                   show_progress="hidden"),
               wiring.next_scenario_event(c.next_scenario, c.scenario, SCENARIOS).then(
                   image_snapshot, image_in, [c.snapshot], **GATE).then(
                   apply_preset, [c.scenario, lang], scenario_out, api_visibility="undocumented",
                   show_progress="hidden")]
    stop_fn = bind(stop_attack, store)
    c.stop.click(stop_fn, None, None, api_name="stop_attack", queue=False)
    sweep.stop.click(stop_fn, None, None, api_visibility="private", queue=False)
    classes_in = [c.net, c.targeted, c.target, lang]
    gr.on([c.net.change, c.targeted.change], classes_fn, classes_in, [c.target], api_name="attack_classes",
          show_progress="hidden")
    sweep.run.click(sweep_fn, sweep_in, sweep.views, api_name="epsilon_sweep", show_progress="minimal",
                    show_progress_on=[sweep.status], **QUEUE)
    inputs.wire(c.inp).success(attack_fn, attack_in, views, **QUEUE, **HIDDEN)

    for ev in applied:
        ev.success(attack_gate, [c.scenario, c.snapshot] + image_in, None, **GATE).success(
            attack_fn, attack_in, views, api_visibility="undocumented", show_progress="minimal",
            show_progress_on=[views[0]], **QUEUE)
        ev.success(None, [c.scenario], None, js=SWEEP_SCENARIO_JS, show_progress="hidden").success(
            sweep_fn, sweep_in, sweep.views, api_visibility="undocumented", show_progress="minimal",
            show_progress_on=[sweep.status], **QUEUE)

    lesson_fn = wiring.lesson_handler(SCENARIOS)
    for ev in draw_events(tab, shown, lang):
        ev.success(lesson_fn, [c.scenario, lang], [c.lesson], **HIDDEN)
        ev.success(classes_fn, classes_in, [c.target], **HIDDEN).success(attack_fn, attack_in, views, **QUEUE,
                                                                          **HIDDEN)
