"""URL canonicalisation (the one source of partition keys) and the address policy of the SSRF guard.

One parser: URLs are parsed by ada (the WHATWG URL Standard, which is what Chromium implements), so the host
minedag checks is the host the browser connects to (``http://127.0.0.2:1\\@a.test/`` is 127.0.0.2 to both).
The policy here decides which *addresses* may be reached; ``minedag.capture.guard`` enforces it on every
connection the browser and minedag itself open.
"""

from __future__ import annotations

import fnmatch
import hashlib
import ipaddress
import os
import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

import ada_url
from w3lib.url import canonicalize_url

from minedag.errors import MinedagError

__all__ = ["InvalidURL", "SECRET_PARAMS", "UrlPolicy", "address_refusal", "canonical_url", "dropped_params", "mask_params", "site_of", "url_id"]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Cloud metadata endpoints that are reachable from inside most VMs.
_METADATA_HOSTS = {"169.254.169.254", "metadata.google.internal", "fd00:ec2::254", "100.100.100.200"}
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")

# Query parameters that carry credentials: dropped from partition keys and bundle URLs.
# Override with MINEDAG_SECRET_PARAMS (comma-separated names; empty keeps every parameter).
SECRET_PARAMS = ("access_token", "api_key", "apikey", "auth", "auth_token", "client_secret", "id_token",
                 "jsessionid", "password", "passwd", "phpsessid", "pwd", "refresh_token", "secret", "session",
                 "session_id", "sessionid", "sid", "signature", "token", "x-amz-credential", "x-amz-security-token",
                 "x-amz-signature", "x-goog-credential", "x-goog-signature")


class InvalidURL(MinedagError, ValueError):
    """A URL that minedag will not mine; the message says why and how to fix it."""


MASK = "[redacted]"
MAX_URL_LENGTH = 8_192  # longer is never a page address (Chromium refuses 2 MB; servers answer 414 far earlier)
# A URL parameter in any text: its separator, its (maybe percent-encoded) name, its value.
URL_PARAM = re.compile(r"""([?&;#])([^=&;#\s"'<>\\]{1,100})=([^&#\s"'<>\\]*)""")
_ENCODED_NAME = re.compile(r"[?&;#][^=&#\s]*%[0-9a-fA-F]{2}[^=&#\s]*=")


def secret_params() -> frozenset[str]:
    """The query parameter names treated as secrets (``MINEDAG_SECRET_PARAMS`` overrides the default list)."""
    configured = os.environ.get("MINEDAG_SECRET_PARAMS")
    names = SECRET_PARAMS if configured is None else configured.split(",")
    return frozenset(n.strip().lower() for n in names if n.strip())


def mask_params(text: str, params: frozenset[str] | None = None) -> str:
    """``text`` with the values of secret URL parameters masked (query or fragment, names compared decoded)."""
    params = secret_params() if params is None else params
    lowered = text.lower()
    if not any(name in lowered for name in params) and not _ENCODED_NAME.search(text):
        return text

    def masked(m: re.Match[str]) -> str:
        name = m.group(2)
        name = unquote(name) if "%" in name else name
        if name.lower() not in params or not m.group(3):
            return m.group(0)
        return f"{m.group(1)}{m.group(2)}={MASK}"

    return URL_PARAM.sub(masked, text)


def dropped_params(raw: str) -> list[str]:
    """The query parameters of ``raw`` that its canonical form leaves out (secret ones), by name; ``[]`` when none
    or when ``raw`` is not a valid URL."""
    try:
        kept = {name for name, _ in parse_qsl(urlsplit(canonical_url(raw)).query, keep_blank_values=True)}
    except InvalidURL:
        return []
    given = [name for name, _ in parse_qsl(urlsplit(raw.strip()).query, keep_blank_values=True)]
    return sorted({name for name in given if name not in kept})


def canonical_url(raw: str) -> str:
    """Return the canonical form of ``raw``, used as the Dagster partition key.

    Parsed as Chromium parses it (WHATWG), then: lower-case scheme and host, no default port, no fragment,
    sorted query without secret parameters (``SECRET_PARAMS``).

    Raises:
        InvalidURL: not an absolute http(s) URL with a host, or it contains whitespace or control characters.
    """
    text = (raw or "").strip()
    if not text:
        raise InvalidURL("empty URL: give an absolute http(s) URL such as 'https://example.com/'")
    if len(text) > MAX_URL_LENGTH:
        raise InvalidURL(f"URL of {len(text):,} characters starting {mask_params(text[:60])!r}: over the "
                         f"{MAX_URL_LENGTH:,}-character limit (sitemaps allow 2,048), not mined")
    if any(ch.isspace() for ch in text):
        raise InvalidURL(f"URL contains whitespace: {text!r}; percent-encode spaces as %20")
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in text):
        raise InvalidURL(f"URL contains a control character: {text!r}; remove it or percent-encode it")
    try:
        parsed = ada_url.URL(text)
    except ValueError:
        raise InvalidURL(f"malformed URL {text!r}: not a valid URL (bad host, port or characters)") from None
    scheme = parsed.protocol.rstrip(":")
    if scheme not in ("http", "https"):
        raise InvalidURL(f"unsupported scheme in {text!r}: only http and https URLs are mined")
    if not parsed.hostname:
        raise InvalidURL(f"URL has no host: {text!r}; expected e.g. 'https://example.com/path'")
    if parsed.username or parsed.password:
        raise InvalidURL(f"URL carries credentials: {text!r}; remove the 'user:password@' part")
    query = parsed.search.lstrip("?")
    secrets = secret_params()
    if query and secrets:
        pairs = parse_qsl(query, keep_blank_values=True)
        kept = [(k, v) for k, v in pairs if k.lower() not in secrets]
        if len(kept) != len(pairs):
            query = urlencode(kept)
    port = f":{parsed.port}" if parsed.port else ""
    rebuilt = f"{scheme}://{parsed.hostname}{port}{parsed.pathname or '/'}" + (f"?{query}" if query else "")
    return canonicalize_url(rebuilt, keep_fragments=False)


def url_id(url: str) -> str:
    """A short, file-name-safe id for a canonical URL (URL keys cannot be paths)."""
    return hashlib.sha256(url.encode()).hexdigest()[:24]


def site_of(url: str) -> str:
    """The site a URL belongs to (its host, IPv6 without brackets), the unit of contexts, politeness and splits."""
    return (urlsplit(url).hostname or "").lower()


# The special-purpose ranges of IANA's IPv4 and IPv6 Special-Purpose Address Registries that are not globally
# reachable, plus deprecated ones still routed somewhere (site-local, the 6to4 relay anycast). Refusal is decided by
# this table first, not by Python's ``is_global`` alone (which calls fec0::/10 global).
SPECIAL_PURPOSE: tuple[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, str], ...] = tuple(
    (ipaddress.ip_network(net), name) for net, name in (
        ("0.0.0.0/8", "this network"), ("10.0.0.0/8", "private-use"), ("100.64.0.0/10", "shared address space (CGN)"),
        ("127.0.0.0/8", "loopback"), ("169.254.0.0/16", "link-local"), ("172.16.0.0/12", "private-use"),
        ("192.0.0.0/24", "IETF protocol assignments"), ("192.0.2.0/24", "documentation (TEST-NET-1)"),
        ("192.88.99.0/24", "6to4 relay anycast (deprecated)"), ("192.168.0.0/16", "private-use"),
        ("198.18.0.0/15", "benchmarking"), ("198.51.100.0/24", "documentation (TEST-NET-2)"),
        ("203.0.113.0/24", "documentation (TEST-NET-3)"), ("224.0.0.0/4", "multicast"), ("240.0.0.0/4", "reserved"),
        ("255.255.255.255/32", "limited broadcast"),
        ("::/128", "unspecified"), ("::1/128", "loopback"), ("::ffff:0:0/96", "IPv4-mapped"),
        ("::ffff:0:0:0/96", "IPv4-translated (SIIT)"), ("64:ff9b:1::/48", "local-use IPv4/IPv6 translation"),
        ("100::/64", "discard-only"), ("2001::/23", "IETF protocol assignments (Teredo, benchmarking, ORCHID)"),
        ("2001:db8::/32", "documentation"), ("3fff::/20", "documentation"), ("5f00::/16", "segment routing (SRv6) SIDs"),
        ("fc00::/7", "unique-local"), ("fe80::/10", "link-local"), ("fec0::/10", "site-local (deprecated)"),
        ("ff00::/8", "multicast"),
    ))
# IPv6 ranges that carry an IPv4 address in their last 32 bits: the IPv4 address is what is reached.
_IPV4_TRANSLATED = ipaddress.ip_network("::ffff:0:0:0/96")


def special_purpose(addr: IPAddress) -> str | None:
    """The name of the special-purpose range ``addr`` is in (IANA registries), or ``None``."""
    return next((name for net, name in SPECIAL_PURPOSE if addr.version == net.version and addr in net), None)


def effective_address(addr: IPAddress) -> IPAddress:
    """The IPv4 address an IPv6 address stands for (mapped, translated, NAT64, 6to4, IPv4-compatible), else ``addr``."""
    if isinstance(addr, ipaddress.IPv6Address):
        if addr.ipv4_mapped is not None:
            return addr.ipv4_mapped
        if addr in _IPV4_TRANSLATED:
            return ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF)
        if addr.sixtofour is not None:
            return addr.sixtofour
        if any(addr in net for net in _NAT64) or (addr in _IPV4_COMPATIBLE and int(addr) > 1):
            return ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF)
    return addr


def address_refusal(addr: IPAddress) -> str | None:
    """Why ``addr`` must not be reached by default, or ``None`` if it is a public unicast address."""
    real = effective_address(addr)
    via = f" (embedded in {addr})" if real != addr else ""
    if str(real) in _METADATA_HOSTS:
        return f"{real}{via} is a cloud metadata endpoint"
    if real.is_multicast:
        return f"{real}{via} is a multicast address"
    if name := special_purpose(real):
        return f"{real}{via} is a non-public address ({name})"
    if real.is_unspecified or real.is_loopback or not real.is_global:
        return f"{real}{via} is a non-public address"
    return None


@dataclass(frozen=True)
class UrlPolicy:
    """Which hosts may be mined. By default private, loopback, link-local, multicast and metadata addresses are refused.

    Args:
        allow: host globs (``*.test``) or CIDRs (``127.0.0.0/8``) that are allowed even if private.
    """

    allow: tuple[str, ...] = ()

    def check(self, url: str) -> None:
        """Raise ``InvalidURL`` if ``url`` must not be fetched (resolved here: registration-time check only;
        the capture guard checks the address it actually connects to)."""
        host = site_of(url)
        if self.host_allowed(host):
            return
        if host in _METADATA_HOSTS:
            raise InvalidURL(f"refused {url!r}: {host} is a cloud metadata endpoint")
        for addr in _addresses(host):
            self.check_address(host, addr, url)

    def check_address(self, host: str, addr: IPAddress, what: str = "") -> None:
        """Raise ``InvalidURL`` if ``host``, about to be reached at ``addr``, is refused."""
        if self.host_allowed(host) or self.address_allowed(addr):
            return
        reason = address_refusal(addr)
        if reason:
            via = "" if host == str(addr) else f"{host} resolves to {addr}: "
            raise InvalidURL(f"refused {what or host!r}: {via}{reason}; allow it with --allow-hosts "
                             f"'{host}' (or its network as a CIDR) to mine it anyway")

    def host_allowed(self, host: str) -> bool:
        """True if a host glob of the allow-list names ``host`` (CIDRs are matched against addresses)."""
        host = host.strip("[]").lower()
        return any("/" not in rule and fnmatch.fnmatch(host, rule.lower()) for rule in self.allow)

    def address_allowed(self, addr: IPAddress) -> bool:
        for rule in self.allow:
            if "/" in rule:
                try:
                    if addr in ipaddress.ip_network(rule, strict=False) or \
                            effective_address(addr) in ipaddress.ip_network(rule, strict=False):
                        return True
                except (ValueError, TypeError):
                    continue
            else:
                try:
                    if ipaddress.ip_address(rule) == addr:
                        return True
                except ValueError:
                    continue
        return False


def _addresses(host: str) -> Iterable[IPAddress]:
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except (socket.gaierror, UnicodeError) as exc:
        raise InvalidURL(f"DNS lookup failed for {host!r}: {getattr(exc, 'strerror', exc)}") from None
    return {ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos}
