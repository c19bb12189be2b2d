"""URL list files (one URL per line, ``#`` comments): parse, canonicalise, report rejects and duplicates."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from minedag.urls import InvalidURL, canonical_url, mask_params


@dataclass
class UrlList:
    """The outcome of reading URL lines: accepted canonical URLs (first-seen order), rejects and duplicates."""

    urls: list[str] = field(default_factory=list)
    rejected: list[tuple[int, str, str]] = field(default_factory=list)  # (line number, text, reason)
    duplicates: int = 0


def parse_lines(lines: Iterable[str], start: int = 1) -> UrlList:
    out, seen = UrlList(), set()
    for number, line in enumerate(lines, start):
        if number == start:
            line = line.removeprefix("\ufeff")  # a byte-order mark on the first line
        text = re.split(r"\s#", line, maxsplit=1)[0].strip()  # "#" after whitespace starts a comment
        if not text or text.startswith("#"):
            continue
        try:
            url = canonical_url(text)
        except InvalidURL as exc:  # reported in logs and on consoles: never with a secret parameter's value
            out.rejected.append((number, mask_params(text), mask_params(str(exc))))
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


@dataclass(frozen=True)
class FilePosition:
    """How far a watched URL file has been read: which file (device, inode), the byte offset of the next unread
    line, its line number, and a fingerprint of the bytes before it (a file rewritten in place is read again)."""

    device: int = 0
    inode: int = 0
    offset: int = 0
    line: int = 0
    fingerprint: str = ""

    def to_json(self) -> dict[str, int | str]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: object) -> FilePosition:
        return cls(**data) if isinstance(data, dict) else cls()  # an older cursor (a line count) reads again


def read_new_lines(path: Path, position: FilePosition, max_lines: int, settled_s: float = 60.0
                   ) -> tuple[list[str], int, FilePosition]:
    """Complete lines added to ``path`` since ``position``: ``(lines, first line number, new position)``.

    A line still being written (no newline yet) waits for the next read, unless the file has not changed for
    ``settled_s`` seconds. A file replaced (another inode) or rewritten (the bytes already read changed) is read
    from its start; callers drop URLs they already know, so each new URL is taken exactly once.
    """
    with path.open("rb") as handle:
        stat = os.fstat(handle.fileno())
        same_file = (stat.st_dev, stat.st_ino) == (position.device, position.inode) and stat.st_size >= position.offset
        if not same_file or _fingerprint(handle, position.offset) != position.fingerprint:
            position = FilePosition(stat.st_dev, stat.st_ino)
        handle.seek(position.offset)
        data = handle.read(max_lines * 2100)  # URLs are at most ~2,000 characters
        complete = data[: data.rfind(b"\n") + 1]
        settled = time.time() - stat.st_mtime > settled_s and handle.tell() >= stat.st_size
        if settled and len(complete) < len(data) and data.count(b"\n") < max_lines:
            complete = data
        raw = complete.splitlines(keepends=True)[:max_lines]
        taken = sum(map(len, raw))
        offset = position.offset + taken
        lines = [line.decode("utf-8", errors="replace") for line in raw]
        new = FilePosition(stat.st_dev, stat.st_ino, offset, position.line + len(lines), _fingerprint(handle, offset))
    return lines, position.line + 1, new


def _fingerprint(handle: BinaryIO, offset: int) -> str:
    """sha256 of the (up to) 4 KiB before ``offset``: the last bytes already read."""
    start = max(0, offset - 4096)
    handle.seek(start)
    return hashlib.sha256(handle.read(offset - start)).hexdigest()
