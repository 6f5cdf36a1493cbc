"""Optimizers on 2-D loss surfaces (explorer.basics.surfaces, surface_views): our numpy optimizers
against torch.optim step by step, our analytic gradients against torch.autograd, the scenarios'
measured claims (and the lesson texts that quote them), the input checks, and the figures."""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch

from explorer import i18n
from explorer.basics import surface_views as V
from explorer.basics import surfaces as S
from explorer.errors import InputError
from explorer.i18n import num, t

STEPS = 200
# Until the lead merges the keys into explorer/locales, the texts come from the helper's keys file.
KEYS_FILE = Path("/work/notes/basics_keys_surfaces.json")


@pytest.fixture(scope="module", autouse=True)
def texts():
    """The tab's texts in explorer.i18n's tables (from the keys file if the locales lack them)."""
    if "basics_axis_x1" in i18n.TEXT["en"] or not KEYS_FILE.is_file():
        yield
        return
    keys = json.loads(KEYS_FILE.read_text(encoding="utf-8"))
    with pytest.MonkeyPatch.context() as mp:
        for lang in i18n.LANGS:
            mp.setattr(i18n, "TEXT", {**i18n.TEXT, lang: {**i18n.TEXT[lang], **keys[lang]}})
        yield


# ---------------------------------------------------------------------------------------------------
# (a) our optimizers = torch.optim


def torch_optimizer(name: str, p: torch.Tensor, lr: float, momentum=0.9, beta1=0.9, beta2=0.999, alpha=0.99):
    """torch.optim's optimizer for ``name`` with torch's own defaults besides what we set."""
    if name == "sgd":
        return torch.optim.SGD([p], lr=lr)
    if name == "momentum":
        return torch.optim.SGD([p], lr=lr, momentum=momentum)
    if name == "nesterov":
        return torch.optim.SGD([p], lr=lr, momentum=momentum, nesterov=True)
    if name == "adagrad":
        return torch.optim.Adagrad([p], lr=lr)
    if name == "rmsprop":
        return torch.optim.RMSprop([p], lr=lr, alpha=alpha)
    if name == "adam":
        return torch.optim.Adam([p], lr=lr, betas=(beta1, beta2))
    raise ValueError(name)


def torch_path(function: str, name: str, steps: int, lr: float, noise: np.ndarray, start=None, **hyper) -> np.ndarray:
    """torch.optim's path on ``function``: a float64 tensor of 2 parameters whose .grad is set by
    hand to the analytic gradient plus the same noise our run used."""
    surf = S.SURFACES[function]
    p = torch.tensor(start or surf.start, dtype=torch.float64, requires_grad=True)
    opt = torch_optimizer(name, p, lr, **hyper)
    out = [p.detach().clone().numpy()]
    for k in range(steps):
        x, y = p.detach().numpy()
        gx, gy = surf.grad(x, y)
        p.grad = torch.tensor([gx, gy], dtype=torch.float64) + torch.from_numpy(noise[k])
        opt.step()
        out.append(p.detach().clone().numpy())
    return np.array(out)


def assert_same_path(ours: np.ndarray, ref: np.ndarray) -> None:
    """Equal to 1e-12 relative; coordinates that shrink to ~0 (a converged run) are compared at
    1e-12 of the path's own scale (their relative error is that of a difference of rounded numbers)."""
    scale = float(np.max(np.abs(ref)))
    np.testing.assert_allclose(ours, ref, rtol=1e-12, atol=1e-12 * scale)


@pytest.mark.parametrize("function", S.FUNCTIONS)
def test_every_optimizer_follows_torch_path(function):
    res = S.run(function, list(S.OPTIMIZERS), steps=STEPS, seed=7)
    noise = S.gradient_noise(STEPS, res["noise"], 7)
    assert (res["noise"] > 0) == (function == "noisy") and np.any(noise) == (function == "noisy")
    for r in res["runs"]:
        assert not r["diverged"], (function, r["optimizer"])  # the suggested rates stay in the window
        ref = torch_path(function, r["optimizer"], STEPS, r["lr"], noise)
        ours = np.asarray(r["path"])
        assert ours.shape == (STEPS + 1, 2)
        assert_same_path(ours, ref)


def test_hyperparameters_reach_the_update_as_torch_reads_them():
    """Non-default β, β₁, β₂, α (β₁ = 0.3: torch's lerp takes its other branch) on Beale with noise."""
    hyper = dict(momentum=0.5, beta1=0.3, beta2=0.9, alpha=0.8)
    res = S.run("beale", list(S.OPTIMIZERS), steps=STEPS, noise=0.5, seed=3, **hyper)
    noise = S.gradient_noise(STEPS, 0.5, 3)
    for r in res["runs"]:
        assert_same_path(np.asarray(r["path"]), torch_path("beale", r["optimizer"], STEPS, r["lr"], noise, **hyper))


def test_a_diverging_run_matches_torch_until_it_stops():
    res = S.run("bowl", ["sgd", "momentum"], steps=STEPS, lr=[0.105, 0.3])
    for r in res["runs"]:
        assert r["diverged"] and r["steps_to_tol"] is None
        path = np.asarray(r["path"])
        assert len(path) == r["diverged_at"] + 1 == len(r["loss"])
        ref = torch_path("bowl", r["optimizer"], r["diverged_at"], r["lr"], np.zeros((STEPS, 2)))
        assert_same_path(path, ref)
        assert not S.SURFACES["bowl"].in_box(path[-1]) and all(S.SURFACES["bowl"].in_box(p) for p in path[:-1])


def test_noise_is_the_same_for_every_run():
    res = S.run("noisy", ["sgd", "sgd", "adam"], steps=50, lr=[0.05, 0.05, 0.1], seed=11)
    a, b = (np.asarray(r["path"]) for r in res["runs"][:2])
    assert np.array_equal(a, b)
    other = S.run("noisy", ["sgd"], steps=50, lr=0.05, seed=12)["runs"][0]["path"]
    assert not np.array_equal(a, np.asarray(other))
    # the reported loss is the true (noise-free) function at the path's points
    f = S.SURFACES["noisy"].value(a[:, 0], a[:, 1])
    np.testing.assert_array_equal(f, res["runs"][0]["loss"])


# ---------------------------------------------------------------------------------------------------
# (b) analytic gradients = autograd, values and minima by hand


@pytest.mark.parametrize("function", S.FUNCTIONS)
def test_analytic_gradient_equals_autograd(function):
    surf = S.SURFACES[function]
    rng = np.random.default_rng(0)
    pts = np.column_stack([rng.uniform(*surf.xlim, 50), rng.uniform(*surf.ylim, 50)])
    x = torch.tensor(pts[:, 0], dtype=torch.float64, requires_grad=True)
    y = torch.tensor(pts[:, 1], dtype=torch.float64, requires_grad=True)
    surf.value(x, y).sum().backward()
    gx, gy = surf.grad(pts[:, 0], pts[:, 1])
    np.testing.assert_allclose(gx, x.grad.numpy(), rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(gy, y.grad.numpy(), rtol=1e-12, atol=1e-9)


def test_values_and_minima_by_hand():
    assert S.bowl(1.0, 1.0) == 10.5
    assert S.rosenbrock(-1.5, 2.0) == 6.25 + 6.25
    assert S.beale(1.0, 1.5) == pytest.approx(4 + 12.25 + 25)
    assert S.saddle(2.0, 1.0) == 4 - 1 + 0.5
    for surf in S.SURFACES.values():
        for mx, my in surf.minima:
            assert surf.value(mx, my) == pytest.approx(surf.f_min, abs=1e-15)
            assert np.allclose(surf.grad(mx, my), 0, atol=1e-12)
        for sx, sy in surf.saddles:
            assert np.allclose(surf.grad(sx, sy), 0)
    assert S.SURFACES["bowl"].notes["condition_number"] == 20
    assert abs(S.ROSEN_L_START - 2092.3) < 0.1


# ---------------------------------------------------------------------------------------------------
# (c) the scenarios' measured claims, and the lessons that quote them


def _lesson_quotes(lang: str, key: str, numbers: list[tuple[float, int]]) -> None:
    """Each (value, decimals) appears in the lesson ``key``, written as the reader of ``lang`` expects."""
    text = t(lang, key)
    if text == key:  # texts not available: the numbers are still checked below
        return
    for value, digits in numbers:
        assert num(lang, value, digits) in text, (lang, key, num(lang, value, digits))


def _check_lesson(name: str, numbers: list[tuple[float, int]]) -> None:
    for lang in i18n.LANGS:
        _lesson_quotes(lang, f"basics_scn_{name}_lesson", numbers)


def test_lr_too_high():
    m = S.measure("opt_lr_too_high")["runs"]
    high, low = m
    assert high["lr"] > 2 / 20 > low["lr"]
    assert high["diverged"] and high["diverged_at"] == 30 and round(high["final_distance"]) == 26
    assert not low["diverged"] and low["steps_to_tol"] == 61 and low["final_loss"] < 1e-7
    _check_lesson("opt_lr_too_high", [(0.095, 3), (0.105, 3), (61, 0), (30, 0), (26, 0)])


def test_momentum_overshoots():
    sgd, m9, m99 = S.measure("opt_momentum_overshoots")["runs"]
    assert (m9["momentum"], m99["momentum"]) == (0.9, 0.99)
    assert sgd["crossings"] == 0 and round(sgd["final_distance"], 2) == 0.54 and round(sgd["final_loss"], 2) == 0.14
    assert m9["crossings"] == 5 and round(m9["max_x1"], 2) == 0.61 and m9["steps_to_tol"] == 117
    assert round(m99["max_x1"], 2) == 3.42 and round(m99["final_loss"], 2) == 2.69 and m99["steps_to_tol"] is None
    assert m99["final_loss"] > sgd["final_loss"] > m9["final_loss"]
    _check_lesson("opt_momentum_overshoots", [(0.54, 2), (0.14, 2), (0.61, 2), (117, 0), (3.42, 2), (2.69, 2)])


def test_adam_beats_sgd_in_rosenbrock_valley():
    sgd, adam = S.measure("opt_adam_vs_sgd_rosenbrock")["runs"]
    assert not sgd["diverged"] and round(sgd["final_distance"], 2) == 1.75 and round(sgd["final_loss"], 2) == 2.76
    assert adam["steps_to_tol"] == 846 and adam["final_distance"] < 0.01 < sgd["final_distance"]
    faster = S.run("rosenbrock", ["sgd"], steps=1000, lr=0.0021)["runs"][0]
    assert faster["diverged_at"] == 7
    assert abs(2 / S.ROSEN_L_START - 0.001) < 0.0001
    _check_lesson("opt_adam_vs_sgd_rosenbrock", [(0.0021, 4), (7, 0), (0.001, 3), (1.75, 2), (2.76, 2), (846, 0)])


def test_who_escapes_the_saddle():
    runs = {r["optimizer"]: r for r in S.measure("opt_saddle")["runs"]}
    escape = {k: r["escape_step"] for k, r in runs.items()}
    assert escape == {"sgd": 91, "momentum": 33, "nesterov": 29, "adagrad": 7, "rmsprop": 7, "adam": 11}
    settle = {k: r["steps_to_tol"] for k, r in runs.items()}
    assert settle == {"sgd": 115, "momentum": 109, "nesterov": 51, "adagrad": None, "rmsprop": 246, "adam": 92}
    assert round(runs["adagrad"]["final_distance"], 3) == 0.046
    assert S.SURFACES["saddle"].start == (-1.8, 1e-4)
    # on the stable manifold itself nobody escapes (the gradient along x₂ is exactly 0)
    stuck = S.run("saddle", list(S.OPTIMIZERS), steps=300, start=(-1.8, 0.0))["runs"]
    assert all(S.escape_step(r["path"]) is None for r in stuck)
    _check_lesson("opt_saddle", [(91, 0), (33, 0), (29, 0), (7, 0), (11, 0), (0.046, 3), (51, 0), (92, 0), (115, 0)])


def test_noise_keeps_a_large_constant_step_from_settling():
    sgd_big, sgd_small, adagrad, adam = S.measure("opt_noisy")["runs"]
    assert round(sgd_big["tail_loss"], 2) == 1.14 and round(sgd_small["tail_loss"], 3) == 0.017
    assert round(adagrad["tail_loss"], 3) == 0.022 and round(adam["tail_loss"], 4) == 0.0042
    assert sgd_big["tail_loss"] > 30 * max(sgd_small["tail_loss"], adagrad["tail_loss"], adam["tail_loss"])
    clean = S.run("bowl", ["sgd"], steps=300, lr=0.09)["runs"][0]  # the same SGD without noise settles
    assert clean["steps_to_tol"] is not None and clean["final_loss"] < 1e-20
    _check_lesson("opt_noisy", [(0.09, 2), (1.14, 2), (0.01, 2), (0.017, 3), (0.022, 3), (0.0042, 4)])


def test_scenarios_run_as_settings_and_are_json_ready():
    for name, settings in S.SCENARIOS.items():
        S.check_settings(**settings)
        res = S.run(**settings)
        json.dumps(res, allow_nan=False)
        summary = S.summary(res)
        json.dumps(summary, allow_nan=False)
        assert [r["optimizer"] for r in summary["runs"]] == list(settings["optimizers"]), name


# ---------------------------------------------------------------------------------------------------
# (d) invalid inputs


@pytest.mark.parametrize("kwargs, kind", [
    (dict(function="himmelblau"), "basics_function"),
    (dict(function=3), "basics_function"),
    (dict(optimizers=["adamw"]), "basics_optimizer"),
    (dict(optimizers=[]), "basics_no_optimizer"),
    (dict(optimizers=None), "basics_no_optimizer"),
    (dict(optimizers=["sgd"] * 13), "basics_too_many"),
    (dict(steps=0), "basics_steps"),
    (dict(steps=1001), "basics_steps"),
    (dict(steps=1.5), "basics_steps"),
    (dict(steps=True), "basics_steps"),
    (dict(steps="10"), "basics_steps"),
    (dict(steps=math.nan), "basics_steps"),
    (dict(lr=0.0), "basics_lr"),
    (dict(lr=-0.1), "basics_lr"),
    (dict(lr=10.5), "basics_lr"),
    (dict(lr=math.inf), "basics_lr"),
    (dict(lr="0.1"), "basics_lr"),
    (dict(lr={"sgd": 0.0}), "basics_lr"),
    (dict(lr={"adamw": 0.1}), "basics_optimizer"),
    (dict(lr=[0.1, 0.2, 0.3]), "basics_per_run"),
    (dict(momentum=1.0), "basics_beta"),
    (dict(beta1=-0.1), "basics_beta"),
    (dict(beta2=1.5), "basics_beta"),
    (dict(alpha=math.nan), "basics_beta"),
    (dict(start=(10.0, 0.0)), "basics_start"),
    (dict(start=(0.0,)), "basics_start"),
    (dict(start="0,0"), "basics_start"),
    (dict(start=(0.0, math.nan)), "basics_start"),
    (dict(noise=-1.0), "basics_noise"),
    (dict(noise=100.0), "basics_noise"),
    (dict(seed=-1), "basics_seed"),
    (dict(seed=1.5), "basics_seed"),
])
def test_invalid_inputs_raise_input_error(kwargs, kind):
    args = dict(function="bowl", optimizers=["sgd", "adam"], steps=10) | kwargs
    with pytest.raises(InputError) as err:
        S.run(**args)
    assert err.value.kind == kind
    for lang in i18n.LANGS:  # its message exists and takes the error's details
        key = f"err_{kind}"
        assert key in i18n.TEXT[lang]
        i18n.TEXT[lang][key].format(**err.value.details)


def test_valid_edge_inputs():
    assert len(S.run("bowl", ["sgd"], steps=1)["runs"][0]["path"]) == 2
    assert S.run("bowl", "adam", steps=1000.0, lr=10.0, beta1=0.0)["steps"] == 1000
    res = S.run("saddle", ["momentum", "nesterov"], steps=5, lr={"momentum": 0.2}, momentum=[0.0, 0.5], start=[2, -1.5])
    assert [r["lr"] for r in res["runs"]] == [0.2, S.SURFACES["saddle"].lr["nesterov"]]
    assert [r["momentum"] for r in res["runs"]] == [0.0, 0.5] and res["start"] == [2.0, -1.5]


# ---------------------------------------------------------------------------------------------------
# (e) figures


def test_simplify_keeps_corners_and_drops_straight_runs():
    line = np.column_stack([np.linspace(0, 1, 500), np.linspace(0, 2, 500)])
    assert list(V.simplify(line, 1e-6)) == [0, 499]
    zigzag = np.column_stack([np.arange(50.0), (-1.0) ** np.arange(50)])
    assert len(V.simplify(zigzag, 0.01)) == 50
    assert V.frame_steps(1000)[:2] == [0, 17] and V.frame_steps(1000)[-1] == 1000 and len(V.frame_steps(1000)) == 60
    assert V.frame_steps(10) == list(range(11))


def _frames_check(fig, res, lang):
    steps = V.frame_steps(res["steps"])
    assert len(fig.frames) == len(steps) <= V.MAX_FRAMES
    assert [f.name for f in fig.frames] == [str(s) for s in steps]
    slider = fig.layout.sliders[0]
    assert [s.label for s in slider.steps] == [num(lang, s) for s in steps]
    assert [list(s.args[0]) for s in slider.steps] == [[str(s)] for s in steps]
    n = len(res["runs"])
    assert all(len(f.data) == 2 * n and len(f.traces) == 2 * n for f in fig.frames)
    for i, r in enumerate(res["runs"]):  # the last frame's line ends where the run ended
        line, head = fig.frames[-1].data[2 * i], fig.frames[-1].data[2 * i + 1]
        end = np.asarray(r["path"][-1], dtype=np.float32)
        assert np.array_equal([line.x[-1], line.y[-1]], end) and np.array_equal([head.x[0], head.y[0]], end)
        first = fig.frames[0].data[2 * i]
        assert len(first.x) == 1 and first.x[0] == np.float32(res["start"][0])


@pytest.mark.parametrize("case", ["opt_lr_too_high", "opt_momentum_overshoots", "all_six_1000"])
def test_paths_figure(case):
    res = (S.run("rosenbrock", list(S.OPTIMIZERS), steps=1000) if case == "all_six_1000"
           else S.run(**S.SCENARIOS[case]))
    figs = {lang: V.paths_figure(res, lang) for lang in i18n.LANGS}
    for lang, fig in figs.items():
        _frames_check(fig, res, lang)
        assert len(fig.to_json()) < 1_500_000
        assert fig.layout.xaxis.title.text == t(lang, "basics_axis_x1")
        assert fig.layout.yaxis.title.text == t(lang, "basics_axis_x2")
        assert list(fig.layout.xaxis.range) == list(res["xlim"])
        labels = [b.label for b in fig.layout.updatemenus[0].buttons]
        assert labels == [t(lang, "basics_play"), t(lang, "basics_pause")]
        assert fig.layout.sliders[0].currentvalue.prefix.startswith(t(lang, "basics_step"))
        assert fig.layout.title.text and fig.data[0].type == "contour"
        names = [d.name for d in fig.data if d.showlegend is not False]
        assert all(any(n.startswith(t(lang, f"basics_opt_{r['optimizer']}")) for n in names) for r in res["runs"])
    assert figs["es"].layout.xaxis.title.text != figs["en"].layout.xaxis.title.text
    assert figs["es"].layout.updatemenus[0].buttons[0].label != figs["en"].layout.updatemenus[0].buttons[0].label
    if case == "opt_lr_too_high":
        name = figs["es"].data[3].name
        assert t("es", "basics_diverged_at", step="30") in name and "0,105" in name


def test_paths_figure_stays_light_with_many_noisy_runs():
    res = S.run("noisy", list(S.OPTIMIZERS) * 2, steps=1000)
    fig = V.paths_figure(res, "es")
    _frames_check(fig, res, "es")
    assert len(fig.to_json()) < 1_500_000


def test_loss_figure():
    res = S.run(**S.SCENARIOS["opt_saddle"])
    for lang in i18n.LANGS:
        fig = V.loss_figure(res, lang)
        assert fig.layout.yaxis.type == "log"
        assert fig.layout.xaxis.title.text == t(lang, "basics_axis_step")
        assert fig.layout.yaxis.title.text == t(lang, "basics_axis_gap")
        assert len(fig.data) == len(res["runs"]) and len(fig.to_json()) < 1_500_000
        for trace, r in zip(fig.data, res["runs"]):  # f − f*, floored at 1e-16, against the step
            assert len(trace.y) == len(r["loss"])
            expect = np.maximum(np.asarray(r["loss"]) + 0.5, V.LOG_FLOOR).astype(np.float32)
            np.testing.assert_array_equal(trace.y, expect)
    assert V.loss_figure(res, "es").layout.yaxis.title.text != V.loss_figure(res, "en").layout.yaxis.title.text


@pytest.mark.parametrize("function", ["rosenbrock", "bowl"])
def test_surface3d_figure(function):
    if function == "rosenbrock":
        res = S.run(function, ["sgd", "adam"], steps=300)
    else:
        res = S.run(**S.SCENARIOS["opt_lr_too_high"])  # a run that leaves the window
    titles = {}
    for lang in i18n.LANGS:
        fig = V.surface3d_figure(res, lang)
        assert fig.data[0].type == "surface" and np.shape(fig.data[0].z) == (V.GRID_3D, V.GRID_3D)
        assert not fig.frames and len(fig.to_json()) < 1_500_000
        paths = [d for d in fig.data if d.type == "scatter3d" and d.name != t(lang, "basics_minimum")]
        assert len(paths) == len(res["runs"])
        scene = fig.layout.scene
        titles[lang] = (scene.xaxis.title.text, scene.yaxis.title.text, scene.zaxis.title.text)
        assert titles[lang][0] == t(lang, "basics_axis_x1") and all(titles[lang])
        surf = S.SURFACES[function]
        for d in paths:  # only the part inside the window is drawn
            assert np.all((np.asarray(d.x) >= surf.xlim[0] - 1e-6) & (np.asarray(d.x) <= surf.xlim[1] + 1e-6))
            assert np.all((np.asarray(d.y) >= surf.ylim[0] - 1e-6) & (np.asarray(d.y) <= surf.ylim[1] + 1e-6))
    assert titles["es"] != titles["en"]
    key = "basics_axis_height_log" if function == "rosenbrock" else "basics_axis_loss"
    assert titles["en"][2] == t("en", key)


# ---------------------------------------------------------------------------------------------------
# A trained network's landscape (explorer.basics.landscape): a linear least-squares model, whose loss
# is a quadratic in its weights computed here by hand in numpy


@pytest.fixture(scope="module")
def quad():
    """nn.Linear(3, 2) in float64, data X, Y; the loss mean((X Wᵀ + b − Y)²); its least-squares
    optimum (the "trained" weights) and a start."""
    from torch import nn

    g = torch.Generator().manual_seed(0)
    X = torch.randn(200, 3, generator=g, dtype=torch.float64)
    Y = torch.randn(200, 2, generator=g, dtype=torch.float64)
    model = nn.Linear(3, 2).double()
    Xa = torch.cat([X, torch.ones(200, 1, dtype=torch.float64)], 1)
    sol = torch.linalg.lstsq(Xa, Y).solution  # (4, 2)
    trained = [sol[:3].T.contiguous(), sol[3].contiguous()]
    start = [torch.randn(2, 3, generator=g, dtype=torch.float64), torch.randn(2, generator=g, dtype=torch.float64)]

    def exact(W, b) -> float:
        W, b = np.asarray(W, dtype=float), np.asarray(b, dtype=float)
        return float(np.mean((X.numpy() @ W.T + b - Y.numpy()) ** 2))

    return dict(model=model, X=X, Y=Y, trained=trained, start=start, exact=exact,
                loss=lambda m: ((m(X) - Y) ** 2).mean())


def test_line_follows_the_quadratic(quad):
    from explorer.basics import landscape as L

    model, before = quad["model"], [p.detach().clone() for p in quad["model"].parameters()]
    res = L.line(model, quad["loss"], quad["start"], quad["trained"], n=21)
    assert res.vectorised and res.alphas[0] == -0.25 and res.alphas[-1] == 1.25 and 0.0 in res.alphas
    (W0, b0), (W1, b1) = quad["start"], quad["trained"]
    for a, v in zip(res.alphas, res.loss):
        assert v == pytest.approx(quad["exact"]((1 - a) * W0 + a * W1, (1 - a) * b0 + a * b1), rel=1e-10)
    assert res.end_loss == pytest.approx(quad["exact"](W1, b1), rel=1e-12)
    assert res.monotone  # towards the minimum of a convex quadratic the loss only falls
    assert not L.line(model, quad["loss"], quad["trained"], quad["start"]).monotone
    assert all(torch.equal(p, q) for p, q in zip(model.parameters(), before))  # the model is untouched
    json.dumps(res.as_dict(), allow_nan=False)


def test_plane_centre_values_and_filter_normalised_directions(quad):
    from explorer.basics import landscape as L

    model, trained = quad["model"], quad["trained"]
    res = L.plane(model, quad["loss"], trained, n=11, span=0.5, seed=3)
    assert res.vectorised and res.loss.shape == (11, 11)
    assert res.center_loss == pytest.approx(quad["exact"](*trained), rel=1e-12)
    assert res.loss[5, 5] == pytest.approx(res.center_loss, rel=1e-10)  # the grid's centre
    (dw1, db1), (dw2, db2) = res.dirs
    for dw in (dw1, dw2):  # each row (a neuron's weights) as long as the trained row; biases zero
        np.testing.assert_allclose(dw.norm(dim=1).numpy(), trained[0].norm(dim=1).numpy(), rtol=1e-9)
    assert not torch.any(db1) and not torch.any(db2) and not torch.allclose(dw1, dw2)
    W, b = trained
    for i, bb in enumerate(res.b):
        for j, aa in enumerate(res.a):
            expect = quad["exact"](W + aa * dw1 + bb * dw2, b)
            assert res.loss[i, j] == pytest.approx(expect, rel=1e-10)
    again = L.plane(model, quad["loss"], trained, n=11, span=0.5, seed=3)
    assert np.array_equal(again.loss, res.loss)
    assert not np.allclose(L.plane(model, quad["loss"], trained, n=11, span=0.5, seed=4).loss, res.loss)


def test_plane_places_a_path_by_least_squares(quad):
    from explorer.basics import landscape as L

    model, trained = quad["model"], quad["trained"]
    (dw1, db1), (dw2, db2) = L.plane(model, quad["loss"], trained, n=3, seed=1).dirs
    coords = [(-0.8, 0.3), (-0.5, 0.1), (-0.2, -0.05), (0.0, 0.0)]
    in_plane = [[trained[0] + a * dw1 + b * dw2, trained[1] + a * db1 + b * db2] for a, b in coords]
    res = L.plane(model, quad["loss"], trained, path=in_plane, n=3, seed=1)
    np.testing.assert_allclose(res.path, coords, atol=1e-10)
    np.testing.assert_allclose(res.path_offplane, 0, atol=1e-9)
    np.testing.assert_allclose(res.path_loss, [quad["exact"](*w) for w in in_plane], rtol=1e-10)
    off = [[w[0], w[1] + 0.5] for w in in_plane[:3]]  # the biases' direction is zero: off the plane
    res = L.plane(model, quad["loss"], trained, path=off, n=3, seed=1)
    np.testing.assert_allclose(res.path, coords[:3], atol=1e-10)
    assert np.all(res.path_offplane > 0.05)
    json.dumps(res.as_dict(), allow_nan=False)


def test_plane_pca_directions_hold_a_flat_path(quad):
    from explorer.basics import landscape as L

    model, trained = quad["model"], quad["trained"]
    g = torch.Generator().manual_seed(5)
    u = [torch.randn(2, 3, generator=g, dtype=torch.float64), torch.randn(2, generator=g, dtype=torch.float64)]
    v = [torch.randn(2, 3, generator=g, dtype=torch.float64), torch.randn(2, generator=g, dtype=torch.float64)]
    ts = np.linspace(1, 0, 8)
    path = [[trained[k] + t_ * u[k] + t_ ** 2 * v[k] for k in range(2)] for t_ in ts]
    res = L.plane(model, quad["loss"], trained, path=path, n=9, directions="pca")
    np.testing.assert_allclose(res.path_offplane, 0, atol=1e-9)
    d1 = torch.cat([d.reshape(-1) for d in res.dirs[0]])
    d2 = torch.cat([d.reshape(-1) for d in res.dirs[1]])
    assert float(d1 @ d2) == pytest.approx(0, abs=1e-12) and float(d1.norm()) == pytest.approx(1, abs=1e-12)
    assert res.a[-1] >= np.abs(res.path[:, 0]).max() and res.b[-1] >= np.abs(res.path[:, 1]).max()
    with pytest.raises(ValueError):
        L.plane(model, quad["loss"], trained, path=path[:2], directions="pca")


def test_losses_that_cannot_be_vectorised_are_evaluated_point_by_point(quad):
    from explorer.basics import landscape as L

    model, trained, X, Y = quad["model"], quad["trained"], quad["X"], quad["Y"]
    vec = L.plane(model, quad["loss"], trained, n=5, seed=2)
    item = L.plane(model, lambda m: float(((m(X) - Y) ** 2).mean().item()), trained, n=5, seed=2)
    assert not item.vectorised
    np.testing.assert_allclose(item.loss, vec.loss, rtol=1e-12)
    # a penalty read from the weights directly, outside the forward: the vectorised proxy has no
    # weights of its own, so the check at the centre sends it point by point, and the penalty counts

    def penalised(m):
        return ((m(X) - Y) ** 2).mean() + 0.1 * (m.weight ** 2).sum()

    pen = L.plane(model, penalised, trained, n=5, seed=2)
    assert not pen.vectorised
    (dw1, _), (dw2, _) = pen.dirs
    W, b = trained
    i, j = 1, 3
    Wij = W + pen.a[j] * dw1 + pen.b[i] * dw2
    assert pen.loss[i, j] == pytest.approx(quad["exact"](Wij, b) + 0.1 * float((Wij ** 2).sum()), rel=1e-10)


def test_small_mlp_plane_is_vectorised():
    """The size the tab uses: 2 → 8 → 8 → 2 on 500 points, a 25 × 25 plane in one vectorised pass."""
    from torch import nn
    from torch.nn import functional as F

    from explorer.basics import landscape as L

    torch.manual_seed(0)
    X = torch.randn(500, 2)
    y = (X[:, 0] * X[:, 1] > 0).long()
    model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 2))
    path = [[p.detach().clone() for p in model.parameters()]]
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    for _ in range(60):
        opt.zero_grad()
        F.cross_entropy(model(X), y).backward()
        opt.step()
        path.append([p.detach().clone() for p in model.parameters()])
    res = L.plane(model, lambda m: F.cross_entropy(m(X), y), path[-1], path=path[::6], n=25)
    assert res.vectorised and res.loss.shape == (25, 25)
    assert res.loss[12, 12] == pytest.approx(res.center_loss, rel=1e-5)
    assert res.center_loss < res.path_loss[0] and res.path_loss[-1] == pytest.approx(res.center_loss, rel=1e-6)
    for lang in i18n.LANGS:
        fig = V.landscape_plane_figure(res, lang)
        assert fig.layout.xaxis.title.text == t(lang, "basics_land_dir1_random")
        assert fig.layout.yaxis.title.text == t(lang, "basics_land_dir2_random")
        assert fig.data[0].type == "contour" and len(fig.to_json()) < 1_500_000
        line = L.line(model, lambda m: F.cross_entropy(m(X), y), path[0], path[-1])
        lf = V.landscape_line_figure(line, lang)
        assert lf.layout.xaxis.title.text == t(lang, "basics_land_alpha_axis")
        assert lf.layout.yaxis.title.text == t(lang, "basics_land_loss_axis")
    assert (V.landscape_plane_figure(res, "es").layout.xaxis.title.text
            != V.landscape_plane_figure(res, "en").layout.xaxis.title.text)
