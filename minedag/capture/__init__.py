"""One browser navigation per URL -> one ``PageCapture`` (Playwright + Chrome DevTools Protocol).

No Dagster imports here: the capture layer is plain Python, usable from the CLI and tests. The browser side
(``CaptureOptions``, ``Capturer``, ``capture_urls``) loads Playwright when first used, so reading a stored capture
(profiles, bundles, tests on golden captures) does not.
"""

from typing import TYPE_CHECKING, Any

from minedag.capture.model import PageCapture, PreviousCapture

if TYPE_CHECKING:
    from minedag.capture.engine import CaptureOptions, Capturer, capture_urls

__all__ = ["CaptureOptions", "Capturer", "PageCapture", "PreviousCapture", "capture_urls"]


def __getattr__(name: str) -> Any:
    if name in {"CaptureOptions", "Capturer", "capture_urls"}:
        from minedag.capture import engine

        return getattr(engine, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
