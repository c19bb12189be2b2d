"""URL canonicalisation (the one source of partition keys) and the SSRF guard."""

from __future__ import annotations

import fnmatch
import hashlib
import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from w3lib.url import canonicalize_url

__all__ = ["InvalidURL", "UrlPolicy", "canonical_url", "site_of", "url_id"]

# Cloud metadata endpoints that are reachable from inside most VMs.
_METADATA_HOSTS = {"169.254.169.254", "metadata.google.internal", "fd00:ec2::254", "100.100.100.200"}


class InvalidURL(ValueError):
    """A URL that minedag will not mine; the message says why and how to fix it."""


def canonical_url(raw: str) -> str:
    """Return the canonical form of ``raw``, used as the Dagster partition key.

    Lower-cases scheme and host, drops the default port and the fragment, sorts the query.

    Raises:
        InvalidURL: not an absolute http(s) URL with a host.
    """
    text = (raw or "").strip()
    if not text:
        raise InvalidURL("empty URL: give an absolute http(s) URL such as 'https://example.com/'")
    if any(ch.isspace() for ch in text):
        raise InvalidURL(f"URL contains whitespace: {text!r}; percent-encode spaces as %20")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise InvalidURL(f"malformed URL {text!r}: {exc}") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise InvalidURL(f"unsupported scheme in {text!r}: only http and https URLs are mined")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise InvalidURL(f"URL has no host: {text!r}; expected e.g. 'https://example.com/path'")
    default = {"http": 80, "https": 443}[parts.scheme.lower()]
    netloc = host.lower() if port in (None, default) else f"{host.lower()}:{port}"
    rebuilt = urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", parts.query, ""))
    return canonicalize_url(rebuilt, keep_fragments=False)


def url_id(url: str) -> str:
    """A short, file-name-safe id for a canonical URL (URL keys cannot be paths)."""
    return hashlib.sha256(url.encode()).hexdigest()[:24]


def site_of(url: str) -> str:
    """The site a URL belongs to (its host), the unit of contexts, politeness and dataset splits."""
    return (urlsplit(url).hostname or "").lower()


@dataclass(frozen=True)
class UrlPolicy:
    """Which hosts may be mined. By default private, loopback, link-local and metadata addresses are refused.

    Args:
        allow: host globs (``*.test``) or CIDRs (``127.0.0.0/8``) that are allowed even if private.
    """

    allow: tuple[str, ...] = ()

    def check(self, url: str) -> None:
        """Raise ``InvalidURL`` if ``url`` must not be fetched."""
        host = site_of(url)
        if self._allowed(host):
            return
        if host in _METADATA_HOSTS:
            raise InvalidURL(f"refused {url!r}: {host} is a cloud metadata endpoint")
        for addr in _addresses(host):
            if not addr.is_global:
                raise InvalidURL(
                    f"refused {url!r}: {host} resolves to non-public address {addr}; "
                    "add the host or its network to the browser's `allow_hosts` to mine it anyway"
                )

    def _allowed(self, host: str) -> bool:
        for rule in self.allow:
            if "/" in rule:
                try:
                    if ipaddress.ip_address(host) in ipaddress.ip_network(rule, strict=False):
                        return True
                except ValueError:
                    continue
            elif fnmatch.fnmatch(host, rule.lower()):
                return True
        return False


def _addresses(host: str) -> Iterable[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except socket.gaierror as exc:
        raise InvalidURL(f"DNS lookup failed for {host!r}: {exc.strerror}") from None
    return {ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos}
