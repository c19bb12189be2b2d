"""One browser navigation per URL -> one ``PageCapture`` (Playwright + Chrome DevTools Protocol).

No Dagster imports here: the capture layer is plain Python, usable from the CLI and tests.
"""

from minedag.capture.engine import CaptureOptions, Capturer, capture_urls
from minedag.capture.model import PageCapture, PreviousCapture

__all__ = ["CaptureOptions", "Capturer", "PageCapture", "PreviousCapture", "capture_urls"]
