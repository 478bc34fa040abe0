"""A scriptable HTTP server on 127.0.0.1 for connector tests: each path answers from a queue.

GET and POST are both answered from the path's queue; GETs are recorded in `requests`
(path with query string, headers) and POSTs in `posts` (path, headers, body).
"""

from __future__ import annotations

import threading
from collections import defaultdict, deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class Script:
    """Replies per path, consumed in order; the last one repeats. Requests are recorded."""

    replies: dict[str, deque[Reply]] = field(default_factory=lambda: defaultdict(deque))
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    posts: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)

    def on(self, path: str, *replies: Reply) -> None:
        self.replies[path].extend(replies)

    def next(self, path: str) -> Reply:
        queue = self.replies.get(path)
        if not queue:
            return Reply(404, b"not found")
        return queue.popleft() if len(queue) > 1 else queue[0]


@contextmanager
def loopback() -> Iterator[tuple[str, Script]]:
    script = Script()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            script.requests.append((self.path, dict(self.headers)))
            self._answer()

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            script.posts.append((self.path, dict(self.headers), self.rfile.read(length)))
            self._answer()

        def _answer(self) -> None:
            reply = script.next(self.path.split("?")[0])
            if reply.delay:
                threading.Event().wait(reply.delay)
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", script
    finally:
        server.shutdown()
        server.server_close()
