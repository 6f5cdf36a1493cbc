"""The Diffusion tab driven as a script would: gradio_client against the launched app. Runs are kept
short (DDIM with few steps) so the file takes well under a minute; the sampler is exercised in full by
tests/unit/test_denoiser.py."""
import json
import math
import time

import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

from explorer.diffusion import denoiser
from tests.conftest import api_client as client

pytestmark = pytest.mark.slow

ENDPOINTS = {"/noise", "/denoise", "/denoise_resume", "/denoise_step", "/denoise_pause", "/denoise_frame"}
# one of each class, stochastic DDIM (η > 0: the seed decides the noise of every step too)
STEPS = 48  # long enough (about 1.5-3 s) to stream several updates and to be paused in the middle
RUN = dict(cls="each", scale=3, seed=5, sampler="ddim", steps=STEPS, eta=0.5, pick=1, lang="en")


def args(**change) -> list:
    p = dict(RUN, **change)
    return [p[k] for k in ("cls", "scale", "seed", "sampler", "steps", "eta", "pick", "lang")]


def noise(c, t=500, sched="cosine", seed=0, lang="en"):
    return c.predict("dataset", "cat", 0, None, None, t, sched, seed, lang, api_name="/noise")


def wait_for(job, n: int, timeout: float = 120) -> None:
    """Until the streaming job has sent n updates (or has finished)."""
    end = time.monotonic() + timeout
    while len(job.outputs()) < n and not job.done():
        assert time.monotonic() < end, "no updates from the server"
        time.sleep(0.05)


def samples(summary: dict) -> list[tuple]:
    return [(r["requested"], r["recognised"], r["probability"]) for r in summary["samples"]]


@pytest.fixture(scope="module")
def shared(app_url) -> Client:
    """A client for calls that need no session of their own (a Client costs ~1 s to open)."""
    return client(app_url)


@pytest.fixture(scope="module")
def reference(app_url):
    """One uninterrupted /denoise run with RUN: (its client, every streamed update)."""
    c = client(app_url)
    return c, list(c.submit(*args(), api_name="/denoise"))


def test_endpoints_are_named(app_url):
    names = set(client(app_url).view_api(print_info=False, return_format="dict")["named_endpoints"])
    assert names >= ENDPOINTS


@pytest.mark.parametrize("sched", ["cosine", "linear"])
def test_noise_json_follows_the_schedule(shared, sched):
    c = shared
    s = denoiser.schedule(sched)
    for t in (0, 500, 1000):
        status, panel, strip, plot, j = noise(c, t=t, sched=sched, seed=3)
        assert (j["t"], j["T"], j["schedule"], j["seed"]) == (t, 1000, sched, 3)
        ab = float(s.alpha_bars[t])
        assert j["alpha_bar"] == pytest.approx(ab, abs=1e-6)
        assert j["sqrt_alpha_bar"] == pytest.approx(math.sqrt(ab), abs=1e-6)
        assert j["sqrt_one_minus_alpha_bar"] == pytest.approx(math.sqrt(1 - ab), abs=1e-6)
        if t == 0:
            assert j["snr_db"] is None and j["alpha_bar"] == 1 and j["eps_hat_rms_error"] is None
        else:
            assert j["snr_db"] == pytest.approx(10 * math.log10(ab / (1 - ab)), abs=2e-3)
        assert j["strip"][0]["t"] == 0 and j["strip"][-1]["t"] == 1000
        assert f"t = {t:,}" in status or f"t = {t}" in status
        assert panel.endswith(".png") and strip.endswith(".png") and plot
    # the denoiser only predicts the noise with its own (cosine) schedule
    if sched == "cosine":
        assert 0 < j["eps_hat_rms_error"] < 0.3 and "RMS" in status
        assert j["snr_db"] < -80  # ᾱ_T of the cosine schedule is ~2e-9
    else:
        assert j["eps_hat_rms_error"] is None and "cosine" in status
        assert -45 < j["snr_db"] < -43  # ᾱ_T = 4e-5 for DDPM's linear schedule


def test_denoise_streams_and_the_same_seed_repeats(app_url, reference):
    _c, outs = reference
    assert len(outs) >= 3, f"a {STEPS}-step run should stream several updates"
    done = [o[5]["steps_done"] for o in outs]
    assert done == sorted(done) and done[-1] == STEPS
    assert all(not o[5]["finished"] for o in outs[:-1])
    status, trio, grid_xt, grid_x0, slider, s = outs[-1]
    assert s["finished"] and s["steps_total"] == STEPS and s["frames_kept"] == STEPS + 1 and s["class"] == "each"
    assert len(s["samples"]) == 16 and [r["requested"] for r in s["samples"]] == [i % 10 for i in range(16)]
    assert all(0 <= r["recognised"] <= 9 and r["match"] == (r["requested"] == r["recognised"]) for r in s["samples"])
    ok = sum(r["match"] for r in s["samples"])
    assert s["recognised_share"] == pytest.approx(ok / 16, abs=1e-4)
    assert ok >= 10  # the shipped model recognises ~98 % (tests/unit/test_denoiser.py measures it properly)
    assert "Done" in status and f"{ok} of 16" in status
    assert all(p.endswith(".png") for p in (trio, grid_xt, grid_x0)) and slider["maximum"] == STEPS
    # same seed and settings: the same JSON, sample for sample (short runs; the pause test below
    # compares a full-length run with the reference too); another seed: other samples
    one, two = (client(app_url).predict(*args(seed=6, steps=4), api_name="/denoise")[5] for _ in range(2))
    assert one == two and one["finished"] and one["seed"] == 6 and len(one["samples"]) == 16
    assert samples(one) != samples(s)


def test_pause_then_resume_ends_with_the_uninterrupted_samples(app_url, reference):
    c = client(app_url)
    job = c.submit(*args(), api_name="/denoise")
    wait_for(job, 1)
    assert c.predict(api_name="/denoise_pause") in (None, (), [])
    paused = job.result()
    assert job.outputs()[-1] == paused
    s = paused[5]
    assert not s["finished"] and 0 < s["steps_done"] < STEPS and "samples" not in s
    resumed = list(c.submit(*args(), api_name="/denoise_resume"))
    assert resumed[0][5]["steps_done"] > s["steps_done"]  # continued, not started again
    end = resumed[-1][5]
    assert end["finished"] and end["steps_done"] == STEPS
    assert end == reference[1][-1][5]  # the whole JSON: the same samples as the uninterrupted run


def test_a_ddpm_run_pauses_early_and_steps_on(app_url):
    c = client(app_url)
    job = c.submit(*args(sampler="ddpm", cls="7"), api_name="/denoise")
    wait_for(job, 2)
    c.predict(api_name="/denoise_pause")
    s = job.result()[5]
    assert s["sampler"] == "ddpm" and s["steps_total"] == 1000 and s["eta"] is None
    assert not s["finished"] and 0 < s["steps_done"] < 1000 and s["frame_stride"] == 4
    # ⏭ on the paused run: one more step of the same run
    nxt = c.predict(*args(sampler="ddpm", cls="7"), api_name="/denoise_step")[5]
    assert nxt["steps_done"] == s["steps_done"] + 1 and not nxt["finished"]


def test_step_by_step_and_scrubbing_back(app_url):
    c = client(app_url)
    first = c.predict(*args(steps=10, cls="2"), api_name="/denoise_step")
    second = c.predict(*args(steps=10, cls="2"), api_name="/denoise_step")
    assert (first[5]["steps_done"], second[5]["steps_done"]) == (1, 2)
    assert (first[5]["shown"]["t"], second[5]["shown"]["t"]) == (1000, 900)  # DDIM-10: t = 1000, 900, ...
    assert second[4]["maximum"] == 1 and second[4]["value"] == 1
    assert "Step 2 of 10" in second[0] and "900" in second[0]
    back = c.predict(0, 3, "es", api_name="/denoise_frame")
    assert back[5]["shown"]["step"] == 0 and back[5]["shown"]["t"] == 1000 and back[5]["steps_done"] == 2
    assert back[4]["value"] == 0 and "Paso 1 de 10" in back[0] and "anterior" in back[0]
    # other settings: ⏭ starts a new run
    new = c.predict(*args(steps=10, cls="3"), api_name="/denoise_step")[5]
    assert new["steps_done"] == 1 and new["class"] == 3


def test_frame_scrubs_a_finished_run(reference):
    c, outs = reference
    s = outs[-1][5]
    mid = c.predict(9, 5, "en", api_name="/denoise_frame")
    assert mid[5]["shown"]["step"] == 9 and mid[5]["finished"] and mid[4]["value"] == 9
    assert f"Step 10 of {STEPS}" in mid[0]
    final = c.predict(STEPS, 5, "en", api_name="/denoise_frame")
    assert final[5]["shown"]["step"] == STEPS and final[5]["samples"] == s["samples"] and "Done" in final[0]
    with pytest.raises(AppError, match=str(STEPS)):  # the slider's maximum is the last frame
        c.predict(STEPS + 1, 1, "en", api_name="/denoise_frame")


BAD = [
    (dict(cls="x"), "not in the list of choices"),  # Gradio's own check of the dropdown (English)
    (dict(steps=5000), "maximum value 1000"),  # Gradio's slider check
    (dict(sampler="foo"), "not in the list of choices"),
    (dict(eta=2), "maximum value 1"),
    (dict(seed=-1), "Seed: “-1” must be an integer from 0"),  # a Number has no bounds: our check
    (dict(seed=-1, lang="es"), "Semilla: «-1» debe ser un entero de 0"),
    (dict(scale=11), "maximum value 10"),
    (dict(pick=17), "maximum value 16"),
    (dict(scale="abc"), None),  # Gradio's slider cannot read it: its own generic error
    (dict(steps="abc"), None),
    (dict(seed="abc"), None),
]


def test_bad_values_get_an_error_and_the_server_goes_on(shared):
    c = shared
    for change, message in BAD:
        with pytest.raises(AppError) as err:
            c.predict(*args(**change), api_name="/denoise_step")
        msg = str(err.value)
        assert "Traceback" not in msg and (message is None or message in msg), (change, msg)
    assert c.predict(*args(steps=4), api_name="/denoise_step")[5]["steps_done"] == 1  # still serving


def test_frame_before_any_run(app_url):
    c = client(app_url)  # a fresh session: nothing generated yet
    with pytest.raises(AppError, match="Nothing has been generated yet"):
        c.predict(0, 1, "en", api_name="/denoise_frame")
    with pytest.raises(AppError, match="Aún no hay ninguna generación"):
        c.predict(0, 1, "es", api_name="/denoise_frame")
    with pytest.raises(AppError, match="maximum value 1000"):
        noise(c, t=5000)
    with pytest.raises(AppError, match="Noise seed"):
        noise(c, seed=-1)


def test_nan_over_raw_http_is_refused_in_spanish(app_url):
    """JSON has no NaN, so gradio_client cannot send one; a raw HTTP caller can (Python's json writes
    the literal NaN), and NaN passes Gradio's slider bounds check. Our own check must answer."""
    import httpx

    for i, name in ((1, "Escala de guía"), (5, "η")):
        data = args(lang="es")
        data[i] = float("nan")
        payload = json.dumps({"data": data})
        assert "NaN" in payload
        with httpx.Client(base_url=app_url, timeout=60) as http:
            r = http.post("/gradio_api/call/denoise_step", content=payload,
                          headers={"content-type": "application/json"})
            assert r.status_code == 200, r.text
            body = http.get(f"/gradio_api/call/denoise_step/{r.json()['event_id']}").text
        assert "event: error" in body, body[-400:]
        msg = json.loads(body.split("data:", 1)[1].strip().splitlines()[0])["error"]
        assert name in msg and "«nan»" in msg and "debe ser un número" in msg, msg
