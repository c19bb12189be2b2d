"""The network guard: every connection the browser, or minedag itself, opens passes one address check.

The mechanism is a forward proxy on 127.0.0.1, run by minedag, that every browser context must use:

- Chromium sends every request of a context to its proxy: navigations and each redirect hop, meta-refresh and
  script navigations, subresources, ``fetch``/XHR, beacons, workers, iframes and popups; WebSockets are always
  tunnelled with ``CONNECT``. With a proxy set, Chromium resolves no host name itself.
- The proxy applies the host rules (the ``--host-resolver-rules`` syntax), resolves the name **once**, checks
  every address against the ``UrlPolicy`` and connects to exactly the address it checked. No DNS answer can
  change between the check and the connection (rebinding), and the host checked is the host Chromium's own URL
  parser produced (the proxy receives Chromium's serialised URL or ``CONNECT host:port``).
- Chromium is launched with host rules that resolve nothing but the proxy, and with WebRTC limited to proxied
  traffic, so nothing that might bypass the proxy can reach an address either.

Request interception (Playwright routes, the DevTools ``Fetch`` domain) was the alternative: it sees URLs, not the
addresses connected to (rebinding passes), does not see WebSocket handshakes or all worker traffic, and costs a
DevTools round trip per request. minedag's own requests ("changed since?") go through the same proxy.

The proxy also caps each response (bytes from the server) and answers refusals with a marker header, so a refused
main document becomes a failed capture and refused subresources are counted on the capture.
"""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
import ipaddress
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from urllib.parse import urlsplit

from minedag.errors import MinedagError
from minedag.urls import IPAddress, UrlPolicy

__all__ = ["GUARD_HEADER", "Guard", "GuardProxy", "HostRules", "Listener", "Refusal"]

GUARD_HEADER = "x-minedag-guard"  # on the proxy's own answers: "<kind>: <reason>"
_HOP_HEADERS = {"connection", "keep-alive", "proxy-connection", "proxy-authorization", "te", "trailer", "upgrade"}
_CHUNK = 65536
# getaddrinfo's "this name has no address" answers (glibc: EAI_NONAME; EAI_NODATA where it exists).
_NO_SUCH_NAME = {socket.EAI_NONAME, getattr(socket, "EAI_NODATA", socket.EAI_NONAME)}


class Refusal(MinedagError):
    """A connection the guard will not open: ``kind`` is ``refused`` (policy), ``no_such_host`` (the name does
    not exist: a permanent failure), ``dns`` (the lookup failed: worth a retry) or ``connection``."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class HostRules:
    """Chromium's ``--host-resolver-rules`` syntax: comma-separated ``MAP pattern host[:port]`` (``~NOTFOUND``
    makes a name fail to resolve) and ``EXCLUDE pattern``. Excludes win; then the first matching MAP."""

    maps: tuple[tuple[str, str], ...] = ()
    excludes: tuple[str, ...] = ()

    @classmethod
    def parse(cls, text: str) -> HostRules:
        """Raises ``ValueError`` naming the rule that is not ``MAP pattern target`` or ``EXCLUDE pattern``."""
        maps, excludes = [], []
        for rule in filter(None, (r.strip() for r in (text or "").split(","))):
            words = rule.split()
            if len(words) == 3 and words[0].upper() == "MAP":
                maps.append((words[1].lower(), words[2]))
            elif len(words) == 2 and words[0].upper() == "EXCLUDE":
                excludes.append(words[1].lower())
            else:
                raise ValueError(f"bad host rule {rule!r}: expected 'MAP <host pattern> <host[:port]>' or "
                                 "'EXCLUDE <host pattern>', e.g. 'MAP *.test 127.0.0.1:8000'")
        return cls(tuple(maps), tuple(excludes))

    def map(self, host: str, port: int) -> tuple[str, int] | None:
        """Where ``host:port`` really goes; ``None`` when a rule says it does not resolve."""
        if any(fnmatch.fnmatch(host, pattern) for pattern in self.excludes):
            return host, port
        for pattern, target in self.maps:
            if fnmatch.fnmatch(host, pattern) or fnmatch.fnmatch(f"{host}:{port}", pattern):
                if target == "~NOTFOUND":
                    return None
                parsed = urlsplit(f"//{target}")
                return (parsed.hostname or target), parsed.port or port
        return host, port


Resolver = Callable[[str], list[str]]


def system_resolver(host: str) -> list[str]:
    """The system's answer for ``host`` (all address families)."""
    return [info[4][0].split("%")[0] for info in socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)]


@dataclass(frozen=True)
class Guard:
    """Decides where ``host:port`` may be connected: host rules, one resolution, the policy on every address."""

    policy: UrlPolicy = field(default_factory=UrlPolicy)
    rules: HostRules = field(default_factory=HostRules)
    resolver: Resolver = system_resolver

    def target(self, host: str, port: int) -> tuple[str, int]:
        """The checked address to connect to.

        Raises:
            Refusal: the policy refuses an address the name resolves to, or the name does not resolve.
        """
        host = host.strip("[]").lower().rstrip(".")
        mapped = self.rules.map(host, port)
        if mapped is None:
            raise Refusal("no_such_host", f"{host} does not resolve (host rules say ~NOTFOUND)")
        name, real_port = mapped
        addresses = self.addresses(name)
        for addr in addresses:
            if not self.policy.host_allowed(host):
                try:
                    self.policy.check_address(host, addr, f"{host}:{port}")
                except ValueError as exc:
                    raise Refusal("refused", str(exc)) from None
        return str(addresses[0]), real_port

    def addresses(self, name: str) -> list[IPAddress]:
        try:
            return [ipaddress.ip_address(name.strip("[]"))]
        except ValueError:
            pass
        if name == "invalid" or name.endswith(".invalid"):  # RFC 6761: never resolves, so it is not asked
            raise Refusal("no_such_host", f"{name} does not resolve: .invalid is reserved for names that never exist")
        try:
            found = [ipaddress.ip_address(a) for a in self.resolver(name)]
        except socket.gaierror as exc:  # "no such name" is an answer; anything else (EAI_AGAIN...) may pass
            kind = "no_such_host" if exc.errno in _NO_SUCH_NAME else "dns"
            raise Refusal(kind, f"{name} does not resolve: {exc.strerror or exc}") from None
        except (OSError, UnicodeError, ValueError) as exc:
            raise Refusal("dns", f"{name} does not resolve: {getattr(exc, 'strerror', None) or exc}") from None
        if not found:
            raise Refusal("no_such_host", f"{name} does not resolve: no address")
        return found


@dataclass
class Listener:
    """One proxy port (one browser context) and what the guard refused or cut on it, in order."""

    port: int
    events: list[dict[str, object]] = field(default_factory=list)
    server: asyncio.AbstractServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def since(self, mark: int) -> list[dict[str, object]]:
        return [dict(e) for e in self.events[mark:]]


class GuardProxy:
    """The guard's forward proxy, served from its own thread and event loop (never stalled by the caller).

    Args:
        guard: the address policy to enforce.
        max_response_bytes: bytes one connection may receive from a server (a response, or a tunnel's traffic).
        connect_timeout_s: deadline for connecting to a server.
    """

    def __init__(self, guard: Guard, *, max_response_bytes: int = 32_000_000, connect_timeout_s: float = 10.0):
        self.guard = guard
        self.max_response_bytes = max_response_bytes
        self.connect_timeout_s = connect_timeout_s
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> GuardProxy:
        loop = self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=loop.run_forever, name="minedag-guard", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._loop is None:
            return
        loop, self._loop = self._loop, None

        async def shutdown() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(shutdown(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(10)
        loop.close()

    def listen(self) -> Listener:
        """A new port on 127.0.0.1 with its own event log."""
        assert self._loop is not None, "start() the proxy first"
        listener = Listener(port=0)

        async def open_server() -> asyncio.AbstractServer:
            return await asyncio.start_server(partial(self._serve, listener), "127.0.0.1", 0, limit=_CHUNK)

        server = asyncio.run_coroutine_threadsafe(open_server(), self._loop).result(10)
        listener.server = server
        listener.port = server.sockets[0].getsockname()[1]
        return listener

    def close(self, listener: Listener) -> None:
        if self._loop is not None and listener.server is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(listener.server.close)

    # -- serving ------------------------------------------------------------------------------------------------
    async def _serve(self, listener: Listener, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 30)
            line, _, headers = head[:-4].decode("latin-1").partition("\r\n")
            method, target, _version = line.split(" ")
            if method == "CONNECT":
                await self._tunnel(listener, target, reader, writer)
            else:
                await self._forward(listener, method, target, headers, reader, writer)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError, TimeoutError, ConnectionError):
            pass
        except asyncio.CancelledError:  # the proxy is stopping: end quietly (Python 3.11's stream callback would
            pass                        # print the cancelled handler as an "Exception in callback" traceback)
        finally:
            writer.close()

    async def _connect(self, listener: Listener, host: str, port: int, what: str
                       ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        try:
            mapped = self.guard.rules.map(host.strip("[]").lower(), port)
            if mapped is None or _is_literal(mapped[0]):  # no lookup: decide here, without a thread hop
                address, real_port = self.guard.target(host, port)
            else:
                address, real_port = await asyncio.to_thread(self.guard.target, host, port)
        except Refusal as refusal:
            self._log(listener, refusal.kind, what, str(refusal))
            raise
        try:
            return await asyncio.wait_for(asyncio.open_connection(address, real_port, limit=_CHUNK),
                                          self.connect_timeout_s)
        except (OSError, TimeoutError) as exc:
            message = f"cannot connect to {host}:{port}: {getattr(exc, 'strerror', None) or type(exc).__name__}"
            self._log(listener, "connection", what, message)
            raise Refusal("connection", message) from None

    async def _tunnel(self, listener: Listener, target: str, reader: asyncio.StreamReader,
                      writer: asyncio.StreamWriter) -> None:
        parts = urlsplit(f"//{target}")
        try:
            up_reader, up_writer = await self._connect(listener, parts.hostname or "", parts.port or 443, target)
        except Refusal:
            writer.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            return
        writer.write(b"HTTP/1.1 200 Connection Established\r\n\r\n")
        await self._relay(listener, target, reader, writer, up_reader, up_writer)

    async def _forward(self, listener: Listener, method: str, target: str, headers: str,
                       reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        parts = urlsplit(target)
        if parts.scheme != "http" or not parts.hostname:
            _answer(writer, 400, "error", f"not an absolute http URL: {target[:200]}")
            return
        try:
            up_reader, up_writer = await self._connect(listener, parts.hostname, parts.port or 80, target)
        except Refusal as refusal:
            _answer(writer, 403 if refusal.kind == "refused" else 502, refusal.kind, str(refusal))
            return
        kept = [h for h in headers.split("\r\n") if h and h.split(":", 1)[0].strip().lower() not in _HOP_HEADERS]
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        up_writer.write(f"{method} {path} HTTP/1.1\r\n{''.join(h + chr(13) + chr(10) for h in kept)}"
                        "Connection: close\r\n\r\n".encode("latin-1"))
        try:
            response_head = await asyncio.wait_for(up_reader.readuntil(b"\r\n\r\n"), 300)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, ConnectionError):
            up_writer.close()
            return
        status, _, rest = response_head[:-4].decode("latin-1").partition("\r\n")
        lines = [h for h in rest.split("\r\n") if h and h.split(":", 1)[0].strip().lower() not in _HOP_HEADERS]
        writer.write(f"{status}\r\n{''.join(h + chr(13) + chr(10) for h in lines)}Connection: close\r\n\r\n"
                     .encode("latin-1"))
        await self._relay(listener, target, reader, writer, up_reader, up_writer)

    async def _relay(self, listener: Listener, what: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                     up_reader: asyncio.StreamReader, up_writer: asyncio.StreamWriter) -> None:
        """Bytes both ways until the server is done; the server's side is capped at ``max_response_bytes``."""
        upload = asyncio.ensure_future(_copy(reader, up_writer))
        try:
            received = await _copy(up_reader, writer, self.max_response_bytes)
            if received > self.max_response_bytes:
                self._log(listener, "too_large", what,
                          f"response cut at {self.max_response_bytes} bytes (max_response_bytes)")
        finally:
            upload.cancel()
            up_writer.close()

    @staticmethod
    def _log(listener: Listener, kind: str, what: str, reason: str) -> None:
        listener.events.append({"kind": kind, "target": what[:300], "reason": reason[:500], "at": time.time()})


async def _copy(source: asyncio.StreamReader, sink: asyncio.StreamWriter, limit: int | None = None) -> int:
    total = 0
    with contextlib.suppress(ConnectionError, OSError):
        while chunk := await source.read(_CHUNK):
            total += len(chunk)
            if limit is not None and total > limit:
                break
            sink.write(chunk)
            await sink.drain()
    return total


def _answer(writer: asyncio.StreamWriter, status: int, kind: str, reason: str) -> None:
    """The proxy's own answer, marked with ``GUARD_HEADER`` so a capture can tell it from the server's."""
    body = f"minedag did not fetch this: {reason}\n".encode()
    marker = "".join(ch if 32 <= ord(ch) < 127 else "?" for ch in f"{kind}: {reason}")[:500]
    title = {400: "Bad Request", 403: "Forbidden", 502: "Bad Gateway"}[status]
    writer.write(f"HTTP/1.1 {status} {title}\r\nContent-Type: text/plain; charset=utf-8\r\n{GUARD_HEADER}: {marker}\r\n"
                 f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode("latin-1") + body)


def _is_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True
