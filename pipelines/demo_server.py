"""A loopback HTTP server for canned payloads: the demo's stand-in for the live APIs.

Routes map a URL path to an answer: either a fixed `(content_type, body)`, or a callable that
takes the request's query string and returns one (None: 404). The callables below cover what
the APIs' paging and query parameters need: `Paged` serves pre-rendered pages by page token
(Mastodon `max_id`, X `next_token`, YouTube `pageToken`...) and `ByParam` picks a route by a
query parameter's value (HN `query`, Bluesky `actor`, YouTube `channelId`...). Both are frozen
dataclasses over bytes, so two renderings of the same corpus compare equal.

GET routes are keyed by path; POST routes (Bluesky's createSession) by "POST /path".
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl

Answer = tuple[str, bytes]  # (content type, body)
Route = Answer | Callable[[str], Answer | None]
Routes = dict[str, Route]


def answer(route: Route, query: str) -> Answer | None:
    """What a route answers for this query string."""
    return route(query) if callable(route) else route


def _param(query: str, name: str) -> str:
    return next((v for k, v in parse_qsl(query, keep_blank_values=True) if k == name), "")


@dataclass(frozen=True)
class Paged:
    """A listing served page by page: `pages` pairs the token that asks for a page with its
    body. The first page also answers when the token parameter is absent; a token that names
    no page (the one after the last page, as Mastodon's `max_id` is) gets `empty`."""

    content_type: str
    param: str
    pages: tuple[tuple[str, bytes], ...]
    empty: bytes

    def __call__(self, query: str) -> Answer:
        token = _param(query, self.param)
        if not token and self.pages:
            return self.content_type, self.pages[0][1]
        body = next((b for t, b in self.pages if t == token), self.empty)
        return self.content_type, body


@dataclass(frozen=True)
class ByParam:
    """One route per query parameter value, keyed "name=value" (e.g. "actor=roulix.bsky.social");
    the first parameter of the request that has a route decides, else `default` (None: 404)."""

    choices: tuple[tuple[str, Route], ...]
    default: Route | None = None

    def __call__(self, query: str) -> Answer | None:
        table = dict(self.choices)
        for name, value in parse_qsl(query, keep_blank_values=True):
            route = table.get(f"{name}={value}")
            if route is not None:
                return answer(route, query)
        return answer(self.default, query) if self.default is not None else None


@dataclass(frozen=True)
class Seen:
    """One request as the server received it (for tests: what did the clients send?)."""

    method: str
    path: str
    query: str
    headers: dict[str, str] = field(compare=False)


def _handler(routes: Routes, log: list[Seen] | None) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "VigieDemo/1"

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)  # the credentials of a login: read, never kept
            self._serve("POST")

        def _serve(self, method: str) -> None:
            path, _, query = self.path.partition("?")
            if log is not None:
                log.append(Seen(method, path, query, dict(self.headers)))
            route = routes.get(path if method == "GET" else f"{method} {path}")
            found = answer(route, query) if route is not None else None
            if found is None:
                self.send_error(404, "no such sample")
                return
            content_type, body = found
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass  # the demo prints its own summary

    return Handler


@contextmanager
def serve(routes: Routes, port: int = 0, log: list[Seen] | None = None) -> Iterator[str]:
    """Serve `routes` on 127.0.0.1 (a free port by default); yields the base URL.

    `routes` is read at each request, so it may be filled once the URL is known. With `log`,
    every request received is appended to it.
    """
    server = ThreadingHTTPServer(("127.0.0.1", port), _handler(routes, log))
    thread = threading.Thread(target=server.serve_forever, name="vigie-demo-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextmanager
def webhook_sink(folder: Path, secret: str) -> Iterator[str]:
    """A local receiver for the demo's alerts: it checks the Standard Webhooks signature,
    keeps each accepted message as `<webhook-id>.json` in `folder`, and refuses the rest."""
    import json

    from pipelines.alerts import sign

    folder.mkdir(parents=True, exist_ok=True)

    class Sink(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            msg_id = self.headers.get("webhook-id", "")
            stamp = self.headers.get("webhook-timestamp", "")
            given = self.headers.get("webhook-signature", "").split()
            if not msg_id or sign(secret, msg_id, stamp, body) not in given:
                self.send_response(401)
                self.end_headers()
                return
            name = "".join(c for c in msg_id if c.isalnum() or c in "_-")
            (folder / f"{name}.json").write_text(
                json.dumps(json.loads(body), indent=2, ensure_ascii=False), encoding="utf-8"
            )
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Sink)
    thread = threading.Thread(target=server.serve_forever, name="vigie-demo-sink", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/alerts"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def serve_demo(folder: Path, *, end: date | None = None, port: int = 0, days: int = 30) -> int:
    """`vigie demo --serve`: serve the demo's sample month until SIGINT/SIGTERM.

    Writes `folder/watchlist.yaml` pointing at this server, so `airflow dags test` (or any
    `vigie` command) can collect from it while it runs; prints the exact commands. It uses the
    sources that need no secret, and runs the demo's signed webhook sink for vigie_alerts.
    Returns 0 on a clean stop: stopping it is the normal way to end it, not an error.
    """
    import signal
    from datetime import UTC, datetime, timedelta

    import yaml

    from pipelines import demo_corpus
    from pipelines.demo import SINK_SECRET, SINK_SECRET_ENV, SINK_URL_ENV, demo_watchlist

    end = end or datetime.now(UTC).date()
    folder = folder.absolute()
    folder.mkdir(parents=True, exist_ok=True)
    posts = demo_corpus.build_corpus(end, days=days)
    stop = threading.Event()

    def _stop(signum: int, frame: object) -> None:
        stop.set()

    previous = {s: signal.signal(s, _stop) for s in (signal.SIGINT, signal.SIGTERM)}
    routes: Routes = {}
    try:
        with (
            serve(routes, port=port) as base_url,
            webhook_sink(folder / "alerts", SINK_SECRET) as sink_url,
        ):
            routes.update(demo_corpus.render_feeds(posts, base_url))
            watchlist = folder / "watchlist.yaml"
            watchlist.write_text(
                "# Written by `vigie demo --serve`: valid while that server runs on this port.\n"
                + yaml.safe_dump(demo_watchlist(base_url), sort_keys=False, allow_unicode=True),
                encoding="utf-8",
            )
            db = folder / "vigie.duckdb"
            last = end - timedelta(days=1)
            print(
                f"serving {len(posts)} sample posts ({len(routes)} endpoints), "
                f"{end - timedelta(days=days)} to {last}, on {base_url}\n"
                f"watchlist: {watchlist}\n"
                f"alerts   : {sink_url} (signed webhooks kept in {folder / 'alerts'})\n\n"
                "Run a DAG against it, from the repository root, in another shell:\n\n"
                f'  export AIRFLOW_HOME="$PWD" VIGIE_CONFIG={watchlist} VIGIE_DB={db}\n'
                f"  export {SINK_URL_ENV}={sink_url} {SINK_SECRET_ENV}={SINK_SECRET}\n"
                "  airflow db migrate && airflow pools import pools.json   # once\n"
                f"  airflow dags test vigie_collect {last}T10:00:00+00:00   # lands 09:00-10:00\n"
                f"  airflow dags test vigie_process {last}T10:05:00+00:00\n"
                f"  airflow dags test vigie_alerts {last}T10:06:00+00:00\n"
                f"  airflow dags test vigie_reports {end}T02:00:00+00:00   # reports {last}\n\n"
                "Or without Airflow:\n\n"
                f"  vigie --config {watchlist} --db {db} collect --date {last}\n\n"
                "Ctrl-C stops the server.",
                flush=True,
            )
            while not stop.wait(0.5):
                pass
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    print("demo server stopped", flush=True)
    return 0
