"""URL list files (one URL per line, ``#`` comments): parse, canonicalise, report rejects and duplicates."""

from __future__ import annotations

import dataclasses
import errno
import fcntl
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
            out.rejected.append((number, mask_params(text)[:500], mask_params(str(exc))))
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


MAX_LINE_BYTES = 16_384  # a longer line holds no URL (see ``MAX_URL_LENGTH``): skipped whole, never waited on
UNKNOWN_WRITERS_SETTLED_S = 600.0  # where writers cannot be seen (no lease), an unfinished line waits this long


@dataclass(frozen=True)
class FilePosition:
    """How far a watched URL file has been read: which file (device, inode), the byte offset of the next unread
    line, its line number, a fingerprint of the bytes before it (a file rewritten in place is read again), and
    whether the reader is inside an over-long line it skips."""

    device: int = 0
    inode: int = 0
    offset: int = 0
    line: int = 0
    fingerprint: str = ""
    skipping: bool = False

    def to_json(self) -> dict[str, int | str | bool]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: object) -> FilePosition:
        return cls(**data) if isinstance(data, dict) else cls()  # an older cursor (a line count) reads again


@dataclass
class NewLines:
    """Lines added to a watched file since a position: ``lines`` numbered from ``first`` (a skipped line stays as an
    empty string, so numbers hold), ``skipped`` as (line number, reason), and the position after them."""

    lines: list[str]
    first: int
    position: FilePosition
    skipped: list[tuple[int, str]] = field(default_factory=list)


def read_new_lines(path: Path, position: FilePosition, max_lines: int, settled_s: float = 5.0) -> NewLines:
    """The complete lines added to ``path`` since ``position``, at most ``max_lines``.

    A last line without its newline is taken only once the file is closed for good: no process holds it open for
    writing (a Linux read lease says so) and it has not changed for ``settled_s`` seconds; a writer paused
    mid-line never has half a URL registered. A line over ``MAX_LINE_BYTES`` is skipped with a reason and never
    blocks the lines after it. A file replaced (another inode) or rewritten (the bytes already read changed) is read
    from its start; callers drop URLs they already know, so each new URL is taken exactly once.
    """
    with path.open("rb") as handle:
        stat = os.fstat(handle.fileno())
        same_file = (stat.st_dev, stat.st_ino) == (position.device, position.inode) and stat.st_size >= position.offset
        if not same_file or _fingerprint(handle, position.offset) != position.fingerprint:
            position = FilePosition(stat.st_dev, stat.st_ino)
        handle.seek(position.offset)
        number, skipping = position.line, position.skipping
        out = NewLines([], number + 1, position)
        if skipping:  # the rest of an over-long line, up to its newline
            skipping = not _skip_line(handle)
            number += not skipping
            out.first = number + 1
        while not skipping and len(out.lines) < max_lines:
            start = handle.tell()
            raw = handle.readline(MAX_LINE_BYTES + 1)
            if not raw:
                break
            if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
                out.skipped.append((number + 1, f"a line of over {MAX_LINE_BYTES:,} bytes, skipped (no URL is that long)"))
                out.lines.append("")
                skipping = not _skip_line(handle)
                number += not skipping
                continue
            if not raw.endswith(b"\n") and not _closed_for_good(handle, stat, settled_s):
                handle.seek(start)  # still being written: read again on the next call
                break
            number += 1
            out.lines.append(raw.decode("utf-8", errors="replace"))
        offset = handle.tell()
        out.position = FilePosition(stat.st_dev, stat.st_ino, offset, number, _fingerprint(handle, offset), skipping)
    return out


def _skip_line(handle: BinaryIO) -> bool:
    """Read past the next newline; ``False`` if the file ends first (the line goes on being skipped later)."""
    while chunk := handle.readline(1 << 20):
        if chunk.endswith(b"\n"):
            return True
    return False


def _closed_for_good(handle: BinaryIO, stat: os.stat_result, settled_s: float) -> bool:
    """No writer holds the file open (a read lease is refused while one does) and it is ``settled_s`` old."""
    age = time.time() - stat.st_mtime
    if age < settled_s:
        return False
    try:
        fcntl.fcntl(handle.fileno(), fcntl.F_SETLEASE, fcntl.F_RDLCK)
    except OSError as exc:
        return exc.errno not in (errno.EAGAIN, errno.EBUSY) and age > UNKNOWN_WRITERS_SETTLED_S
    fcntl.fcntl(handle.fileno(), fcntl.F_SETLEASE, fcntl.F_UNLCK)
    return True


def _fingerprint(handle: BinaryIO, offset: int) -> str:
    """sha256 of the (up to) 4 KiB before ``offset``: the last bytes already read."""
    start = max(0, offset - 4096)
    handle.seek(start)
    return hashlib.sha256(handle.read(offset - start)).hexdigest()
