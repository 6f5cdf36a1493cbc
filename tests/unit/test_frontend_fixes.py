"""explorer.ui.gradio_internals.FrontendFixes: Gradio's front-end files served with our fixes — and
the fixes still apply to the installed Gradio (after an upgrade this fails: see whether Gradio fixed
it, then update or drop FRONTEND_FIXES)."""
from pathlib import Path

import brotli
from gradio import route_utils

from explorer.ui import gradio_internals as gi
from tests.unit.test_response_cache import Inner, request

NAME = "statustracker-DQF-KcRT.js"


def test_every_fix_applies_to_the_installed_front_end():
    fixed = gi.fixed_frontend_files()
    assert sorted(fixed) == sorted(gi.FRONTEND_FIXES), (
        f"Gradio {gi.GRADIO_VERSION_READ}'s front-end text of FRONTEND_FIXES is not in the installed files "
        f"{sorted(set(gi.FRONTEND_FIXES) - set(fixed))} (Gradio upgraded?)")
    for name, edits in gi.FRONTEND_FIXES.items():
        original = (Path(route_utils.BUILD_PATH_LIB) / name).read_text(encoding="utf-8")
        text = fixed[name].decode()
        for old, new in edits:
            assert old in original and old not in text and text.count(new) == 1
        assert len(text) == len(original) + sum(len(new) - len(old) for old, new in edits)


def test_a_text_not_found_exactly_once_leaves_the_file_alone():
    assert gi.fixed_frontend_files({NAME: [("no such text in the file", "x")]}) == {}
    assert gi.fixed_frontend_files({"no-such-file.js": [("a", "b")]}) == {}


def test_the_fixed_file_is_served_and_everything_else_goes_to_the_app():
    inner = Inner()
    app = gi.FrontendFixes(inner, {NAME: b"fixed();"})
    status, headers, body = request(app, f"/assets/{NAME}", accept_encoding="gzip, br;q=1")
    assert (status, headers[b"content-encoding"], brotli.decompress(body)) == (200, b"br", b"fixed();")
    assert headers[b"content-type"].startswith(b"text/javascript")
    status, headers, body = request(app, f"/assets/{NAME}", accept_encoding="gzip")
    assert (status, body, b"content-encoding" in headers) == (200, b"fixed();", False)
    assert request(app, f"/assets/{NAME}", method="HEAD")[2] == b""
    assert inner.calls == 0
    for path, extra in [("/assets/index-DphvyggB.js", {}), (f"/gradio_api/file=/tmp/assets/{NAME}", {}),
                        (f"/assets/{NAME}", {"range": "bytes=0-10"})]:
        request(app, path, **extra)
    assert inner.calls == 3
