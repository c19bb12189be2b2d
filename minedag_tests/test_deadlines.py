"""Every network wait has a deadline: a server that drips its answer cannot hold minedag's own requests."""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import pytest

from minedag.capture import CaptureOptions, capture_urls
from minedag.capture.conditional import unchanged
from minedag.capture.guard import Guard, GuardProxy, HostRules
from minedag.capture.model import PreviousCapture
from minedag.capture.politeness import PolitenessRules
from minedag.urls import UrlPolicy
from minedag_tests.local_server import HTML, local_server

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


CORPUS = Path(os.environ.get("MINEDAG_CORPUS", Path(__file__).resolve().parents[2] / "shared" / "corpus"))
BIG_PAGE = CORPUS / "extruct" / "samples" / "misc" / "opengraph_ns_product_test.html"  # 902 KB, 1,644 links


def _file_site(path: Path):  # noqa: ANN202 - a context manager yielding the port
    """``/page...`` answers the file; anything else a robots.txt with a 3 s Crawl-delay."""
    body = path.read_bytes()
    return local_server(lambda p: (200, HTML, body) if p.startswith("/page")
                        else (200, "text/plain", b"User-agent: *\nCrawl-delay: 3\n"))


def test_a_collector_out_of_time_is_named_and_the_rest_of_the_page_kept(tmp_path):
    page = tmp_path / "page.html"
    page.write_text("<!doctype html><html lang='en'><title>Budget</title><main><h1>Budget</h1>"
                    + "<p>Words on a page whose collectors get no time at all.</p>" * 50 + "</main></html>")
    with _file_site(page) as port:
        options = CaptureOptions(host_rules=f"MAP budget.test 127.0.0.1:{port}", allow_hosts=("budget.test",),
                                 collect_timeout_s=0.001, politeness=PolitenessRules(respect_robots=False))
        (cap,) = capture_urls(["http://budget.test/page"], options)
    assert cap.ok and "Words on a page" in cap.rendered_html and cap.status == 200  # kept, not failed whole
    assert cap.timing.get("failed:axe") == 1.0  # what ran out is named
    assert any("axe" in c["text"] and "ran out of its" in c["text"] for c in cap.console)


def test_a_crawl_delay_wait_is_no_part_of_the_capture_budget():
    """Crawl-delay 3 s with six pages of one site: the last waits ≈ 15 s for its turn, under a 6 s backstop."""
    page = Path(__file__).with_name("captures")  # any small file will do as the body
    body = next(page.glob("*.json.gz"))
    import gzip
    import json as jsonlib

    html = jsonlib.loads(gzip.decompress(body.read_bytes()))["rendered_html"]
    tmp = Path(os.environ.get("TMPDIR", "/tmp")) / f"delay-{os.getpid()}.html"
    tmp.write_text(html)
    try:
        with _file_site(tmp) as port:
            options = CaptureOptions(host_rules=f"MAP slowsite.test 127.0.0.1:{port}", allow_hosts=("slowsite.test",),
                                     capture_timeout_s=6, axe=False, politeness=PolitenessRules(respect_robots=True))
            caps = capture_urls([f"http://slowsite.test/page{i}" for i in range(6)], options)
    finally:
        tmp.unlink(missing_ok=True)
    assert all(c.ok for c in caps), [(c.url, c.error) for c in caps if not c.ok]
    assert max(c.timing.get("politeness_wait_ms", 0) for c in caps) > 6000  # waited longer than the backstop


@pytest.mark.skipif(not BIG_PAGE.is_file(), reason=f"the shared corpus is not beside the repo ({CORPUS}): no big real page")
def test_a_big_real_page_is_captured_whole_on_a_loaded_machine():
    import subprocess
    import sys

    from minedag.profiles import all_profiles, extract_record
    from minedag.profiles.page import PageView

    # The real page (902 KB, 346 distinct links) with 2,100 more links, like the PEP index (412 KB, 2,087 links).
    links = "".join(f'<li><a href="/pep-{i:04d}/">PEP {i}: a title of the kind an index lists</a></li>' for i in range(2100))
    page = Path(os.environ.get("TMPDIR", "/tmp")) / f"big-{os.getpid()}.html"
    page.write_text(BIG_PAGE.read_text(errors="replace").replace("</body>", f"<ul>{links}</ul></body>", 1))
    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"], start_new_session=True) for _ in range(2)]
    try:
        with _file_site(page) as port:
            options = CaptureOptions(host_rules=f"MAP big.test 127.0.0.1:{port}", allow_hosts=("big.test",),
                                     politeness=PolitenessRules(respect_robots=False))
            (cap,) = capture_urls(["http://big.test/page"], options)
    finally:
        for process in burners:
            process.kill()
            process.wait()
        page.unlink(missing_ok=True)
    assert cap.ok, cap.error
    assert not [k for k in cap.timing if k.startswith("failed:")], (cap.timing, cap.console[-5:])
    assert len(cap.raw_html) > 400_000 and len(cap.links) > 2_000
    assert not [k for k in cap.timing if k.startswith("failed:")], cap.timing
    view = PageView(cap)
    records = {name: extract_record(p, cap, "x", view=view) for name, p in all_profiles().items()}
    assert all(r["ok"] for r in records.values()), {n: r["error"] for n, r in records.items() if not r["ok"]}
