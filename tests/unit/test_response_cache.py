"""explorer.ui.response_cache: the page, its configuration and static files answered from memory,
only for requests that would get the same bytes."""
import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest

from explorer.ui.response_cache import ResponseCache, cacheable


def run(coro):
    """``asyncio.run`` in a thread of its own: in `make test` this process may already run an event
    loop on its main thread (Playwright's sync API, kept by the browser tests' session fixture)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


class Inner:
    """An ASGI app that counts its calls and answers with the request's path, query and host."""

    def __init__(self, status=200, headers=(), chunks=2, delay=0.0):
        self.calls, self.status, self.headers, self.chunks, self.delay = 0, status, list(headers), chunks, delay

    async def __call__(self, scope, receive, send):
        self.calls += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        hdrs = dict(scope["headers"])
        body = f"{scope['path']}?{scope['query_string'].decode()} {hdrs.get(b'host', b'').decode()} " \
               f"{hdrs.get(b'accept-encoding', b'').decode()} #{self.calls}".encode()
        await send({"type": "http.response.start", "status": self.status,
                    "headers": [(b"content-type", b"text/plain"), *self.headers]})
        for i in range(self.chunks):
            await send({"type": "http.response.body", "body": body if i == 0 else b"!",
                        "more_body": i < self.chunks - 1})


async def fetch(app, path="/config", query=b"", method="GET", **headers):
    """(status, headers, body) of one request to ``app``; ``host`` and other headers as keywords."""
    hdrs = {"host": "127.0.0.1:7860", **{k.replace("_", "-"): v for k, v in headers.items()}}
    scope = {"type": "http", "method": method, "path": path, "query_string": query, "scheme": "http",
             "root_path": "", "headers": [(k.encode(), v.encode()) for k, v in hdrs.items()]}
    sent = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    await app(scope, receive, send)
    return sent[0]["status"], dict(sent[0]["headers"]), b"".join(m.get("body", b"") for m in sent[1:])


def request(app, *args, **kwargs):
    """:func:`fetch`, one request on its own."""
    return run(fetch(app, *args, **kwargs))


def test_a_page_asked_twice_is_made_once_and_answered_whole():
    inner = Inner()
    app = ResponseCache(inner)
    first, second = request(app), request(app)
    assert inner.calls == 1 and first[2] == second[2] == b"/config? 127.0.0.1:7860  #1!"
    assert second[1][b"content-length"] == str(len(second[2])).encode()
    assert app.stats() == {"entries": 1, "bytes": len(first[2]), "hits": 1, "misses": 1}


@pytest.mark.parametrize("change", [dict(path="/"), dict(query=b"tab=train"), dict(host="10.0.0.5:7860"),
                                    dict(x_forwarded_host="clase.example"), dict(x_forwarded_proto="https"),
                                    dict(accept_encoding="br")])
def test_what_changes_the_answer_is_in_the_key(change):
    inner = Inner()
    app = ResponseCache(inner)
    request(app)
    request(app, **change)
    assert inner.calls == 2
    request(app, **change)
    assert inner.calls == 2


@pytest.mark.parametrize("path", ["/gradio_api/queue/join", "/gradio_api/file=/tmp/x.png", "/gradio_api/upload",
                                  "/gradio_api/heartbeat/abc", "/assets/../secret"])
def test_what_a_session_gets_is_never_kept(path):
    inner = Inner()
    app = ResponseCache(inner)
    request(app, path=path)
    request(app, path=path)
    assert inner.calls == 2 and not cacheable(path)


def test_only_whole_answers_without_a_cookie_are_kept_and_only_for_plain_gets():
    for inner in (Inner(status=404), Inner(status=500), Inner(headers=[(b"set-cookie", b"a=b")])):
        app = ResponseCache(inner)
        request(app), request(app)
        assert inner.calls == 2
    inner = Inner()
    app = ResponseCache(inner)
    request(app, method="HEAD"), request(app, method="POST"), request(app, range="bytes=0-9"),
    request(app, if_none_match='"x"')
    assert inner.calls == 4
    big = Inner(chunks=3)
    app = ResponseCache(big, max_entry_bytes=10)
    assert request(app)[2] == request(app)[2].replace(b"#2", b"#1") and big.calls == 2  # too big to keep


def test_identical_requests_at_once_wait_for_the_first_answer():
    inner = Inner(delay=0.2)
    app = ResponseCache(inner)

    async def many():
        return await asyncio.gather(*(fetch(app) for _ in range(30)))

    outs = run(many())
    assert inner.calls == 1 and len({body for _, _, body in outs}) == 1 and len(outs) == 30


def test_the_least_recently_used_go_first_past_the_bound():
    inner = Inner(chunks=1)
    size = len(request(ResponseCache(Inner(chunks=1)), path="/assets/a.js")[2])
    app = ResponseCache(inner, max_bytes=2 * size + 1)
    for name in ("a", "b", "a", "c"):  # c pushes out b, the least recently used
        request(app, path=f"/assets/{name}.js")
    assert app.stats()["entries"] == 2 and inner.calls == 3
    request(app, path="/assets/a.js")
    assert inner.calls == 3
    request(app, path="/assets/b.js")
    assert inner.calls == 4


def test_a_request_that_waited_too_long_makes_its_own_answer_kept_once(monkeypatch):
    from explorer.ui import response_cache

    monkeypatch.setattr(response_cache, "WAIT_S", 0.05)
    inner = Inner(delay=0.3, chunks=1)
    app = ResponseCache(inner)

    async def two():
        return [status for status, _, _ in await asyncio.gather(fetch(app), fetch(app))]

    assert run(two()) == [200, 200] and inner.calls == 2
    assert app.stats()["entries"] == 1 and app.bytes == len(app.entries[next(iter(app.entries))][1])
