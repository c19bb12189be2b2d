"""One browser navigation per URL -> one ``PageCapture`` (Playwright + Chrome DevTools Protocol).

No Dagster imports here: the capture layer is plain Python, usable from the CLI and tests. The browser side
(``Capturer``, ``capture_urls``) loads Playwright when first used, so reading a stored capture (profiles, bundles,
tests on golden captures) does not.

- ``engine``: one polite capture (``Capturer``) and ``capture_urls``; ``pool``: the browser, per-site contexts and tabs;
  ``scheduler``: which URL next; ``collectors`` (+ ``js/``): what is read off a loaded page; ``guard``: where the
  browser may connect; ``politeness``: robots.txt, delays, back-off; ``memory``: the renderer watchdog;
  ``redact``: secrets masked; ``conditional``: "changed since?"; ``model``/``options``: the data and the settings.
"""

from typing import TYPE_CHECKING, Any

from minedag.capture.model import PageCapture, PreviousCapture
from minedag.capture.options import CaptureOptions

if TYPE_CHECKING:
    from minedag.capture.engine import Capturer, capture_urls

__all__ = ["CaptureOptions", "Capturer", "PageCapture", "PreviousCapture", "capture_urls"]


def __getattr__(name: str) -> Any:
    if name in {"Capturer", "capture_urls"}:
        from minedag.capture import engine

        return getattr(engine, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
