"""Find a Chromium binary and the launch flags headless Chromium needs on a closed network."""

from __future__ import annotations

import os
from pathlib import Path

from minedag.errors import MinedagError

# In order of preference after $MINEDAG_CHROMIUM. /usr/bin/chromium is Debian's wrapper script (adds flags).
CANDIDATES = ("/usr/lib/chromium/chromium", "/usr/bin/chromium", "/usr/bin/chromium-browser")

CLOSED_NETWORK_FLAGS = (
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-features=AutofillServerCommunication,OptimizationHints,MediaRouter,Translate",
    "--no-first-run",
    "--disable-quic",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--mute-audio",
    # Renderers of hostile pages must not take the machine down: cap V8's heap (a crash is recorded).
    "--js-flags=--max-old-space-size=1024",
)


class ChromiumNotFound(MinedagError, RuntimeError):
    """No usable Chromium; the message says how to install one."""


def find_chromium() -> str | None:
    """Return the Chromium executable to use, or ``None`` for Playwright's own managed browser.

    Order: ``$MINEDAG_CHROMIUM``, Debian's real binary, Debian's wrapper, then Playwright's download.

    Raises:
        ChromiumNotFound: ``$MINEDAG_CHROMIUM`` is set but is not an executable file.
    """
    explicit = os.environ.get("MINEDAG_CHROMIUM")
    if explicit:
        if not os.access(explicit, os.X_OK):
            raise ChromiumNotFound(f"MINEDAG_CHROMIUM={explicit!r} is not an executable file; unset it or fix the path")
        return explicit
    for candidate in CANDIDATES:
        if os.access(candidate, os.X_OK):
            return candidate
    return None


def playwright_has_browser() -> bool:
    """True if ``playwright install chromium`` has downloaded a browser on this machine."""
    cache = Path(os.environ.get("PLAYWRIGHT_BROWSERS_PATH", Path.home() / ".cache" / "ms-playwright"))
    return any(cache.glob("chromium*/chrome-linux*/chrome")) or any(cache.glob("chromium_headless_shell*/*/chrome-headless-shell"))


# The same page gives the same pixels on any run: one raster path, no partial raster, no runtime-tuned Skia code,
# sRGB output (without them the anti-aliasing of a rounded border differed in 1 of 5 screenshots).
PIXEL_STABLE_FLAGS = ("--disable-partial-raster", "--disable-skia-runtime-opts", "--force-color-profile=srgb",
                      "--disable-lcd-text", "--font-render-hinting=none")


def launch_args(proxy_url: str) -> list[str]:
    """Chromium flags: the closed-network set, and all traffic through minedag's guard proxy at ``proxy_url``.

    Loopback goes through the proxy too (``<-loopback>``); Chromium's own resolver answers nothing but the
    proxy's address, and WebRTC may not send UDP around the proxy (see ``minedag.capture.guard``).
    """
    return [*CLOSED_NETWORK_FLAGS, f"--proxy-server={proxy_url}", "--proxy-bypass-list=<-loopback>",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            "--force-webrtc-ip-handling-policy=disable_non_proxied_udp", *PIXEL_STABLE_FLAGS]


def sandbox_allowed() -> bool:
    """Renderers run in Chromium's sandbox (seccomp-bpf + namespaces) unless minedag runs as root.

    Chromium refuses its sandbox as root, so Playwright then passes ``--no-sandbox``: a renderer exploit would
    run with root's rights. Run minedag as an ordinary user (the container image and Kubernetes config do) to
    keep it; README, Security, says more. ``MINEDAG_SANDBOX=off`` turns it off for a user too (a container
    whose seccomp profile forbids user namespaces: Chromium then fails to start with "No usable sandbox").
    """
    if os.environ.get("MINEDAG_SANDBOX", "").lower() in ("off", "0", "false"):
        return False
    return hasattr(os, "geteuid") and os.geteuid() != 0
