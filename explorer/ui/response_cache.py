"""The page and its static files answered from memory: what every browser and every API client
asks first is the same for all of them, and Gradio computes it again for each.

Measured on the 2-core machine (the app served in-process, a headless Chromium opening the page,
py-spy on the server): a page load cost the server ~1.5 s of CPU, ~0.6 s of it making again what is
the same for every visitor — the page (Gradio's ``main``: a deep copy of the app's 1 MB
configuration and its API description made again) and the ~110 script and style files (read in
64 KB pieces through a thread each, Brotli-compressed again for every browser); each
``gradio_client.Client`` asks for ``/config`` and ``/gradio_api/info`` first (~0.5 s). With this
cache: 0.88-1.05 s per page load against 1.46-1.80 s, side by side; ``/config`` 4 ms.

:class:`ResponseCache` is an ASGI middleware placed outside Gradio's own (its compression
included, see :func:`explorer.ui.gradio_internals.outermost_middleware`): a GET of a path that is
the same for everyone (:func:`cacheable`) is answered with the bytes the app sent the first time,
for requests that would get the same bytes — the key holds the path, the query and every header
Gradio reads to build the page's root URL or to choose a compression. Only a whole 200 answer that
sets no cookie is kept; identical requests that arrive while the first is computed wait for it
instead of computing it beside it. What the app serves per session (files, the queue, uploads) is
never cached. The entries live as long as the process (the app's configuration does not change
once it is launched), up to ``max_bytes``, the least recently used dropped first.
"""
from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Awaitable[None]]

# what a page load and a gradio_client.Client ask for that is the same for every visitor
PAGES = frozenset({"/", "/config", "/config/", "/gradio_api/info", "/gradio_api/info/", "/info", "/theme.css",
                   "/gradio_api/theme.css", "/favicon.ico"})
STATIC_PREFIXES = ("/assets/", "/static/", "/gradio_api/static/")
# request headers that change the answer: the root URL Gradio writes into the page and the
# configuration (gradio/route_utils.py: get_request_origin), and the compression (brotli_middleware)
KEY_HEADERS = (b"host", b"x-forwarded-host", b"x-forwarded-proto", b"x-forwarded-prefix", b"x-gradio-server",
               b"accept-encoding")
# a request that asks for part of a file or for a "has it changed" check is passed through (an app
# with a login is never given this cache: its pages depend on who asks, see gradio_internals)
PASS_HEADERS = (b"range", b"if-none-match", b"if-modified-since")
MAX_BYTES = 64 * 2**20
WAIT_S = 10.0  # the longest a request waits for an identical one's answer before making its own
MAX_ENTRY_BYTES = 16 * 2**20


def cacheable(path: str) -> bool:
    """Whether a GET of ``path`` (the app's root path taken off) is the same for every visitor."""
    return path in PAGES or (path.startswith(STATIC_PREFIXES) and ".." not in path)


def app_path(scope: Scope) -> str:
    """The request's path with the app's root path (a proxy's prefix) taken off."""
    root = scope.get("root_path") or ""
    path = scope.get("path") or ""
    return (path[len(root):] or "/") if root and path.startswith(root) else path


def _key(scope: Scope) -> tuple | None:
    if scope.get("type") != "http" or scope.get("method") != "GET":
        return None
    root = scope.get("root_path") or ""
    path = app_path(scope)
    if not cacheable(path):
        return None
    headers = dict(scope.get("headers") or [])
    if any(h in headers for h in PASS_HEADERS):
        return None
    return (scope.get("scheme"), root, path, scope.get("query_string") or b"",
            *(headers.get(h, b"") for h in KEY_HEADERS))


class ResponseCache:
    """``ResponseCache(app)``: the ASGI app ``app``, its answers to :func:`cacheable` GETs kept."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BYTES, max_entry_bytes: int = MAX_ENTRY_BYTES):
        self.app, self.max_bytes, self.max_entry_bytes = app, max_bytes, max_entry_bytes
        self.entries: OrderedDict[tuple, tuple[Message, bytes]] = OrderedDict()
        self.bytes = 0
        self.hits = self.misses = 0
        self._pending: dict[tuple, asyncio.Event] = {}

    async def __call__(self, scope: Scope, receive, send) -> None:
        key = _key(scope)
        if key is None:
            return await self.app(scope, receive, send)
        while key not in self.entries and key in self._pending:  # the same answer is being made
            try:
                await asyncio.wait_for(self._pending[key].wait(), WAIT_S)
            except TimeoutError:  # never stuck behind a slow one: make it alongside
                return await self.app(scope, receive, send)
        if key in self.entries:
            self.entries.move_to_end(key)
            self.hits += 1
            start, body = self.entries[key]
            await send(start)
            await send({"type": "http.response.body", "body": body, "more_body": False})
            return
        self.misses += 1
        done = self._pending[key] = asyncio.Event()
        try:
            await self._record(key, scope, receive, send)
        finally:
            del self._pending[key]
            done.set()

    async def _record(self, key: tuple, scope: Scope, receive, send) -> None:
        start: Message | None = None
        parts: list[bytes] = []
        size, keep = 0, True

        async def recording_send(message: Message) -> None:
            nonlocal start, size, keep
            if message["type"] == "http.response.start":
                start = message
                names = {name.lower() for name, _ in message.get("headers", [])}
                keep = message.get("status") == 200 and b"set-cookie" not in names
            elif message["type"] == "http.response.body" and keep:
                body = message.get("body", b"")
                size += len(body)
                if size > self.max_entry_bytes:
                    keep = False
                    parts.clear()
                else:
                    parts.append(body)
                if not message.get("more_body", False) and keep and start is not None:
                    self._store(key, start, b"".join(parts))
            await send(message)

        await self.app(scope, receive, recording_send)

    def _store(self, key: tuple, start: Message, body: bytes) -> None:
        # the headers as sent, the length set to the whole body (a streamed answer had none)
        headers = [(n, v) for n, v in start.get("headers", []) if n.lower() not in (b"content-length",
                                                                                 b"transfer-encoding")]
        headers.append((b"content-length", str(len(body)).encode()))
        self.entries[key] = ({"type": "http.response.start", "status": start["status"], "headers": headers}, body)
        self.bytes += len(body)
        while self.bytes > self.max_bytes and self.entries:
            _, (_, old) = self.entries.popitem(last=False)
            self.bytes -= len(old)

    def stats(self) -> dict[str, int]:
        return {"entries": len(self.entries), "bytes": self.bytes, "hits": self.hits, "misses": self.misses}
