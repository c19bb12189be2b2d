"""URL list files (one URL per line, ``#`` comments): parse, canonicalise, report rejects and duplicates."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from minedag.urls import InvalidURL, canonical_url


@dataclass
class UrlList:
    """The outcome of reading URL lines: accepted canonical URLs (first-seen order), rejects and duplicates."""

    urls: list[str] = field(default_factory=list)
    rejected: list[tuple[int, str, str]] = field(default_factory=list)  # (line number, text, reason)
    duplicates: int = 0


def parse_lines(lines: Iterable[str], start: int = 1) -> UrlList:
    out, seen = UrlList(), set()
    for number, line in enumerate(lines, start):
        text = re.split(r"\s#", line, maxsplit=1)[0].strip()  # "#" after whitespace starts a comment
        if not text or text.startswith("#"):
            continue
        try:
            url = canonical_url(text)
        except InvalidURL as exc:
            out.rejected.append((number, text, str(exc)))
            continue
        if url in seen:
            out.duplicates += 1
            continue
        seen.add(url)
        out.urls.append(url)
    return out


def read_url_file(path: str | Path) -> UrlList:
    """Parse a URL list file.

    Raises:
        FileNotFoundError: with the path, if it does not exist.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"URL file {str(path)!r} not found; give a text file with one URL per line")
    with path.open(encoding="utf-8", errors="replace") as handle:
        return parse_lines(handle)
