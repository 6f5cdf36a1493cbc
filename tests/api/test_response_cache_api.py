"""The served app answers its page, configuration and static files from memory
(explorer.ui.response_cache), and each visitor still gets the addresses of the host it asked."""
import re

import httpx

from explorer.ui.response_cache import ResponseCache


def test_the_page_and_its_configuration_come_from_memory_with_the_askers_root(served, app_url):
    cache = served.app.dle_wrapped
    assert isinstance(cache, ResponseCache)  # outside Gradio's own middleware (gradio_internals)
    with httpx.Client(timeout=60) as http:
        before = cache.stats()
        pages = [http.get(app_url + "/config") for _ in range(3)]
        assert {p.status_code for p in pages} == {200} and len({p.content for p in pages}) == 1
        assert cache.stats()["hits"] - before["hits"] >= 2
        # the root URL Gradio writes into the configuration follows the host a proxy says it was asked
        for host in ("aula-1.example", "aula-2.example", "aula-1.example"):
            cfg = http.get(app_url + "/config", headers={"X-Forwarded-Host": host}).json()
            assert cfg["root"] == f"http://{host}", cfg["root"]
        page = http.get(app_url + "/", headers={"X-Forwarded-Host": "aula-2.example"})
        assert page.status_code == 200 and "http://aula-2.example" in page.text
        # a script compressed once for the browsers that take Brotli, sent as Gradio sends it
        script = re.findall(r'src="\.?/?(assets/[^"]+\.js)"', http.get(app_url + "/").text)[0]
        hits = cache.stats()["hits"]
        br = [http.get(f"{app_url}/{script}", headers={"Accept-Encoding": "br"}) for _ in range(2)]
        assert [r.headers.get("content-encoding") for r in br] == ["br", "br"] and br[0].content == br[1].content
        assert cache.stats()["hits"] > hits
        # kept as sent: compressed (the cache sits outside Gradio's compression, not inside it)
        kept = [start for key, (start, _) in cache.entries.items() if key[2] == f"/{script}" and b"br" in key[-1]]
        assert kept and all(dict(s["headers"]).get(b"content-encoding") == b"br" for s in kept)
