"""Teaching scenarios of the Fundamentos tab's network playground, seeded so a class sees the same
run every time. Each sets every control of the playground (data, features, network, training) and,
for the ones that compare, what run B changes (``compare``: a setting and its value); its title and
lesson are ``basics_scn_<name>`` and ``basics_scn_<name>_lesson`` in explorer/locales/<lang>/basics.json.

The lessons quote the accuracies these exact settings reach (tests/unit/test_basics_playground.py
checks them).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from explorer.basics import compute as pg
from explorer.basics import data2d, surfaces
from explorer.scenario import Scenarios

KEYS = ("dataset", "noise", "classes", "n_points", "test_share", "data_seed", "features", "hidden", "activation",
        "optimizer", "lr", "batch_size", "steps", "l1", "l2", "dropout", "seed", "compare")
COMPARE_KEYS = ("optimizer", "activation", "l2", "lr", "dropout", "hidden")


def check_settings(s: Mapping[str, Any]) -> None:
    """A scenario sets every playground control, to values the controls accept."""
    if set(s) != set(KEYS):
        raise ValueError(f"a playground scenario sets {sorted(KEYS)}, not {sorted(s)}")
    pg.check_config(s["features"], s["hidden"], s["activation"], s["optimizer"], s["lr"], s["batch_size"],
                    s["steps"], s["l1"], s["l2"], s["dropout"], s["seed"])
    data2d.generate(s["dataset"], s["n_points"], s["noise"], s["classes"], s["data_seed"])
    if s["compare"] is not None:
        key, value = s["compare"]
        if key not in COMPARE_KEYS:
            raise ValueError(f"a comparison changes one of {COMPARE_KEYS}, not {key!r}")
        pg.check_config(**{**{k: s[k] for k in ("features", "hidden", "activation", "optimizer", "lr", "batch_size",
                                                 "steps", "l1", "l2", "dropout", "seed")}, key: value})


def _scenario(dataset: str, hidden: str, *, features=("x1", "x2"), activation="tanh", optimizer="sgd", lr=0.1,
              steps=500, batch_size=10, n_points=300, noise=0.1, classes=2, test_share=0.3, l1=0.0, l2=0.0,
              dropout=0.0, compare=None) -> dict:
    return dict(dataset=dataset, noise=noise, classes=classes, n_points=n_points, test_share=test_share, data_seed=0,
                features=list(features), hidden=hidden, activation=activation, optimizer=optimizer, lr=lr,
                batch_size=batch_size, steps=steps, l1=l1, l2=l2, dropout=dropout, seed=0, compare=compare)


SCENARIOS = Scenarios("basics", {
    "xor_one_neuron": _scenario("xor", ""),
    "xor_hidden": _scenario("xor", "4", optimizer="adam", lr=0.03),
    "lr_too_high": _scenario("circles", "4, 2", compare=("lr", 10.0)),
    "features": _scenario("circles", "", features=("x1sq", "x2sq"), steps=300),
    "spiral_depth": _scenario("spiral", "8", activation="relu", optimizer="adam", lr=0.01, steps=1500,
                              batch_size=20, n_points=500, compare=("hidden", "8, 8, 8, 8")),
    "adam_vs_sgd": _scenario("spiral", "8, 8, 8, 8", activation="relu", optimizer="sgd", lr=0.01, steps=1500,
                             batch_size=20, n_points=500, compare=("optimizer", "adam")),
    "l2_smooth": _scenario("circles", "8, 8", activation="relu", optimizer="adam", lr=0.03, steps=1500,
                           n_points=80, noise=0.5, test_share=0.5, compare=("l2", 0.003)),
}, validate=check_settings)

# The optimizers' scenarios (explorer.basics.surfaces.SCENARIOS: settings and measured lessons), titles
# and lessons ``basics_scn_opt_<name>``: the same tab's keys, names of their own.
OPT_SCENARIOS = Scenarios("basics", surfaces.SCENARIOS, validate=lambda s: surfaces.check_settings(**s))
