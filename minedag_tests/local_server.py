"""A throw-away HTTP server on 127.0.0.1 whose answers a test writes as a function of the path."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# path -> (status, content type, body), or None to drop the connection without an answer
Answer = Callable[[str], tuple[int, str, bytes] | None]


@contextmanager
def local_server(answer: Answer) -> Iterator[int]:
    """Serve ``answer`` on an ephemeral port (yielded) until the block ends."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802
            reply = answer(self.path)
            if reply is None:
                self.connection.close()
                return
            status, content_type, body = reply
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


HTML = "text/html; charset=utf-8"
