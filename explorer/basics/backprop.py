"""Backpropagation with numbers: one step of gradient descent on a 2-2-1 network, every quantity shown.

The network (the diagram of :func:`explorer.basics.neuron_views.backprop_figure` uses the same names)::

    z₁ = w₁₁·x₁ + w₁₂·x₂ + b₁      h₁ = f(z₁)        z_out = v₁·h₁ + v₂·h₂ + c      y = σ(z_out)
    z₂ = w₂₁·x₁ + w₂₂·x₂ + b₂      h₂ = f(z₂)

``w_ji`` is hidden neuron h_j's weight on input x_i (the first index is the neuron, as a single neuron's
w₁, w₂ are its own), ``b_j`` its bias; ``v_j`` is the output neuron's weight on h_j and ``c`` its bias.
f is the hidden activation (sigmoid by default; tanh or ReLU), the output is always a sigmoid, and the
loss is the squared error L = ½(y − t)² or the binary cross-entropy L = −[t·ln y + (1 − t)·ln(1 − y)].

The backward pass is written out from the chain rule, one line per quantity, in float64 (the tests
check every number against ``torch.autograd``):

    ∂L/∂y   = y − t                 (squared error)   or   −t/y + (1 − t)/(1 − y)   (cross-entropy)
    ∂L/∂z_out = ∂L/∂y · σ'(z_out) = ∂L/∂y · y(1 − y)
    ∂L/∂v_j = ∂L/∂z_out · h_j       ∂L/∂c = ∂L/∂z_out
    ∂L/∂h_j = ∂L/∂z_out · v_j
    ∂L/∂z_j = ∂L/∂h_j · f'(z_j)
    ∂L/∂w_ji = ∂L/∂z_j · x_i        ∂L/∂b_j = ∂L/∂z_j

and every parameter moves against its gradient: p ← p − lr · ∂L/∂p.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from explorer.basics.neuron import ACTIVATIONS, check_activation, checked_float
from explorer.errors import InputError

PARAMS = ("w11", "w12", "w21", "w22", "b1", "b2", "v1", "v2", "c")
HIDDEN_ACTIVATIONS = ("sigmoid", "tanh", "relu")
LOSSES = ("mse", "bce")  # ½(y − t)², binary cross-entropy
WEIGHT_LIMIT = 10.0  # |parameter| and |input| accepted
LR_LIMIT = 10.0

# The forward and backward quantities, in the order a lesson reads them (keys of BackpropStep.forward / .grads)
FORWARD_KEYS = ("z1", "z2", "h1", "h2", "z_out", "y")
GRAD_KEYS = ("dL_dy", "dL_dzout", "dL_dv1", "dL_dv2", "dL_dc", "dL_dh1", "dL_dh2", "dL_dz1", "dL_dz2",
             "dL_dw11", "dL_dw12", "dL_dw21", "dL_dw22", "dL_db1", "dL_db2")

# The classic worked example (Matt Mazur, "A Step by Step Backpropagation Example", 2015), cut down to its
# first output neuron o₁: inputs 0.05 and 0.10, target 0.01, learning rate 0.5, squared error. Its forward
# pass gives his numbers: h₁ = 0.593269992, h₂ = 0.596884378, y = 0.751365070, L = 0.274811083, and
# ∂L/∂v₁ = 0.082167041 (his ∂E/∂w₅), v₁ → 0.358916480.
DEFAULT_EXAMPLE: dict[str, Any] = {
    "weights": {"w11": 0.15, "w12": 0.20, "w21": 0.25, "w22": 0.30, "b1": 0.35, "b2": 0.35,
                "v1": 0.40, "v2": 0.45, "c": 0.60},
    "x": (0.05, 0.10), "target": 0.01, "lr": 0.5, "hidden": "sigmoid", "loss": "mse"}


@dataclass(frozen=True)
class BackpropStep:
    """One gradient-descent step on the 2-2-1 network, every number kept.

    ``forward``: z1, z2, h1, h2, z_out (the output's weighted sum), y; ``grads``: ∂L/∂ of every quantity
    (keys :data:`GRAD_KEYS`); ``new_weights``: p − lr·∂L/∂p for every parameter; ``forward_after`` and
    ``loss_after``: the same input through the updated network (``loss_after`` is None if it saturates
    the cross-entropy)."""

    weights: dict[str, float]
    x: tuple[float, float]
    target: float
    lr: float
    hidden: str
    loss_name: str
    forward: dict[str, float]
    loss: float
    grads: dict[str, float]
    new_weights: dict[str, float]
    forward_after: dict[str, float]
    loss_after: float | None

    def gradient(self, name: str) -> float:
        """∂L/∂``name`` for a parameter name of :data:`PARAMS`."""
        return self.grads[f"dL_d{name}"]

    def updates(self) -> list[tuple[str, float, float, float]]:
        """(name, old value, gradient, new value) for every parameter, in :data:`PARAMS` order."""
        return [(p, self.weights[p], self.gradient(p), self.new_weights[p]) for p in PARAMS]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: everything, the updates as a list of {name, old, grad, new}."""
        return {"x": list(self.x), "target": self.target, "lr": self.lr, "hidden": self.hidden,
                "loss_function": self.loss_name, "weights": dict(self.weights), "forward": dict(self.forward),
                "loss": self.loss, "grads": dict(self.grads),
                "updates": [{"name": p, "old": o, "grad": g, "new": n} for p, o, g, n in self.updates()],
                "forward_after": dict(self.forward_after), "loss_after": self.loss_after,
                "loss_decreased": None if self.loss_after is None else self.loss_after < self.loss}


def _sigmoid(z: float) -> float:
    """σ(z) = 1/(1 + e^(−z)) for a Python float, without overflow."""
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def forward(weights: Mapping[str, float], x: Sequence[float], hidden: str = "sigmoid") -> dict[str, float]:
    """The forward pass of the 2-2-1 network (unchecked: :func:`backprop_step` checks): z1, z2, h1, h2, z_out, y."""
    f = ACTIVATIONS[hidden]
    w = weights
    z1 = w["w11"] * x[0] + w["w12"] * x[1] + w["b1"]
    z2 = w["w21"] * x[0] + w["w22"] * x[1] + w["b2"]
    h1, h2 = float(f(z1)), float(f(z2))
    z_out = w["v1"] * h1 + w["v2"] * h2 + w["c"]
    return {"z1": z1, "z2": z2, "h1": h1, "h2": h2, "z_out": z_out, "y": _sigmoid(z_out)}


def loss_value(y: float, target: float, loss: str) -> float:
    """½(y − t)² or −[t·ln y + (1 − t)·ln(1 − y)] (inf when the cross-entropy's y is exactly 0 or 1)."""
    if loss == "mse":
        return 0.5 * (y - target) ** 2
    if (target > 0 and y <= 0.0) or (target < 1 and y >= 1.0):
        return math.inf
    return -((target * math.log(y) if target else 0.0) + ((1 - target) * math.log(1 - y) if target < 1 else 0.0))


def check_weights(weights: Any) -> dict[str, float]:
    """The nine parameters as floats within ±10; InputError ``basics_bp_weights`` when a name is missing
    or unknown, ``basics_neuron_number`` when a value is not a finite number in range."""
    if not isinstance(weights, Mapping) or set(weights) != set(PARAMS):
        got = sorted(map(str, weights)) if isinstance(weights, Mapping) else []
        raise InputError("basics_bp_weights", names=", ".join(PARAMS), got=", ".join(got)[:120])
    return {p: checked_float(p, weights[p], -WEIGHT_LIMIT, WEIGHT_LIMIT) for p in PARAMS}


def backprop_step(weights: Mapping[str, float], x: Sequence[float], target: float, lr: float = 0.5,
                  hidden: str = "sigmoid", loss: str = "mse") -> BackpropStep:
    """One step of gradient descent on one example, by the chain rule (see the module's docstring):
    forward pass, loss, every gradient from ∂L/∂y back to ∂L/∂w_ji, every parameter updated, and the
    loss of the same example after the update (smaller, for a small enough lr).

    weights: the nine names of :data:`PARAMS`, each within ±10; x: two numbers within ±10; target in
    [0, 1]; lr in (0, 10]; hidden in sigmoid/tanh/relu; loss "mse" (½(y − t)²) or "bce" (cross-entropy).
    Anything else raises InputError; so does a cross-entropy whose output saturates to exactly 0 or 1
    (``basics_bp_saturated``: its logarithm is infinite)."""
    w = check_weights(weights)
    if isinstance(x, (str, bytes)) or not hasattr(x, "__len__") or len(x) != 2:
        raise InputError("basics_bp_input")
    x1 = checked_float("x1", x[0], -WEIGHT_LIMIT, WEIGHT_LIMIT)
    x2 = checked_float("x2", x[1], -WEIGHT_LIMIT, WEIGHT_LIMIT)
    t = checked_float("t", target, 0.0, 1.0)
    lr = checked_float("lr", lr, 0.0, LR_LIMIT, lo_open=True)
    act = check_activation(hidden, HIDDEN_ACTIVATIONS)
    if loss not in LOSSES:
        raise InputError("basics_bp_loss", name=str(loss)[:40], choices=", ".join(LOSSES))

    fw = forward(w, (x1, x2), act.name)
    y = fw["y"]
    L = loss_value(y, t, loss)
    if not math.isfinite(L) or (loss == "bce" and not 0.0 < y < 1.0):
        raise InputError("basics_bp_saturated", z=f"{fw['z_out']:.0f}")

    # backward, output first: every line is one application of the chain rule
    g: dict[str, float] = {}
    g["dL_dy"] = (y - t) if loss == "mse" else (-t / y + (1 - t) / (1 - y))
    g["dL_dzout"] = g["dL_dy"] * (y * (1 - y))  # σ'(z_out) = σ(z_out)(1 − σ(z_out)) = y(1 − y)
    g["dL_dv1"] = g["dL_dzout"] * fw["h1"]
    g["dL_dv2"] = g["dL_dzout"] * fw["h2"]
    g["dL_dc"] = g["dL_dzout"]
    g["dL_dh1"] = g["dL_dzout"] * w["v1"]
    g["dL_dh2"] = g["dL_dzout"] * w["v2"]
    g["dL_dz1"] = g["dL_dh1"] * float(act.derivative(fw["z1"]))
    g["dL_dz2"] = g["dL_dh2"] * float(act.derivative(fw["z2"]))
    g["dL_dw11"] = g["dL_dz1"] * x1
    g["dL_dw12"] = g["dL_dz1"] * x2
    g["dL_dw21"] = g["dL_dz2"] * x1
    g["dL_dw22"] = g["dL_dz2"] * x2
    g["dL_db1"] = g["dL_dz1"]
    g["dL_db2"] = g["dL_dz2"]
    grads = {k: g[k] for k in GRAD_KEYS}

    new = {p: w[p] - lr * grads[f"dL_d{p}"] for p in PARAMS}
    after = forward(new, (x1, x2), act.name)
    L_after = loss_value(after["y"], t, loss)
    return BackpropStep(w, (x1, x2), t, lr, act.name, loss, fw, L, grads, new, after,
                        L_after if math.isfinite(L_after) else None)


def default_step(hidden: str = "sigmoid", loss: str = "mse") -> BackpropStep:
    """The step of :data:`DEFAULT_EXAMPLE` (the numbers every student of a class sees), optionally with
    another hidden activation or loss."""
    ex = DEFAULT_EXAMPLE
    return backprop_step(ex["weights"], ex["x"], ex["target"], ex["lr"], hidden, loss)
