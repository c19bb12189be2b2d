"""Small PNG charts for the Dagster UI and the bundle folders (matplotlib, headless, deterministic bytes)."""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

_PNG = {"Software": None}  # no tool stamp: the same chart gives the same bytes
_ACCENT, _MUTED = "#4f43dd", "#c8c4f5"


def _png(fig, tight: bool = True) -> bytes:
    """The figure as PNG bytes; ``tight`` fits the margins to the labels (a second draw: ≈ 45 ms a chart)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=72, bbox_inches="tight" if tight else None, metadata=_PNG)
    plt.close(fig)
    return buffer.getvalue()


def coverage_chart(coverage: dict[str, float], title: str, required: Sequence[str] = ()) -> bytes:
    """Horizontal bars: the share of records (0-1) holding each attribute; required attributes in the accent colour."""
    names = list(coverage)[::-1]
    fig, ax = plt.subplots(figsize=(7, 0.6 + 0.24 * max(len(names), 1)))
    ax.barh(names, [coverage[n] for n in names], color=[_ACCENT if n in required else _MUTED for n in names])
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set_title(title, loc="left", fontsize=10)
    ax.tick_params(labelsize=8)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return _png(fig)


def quality_histogram(scores: Sequence[float], title: str) -> bytes:
    """Histogram of quality scores (0-100) in ten-point bins."""
    fig, ax = plt.subplots(figsize=(7, 2.4))
    ax.hist(list(scores), bins=range(0, 101, 10), color=_ACCENT, edgecolor="white")
    ax.set_xlim(0, 100)
    ax.set_xlabel("quality score", fontsize=8)
    ax.set_ylabel("records", fontsize=8)
    ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.set_title(f"{title} (n={len(scores)})", loc="left", fontsize=10)
    ax.tick_params(labelsize=8)
    fig.subplots_adjust(left=0.09, right=0.98, bottom=0.2, top=0.88)  # fixed labels: fixed margins (one per batch)
    return _png(fig, tight=False)


def link_graph(links: Sequence[dict], title: str, limit: int = 20) -> bytes:
    """Data attributes on the left, the tables they map to on the right; line width grows with confidence."""
    links = sorted(links, key=lambda x: (-x["occurrences"], x["attribute"]))[:limit]
    left = sorted({x["attribute"] for x in links})
    right = sorted({x["table"] for x in links})
    fig, ax = plt.subplots(figsize=(7, 0.8 + 0.32 * max(len(left), len(right), 1)))
    ys = lambda items: {n: 1 - i / max(len(items) - 1, 1) for i, n in enumerate(items)}  # noqa: E731
    yl, yr = ys(left), ys(right)
    for x in links:
        ax.plot([0.3, 0.7], [yl[x["attribute"]], yr[x["table"]]], color=_ACCENT, alpha=0.6, lw=0.5 + 3 * x["confidence"])
    for name, y in yl.items():
        ax.text(0.29, y, name, ha="right", va="center", fontsize=8, family="monospace")
    for name, y in yr.items():
        ax.text(0.71, y, name, ha="left", va="center", fontsize=9, weight="bold")
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.1, 1.1)
    ax.axis("off")
    ax.set_title(title, loc="left", fontsize=10)
    return _png(fig)


def markdown_image(png: bytes, alt: str) -> str:
    """Markdown that shows ``png`` inline (the Dagster UI renders data URIs in Markdown metadata)."""
    return f"![{alt}](data:image/png;base64,{base64.b64encode(png).decode()})"
