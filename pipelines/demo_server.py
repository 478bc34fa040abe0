"""A loopback HTTP server for canned payloads: the demo's stand-in for the live APIs."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Routes = dict[str, tuple[str, bytes]]


def _handler(routes: Routes) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "VigieDemo/1"

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path not in routes:
                self.send_error(404, "no such sample")
                return
            content_type, body = routes[path]
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass  # the demo prints its own summary

    return Handler


@contextmanager
def serve(routes: Routes, port: int = 0) -> Iterator[str]:
    """Serve `routes` on 127.0.0.1 (a free port by default); yields the base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", port), _handler(routes))
    thread = threading.Thread(target=server.serve_forever, name="vigie-demo-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
