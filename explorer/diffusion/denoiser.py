"""The shipped diffusion model at work, for the Diffusion tab: its noise schedule (read from the
manifest, so the app samples with the schedule it was trained with), the denoiser as an ONNX Runtime
callable, the shipped CNN naming what came out, the forward process on the user's image, and a
reverse run that can be paused, stepped and scrubbed back.

No gradio here. The maths is in :mod:`explorer.diffusion.compute`; the pictures in
:mod:`explorer.diffusion.views`.
"""
from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from explorer import runtime
from explorer.diffusion import compute as dif

# The app runs the int8 graph (twice as fast on 2 cores; quality measured the same way, see the
# manifest's diffusion_fashion_int8); the fp32 graph is the reference it was quantised from.
ONNX = runtime.ASSETS / "diffusion_fashion_int8.onnx"
FP32_ONNX = runtime.ASSETS / "diffusion_fashion.onnx"
CNN_ONNX = runtime.ASSETS / "cnn_fashion.onnx"
EACH = -2  # "one of each class": sample i asks for class i mod 10
MAX_FRAMES = 250  # steps a run keeps as pictures for the scrub slider (DDPM-1000: every 4th), plus
# the last step and the final images
EPS_RANGE = 3.0  # ε̂ is shown with −3..3 mapped to black..white (N(0, 1) is within ±3 99.7 % of the time)


@lru_cache(maxsize=2)
def manifest_entry(name: str = "diffusion_fashion") -> dict:
    """The manifest's record of the shipped denoiser (how it was made and what it scores), or of
    ``diffusion_fashion_int8``, the graph the app runs."""
    with open(runtime.ASSETS / "manifest.json", encoding="utf-8") as f:
        return json.load(f)["artifacts"][name]


@lru_cache(maxsize=1)
def shipped_schedule() -> dif.Schedule:
    """The schedule the shipped denoiser was trained with (``schedule`` in the manifest)."""
    s = manifest_entry()["schedule"]
    if s["kind"] == "cosine":
        return dif.cosine_schedule(int(s["T"]), s=float(s.get("s", 0.008)), max_beta=float(s.get("max_beta", 0.999)))
    return dif.make_schedule(s["kind"], int(s["T"]))


@lru_cache(maxsize=4)
def schedule(name: str) -> dif.Schedule:
    """The shipped schedule by its name, or the other one (for comparison) with the same T."""
    shipped = shipped_schedule()
    return shipped if name == shipped.name else dif.make_schedule(name, shipped.T)


def eps_model(x: np.ndarray, t: np.ndarray, y: np.ndarray, path=None) -> np.ndarray:
    """ε̂ = the shipped U-Net through ONNX Runtime (``t`` is the model's 0..T−1 index; see
    :data:`explorer.diffusion.compute.EpsModel`); the int8 graph unless ``path`` names another."""
    sess = runtime.session(path or ONNX)
    return sess.run(None, {"x": np.ascontiguousarray(x, dtype=np.float32),
                           "t": np.ascontiguousarray(t, dtype=np.int64),
                           "y": np.ascontiguousarray(y, dtype=np.int64)})[0]


def recognise(x01: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The shipped CNN's class and probability for each image (N, 1, 28, 28) in [0, 1]."""
    probs = runtime.softmax(runtime.run(CNN_ONNX, np.asarray(x01, dtype=np.float32)).astype(np.float64))
    pred = probs.argmax(1)
    return pred, probs[np.arange(len(pred)), pred]


def warm_up() -> None:
    """Load both ONNX sessions and run one step (the first call of an ORT session is slow)."""
    x = np.zeros((2, 1, 28, 28), np.float32)
    eps_model(x, np.zeros(2, np.int64), np.array([0, dif.NULL_CLASS]))
    recognise(x)


def requested_classes(cls: int | None, n: int) -> np.ndarray:
    """Per-sample class: one class for all, ``EACH`` (i mod 10), or ``None`` (unconditional)."""
    if cls is None:
        return np.full(n, dif.NULL_CLASS, dtype=np.int64)
    if cls == EACH:
        return np.arange(n, dtype=np.int64) % dif.NUM_CLASSES
    return np.full(n, int(cls), dtype=np.int64)


# --------------------------------------------------------------------------------------------------
# Forward process

@dataclass
class Forward:
    """x_0 noised to step t with the closed form, and what the denoiser makes of it in one step."""

    t: int
    x0: np.ndarray  # (1, 28, 28) pixels in [0, 1]
    noise: np.ndarray  # (1, 28, 28) the ε drawn (model units)
    x_t: np.ndarray  # (1, 28, 28) model units
    eps_hat: np.ndarray | None  # the unconditional model's ε̂ (None at t = 0)
    x0_hat: np.ndarray | None  # x̂0 = (x_t − √(1−ᾱ_t) ε̂) / √ᾱ_t, clipped to [−1, 1]
    level: dif.NoiseLevel
    noise_error: float | None  # RMS(ε̂ − ε): how well the network found the noise that was added


def forward(x0_01: np.ndarray, t: int, seed: int, sched: dif.Schedule, predict: bool = True) -> Forward:
    """q(x_t | x_0) = N(√ᾱ_t x_0, (1 − ᾱ_t) I) for the user's image, with a seeded ε (DDPM eq. 4),
    and — if ``predict`` and the schedule is the model's — one pass of the shipped denoiser."""
    x0 = np.asarray(x0_01, dtype=np.float32).reshape(1, 1, 28, 28)
    t = int(sched.check_t(int(t)))
    noise = np.random.default_rng(seed).standard_normal(x0.shape).astype(np.float32)
    x_t = dif.q_sample(dif.to_model(x0), t, noise, sched).astype(np.float32)
    eps_hat = x0_hat = err = None
    if predict and t > 0:
        eps_hat = eps_model(x_t, dif.model_timestep(np.array([t])), np.array([dif.NULL_CLASS]))
        x0_hat = dif.predict_x0(x_t, t, eps_hat, sched).clip(-1, 1)
        err = float(np.sqrt(np.mean((eps_hat - noise) ** 2)))
    return Forward(t, x0[0], noise[0], x_t[0], None if eps_hat is None else eps_hat[0],
                   None if x0_hat is None else x0_hat[0], dif.noise_level(t, sched), err)


# --------------------------------------------------------------------------------------------------
# Reverse process: a run that keeps its frames and can be resumed

def to_u8(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Map [lo, hi] to 0..255 (clipped) for display; the frames keep only this."""
    return (np.clip((np.asarray(x, dtype=np.float32) - lo) / (hi - lo), 0, 1) * 255).round().astype(np.uint8)


@dataclass(frozen=True)
class Frame:
    """One recorded step as pictures (uint8, (n, 28, 28)): the step's input x_t (model units −1..1
    shown as pixels), ε̂ (−3..3), x̂0; and the numbers for the JSON."""

    index: int  # 0-based step; ``total`` for the final image
    t: int
    t_prev: int
    x_t: np.ndarray
    eps: np.ndarray | None
    x0: np.ndarray
    x_t_std: float  # std of x_t over all samples (1 at t = T, the data's spread at t = 0)


@dataclass
class ReverseRun:
    """A seeded reverse run of the shipped denoiser for ``n`` samples, consumed step by step. The
    sampler generator keeps its state between calls, so pausing costs nothing and a paused run
    resumes exactly where it was (the same samples as an uninterrupted run)."""

    config: dict
    y: np.ndarray
    sched: dif.Schedule
    total: int
    stride: int
    _gen: Iterator[dif.StepRecord]
    frames: list[Frame] = field(default_factory=list)
    steps_done: int = 0
    t_now: int = 0
    final: np.ndarray | None = None  # pixels in [0, 1], (n, 1, 28, 28), when finished
    recognised: np.ndarray | None = None
    confidence: np.ndarray | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    pause: threading.Event = field(default_factory=threading.Event)
    forward_s: float = 0.0  # time spent in the sampler (the denoiser's forwards and the step maths)

    @property
    def finished(self) -> bool:
        return self.final is not None

    def advance(self, max_steps: int | None = None, stop: threading.Event | None = None,
                every_s: float = 0.0) -> Iterator[int]:
        """Take up to ``max_steps`` steps (all that are left if None), stopping early when ``stop``
        or ``self.pause`` is set. Yields the number of steps taken so far whenever ``every_s``
        seconds of sampling have passed since the caller got control back from the last yield (the
        time the caller spends drawing and sending is not counted, so drawing never eats the
        interval), and always once at the end. The caller must hold ``lock`` (one consumer at a
        time)."""
        taken, last = 0, time.monotonic()
        while not self.finished and (max_steps is None or taken < max_steps):
            if self.pause.is_set() or (stop is not None and stop.is_set()):
                break
            t0 = time.perf_counter()
            rec = next(self._gen)
            self.forward_s += time.perf_counter() - t0
            self._record(rec)
            taken += 1
            if every_s > 0 and time.monotonic() - last >= every_s and not self.finished:
                yield taken
                last = time.monotonic()
        yield taken

    def _record(self, rec: dif.StepRecord) -> None:
        self.steps_done = rec.index + 1
        self.t_now = rec.t_prev
        if rec.index % self.stride == 0 or rec.index == rec.total - 1:
            self.frames.append(Frame(rec.index, rec.t, rec.t_prev, to_u8(rec.x_t[:, 0], -1, 1),
                                     to_u8(rec.eps[:, 0], -EPS_RANGE, EPS_RANGE), to_u8(rec.x0[:, 0], -1, 1),
                                     float(rec.x_t.std())))
        if rec.index == rec.total - 1:
            final = dif.from_model(rec.x_prev)
            self.final = final
            self.recognised, self.confidence = recognise(final)
            u8 = to_u8(final[:, 0], 0, 1)
            self.frames.append(Frame(rec.total, 0, 0, u8, None, u8, float(rec.x_prev.std())))

    def summary(self, names: list[str], frame: int | None = None) -> dict:
        """The JSON of the run: settings, progress, ᾱ_t of the shown step, and at the end each
        sample's requested and recognised class."""
        f = self.frames[-1 if frame is None else frame] if self.frames else None
        out = dict(self.config)
        out.update({"steps_total": self.total, "steps_done": self.steps_done, "finished": self.finished,
                    "frames_kept": len(self.frames), "frame_stride": self.stride})
        if f is not None:
            t_shown = f.t if f.eps is not None else 0
            out["shown"] = {"step": f.index, "t": t_shown, "t_next": f.t_prev,
                            "alpha_bar": round(float(self.sched.alpha_bars[t_shown]), 6),
                            "x_t_std": round(f.x_t_std, 4)}
        if self.finished:
            req = [None if c == dif.NULL_CLASS else int(c) for c in self.y]
            rows = []
            for i, (r, p) in enumerate(zip(self.recognised, self.confidence)):
                rows.append({"sample": i, "requested": req[i],
                             "requested_name": None if req[i] is None else names[req[i]],
                             "recognised": int(r), "recognised_name": names[int(r)],
                             "probability": round(float(p), 4),
                             "match": None if req[i] is None else bool(req[i] == int(r))})
            out["samples"] = rows
            matches = [r["match"] for r in rows if r["match"] is not None]
            out["recognised_share"] = round(float(np.mean(matches)), 4) if matches else None
        return out


def new_run(cls: int | None, scale: float, seed: int, sampler: str, steps: int, eta: float, n: int = 16,
            sched: dif.Schedule | None = None) -> ReverseRun:
    """A reverse run, not yet started (its settings are validated here, before any model call)."""
    sched = sched or shipped_schedule()
    n = dif.check_number("n", n, 1, dif.MAX_SAMPLES, integer=True)
    if cls is not None and cls != EACH:
        cls = dif.check_number("class", cls, 0, dif.NUM_CLASSES - 1, integer=True)
    y = requested_classes(cls, n)
    gen = dif.sample(eps_model, sched, y=y, n=n, sampler=sampler, steps=steps, eta=eta, scale=scale, seed=seed)
    # dif.sample validates lazily (it is a generator): check now so errors come before any work.
    if sampler not in dif.SAMPLERS:
        raise dif.DiffusionError("sampler", value=str(sampler)[:20], allowed=list(dif.SAMPLERS))
    scale = dif.check_number("scale", scale, 0.0, dif.MAX_SCALE)
    seed = dif.check_number("seed", seed, 0, 2 ** 63 - 1, integer=True)
    if sampler == "ddim":
        steps = dif.check_number("steps", steps, 1, sched.T, integer=True)
        eta = dif.check_number("eta", eta, 0.0, 1.0)
    total = len(dif.timesteps_for(sampler, steps, sched.T))
    config = {"class": None if cls is None else ("each" if cls == EACH else int(cls)), "scale": scale,
              "seed": seed, "sampler": sampler, "steps": total, "eta": eta if sampler == "ddim" else None,
              "n": n, "schedule": sched.name, "T": sched.T}
    return ReverseRun(config, y, sched, total, max(1, math.ceil(total / MAX_FRAMES)), gen, t_now=sched.T)
