"""Everything the app takes from Gradio's internals, in one place: attributes, helpers and front-end
files that Gradio does not document and may change in any release. Each function names the Gradio
source it relies on; tests/unit/test_gradio_internals.py checks every one of these assumptions on a
small real ``gr.Blocks`` and on the installed front end, and its failure messages say which
internal changed. After upgrading Gradio, run that test first.

Source references are to Gradio 6.31.0 (``GRADIO_VERSION_READ``), paths relative to the installed
package (``.venv/lib/python3.11/site-packages/gradio/``).

Relied on but not wrapped here, because a class must declare it: ``is_template = True`` on the
component subclasses of ``explorer.ui.components`` (blocks.py:248-271, ``Block.get_block_name`` and
``get_block_class``: a class with that attribute is drawn as its first base class); checked by
tests/unit/test_gradio_internals.py and tests/unit/test_components.py.
"""
from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gradio as gr
import numpy as np
from gradio import processing_utils

GRADIO_VERSION_READ = "6.31.0"  # the version whose source the references below are to

# ------------------------------------------------------------------------------ the page's blocks


def component_id(block: Any) -> int:
    """The id Gradio gives a block (component or layout) within its ``gr.Blocks``: the key of
    ``demo.blocks`` and the first item of an event's targets.

    blocks.py:133-140 (``Block.__init__``: ``self._id = Context.id``, one counter for the process),
    blocks.py:222 (``root_context.blocks[self._id] = self`` when rendered)."""
    return block._id


def children(block: Any) -> list:
    """The blocks directly inside a layout block (a ``gr.Tabs``' ``gr.Tab``s, a tab's rows and
    columns...), in page order; [] for a component.

    blocks.py:485 (``BlockContext.children``), blocks.py:503-514 (``add_child``, ``add``: each block
    created inside the ``with`` is appended), blocks.py:516-546 (``fill_expected_parents``, at ``__exit__``: form
    components are regrouped under a pseudo-parent ``gr.Form`` that becomes the child instead)."""
    return list(getattr(block, "children", None) or [])


def descendants(block: Any) -> list:
    """Every block inside ``block`` (children first, then theirs: page order), at any depth."""
    out = []
    for child in children(block):
        out.append(child)
        out.extend(descendants(child))
    return out


def all_blocks(demo: gr.Blocks) -> list:
    """Every block of the page (components and layouts), rendered or pseudo-parent.

    blocks.py:1480-1482 (``Blocks.blocks``: a property over ``default_config.blocks``, a dict id ->
    block, filled at blocks.py:222)."""
    return list(demo.blocks.values())


def event_functions(demo: gr.Blocks) -> list:
    """Every event listener of the page, in the order registered: Gradio's ``BlockFunction``s. The
    app reads their ``fn``, ``inputs`` and ``outputs`` (lists of components), ``api_name`` and
    ``api_visibility``; see ``event_triggers`` for what fires them.

    blocks.py:1488-1490 (``Blocks.fns``: a property over ``default_config.fns``, a dict index ->
    BlockFunction, filled at blocks.py:1156), block_function.py:69-97 (the attributes)."""
    return list(demo.fns.values())


def event_triggers(fn: Any) -> list[tuple[int | None, str]]:
    """What fires the listener ``fn`` (one of ``event_functions``): (component_id, event name)
    pairs, e.g. (12, "change"); ``demo.load`` is the Blocks' own id with "load", ``demo.unload``
    None with "unload".

    block_function.py:31 and :83 (``BlockFunction.targets: list[tuple[int | None, str]]``)."""
    return [(target[0], target[1]) for target in fn.targets]


def choice_values(comp: gr.Dropdown | gr.Radio | gr.CheckboxGroup) -> list:
    """The values of a choice component's choices, however they were given (plain values or
    (label, value) pairs).

    components/dropdown.py:109-115 (the constructor stores ``choices`` as (label, value) tuples;
    components/radio.py:79 and components/checkboxgroup.py:78 likewise)."""
    return [c[1] for c in comp.choices]


# ------------------------------------------------------------------------------ sessions and queue


def forget_session(demo: gr.Blocks, session_hash: str) -> None:
    """Drop Gradio's own record of a closed browser session: a copy of every component's
    configuration (0.8 MB for this app) that Gradio otherwise keeps until 10,000 newer sessions
    push it out. Call once the session has ended (``demo.unload``), while serving.

    state_holder.py:16-21 (``StateHolder``: ``session_data`` (an OrderedDict session hash ->
    SessionState), ``time_last_used``, ``lock``), state_holder.py:28-33 (a session's entries are
    made on first use), state_holder.py:38-44 (evicted only past ``capacity``),
    routes.py:1521-1523 (a closed page only marks its session ``is_closed``). Which holder:
    ``App.create_app`` (routes.py:253, routes.py:298 -> state_holder.py:23-25) makes the app's own
    and sets it as ``demo.state_holder``; ``queue()`` (blocks.py:2978, also called by
    ``Blocks.__init__``, blocks.py:1478), the Blocks' ``__exit__`` (blocks.py:2924) and ``launch()``
    (blocks.py:3395) each make an app, so at call time, while serving, ``demo.state_holder`` is the
    served app's."""
    holder = demo.state_holder
    with holder.lock:
        holder.session_data.pop(session_hash, None)
        holder.time_last_used.pop(session_hash, None)


def gradio_session_count(demo: gr.Blocks) -> int | None:
    """How many sessions Gradio holds a record of (see ``forget_session``); None for a Blocks
    without a holder (Gradio gives one to every Blocks it makes).

    blocks.py:1388 (``Blocks.state_holder`` only declared), blocks.py:1478 -> blocks.py:2978 ->
    routes.py:298 (set as the Blocks is made), state_holder.py:19."""
    holder = getattr(demo, "state_holder", None)
    return len(holder.session_data) if holder is not None else None


def queue_busy(demo: gr.Blocks) -> bool:
    """Whether the served app's queue holds an event, waiting or running (the in-process server's
    own record: a page's event stream stays open and says nothing to the network).

    blocks.py:2970 (``Blocks._queue``, set by ``demo.queue()``), queueing.py:138
    (``Queue.event_queue_per_concurrency_id``: concurrency id -> EventQueue, whose ``queue`` is the
    list of waiting events, queueing.py:99-101), queueing.py:142 and :220 (``Queue.active_jobs``: one
    slot per worker, None when idle)."""
    q = demo._queue
    return any(q.active_jobs) or any(eq.queue for eq in q.event_queue_per_concurrency_id.values())


def outermost_middleware(wrap: Callable[[Any], Any]) -> Callable:
    """A ``lifespan`` for ``launch(app_kwargs={"lifespan": ...})`` that puts ``wrap(stack)``
    outside every middleware of the served app, Gradio's own included (its CORS headers and its
    Brotli compression, which ``app_kwargs["middleware"]`` would sit inside of); an app with a login
    (its pages depend on who asks) is left as it is. ``app.dle_wrapped`` is what ``wrap`` returned.

    routes.py:394 (``App.create_app`` hands ``app_kwargs["lifespan"]`` to
    route_utils.py:1241 ``create_lifespan_handler``, entered with the app at start-up, before the
    first request); routes.py:410-419 (``add_middleware``: CORS, Brotli); Starlette's
    ``Starlette.__call__`` (applications.py:92-96: every request goes through
    ``self.middleware_stack``, built before the lifespan runs); routes.py:700-706 (``app.auth``,
    ``app.auth_dependency``: the login)."""
    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def lifespan(app):
        if getattr(app, "auth", None) is None and getattr(app, "auth_dependency", None) is None:
            stack = app.middleware_stack if app.middleware_stack is not None else app.build_middleware_stack()
            app.dle_wrapped = app.middleware_stack = wrap(stack)
        yield

    return lifespan


def static_paths() -> list[Path]:
    """Every path ``gr.set_static_paths`` has marked as served without checks, in this process
    (Gradio's own included).

    data_classes.py:355-368 (``_StaticFiles.all_paths``, a class attribute), utils.py:1477
    (``set_static_paths``)."""
    from gradio.data_classes import _StaticFiles

    return [Path(p) for p in _StaticFiles.all_paths]


# ------------------------------------------------------------------------------------- handlers


def with_request(fn: Callable, n_inputs: int) -> Callable:
    """``fn(*inputs, request)`` as a Gradio handler of ``n_inputs`` inputs: Gradio passes the request
    to a parameter annotated ``gr.Request``, which a ``*args`` function cannot have, so the handler
    declares its signature explicitly. The annotation must be in ``__annotations__`` too: Gradio
    takes the parameters from ``inspect.signature`` but their types from ``typing.get_type_hints``,
    which reads ``__annotations__`` and not the signature.

    helpers.py:1072 (``special_args``: ``inspect.signature(fn)``), helpers.py:1077 and utils.py:1193-1203
    (``get_type_hints`` -> ``typing.get_type_hints``), helpers.py:1095-1097 (a parameter hinted
    ``gr.Request`` receives the request)."""
    def handler(*args):
        return fn(*args)

    P = inspect.Parameter
    handler.__signature__ = inspect.Signature(
        [P(f"input_{i}", P.POSITIONAL_OR_KEYWORD) for i in range(n_inputs)]
        + [P("request", P.POSITIONAL_OR_KEYWORD, annotation=gr.Request)])
    handler.__annotations__ = {"request": gr.Request}  # what Gradio reads to recognise it
    handler.__doc__ = fn.__doc__
    handler.__name__ = fn.__name__
    return handler


def show_as_partial(wrapper: Callable, fn: Callable, n_fixed: int) -> Callable:
    """Make ``wrapper`` (a ``functools.wraps`` wrapper calling ``fn`` with its first ``n_fixed``
    arguments supplied: a session store, a tab's settings) look to Gradio like ``fn`` without them:
    their names are the API's parameter names, and a ``request: gr.Request`` among them still
    receives the request. Returns ``wrapper``.

    Gradio takes the parameters from ``inspect.signature`` (so ``__signature__``, and not the
    ``__wrapped__`` function's, which ``inspect`` would follow) but their types from
    ``typing.get_type_hints(wrapper)``, which evaluates every string annotation (``from __future__
    import annotations``) in the namespace of the module that defined the wrapper, not ``fn``'s,
    and answers {} if one name is missing there: then no parameter is recognised as the request,
    and the handler silently gets None (every caller sharing the "anonymous" session). So the
    annotations are resolved here, where ``fn`` was written.

    helpers.py:1072 (``special_args``: ``inspect.signature(fn)``), helpers.py:1077 and utils.py:1193-1203
    (``get_type_hints`` -> ``typing.get_type_hints``, NameError -> {}), helpers.py:1095-1097."""
    import typing

    sig = inspect.signature(fn)
    rest = list(sig.parameters.values())[n_fixed:]
    try:
        hints = typing.get_type_hints(fn)
    except (NameError, TypeError):  # a name ``fn``'s own module cannot resolve: left as written
        hints = {}
    wrapper.__signature__ = sig.replace(parameters=rest)
    wrapper.__annotations__ = {p.name: hints.get(p.name, p.annotation) for p in rest
                               if p.annotation is not inspect.Parameter.empty}
    wrapper.__dict__.pop("__wrapped__", None)
    return wrapper


# ---------------------------------------------------------------------------------------- images


def image_to_uint8(arr: np.ndarray) -> np.ndarray:
    """An image array as 8 bits, converted as ``gr.Image`` converts an array it is given (floats in
    [0, 1] scaled to 0-255, other integer types rescaled).

    processing_utils.py:866 (``_convert``, private), used by processing_utils.py:206-210
    (``save_img_array_to_cache``, what ``gr.Image.postprocess`` calls for an array through
    image_utils.py:84-90)."""
    return processing_utils._convert(arr, np.uint8, force_copy=False)


def encode_image(img: Any, fmt: str) -> bytes:
    """A PIL image encoded as ``gr.Image`` encodes it before writing it to its cache (PNG with its
    text metadata, other formats with their EXIF). Raises KeyError or ValueError for a format Pillow
    cannot write (``gr.Image`` then falls back to PNG: image_utils.py:91-100).

    processing_utils.py:134-152 (``encode_pil_to_bytes``), called by processing_utils.py:191-203
    (``save_pil_to_cache``). Looked up on the module at each call (a test counts the calls)."""
    return processing_utils.encode_pil_to_bytes(img, fmt)


def cache_dir(comp: Any) -> str:
    """The folder a component writes its output files to (Gradio's file cache,
    ``GRADIO_TEMP_DIR``), which Gradio serves files from and cleans up (``delete_cache``).

    blocks.py:155 (``Block.GRADIO_CACHE = get_upload_folder()``), components/image.py:223-227
    (``gr.Image.postprocess`` writes there)."""
    return comp.GRADIO_CACHE


def watermark_image(comp: gr.Image) -> Any:
    """The watermark a ``gr.Image`` stamps on its output images, or None.

    components/image.py:131-137 (``self.watermark`` is always a ``WatermarkOptions``; the image is
    its ``watermark`` attribute)."""
    return comp.watermark.watermark


def editor_files(comp: gr.ImageEditor, payload: Any) -> Any:
    """The files of a drawing a ``gr.ImageEditor`` (``gr.Sketchpad``) was sent: the payload itself
    (an ``EditorData`` of ``FileData``), or, when the page sent the drawing in pieces through the
    component's ``accept_blobs`` (``payload.id`` set), the pieces it gathered (an
    ``EditorDataBlobs`` of bytes), taken out as Gradio's own ``preprocess`` takes them; None when
    they are gone. Either has ``background``, ``layers`` and ``composite``.

    components/image_editor.py:326 (``blob_storage``: id -> EditorDataBlobs),
    components/image_editor.py:419-431 and :450-451 (``preprocess`` reads and pops it),
    components/image_editor.py:541-569 (``accept_blobs`` fills it)."""
    if payload.id is None:
        return payload
    return comp.blob_storage.pop(payload.id, None)


# -------------------------------------------------------------------------------- the front end

# Switch Gradio's own front-end locale (static labels) along with ours. Gradio keeps the locale in
# its core module, which exports ``changeLocale``; importing the already-loaded module by URL gives
# the same instance. If that ever fails, labels still follow the browser and our text follows the
# radio.
#
# templates/frontend/index.html loads assets/index-<hash>.js, which imports assets/core-<hash>.js
# (its ``core`` entry); core-Bdx9080F.js: ``function bt(e){N.set(e)}`` exported ``as changeLocale``
# (N: the svelte-i18n locale store its ``setupi18n`` initialises). routes.py:1293-1295 serves
# ``/assets/`` from route_utils.py:1380 (``BUILD_PATH_LIB``, templates/frontend/assets).
SET_LOCALE_JS = """
async (lang) => {
  try {
    const url = performance.getEntriesByType("resource").map((e) => e.name)
      .find((n) => /\\/assets\\/core-[^/]+\\.js$/.test(n));
    if (url && lang) {
      const core = await import(url);
      if (core.changeLocale) { core.changeLocale(lang); }
    }
  } catch (err) { console.warn("locale switch failed", err); }
  document.documentElement.setAttribute("data-dle-lang", lang || "");
  return lang;
}
"""


# The source of gradio 6.31's SessionState.__init__ (state_holder.py:66-82) that
# ``lazy_session_configs`` replaces; another version's is left alone.
_SESSION_INIT_SHA = "1b2ea21dc42c45da"


class _LazyConfigs(dict):
    """A session's ``config_values`` (each block's configuration, what Gradio's deep links restore),
    made when read rather than when the session starts: a block's entry when the session updates
    it (Gradio sets it), all of them when something walks them (``SessionState.components``)."""

    def __init__(self, state: Any, block_ids: Any):
        super().__init__()
        self._state, self._ids = state, block_ids

    def _fill(self) -> None:
        for k, v in self._state.blocks_config.blocks.items():
            if k in self._ids and not dict.__contains__(self, k):
                dict.__setitem__(self, k, self._state.blocks_config.config_for_block(k, [], v))

    def items(self):
        self._fill()
        return super().items()

    def values(self):
        self._fill()
        return super().values()

    def __iter__(self):
        self._fill()
        return super().__iter__()

    def __len__(self) -> int:
        self._fill()
        return super().__len__()


def lazy_session_configs() -> bool:
    """Make Gradio's per-session state cheap to start. gradio/state_holder.py:66-82
    (``SessionState.__init__``) computes every block's configuration for each new session
    (``config_for_block``, with ``inspect.signature`` per component): 75 ms for this app's 795
    blocks, on the server's main thread, for every browser tab and API client that makes its first
    call — 2.3 s for a class of 30, and most of the main thread in bench/bench_basics.py's profile.
    Those configurations only serve deep links (``components``, state_holder.py:141-145, read by
    the ``/deep_link`` route), which this app does not offer: made when read instead. True if the
    patch is in place (only for the Gradio source it was written against)."""
    import hashlib
    import os
    from copy import copy

    from gradio import state_holder

    cls = state_holder.SessionState
    if getattr(cls, "_dle_lazy", False):
        return True
    if hashlib.sha256(inspect.getsource(cls.__init__).encode()).hexdigest()[:16] != _SESSION_INIT_SHA:
        return False

    def __init__(self, blocks):  # state_holder.py:66-82, config_values made lazy
        self.blocks_config = copy(blocks.default_config)
        self.config_values = _LazyConfigs(self, blocks.blocks)
        self.state_data = {}
        self._state_ttl = {}
        self.is_closed = False
        self.STATE_TTL_WHEN_CLOSED = 1 if os.getenv("GRADIO_IS_E2E_TEST", None) else 3600

    cls.__init__ = __init__
    cls._dle_lazy = True
    return True


# ------------------------------------------------------------------------- front-end file fixes

# Gradio's loading screen leaves an animation loop running for as long as the page is open.
# templates/frontend/assets/statustracker-DQF-KcRT.js (the StatusTracker): while its status is
# "pending" it counts the seconds with ``function ze(){me(()=>{F(Pe,(performance.now()-w(de))/1e3),
# W&&ze()})}`` (``me``: ``window.requestAnimationFrame``, taken when the module loads; ``W``: the
# loop runs), stopped only by the status changing (``He``). The page's own loading tracker
# (assets/Index-Akn07EZk2.js, "Cargando...") is removed while pending, so nothing stops its loop:
# an open page then asked for 60 animation frames a second forever (seen with Chrome's debugger:
# the loop's element, ``$``, detached from the page). Measured on the 2-core machine, side by side:
# an idle page cost Chromium 0.065-0.074 of a core, 0.001-0.004 with the fix — a class's laptops and
# phones, and every browser test while it waits (tests/e2e/test_console_e2e.py counts the frames).
# The fix: the loop also ends when its element has left the page.
# {asset file: [(text, replacement)]}; a text is replaced only where it occurs exactly once.
FRONTEND_FIXES = {
    "statustracker-DQF-KcRT.js": [(
        "function ze(){me(()=>{F(Pe,(performance.now()-w(de))/1e3),W&&ze()})}",
        "function ze(){me(()=>{F(Pe,(performance.now()-w(de))/1e3),W&&($&&!$.isConnected?W=!1:ze())})}",
    )],
}


def fixed_frontend_files(fixes: dict = FRONTEND_FIXES) -> dict[str, bytes]:
    """{file name: its fixed text} for each file of ``fixes`` whose every text is found exactly once
    in the installed front end (route_utils.py:1380, ``BUILD_PATH_LIB``: what ``/assets/`` serves,
    routes.py:1293-1295); another Gradio version's files are left as they are."""
    from gradio import route_utils

    out = {}
    for name, edits in fixes.items():
        try:
            text = (Path(route_utils.BUILD_PATH_LIB) / name).read_text(encoding="utf-8")
        except OSError:
            continue
        if all(text.count(old) == 1 for old, _ in edits):
            for old, new in edits:
                text = text.replace(old, new)
            out[name] = text.encode("utf-8")
    return out


class FrontendFixes:
    """ASGI middleware: a GET of ``/assets/<name>`` for a file of :func:`fixed_frontend_files` is
    answered with the fixed file (Brotli-compressed when the browser takes it, as Gradio would: made
    at the first such request, 30 ms, not at start-up); everything else goes to the app. Installed
    inside :class:`explorer.ui.response_cache.ResponseCache`, which then keeps the fixed answer."""

    def __init__(self, app: Any, files: dict[str, bytes] | None = None):
        self.app = app
        files = fixed_frontend_files() if files is None else files
        self.files = {f"/assets/{name}": body for name, body in files.items()}
        self._brotli: dict[str, bytes] = {}

    async def __call__(self, scope, receive, send):
        from explorer.ui.response_cache import app_path

        if scope.get("type") == "http" and scope.get("method") in ("GET", "HEAD"):
            path = app_path(scope)
            headers = {k.lower(): v for k, v in scope.get("headers", [])}
            if path in self.files and b"range" not in headers:
                codings = headers.get(b"accept-encoding", b"").split(b",")
                if b"br" in [c.split(b";")[0].strip() for c in codings]:
                    import brotli

                    if path not in self._brotli:
                        self._brotli[path] = brotli.compress(self.files[path], quality=11)
                    body, extra = self._brotli[path], [(b"content-encoding", b"br")]
                else:
                    body, extra = self.files[path], []
                out = [(b"content-type", b"text/javascript; charset=utf-8"),
                       (b"content-length", str(len(body)).encode()), (b"vary", b"Accept-Encoding"), *extra]
                await send({"type": "http.response.start", "status": 200, "headers": out})
                await send({"type": "http.response.body", "body": body if scope["method"] == "GET" else b""})
                return
        await self.app(scope, receive, send)
