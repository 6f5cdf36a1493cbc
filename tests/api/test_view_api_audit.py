"""view_api() describes what each endpoint accepts (issue 15): every named endpoint of the launched
app is called twice with what its own description gives — every parameter's default, then every
parameter's example — written in the type the description names (a ``Literal['0', '1', …]`` choice
as that string, a ``float`` as a float, an ``int`` as an int). Each call either succeeds or ends with
a message of the app's own, translated (explorer.i18n), and the server prints no traceback: never
Gradio's "Value: 1 is not in the list of choices", never a crash, for a value the schema says is valid.

The description's example files are on the Internet; a local PNG stands in for them (the same
type: a file path). A run that streams (training, a map, diffusion...) is stopped at its first
frame: what was checked is that it took its parameters.
"""
from __future__ import annotations

import re
import time

import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from PIL import Image

from explorer.i18n import TEXT
from tests.conftest import api_client

pytestmark = pytest.mark.slow

CALL_TIMEOUT_S = 240  # the machine is shared and slow: a hang is a failure, a slow call is not
# a run that streams is stopped at its first frame with its own stop endpoint
STOPS = {"/train": "/stop", "/maximize": "/stop_maximize", "/sanity_check": "/stop_saliency",
         "/saliency": "/stop_saliency", "/attack": "/stop_attack", "/epsilon_sweep": "/stop_attack",
         "/embedding_map": "/stop_map", "/place_image": "/stop_map", "/archive": "/stop_archive",
         "/archive_teach": "/stop_archive_teach",
         "/denoise": "/denoise_pause", "/denoise_resume": "/denoise_pause", "/denoise_step": "/denoise_pause"}
FILE_COMPONENTS = ("File", "Image", "Imageeditor")


def _pattern(template: str) -> re.Pattern:
    parts = re.split(r"\{[^{}]*\}", template)
    return re.compile(".*?".join(re.escape(p) for p in parts), re.S)


TRANSLATED = [_pattern(text) for table in TEXT.values() for text in table.values() if len(text) >= 8]


def is_ours(message: str) -> bool:
    """A message the app wrote from one of its translated texts."""
    return bool(message) and any(p.fullmatch(message.strip()) for p in TRANSLATED)


@pytest.fixture(scope="module")
def api(app_url):
    client = api_client(app_url)
    return client, client.view_api(return_format="dict", print_info=False)["named_endpoints"]


@pytest.fixture(scope="module")
def png(tmp_path_factory):
    path = tmp_path_factory.mktemp("audit") / "photo.png"
    Image.new("RGB", (64, 48), (200, 120, 40)).save(path)
    return str(path)


def documented(param: dict, value, png: str):
    """``value`` written as the parameter's description says it is typed."""
    kind = param["python_type"]["type"]
    if param["component"] in FILE_COMPONENTS:
        if kind.startswith("list["):
            return [handle_file(png)]
        if kind.startswith("dict("):  # a drawing: its layers
            return {"background": handle_file(png), "layers": [], "composite": handle_file(png), "id": None}
        return handle_file(png)
    if value is None:
        return None
    if kind.startswith("Literal["):
        return str(value)
    if kind.startswith("list[Literal["):
        return [str(v) for v in value]
    return {"float": float, "int": int, "bool": bool, "str": str}.get(kind, lambda v: v)(value)


def call(client: Client, name: str, args: list, stop: str | None):
    """Submit; return ("ok", outputs) or ("error", message). A run that streams is stopped at its
    first frame."""
    job = client.submit(*args, api_name=name)
    deadline = time.monotonic() + CALL_TIMEOUT_S
    while not job.done() and not job.outputs():
        if time.monotonic() > deadline:
            job.cancel()
            raise AssertionError(f"{name} did not answer in {CALL_TIMEOUT_S} s")
        time.sleep(0.05)
    if not job.done():  # streaming, and it took its parameters: stop it as the page does
        if stop is None:
            first = job.outputs()[0]
            job.cancel()
            # the cancel reaches the server on its own request: wait for it, or it can land on the
            # next endpoint's call (/detect_lang came back CancelledError on a slow clean clone)
            while not job.done() and time.monotonic() < deadline:
                time.sleep(0.05)
            return "ok", first
        client.predict(api_name=stop)
        while not job.done():
            if time.monotonic() > deadline:
                raise AssertionError(f"{name} went on after {stop}")
            time.sleep(0.05)
    try:
        return "ok", job.result()
    except AppError as err:
        return "error", str(err)


@pytest.mark.parametrize("which", ["default", "example"])
def test_every_endpoint_takes_what_view_api_describes(api, png, which, server_log):
    client, endpoints = api
    assert len(endpoints) >= 50
    failures = []
    for name, ep in endpoints.items():
        args = []
        for p in ep["parameters"]:
            value = p["parameter_default"] if which == "default" and p["parameter_has_default"] else p["example_input"]
            args.append(documented(p, value, png))
        mark = server_log.mark()
        try:
            outcome, detail = call(client, name, args, STOPS.get(name))
        except Exception as err:
            outcome, detail = "crash", f"{type(err).__name__}: {err}"
        logged = server_log.errors(mark)
        if outcome == "crash" or (outcome == "error" and not is_ours(detail)) or logged:
            failures.append(f"{name}{tuple(args)!r:.300}\n  → {outcome}: {str(detail)[:300]}"
                            + (f"\n  server: {server_log.report(logged)[:1500]}" if logged else ""))
    assert not failures, f"{len(failures)} endpoint(s) refuse what view_api() describes:\n" + "\n".join(failures)
