"""Hostile files against every upload in the app (issue 8, "faults and hostile input"), and the
security rules around files: corrupt, truncated, empty, bombs (decompression, pixel-flood headers,
zip), SVG, PDF and zip renamed as images, zips that try to leave their folder or carry symbolic
links — each upload gets a clear message in the caller's language, never a stack trace, and nothing
is written outside temporary folders. A path an API caller names (instead of uploading) is never
read; ``torch.load`` only ever runs with ``weights_only=True``; the app serves no folder of its own.

The corpus is made at test time (tests/api/hostile_files.py); nothing binary is committed.
"""
from __future__ import annotations

import ast
import os
import re
import stat
import tempfile
import uuid
from pathlib import Path

import httpx
import pytest
from gradio_client import Client, handle_file
from PIL import Image

from tests.api import hostile_files as hf
from tests.api.test_fuzz_api import (
    CALL_TIMEOUT_S,
    SPECS,
    Spec,
    endpoint_params,
    healthy,
    message_problem,
    raw_call,
    run,
)
from tests.conftest import api_client as client

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
TOKEN = f"evil_{uuid.uuid4().hex[:10]}"  # every name that could escape a folder carries it
SKIP_DIRS = {".git", ".venv", "__pycache__", "node_modules"}
# Endpoints that take an uploaded image through the shared image input (source, sample, index,
# upload, drawing) and the one that takes a collection.
IMAGE_UPLOADS = {"/classify", "/feature_maps", "/convolve", "/saliency", "/sanity_check", "/attack",
                 "/attention_image", "/noise", "/noise_animation", "/place_image"}
COLLECTION_UPLOADS = {"/archive", "/archive_teach"}  # /archive_teach analyses what it is given
CSV_UPLOADS = {"/playground", "/playground_compare", "/basics_points"}  # the Fundamentos tab's points (x1, x2, class)
# The send-to bar: six tabs' image inputs and the Adversarial tab's attacked image.
SEND = "/send_image"


def _walk(root: Path, depth: int | None = None, skip: tuple[Path, ...] = ()):
    """Every path under ``root`` (``depth`` levels deep, all when None), not entering ``skip`` or
    SKIP_DIRS."""
    root_depth = len(root.parts)
    skip = {s.resolve() for s in skip}
    for dirpath, dirnames, filenames in os.walk(root, onerror=lambda e: None):
        here = Path(dirpath)
        dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS and (here / d).resolve() not in skip]
        for name in dirnames + filenames:
            yield here / name
        if depth is not None and len(here.parts) - root_depth + 1 >= depth:
            dirnames[:] = []


def repo_tree() -> set[Path]:
    return {p.relative_to(ROOT) for p in _walk(ROOT) if "__pycache__" not in p.parts and p.suffix != ".pyc"}


@pytest.fixture(scope="module")
def repo_before():
    return repo_tree()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile-images")
    return hf.image_corpus(folder)


@pytest.fixture(scope="module")
def zips(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile-zips")
    return hf.archive_corpus(folder, TOKEN)


@pytest.fixture(scope="module")
def shared(app_url) -> Client:
    return client(app_url)


def upload_args(api: str, path: str, lang: str, drawing: bool = False) -> list:
    """The endpoint's valid call (tests/api/test_fuzz_api.SPECS) with the file as the upload (or as
    the drawing) and source "upload" (or "draw")."""
    args = list(SPECS[api].args)
    args[0] = "draw" if drawing else "upload"
    if drawing:
        args[4] = {"background": None, "layers": [], "composite": handle_file(path), "id": None}
    else:
        args[3] = handle_file(path)
    args[-1] = lang
    return args


def test_every_upload_is_covered(served):
    """An endpoint that takes a file and is not listed here fails: add it to the corpus runs."""
    with_files = {api for api, plist in endpoint_params(served).items()
                  if any(p.kind in ("File", "ImageEditor", "Sketchpad") for p in plist)}
    expected = IMAGE_UPLOADS | COLLECTION_UPLOADS | CSV_UPLOADS | {SEND}
    assert with_files == expected, with_files ^ expected
    for api in IMAGE_UPLOADS:
        assert [p.name for p in endpoint_params(served)[api]][:5] == ["src", "smp", "idx", "up", "sk"], api


def test_hostile_files_as_a_csv_of_points_get_a_clear_message(corpus, shared):
    """Every file of the corpus (images, none of them a CSV) as the playground's CSV of points: a
    translated message each time (not a UTF-8 text: its encoding; text without three columns of
    numbers: the row that is wrong; too few rows: how many are needed), never Gradio's generic one."""
    for i, (name, (path, _en, _es)) in enumerate(sorted(corpus.items())):
        lang = "es" if i % 2 else "en"
        for api in ("/playground", "/basics_points"):
            args = list(SPECS[api].args)
            args[0], args[8], args[-1] = "csv", handle_file(str(path)), lang
            ok, msg = run(shared, api, args, SPECS[api])
            assert not ok, f"{api} accepted {name}"
            assert message_problem(msg, False, []) is None, (api, name, msg)
    healthy(shared)


@pytest.mark.parametrize("api", sorted(IMAGE_UPLOADS))
def test_hostile_images_get_a_clear_message(api, corpus, shared, repo_before):
    """Every file of the corpus as the upload, in Spanish and English by turns; the first three
    also as a drawing (a Sketchpad's layers are uploaded files too)."""
    spec = SPECS[api]
    for i, (name, (path, en, es)) in enumerate(sorted(corpus.items())):
        lang = "es" if i % 2 else "en"
        for drawing in (False, True) if i < 3 else (False,):
            ok, msg = run(shared, api, upload_args(api, str(path), lang, drawing), spec)
            assert not ok, f"{api} accepted {name}"
            assert re.search(es if lang == "es" else en, msg), (api, name, lang, msg)
            assert message_problem(msg, False, []) is None, (api, name, msg)
    healthy(shared)


def test_hostile_files_sent_between_tabs_get_a_clear_message(corpus, shared):
    """/send_image takes every image tab's input and the attacked image: Gradio used to decode the
    latter (gr.Image) whatever it was; now each file reaches the handler as a path, which says
    (over the API the open tab is unknown) that there is nothing to send."""
    base = list(SPECS[SEND].args)
    for i, (name, (path, _, _)) in enumerate(sorted(corpus.items())):
        lang = "es" if i % 2 else "en"
        for slot in (5, 6, len(base) - 2):  # the first tab's upload, its drawing, the adversarial image
            args = list(base)
            args[-1] = lang
            if slot == 6:
                args[2], args[slot] = "draw", {"background": None, "layers": [], "composite": handle_file(str(path)),
                                               "id": None}
            else:
                args[slot] = handle_file(str(path))
                args[2] = "upload" if slot == 5 else args[2]
            ok, msg = run(shared, SEND, args, SPECS[SEND])
            assert not ok, (name, slot)
            assert ("no tiene imagen que enviar" if lang == "es" else "no image to send") in msg, (name, slot, msg)
            assert message_problem(msg, False, []) is None, (name, slot, msg)
    healthy(shared)


def test_hostile_archives_get_a_clear_message(zips, corpus, shared, repo_before):
    spec = SPECS["/archive"]
    for i, (name, (path, en, es)) in enumerate(sorted(zips.items())):
        lang = "es" if i % 2 else "en"
        ok, msg = run(shared, "/archive", [[handle_file(str(path))], 0.95, lang], spec)
        assert not ok, f"/archive accepted {name}"
        assert re.search(es if lang == "es" else en, msg), (name, lang, msg)
        assert message_problem(msg, False, []) is None, (name, msg)
    # taught directly (/archive_teach analyses the files itself): the same intake, the same answers
    teach = Spec([None, None, ["linear"], 0, "en"])  # waited for: its first frame says it is analysing
    for i, (name, (path, en, es)) in enumerate(sorted(zips.items())):
        lang = "en" if i % 2 else "es"
        ok, msg = run(shared, "/archive_teach", [[handle_file(str(path))], None, ["linear"], 0, lang], teach)
        assert not ok, f"/archive_teach accepted {name}"
        assert re.search(es if lang == "es" else en, msg), (name, lang, msg)
    # the image corpus as loose files in one upload: nothing usable; a zip renamed .png is read as
    # the zip it is (a bomb); a hostile zip among them refuses the whole upload
    every = [handle_file(str(p)) for n, (p, _, _) in corpus.items() if n != "zipbomb_zip.png"]
    for lang, text in (("en", "No usable image"), ("es", "ninguna imagen utilizable")):
        ok, msg = run(shared, "/archive", [every, 0.95, lang], spec)
        assert not ok and text in msg, msg
    for extra, text in ((corpus["zipbomb_zip.png"][0], "zip bomb"), (zips["traversal.zip"][0], "leaves its folder")):
        ok, msg = run(shared, "/archive", [every + [handle_file(str(extra))], 0.95, "en"], spec)
        assert not ok and text in msg, msg
    healthy(shared)


def test_a_good_file_beside_hostile_ones_is_still_read(corpus, shared, tmp_path):
    """Hostile loose files are skipped, not fatal, when there is something usable beside them."""
    good = tmp_path / "good.png"
    Image.new("RGB", (80, 60), (200, 120, 40)).save(good)
    files = [handle_file(str(good))] + [handle_file(str(corpus[n][0])) for n in
                                        ("bomb_20000x20000.png", "document_pdf.png", "truncated.gif")]
    *_, summary = shared.predict(files, 0.95, "en", api_name="/archive")
    assert [f["file"] for f in summary["files"]] == ["good.png"]
    reasons = {s["file"]: s["reason"] for s in summary["skipped"]}
    assert set(reasons) == {"bomb_20000x20000.png", "document_pdf.png", "truncated.gif"}, reasons


# ------------------------------------------------------------ paths an API caller names


def _file_data(path: str) -> dict:
    return {"path": path, "orig_name": Path(path).name, "meta": {"_type": "gradio.FileData"}}


def test_a_path_named_by_the_caller_is_never_read(app_url, tmp_path):
    """An API caller can name a path instead of uploading (raw HTTP; gradio_client would upload
    the file from the caller's machine): Gradio refuses anything outside its upload folder before
    the handler runs. A readable PNG planted outside that folder proves it is the path that is
    refused, not the content."""
    canary = tmp_path / "canary.png"
    Image.new("RGB", (64, 64), (0, 0, 0)).save(canary)
    session = f"bad-files-{uuid.uuid4().hex[:12]}"
    targets = [str(canary), "/etc/passwd", str(ROOT / "app.py"), str(ROOT / "assets" / "cnn_fashion.pt"),
               f"../../{canary.name}", "http://127.0.0.1:1/x.png", "file:///etc/passwd"]
    for target in targets:
        calls = [
            ("/classify", ["upload", "cat", 0, _file_data(target), None, "fashion", "en"]),
            ("/classify", ["draw", "cat", 0, None, {"background": None, "layers": [], "composite": _file_data(target),
                                                      "id": None}, "fashion", "en"]),
            ("/archive", [[_file_data(target)], 0.95, "en"]),
            ("/archive_teach", [[_file_data(target)], None, ["linear"], 0, "en"]),
        ]
        for api, data in calls:
            kind, out = raw_call(app_url, api, data, session)
            assert kind == "error", (api, target, kind, str(out)[:200])
    # an upload whose file name tries to climb out of Gradio's folder lands inside it
    with httpx.Client(base_url=app_url, timeout=CALL_TIMEOUT_S) as http:
        files = [("files", (f"../../{TOKEN}.png", canary.read_bytes(), "image/png")),
                 ("files", (f"/tmp/{TOKEN}_abs.png", canary.read_bytes(), "image/png"))]
        paths = http.post("/gradio_api/upload", files=files).json()
    upload_root = Path(os.environ["GRADIO_TEMP_DIR"]).resolve()
    for p in paths:
        assert upload_root in Path(p).resolve().parents, p
    kind, out = raw_call(app_url, "/classify", ["upload", "cat", 0, _file_data(paths[0]), None, "fashion", "en"],
                         session)
    assert kind == "complete", out  # the uploaded copy itself is a fine image


# ------------------------------------------------------------------------ static rules


def _calls(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            yield node


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return node.id if isinstance(node, ast.Name) else "?"


def _sources():
    for folder in ("explorer", "models", "scripts"):
        yield from sorted((ROOT / folder).rglob("*.py"))
    yield ROOT / "app.py"


def test_torch_load_only_with_weights_only():
    """torch.load unpickles: without weights_only=True a checkpoint can run code. Every call in
    the code base passes weights_only=True literally; nothing imports load under another name or
    unpickles in another way (pickle, numpy's allow_pickle=True, torch.serialization.load)."""
    seen = 0
    for path in _sources():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        where = path.relative_to(ROOT)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module in ("torch", "torch.serialization", "pickle",
                                                                    "dill", "joblib"):
                assert not {a.name for a in node.names} & {"load", "loads", "Unpickler"}, (where, node.lineno)
            if isinstance(node, ast.Import) and where != WORKER:
                assert not {a.name for a in node.names} & {"pickle", "dill", "joblib", "cloudpickle"}, (
                    where, node.lineno)
        for call in _calls(tree):
            name = _dotted(call.func)
            kw = {k.arg: k.value for k in call.keywords}
            if name in ("torch.load", "torch.serialization.load"):
                seen += 1
                ok = isinstance(kw.get("weights_only"), ast.Constant) and kw["weights_only"].value is True
                assert ok, f"{where}:{call.lineno}: {name} without weights_only=True"
            if name in ("np.load", "numpy.load"):
                v = kw.get("allow_pickle")
                assert v is None or (isinstance(v, ast.Constant) and v.value is False), f"{where}:{call.lineno}"
    assert seen >= 2  # models/checkpoint.py and models/efficientnet_lite.py: the test does look


# The one place that unpickles: explorer/worker.py, between the server and the UMAP / t-SNE process it
# started itself, over an anonymous pipe the child inherits (nothing another process can connect to).
WORKER = Path("explorer/worker.py")


def test_the_worker_unpickles_only_from_its_own_child():
    tree = ast.parse((ROOT / WORKER).read_text(encoding="utf-8"))
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} | {
        a.name for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom)) for a in n.names}
    assert "Pipe" in names, "the worker's connection is an anonymous pipe made by the parent"
    assert not names & {"Listener", "Client", "socket", "bind", "listen", "accept"}, names & {
        "Listener", "Client", "socket", "bind", "listen", "accept"}


def test_the_app_serves_no_folder_of_its_own(served, app_url):
    """allowed_paths stays empty, and the only static path is the Embeddings tab's sprite — one
    file in a private (0700) folder of its own, never a folder: anything else asked for by path is
    refused."""
    import gradio as gr

    import app
    from explorer.ui.gradio_internals import static_paths

    kwargs = app.launch_kwargs()
    assert "allowed_paths" not in kwargs and not served.allowed_paths
    assert "GRADIO_ALLOWED_PATHS" not in os.environ
    gradio_dir = Path(gr.__file__).resolve().parent  # Gradio marks its own button icons static
    statics = [p for p in static_paths() if gradio_dir not in p.resolve().parents]
    assert len(statics) == 1 and statics[0].name == "fashion_test_sprite.png", statics
    assert not statics[0].is_dir()  # a file: no folder is served whole
    for p in statics:
        assert p.parent.name.startswith("dle-static-") and stat.S_IMODE(p.parent.stat().st_mode) == 0o700, p
    # the app's source calls set_static_paths in one place, with those files only
    uses = [(path.relative_to(ROOT), _dotted(c.func)) for path in _sources()
            for c in _calls(ast.parse(path.read_text(encoding="utf-8")))
            if _dotted(c.func).endswith("set_static_paths")]
    assert uses == [(Path("app.py"), "gr.set_static_paths")], uses
    # the upload limit is set (Gradio's default is none)
    limit = kwargs.get("max_file_size")
    assert isinstance(limit, str) and re.fullmatch(r"\d+\s*mb", limit.lower()) and int(limit[:-2]) <= 200, limit
    # over HTTP: a source file, a system file, a sibling of the sprite — refused
    sibling = statics[0].parent / f"{TOKEN}_sibling.txt"
    sibling.write_text("not for you")
    try:
        with httpx.Client(base_url=app_url, timeout=60) as http:
            for target in (ROOT / "app.py", Path("/etc/passwd"), sibling, ROOT / "assets" / "cnn_fashion.pt"):
                r = http.get(f"/gradio_api/file={target}")
                assert r.status_code in (403, 404), (target, r.status_code)
    finally:
        sibling.unlink()


# ------------------------------------------------------------------------------ last


def test_nothing_was_written_outside_temporary_folders(repo_before, tmp_path_factory):
    """After the corpus runs (this test comes last in the file): no file or folder carrying the
    token anywhere it could have escaped to — the repository, /tmp outside Gradio's upload folder
    and the sessions' folders, the root, the home folder — and no new file in the repository named
    like a corpus member."""
    allowed = (Path(os.environ["GRADIO_TEMP_DIR"]).resolve(), tmp_path_factory.getbasetemp().resolve())
    tmp = Path(tempfile.gettempdir()).resolve()
    sessions = tuple(p for p in tmp.glob("dle-session-*"))
    found = []
    for root, depth, skip in ((ROOT, None, ()), (tmp, None, allowed + sessions), (Path("/"), 1, ()),
                              (Path.home(), 1, ()), (ROOT.parent, 1, ())):
        found += [p for p in _walk(root, depth, skip) if TOKEN in p.name]
    assert not found, found
    new = repo_tree() - repo_before
    corpus_names = {"ok.png", "bomb.png", "big.png", "inner.zip", "a.png", "b.png", "c.png", "d.gif", "fotos"}
    assert not [p for p in new if p.name in corpus_names or TOKEN in p.name or p.name.startswith("evil")], new
