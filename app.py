"""Deep Learning Explorer — watch deep learning happen.

``build_demo()`` composes the tabs; ``python app.py`` serves it (this is also how Hugging Face
Spaces runs it). No logic lives here: see explorer/ (logic) and explorer/ui/ (one module per tab).
"""
from __future__ import annotations

import atexit
import importlib
import os
import signal
import tempfile

# Offline and quiet, before anything imports huggingface_hub or gradio.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("NUMBA_CACHE_DIR", os.path.join(tempfile.gettempdir(), "numba_cache"))
os.environ.setdefault("MPLCONFIGDIR", os.path.join(tempfile.gettempdir(), "matplotlib"))
# Gradio's queue recomputes its monitoring summary (a pandas table of the last 10,000 events,
# percentiles per endpoint) after every event by default: 9-16 ms of CPU under the GIL per event,
# no-op or not, for a dashboard this app does not enable. Every 1,000 events is plenty.
os.environ.setdefault("GRADIO_ANALYTICS_CACHE_FREQUENCY", "1000")

from explorer.session import limit_malloc_arenas

limit_malloc_arenas()  # before any thread starts: memory freed by ended sessions is reused (see there)

import gradio as gr

from explorer.archive import search as archive_search
from explorer.attention import compute as attention
from explorer.diffusion import denoiser
from explorer.embeddings import compute as embeddings
from explorer.filters import compute as filters
from explorer.i18n import DEFAULT_LANG
from explorer.session import SessionStore, freeze_startup_heap
from explorer.tabs import TABS
from explorer.train import compute as training
from explorer.train import views as train_view
from explorer.ui import basics as basics_tab
from explorer.ui import classroom, common, gradio_internals, send
from explorer.ui import embeddings as embeddings_tab
from explorer.ui.response_cache import ResponseCache
from explorer.warm import OneAtATime, WarmUp

CSS = """
#dle-header h1 { margin-bottom: 0; }
#train-status { min-height: 2.4em; }
#train-architecture table { font-size: 0.85em; }
#train-architecture th, #train-architecture td { white-space: nowrap; padding: 2px 8px; }
#filters-stages table { font-size: 0.85em; }
#filters-stages th, #filters-stages td { white-space: nowrap; padding: 2px 8px; }
#filters-pg-input img, #filters-pg-output img, #filters-pg-pool img { image-rendering: pixelated; }
#filters-pg-output img { cursor: crosshair; }
#basics-draw .js-plotly-plot { cursor: crosshair; }
""" + classroom.PRESENTER_CSS

# Queue limits for a 2-vCPU machine: cheap views run 4 at a time, training as set in train_tab;
# beyond MAX_QUEUE waiting events a new one is refused at once rather than left to pile up.
DEFAULT_CONCURRENCY = int(os.environ.get("DLE_CONCURRENCY", "4"))
MAX_QUEUE = int(os.environ.get("DLE_MAX_QUEUE", "64"))


def build_demo(store: SessionStore | None = None) -> gr.Blocks:
    """The whole app as a ``gr.Blocks``; per-session state lives in ``store``."""
    store = store or SessionStore()
    gradio_internals.lazy_session_configs()  # a new session no longer copies every block's configuration
    # the Embeddings tab's thumbnail sprite is served from here (made at first use, not uploaded)
    gr.set_static_paths(embeddings_tab.static_paths())
    with gr.Blocks(title="Deep Learning Explorer", delete_cache=(1800, 3600)) as demo:
        with gr.Row(equal_height=True, elem_id="dle-header"):
            with gr.Column(scale=4):
                gr.Markdown("# Deep Learning Explorer")
                gr.Markdown(common.L("app_tagline"))
            with gr.Column(scale=1, min_width=260):
                lang = gr.Radio([("Español", "es"), ("English", "en")], value=None,
                                label=common.L("lang_label"), elem_id="lang")
                controls = classroom.build_controls()
        header = classroom.build_panel(controls)
        send_bar = send.build_bar()  # shown above the tabs that have an image
        # Every tab stays on screen (a second row when the page is narrow: a projector in presenter
        # mode, a phone) rather than in Gradio's "⋯" menu: the menu's items were not relabelled on a
        # language switch, and its widths were measured in the browser's language, not the page's.
        with gr.Tabs(overflow_behavior="wrap") as tabs:  # explorer.tabs.TABS: the page's tabs, in order
            built = {tab.id: importlib.import_module(f"explorer.ui.{tab.id}").build(store, lang) for tab in TABS}
        images = {tab.id: built[tab.id] for tab in TABS if tab.takes_image}  # their image inputs

        # The page's language: the browser's (or a shared link's), unless the user picks the other
        # one. Decided in the browser at load, with no round trip to the server: a server answer
        # arriving after the user had already clicked the other language switched it back (seen in
        # the browser tests once a page had more to load). Setting the radio fires its change
        # event, which redraws every computed text in that language.
        demo.load(None, [lang], [lang], js=common.DETECT_LANG_JS, show_progress="hidden")
        # the same decision for scripts (a browser language, or the Accept-Language header)
        detect = gr.Button(visible=False, elem_id="dle-detect-lang")
        detect.click(common.detect_lang, [lang], [lang], api_name="detect_lang", show_progress="hidden")
        # a call that does nothing, through the queue as every other: health checks, the load bench's floor
        ping, pong = gr.Button(visible=False, elem_id="dle-ping"), gr.Textbox(visible=False, elem_id="dle-pong")
        ping.click(common.ping, None, pong, api_name="ping", show_progress="hidden")
        lang.change(None, [lang], None, js=gradio_internals.SET_LOCALE_JS)
        classroom.wire(demo, header, tabs, lang, listening_on_all=_listening_on_all())
        send.wire(send_bar, tabs, header.current_tab, lang, images, store)

        def drop_session(request: gr.Request) -> None:
            key = common.session_key(request)
            store.drop(key)
            # Gradio keeps its own record of a closed session (a copy of every component's
            # configuration: 0.8 MB for this app) until 10,000 newer sessions push it out: 100
            # visits held 90 MB. Ours is gone, so that goes too.
            gradio_internals.forget_session(demo, key)

        demo.unload(drop_session)
    demo.queue(default_concurrency_limit=DEFAULT_CONCURRENCY, max_size=MAX_QUEUE)
    demo.dle_store = store  # tests and benchmarks inspect it
    # Warm up in the background: what a first training needs at once (the server is still starting,
    # and a teacher may click Train as soon as the page opens), the other tabs once it is up.
    warm = WarmUp(train_view.warm_up, [
        filters.warm_up, attention.warm_up,
        # Mi archivo's search: the 1,000 classes' names embedded (~8 s of CPU, then kept on disk)
        OneAtATime(archive_search.CLASSES.get, "imagenet-lemmas"),
        embeddings.default_map, lambda: embeddings.features("cnn"),  # the default map, neighbour search
        OneAtATime(embeddings.warm_up_umap, "umap-numba"),  # UMAP's compiled code (numba's disk cache)
        basics_tab.warm_up,  # the playground's worker processes (after UMAP's: it reuses that one)
        denoiser.warm_up,
        freeze_startup_heap], delay=float(os.environ.get("DLE_WARMUP_DELAY", "2")),
        busy=training.active_runs, wait_idle=lambda s: training.wait_until_idle(timeout=s))
    freeze_startup_heap()  # then again when the warm-up has loaded the rest (see there)
    warm.start()
    atexit.register(warm.end)
    atexit.register(store.close_all)
    return demo


def _listening_on_all() -> bool:
    """Whether the page is served on every interface (a classroom LAN: ``make run HOST=0.0.0.0``).
    Behind nginx (scripts/serve_workers.py) this process listens on 127.0.0.1 and nginx on
    ``DLE_PUBLIC_HOST``."""
    host = os.environ.get("DLE_PUBLIC_HOST") or launch_kwargs()["server_name"]
    return host in ("0.0.0.0", "::")


def launch_kwargs() -> dict:
    return dict(
        theme=gr.themes.Soft(),
        css=CSS,
        js=f"() => {{ ({embeddings_tab.PLOT_EVENTS_JS})(); ({basics_tab.POINTS_JS})(); ({common.PLOTLY_FRAMES_JS})(); "
           f"({classroom.KEYS_JS})(); "
           f"({classroom.relabel_tabs_js()})(); }}",
        i18n=common.I18N,
        footer_links=["api", "settings"],
        max_file_size="200mb",  # "Mi archivo" takes zips of up to 200 MB of images
        server_name=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"),
        server_port=int(os.environ.get("GRADIO_SERVER_PORT", os.environ.get("PORT", "7860"))),
        # the page, its configuration and static files answered from memory (explorer.ui.response_cache),
        # Gradio's front-end files with our fixes (gradio_internals.FRONTEND_FIXES) among them
        app_kwargs={"lifespan": gradio_internals.outermost_middleware(
            lambda app: ResponseCache(gradio_internals.FrontendFixes(app)))},
    )


def _interrupted(signum, frame):
    signal.signal(signum, signal.SIG_IGN)  # once: a second one would interrupt the closing itself
    raise KeyboardInterrupt


if __name__ == "__main__":
    # A service manager's stop (SIGTERM: docker, systemd, Spaces) ends the server as Ctrl-C does, so
    # the exit hooks run: worker processes ended, sessions' temp folders removed.
    signal.signal(signal.SIGTERM, _interrupted)
    print(f"Deep Learning Explorer — default language {DEFAULT_LANG}; serving on "
          f"http://{launch_kwargs()['server_name']}:{launch_kwargs()['server_port']}", flush=True)
    build_demo().launch(**launch_kwargs())
