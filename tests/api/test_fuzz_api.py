"""Every named endpoint under hostile input (issue 8, "faults and hostile input"): a property-based
suite (hypothesis) sends invalid and extreme values for each parameter — NaN and infinities as the
strings an API caller can send ("nan", "inf", "-1e309"; JSON has no NaN), huge and negative
numbers, fractions for integers, wrong types, empty and 100,000-character strings, unknown choices —
and checks that every call either succeeds or fails with a clear message (never a traceback, an
exception's class name or Gradio's "has not enabled verbose error reporting"), and that the server
still answers afterwards. A second test sends real NaN and Infinity over raw HTTP (Python's json
writes them; gradio_client refuses to) to every numeric parameter.

Long runs (training, activation maximisation, attributions, attacks, maps, the archive, diffusion)
are only ever sent values that must be refused before any work starts; should one start anyway, it
is stopped and the test fails. The list of endpoints fuzzed must equal the app's: a new endpoint
without an entry here fails ``test_every_named_endpoint_is_fuzzed``.
"""
from __future__ import annotations

import json
import re
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from explorer.ui.gradio_internals import event_functions
from tests.conftest import api_client as client
from tests.conftest import shared_tls

pytestmark = pytest.mark.slow

CALL_TIMEOUT_S = 180  # a hang is a failure, but the machine is shared and slow: generous
HUGE = "x" * 100_000
LAPLACIAN = {"headers": ["1", "2", "3"], "data": [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]], "metadata": None}

# ------------------------------------------------------------------------------ the endpoints


@dataclass
class Spec:
    """How to fuzz one endpoint: a valid (and cheap) call to mutate; ``long`` endpoints start runs
    of seconds or minutes, so they are only sent values that must be refused, on ``killers`` (the
    parameters checked before any work starts); ``stop`` ends a run that starts anyway."""

    args: list
    long: bool = False
    killers: tuple[str, ...] = ()
    stop: str | None = None
    examples: int = 7
    prime: str | None = None  # a name in PRIMERS: state the endpoint needs to get past "nothing yet"
    # the parameters after ``args`` take their components' defaults (the share link's ~100 settings,
    # found on the built page by explorer.ui.share: a list here would go stale with every new control)
    rest_default: bool = False

    def __post_init__(self):
        self.fixed = len(self.args)


TEACH_TABLE = {"headers": ["#", "file", "label"], "data": [[0, "photo_0.png", "iglesias"], [1, "photo_1.png", ""]],
               "metadata": None}
NEXT_TABLE = {"headers": ["#", "file", "predicted", "yours"], "data": [[1, "photo_1.png", "iglesias", "puentes"]],
              "metadata": None}
IMG = ["sample", "cat", 0, None, None]  # source, sample, dataset index, upload, drawing
IMG_CHECKED = ("src", "smp", "up", "sk")  # with source "sample" the index is never read
DIF = ["8", 3, 0, "ddim", 4, 0, 1, "en"]  # class, scale, seed, sampler, steps, eta, sample, lang
DIF_KILL = ("cls_v", "scale_v", "seed_v", "sampler_v", "steps_v", "eta_v", "pick_v", "lang")

SPECS: dict[str, Spec] = {
    # Train
    "/train": Spec(["fashion", 1000, [], 1, 4, 3, "relu", False, 0.0, 16, "adam", 0.004, 128, 1, 0.0, 0.0,
                    "constant", 0, "en"], long=True, stop="/stop",
                   killers=("dataset", "train_size", "augment", "blocks", "filters", "kernel_size", "activation",
                            "dropout", "dense", "optimizer", "lr", "batch_size", "epochs", "weight_decay", "l1",
                            "schedule", "seed", "lang")),
    "/stop": Spec([], examples=1),
    "/preset": Spec(["quick", "en"]),
    "/architecture": Spec([2, 8, 3, "relu", True, 0.0, 32, "en"]),
    "/train_redraw": Spec(["en", "quick"], examples=6),
    "/download_checkpoint": Spec(["en"], examples=4),
    "/export_onnx": Spec(["en"], examples=4),
    # Filters
    "/classify": Spec(IMG + ["fashion", "en"]),
    "/feature_maps": Spec(IMG + ["fashion", "features.act1", 0, "en"]),
    "/convolve": Spec(IMG + [LAPLACIAN, 1, "valid", None, None, "max", 96, "en"]),
    "/layers": Spec(["fashion", None, 0, None, "en"]),
    "/filters": Spec(["fashion", None, "en"]),
    "/maximize": Spec(["fashion", "features.act1", 0, 8, 0.05, 1, 0.5, 0, "en"], long=True, stop="/stop_maximize",
                      killers=("net_key", "layer_name", "ch", "steps", "lr", "jitter", "blur", "seed", "lang")),
    "/stop_maximize": Spec([], examples=1),
    "/kernel_preset": Spec(["sobel_x", 3, "en"]),
    "/filters_preset": Spec(["stride_padding", "en"], examples=6),
    # Saliency
    "/saliency": Spec(IMG + ["fashion", None, ["saliency"], 4, 0.15, "black", 8, None, 4, 2, "en"], long=True,
                      killers=IMG_CHECKED + ("net_key", "target_v", "methods_v", "sg_n_v", "sg_std_v", "ig_base_v",
                                             "ig_steps_v", "layer_v", "win_v", "stride_v", "lang")),
    "/sanity_check": Spec(IMG + ["fashion", None, ["saliency"], "en"], long=True, stop="/stop_saliency",
                          killers=IMG_CHECKED + ("net_key", "target_v", "methods_v", "lang")),
    "/stop_saliency": Spec([], examples=1),
    "/saliency_options": Spec(["fashion", None, None, "en"]),
    "/saliency_preset": Spec(["fashion_shirt", "en"], examples=6),
    # Adversarial
    "/attack": Spec(IMG + ["fashion", "fgsm", 2, 1, 0, False, 0, False, None, "en"], long=True, stop="/stop_attack",
                    killers=IMG_CHECKED + ("net_key", "method_v", "eps_v", "steps_v", "step_v", "seed_v", "lang")),
    "/epsilon_sweep": Spec([["fashion"], "fgsm", 100, 2, 1, "en"], long=True, stop="/stop_attack",
                           killers=("nets_v", "method_v", "n_v", "max_v", "steps_v", "lang")),
    "/stop_attack": Spec([], examples=1),
    "/attack_classes": Spec(["fashion", True, None, "en"]),
    "/adversarial_preset": Spec(["pgd_flips", "en"], examples=6),
    # Attention
    "/attention_text": Spec(["The cat sat because it was tired.", "words", 4, 1, None, "en", "multilingual"]),
    "/attention_preset": Spec(["pronoun_en", "words", "en"], examples=6),
    "/similarity": Spec(["a cat", "a dog\na car", "en", "minilm"]),
    "/attention_image": Spec(["dataset", "cat", 0, None, None, 4, "mean", 0, "en"]),
    # Embeddings
    "/embedding_map": Spec(["cnn", "pca", 2, 15, 0.1, False, "en"], long=True, stop="/stop_map",
                           killers=("source_v", "method_v", "dims_v", "nn_v", "md_v", "lang")),
    "/stop_map": Spec([], examples=1),
    "/neighbors": Spec(["cnn", 0, 8, "en"]),
    "/place_image": Spec(IMG + [None, "cnn", "pca", 2, 15, 0.1, False, 8, "en"], long=True,
                         stop="/stop_map", killers=IMG_CHECKED + ("source_v", "method_v", "dims_v", "nn_v", "md_v",
                                                                  "k_v", "lang")),
    "/embedding_progress": Spec(["shipped", "en"], examples=5),
    "/embeddings_preset": Spec(["shirts", "en"], examples=6),
    "/archive": Spec([None, 0.95, "en"], long=True, stop="/stop_archive", killers=("files_v", "threshold_v", "lang")),
    "/archive_similar": Spec([0, 1, "en"], prime="archive"),
    "/archive_search": Spec(["una iglesia", 12, "en"], prime="archive"),
    "/stop_archive": Spec([], examples=1),
    # teaching: the primed session's two photos, one labelled of two needed: every call is refused
    # before a training starts (and the long one only sent values its checks must refuse)
    "/archive_teach": Spec([None, TEACH_TABLE, ["linear"], 0, "en"], long=True, stop="/stop_archive_teach",
                           killers=("table_v", "methods_v", "seed_v", "lang"), prime="archive"),
    "/archive_label": Spec(["0-1", "iglesias", TEACH_TABLE, "en"], prime="archive"),
    "/archive_label_next": Spec([NEXT_TABLE, TEACH_TABLE, "en"], prime="archive"),
    "/archive_teach_use": Spec(["linear", "en"], prime="archive"),
    "/stop_archive_teach": Spec([], examples=1),
    "/archive_teach_scenario": Spec(["shop", "en"], examples=6),
    "/archive_text": Spec(["una carta\nun mapa\na letter", "carta", "en"]),
    # Diffusion
    "/noise": Spec(["dataset", "cat", 0, None, None, 300, "cosine", 0, "en"]),
    "/noise_animation": Spec(["dataset", "cat", 0, None, None, "cosine", 0, "en"], long=True,
                             killers=("src", "up", "sk", "sched_v", "seed_v", "lang")),
    "/denoise": Spec(DIF, long=True, stop="/denoise_pause", killers=DIF_KILL),
    "/denoise_resume": Spec(DIF, long=True, stop="/denoise_pause", killers=DIF_KILL),
    "/denoise_step": Spec(DIF),
    "/denoise_pause": Spec([], examples=1),
    "/denoise_frame": Spec([0, 1, "en"], prime="denoise"),
    "/diffusion_preset": Spec(["one_step", "en"], examples=6),
    # Fundamentos: runs of a fraction of a second (the base call trains 20 steps), the rest cheap
    "/playground": Spec(["generated", "xor", 0.1, 2, 100, 0.3, 0, "", None, ["x1", "x2"], "4", "tanh", "sgd", 0.1, 10,
                         20, 0, 0, 0, 0, "en"]),
    "/playground_compare": Spec(["generated", "xor", 0.1, 2, 100, 0.3, 0, "", None, ["x1", "x2"], "4", "tanh", "sgd",
                                 0.1, 10, 20, 0, 0, 0, 0, "optimizer", "adam", "en"]),
    "/basics_preset": Spec(["xor_hidden", "en"], examples=6),
    "/basics_points": Spec(["points", "xor", 0.1, 2, 100, 0.3, 0, "[[1, 1, 0], [2, 2, 1]]", None, "en"]),
    "/neuron": Spec([1.0, -1.0, 0.5, "sigmoid", "en"], examples=4),
    "/perceptron": Spec(["separable", 1.0, 20, 0, "en"], examples=4),
    "/backprop_step": Spec(["0.15, 0.2, 0.25, 0.3, 0.35, 0.35, 0.4, 0.45, 0.6", 0.05, 0.1, 0.01, 0.5, "sigmoid", "mse",
                            "en"]),
    "/optimizers": Spec(["bowl", ["sgd", "adam"], None, 0.9, 0.9, 0.999, 0.99, 50, None, None, 0, 0, "en"], examples=5),
    "/optimizers_preset": Spec(["opt_saddle", "en"], examples=6),
    "/landscape": Spec(["en"], examples=4),  # a fresh session has no network: a message
    # the page's language; the classroom header (share link, QR code)
    "/detect_lang": Spec(["en"], examples=6),
    "/ping": Spec([], examples=1),
    "/share_link": Spec(["en", False, "http://127.0.0.1:7860/?tab=filters"], rest_default=True, examples=12),
    # one image through the app: over the API the open tab is unknown (a session state), so every
    # call is refused once Gradio has read its 34 inputs (the Embeddings tab's "compared with" is
    # only an output) — which is what is exercised here
    "/send_image": Spec(["saliency", "input"] + IMG * 3 + ["dataset", "coffee", 0, None, None] * 3 + [None, "en"]),
    "/qr_code": Spec(["en", "http://127.0.0.1:7860/"], examples=6),
    # the open tab's figures (none over a fresh API session: a message) in one HTML page
    "/export_html": Spec(["en", "http://127.0.0.1:7860/?tab=attention"], rest_default=True, examples=10),
}

# Components whose payload Gradio checks against its own data model (a file, an image editor, a
# table, a figure: /export_html's gr.Plot inputs) before any of the app's code runs: a malformed one
# is refused with Gradio's generic message, which the app cannot word.
SHAPE_CHECKED = {"File", "ImageEditor", "Sketchpad", "Dataframe", "Image", "ImagePath", "Plot"}
# Known faults in explorer/ui/diffusion.py, left to its owner: (endpoint, parameter) → what a
# hostile value there gets instead of a clear message. Remove an entry once fixed.
PENDING: dict[tuple[str, str], str] = {}

GENERIC = "has not enabled verbose error reporting"
# What must never reach a user: a stack trace, a source line, an exception's class name.
LEAK = re.compile(r"Traceback|File \"|line \d+, in|\b[A-Za-z_]+(?:Error|Exception)\b|unhashable|"
                  r"object has no attribute|not supported between instances")
# Gradio's own "Value: … (type: <class 'list'>) is not in the list"
GRADIO_TYPE = re.compile(r"\(type: <class '\w+'>\)")
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")  # a translation whose value was never filled in


# ------------------------------------------------------------------------ hostile values


@dataclass
class Param:
    name: str
    kind: str  # the component's class name
    comp: Any
    bad: list = field(default_factory=list)  # always refused, wherever it is checked
    odd: list = field(default_factory=list)  # extreme or strange, possibly valid


def _choices(comp) -> list:
    return [c[1] if isinstance(c, (tuple, list)) else c for c in (getattr(comp, "choices", None) or [])]


def _param(name: str, comp) -> Param:
    kind = type(comp).__name__
    p = Param(name, kind, comp)
    wrong = [None, True, [], [1], {}, {"a": 1}, HUGE, "", "abc"]
    if kind in ("Slider", "Number"):
        lo, hi = getattr(comp, "minimum", None), getattr(comp, "maximum", None)
        p.bad = [10**30, -10**30, 1e308, "nan", "inf", "-inf", "-1e309", "abc", [1], {"a": 1}]
        p.bad += [x for x in ((lo - 1) if lo is not None else None, (hi + 1) if hi is not None else None)
                  if x is not None]
        p.odd = [0, -1, 0.5, 2**31, 2**63, -(2**63), "5", "", " ", None, True, False, [], {}, HUGE, 1e-300]
        p.odd += [x for x in (lo, hi) if x is not None]
    elif kind in ("Radio", "Dropdown") and not getattr(comp, "allow_custom_value", False):
        ch = _choices(comp)
        p.bad = ["zzz", HUGE, 12345, [ch[0]] if ch else [1], {"a": 1}, -1.5]
        p.odd = ch + [None, ""] + [str(c).upper() + " " for c in ch[:2]]
    elif kind == "Dropdown":  # a value of the user's own: the handler checks it
        p.bad = ["zzz", HUGE, [1], {"a": 1}, 10**30, "nan", "-1e309"]
        p.odd = [None, "", -1, 0, 1, 3.5, True, "0", "features.act1", "_blocks.0"]
    elif kind == "CheckboxGroup":
        ch = _choices(comp)
        p.bad = [["zzz"], [[1]], [{"a": 1}], [HUGE], [None]]
        p.odd = [[], None, ch, ch[:1], ch[:1] * 3, ch[-1:]]
    elif kind == "Checkbox":
        p.odd = [None, "yes", "", 0, 1, 2, [], {"a": 1}, HUGE, "false", 1.5]
    elif kind == "Textbox":
        p.odd = [None, "", " ", "\n\n\n", HUGE, "a\n" * 600, "🙂" * 3000, "\x00\x01\x02", "<script>alert(1)</script>",
                 "{lang} {0} {} %s %(x)s", 5, 1.5, [], ["a"], {"a": 1}, True, "nan", "ا" * 50 + " 日本語"]
    elif kind == "File":
        p.bad = [5, "/etc/passwd", "../../evil.png", {"a": 1}, HUGE, 1.5]
        p.bad += [["/etc/passwd"], [5], [{"a": 1}]] if getattr(comp, "file_count", "single") != "single" else [[1]]
        p.odd = [None, [] if getattr(comp, "file_count", "single") != "single" else None]
    elif kind in ("Image", "ImagePath"):
        p.bad = [5, "x", [1], "/etc/passwd", {"a": 1}]
        p.odd = [None]
    elif kind in ("ImageEditor", "Sketchpad"):
        p.bad = [5, "x", [1], "/etc/passwd", 1.5]
        p.odd = [None, {}, {"background": None, "layers": [], "composite": None, "id": None}, {"a": 1},
                 {"background": None, "layers": "x", "composite": None}]
    elif kind == "Dataframe":
        p.bad = ["x", 5, None, {"headers": 1, "data": 2}]
        p.odd = [{"headers": ["1", "2", "3"], "data": [["nan", "inf", "-1e309"]] * 3},
                 {"headers": [], "data": []},
                 {"headers": ["1", "2", "3"], "data": [[1, 2], [3]]},
                 {"headers": ["1", "2", "3"], "data": [[1e308] * 3] * 3},
                 {"headers": ["1", "2", "3"], "data": [[None] * 3] * 3},
                 {"headers": [str(i) for i in range(7)], "data": [[1] * 7] * 7},
                 {"headers": [str(i) for i in range(200)], "data": [[1] * 200] * 200},
                 {"headers": ["1", "2", "3"], "data": [["a", {}, []]] * 3}]
    else:  # a component this file does not know yet: generic wrong types
        p.odd = wrong
    if not p.odd:
        p.odd = wrong
    return p


def endpoint_params(served) -> dict[str, list[Param]]:
    """Each public endpoint's parameters, from the live app: names from the handler's signature in
    the order the API takes them, kinds, ranges and choices from the components."""
    client_info = {}
    info = served.get_api_info()["named_endpoints"]
    for fn in event_functions(served):
        if fn.fn is None or fn.api_visibility != "public" or not fn.api_name:
            continue
        names = [p["parameter_name"] for p in info[f"/{fn.api_name}"]["parameters"]]
        comps = [c for c in fn.inputs if not getattr(c, "stateful", False)]  # a gr.State is no API parameter
        assert len(comps) == len(names), (fn.api_name, names, comps)
        client_info[f"/{fn.api_name}"] = [_param(n, c) for n, c in zip(names, comps)]
    return client_info


# ------------------------------------------------------------------------------------ calling


def message_problem(msg: str, generic_ok: bool, hostile: list) -> str | None:
    """Why an error message is not one a user should get, or None."""
    if not msg.strip():
        return "empty message"
    if GENERIC in msg:
        return None if generic_ok else "Gradio's generic message (the app never got to word it)"
    if LEAK.search(GRADIO_TYPE.sub("", msg)):
        return "a traceback or an exception's name"
    if PLACEHOLDER.search(msg) and not any("{" in str(h) for h in hostile):
        return "an unfilled placeholder"
    return None


def healthy(c: Client) -> None:
    out = c.submit("identity", 3, "en", api_name="/kernel_preset").result(timeout=CALL_TIMEOUT_S)
    assert out["value"]["data"][1][1] == 1.0, out


def run(c: Client, api: str, args: list, spec: Spec) -> tuple[bool, str | None]:
    """(succeeded, error message). A long endpoint whose run starts is stopped at once."""
    job = c.submit(*args, api_name=api)
    if spec.long:
        end = time.monotonic() + CALL_TIMEOUT_S
        while not job.done() and not job.outputs():
            assert time.monotonic() < end, f"{api} neither answered nor failed"
            time.sleep(0.02)
        if not job.done():  # a run started: stop it before anything else
            if spec.stop:
                c.predict(api_name=spec.stop)
            job.cancel()
            return True, None
    try:
        job.result(timeout=CALL_TIMEOUT_S)
        return True, None
    except AppError as err:
        return False, str(err)


# --------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def params(served) -> dict[str, list[Param]]:
    found = endpoint_params(served)
    for api, spec in SPECS.items():
        if spec.rest_default and api in found:
            spec.args = spec.args[:spec.fixed] + [p.comp.value for p in found[api][spec.fixed:]]
    return found


@pytest.fixture(scope="module")
def fuzz_client(app_url) -> Client:
    return client(app_url)


@pytest.fixture(scope="module")
def two_photos(tmp_path_factory):
    d = tmp_path_factory.mktemp("fuzz-photos")
    paths = []
    for i, colour in enumerate(((200, 40, 40), (40, 40, 200))):
        p = d / f"photo_{i}.png"
        Image.new("RGB", (64, 48), colour).save(p)
        paths.append(str(p))
    return paths


def prime(c: Client, what: str | None, two_photos) -> None:
    """Give the session what an endpoint needs first, so its own checks are reached."""
    if what == "archive":
        c.predict([handle_file(p) for p in two_photos], 0.95, "en", api_name="/archive")
    elif what == "denoise":
        c.predict(*DIF, api_name="/denoise_step")


# ------------------------------------------------------------------------------------- tests


def test_every_named_endpoint_is_fuzzed(app_url, params):
    named = set(client(app_url).view_api(print_info=False, return_format="dict")["named_endpoints"])
    assert set(SPECS) == named, {"not fuzzed": sorted(named - set(SPECS)), "gone": sorted(set(SPECS) - named)}
    assert set(params) == named
    for api, spec in SPECS.items():
        names = [p.name for p in params[api]]
        assert len(spec.args) == len(names), (api, names)
        assert set(spec.killers) <= set(names), (api, set(spec.killers) - set(names))
        if spec.long:
            assert spec.killers and all(p.bad for p in params[api] if p.name in spec.killers), api


def hostile_call(spec: Spec, plist: list[Param]):
    """A strategy for (arguments, mutated parameter names, hostile values)."""
    if spec.long:  # only values that must be refused, on parameters checked before the run
        pool = [p for p in plist if p.name in spec.killers]
        pick = {p.name: st.sampled_from(p.bad) for p in pool}
    else:
        pool = plist
        pick = {p.name: st.sampled_from(p.bad + p.odd) for p in pool}

    @st.composite
    def build(draw):
        names = draw(st.lists(st.sampled_from([p.name for p in pool]), min_size=1, max_size=min(3, len(pool)),
                              unique=True))
        values = {n: draw(pick[n]) for n in names}
        args = [values.get(p.name, a) for p, a in zip(plist, spec.args)]
        return args, names, [values[n] for n in names]

    return build()


@pytest.mark.parametrize("api", sorted(SPECS))
def test_hostile_values_get_a_clear_message(api, params, fuzz_client, two_photos):
    spec, plist = SPECS[api], params[api]
    c = fuzz_client
    if not plist:  # nothing to vary: it must simply work, twice (/ping says "ok", the stops nothing)
        for _ in range(2):
            assert c.submit(api_name=api).result(timeout=CALL_TIMEOUT_S) in ((None, ()) if api != "/ping" else ("ok",))
        healthy(c)
        return
    prime(c, spec.prime, two_photos)
    kinds = {p.name: p.kind for p in plist}

    @settings(max_examples=spec.examples, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(hostile_call(spec, plist))
    def check(case):
        args, names, values = case
        generic_ok = any(kinds[n] in SHAPE_CHECKED and v is not None for n, v in zip(names, values))
        ok, msg = run(c, api, args, spec)
        if spec.long:
            assert not ok, f"{api} accepted {dict(zip(names, values))!r:.300} and started a run"
        if not ok and not any((api, n) in PENDING for n in names):
            why = message_problem(msg, generic_ok, values)
            assert why is None, f"{api} {dict(zip(names, values))!r:.300}: {why}: {msg[:400]!r}"
        healthy(c)

    check()


def test_a_list_for_a_dropdown(params, fuzz_client, two_photos):
    """A single-choice gr.Dropdown lets a list of valid choices through to the handler (["cat"] for
    "cat"), where a dict lookup of it raised TypeError: every dropdown of every endpoint gets one,
    deterministically (the random examples above reach each only now and then)."""
    tried = 0
    for api, spec in sorted(SPECS.items()):
        plist = params[api]
        drops = [i for i, p in enumerate(plist) if p.kind == "Dropdown" and (not spec.long or p.name in spec.killers)]
        if drops:
            prime(fuzz_client, spec.prime, two_photos)
        for i in drops:
            ch = _choices(plist[i].comp)
            for value in ([ch[0]] if ch else [1], [spec.args[i]] if spec.args[i] is not None else ["0"]):
                args = list(spec.args)
                args[i] = value
                ok, msg = run(fuzz_client, api, args, spec)
                tried += 1
                assert not (ok and spec.long), f"{api} accepted {plist[i].name}={value!r} and started a run"
                if not ok and (api, plist[i].name) not in PENDING:
                    assert message_problem(msg, False, [value]) is None, (api, plist[i].name, value, msg[:300])
        if drops:
            healthy(fuzz_client)
    assert tried >= 20


# ---------------------------------------------------------------------- NaN and ∞ over raw HTTP


def raw_call(url: str, api: str, data: list, session_hash: str) -> tuple[str, Any]:
    """POST /gradio_api/call/<api> with Python's json (which writes NaN and Infinity) and read the
    event stream up to the first update, the result or the error: ("generating" | "complete" |
    "error", that event's payload)."""
    payload = json.dumps({"data": data, "session_hash": session_hash})
    name = api.lstrip("/")
    with httpx.Client(base_url=url, timeout=CALL_TIMEOUT_S, verify=shared_tls()) as http:
        r = http.post(f"/gradio_api/call/{name}", content=payload, headers={"content-type": "application/json"})
        assert r.status_code == 200, (api, r.status_code, r.text[:300])
        kind = None
        with http.stream("GET", f"/gradio_api/call/{name}/{r.json()['event_id']}") as stream:
            for line in stream.iter_lines():
                if line.startswith("event: "):
                    kind = line[len("event: "):].strip()
                elif line.startswith("data: ") and kind in ("generating", "complete", "error"):
                    text = line[len("data: "):].strip()
                    return kind, json.loads(text) if text not in ("", "null") else None
    raise AssertionError(f"{api}: the event stream ended without a result")


def raw_prime(url: str, what: str | None, session_hash: str, two_photos) -> None:
    """``prime`` for a raw session: files uploaded through /gradio_api/upload."""
    if what == "archive":
        with httpx.Client(base_url=url, timeout=CALL_TIMEOUT_S, verify=shared_tls()) as http:
            files = [("files", (Path(p).name, Path(p).read_bytes(), "image/png")) for p in two_photos]
            paths = http.post("/gradio_api/upload", files=files).json()
        files_data = [{"path": p, "orig_name": Path(p).name, "meta": {"_type": "gradio.FileData"}} for p in paths]
        data = [files_data, 0.95, "en"]
        assert raw_call(url, "/archive", data, session_hash)[0] == "complete"
    elif what == "denoise":
        assert raw_call(url, "/denoise_step", DIF, session_hash)[0] == "complete"


@pytest.mark.parametrize("api", sorted(a for a, s in SPECS.items() if s.args))
def test_nan_and_infinity_over_raw_http(api, params, fuzz_client, app_url, two_photos):
    """NaN passes Gradio's own bounds checks (every comparison with it is false), so each handler's
    check must catch it: a long run must never start, a cheap call succeeds or says why not. Each
    endpoint gets a session of its own (no gradio_client listens on it)."""
    spec, plist = SPECS[api], params[api]
    session = f"fuzz-raw-{uuid.uuid4().hex[:12]}"
    raw_prime(app_url, spec.prime, session, two_photos)
    numeric = [i for i, p in enumerate(plist) if p.kind in ("Slider", "Number")
               and (not spec.long or p.name in spec.killers)]
    for i in numeric:
        for value in (float("nan"), float("inf")):
            data = list(spec.args)
            data[i] = value
            kind, out = raw_call(app_url, api, data, session)
            if kind == "error":
                msg = out.get("error") if isinstance(out, dict) else None
                pending = (api, plist[i].name) in PENDING
                assert msg or pending, f"{api} {plist[i].name}={value}: an error without a message"
                if msg and not pending:
                    assert message_problem(msg, False, [value]) is None, (api, plist[i].name, value, msg[:300])
            elif spec.long:
                if spec.stop:
                    raw_call(app_url, spec.stop, [], session)
                pytest.fail(f"{api} accepted {plist[i].name}={value} and ran")
        healthy(fuzz_client)
