"""Teaching scenarios for the Adversarial tab: each is the tab's full settings (PGD: random start,
seed 0, α = 2.5 ε/steps), so a class sees the same attack every time. What each shows is in its
lesson (``adversarial_scn_<name>_lesson`` in explorer/locales/), measured with exactly these
settings and re-measured by tests/unit/test_adversarial.py through :func:`run_scenario` and
:func:`run_scenario_sweep`. Fashion-MNIST test image 61 is a sneaker both CNNs recognise; the sweep
scenario keeps the robust one's settings and runs the accuracy-versus-ε sweep (``run_sweep``).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from explorer import data, images, nets
from explorer.adversarial import views
from explorer.adversarial.compute import (
    DEFAULT_STEPS,
    EPS_255,
    METHODS,
    PGD_STEPS,
    SWEEP_DEFAULT_IMAGES,
    attack_image,
    epsilon_sweep,
    sample_batch,
)
from explorer.scenario import Scenarios

# The sweep's settings in the tab by default; the "sweep" scenario runs exactly these.
SWEEP_DEFAULTS = dict(nets=["fashion", "fashion_adv"], method="fgsm", images=SWEEP_DEFAULT_IMAGES, max_255=32.0,
                      steps=DEFAULT_STEPS)


def _scenario(source: str, net: str, method: str, eps_255: float, *, sample: str = "coffee", index: int = 61,
              steps: int = DEFAULT_STEPS, targeted: bool = False, target: int | None = None,
              sweep: bool = False) -> dict[str, Any]:
    return dict(source=source, sample=sample, index=index, net=net, method=method, eps_255=float(eps_255),
                steps=steps, step_255=0.0, random_start=True, seed=0, targeted=targeted, target=target,
                sweep=dict(SWEEP_DEFAULTS, nets=list(SWEEP_DEFAULTS["nets"])), run_sweep=sweep)


def check(p: Mapping[str, Any]) -> None:
    """A scenario's settings are ones the tab accepts (checked when the module is imported)."""
    ok = (p["source"] in ("sample", "dataset") and p["sample"] in images.SAMPLES and 0 <= p["index"] < 10000
          and p["net"] in ("fashion", "fashion_adv", "imagenet") and p["method"] in METHODS
          and EPS_255[0] <= p["eps_255"] <= EPS_255[1] and PGD_STEPS[0] <= p["steps"] <= PGD_STEPS[1]
          and p["targeted"] == (p["target"] is not None) and isinstance(p["seed"], int)
          and set(p["sweep"]["nets"]) <= {"fashion", "fashion_adv"} and p["sweep"]["method"] in METHODS)
    if not ok:
        raise ValueError(f"an adversarial scenario the tab would refuse: {dict(p)!r}")


SCENARIOS = Scenarios("adversarial", {
    "photo_flip": _scenario("sample", "imagenet", "pgd", 2, sample="coffee"),
    "photo_target": _scenario("sample", "imagenet", "pgd", 2, sample="coffee", targeted=True, target=1),
    "fgsm_holds": _scenario("dataset", "fashion", "fgsm", 8),
    "pgd_flips": _scenario("dataset", "fashion", "pgd", 8),
    "robust_holds": _scenario("dataset", "fashion_adv", "pgd", 8),
    "sweep": _scenario("dataset", "fashion_adv", "pgd", 8, sweep=True),
}, validate=check)


def scenario_net(key: str) -> nets.Net:
    """A shipped network by the tab's key (the scenarios never use a session's own model)."""
    return nets.get_net(key)


def run_scenario(name: str, lang: str = "en", **overrides) -> dict[str, Any]:
    """The attack of scenario ``name`` (settings optionally overridden, e.g. another ε or network),
    exactly as the tab runs it; returns the summary of :func:`compute.attack_image`."""
    p = {**SCENARIOS[name].settings, **overrides}
    net = scenario_net(p["net"])
    img = images.load_input(p["source"], p["sample"], p["index"])
    _, _, summary = attack_image(net, img, p["source"] == "dataset", p["method"], p["eps_255"] / 255,
                                 steps=p["steps"], step_size=p["step_255"] / 255, random_start=p["random_start"],
                                 targeted=p["targeted"], target=p["target"], seed=p["seed"],
                                 names=net.class_names(lang))
    return summary


def run_scenario_sweep(name: str) -> dict[str, list[dict[str, Any]]]:
    """The accuracy-versus-ε sweep of scenario ``name`` as the tab runs it: network key → rows of
    :func:`compute.epsilon_sweep` on the seeded batch of Fashion-MNIST test images."""
    s = SCENARIOS[name]["sweep"]
    x, y = sample_batch(data.load("fashion").test, s["images"], seed=0)
    grid = views.eps_grid(s["max_255"])
    return {k: epsilon_sweep(scenario_net(k).module, x, y, grid, s["method"], pgd_steps=s["steps"]) for k in s["nets"]}
