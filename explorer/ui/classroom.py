"""What a teacher needs around the tabs: presenter mode (larger type, advanced controls hidden),
keyboard shortcuts, a shareable link that reopens the same tab in the same language and mode
(URL query parameters), and a QR code of the app's address for a class on the same network.

Pure helpers (``lan_host``, ``page_url``, ``qr_image``, ``parse_query``, ``share_url``) are tested
without a browser; ``build`` lays out the header controls and ``wire`` connects them.
"""
from __future__ import annotations

import datetime
import inspect
import io
import ipaddress
import re
import socket
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import gradio as gr
from PIL import Image

from explorer import export, share
from explorer.i18n import t
from explorer.tabs import TAB_IDS
from explorer.ui import share as share_ui
from explorer.ui.common import L, lang_of
from explorer.ui.components import OutputImage
from explorer.ui.gradio_internals import children, component_id

LANGS = ("es", "en")
MAX_URL = 2000  # longer "page addresses" sent to /qr are refused

# Presenter mode: the page's type scale up a third, advanced controls (elem_classes "dle-advanced")
# hidden. Gradio's theme sizes text with these variables, which descendants inherit.
PRESENTER_CSS = """
body.dle-presenter { --text-xxs: 12px; --text-xs: 14px; --text-sm: 16px; --text-md: 19px; --text-lg: 22px;
  --text-xl: 26px; --text-xxl: 30px; --block-label-text-size: 16px; --block-info-text-size: 15px;
  --section-header-text-size: 19px; }
body.dle-presenter .prose { font-size: 19px; }
body.dle-presenter .dle-advanced { display: none !important; }
#dle-keys-help kbd { border: 1px solid #bbb; border-radius: 4px; padding: 0 5px; font-size: 0.9em; }
"""

SET_PRESENTER_JS = """
(on) => { document.body.classList.toggle("dle-presenter", !!on); return on; }
"""


# Keyboard shortcuts. Ignored while typing in a field. Each clicks a button of the visible tab
# (elements hidden with the other tabs have no offsetParent), so the same key means "the next
# step" wherever it has a meaning.
KEYS_JS = r"""
() => {
  const visible = (sel) => [...document.querySelectorAll(sel)].find((e) => e.offsetParent !== null);
  const click = (sel) => { const b = visible(sel); if (b && !b.disabled) { b.click(); return true; } return false; };
  const keys = {
    "t": () => click("#train-start"),
    "Escape": () => ["#train-stop", "#dif-pause", "#adv-stop", "#sweep-stop", "#filters-mx-stop",
                     "#sal-stop", "#emb-stop", "#arch-stop"].map(click).some(Boolean),
    "p": () => click("#dif-play"),
    "n": () => click("#dif-step"),
    "ArrowRight": () => click("#dif-forward-frame") || click("#dif-step"),
    "ArrowLeft": () => click("#dif-back-frame"),
    "a": () => click("#dif-animate"),
    "]": () => click(".dle-next-preset"),
    "?": () => click("#dle-keys-toggle"),
  };
  document.addEventListener("keydown", (ev) => {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const tag = (ev.target && ev.target.tagName) || "";
    if (["INPUT", "TEXTAREA", "SELECT"].includes(tag) || (ev.target && ev.target.isContentEditable)) return;
    const act = keys[ev.key];
    if (act && act()) ev.preventDefault();
  });
}
"""

# Between restoring the settings that drive others (a preset, an image source) and the rest, when
# the link set one (``drove``): wait until their handlers have redrawn the page — no change for
# 600 ms, progress timers aside — at most 6 s.
SETTLE_JS = """
async (drove) => {
  if (!drove) return [];
  await new Promise((resolve) => {
    let quiet = null, cap = null;
    const ignored = ".progress-text, .meta-text, .meta-text-center, .eta-bar, .wrap.hide";
    const mo = new MutationObserver((ms) => {
      const real = ms.some((m) => { const el = m.target.nodeType === 1 ? m.target : m.target.parentElement;
                                   return m.type !== "characterData" && el && !el.closest(ignored); });
      if (real) { clearTimeout(quiet); quiet = setTimeout(done, 600); }
    });
    function done() { mo.disconnect(); clearTimeout(quiet); clearTimeout(cap); resolve(); }
    mo.observe(document.body, {subtree: true, childList: true, attributes: true, characterData: true});
    quiet = setTimeout(done, 600); cap = setTimeout(done, 6000);
  });
  return [];
}
"""

# the page's query string ("" without one: the box keeps its value and nothing is restored)
QUERY_JS = "() => window.location.search.length > 1 ? window.location.search : ''"

RESTORE_TAB_JS = """
() => {
  const tab = new URLSearchParams(window.location.search).get("tab");
  if (tab && /^[a-z]+$/.test(tab)) {
    setTimeout(() => { const b = document.getElementById("tab-" + tab + "-button"); if (b) b.click(); }, 300);
  }
  return [];
}
"""

def relabel_tabs_js() -> str:
    """Page-start JS: mark the JSON summaries as advanced (hidden in presenter mode) and keep every
    tab button's label (tabs and the Filters tab's sub-tabs, keys
    ``tab_<id>`` and ``<tab>_sub_<name>``) in the page's language. Gradio's ``changeLocale`` relabels only the
    buttons on screen at the switch (seen on 6.31): the others, and sub-tabs drawn later when
    their tab opens, keep the old language. A button is recognised by its text in either language;
    the language is the one SET_LOCALE_JS records on <html data-dle-lang>."""
    import json

    from explorer.i18n import TEXT

    keys = sorted(k for k in TEXT["en"] if k.startswith("tab_") or "_sub_" in k)
    pairs = [[TEXT["es"][k], TEXT["en"][k]] for k in keys]
    advanced = sorted({TEXT[lang]["json_label"] for lang in LANGS})
    return ("() => { const P = " + json.dumps(pairs, ensure_ascii=False) + ";"
            " const A = " + json.dumps(advanced, ensure_ascii=False) + ";"
            " const relabel = () => {"
            # the JSON summaries are advanced: presenter mode hides them (found by their label)
            " for (const w of document.querySelectorAll('.label-wrap')) { const txt = w.textContent.trim();"
            " if (A.some((a) => txt.startsWith(a))) { const blk = w.closest('.block');"
            " if (blk) blk.classList.add('dle-advanced'); } }"
            " const lang = document.documentElement.getAttribute('data-dle-lang');"
            " const to = lang === 'es' ? 0 : lang === 'en' ? 1 : -1; if (to < 0) return;"
            " for (const b of document.querySelectorAll('[role=tab]')) {"
            " const txt = b.textContent.trim(); const p = P.find((q) => q[0] === txt || q[1] === txt);"
            # the text node itself is edited (not replaced): Svelte keeps writing its labels into it
            # when it redraws a button, and the observer (characterData) relabels them again
            " const node = [...b.childNodes].find((n) => n.nodeType === 3 && n.data.trim());"
            " if (p && node && txt !== p[to]) node.data = p[to]; } };"
            " let pending = false; new MutationObserver(() => { if (!pending) { pending = true;"
            " setTimeout(() => { pending = false; relabel(); }, 30); } })"
            ".observe(document.body, {childList: true, subtree: true, characterData: true, attributes: false});"
            " new MutationObserver(relabel).observe(document.documentElement, {attributes: true,"
            " attributeFilter: ['data-dle-lang']}); }")


# The share and QR buttons send the page's own address (as the browser sees it) to the server.
PAGE_URL_JS = "(...args) => [...args.slice(0, -1), window.location.href]"
# the share button's: the address is its 4th input (after the tab, the language, presenter mode)
SHARE_URL_JS = "(...args) => [...args.slice(0, 3), window.location.href, ...args.slice(4)]"
# the export button's: the 3rd (after the tab and the language)
EXPORT_URL_JS = "(...args) => [...args.slice(0, 2), window.location.href, ...args.slice(3)]"
EXPORT_KEEP_S = 3600  # exported pages older than this are deleted at the next export


def export_dir() -> Path:
    """A fresh folder for one exported page (Gradio copies it into its own cache to serve it);
    folders of earlier exports older than EXPORT_KEEP_S are removed first."""
    import shutil
    import tempfile
    import time

    root = Path(tempfile.gettempdir()) / "dle-exports"
    root.mkdir(exist_ok=True)
    for old in root.iterdir():
        try:
            if time.time() - old.stat().st_mtime > EXPORT_KEEP_S:
                shutil.rmtree(old, ignore_errors=True)
        except OSError:
            pass
    return Path(tempfile.mkdtemp(dir=root))


def lan_host() -> str | None:
    """This machine's address on the local network (the one a phone in the classroom can reach),
    or None. A UDP "connect" sends nothing; it only asks the kernel which interface it would use."""
    for probe in ("10.255.255.255", "192.168.255.255"):
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.connect((probe, 1))
                ip = s.getsockname()[0]
            if not ipaddress.ip_address(ip).is_loopback:
                return ip
        except OSError:
            continue
    return None


def _is_local(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host in ("localhost", "")


def page_url(href: Any, listening_on_all: bool, lan: str | None = None) -> str:
    """The address to show as a QR code: the page's own, unless it is a loopback address and the
    server listens on every interface, in which case the LAN address replaces the host (a phone
    cannot open "localhost"). Only http(s) addresses; anything else raises ValueError."""
    if not isinstance(href, str) or not href or len(href) > MAX_URL:
        raise ValueError("bad url")
    parts = urlsplit(href.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("bad url")
    host = parts.hostname
    if _is_local(host) and listening_on_all:
        lan = lan if lan is not None else lan_host()
        if lan:
            netloc = lan + (f":{parts.port}" if parts.port else "")
            parts = parts._replace(netloc=netloc)
    return urlunsplit(parts._replace(fragment=""))


def qr_image(text: str, scale: int = 8) -> Image.Image:
    """``text`` as a QR code (error correction M), black on white with the standard quiet zone."""
    import segno

    buf = io.BytesIO()
    segno.make(text, error="m", micro=False).save(buf, kind="png", scale=scale, border=4)
    buf.seek(0)
    return Image.open(buf).convert("L")


@dataclass
class Restore:
    """What a shared link asks for; None where it says nothing (or something invalid)."""

    tab: str | None = None
    lang: str | None = None
    presenter: bool | None = None


def parse_query(params: Mapping[str, str]) -> Restore:
    """Read ``?tab=diffusion&lang=en&presenter=1``; unknown or invalid values are ignored (a link is
    advice, not a command: a bad one opens the default page)."""
    tab = params.get("tab")
    lang = params.get("lang")
    pres = params.get("presenter")
    return Restore(tab=tab if tab in TAB_IDS else None, lang=lang if lang in LANGS else None,
                   presenter=None if pres is None else pres.lower() in ("1", "true", "yes", "on"))


def share_url(href: str, tab: str | None, lang: str | None, presenter: bool,
              settings: Mapping[str, str] | None = None) -> str:
    """The page's address with the query parameters that reopen it as it is now: the tab, the
    language, presenter mode and the tab's ``settings`` (``explorer.share.changed``: the controls
    that differ from their defaults, by key). Settings that would make the address longer than
    MAX_URL are left out, the longest first."""
    parts = urlsplit(href)
    query = {}
    if tab in TAB_IDS:
        query["tab"] = tab
    if lang in LANGS:
        query["lang"] = lang
    if presenter:
        query["presenter"] = "1"
    if settings:
        own = {k: v for k, v in settings.items() if k not in query and k not in share.RESERVED}
        base = len(urlunsplit(parts._replace(query=urlencode(query), fragment=""))) + 1
        query.update(share.fit(own, MAX_URL - base))
    return urlunsplit(parts._replace(query=urlencode(query), fragment=""))


# ------------------------------------------------------------------------------------------------ UI

@dataclass
class Header:
    presenter: gr.Checkbox
    share: gr.Button
    qr: gr.Button
    keys_toggle: gr.Button
    panel: gr.Column
    qr_img: gr.Image
    link: gr.Textbox
    keys_help: gr.Markdown
    current_tab: gr.State
    export: gr.Button
    export_file: gr.File


def build_controls() -> dict:
    """The header's classroom controls (inside the caller's column)."""
    presenter = gr.Checkbox(False, label=L("cls_presenter"), elem_id="dle-presenter", container=False)
    with gr.Row():
        share = gr.Button(L("cls_share"), size="sm", elem_id="dle-share", min_width=56)
        qr = gr.Button(L("cls_qr"), size="sm", elem_id="dle-qr", min_width=44)
        export = gr.Button(L("cls_export"), size="sm", elem_id="dle-export", min_width=72)
        keys_toggle = gr.Button("?", size="sm", elem_id="dle-keys-toggle", min_width=36)
    return dict(presenter=presenter, share=share, qr=qr, export=export, keys_toggle=keys_toggle)


def build_panel(controls: dict) -> Header:
    """The panel the controls open (the link, the QR code, the shortcuts), hidden until asked for,
    under the header."""
    with gr.Column(visible=False, elem_id="dle-classroom-panel") as panel, gr.Row(equal_height=False):
        qr_img = OutputImage(label=L("cls_qr_label"), interactive=False, visible=False, elem_id="dle-qr-image",
                             height=300, format="png", buttons=["download", "fullscreen"], scale=1)
        with gr.Column(scale=3):
            link = gr.Textbox(label=L("cls_link_label"), interactive=False, buttons=["copy"], elem_id="dle-link")
            keys_help = gr.Markdown(L("cls_keys_help"), elem_id="dle-keys-help", visible=False)
            export_file = gr.File(label=L("cls_export_label"), interactive=False, visible=False,
                                  elem_id="dle-export-file")
            close = gr.Button(L("cls_close"), size="sm", elem_id="dle-panel-close")
    close.click(lambda: gr.Column(visible=False), None, panel, api_visibility="private", queue=False,
                show_progress="hidden")
    return Header(controls["presenter"], controls["share"], controls["qr"], controls["keys_toggle"], panel, qr_img,
                  link, keys_help, gr.State(None), controls["export"], export_file)


def _signature(names: list[str], required: int) -> inspect.Signature:
    """A handler's signature as Gradio's API shows it: the first ``required`` parameters, then
    optional ones (an API caller sends only the settings or figures it means)."""
    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    return inspect.Signature([inspect.Parameter(n, kind) if i < required else inspect.Parameter(n, kind, default=None)
                              for i, n in enumerate(names)])


def wire(demo: gr.Blocks, h: Header, tabs: gr.Tabs, lang: gr.Radio, listening_on_all: bool) -> None:
    """Connect the header to the page: restore from the link on load, keep track of the open tab,
    and answer the share, QR and help buttons."""
    for tab_block in children(tabs):
        tab_id = getattr(tab_block, "id", None)
        if tab_id in TAB_IDS:
            tab_block.select(lambda tid=tab_id: tid, None, h.current_tab, api_visibility="private", queue=False,
                             show_progress="hidden")

    # The tab's settings (explorer.ui.share): those that drive others first, the rest after their
    # handlers have run, then the tab is opened (its first view is drawn with the restored values).
    settings = share_ui.registry(demo, tabs, TAB_IDS)
    first_ids = share_ui.drivers(demo, settings)
    first = [s for s in settings if component_id(s.comp) in first_ids]
    rest = [s for s in settings if component_id(s.comp) not in first_ids]
    first_keys = {(s.tab, s.field.key) for s in first}
    plan = gr.State(None)  # (tab, the other settings' values, whether a driver was set)
    drove_flag = gr.Checkbox(False, visible=False, elem_id="dle-restore-drove")  # read by SETTLE_JS

    def restore(query: str):
        params = dict(urllib.parse.parse_qsl(query.lstrip("?") if isinstance(query, str) else ""))
        r = parse_query(params)
        values = share.read([s.field for s in settings if s.tab == r.tab], params) if r.tab else {}
        drove = any((r.tab, k) in first_keys for k in values)
        later = {k: v for k, v in values.items() if (r.tab, k) not in first_keys}
        return [r.tab or gr.skip(), r.presenter if r.presenter is not None else gr.skip(),
                (r.tab, later, drove) if later or drove else None, drove] + share_ui.values_for(
            first, r.tab, values, defaults=False)

    def restore_rest(plan_v):
        if not plan_v:
            return [gr.skip()] * len(rest)
        tab, later, drove = plan_v
        # after a driver (a preset) has set its controls, the others go back to what the link says:
        # its value, or the default it left out
        return share_ui.values_for(rest, tab, later, defaults=drove)

    # The tab is opened by clicking its button (as a user would), not with gr.Tabs(selected=...):
    # that update left the other tabs' labels in the browser's language after a language switch.
    # Only a page opened with a query runs it: a page's browser keeps the loading status of every
    # input and output of every event it has run, and refreshes them all at each later event (each
    # by a walk of the whole component tree, in Gradio 6's Blocks.update_loading_stati_state):
    # restore_rest's 154 outputs made every page load cost 1.4 s more of the browser's time, and
    # every click after it more. The address reaches the server as the hidden box's change.
    quiet = dict(api_visibility="private", queue=False, show_progress="hidden")
    query = gr.Textbox("", visible=False, elem_id="dle-query")
    demo.load(None, None, [query], js=QUERY_JS, **quiet)
    first_outs = [h.current_tab, h.presenter, plan, drove_flag] + [s.comp for s in first]
    query.change(restore, [query], first_outs, **quiet).then(
        None, [drove_flag], None, js=SETTLE_JS, **quiet).then(
        restore_rest, [plan], [s.comp for s in rest], **quiet).then(
        None, None, None, js=RESTORE_TAB_JS, **quiet)
    h.presenter.change(None, [h.presenter], None, js=SET_PRESENTER_JS)

    def share_link(tab_id, lang_v, presenter_v, href, *values):
        """The page's address with ?tab=…&lang=…&presenter=… and the open tab's settings that differ
        from their defaults, so a student opens what the teacher shows. Over the API the tab is the
        one named in ``href`` (?tab=…), else the first."""
        lang_v = lang_of(lang_v)
        try:
            base = page_url(href, listening_on_all)
        except ValueError:
            raise gr.Error(t(lang_v, "err_cls_url"), print_exception=False) from None
        if tab_id not in TAB_IDS:
            tab_id = parse_query(dict(parse_qsl(urlsplit(base).query))).tab or TAB_IDS[0]
        mine = [(s.field, v) for s, v in zip(settings, values) if s.tab == tab_id]
        query = share.changed([f for f, _ in mine], [v for _, v in mine])
        url = share_url(base, tab_id, lang_v, presenter_v is True, settings=query)
        return (gr.Column(visible=True), gr.Textbox(value=url, visible=True), gr.Image(visible=False),
                gr.Markdown(visible=False), gr.File(visible=False))

    # its API parameters named after the settings (train_epochs_label, attention_att_text, ...)
    names = ["tab_id", "lang_v", "presenter_v", "href"]
    for i, s in enumerate(settings):
        names.append(s.param if s.param not in names else f"setting_{i}")
    share_link.__signature__ = _signature(names, required=4)

    def qr_code(lang_v, href):
        """A QR code of the app's address (on a LAN, the machine's network address, not localhost)."""
        lang_v = lang_of(lang_v)
        try:
            url = page_url(href, listening_on_all)
        except ValueError:
            raise gr.Error(t(lang_v, "err_cls_url"), print_exception=False) from None
        url = urlunsplit(urlsplit(url)._replace(query=""))
        return (gr.Column(visible=True), gr.Textbox(value=url, visible=True),
                gr.Image(value=qr_image(url), visible=True), gr.Markdown(visible=False), gr.File(visible=False))

    def keys_help_toggle(shown_v):
        return (gr.Column(visible=True), gr.skip(), gr.Image(visible=False), gr.Markdown(visible=not shown_v),
                gr.File(visible=False))

    plots = share_ui.plots(tabs, TAB_IDS)

    def export_html(tab_id, lang_v, href, *values):
        """Every Plotly figure the open tab shows, in one self-contained HTML file (plotly.js inside:
        it opens offline). Over the API the tab is the one named in ``href`` (?tab=…), else the
        first; a tab with no figure yet gets a message."""
        lang_v = lang_of(lang_v)
        if tab_id not in TAB_IDS:
            try:
                tab_id = parse_query(dict(parse_qsl(urlsplit(page_url(href, False)).query))).tab
            except ValueError:
                tab_id = None
            tab_id = tab_id or TAB_IDS[0]
        figures = []
        for (tab, comp), value in zip(plots, values):
            if tab != tab_id:
                continue
            try:
                payload = export.figure_payload(value)
            except export.ExportError as err:
                raise gr.Error(t(lang_v, "err_export_bad_plot", detail=err.kind), print_exception=False) from None
            if payload is not None:
                key = share_ui.label_key(comp)
                figures.append((t(lang_v, key) if key else (comp.elem_id or ""), payload))
        tab_name = t(lang_v, f"tab_{tab_id}")
        if not figures:
            raise gr.Error(t(lang_v, "err_export_no_plot", tab=tab_name), print_exception=False)
        when = datetime.datetime.now()
        date = when.strftime(t(lang_v, "export_date_fmt"))
        try:
            page = export.html_page(figures, t(lang_v, "export_title", tab=tab_name, date=date),
                                    t(lang_v, "export_subtitle", n=len(figures), date=date), lang_v)
        except export.ExportError as err:
            raise gr.Error(t(lang_v, "err_export_bad_plot", detail=err.kind), print_exception=False) from None
        path = export_dir() / export.file_name(tab_id, when)
        path.write_text(page, encoding="utf-8")
        return (gr.Column(visible=True), gr.Textbox(visible=False), gr.Image(visible=False), gr.Markdown(visible=False),
                gr.File(value=str(path), visible=True))

    names = ["tab_id", "lang_v", "href"] + [re.sub(r"\W", "_", f"{tab}_{c.elem_id or i}") for i, (tab, c) in
                                            enumerate(plots)]
    export_html.__signature__ = _signature(names, required=3)

    outs = [h.panel, h.link, h.qr_img, h.keys_help, h.export_file]
    h.share.click(share_link, [h.current_tab, lang, h.presenter, h.link] + [s.comp for s in settings], outs,
                  js=SHARE_URL_JS, api_name="share_link", show_progress="hidden")
    h.qr.click(qr_code, [lang, h.link], outs, js=PAGE_URL_JS, api_name="qr_code", show_progress="hidden")
    h.export.click(export_html, [h.current_tab, lang, h.link] + [c for _, c in plots], outs, js=EXPORT_URL_JS,
                   api_name="export_html", show_progress="minimal", show_progress_on=[h.export])
    keys_shown = gr.State(False)
    h.keys_toggle.click(keys_help_toggle, [keys_shown], outs, api_visibility="private", queue=False,
                        show_progress="hidden").then(lambda v: not v, [keys_shown], [keys_shown], queue=False,
                                                     api_visibility="private")
