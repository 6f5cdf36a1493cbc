"""How a diffusion model turns noise into an image: noise schedules, the forward process q(x_t | x_0),
classifier-free guidance, and the DDPM and DDIM sampler steps. Pure logic (numpy only), no UI, no
model: the denoiser is any callable, so the app can plug in an ONNX Runtime session.

Papers: Ho, Jain & Abbeel 2020, "Denoising Diffusion Probabilistic Models" (DDPM, arXiv:2006.11239);
Nichol & Dhariwal 2021, "Improved DDPM" (cosine schedule, arXiv:2102.09672); Song, Meng & Ermon 2021,
"Denoising Diffusion Implicit Models" (DDIM, arXiv:2010.02502); Ho & Salimans 2022, "Classifier-Free
Diffusion Guidance" (arXiv:2207.12598).

Conventions (the same in every function here):

* **t is the paper's t.** x_0 is the clean image, x_T pure noise, t = 1..T are the noisy steps. Every
  array of a :class:`Schedule` has length T + 1 and is indexed by t itself; entry 0 describes x_0
  (β_0 = 0, ᾱ_0 = 1, SNR = ∞), so ``q_sample(x0, 0, ...)`` is x0 and the forward-process slider can
  run 0..T. diffusers and the DDPM reference code index the same steps 0..T-1; only the denoiser sees
  that index: :func:`guided_eps` calls ``eps_model`` with ``model_timestep(t) = t - 1`` (0..T-1, as
  ``models.unet.UNetConfig.T`` documents). A trainer must do the same: draw t in 1..T, make x_t
  with :func:`q_sample`, and give the network ``t - 1``.
* **Model space is [-1, 1]** (``to_model`` / ``from_model`` map from / to [0, 1] pixels).
* **Guidance scale s** is the diffusers / Stable Diffusion "guidance_scale":
  ε̂ = ε(x, ∅) + s·(ε(x, y) − ε(x, ∅)). s = 0 is the unconditional model, s = 1 the plain conditional
  model, s > 1 pushes further towards the class. Ho & Salimans write ε̂ = (1 + w)·ε(x, y) − w·ε(x, ∅),
  so s = 1 + w: "guidance 3" here is their w = 2.
* **DDPM variance** σ_t² = β̃_t = (1 − ᾱ_{t−1}) / (1 − ᾱ_t) · β_t (the posterior variance, DDPM eq. 7;
  Ho et al. §3.2 found it and β_t give similar samples). With it, DDIM with η = 1 over all T steps
  *is* DDPM (the same update, noise for noise), and the last step (t = 1) adds no noise.
* **x̂0 clipping.** By default x̂0 is clipped to [-1, 1] and the step is built from the clipped x̂0:
  DDPM uses the posterior mean μ̃_t(x_t, x̂0) (eq. 7), DDIM re-derives ε from x_t and the clipped x̂0
  for its "direction pointing to x_t" (diffusers' ``use_clipped_model_output``). Unclipped, both are
  the papers' equations (DDPM eq. 11, DDIM eq. 12) exactly. Either way the two samplers agree.
"""
from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

NULL_CLASS = 10  # "no class": the unconditional row of the denoiser's class embedding
NUM_CLASSES = 10
IMAGE_SHAPE = (1, 28, 28)
SAMPLERS = ("ddim", "ddpm")
MAX_SCALE = 10.0
MAX_SAMPLES = 64

# eps_model(x (B,1,28,28) float32 in [-1, 1], t (B,) int64 in 0..T-1, y (B,) int64 0..9 or NULL_CLASS)
#   -> ε̂ (B,1,28,28)
EpsModel = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]


class DiffusionError(ValueError):
    """An input the sampler cannot use; ``kind`` keys the translated message ``err_<kind>``."""

    def __init__(self, kind: str, **details):
        super().__init__(f"{kind}: {details}")
        self.kind, self.details = kind, details


# ---------------------------------------------------------------------------------------------
# Schedules


def _ro(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a, dtype=np.float64)
    a.setflags(write=False)
    return a


@dataclass(frozen=True, eq=False)
class Schedule:
    """A noise schedule and the terms derived from it, all float64 arrays of length T + 1 indexed by
    the paper's t (entry 0 = the clean image x_0).

    α_t = 1 − β_t; ᾱ_t = ∏_{s≤t} α_s (DDPM eq. 4); β̃_t = (1 − ᾱ_{t−1}) / (1 − ᾱ_t) · β_t (eq. 7);
    SNR(t) = ᾱ_t / (1 − ᾱ_t) (Kingma et al. 2021, "Variational Diffusion Models", eq. 2).
    """

    name: str
    T: int
    betas: np.ndarray  # β_t, β_0 = 0
    alphas: np.ndarray  # α_t = 1 − β_t
    alpha_bars: np.ndarray  # ᾱ_t, ᾱ_0 = 1
    alpha_bars_prev: np.ndarray  # ᾱ_{t−1} (entry 0: 1)
    sqrt_alpha_bars: np.ndarray  # √ᾱ_t: how much of x_0 is left in x_t
    sqrt_one_minus_alpha_bars: np.ndarray  # √(1 − ᾱ_t): the noise's standard deviation in x_t
    posterior_variance: np.ndarray  # β̃_t (0 at t = 0 and t = 1)
    snr: np.ndarray  # ᾱ_t / (1 − ᾱ_t), ∞ at t = 0

    @classmethod
    def from_betas(cls, betas: Sequence[float], name: str = "custom") -> Schedule:
        """The schedule of β_1..β_T (each in (0, 1))."""
        b = np.asarray(betas, dtype=np.float64).ravel()
        if b.size < 1 or not np.all(np.isfinite(b)) or b.min() <= 0 or b.max() >= 1:
            raise DiffusionError("schedule", T=int(b.size))
        betas = np.concatenate([[0.0], b])
        alphas = 1.0 - betas
        ab = np.cumprod(alphas)
        ab_prev = np.concatenate([[1.0], ab[:-1]])
        with np.errstate(divide="ignore", invalid="ignore"):
            post = np.where(np.arange(ab.size) == 0, 0.0, (1.0 - ab_prev) / (1.0 - ab) * betas)
            snr = np.where(ab < 1.0, ab / (1.0 - ab), np.inf)
        return cls(name=name, T=int(b.size), betas=_ro(betas), alphas=_ro(alphas), alpha_bars=_ro(ab),
                   alpha_bars_prev=_ro(ab_prev), sqrt_alpha_bars=_ro(np.sqrt(ab)),
                   sqrt_one_minus_alpha_bars=_ro(np.sqrt(1.0 - ab)), posterior_variance=_ro(post),
                   snr=_ro(snr))

    def check_t(self, t, low: int = 0) -> np.ndarray:
        """``t`` as an int64 array, or ``DiffusionError("timestep")`` unless every t is in low..T."""
        arr = np.asarray(t)
        if arr.dtype.kind not in "iu" or arr.size == 0 or arr.min() < low or arr.max() > self.T:
            raise DiffusionError("timestep", t=arr.tolist() if arr.size <= 8 else "...", low=low, T=self.T)
        return arr.astype(np.int64)


def linear_schedule(T: int = 1000, beta_1: float = 1e-4, beta_T: float = 0.02) -> Schedule:
    """β_t rising linearly from β_1 = 10⁻⁴ to β_T = 0.02 over T = 1000 steps (Ho et al. 2020, §4)."""
    if not isinstance(T, (int, np.integer)) or isinstance(T, bool) or T < 1:
        raise DiffusionError("schedule", T=T)
    return Schedule.from_betas(np.linspace(beta_1, beta_T, int(T)), name="linear")


def cosine_schedule(T: int = 1000, s: float = 0.008, max_beta: float = 0.999) -> Schedule:
    """Nichol & Dhariwal 2021, eq. 17: ᾱ_t = f(t) / f(0), f(t) = cos²(((t/T + s) / (1 + s)) · π/2),
    so β_t = 1 − ᾱ_t / ᾱ_{t−1}, clipped at 0.999 to avoid the singularity at t = T. ᾱ is then
    recomputed as ∏(1 − β), which equals the formula at every t < T (only β_T is clipped)."""
    if not isinstance(T, (int, np.integer)) or isinstance(T, bool) or T < 1:
        raise DiffusionError("schedule", T=T)
    f = np.cos((np.arange(T + 1, dtype=np.float64) / T + s) / (1 + s) * math.pi / 2) ** 2
    ab = f / f[0]
    betas = np.clip(1.0 - ab[1:] / ab[:-1], 0.0, max_beta)
    return Schedule.from_betas(betas, name="cosine")


def make_schedule(name: str = "linear", T: int = 1000) -> Schedule:
    """``"linear"`` or ``"cosine"`` with their papers' defaults."""
    if name == "linear":
        return linear_schedule(T)
    if name == "cosine":
        return cosine_schedule(T)
    raise DiffusionError("schedule_name", name=name, allowed=["linear", "cosine"])


def model_timestep(t) -> np.ndarray:
    """The index the denoiser is trained on for the paper's t: t − 1 (0..T−1, as in diffusers and the
    DDPM reference code)."""
    return np.asarray(t, dtype=np.int64) - 1


# ---------------------------------------------------------------------------------------------
# Forward process


def _coef(values: np.ndarray, t: np.ndarray, like: np.ndarray) -> np.ndarray | float:
    """schedule values at t, shaped to broadcast over a batch ``like`` (B, ...) and in its dtype."""
    if t.ndim == 0:
        return like.dtype.type(values[int(t)])
    return values[t].astype(like.dtype).reshape((-1,) + (1,) * (like.ndim - 1))


def q_sample(x0: np.ndarray, t, noise: np.ndarray, schedule: Schedule) -> np.ndarray:
    """x_t drawn from q(x_t | x_0) in closed form (DDPM eq. 4): x_t = √ᾱ_t · x_0 + √(1 − ᾱ_t) · ε.

    Args:
        x0: clean images in model space ([-1, 1]), any shape (B, ...) or a single image.
        t: the paper's t (0..T): one int, or a (B,) array, one per image.
        noise: ε ~ N(0, I), the shape of ``x0``.
    Returns:
        x_t, in the dtype of ``x0`` (float32 stays float32).
    """
    x0 = np.asarray(x0)
    if not np.issubdtype(x0.dtype, np.floating):
        x0 = x0.astype(np.float32)
    noise = np.asarray(noise, dtype=x0.dtype)
    if noise.shape != x0.shape:
        raise DiffusionError("shape", x0=x0.shape, noise=noise.shape)
    t = schedule.check_t(t)
    if t.ndim == 1 and t.shape[0] != x0.shape[0]:
        raise DiffusionError("shape", x0=x0.shape, t=t.shape)
    return _coef(schedule.sqrt_alpha_bars, t, x0) * x0 + _coef(schedule.sqrt_one_minus_alpha_bars, t, x0) * noise


@dataclass(frozen=True)
class NoiseLevel:
    """How noisy x_t is, for the UI's caption. For data of unit variance, ``signal_share`` is the
    fraction of x_t's variance that comes from the image (ᾱ_t) and the rest is noise."""

    t: int
    T: int
    alpha_bar: float  # ᾱ_t
    signal_coef: float  # √ᾱ_t
    noise_std: float  # √(1 − ᾱ_t)
    snr_db: float  # 10·log10(ᾱ_t / (1 − ᾱ_t)); +inf at t = 0
    signal_share: float  # ᾱ_t in [0, 1]


def noise_level(t: int, schedule: Schedule) -> NoiseLevel:
    """The noise level of x_t under q(x_t | x_0) (DDPM eq. 4), for any t in 0..T."""
    ti = int(schedule.check_t(t))
    ab = float(schedule.alpha_bars[ti])
    snr = float(schedule.snr[ti])
    return NoiseLevel(t=ti, T=schedule.T, alpha_bar=ab, signal_coef=math.sqrt(ab),
                      noise_std=math.sqrt(max(0.0, 1.0 - ab)),
                      snr_db=math.inf if math.isinf(snr) else (10 * math.log10(snr) if snr > 0 else -math.inf),
                      signal_share=ab)


def to_model(img01: np.ndarray) -> np.ndarray:
    """[0, 1] pixels (or uint8 0..255) -> model space [-1, 1], float32: x = 2·p − 1."""
    a = np.asarray(img01)
    a = a.astype(np.float32) / 255.0 if a.dtype == np.uint8 else a.astype(np.float32)
    if a.size == 0 or not np.all(np.isfinite(a)):
        raise DiffusionError("image")
    return np.clip(a, 0.0, 1.0) * 2.0 - 1.0


def from_model(x: np.ndarray) -> np.ndarray:
    """Model space -> [0, 1] pixels, float32, clipped: p = (x + 1) / 2."""
    return np.clip((np.asarray(x, dtype=np.float32) + 1.0) / 2.0, 0.0, 1.0)


# ---------------------------------------------------------------------------------------------
# Guidance


def _classes(y, n: int) -> np.ndarray:
    """One class per sample as int64 (NULL_CLASS for none): y may be None, -1, 0..9 or NULL_CLASS,
    or a sequence of n of those."""
    def one(v):
        if v is None:
            return NULL_CLASS
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise DiffusionError("class", value=repr(v))
        v = int(v)
        if v == -1 or v == NULL_CLASS:
            return NULL_CLASS
        if not 0 <= v < NUM_CLASSES:
            raise DiffusionError("class", value=v)
        return v

    if y is None or isinstance(y, (int, np.integer)) or np.ndim(y) == 0:
        return np.full(n, one(y), dtype=np.int64)
    vals = np.asarray(y).ravel().tolist() if isinstance(y, np.ndarray) else list(y)
    if len(vals) != n:
        raise DiffusionError("class", value=f"{len(vals)} classes for {n} samples")
    return np.array([one(v) for v in vals], dtype=np.int64)


def _call(eps_model: EpsModel, x: np.ndarray, t: np.ndarray, y: np.ndarray) -> np.ndarray:
    out = np.asarray(eps_model(x, t, y))
    if out.shape != x.shape:
        raise DiffusionError("model_output", expected=x.shape, got=out.shape)
    return out.astype(x.dtype, copy=False)


def guided_eps(eps_model: EpsModel, x: np.ndarray, t, y, scale: float) -> np.ndarray:
    """Classifier-free guidance (Ho & Salimans 2022, eq. 6, in the diffusers form):
    ε̂ = ε(x_t, ∅) + s·(ε(x_t, y) − ε(x_t, ∅)), with s = ``scale`` = 1 + w.

    The conditional and unconditional predictions come from ONE call on a batch of 2B (x twice,
    y then ∅). When only one is needed the call has B rows: s ≤ 0 or every y = ∅ -> ε(x_t, ∅);
    s = 1 -> ε(x_t, y).

    Args:
        x: x_t, (B, 1, 28, 28), model space.
        t: the paper's t (1..T), an int or (B,); the model is called with t − 1.
        y: a class per sample ((B,) or one int; NULL_CLASS / -1 / None for none).
        scale: s, ≥ 0.
    Returns:
        ε̂, (B, 1, 28, 28) in the dtype of x.
    """
    x = np.asarray(x)
    B = x.shape[0]
    tm = model_timestep(np.broadcast_to(np.asarray(t, dtype=np.int64), (B,)))
    y = _classes(y, B)
    s = float(scale)
    null = np.full(B, NULL_CLASS, dtype=np.int64)
    if s <= 0 or np.all(y == NULL_CLASS):
        return _call(eps_model, x, tm, null)
    if s == 1:
        return _call(eps_model, x, tm, y)
    both = _call(eps_model, np.concatenate([x, x]), np.concatenate([tm, tm]), np.concatenate([y, null]))
    cond, uncond = both[:B], both[B:]
    return uncond + x.dtype.type(s) * (cond - uncond)


# ---------------------------------------------------------------------------------------------
# Sampler steps


def predict_x0(x_t: np.ndarray, t, eps_hat: np.ndarray, schedule: Schedule) -> np.ndarray:
    """x̂0 = (x_t − √(1 − ᾱ_t) · ε̂) / √ᾱ_t: DDPM eq. 4 solved for x_0 (DDIM eq. 12's "predicted x_0")."""
    t = schedule.check_t(t, low=1)
    return (x_t - _coef(schedule.sqrt_one_minus_alpha_bars, t, x_t) * eps_hat) / _coef(schedule.sqrt_alpha_bars, t, x_t)


def ddpm_step(x_t: np.ndarray, t: int, eps_hat: np.ndarray, schedule: Schedule, noise: np.ndarray,
              clip: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """One ancestral DDPM step x_t -> x_{t−1} (Ho et al. 2020, Algorithm 2).

    x_{t−1} = μ̃_t(x_t, x̂0) + σ_t·z, with the posterior mean (eq. 7)
        μ̃_t = √ᾱ_{t−1} β_t / (1 − ᾱ_t) · x̂0 + √α_t (1 − ᾱ_{t−1}) / (1 − ᾱ_t) · x_t
    and σ_t² = β̃_t = (1 − ᾱ_{t−1}) / (1 − ᾱ_t) · β_t (0 at t = 1, so x_0 = x̂0 there).
    With x̂0 unclipped this is exactly eq. 11: x_{t−1} = (x_t − β_t / √(1 − ᾱ_t) · ε̂) / √α_t + σ_t·z.

    Args:
        x_t: (B, ...) in model space; t: the paper's t, one int in 1..T.
        eps_hat: ε̂ from the (guided) denoiser; noise: z ~ N(0, I), the shape of x_t.
        clip: clip x̂0 to [-1, 1] before the posterior mean (the image lives there).
    Returns:
        (x_{t−1}, x̂0), in the dtype of x_t.
    """
    ti = int(schedule.check_t(t, low=1))
    x0 = predict_x0(x_t, ti, eps_hat, schedule)
    if clip:
        x0 = np.clip(x0, -1.0, 1.0)
    ab, ab_prev, beta = schedule.alpha_bars[ti], schedule.alpha_bars_prev[ti], schedule.betas[ti]
    c0 = math.sqrt(ab_prev) * beta / (1.0 - ab)
    ct = math.sqrt(schedule.alphas[ti]) * (1.0 - ab_prev) / (1.0 - ab)
    sigma = math.sqrt(schedule.posterior_variance[ti])
    d = x_t.dtype.type
    return d(c0) * x0 + d(ct) * x_t + d(sigma) * noise, x0


def ddim_sigma(t: int, t_prev: int, schedule: Schedule, eta: float) -> float:
    """σ_t(η) = η · √((1 − ᾱ_{t_prev}) / (1 − ᾱ_t)) · √(1 − ᾱ_t / ᾱ_{t_prev}) (Song et al. 2021, eq. 16).
    η = 0: deterministic DDIM; η = 1 with t_prev = t − 1: σ_t² = β̃_t, DDPM's posterior variance."""
    ab, ab_prev = schedule.alpha_bars[t], schedule.alpha_bars[t_prev]
    return float(eta * math.sqrt(max(0.0, (1.0 - ab_prev) / (1.0 - ab) * (1.0 - ab / ab_prev))))


def ddim_step(x_t: np.ndarray, t: int, t_prev: int, eps_hat: np.ndarray, schedule: Schedule,
              eta: float = 0.0, noise: np.ndarray | None = None,
              clip: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """One DDIM step x_t -> x_{t_prev} (Song et al. 2021, eq. 12), any 0 ≤ t_prev < t ≤ T:

        x_{t_prev} = √ᾱ_{t_prev} · x̂0  +  √(1 − ᾱ_{t_prev} − σ_t²) · ε̂  +  σ_t · z

    ("predicted x_0", "direction pointing to x_t", random noise), σ_t from eq. 16 (:func:`ddim_sigma`).
    With ``clip``, x̂0 is clipped to [-1, 1] and the direction uses ε re-derived from it,
    ε' = (x_t − √ᾱ_t x̂0) / √(1 − ᾱ_t), so that η = 1, t_prev = t − 1 is :func:`ddpm_step` exactly.

    Returns:
        (x_{t_prev}, x̂0), in the dtype of x_t. ``noise`` may be None when σ_t = 0.
    """
    ti = int(schedule.check_t(t, low=1))
    tp = int(schedule.check_t(t_prev))
    if tp >= ti:
        raise DiffusionError("timestep", t=ti, t_prev=tp)
    if not 0.0 <= float(eta) <= 1.0:
        raise DiffusionError("eta", value=eta)
    x0 = predict_x0(x_t, ti, eps_hat, schedule)
    if clip:
        x0 = np.clip(x0, -1.0, 1.0)
        eps = (x_t - x_t.dtype.type(schedule.sqrt_alpha_bars[ti]) * x0) / x_t.dtype.type(
            schedule.sqrt_one_minus_alpha_bars[ti])
    else:
        eps = eps_hat
    ab_prev = schedule.alpha_bars[tp]
    sigma = ddim_sigma(ti, tp, schedule, float(eta))
    d = x_t.dtype.type
    out = d(math.sqrt(ab_prev)) * x0 + d(math.sqrt(max(0.0, 1.0 - ab_prev - sigma ** 2))) * eps
    if sigma > 0:
        if noise is None:
            raise DiffusionError("noise_missing", t=ti, eta=eta)
        out = out + d(sigma) * noise
    return out, x0


def ddim_timesteps(T: int, n: int) -> np.ndarray:
    """n timesteps evenly spaced over 1..T, from T down, always including T ("trailing" spacing,
    Lin et al. 2024, "Common Diffusion Noise Schedules and Sample Steps Are Flawed", Table 2):
    round(T − i·T/n) for i = 0..n−1. n = T gives T, T−1, ..., 1. Each step goes to the next, the last
    to t = 0."""
    if not (isinstance(n, (int, np.integer)) and not isinstance(n, bool) and 1 <= n <= T):
        raise DiffusionError("steps", value=n, max=T)
    ts = np.round(T - np.arange(n) * (T / n)).astype(np.int64)
    return ts


# ---------------------------------------------------------------------------------------------
# The sampling loop


@dataclass(frozen=True)
class StepRecord:
    """What one reverse step saw and produced, for all n samples (arrays are never modified later:
    ``x_prev`` of one record is the very array ``x_t`` of the next, so a recorded trajectory costs
    three images per step)."""

    index: int  # 0-based step number
    total: int  # number of steps in this run
    t: int  # the paper's t the model saw (T .. 1)
    t_prev: int  # where the step lands (0 after the last)
    x_t: np.ndarray  # (n, 1, 28, 28) the input of the step
    eps: np.ndarray  # ε̂, the guided noise prediction
    x0: np.ndarray  # x̂0, the predicted clean image (clipped if the run clips)
    x_prev: np.ndarray  # x_{t_prev}, the output


def check_number(kind: str, value, low: float, high: float, integer: bool = False):
    ok_types = (int, np.integer) if integer else (int, float, np.integer, np.floating)
    if isinstance(value, bool) or not isinstance(value, ok_types) or not math.isfinite(float(value)) \
            or not low <= value <= high:
        raise DiffusionError(kind, value=value if isinstance(value, (int, float)) else repr(value),
                             min=low, max=high)
    return int(value) if integer else float(value)


def timesteps_for(sampler: str, steps: int, T: int) -> np.ndarray:
    """The t of every step of a run: DDPM always walks T, T−1, ..., 1; DDIM uses :func:`ddim_timesteps`."""
    if sampler == "ddpm":
        return np.arange(T, 0, -1, dtype=np.int64)
    if sampler == "ddim":
        return ddim_timesteps(T, steps)
    raise DiffusionError("sampler", value=sampler, allowed=list(SAMPLERS))


def sample(eps_model: EpsModel, schedule: Schedule, y=None, n: int = 16, sampler: str = "ddim",
           steps: int = 50, eta: float = 0.0, scale: float = 3.0, seed: int = 0,
           stop: threading.Event | None = None, clip: bool = True,
           shape: tuple[int, ...] = IMAGE_SHAPE, dtype=np.float32) -> Iterator[StepRecord]:
    """Generate n images from noise, one reverse step at a time (a generator of :class:`StepRecord`).

    Args:
        eps_model: the denoiser, ``eps_model(x, t − 1, y) -> ε̂`` (see :data:`EpsModel`).
        y: the class (0..9) for all samples, or one per sample; None / -1 / NULL_CLASS = no class.
        n: number of samples, 1..64.
        sampler: ``"ddpm"`` (all T steps, σ_t² = β̃_t; ``steps`` and ``eta`` are ignored) or ``"ddim"``
            (``steps`` in 1..T, ``eta`` in [0, 1]; η = 0 deterministic).
        scale: guidance scale s in [0, 10] (s = 1 + w; see :func:`guided_eps`).
        seed: every random number comes from ``np.random.default_rng(seed)`` in a fixed order:
            x_T first, then one N(0, I) draw per step whether or not the step uses it. So the same
            seed gives the same samples, and DDIM(η = 1, steps = T) the same samples as DDPM.
        stop: when set, the generator returns before the next step.
        clip: clip x̂0 to [-1, 1] (see the module docstring).
        dtype: of the arrays the model sees and the records hold (float32 for ONNX models).
    Raises:
        DiffusionError with kind ``sampler``, ``class``, ``n``, ``scale``, ``steps``, ``eta``, ``seed``,
        or ``model_output`` (the model returned the wrong shape).
    """
    if sampler not in SAMPLERS:
        raise DiffusionError("sampler", value=sampler if isinstance(sampler, str) else repr(sampler),
                             allowed=list(SAMPLERS))
    n = check_number("n", n, 1, MAX_SAMPLES, integer=True)
    y = _classes(y, n)
    scale = check_number("scale", scale, 0.0, MAX_SCALE)
    if sampler == "ddim":
        steps = check_number("steps", steps, 1, schedule.T, integer=True)
        eta = check_number("eta", eta, 0.0, 1.0)
    seed = check_number("seed", seed, 0, 2 ** 63 - 1, integer=True)
    ts = timesteps_for(sampler, steps, schedule.T)
    rng = np.random.default_rng(seed)
    size = (n,) + tuple(shape)
    x = rng.standard_normal(size).astype(dtype)  # x_T ~ N(0, I)
    total = len(ts)
    for i, t in enumerate(ts):
        if stop is not None and stop.is_set():
            return
        t = int(t)
        t_prev = int(ts[i + 1]) if i + 1 < total else 0
        z = rng.standard_normal(size).astype(dtype)
        eps = guided_eps(eps_model, x, t, y, scale)
        if sampler == "ddpm":
            x_prev, x0 = ddpm_step(x, t, eps, schedule, z, clip=clip)
        else:
            x_prev, x0 = ddim_step(x, t, t_prev, eps, schedule, eta, z, clip=clip)
        yield StepRecord(index=i, total=total, t=t, t_prev=t_prev, x_t=x, eps=eps, x0=x0, x_prev=x_prev)
        x = x_prev


def run(eps_model: EpsModel, schedule: Schedule, **kwargs) -> np.ndarray:
    """The final x_0 of :func:`sample` (same arguments); if stopped, the last state reached (None if
    stopped before the first step)."""
    last = None
    for rec in sample(eps_model, schedule, **kwargs):
        last = rec
    return None if last is None else last.x_prev
