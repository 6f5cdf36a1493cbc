"""explorer.diffusion.compute: schedules against their papers' formulas, the closed-form forward process against
the step-by-step chain, DDIM(η = 1, all T steps) = DDPM, classifier-free guidance against a hand
computation, and end-to-end sampling with a denoiser that is exactly optimal for Gaussian data
(so the samples' mean and spread are known in advance)."""
import itertools
import math
import threading

import numpy as np
import pytest

from explorer.diffusion import compute as D

LIN = D.linear_schedule()
COS = D.cosine_schedule()


class GaussianEps:
    """The optimal ε-predictor when the data of class y is x_0 ~ N(μ_y, σ² I) (and N(0, σ² I) for
    "no class"): x_t = √ᾱ x_0 + √(1−ᾱ) ε is jointly Gaussian with ε, so
    E[ε | x_t] = √(1−ᾱ) / (ᾱσ² + 1 − ᾱ) · (x_t − √ᾱ μ_y). Records every call's batch."""

    def __init__(self, schedule, mu, sigma):
        self.s, self.mu, self.sigma = schedule, dict(mu), sigma
        self.calls = []

    def __call__(self, x, t, y):
        self.calls.append((x.shape[0], t.copy(), y.copy(), x.dtype))
        assert t.dtype == np.int64 and y.dtype == np.int64 and t.shape == y.shape == (x.shape[0],)
        ab = self.s.alpha_bars[t + 1].reshape(-1, 1, 1, 1)  # the model is given t − 1
        mu = np.array([self.mu.get(int(c), 0.0) for c in y]).reshape(-1, 1, 1, 1)
        return (np.sqrt(1 - ab) / (ab * self.sigma ** 2 + 1 - ab) * (x - np.sqrt(ab) * mu)).astype(x.dtype)


# --- schedules ------------------------------------------------------------------------------------

def test_linear_schedule_is_the_ddpm_one():
    s = LIN
    assert s.T == 1000 and s.betas.shape == (1001,)
    assert s.betas[0] == 0 and s.alpha_bars[0] == 1
    assert math.isclose(s.betas[1], 1e-4) and math.isclose(s.betas[1000], 0.02)
    np.testing.assert_allclose(np.diff(s.betas[1:]), (0.02 - 1e-4) / 999, rtol=1e-9)
    np.testing.assert_allclose(s.alpha_bars, np.cumprod(1 - s.betas), rtol=1e-12)
    assert np.all(np.diff(s.alpha_bars) < 0)
    assert math.isclose(s.alpha_bars[1000], 4.0358e-5, rel_tol=1e-3)  # the known value of ᾱ_T
    np.testing.assert_array_equal(s.alpha_bars_prev[1:], s.alpha_bars[:-1])
    t = np.arange(2, 1001)
    np.testing.assert_allclose(s.posterior_variance[t],
                               (1 - s.alpha_bars[t - 1]) / (1 - s.alpha_bars[t]) * s.betas[t], rtol=1e-12)
    assert s.posterior_variance[1] == 0 and np.all(s.posterior_variance[2:] < s.betas[2:])
    np.testing.assert_allclose(s.snr[1:], s.alpha_bars[1:] / (1 - s.alpha_bars[1:]), rtol=1e-12)
    assert np.isinf(s.snr[0]) and np.all(np.diff(s.snr[1:]) < 0)
    np.testing.assert_allclose(s.sqrt_alpha_bars ** 2 + s.sqrt_one_minus_alpha_bars ** 2, 1, atol=1e-12)
    with pytest.raises(ValueError):
        s.betas[3] = 0.5  # shared read-only


def test_cosine_schedule_follows_eq_17():
    s, T, off = COS, 1000, 0.008
    f = lambda t: np.cos((t / T + off) / (1 + off) * np.pi / 2) ** 2  # noqa: E731
    t = np.arange(0, T)
    np.testing.assert_allclose(s.alpha_bars[t], f(t) / f(0), rtol=1e-9)
    assert s.betas[1:].max() <= 0.999 and s.betas[T] == 0.999 and s.betas[1:].min() > 0
    assert np.all(np.diff(s.alpha_bars) < 0) and 0 < s.alpha_bars[T] < 1e-6
    # the cosine schedule destroys information more slowly than the linear one in the middle
    assert s.alpha_bars[500] > LIN.alpha_bars[500] * 5  # 0.49 vs 0.079


def test_bad_schedules_are_refused():
    for bad in (0, -5, 2.5, True):
        with pytest.raises(D.DiffusionError) as e:
            D.linear_schedule(bad)
        assert e.value.kind == "schedule"
    with pytest.raises(D.DiffusionError):
        D.Schedule.from_betas([0.1, 1.0])
    with pytest.raises(D.DiffusionError) as e:
        D.make_schedule("quadratic")
    assert e.value.kind == "schedule_name"


# --- forward process -----------------------------------------------------------------------------

@pytest.mark.parametrize("schedule", [LIN, COS], ids=["linear", "cosine"])
def test_closed_form_equals_the_forward_chain(schedule):
    """x_t = √ᾱ_t x0 + √(1−ᾱ_t) ε (eq. 4) against x_t = √(1−β_t) x_{t−1} + √β_t ε iterated (eq. 2).
    Exactly, through the moments: mean_t = √α_t mean_{t−1}, var_t = α_t var_{t−1} + β_t (float64,
    1e-10). Then by Monte Carlo with 20,000 chains per start value: the mean within 5 standard
    errors (√(var/N)), the variance within 5 of its standard errors (var·√(2/N))."""
    s = schedule
    mean, var = 1.0, 0.0
    for t in range(1, s.T + 1):
        mean, var = math.sqrt(s.alphas[t]) * mean, s.alphas[t] * var + s.betas[t]
        if t in (1, 10, 100, 500, s.T):
            assert abs(mean - s.sqrt_alpha_bars[t]) < 1e-10 and abs(var - (1 - s.alpha_bars[t])) < 1e-10

    rng = np.random.default_rng(0)
    N = 20_000
    x0 = np.array([-1.0, 0.0, 0.7])[:, None]
    x = np.repeat(x0, N, axis=1)
    checks = (1, 50, 250, 600, s.T)
    for t in range(1, s.T + 1):
        x = math.sqrt(1 - s.betas[t]) * x + math.sqrt(s.betas[t]) * rng.standard_normal(x.shape)
        if t in checks:
            closed = D.q_sample(np.repeat(x0, N, axis=1), t, rng.standard_normal(x.shape), s)
            m, v = s.sqrt_alpha_bars[t] * x0[:, 0], 1 - s.alpha_bars[t]
            for sample in (x, closed):
                assert np.all(np.abs(sample.mean(1) - m) < 5 * math.sqrt(v / N)), (t, sample.mean(1), m)
                assert np.all(np.abs(sample.var(1) - v) < 5 * v * math.sqrt(2 / N)), (t, sample.var(1), v)


def test_q_sample_per_image_t_dtype_and_edges():
    rng = np.random.default_rng(1)
    x0 = rng.uniform(-1, 1, (3, 1, 28, 28)).astype(np.float32)
    eps = rng.standard_normal(x0.shape).astype(np.float32)
    out = D.q_sample(x0, np.array([0, 500, 1000]), eps, LIN)
    assert out.dtype == np.float32 and out.shape == x0.shape
    np.testing.assert_array_equal(out[0], x0[0])  # t = 0 is the clean image
    for i, t in enumerate([500, 1000]):
        np.testing.assert_allclose(out[i + 1], D.q_sample(x0[i + 1], t, eps[i + 1], LIN), rtol=1e-6)
        np.testing.assert_allclose(out[i + 1], math.sqrt(LIN.alpha_bars[t]) * x0[i + 1]
                                   + math.sqrt(1 - LIN.alpha_bars[t]) * eps[i + 1], atol=1e-6)
    for bad_t in (-1, 1001, 3.5):
        with pytest.raises(D.DiffusionError) as e:
            D.q_sample(x0, bad_t, eps, LIN)
        assert e.value.kind == "timestep"
    with pytest.raises(D.DiffusionError):
        D.q_sample(x0, 5, eps[:2], LIN)


def test_noise_level():
    n0 = D.noise_level(0, LIN)
    assert n0.alpha_bar == 1 and n0.snr_db == math.inf and n0.noise_std == 0 and n0.signal_share == 1
    t_half = int(np.argmin(np.abs(LIN.snr[1:] - 1))) + 1  # where signal and noise weigh the same
    assert abs(D.noise_level(t_half, LIN).snr_db) < 0.2
    nT = D.noise_level(1000, LIN)
    assert nT.snr_db < -40 and math.isclose(nT.signal_coef ** 2 + nT.noise_std ** 2, 1)
    assert D.noise_level(1, LIN).snr_db > D.noise_level(2, LIN).snr_db > 0
    with pytest.raises(D.DiffusionError):
        D.noise_level(1001, LIN)


def test_pixel_model_space_maps():
    p = np.linspace(0, 1, 11, dtype=np.float32)
    np.testing.assert_allclose(D.to_model(p), 2 * p - 1, atol=1e-7)
    np.testing.assert_allclose(D.from_model(D.to_model(p)), p, atol=1e-7)
    np.testing.assert_allclose(D.to_model(np.array([0, 255], np.uint8)), [-1, 1])
    np.testing.assert_array_equal(D.from_model(np.array([-3.0, 3.0])), [0, 1])
    with pytest.raises(D.DiffusionError):
        D.to_model(np.array([np.nan]))


# --- guidance ------------------------------------------------------------------------------------

class Toy:
    """ε(x, t, y) = 0.5·x + c_y + t/1000, with c_y = y + 1 and c_∅ = −2: every term is visible."""

    def __init__(self):
        self.calls = []

    def __call__(self, x, t, y):
        self.calls.append((x.shape[0], t.copy(), y.copy()))
        c = np.where(y == D.NULL_CLASS, -2.0, y + 1.0).reshape(-1, 1, 1, 1)
        return 0.5 * x + c + t.reshape(-1, 1, 1, 1) / 1000


def test_guidance_is_one_batched_call_and_matches_hand_computation():
    x = np.random.default_rng(2).standard_normal((3, 1, 28, 28))
    y = np.array([4, 0, D.NULL_CLASS])
    m = Toy()
    out = D.guided_eps(m, x, 101, y, scale=3.0)
    assert len(m.calls) == 1 and m.calls[0][0] == 6  # cond and uncond together: 2B
    np.testing.assert_array_equal(m.calls[0][1], 100)  # the model sees t − 1
    np.testing.assert_array_equal(m.calls[0][2], [4, 0, 10, 10, 10, 10])
    for i, c in enumerate([5.0, 1.0, -2.0]):
        e_y, e_null = 0.5 * x[i] + c + 0.1, 0.5 * x[i] - 2.0 + 0.1
        np.testing.assert_allclose(out[i], e_null + 3 * (e_y - e_null), atol=1e-12)  # = (1+w)ε_y − wε_∅, w = 2
        np.testing.assert_allclose(out[i], 3 * e_y - 2 * e_null, atol=1e-12)


@pytest.mark.parametrize("scale,y,expect_y", [(0.0, 3, D.NULL_CLASS), (3.0, None, D.NULL_CLASS),
                                              (2.0, -1, D.NULL_CLASS), (1.0, 3, 3)])
def test_guidance_needs_one_plain_call_when_there_is_nothing_to_mix(scale, y, expect_y):
    x = np.ones((2, 1, 28, 28), np.float32)
    m = Toy()
    out = D.guided_eps(m, x, np.array([5, 7]), y, scale)
    assert len(m.calls) == 1 and m.calls[0][0] == 2 and np.all(m.calls[0][2] == expect_y)
    np.testing.assert_array_equal(m.calls[0][1], [4, 6])
    np.testing.assert_allclose(out, m(x, np.array([4, 6]), np.full(2, expect_y)))
    assert out.dtype == np.float32


def test_model_with_wrong_output_shape_is_reported():
    with pytest.raises(D.DiffusionError) as e:
        D.guided_eps(lambda x, t, y: x[:, :, :14], np.zeros((2, 1, 28, 28)), 5, 1, 3.0)
    assert e.value.kind == "model_output"


# --- sampler steps ---------------------------------------------------------------------------------

def test_ddpm_step_unclipped_is_eq_11_and_the_last_step_adds_no_noise():
    rng = np.random.default_rng(3)
    x, eps, z = (rng.standard_normal((4, 1, 28, 28)) for _ in range(3))
    s = LIN
    for t in (2, 37, 500, 1000):
        got, x0 = D.ddpm_step(x, t, eps, s, z, clip=False)
        ref = (x - s.betas[t] / math.sqrt(1 - s.alpha_bars[t]) * eps) / math.sqrt(s.alphas[t]) \
            + math.sqrt(s.posterior_variance[t]) * z
        np.testing.assert_allclose(got, ref, atol=1e-10)
        np.testing.assert_allclose(x0, (x - math.sqrt(1 - s.alpha_bars[t]) * eps) / math.sqrt(s.alpha_bars[t]))
    got, x0 = D.ddpm_step(x, 1, eps, s, z * 100, clip=True)
    np.testing.assert_allclose(got, x0, atol=1e-12)
    assert x0.min() >= -1 and x0.max() <= 1


@pytest.mark.parametrize("clip", [False, True])
@pytest.mark.parametrize("schedule", [LIN, COS], ids=["linear", "cosine"])
def test_ddim_eta_1_single_step_is_ddpm(schedule, clip):
    """With t_prev = t − 1: σ_t(η=1)² = (1−ᾱ_{t−1})/(1−ᾱ_t)·(1 − α_t) = β̃_t, and
    √(1 − ᾱ_{t−1} − β̃_t) = √α_t (1−ᾱ_{t−1})/√(1−ᾱ_t), so √ᾱ_{t−1} x̂0 + √(1−ᾱ_{t−1}−β̃_t)·ε with
    ε = (x_t − √ᾱ_t x̂0)/√(1−ᾱ_t) regroups into the posterior mean μ̃_t(x_t, x̂0) of eq. 7."""
    rng = np.random.default_rng(4)
    x, eps, z = (rng.standard_normal((4, 1, 28, 28)) * 2 for _ in range(3))
    for t in (1, 2, 10, 300, 999, 1000):
        assert math.isclose(D.ddim_sigma(t, t - 1, schedule, 1.0) ** 2, schedule.posterior_variance[t],
                            rel_tol=1e-9, abs_tol=1e-15)
        a = D.ddpm_step(x, t, eps, schedule, z, clip=clip)
        b = D.ddim_step(x, t, t - 1, eps, schedule, 1.0, z, clip=clip)
        np.testing.assert_allclose(a[0], b[0], atol=1e-9)
        np.testing.assert_array_equal(a[1], b[1])


def test_ddim_eta_0_ignores_noise():
    rng = np.random.default_rng(5)
    x, eps = rng.standard_normal((2, 1, 28, 28)), rng.standard_normal((2, 1, 28, 28))
    a, _ = D.ddim_step(x, 800, 780, eps, LIN, 0.0, rng.standard_normal(x.shape))
    b, _ = D.ddim_step(x, 800, 780, eps, LIN, 0.0, None)
    np.testing.assert_array_equal(a, b)
    c, _ = D.ddim_step(x, 800, 780, eps, LIN, 0.5, rng.standard_normal(x.shape))
    assert not np.allclose(a, c)
    with pytest.raises(D.DiffusionError) as e:
        D.ddim_step(x, 800, 780, eps, LIN, 0.5, None)
    assert e.value.kind == "noise_missing"
    with pytest.raises(D.DiffusionError):
        D.ddim_step(x, 780, 800, eps, LIN, 0.0)


def test_ddim_timesteps():
    ts = D.ddim_timesteps(1000, 50)
    np.testing.assert_array_equal(ts, np.arange(1000, 0, -20))
    np.testing.assert_array_equal(D.ddim_timesteps(1000, 1000), np.arange(1000, 0, -1))
    for T, n in [(1000, 7), (1000, 333), (10, 3), (1000, 1)]:
        ts = D.ddim_timesteps(T, n)
        assert len(ts) == n and ts[0] == T and ts[-1] >= 1 and np.all(np.diff(ts) < 0)
    for bad in (0, 1001, 2.0):
        with pytest.raises(D.DiffusionError) as e:
            D.ddim_timesteps(1000, bad)
        assert e.value.kind == "steps"


# --- the sampling loop -----------------------------------------------------------------------------

def _final(model, **kw):
    recs = list(D.sample(model, **kw))
    return recs, recs[-1].x_prev


@pytest.mark.parametrize("clip", [False, True])
def test_ddim_eta_1_over_all_steps_is_ddpm(clip):
    """Same seed, same noise draws in the same order, float64: the whole trajectories agree."""
    kw = dict(schedule=LIN, y=[1, 2, None, 0], n=4, scale=2.0, seed=11, clip=clip, dtype=np.float64)
    m = GaussianEps(LIN, {0: -0.6, 1: 0.3, 2: 0.8}, 0.3)
    a, xa = _final(m, sampler="ddpm", **kw)
    b, xb = _final(m, sampler="ddim", steps=1000, eta=1.0, **kw)
    assert len(a) == len(b) == 1000 and [r.t for r in a] == [r.t for r in b] == list(range(1000, 0, -1))
    for i in (0, 500, 999):
        np.testing.assert_allclose(a[i].x_prev, b[i].x_prev, atol=1e-9)
    np.testing.assert_allclose(xa, xb, atol=1e-9)
    # and in float32 (what the app runs), to float32 rounding
    a32 = D.run(m, sampler="ddpm", **{**kw, "dtype": np.float32})
    b32 = D.run(m, sampler="ddim", steps=1000, eta=1.0, **{**kw, "dtype": np.float32})
    assert a32.dtype == np.float32 and np.abs(a32 - b32).max() < 1e-4


def test_same_seed_same_samples_other_seed_other_samples():
    m = GaussianEps(LIN, {3: 0.5}, 0.2)
    for kw in (dict(sampler="ddim", steps=20, eta=0.0), dict(sampler="ddim", steps=20, eta=0.7),
               dict(sampler="ddpm")):
        a = D.run(m, schedule=LIN, y=3, n=4, seed=5, scale=1.0, **kw)
        b = D.run(m, schedule=LIN, y=3, n=4, seed=5, scale=1.0, **kw)
        c = D.run(m, schedule=LIN, y=3, n=4, seed=6, scale=1.0, **kw)
        np.testing.assert_array_equal(a, b)
        assert np.abs(a - c).mean() > 0.05


def test_records_chain_and_shapes():
    m = GaussianEps(LIN, {}, 0.3)
    recs = list(D.sample(m, LIN, y=None, n=3, steps=10, seed=0))
    assert [r.index for r in recs] == list(range(10)) and all(r.total == 10 for r in recs)
    assert [r.t for r in recs] == list(range(1000, 0, -100)) and recs[-1].t_prev == 0
    for r, nxt in itertools.pairwise(recs):
        assert nxt.x_t is r.x_prev and nxt.t == r.t_prev
    r = recs[0]
    assert r.x_t.shape == r.eps.shape == r.x0.shape == r.x_prev.shape == (3, 1, 28, 28)
    assert r.x_t.dtype == np.float32 and r.x0.dtype == np.float32
    np.testing.assert_allclose(r.x_t.std(), 1, atol=0.05)  # x_T ~ N(0, I)
    # the default guidance (s = 3) with a class makes one 2n batch per step; without a class, n
    m.calls.clear()
    list(D.sample(m, LIN, y=7, n=3, steps=4, scale=3.0))
    assert [c[0] for c in m.calls] == [6] * 4 and all(c[3] == np.float32 for c in m.calls)


def _predicted_moments(schedule, ts, eta, mean_data, sigma_data):
    """Mean and std of the samples the sampler must produce, computed independently of the library's
    step functions. With the exact denoiser ε̂ = a·(x − √ᾱ m), a = √(1−ᾱ)/(ᾱσ² + 1 − ᾱ), each
    step (DDIM eq. 12, σ from eq. 16; DDPM is η = 1 over consecutive t) is affine per pixel,
    x' = A·x + B + σ_t·z, so mean' = A·mean + B and var' = A²·var + σ_t², from x_T ~ N(0, 1)."""
    ab = schedule.alpha_bars
    mean, var = 0.0, 1.0
    for i, t in enumerate(ts):
        tp = ts[i + 1] if i + 1 < len(ts) else 0
        a_t, a_p = ab[t], ab[tp]
        sig = eta * math.sqrt((1 - a_p) / (1 - a_t) * (1 - a_t / a_p))

        def step(x, a_t=a_t, a_p=a_p, sig=sig):  # this step's values, bound now
            e = math.sqrt(1 - a_t) / (a_t * sigma_data ** 2 + 1 - a_t) * (x - math.sqrt(a_t) * mean_data)
            x0 = (x - math.sqrt(1 - a_t) * e) / math.sqrt(a_t)
            return math.sqrt(a_p) * x0 + math.sqrt(max(0.0, 1 - a_p - sig ** 2)) * e

        B = step(0.0)
        A = step(1.0) - B
        mean, var = A * mean + B, A * A * var + sig * sig
    return mean, math.sqrt(var)


@pytest.mark.parametrize("sampler,steps,eta,tol_true", [("ddpm", 1000, 1.0, 0.05), ("ddim", 1000, 0.0, 0.02),
                                                       ("ddim", 50, 0.0, 0.15), ("ddim", 50, 0.5, 0.15),
                                                       ("ddim", 10, 0.0, 0.5)])
def test_samples_have_the_predicted_distribution(sampler, steps, eta, tol_true):
    """With the exact denoiser for x_0 ~ N(μ, σ²I), the samples' mean and std must equal what the
    update equations predict (:func:`_predicted_moments`): 64 × 784 independent values, the mean
    within 5 standard errors, the std within 2 %. The predicted std is itself near the data's σ
    (within ``tol_true``): DDPM and many-step DDIM are near the true reverse process, few-step DDIM
    shrinks the spread (each deterministic step is a contraction, by Cauchy–Schwarz). Guidance s with
    N(0, σ²) as the "no class" data is the exact ε for the mean s·μ, so guided samples centre on s·μ."""
    mu, sigma = {1: 0.4, 2: -0.3}, 0.25
    m = GaussianEps(LIN, mu, sigma)
    ts = [int(t) for t in D.timesteps_for(sampler, steps, LIN.T)]
    for y, scale, want in [(1, 1.0, 0.4), (2, 1.0, -0.3), (2, 2.0, -0.6), (None, 3.0, 0.0)]:
        x = D.run(m, schedule=LIN, y=y, n=64, sampler=sampler, steps=steps, eta=eta, scale=scale, seed=3,
                  clip=False).astype(np.float64)
        pm, ps = _predicted_moments(LIN, ts, eta if sampler == "ddim" else 1.0, want, sigma)
        assert abs(x.mean() - pm) < 5 * ps / math.sqrt(x.size), (y, scale, x.mean(), pm)
        assert abs(x.std() - ps) < 0.02 * ps, (y, scale, x.std(), ps)
        assert abs(pm - want) < 0.01 and abs(ps - sigma) < tol_true * sigma, (pm, ps)


def test_clipping_keeps_x0_in_range_on_a_bad_model():
    wild = lambda x, t, y: 50 * np.ones_like(x)  # noqa: E731
    for rec in D.sample(wild, LIN, y=1, n=2, steps=5):
        assert rec.x0.min() >= -1 and rec.x0.max() <= 1
    assert np.abs(rec.x_prev).max() <= 1 + 1e-6


def test_stop_stops():
    stop = threading.Event()
    seen = []
    for rec in D.sample(GaussianEps(LIN, {}, 0.3), LIN, n=2, steps=50, stop=stop):
        seen.append(rec.index)
        if rec.index == 2:
            stop.set()
    assert seen == [0, 1, 2]
    stop.set()
    assert list(D.sample(GaussianEps(LIN, {}, 0.3), LIN, n=2, stop=stop)) == []


@pytest.mark.parametrize("kw,kind", [
    (dict(sampler="euler"), "sampler"), (dict(sampler=None), "sampler"),
    (dict(y=10.5), "class"), (dict(y=11), "class"), (dict(y=-2), "class"), (dict(y="3"), "class"),
    (dict(y=[1, 2]), "class"), (dict(y=True), "class"),
    (dict(n=0), "n"), (dict(n=65), "n"), (dict(n=2.0), "n"),
    (dict(scale=-0.5), "scale"), (dict(scale=10.5), "scale"), (dict(scale=float("nan")), "scale"),
    (dict(scale="3"), "scale"),
    (dict(steps=0), "steps"), (dict(steps=1001), "steps"), (dict(steps=None), "steps"),
    (dict(eta=1.5), "eta"), (dict(eta=-0.1), "eta"),
    (dict(seed=-1), "seed"), (dict(seed=1.5), "seed"),
])
def test_invalid_inputs_raise_before_any_model_call(kw, kind):
    m = Toy()
    with pytest.raises(D.DiffusionError) as e:
        next(D.sample(m, LIN, **{"y": 1, "n": 4, **kw}))
    assert e.value.kind == kind and m.calls == []


def test_valid_edge_inputs():
    m = Toy()
    for kw in (dict(y=D.NULL_CLASS), dict(y=-1), dict(y=None), dict(y=np.int64(9)), dict(y=[0, 9]),
               dict(scale=0), dict(scale=10), dict(eta=1), dict(steps=1), dict(sampler="ddpm", steps=0)):
        rec = next(D.sample(m, LIN, **{"n": 2, **kw}))
        assert np.isfinite(rec.x_prev).all()
