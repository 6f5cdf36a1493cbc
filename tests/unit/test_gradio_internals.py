"""explorer/ui/gradio_internals.py: every assumption the app makes about Gradio's internals, checked
on a small real ``gr.Blocks`` and on the installed front end. A failure here after a Gradio upgrade
names the internal that changed and the function of gradio_internals.py to adapt (its docstring
says which Gradio source it was read from); the app's own tests would fail later and less clearly
(a shared link that restores nothing, sessions that pile up, a language switch that leaves
Gradio's labels behind)."""
from __future__ import annotations

import inspect
import re
from pathlib import Path
from types import SimpleNamespace

import gradio as gr
import numpy as np
import PIL.Image
import pytest

from explorer.ui import gradio_internals as gi
from explorer.ui.common import friendly


def changed(what: str, fn: str) -> str:
    """The failure message: which Gradio internal no longer holds, and where the app relies on it."""
    return (f"Gradio {gr.__version__} changed an internal the app relies on: {what}. "
            f"Adapt explorer/ui/gradio_internals.py:{fn} (read against Gradio {gi.GRADIO_VERSION_READ}).")


def _handler(a, b):
    return a


@pytest.fixture(scope="module")
def tiny():
    """A page shaped like the app's: tabs holding form components (one in a row), an event that
    reads two of them and writes a third, a page-load and a page-unload event."""
    with gr.Blocks() as demo:
        with gr.Tabs() as tabs:
            with gr.Tab("A", id="a") as tab_a:
                with gr.Row():
                    slider = gr.Slider(0, 10, value=3)
                number = gr.Number(1)
            with gr.Tab("B", id="b") as tab_b:
                text = gr.Textbox()
        out = gr.Textbox()
        slider.change(_handler, [slider, number], [out], api_name="tiny")
        demo.load(None, None, None, js="() => []")
        demo.unload(lambda: None)
    return SimpleNamespace(demo=demo, tabs=tabs, tab_a=tab_a, tab_b=tab_b, slider=slider, number=number, text=text,
                           out=out)


# ----------------------------------------------------------------------------------- the page's blocks

def test_component_ids_key_the_page_blocks(tiny):
    comps = [tiny.slider, tiny.number, tiny.text, tiny.out, tiny.tabs, tiny.tab_a]
    try:
        ids = [gi.component_id(c) for c in comps]
    except AttributeError as err:
        pytest.fail(changed(f"a block has no `_id` ({err})", "component_id"))
    assert all(isinstance(i, int) for i in ids) and len(set(ids)) == len(ids), changed(
        f"`Block._id` is no longer a unique int per block: {ids}", "component_id")
    try:
        blocks = tiny.demo.blocks
    except AttributeError:
        pytest.fail(changed("`Blocks.blocks` is gone", "all_blocks"))
    assert all(blocks.get(i) is c for i, c in zip(ids, comps)), changed(
        "`Blocks.blocks` no longer maps each block's `_id` to the block", "component_id / all_blocks")
    assert all(any(b is c for b in gi.all_blocks(tiny.demo)) for c in comps), changed(
        "`Blocks.blocks.values()` no longer lists every block of the page", "all_blocks")


def test_children_are_the_blocks_inside_a_layout_in_page_order(tiny):
    tabs = gi.children(tiny.tabs)
    assert tabs == [tiny.tab_a, tiny.tab_b] and all(isinstance(t, gr.Tab) for t in tabs), changed(
        f"`gr.Tabs.children` is no longer its gr.Tab blocks in page order: {tabs}", "children")
    assert [t.id for t in tabs] == ["a", "b"], changed("`gr.Tab.id` no longer keeps the id given", "children")
    inside = gi.descendants(tiny.tab_a)
    assert tiny.slider in inside and tiny.number in inside and tiny.text not in inside, changed(
        "walking `.children` from a gr.Tab no longer finds the components inside it (rows, pseudo-parent "
        "gr.Form included)", "children / descendants")
    assert inside.index(tiny.slider) < inside.index(tiny.number), changed(
        "`.children` is no longer in page order", "children")
    assert gi.children(tiny.slider) == [], changed("a component now has `.children`", "children")


def test_event_functions_say_what_each_listener_reads_writes_and_is_fired_by(tiny):
    try:
        fns = gi.event_functions(tiny.demo)
    except AttributeError:
        pytest.fail(changed("`Blocks.fns` is gone", "event_functions"))
    named = [f for f in fns if getattr(f, "api_name", None) == "tiny"]
    assert len(named) == 1, changed("`Blocks.fns` no longer holds every listener with its `api_name`",
                                    "event_functions")
    fn = named[0]
    assert fn.fn is _handler, changed("`BlockFunction.fn` is no longer the handler", "event_functions")
    assert list(fn.inputs) == [tiny.slider, tiny.number] and list(fn.outputs) == [tiny.out], changed(
        "`BlockFunction.inputs` / `.outputs` are no longer the components given", "event_functions")
    assert fn.api_visibility == "public", changed("`BlockFunction.api_visibility` changed", "event_functions")
    try:
        triggers = gi.event_triggers(fn)
    except (AttributeError, TypeError, IndexError) as err:
        pytest.fail(changed(f"`BlockFunction.targets` changed ({err!r})", "event_triggers"))
    assert triggers == [(gi.component_id(tiny.slider), "change")], changed(
        f"`BlockFunction.targets` is no longer [(component _id, event name)]: {fn.targets}", "event_triggers")
    others = [t for f in fns if f is not fn for t in gi.event_triggers(f)]
    assert (gi.component_id(tiny.demo), "load") in others and (None, "unload") in others, changed(
        f"the targets of demo.load / demo.unload changed: {others}", "event_triggers")


@pytest.mark.parametrize("kind", [gr.Dropdown, gr.Radio, gr.CheckboxGroup])
def test_choices_are_kept_as_label_value_pairs(kind):
    comp = kind(["x", ("Y", "y"), 3], render=False)
    assert gi.choice_values(comp) == ["x", "y", 3], changed(
        f"`{kind.__name__}.choices` is no longer a list of (label, value) tuples: {comp.choices}", "choice_values")


def test_a_template_component_is_drawn_as_its_base_class():
    """On the app's own subclasses: a component class defined here would make Gradio write a stub
    (.pyi) beside this file."""
    from explorer.ui import components

    for cls in (components.Slider, components.Number, components.Dropdown, components.Radio, components.OpenDropdown):
        assert cls.is_template is True
        base = cls.__base__(render=False).get_block_name()
        comp = cls(render=False)
        assert comp.get_block_name() == comp.get_block_class() == base, changed(
            f"`is_template = True` no longer makes {cls.__name__} draw as {cls.__base__.__name__} "
            "(Block.get_block_name / get_block_class)", "the module docstring; explorer/ui/components.py")


# ------------------------------------------------------------------------------------ sessions and queue

def test_forget_session_removes_gradio_s_record_of_a_session(tiny):
    from gradio.routes import App

    demo = tiny.demo
    app = App.create_app(demo)  # what launch() does (blocks.py:3395): the served app's holder
    holder = getattr(demo, "state_holder", None)
    assert holder is app.state_holder, changed(
        "the served app's StateHolder is no longer `demo.state_holder`", "forget_session")
    for attr, kind in (("session_data", dict), ("time_last_used", dict)):
        assert isinstance(getattr(holder, attr, None), kind), changed(f"`StateHolder.{attr}` is gone", "forget_session")
    assert hasattr(holder, "lock") and hasattr(holder.lock, "__enter__"), changed(
        "`StateHolder.lock` is gone", "forget_session")
    before = gi.gradio_session_count(demo)
    holder["dle-test-session"]  # what every request of a session does (route_utils.py:285, 339)
    assert "dle-test-session" in holder.session_data and "dle-test-session" in holder.time_last_used, changed(
        "a session's record is no longer kept in `session_data` and `time_last_used`", "forget_session")
    assert gi.gradio_session_count(demo) == before + 1, changed("`session_data` no longer counts sessions",
                                                                "gradio_session_count")
    gi.forget_session(demo, "dle-test-session")
    assert "dle-test-session" not in holder and "dle-test-session" not in holder.time_last_used, changed(
        "popping `session_data` / `time_last_used` no longer forgets a session", "forget_session")
    assert gi.gradio_session_count(demo) == before
    gi.forget_session(demo, "never-seen")  # an unknown session: nothing to do


def test_a_new_blocks_has_a_session_holder_with_no_session():
    with gr.Blocks() as demo:
        inside = gi.gradio_session_count(demo)
    assert inside == 0 and gi.gradio_session_count(demo) == 0, changed(
        "a new Blocks no longer has a `state_holder` (Blocks.__init__ -> queue() -> App.create_app)",
        "gradio_session_count")


def test_queue_busy_reads_the_queue_s_waiting_and_running_events(tiny):
    from gradio.queueing import EventQueue

    q = getattr(tiny.demo, "_queue", None)
    assert q is not None, changed("`Blocks._queue` is gone", "queue_busy")
    assert isinstance(q.active_jobs, list) and isinstance(q.event_queue_per_concurrency_id, dict), changed(
        "`Queue.active_jobs` / `Queue.event_queue_per_concurrency_id` changed", "queue_busy")
    assert not gi.queue_busy(tiny.demo)
    waiting = EventQueue("dle-test", 1)
    assert waiting.queue == [], changed("`EventQueue.queue` is no longer the list of waiting events", "queue_busy")
    q.event_queue_per_concurrency_id["dle-test"] = waiting
    try:
        waiting.queue.append(object())
        assert gi.queue_busy(tiny.demo)
        waiting.queue.clear()
        q.active_jobs.append([object()])
        assert gi.queue_busy(tiny.demo)
    finally:
        del q.event_queue_per_concurrency_id["dle-test"]
        q.active_jobs[:] = [j for j in q.active_jobs if not j]
    assert not gi.queue_busy(tiny.demo)


def test_outermost_middleware_wraps_every_middleware_of_the_served_app():
    """The wrapper sees what leaves the server: Gradio's Brotli-compressed scripts, its CORS headers."""
    import httpx

    from tests.conftest import free_port

    seen = []

    def wrap(stack):
        async def outer(scope, receive, send):
            async def watch(message):
                if message["type"] == "http.response.start":
                    seen.append((scope["path"], dict(message.get("headers", []))))
                await send(message)
            await stack(scope, receive, send=watch)
        return outer

    with gr.Blocks() as tiny:
        gr.Textbox()
    tiny.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=free_port(), quiet=True,
                app_kwargs={"lifespan": gi.outermost_middleware(wrap)})
    try:
        url = tiny.local_url.rstrip("/")
        script = re.findall(r'src="\.?/?(assets/[^"]+\.js)"', httpx.get(url + "/").text)[0]
        httpx.get(f"{url}/{script}", headers={"Accept-Encoding": "br", "Origin": url})
        assert getattr(tiny.app, "dle_wrapped", None) is not None, changed(
            "the app's lifespan (app_kwargs) is not entered with the app, or middleware_stack is gone",
            "outermost_middleware")
        headers = dict(seen).get(f"/{script}", {})
        assert headers.get(b"content-encoding") == b"br", changed(
            "the wrapper no longer sits outside Gradio's Brotli middleware", "outermost_middleware")
    finally:
        tiny.close()


def test_static_paths_are_the_ones_set_static_paths_marked(tmp_path):
    from gradio.data_classes import _StaticFiles

    before = list(_StaticFiles.all_paths)
    try:
        gr.set_static_paths([tmp_path / "sprite.png"])
        assert (tmp_path / "sprite.png").resolve() in gi.static_paths(), changed(
            "`gr.set_static_paths` no longer records its paths in `_StaticFiles.all_paths`", "static_paths")
    finally:
        _StaticFiles.all_paths[:] = before


# -------------------------------------------------------------------------------------------- handlers

def test_with_request_gets_the_request_and_shows_only_its_inputs():
    from gradio.helpers import special_args

    def send(*args):
        """Its doc."""
        return args

    handler = friendly(gi.with_request(send, 2))  # as explorer.ui.send wires it
    request = gr.Request()
    inputs = special_args(handler, inputs=["a", "b"], request=request)[0]
    assert inputs == ["a", "b", request], changed(
        "Gradio no longer passes the request to a parameter annotated gr.Request in `__signature__` and "
        "`__annotations__` (helpers.special_args)", "with_request")
    assert handler("a", "b", request) == ("a", "b", request) and handler.__doc__ == "Its doc."
    with gr.Blocks() as demo:
        a, b, out = gr.Textbox(), gr.Textbox(), gr.Textbox()
        gr.Button().click(handler, [a, b], out, api_name="send_test")
    params = demo.get_api_info()["named_endpoints"]["/send_test"]["parameters"]
    assert [p["parameter_name"] for p in params] == ["input_0", "input_1"], changed(
        "the API no longer names a handler's parameters from its `__signature__`, without the request",
        "with_request")


def test_show_as_partial_keeps_the_request_whatever_the_fixed_arguments_are_annotated_with(tmp_path, monkeypatch):
    """A tab handler ``h(store: SessionStore, x, lang, request: gr.Request)`` wrapped in another
    module (explorer.ui.wiring.bind) with its string annotations (``from __future__ import
    annotations``): Gradio resolves them in the wrapper's module, where SessionStore is unknown, and
    then recognises no parameter at all."""
    import functools
    import sys

    from gradio.helpers import special_args

    (tmp_path / "dle_tab_handlers.py").write_text(
        "from __future__ import annotations\nimport gradio as gr\nfrom explorer.session import SessionStore\n\n"
        "def h(store: SessionStore, x: int, lang: str, request: gr.Request):\n"
        "    '''Its doc.'''\n    return store, x, lang, request\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    import dle_tab_handlers as mod

    store = object()

    def wrap(fn):
        @functools.wraps(fn)
        def bound(*args, **kwargs):
            return fn(store, *args, **kwargs)
        return bound

    request = gr.Request()
    shown = gi.show_as_partial(wrap(mod.h), mod.h, 1)
    assert list(inspect.signature(shown).parameters) == ["x", "lang", "request"]
    inputs = special_args(shown, inputs=[1, "es"], request=request)[0]
    assert inputs == [1, "es", request], changed(
        "Gradio no longer passes the request to the wrapper's `request: gr.Request` (helpers.special_args)",
        "show_as_partial")
    assert shown(*inputs) == (store, 1, "es", request) and shown.__doc__ == "Its doc."
    sys.modules.pop("dle_tab_handlers", None)


# ---------------------------------------------------------------------------------------------- images

@pytest.mark.parametrize("fmt", ["webp", "png", "jpeg"])
def test_images_are_encoded_as_gr_image_encodes_them(tmp_path, fmt):
    """OutputImage writes an image itself, and must write the very bytes gr.Image would."""
    arr = np.random.default_rng(0).random((12, 10, 3))  # floats in [0, 1], as some views return
    plain = gr.Image(format=fmt, render=False)
    assert isinstance(gi.cache_dir(plain), str), changed("`Component.GRADIO_CACHE` is gone", "cache_dir")
    plain.GRADIO_CACHE = str(tmp_path)
    assert gi.cache_dir(plain) == str(tmp_path)
    written = Path(plain.postprocess(arr).path)
    assert tmp_path in written.parents, changed("gr.Image no longer writes its outputs under GRADIO_CACHE",
                                                "cache_dir")
    as8 = gi.image_to_uint8(arr)
    assert as8.dtype == np.uint8 and as8.shape == arr.shape
    ours = gi.encode_image(PIL.Image.fromarray(as8), fmt)
    assert written.read_bytes() == ours, changed(
        "gr.Image no longer encodes an array as processing_utils._convert + encode_pil_to_bytes do",
        "image_to_uint8 / encode_image")


def test_a_format_pillow_cannot_write_raises_what_gr_image_catches():
    img = PIL.Image.new("RGB", (4, 4))
    with pytest.raises((KeyError, ValueError)):
        gi.encode_image(img, "no-such-format")


def test_watermark_image_is_the_image_given_or_none():
    mark = PIL.Image.new("RGB", (2, 2))
    assert gi.watermark_image(gr.Image(render=False)) is None, changed(
        "`gr.Image.watermark` is no longer a WatermarkOptions whose `watermark` is None by default",
        "watermark_image")
    assert gi.watermark_image(gr.Image(watermark=mark, render=False)) is mark, changed(
        "`gr.Image.watermark.watermark` is no longer the watermark image given", "watermark_image")


def test_editor_files_are_the_payload_or_the_pieces_sent_through_accept_blobs():
    from gradio.components.image_editor import AcceptBlobs

    sk = gr.Sketchpad(render=False)
    whole = sk.data_model(composite={"path": "/nowhere/x.png"})
    assert gi.editor_files(sk, whole) is whole
    try:
        sk.accept_blobs(AcceptBlobs(data={"type": "composite", "index": None, "file": b"", "id": "k1"},
                                    files=[("composite", b"PNG bytes")]))
    except Exception as err:  # any failure means the same: the protocol changed
        pytest.fail(changed(f"`ImageEditor.accept_blobs` takes other data ({err!r})", "editor_files"))
    assert "k1" in getattr(sk, "blob_storage", {}), changed(
        "`ImageEditor.accept_blobs` no longer gathers the pieces in `blob_storage` by id", "editor_files")
    got = gi.editor_files(sk, sk.data_model(id="k1"))
    assert got is not None and got.composite == b"PNG bytes" and got.background is None and got.layers == [], changed(
        "the pieces in `blob_storage` no longer have `background`, `layers`, `composite`", "editor_files")
    assert "k1" not in sk.blob_storage and gi.editor_files(sk, sk.data_model(id="k1")) is None


# ----------------------------------------------------------------------------------------- the front end

def _core_assets() -> tuple[Path, list[Path]]:
    from gradio import route_utils

    assets = Path(route_utils.BUILD_PATH_LIB)  # what the page's /assets/ serves (routes.py)
    m = re.search(r"/(\\/assets\\/core-.*?\$)/\.test", gi.SET_LOCALE_JS)
    assert m, "SET_LOCALE_JS no longer finds the core module by a /.../.test(n) pattern: update this test"
    pattern = re.compile(m.group(1))
    assert assets.is_dir(), changed(f"Gradio's front-end assets are no longer in {assets}", "SET_LOCALE_JS")
    return assets, [p for p in sorted(assets.iterdir()) if pattern.search(f"http://127.0.0.1:7860/assets/{p.name}")]


def test_the_core_module_the_language_switch_imports_is_there_once():
    assets, found = _core_assets()
    assert len(found) == 1, changed(
        f"SET_LOCALE_JS's pattern /assets/core-*.js matches {[p.name for p in found]} in {assets}, not one file",
        "SET_LOCALE_JS")


def test_the_core_module_exports_change_locale_taking_the_language():
    _, found = _core_assets()
    js = found[0].read_text(encoding="utf-8")
    exports = re.findall(r"export\s*\{([^}]*)\}", js)
    names = dict(reversed(part.strip().split(" as ")) if " as " in part else (part.strip(), part.strip())
                 for clause in exports for part in clause.split(","))
    assert "changeLocale" in names, changed(f"{found[0].name} no longer exports changeLocale", "SET_LOCALE_JS")
    local = re.escape(names["changeLocale"])
    assert re.search(rf"function {local}\(\w+\)|\b{local}=\(?\w+\)?=>", js), changed(
        f"changeLocale ({names['changeLocale']} in {found[0].name}) is no longer a function of one argument",
        "SET_LOCALE_JS")


def test_the_page_loads_that_core_module():
    """The switch imports the module the page has already loaded (a performance resource entry): the
    same instance, with the locale store Gradio's labels read."""
    from gradio import route_utils

    _, found = _core_assets()
    index = (Path(route_utils.BUILD_PATH_LIB).parent / "index.html").read_text(encoding="utf-8")
    entries = re.findall(r'src="\./assets/(index-[^"]+\.js)"', index)
    assert len(entries) == 1, changed("index.html no longer loads one ./assets/index-*.js", "SET_LOCALE_JS")
    entry = (Path(route_utils.BUILD_PATH_LIB) / entries[0]).read_text(encoding="utf-8")
    assert f"./{found[0].name}" in entry, changed(
        f"the page's entry module {entries[0]} no longer imports {found[0].name}", "SET_LOCALE_JS")


def test_a_new_sessions_configurations_are_made_when_read():
    """lazy_session_configs: a session starts without copying every block's configuration, and
    what Gradio reads of them (one block's, or all: the deep-link route) is what it computed before."""
    from gradio.state_holder import SessionState

    from explorer.ui import gradio_internals

    with gr.Blocks() as demo:
        a = gr.Textbox("x", label="a")
        gr.Slider(0, 3, value=1, label="b")
    assert gradio_internals.lazy_session_configs()
    state = SessionState(demo)
    assert dict.__len__(state.config_values) == 0  # nothing made yet
    state._update_value_in_config(a._id, "y")  # what Gradio does when an event updates a value
    assert state.config_values[a._id]["props"]["value"] == "y"
    configs = list(state.components)  # the deep-link route walks them all
    assert len(configs) == len(demo.blocks) and any(c["props"].get("label") == "b" for c in configs)
