"""Every network wait has a deadline: a server that drips its answer cannot hold minedag's own requests."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from minedag.capture.conditional import unchanged
from minedag.capture.guard import Guard, GuardProxy, HostRules
from minedag.capture.model import PreviousCapture
from minedag.urls import UrlPolicy

pytestmark = pytest.mark.slow  # Chromium, Dagster runs, the daemon or a service: `make test-fast` leaves it out

def dripping_server() -> tuple[int, threading.Event]:
    """Answers with headers and then one body byte a second, for ever (until stopped)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    stop = threading.Event()

    def serve() -> None:
        conn, _ = sock.accept()
        conn.recv(4096)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100000\r\n\r\n")
        while not stop.is_set():
            try:
                conn.sendall(b"x")
            except OSError:
                return
            time.sleep(1)

    threading.Thread(target=serve, daemon=True).start()
    return sock.getsockname()[1], stop


def test_a_dripping_server_cannot_hold_the_changed_since_check():
    port, stop = dripping_server()
    proxy = GuardProxy(Guard(UrlPolicy(("drip.test",)), HostRules.parse(f"MAP drip.test 127.0.0.1:{port}"))).start()
    listener = proxy.listen()
    try:
        started = time.monotonic()
        same, status = unchanged("http://drip.test/", PreviousCapture("c", content_hash="abc"), proxy_port=listener.port,
                                 timeout=3)
        took = time.monotonic() - started
    finally:
        stop.set()
        proxy.stop()
    assert not same  # cut off: whatever arrived is not the page it knew
    assert took < 6, took  # the whole exchange has one 3 s deadline; each byte arriving in time does not extend it
