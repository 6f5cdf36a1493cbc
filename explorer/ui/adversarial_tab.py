"""The Adversarial tab: how easily a network is fooled. One image attacked with FGSM or PGD
(untargeted or toward a chosen class), and the accuracy-versus-ε curve of several networks on a
batch of test images. The work is in ``explorer.adversarial``; the pictures in
``explorer.adversarial_view``.

API (gradio_client): ``/attack``, ``/epsilon_sweep`` (streams), ``/stop_attack``,
``/attack_classes``.
"""
from __future__ import annotations

import os
import gradio as gr
import numpy as np
import torch

from explorer import adversarial as adv
from explorer import adversarial_view as av
from explorer import data, filters, filters_view as fv
from explorer.i18n import num, t
from explorer.session import SessionStore
from explorer.ui import inputs
from explorer.ui.common import L, draw_events, float_in, friendly, int_in, lang_of, session_key, user_error
from explorer.ui.components import ImagePath, Number, Slider

NETS = ("fashion", "fashion_adv", "session", "imagenet")
SWEEP_NETS = ("fashion", "fashion_adv", "session")
EPS_MAX_255 = 64  # the ε slider's range, in grey levels
# Attacks and sweeps are seconds of CPU each: a queue of their own, beside training's.
ATTACK_CONCURRENCY = int(os.environ.get("DLE_ATTACK_CONCURRENCY", "1"))


def _net(key: str, lang: str, request: gr.Request | None, store: SessionStore) -> filters.Net:
    return inputs.network(key, NETS, lang, request, store)


def build(store: SessionStore, lang: gr.Radio) -> tuple[inputs.ImageInputs, gr.Image]:
    with gr.Tab(L("tab_adversarial"), id="adversarial", elem_id="tab-adversarial") as tab:
        shown = gr.State(False)
        gr.Markdown(L("adv_intro"))
        with gr.Row(equal_height=False):
            with gr.Column(scale=1, min_width=300):
                inp = inputs.build("adv", "cat", "sample")
                net = gr.Radio([(L(f"net_{k}"), k) for k in NETS], value="imagenet", label=L("net_label"),
                               elem_id="adv-net")
                method = gr.Radio([(L(f"adv_method_{m}"), m) for m in adv.METHODS], value="pgd",
                                  label=L("adv_method_label"), elem_id="adv-method")
                eps = Slider(0, EPS_MAX_255, value=2, step=0.5, label=L("adv_eps_label"),
                                info=L("adv_eps_info"), elem_id="adv-eps")
                with gr.Accordion(L("adv_pgd_section"), open=False):
                    steps = Slider(*adv.PGD_STEPS, value=adv.DEFAULT_STEPS, step=1, label=L("adv_steps_label"))
                    step_size = Slider(0, 16, value=0, step=0.25, label=L("adv_step_label"),
                                          info=L("adv_step_info"))
                    random_start = gr.Checkbox(True, label=L("adv_random_start"))
                    seed = Number(0, precision=0, label=L("seed_label"))
                targeted = gr.Checkbox(False, label=L("adv_targeted"), elem_id="adv-targeted")
                target = gr.Dropdown([], label=L("adv_target_label"), allow_custom_value=True,
                                     elem_id="adv-target", visible=False)
                with gr.Row():
                    run = gr.Button(L("adv_run"), variant="primary", elem_id="adv-run")
                    stop = gr.Button(L("stop_button"), variant="stop", elem_id="adv-stop")
            with gr.Column(scale=2):
                status = gr.Markdown(elem_id="adv-status")
                with gr.Row():
                    img_orig = gr.Image(label=L("adv_original"), interactive=False, elem_id="adv-original",
                                        height=260, format="png")
                    img_delta = gr.Image(label=L("adv_perturbation"), interactive=False, elem_id="adv-delta",
                                         height=260, format="png")
                    # an input of /send_image too: its file is read by explorer.images, not decoded by Gradio
                    img_adv = ImagePath(label=L("adv_adversarial"), interactive=False, elem_id="adv-image",
                                        height=260, format="png", buttons=["download"])
                delta_note = gr.Markdown(elem_id="adv-delta-note")
                preds = gr.Plot(label=L("adv_predictions"), elem_id="adv-predictions")
                with gr.Accordion(L("json_label"), open=False):
                    attack_json = gr.JSON(label="/attack", elem_id="adv-json")
        gr.Markdown(L("sweep_heading"))
        gr.Markdown(L("sweep_intro"))
        with gr.Row(equal_height=False):
            with gr.Column(scale=1, min_width=300):
                sweep_nets = gr.CheckboxGroup([(L(f"net_{k}"), k) for k in SWEEP_NETS],
                                              value=["fashion", "fashion_adv"], label=L("sweep_nets"),
                                              elem_id="sweep-nets")
                sweep_method = gr.Radio([(L(f"adv_method_{m}"), m) for m in adv.METHODS], value="fgsm",
                                        label=L("adv_method_label"))
                sweep_n = Slider(100, 2000, value=500, step=100, label=L("sweep_n"))
                sweep_max = Slider(2, EPS_MAX_255, value=32, step=1, label=L("sweep_max"))
                sweep_steps = Slider(1, 40, value=10, step=1, label=L("adv_steps_label"))
                with gr.Row():
                    sweep_run = gr.Button(L("sweep_run"), variant="primary", elem_id="sweep-run")
                    sweep_stop = gr.Button(L("stop_button"), variant="stop")
            with gr.Column(scale=2):
                sweep_status = gr.Markdown(elem_id="sweep-status")
                sweep_plot = gr.Plot(label=L("sweep_label"), elem_id="sweep-plot")
                with gr.Accordion(L("json_label"), open=False):
                    sweep_json = gr.JSON(label="/epsilon_sweep", elem_id="sweep-json")

    # ---- handlers -------------------------------------------------------------------------------

    @friendly
    def attack(src, smp, idx, up, sk, net_key, method_v, eps_v, steps_v, step_v, random_v, seed_v,
               targeted_v, target_v, lang, request: gr.Request, progress=gr.Progress()):
        """Attack one image: FGSM, or PGD in the L∞ ball (ε in grey levels k/255), untargeted or toward
        a target class. Returns the original as the network sees it, the perturbation (amplified,
        its scale stated), the adversarial image, predictions before and after, and a JSON summary
        (top-5 before/after, whether the prediction flipped, L∞ of the perturbation)."""
        lang = lang_of(lang)
        net_obj = _net(net_key, lang, request, store)
        if method_v not in adv.METHODS:
            raise user_error(lang, "err_bad_attack", value=str(method_v)[:20])
        eps = float_in(eps_v, 0, EPS_MAX_255, lang, "adv_eps_label") / 255
        n_steps = int_in(steps_v, *adv.PGD_STEPS, lang, "adv_steps_label")
        alpha = float_in(step_v, 0, 16, lang, "adv_step_label") / 255
        seed = int_in(seed_v, 0, 2**31 - 1, lang, "seed_label")
        names = net_obj.class_names(lang)
        target_idx = None
        if targeted_v:
            target_idx = int_in(target_v, 0, len(names) - 1, lang, "adv_target_label")
        img = fv.load_input(src, smp, idx, up, sk)
        pre = net_obj.prepare(img, from_dataset=src == "dataset")
        x = torch.from_numpy(np.ascontiguousarray(pre.array, dtype=np.float32))[None]
        model = net_obj.module
        with torch.inference_mode():
            y_true = int(model(x).argmax(1)) if target_idx is None else target_idx
        stop_ev = store.get(session_key(request)).new_run("attack")

        def on_step(st):
            progress(st.step / st.steps, desc=t(lang, "adv_progress", step=st.step, steps=st.steps))

        x_adv = adv.attack(model, x, y_true, eps, method_v, steps=n_steps, step_size=alpha or None,
                           random_start=bool(random_v), targeted=bool(targeted_v), seed=seed, stop=stop_ev,
                           on_step=on_step)
        summary = adv.attack_summary(model, x, x_adv, names)
        delta_img, factor = adv.perturbation_image(x_adv - x, eps)
        summary.update({"network": net_key, "method": method_v, "eps": eps, "eps_255": eps * 255,
                        "steps": n_steps if method_v == "pgd" else 1,
                        "step_size": (alpha or adv.default_step(eps, n_steps)) if method_v == "pgd" else eps,
                        "targeted": bool(targeted_v), "target": target_idx, "amplification": factor})
        target_label = names[target_idx] if target_idx is not None else None
        note = t(lang, "adv_delta_note", factor=num(lang, factor, 1), eps=av.eps_text(lang, eps),
                 linf=av.eps_text(lang, summary["linf"]))
        return (av.status_markdown(summary, method_v, eps, lang, bool(targeted_v), target_label),
                av.to_picture(x[0].numpy()), av.to_picture(delta_img), av.to_picture(x_adv[0].numpy()), note,
                av.predictions_figure(summary["before"], summary["after"], lang), summary)

    def stop_attack(request: gr.Request) -> None:
        """Stop this session's running PGD attack or ε sweep."""
        sess = store.get(session_key(request))
        sess.cancel("attack")
        sess.cancel("sweep")

    @friendly
    def attack_classes(net_key, targeted_v, target_v, lang, request: gr.Request):
        """The class list of the chosen network, for the target of a targeted attack."""
        lang = lang_of(lang)
        net_obj = _net(net_key, lang, request, store)
        names = net_obj.class_names(lang)
        value = target_v if isinstance(target_v, int) and 0 <= target_v < len(names) else (
            8 if net_key != "imagenet" else 967)  # a bag / an espresso: easy to recognise
        return gr.update(choices=av.class_choices(names), value=value, visible=bool(targeted_v))

    @friendly
    def epsilon_sweep(nets_v, method_v, n_v, max_v, steps_v, lang, request: gr.Request):
        """Accuracy against ε on a seeded batch of test images for each chosen network (the shipped
        CNN, the adversarially trained one, this session's), under FGSM or PGD. Streams the curves as
        each network finishes; the JSON has the accuracy at every ε."""
        lang = lang_of(lang)
        if not isinstance(nets_v, list) or not nets_v or any(k not in SWEEP_NETS for k in nets_v):
            raise user_error(lang, "err_sweep_nets", choices=", ".join(SWEEP_NETS))
        if method_v not in adv.METHODS:
            raise user_error(lang, "err_bad_attack", value=str(method_v)[:20])
        n = int_in(n_v, 100, 2000, lang, "sweep_n")
        max_255 = float_in(max_v, 2, EPS_MAX_255, lang, "sweep_max")
        n_steps = int_in(steps_v, 1, 40, lang, "adv_steps_label")
        nets = {k: _net(k, lang, request, store) for k in nets_v}
        sess = store.get(session_key(request))
        stop_ev = sess.new_run("sweep")
        grid = av.eps_grid(max_255)
        names = {k: t(lang, f"net_{k}") for k in nets}
        curves: dict[str, list[dict]] = {}
        for i, (key, net_obj) in enumerate(nets.items()):
            ds_name = sess.params.get("dataset", "fashion") if key == "session" else "fashion"
            x, y = adv.sample_batch(data.load(ds_name).test, n, seed=0)
            curves[key] = []
            yield (t(lang, "sweep_running", net=names[key], i=i + 1, n=len(nets)),
                   av.sweep_figure(curves, names, method_v, lang), gr.skip())

            rows = adv.epsilon_sweep(net_obj.module, x, y, grid, method_v, pgd_steps=n_steps, stop=stop_ev)
            curves[key] = rows
            if stop_ev.is_set():
                yield (t(lang, "sweep_stopped"), av.sweep_figure(curves, names, method_v, lang),
                       av.sweep_summary(curves, method_v, n, n_steps))
                return
        yield (t(lang, "sweep_done", n=n), av.sweep_figure(curves, names, method_v, lang),
               av.sweep_summary(curves, method_v, n, n_steps))

    # ---- wiring ---------------------------------------------------------------------------------
    attack_in = inp.components + [net, method, eps, steps, step_size, random_start, seed, targeted, target, lang]
    attack_out = [status, img_orig, img_delta, img_adv, delta_note, preds, attack_json]
    run.click(attack, attack_in, attack_out, api_name="attack", concurrency_limit=ATTACK_CONCURRENCY,
              concurrency_id="attack", show_progress="minimal", show_progress_on=[status])
    stop.click(stop_attack, None, None, api_name="stop_attack", queue=False)
    sweep_stop.click(stop_attack, None, None, api_visibility="private", queue=False)
    classes_in = [net, targeted, target, lang]
    gr.on([net.change, targeted.change], attack_classes, classes_in, [target], api_name="attack_classes",
          show_progress="hidden")
    sweep_run.click(epsilon_sweep, [sweep_nets, sweep_method, sweep_n, sweep_max, sweep_steps, lang],
                    [sweep_status, sweep_plot, sweep_json], api_name="epsilon_sweep",
                    concurrency_limit=ATTACK_CONCURRENCY, concurrency_id="attack", show_progress="minimal",
                    show_progress_on=[sweep_status])
    hidden = dict(api_visibility="undocumented", show_progress="hidden")
    checked = inputs.wire(inp)
    checked.success(attack, attack_in, attack_out, concurrency_limit=ATTACK_CONCURRENCY, concurrency_id="attack",
                    **hidden)

    for ev in draw_events(tab, shown, lang):
        ev.success(attack_classes, classes_in, [target], **hidden).success(
            attack, attack_in, attack_out, concurrency_limit=ATTACK_CONCURRENCY, concurrency_id="attack", **hidden)
    return (inp, img_adv)  # for the send-to bar (explorer.ui.send)
