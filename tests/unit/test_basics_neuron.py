"""One neuron, the perceptron, XOR and backpropagation with numbers (explorer.basics.neuron, .backprop,
.neuron_views), checked against independent references: torch.autograd (float64) for every number of a
backpropagation step, hand-computed perceptron traces and Matt Mazur's worked example."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from explorer.basics import backprop as B
from explorer.basics import neuron as N
from explorer.basics import neuron_views as V
from explorer.errors import InputError
from explorer.i18n import TEXT, t

LANGS = ("es", "en")
TORCH_ACT = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu}


def close(a: float, b: float, tol: float = 1e-12) -> bool:
    """|a − b| ≤ tol, relative to |b| when |b| > 1 (a cross-entropy's ∂L/∂y can reach the hundreds)."""
    return abs(a - b) <= tol * max(1.0, abs(b))


# ---------------------------------------------------------------------------------------- backprop
def random_case(rng: np.random.Generator, loss: str) -> dict:
    weights = {p: float(rng.uniform(-1, 1)) for p in B.PARAMS}
    target = float(rng.choice([0.0, 1.0, rng.uniform(0, 1)]))
    return {"weights": weights, "x": tuple(float(v) for v in rng.uniform(-1, 1, 2)), "target": target,
            "lr": float(rng.uniform(0.05, 1.0)), "loss": loss}


def torch_reference(case: dict, hidden: str) -> dict:
    """Forward, loss, every gradient (autograd) and every updated weight (p − lr·grad in torch; what
    torch.optim.SGD does, whose first step costs seconds of imports), float64."""
    p = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in case["weights"].items()}
    x1, x2 = (torch.tensor(v, dtype=torch.float64) for v in case["x"])
    f = TORCH_ACT[hidden]
    z1 = p["w11"] * x1 + p["w12"] * x2 + p["b1"]
    z2 = p["w21"] * x1 + p["w22"] * x2 + p["b2"]
    h1, h2 = f(z1), f(z2)
    z = p["v1"] * h1 + p["v2"] * h2 + p["c"]
    y = torch.sigmoid(z)
    t_ = torch.tensor(case["target"], dtype=torch.float64)
    loss = 0.5 * (y - t_) ** 2 if case["loss"] == "mse" else F.binary_cross_entropy(y, t_)
    for v in (z1, z2, h1, h2, z, y):
        v.retain_grad()
    loss.backward()
    grads = {"dL_dy": y.grad, "dL_dzout": z.grad, "dL_dh1": h1.grad, "dL_dh2": h2.grad, "dL_dz1": z1.grad,
             "dL_dz2": z2.grad, **{f"dL_d{k}": v.grad for k, v in p.items()}}
    out = {"forward": {"z1": z1, "z2": z2, "h1": h1, "h2": h2, "z_out": z, "y": y}, "loss": loss.item(),
           "grads": {k: float(v) for k, v in grads.items()}}
    out["forward"] = {k: v.item() for k, v in out["forward"].items()}
    with torch.no_grad():
        out["new"] = {k: (v - case["lr"] * v.grad).item() for k, v in p.items()}
    return out


@pytest.mark.parametrize("loss", B.LOSSES)
@pytest.mark.parametrize("hidden", B.HIDDEN_ACTIVATIONS)
def test_every_backprop_number_equals_autograd(hidden, loss):
    rng = np.random.default_rng(10 * B.HIDDEN_ACTIVATIONS.index(hidden) + B.LOSSES.index(loss))
    for _ in range(6):
        case = random_case(rng, loss)
        step = B.backprop_step(case["weights"], case["x"], case["target"], case["lr"], hidden, loss)
        ref = torch_reference(case, hidden)
        for k, v in ref["forward"].items():
            assert close(step.forward[k], v), (k, step.forward[k], v)
        assert close(step.loss, ref["loss"])
        assert set(step.grads) == set(B.GRAD_KEYS) == set(ref["grads"])
        for k in B.GRAD_KEYS:
            assert close(step.grads[k], ref["grads"][k]), (hidden, loss, k, step.grads[k], ref["grads"][k])
        for name, old, grad, new in step.updates():
            assert old == case["weights"][name]
            assert close(grad, ref["grads"][f"dL_d{name}"])
            assert close(new, ref["new"][name]), (name, new, ref["new"][name])
        # the loss after the step is the same network run again with the new weights
        after = B.backprop_step(step.new_weights, case["x"], case["target"], case["lr"], hidden, loss)
        assert step.loss_after == after.loss


def test_default_example_gives_mazurs_numbers():
    """Matt Mazur's "A Step by Step Backpropagation Example" (2015), his output neuron o₁: the same
    forward pass, his ∂E/∂w₅ and his updated w₅ and w₆ (our v₁, v₂), to his 9 digits."""
    step = B.default_step()
    fw = step.forward
    assert abs(fw["z1"] - 0.3775) < 1e-12
    assert abs(fw["h1"] - 0.593269992) < 1e-9 and abs(fw["h2"] - 0.596884378) < 1e-9
    assert abs(fw["z_out"] - 1.105905967) < 1e-9 and abs(fw["y"] - 0.75136507) < 1e-8
    assert abs(step.loss - 0.274811083) < 1e-9
    assert abs(step.grads["dL_dy"] - 0.74136507) < 1e-8
    assert abs(step.grads["dL_dzout"] - 0.138498562) < 1e-9
    assert abs(step.grads["dL_dv1"] - 0.082167041) < 1e-9
    assert abs(step.new_weights["v1"] - 0.35891648) < 1e-8 and abs(step.new_weights["v2"] - 0.408666186) < 1e-9
    assert step.loss_after < step.loss
    json.dumps(step.to_dict())  # JSON-ready


def test_a_small_step_lowers_the_loss():
    rng = np.random.default_rng(7)
    for hidden in B.HIDDEN_ACTIVATIONS:
        for loss in B.LOSSES:
            for _ in range(5):
                case = random_case(rng, loss)
                step = B.backprop_step(case["weights"], case["x"], case["target"], 0.01, hidden, loss)
                if abs(step.grads["dL_dzout"]) > 1e-9:
                    assert step.loss_after < step.loss, (hidden, loss, case)


@pytest.mark.parametrize("bad, kind", [
    (dict(weights={**B.DEFAULT_EXAMPLE["weights"], "w11": float("nan")}), "basics_neuron_number"),
    (dict(weights={**B.DEFAULT_EXAMPLE["weights"], "v2": 11}), "basics_neuron_number"),
    (dict(weights={**B.DEFAULT_EXAMPLE["weights"], "c": "x"}), "basics_neuron_number"),
    (dict(weights={k: v for k, v in B.DEFAULT_EXAMPLE["weights"].items() if k != "b2"}), "basics_bp_weights"),
    (dict(weights={**B.DEFAULT_EXAMPLE["weights"], "w13": 0.1}), "basics_bp_weights"),
    (dict(weights=[0.1] * 9), "basics_bp_weights"),
    (dict(x=(1.0, 2.0, 3.0)), "basics_bp_input"),
    (dict(x="ab"), "basics_bp_input"),
    (dict(x=(1.0, float("inf"))), "basics_neuron_number"),
    (dict(target=1.5), "basics_neuron_number"),
    (dict(lr=0), "basics_neuron_positive"),
    (dict(lr=-0.1), "basics_neuron_positive"),
    (dict(hidden="step"), "basics_neuron_activation"),
    (dict(hidden="softmax"), "basics_neuron_activation"),
    (dict(loss="hinge"), "basics_bp_loss"),
])
def test_backprop_rejects_bad_input(bad, kind):
    args = {**B.DEFAULT_EXAMPLE, **bad}
    with pytest.raises(InputError) as e:
        B.backprop_step(args["weights"], args["x"], args["target"], args["lr"], args["hidden"], args["loss"])
    assert e.value.kind == kind


def test_a_saturated_cross_entropy_is_refused_not_infinite():
    weights = dict.fromkeys(B.PARAMS, 10.0)  # ReLU: z_out ≈ 10·(2·210) → y = 1.0 exactly
    with pytest.raises(InputError) as e:
        B.backprop_step(weights, (10.0, 10.0), 0.0, 0.5, "relu", "bce")
    assert e.value.kind == "basics_bp_saturated"
    step = B.backprop_step(weights, (10.0, 10.0), 0.0, 0.5, "relu", "mse")  # the squared error is finite
    assert math.isfinite(step.loss)


# ----------------------------------------------------------------------------------------- one neuron
def test_activations_and_their_derivatives_match_torch():
    z = np.linspace(-8, 8, 161)
    z = z[np.abs(z) > 1e-9]  # the step and ReLU have no derivative at 0
    for name, ref in (("sigmoid", torch.sigmoid), ("tanh", torch.tanh), ("relu", torch.relu),
                      ("linear", lambda v: v * 1.0), ("step", lambda v: (v >= 0).to(torch.float64))):
        zt = torch.tensor(z, dtype=torch.float64, requires_grad=name != "step")
        out = ref(zt)
        act = N.ACTIVATIONS[name]
        np.testing.assert_allclose(act(z), out.detach().numpy(), atol=1e-15)
        if name != "step":
            (d,) = torch.autograd.grad(out.sum(), zt)
            np.testing.assert_allclose(act.derivative(z), d.numpy(), atol=1e-15)
        else:
            assert (act.derivative(z) == 0).all()
    assert float(N.ACTIVATIONS["step"](0.0)) == 1.0  # a point on the line is class 1
    assert float(N.ACTIVATIONS["sigmoid"](-1000.0)) == 0.0  # no overflow warning, no NaN


@pytest.mark.parametrize("w1, w2, b", [(1.0, 2.0, 0.5), (-3.0, 0.7, 2.0), (0.0, 1.5, -1.0), (2.0, 0.0, 1.0),
                                       (1.0, 1.0, 0.0), (-0.2, 0.3, 10.0)])
def test_the_neurons_line_is_where_z_is_zero(w1, w2, b):
    plane = N.neuron_plane(w1, w2, b, "sigmoid", extent=3.0, n=41)
    assert plane.out.shape == (41, 41)
    j, i = 7, 30  # out[i, j] is the neuron at (x1[j], x2[i])
    assert plane.out[i, j] == pytest.approx(1 / (1 + math.exp(-(w1 * plane.x1[j] + w2 * plane.x2[i] + b))))
    if plane.line is None:  # (−0.2, 0.3, 10): the line misses the window
        assert plane.summary["line_exists"] and not plane.summary["line_in_window"]
        assert (plane.z > 0).all() or (plane.z < 0).all()
        return
    (ax, ay), (bx, by) = plane.line
    for x, y in plane.line:
        assert abs(w1 * x + w2 * y + b) < 1e-9
        assert -3 - 1e-12 <= x <= 3 + 1e-12 and -3 - 1e-12 <= y <= 3 + 1e-12
    assert math.hypot(ax - bx, ay - by) > 0.1
    json.dumps(plane.summary)


def test_no_line_when_the_weights_are_zero():
    plane = N.neuron_plane(0, 0, 1.0, "step")
    assert plane.line is None and not plane.summary["line_exists"]
    assert (plane.out == 1).all()


@pytest.mark.parametrize("args, kind", [
    ((float("nan"), 1, 0, "sigmoid"), "basics_neuron_number"),
    ((1, 10.5, 0, "sigmoid"), "basics_neuron_number"),
    ((1, 1, -11, "sigmoid"), "basics_neuron_number"),
    (("uno", 1, 0, "sigmoid"), "basics_neuron_number"),
    ((None, 1, 0, "sigmoid"), "basics_neuron_number"),
    ((1, 1, 0, "softmax"), "basics_neuron_activation"),
    ((1, 1, 0, None), "basics_neuron_activation"),
])
def test_neuron_plane_rejects_bad_input(args, kind):
    with pytest.raises(InputError) as e:
        N.neuron_plane(*args)
    assert e.value.kind == kind
    with pytest.raises(InputError) as e:
        N.neuron_plane(1, 1, 0, "tanh", extent=0)
    assert e.value.kind == "basics_neuron_positive"
    with pytest.raises(InputError):
        N.neuron_plane(1, 1, 0, "tanh", n=10_000)


# ----------------------------------------------------------------------------------------- perceptron
def test_perceptron_on_and_follows_the_hand_computed_trace():
    """AND from w = (0, 0), b = 0, lr = 1, points in order, written out by hand: six epochs."""
    points, labels = N.and_points()
    r = N.perceptron(points, labels)
    assert r.converged and r.epochs == 6
    assert r.errors_per_epoch == [2, 3, 3, 2, 1, 0]
    assert r.weights == (2.0, 1.0, -3.0)
    assert [v.after for v in r.records[:8]] == [(0, 0, -1), (0, 0, -1), (0, 0, -1), (1, 1, 0),
                                               (1, 1, -1), (1, 0, -2), (1, 0, -2), (2, 1, -1)]


@pytest.mark.parametrize("seed", range(8))
def test_perceptron_converges_on_separable_data(seed):
    points, labels = N.separable_points(seed)
    assert len(points) == 20 and set(labels.tolist()) == {0, 1}
    for kwargs in ({}, {"shuffle_seed": seed}, {"lr": 0.1}):
        r = N.perceptron(points, labels, max_epochs=50, **kwargs)
        assert r.converged and r.epochs <= 50
        assert r.errors_per_epoch[-1] == 0 and all(e > 0 for e in r.errors_per_epoch[:-1])
        assert (N.predict_step(r.weights, points) == labels).all()  # the final line separates every point
    # the same data with labels −1/+1: the same run
    pm = N.perceptron(points, np.where(labels == 1, 1, -1))
    assert pm.weights == N.perceptron(points, labels).weights


@pytest.mark.parametrize("copies, shuffle", [(0, None), (0, 3), (2, None), (2, 5)])
def test_perceptron_never_converges_on_xor(copies, shuffle):
    points, labels = N.xor_points(copies=copies)
    r = N.perceptron(points, labels, max_epochs=100, shuffle_seed=shuffle)
    assert not r.converged and r.epochs == 100 and len(r.errors_per_epoch) == 100
    assert min(r.errors_per_epoch) >= 1


def test_perceptron_records_are_consistent():
    points, labels = N.separable_points(3)
    for lr, w0, shuffle in ((1.0, (0, 0, 0), None), (0.3, (0.5, -1.0, 2.0), 11)):
        r = N.perceptron(points, labels, lr=lr, w0=w0, shuffle_seed=shuffle)
        assert r.records[0].before == tuple(float(v) for v in w0)
        for k, v in enumerate(r.records):
            x = (v.x1, v.x2, 1.0)
            assert (v.x1, v.x2) == tuple(points[v.index]) and v.target == labels[v.index]
            z = sum(a * b for a, b in zip(v.before, x))
            assert v.z == z and v.prediction == int(z >= 0) and v.error == (v.prediction != v.target)
            for after, before, xi in zip(v.after, v.before, x):
                assert after == pytest.approx(before + lr * (v.target - v.prediction) * xi, abs=1e-12)
            if k:
                assert v.before == r.records[k - 1].after
        per_epoch = [sum(v.error for v in r.records if v.epoch == e) for e in range(1, r.epochs + 1)]
        assert per_epoch == r.errors_per_epoch
        visits = [sum(1 for v in r.records if v.epoch == e) for e in range(1, r.epochs + 1)]
        assert visits == [len(points)] * r.epochs
        assert r.weights == r.records[-1].after
        json.dumps({**r.summary(), "records": r.records_dicts()})


@pytest.mark.parametrize("kwargs, kind", [
    (dict(points=[[0, 0], [1, 1]], labels=[0, 2]), "basics_neuron_labels"),
    (dict(points=[[0, 0], [1, 1]], labels=[0, -1]), "basics_neuron_labels"),  # 0 and −1: two conventions
    (dict(points=[[0, 0], [1, 1]], labels=[0]), "basics_neuron_labels"),
    (dict(points=[[0, 0, 0]], labels=[0]), "basics_neuron_points"),
    (dict(points=[[0, float("nan")]], labels=[0]), "basics_neuron_points"),
    (dict(points=[], labels=[]), "basics_neuron_points"),
    (dict(points=[[0, 1e6]], labels=[0]), "basics_neuron_points"),
    (dict(points=[[0, 0]] * 201, labels=[0] * 201), "basics_neuron_points"),
    (dict(points=[[0, 0]], labels=[1], lr=0), "basics_neuron_positive"),
    (dict(points=[[0, 0]], labels=[1], lr=11), "basics_neuron_positive"),
    (dict(points=[[0, 0]], labels=[1], max_epochs=0), "basics_neuron_number"),
    (dict(points=[[0, 0]], labels=[1], max_epochs=2.5), "basics_neuron_number"),
    (dict(points=[[0, 0]], labels=[1], w0=(0, 0)), "basics_neuron_number"),
    (dict(points=[[0, 0]], labels=[1], shuffle_seed=-1), "basics_neuron_number"),
])
def test_perceptron_rejects_bad_input(kwargs, kind):
    with pytest.raises(InputError) as e:
        N.perceptron(**kwargs)
    assert e.value.kind == kind


# ---------------------------------------------------------------------------------------------- XOR
def test_the_hidden_layer_solves_xor():
    net = N.xor_hidden_layer()
    points, labels = N.xor_points()
    assert (net.predictions == labels).all() and net.summary()["solved"]
    # an independent forward pass: torch layers holding the same weights
    wt = net.weights
    hidden = torch.nn.Linear(2, 2).double()
    out = torch.nn.Linear(2, 1).double()
    with torch.no_grad():
        hidden.weight.copy_(torch.tensor([[wt["w11"], wt["w12"]], [wt["w21"], wt["w22"]]]))
        hidden.bias.copy_(torch.tensor([wt["b1"], wt["b2"]]))
        out.weight.copy_(torch.tensor([[wt["v1"], wt["v2"]]]))
        out.bias.copy_(torch.tensor([wt["c"]]))
        h = torch.sigmoid(hidden(torch.tensor(points)))
        y = torch.sigmoid(out(h)).squeeze(1)
    np.testing.assert_allclose(net.hidden, h.numpy(), atol=1e-14)
    np.testing.assert_allclose(net.outputs, y.numpy(), atol=1e-14)
    assert ((y.numpy() > 0.5) == labels.astype(bool)).all() and np.abs(y.numpy() - labels).max() < 0.05
    # neither hidden neuron alone solves XOR; in the hidden space one line does
    for j in (1, 2):
        alone = (points @ np.array([wt[f"w{j}1"], wt[f"w{j}2"]]) + wt[f"b{j}"] >= 0).astype(int)
        assert (alone != labels).any()
    assert ((net.hidden @ np.array([wt["v1"], wt["v2"]]) + wt["c"] >= 0).astype(int) == labels).all()
    for j, seg in enumerate(net.hidden_lines, start=1):
        for x, y_ in seg:
            assert abs(wt[f"w{j}1"] * x + wt[f"w{j}2"] * y_ + wt[f"b{j}"]) < 1e-9
    json.dumps(net.summary())


# -------------------------------------------------------------------------------------------- views
def axis_titles(fig, names=("xaxis", "yaxis")) -> list[str]:
    return [fig.layout[a].title.text for a in names]


@pytest.mark.parametrize("lang", LANGS)
def test_neuron_and_activation_figures_build_with_titled_axes(lang):
    points, labels = N.separable_points(1)
    for act in N.ACTIVATIONS:
        plane = N.neuron_plane(1.2, -0.7, 0.3, act, n=61)
        fig = V.neuron_figure(plane, lang, points, labels)
        assert all(axis_titles(fig)) and fig.layout.title.text
        assert fig.layout.xaxis.title.text == t(lang, "basics_neuron_axis_x1")
        assert fig.data[0].colorbar.title.text
        assert fig.layout.separators == (",\u202f" if lang == "es" else ".,")
        for z in (None, -1.5, 7.0):
            fig = V.activation_figure(act, lang, z)
            assert all(axis_titles(fig)) and fig.layout.title.text
            shown = [d for d in fig.data if d.visible is True or d.visible is None]
            assert len(shown) >= 2  # the chosen function and its derivative (and the z marker)
    V.neuron_figure(N.neuron_plane(0, 0, -1, "step"), lang)  # no line: a note instead
    with pytest.raises(InputError):
        V.activation_figure("softmax", lang)


def test_the_spanish_and_english_figures_differ_once_translated():
    if "basics_neuron_axis_x1" not in TEXT["en"]:
        pytest.skip("the basics_ keys are not in the locale files yet")
    plane = N.neuron_plane(1, 1, 0, "tanh")
    es, en = (V.neuron_figure(plane, lang).layout.xaxis.title.text for lang in LANGS)
    assert es != en


@pytest.mark.parametrize("lang", LANGS)
def test_perceptron_figure_is_a_light_animation(lang, monkeypatch):
    # a caption template that shows every field, whatever the locale files say
    monkeypatch.setitem(TEXT[lang], "basics_perc_frame", "{epoch}|{point}/{n}|{verdict}|{w1}|{w2}|{b}")
    cases = [N.separable_points(2), N.xor_points(), N.xor_points(copies=10)]
    rng = np.random.default_rng(0)
    noisy = rng.uniform(-3, 3, (200, 2))
    if lang == "es":  # the largest input, once: not separable, 200 points × 300 epochs = 60,000 visits
        cases.append((noisy, rng.integers(0, 2, 200)))
    for k, (points, labels) in enumerate(cases):
        r = N.perceptron(points, labels, max_epochs=300 if k == 3 else 100)
        fig = V.perceptron_figure(r, points, labels, lang)
        n_frames = len(fig.frames)
        assert 2 <= n_frames <= 60
        assert fig.layout.updatemenus and len(fig.layout.updatemenus[0].buttons) == 2
        assert len(fig.layout.sliders[0].steps) == n_frames
        names = [int(f.name) for f in fig.frames]
        assert names[0] == 0 and names[-1] == len(r.records) - 1 and names == sorted(names)
        last = r.records[-1]
        epoch, point, _verdict, w1, _w2, _b = fig.frames[-1].layout.title.text.split("|")
        assert (int(epoch), point) == (last.epoch, f"{last.index + 1}/{len(points)}")
        assert w1 == V.fmt(lang, last.after[0], 3)
        assert all(axis_titles(fig))
        size = len(fig.to_json())
        assert size < 1_500_000, size


def test_frame_indices_keep_the_ends_and_the_updates():
    points, labels = N.xor_points(copies=5)
    r = N.perceptron(points, labels, max_epochs=100)
    idx = V.frame_indices(r.records)
    assert len(idx) == 60 and idx[0] == 0 and idx[-1] == len(r.records) - 1
    assert all(r.records[i].error for i in idx[1:-1])
    short = N.perceptron(*N.and_points())
    assert V.frame_indices(short.records) == list(range(len(short.records)))


@pytest.mark.parametrize("lang", LANGS)
def test_xor_figure_has_two_titled_panels(lang):
    fig = V.xor_figure(lang)
    assert all(axis_titles(fig, ("xaxis", "yaxis", "xaxis2", "yaxis2")))
    assert fig.layout.xaxis2.title.text == t(lang, "basics_xor_axis_h1")
    assert len(fig.to_json()) < 300_000


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("hidden, loss", [("sigmoid", "mse"), ("tanh", "bce"), ("relu", "mse")])
def test_backprop_figure_and_table_show_every_number(lang, hidden, loss):
    step = B.default_step(hidden, loss)
    fig = V.backprop_figure(step, lang)
    assert fig.layout.title.text
    texts = " ".join(a.text for a in fig.layout.annotations)
    for name, old, grad, new in step.updates():
        for value in (old, grad, new):
            assert V.fmt(lang, value) in texts, (name, value)
    assert V.fmt(lang, step.loss) in " ".join(str(d.text) for d in fig.data)
    rows = V.backprop_table(step, lang)
    assert len(V.backprop_table_header(lang)) == 3 and all(len(r) == 3 for r in rows)
    assert len(rows) == 6 + 1 + 15 + 9 + 1  # forward, loss, gradients, updates, loss after

    def parse(s: str) -> float:
        s = s.replace("−", "-")
        if "·10" in s:
            m, e = s.split("·10")
            s = m + "e" + e.translate(str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789"))
        return float(s.replace("\u202f", "").replace(",", ".") if lang == "es" else s.replace(",", ""))

    values = [parse(r[2]) for r in rows]
    expected = ([step.forward[k] for k in ("z1", "h1", "z2", "h2", "z_out", "y")] + [step.loss]
                + [step.grads[k] for k in ("dL_dy", "dL_dzout", "dL_dv1", "dL_dv2", "dL_dc", "dL_dh1", "dL_dh2",
                                           "dL_dz1", "dL_dz2", "dL_dw11", "dL_dw12", "dL_db1", "dL_dw21",
                                           "dL_dw22", "dL_db2")]
                + [step.new_weights[p] for p in ("w11", "w12", "w21", "w22", "b1", "b2", "v1", "v2", "c")]
                + [step.loss_after])
    for got, want in zip(values, expected):
        assert got == pytest.approx(want, rel=1e-5, abs=1e-12)
    assert V.backprop_summary_line(step, lang)


def test_numbers_are_written_the_readers_way():
    assert V.fmt("en", 0.15) == "0.15" and V.fmt("es", 0.15) == "0,15"
    assert V.fmt("es", -2.5) == "−2,5" and V.fmt("en", 0.5932699) == "0.5933"
    assert V.fmt("es", 0.000012346) == "1,235·10⁻⁵" and V.fmt("en", 0.0) == "0"
    assert V.fmt("en", None) == "—" and V.fmt("en", float("inf")) == "—"
