"""explorer.ui.classroom: the shared link, the page address for the QR code, the QR code itself."""
import numpy as np
import pytest

from explorer.tabs import TAB_IDS
from explorer.ui import classroom as cl


def test_parse_query_reads_tab_lang_presenter_and_ignores_the_rest():
    r = cl.parse_query({"tab": "diffusion", "lang": "en", "presenter": "1", "x": "y"})
    assert (r.tab, r.lang, r.presenter) == ("diffusion", "en", True)
    r = cl.parse_query({"tab": "../etc", "lang": "fr", "presenter": "no"})
    assert (r.tab, r.lang, r.presenter) == (None, None, False)
    assert cl.parse_query({}) == cl.Restore()
    assert cl.parse_query({"tab": "archive"}).tab == "archive"  # "Mi archivo", a tab of its own (issue 18)


def test_share_url_round_trips_through_parse_query():
    from urllib.parse import parse_qsl, urlsplit

    url = cl.share_url("http://192.168.1.5:7860/?old=1#frag", "attention", "es", True)
    parts = urlsplit(url)
    assert parts.netloc == "192.168.1.5:7860" and not parts.fragment
    assert cl.parse_query(dict(parse_qsl(parts.query))) == cl.Restore("attention", "es", True)
    assert urlsplit(cl.share_url("http://h/", None, "en", False)).query == "lang=en"


def test_page_url_swaps_loopback_for_the_lan_address_only_when_listening_on_all():
    assert cl.page_url("http://127.0.0.1:7860/?tab=train", True, lan="10.0.0.7") == "http://10.0.0.7:7860/?tab=train"
    assert cl.page_url("http://localhost:7860/", True, lan="10.0.0.7") == "http://10.0.0.7:7860/"
    assert cl.page_url("http://127.0.0.1:7860/", False, lan="10.0.0.7") == "http://127.0.0.1:7860/"
    # a real address (a Space, a LAN address) is kept
    assert cl.page_url("https://user-dle.hf.space/", True, lan="10.0.0.7") == "https://user-dle.hf.space/"


@pytest.mark.parametrize("bad", ["javascript:alert(1)", "file:///etc/passwd", "", None, 12, "http://",
                                 "http://x/" + "a" * 3000])
def test_page_url_refuses_what_is_not_a_web_address(bad):
    with pytest.raises(ValueError):
        cl.page_url(bad, True, lan="10.0.0.7")


def test_lan_host_is_an_address_or_none():
    import ipaddress

    ip = cl.lan_host()
    assert ip is None or not ipaddress.ip_address(ip).is_loopback


def test_qr_image_is_a_square_code_with_a_quiet_zone():
    img = cl.qr_image("http://10.0.0.7:7860/", scale=4)
    a = np.asarray(img)
    assert img.width == img.height and img.width % 4 == 0
    assert a[:16].min() == 255 and a[:, :16].min() == 255  # 4 white modules around
    assert 0.2 < (a == 0).mean() < 0.6  # and a code inside (about half the modules are dark)
    # the three finder patterns: a dark 7 × 7-module square in three corners, not in the fourth
    m = a[16:-16:4, 16:-16:4]  # one pixel per module, quiet zone removed
    for corner in (m[:7, :7], m[:7, -7:], m[-7:, :7]):
        assert (corner[0] == 0).all() and (corner[:, 0] == 0).all() and (corner[2:5, 2:5] == 0).all()
    assert not (m[-7:, -7:][0] == 0).all()


def test_relabel_script_knows_every_tab_in_both_languages():
    from explorer.i18n import TEXT

    js = cl.relabel_tabs_js()
    for tid in TAB_IDS:
        assert TEXT["es"][f"tab_{tid}"] in js and TEXT["en"][f"tab_{tid}"] in js


def test_share_url_carries_the_tabs_settings_and_stays_short():
    from urllib.parse import parse_qsl, urlsplit

    url = cl.share_url("http://h:7860/", "attention", "es", False,
                       settings={"att-layer": "2", "att-text": "a & b", "tab": "evil", "lang": "fr"})
    q = dict(parse_qsl(urlsplit(url).query))
    assert q == {"tab": "attention", "lang": "es", "att-layer": "2", "att-text": "a & b"}
    # a text that would make the link too long for a QR code or a chat message is left out, not the rest
    url = cl.share_url("http://h:7860/", "attention", "es", False, settings={"att-layer": "2", "att-text": "x" * 3000})
    assert len(url) <= cl.MAX_URL and dict(parse_qsl(urlsplit(url).query))["att-layer"] == "2"
    assert "att-text" not in url


def test_every_button_the_presenters_keys_press_is_on_the_page():
    """The presenter's keys (KEYS_JS) click buttons by elem_id: each must exist on the page built from
    the header and the tab registry (Escape pressed "#filters-max-stop" while the button was
    "filters-mx-stop", so it never stopped a maximisation)."""
    import importlib
    import re

    import gradio as gr

    from explorer.session import SessionStore
    from explorer.tabs import TABS
    from explorer.ui import gradio_internals

    with gr.Blocks() as demo:
        lang = gr.Radio(["es", "en"], value="en")
        cl.build_panel(cl.build_controls())  # the header: the keys' help toggle is there
        with gr.Tabs():
            for tab in TABS:
                importlib.import_module(f"explorer.ui.{tab.id}").build(SessionStore(), lang)
    ids = {getattr(b, "elem_id", None) for b in gradio_internals.all_blocks(demo)}
    wanted = set(re.findall(r'"#([a-z0-9-]+)"', cl.KEYS_JS))
    assert wanted and not wanted - ids, sorted(wanted - ids)
