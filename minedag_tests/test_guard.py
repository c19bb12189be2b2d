"""The SSRF guard: an allowed page cannot make the browser (or minedag) reach a refused address, by any route."""

from __future__ import annotations

import dataclasses
import itertools
import json
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from minedag.capture import CaptureOptions, capture_urls
from minedag.capture.guard import Guard, HostRules, Refusal
from minedag.capture.politeness import PolitenessRules
from minedag.urls import InvalidURL, UrlPolicy, canonical_url


class Listener:
    """A refused address: counts every TCP connection made to it and answers like an internal service."""

    def __init__(self, host: str, family: int = socket.AF_INET):
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.seen: list[bytes] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            conn.settimeout(2)
            try:
                self.seen.append(conn.recv(1024))
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 15\r\nConnection: close\r\n\r\nINTERNAL-SECRET")
            except OSError:
                self.seen.append(b"")
            finally:
                conn.close()

    def close(self) -> None:
        self.sock.close()


def attack_pages(r: str, local: str, v6: str) -> dict[str, tuple[int, dict[str, str], str]]:
    """Path -> (status, headers, body) of an allowed site whose pages try to reach the refused listeners."""
    sub = f"""<!doctype html><title>start</title><h1>Subresources</h1>
<img src="{r}/img"><iframe src="{r}/iframe"></iframe><link rel="stylesheet" href="{r}/css">
<script src="{r}/script"></script><video src="{r}/video"></video>
<script>
fetch("{r}/fetch").then(x => x.text()).then(t => document.title = t).catch(() => {{}});
try {{ new WebSocket("{r.replace('http:', 'ws:')}/ws"); }} catch (e) {{}}
navigator.sendBeacon("{r}/beacon", "x");
new Worker("/worker.js");
window.open("{r}/popup");
</script>"""
    return {
        "/r302": (302, {"Location": f"{r}/r302"}, ""),
        "/r307": (307, {"Location": "/r307b"}, ""),
        "/r307b": (302, {"Location": f"{local}/chain"}, ""),
        "/v6": (302, {"Location": f"{v6}/v6"}, ""),
        "/meta": (200, {}, f'<!doctype html><meta http-equiv="refresh" content="0;url={r}/meta"><h1>Meta</h1>'),
        "/script-nav": (200, {}, f'<!doctype html><h1>Script</h1><script>location = "{r}/script-nav";</script>'),
        "/subresources": (200, {}, sub),
        "/worker.js": (200, {"Content-Type": "text/javascript"}, f'fetch("{r}/worker");'),
        "/rebind": (200, {}, "<!doctype html><h1>Rebind</h1>" + "".join(
            f'<img src="http://rebind.example:{r.rsplit(":", 1)[1]}/rebind{i}">' for i in range(4))),
        "/robots.txt": (302, {"Location": f"{r}/robots.txt"}, ""),
        "/fine": (200, {}, "<!doctype html><title>Fine</title><h1>An allowed page</h1>"),
    }


@pytest.fixture(scope="module")
def attack():
    yield from _attack_site()


def _attack_site():
    refused, local, v6 = Listener("127.0.0.2"), Listener("127.0.0.1"), Listener("::1", socket.AF_INET6)
    pages = attack_pages(f"http://127.0.0.2:{refused.port}", f"http://localhost:{local.port}",
                         f"http://[::1]:{v6.port}")

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802
            status, headers, body = pages.get(self.path, (404, {}, "missing"))
            data = body.encode()
            self.send_response(status)
            for name, value in {"Content-Type": "text/html; charset=utf-8", **headers}.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield {"port": server.server_address[1], "listeners": (refused, local, v6), "refused_port": refused.port}
    server.shutdown()
    for listener in (refused, local, v6):
        listener.close()


def _options(attack, **extra) -> CaptureOptions:
    flip = itertools.cycle(["127.0.0.3", "127.0.0.2"])  # rebinding: an allowed answer, then a refused one

    def resolver(name: str) -> list[str]:
        if name == "rebind.example":
            return [next(flip)]
        return [info[4][0] for info in socket.getaddrinfo(name, None, proto=socket.IPPROTO_TCP)]

    return CaptureOptions(host_rules=f"MAP a.test 127.0.0.1:{attack['port']}", allow_hosts=("a.test", "127.0.0.3/32"),
                          resolver=resolver, nav_timeout_s=10, capture_timeout_s=30, **extra)


@pytest.mark.slow
def test_no_route_from_an_allowed_page_reaches_a_refused_address(attack):
    paths = ["/r302", "/r307", "/v6", "/meta", "/script-nav", "/subresources", "/rebind"]
    caps = {c.url.removeprefix("http://a.test"): c for c in capture_urls([f"http://a.test{p}" for p in paths],
                                                                         _options(attack))}
    for listener in attack["listeners"]:
        assert listener.seen == [], listener.seen  # not one connection, by any route
    for path in ("/r302", "/r307", "/v6"):  # the page itself was redirected to a refused address
        assert not caps[path].ok and caps[path].error_kind == "refused", (path, caps[path].error_kind, caps[path].error)
        assert "non-public" in caps[path].error
    (fine,) = capture_urls(["http://a.test/fine"], _options(attack))  # alone: nothing of its neighbours' is counted
    assert fine.ok and not fine.blocked_requests
    for path in ("/meta", "/script-nav"):  # navigations after the first response
        assert caps[path].blocked_requests, path
        assert "INTERNAL-SECRET" not in caps[path].rendered_html
    sub = caps["/subresources"]
    targets = {str(e["target"]).rsplit("/", 1)[-1] for e in sub.blocked_requests if e["kind"] == "refused"}
    assert {"img", "iframe", "css", "script", "fetch", "beacon", "worker", "popup"} <= targets, targets
    assert f"127.0.0.2:{attack['refused_port']}" in targets  # the WebSocket's tunnel
    assert all("non-public" in str(e["reason"]) for e in sub.blocked_requests if e["kind"] == "refused")
    assert "INTERNAL-SECRET" not in sub.rendered_html and "INTERNAL-SECRET" not in json.dumps(sub.to_dict())
    rebound = [e for e in caps["/rebind"].blocked_requests if "rebind" in str(e["target"])]
    assert rebound and all("127.0.0.2" in str(e["reason"]) for e in rebound if e["kind"] == "refused")


@pytest.mark.slow
def test_a_robots_txt_redirect_to_a_refused_address_is_not_followed(attack):
    opts = _options(attack, politeness=PolitenessRules(respect_robots=True))
    (cap,) = capture_urls(["http://a.test/fine"], opts)
    assert cap.ok
    assert all(listener.seen == [] for listener in attack["listeners"])


@pytest.mark.slow
def test_the_parser_differential_url_is_the_browsers_host(attack):
    raw = f"http://127.0.0.2:{attack['refused_port']}\\@a.test/"
    assert canonical_url(raw).startswith(f"http://127.0.0.2:{attack['refused_port']}/")
    with pytest.raises(InvalidURL, match="refused"):
        UrlPolicy(("a.test",)).check(canonical_url(raw))
    (cap,) = capture_urls([raw], _options(attack))  # a raw key (e.g. added in the UI) is not loaded as is
    assert not cap.ok and cap.error_kind == "invalid" and "canonical" in cap.error
    (cap,) = capture_urls([canonical_url(raw)], _options(attack))
    assert not cap.ok and cap.error_kind == "refused"
    assert all(listener.seen == [] for listener in attack["listeners"])


@pytest.mark.parametrize("address", ["64:ff9b::a9fe:a9fe", "64:ff9b::7f00:2", "2002:7f00:1::1", "::7f00:1",
                                     "::ffff:127.0.0.1", "224.0.0.251", "ff02::1", "0.0.0.0", "::"])
def test_addresses_standing_for_refused_ones_are_refused(address):
    with pytest.raises(Refusal, match="refused"):
        Guard(UrlPolicy(), HostRules()).target(address, 80)


def test_host_rules_map_exclude_and_notfound():
    rules = HostRules.parse("MAP *.test 127.0.0.1:9000, EXCLUDE keep.test, MAP gone.example ~NOTFOUND")
    assert rules.map("shop.test", 80) == ("127.0.0.1", 9000)
    assert rules.map("keep.test", 80) == ("keep.test", 80)
    assert rules.map("gone.example", 80) is None
    with pytest.raises(ValueError, match="MAP <host pattern>"):
        HostRules.parse("MAP onlytwo")


@pytest.mark.slow
def test_mine_from_the_command_line_with_allow_hosts_and_host_rules(attack):
    out = subprocess.run([sys.executable, "-m", "minedag.cli", "mine", "http://a.test/r302", "http://a.test/fine",
                          "--allow-hosts", "a.test", "--host-rules", f"MAP a.test 127.0.0.1:{attack['port']}",
                          "--profile", "seo_optimizer"], capture_output=True, text=True, timeout=180)
    assert out.returncode == 1, out.stderr  # one page failed: refused
    records = {r["url"]: r for r in json.loads(out.stdout)}
    assert records["http://a.test/fine"]["ok"] is True
    assert records["http://a.test/r302"]["ok"] is False and "refused" in records["http://a.test/r302"]["error"]
    assert all(listener.seen == [] for listener in attack["listeners"])


@pytest.mark.slow
def test_the_guard_allows_what_it_should(attack):
    guard = Guard(UrlPolicy(("a.test",)), HostRules.parse(f"MAP a.test 127.0.0.1:{attack['port']}"))
    assert guard.target("a.test", 80) == ("127.0.0.1", attack["port"])
    with pytest.raises(Refusal) as refused:
        guard.target("b.test", 80)
    assert refused.value.kind in ("no_such_host", "dns", "refused")  # by what the machine's resolver says of b.test
    opts = dataclasses.replace(_options(attack), allow_hosts=())
    (cap,) = capture_urls(["http://a.test/fine"], opts)
    assert not cap.ok and cap.error_kind == "refused" and "--allow-hosts 'a.test'" in cap.error


@pytest.mark.slow
def test_control_the_same_pages_do_reach_the_listeners_when_their_addresses_are_allowed():
    site = _attack_site()
    attack = next(site)
    opts = dataclasses.replace(_options(attack), allow_hosts=("a.test", "127.0.0.0/8", "::1/128", "localhost"))
    caps = {c.url.removeprefix("http://a.test"): c
            for c in capture_urls(["http://a.test/r302", "http://a.test/v6", "http://a.test/subresources"], opts)}
    refused, _local, v6 = attack["listeners"]
    assert v6.seen and len(refused.seen) >= 5  # the redirects and the subresources got through
    assert caps["/r302"].status == 200 and not caps["/subresources"].blocked_requests
    next(site, None)


def test_a_name_that_does_not_exist_fails_for_good_and_a_failed_lookup_is_retried():
    import socket

    from minedag.defs.automation import TRANSIENT

    asked = []

    def resolver(answer: int):
        def resolve(name: str) -> list[str]:
            asked.append(name)
            raise socket.gaierror(answer, "lookup failed")
        return resolve

    kinds = {}
    for name, answer in (("gone.example", socket.EAI_NONAME), ("flaky.example", socket.EAI_AGAIN), ("x.invalid", socket.EAI_AGAIN)):
        with pytest.raises(Refusal) as refused:
            Guard(UrlPolicy(), HostRules.parse(""), resolver(answer)).target(name, 80)
        kinds[name] = refused.value.kind
    assert kinds == {"gone.example": "no_such_host", "flaky.example": "dns", "x.invalid": "no_such_host"}
    assert asked == ["gone.example", "flaky.example"]  # .invalid (RFC 6761) is never looked up
    assert "dns" in TRANSIENT and "no_such_host" not in TRANSIENT  # the retry sensor retries only the lookup failure
