"""The store: content-addressed captures and one Parquet record file per (profile, URL), all under one root.

Layout (``root`` defaults to ``data/store``)::

    captures/objects/ab/<capture_id>.json.gz   immutable, content-addressed
    captures/screens/ab/<sha256>.png           immutable, content-addressed
    captures/latest/<url_id>.json              pointer: the capture that is a URL's record, and its latest failed attempt
    captures/links/<url_id>.json               the out-links of its newest good capture (for crawls)
    records/<profile>/<batch>.parquet          record batches (content-addressed); a URL's newest row wins

A record is only ever replaced by a better one: a failed re-capture (a timeout, a refusal, an open circuit, a 5xx)
of a page whose record is good keeps the good capture as the record and is noted as the pointer's ``attempt``;
only a final failure replaces it (robots.txt now disallows the page, or it has answered 404/410 for
``GONE_AFTER_DAYS``).

Every write goes to a temporary file in the target directory, is flushed to disk and renamed into place, so
a reader never sees half a file and neither a crash nor a power loss corrupts earlier results. A file that
cannot be read all the same (a disk error, a hand edit) costs only the pages it holds: it is moved to
``quarantine/<its path>`` with a ``.reason`` file beside it, and those pages are captured or extracted again.
"""

from __future__ import annotations

import gzip
import json
import logging
import os
import tempfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from minedag.capture.model import PageCapture, PreviousCapture, content_address
from minedag.errors import MinedagError
from minedag.urls import url_id

log = logging.getLogger(__name__)

COMPACT_AFTER = 64  # record batch files per profile before they are compacted into one
GONE_AFTER_DAYS = 7  # a good page that has answered 404/410 this long is gone: its record becomes the 404
FINAL_KINDS = frozenset({"robots"})  # failures that replace a good record at once (the site said no)

# What reading a damaged file raises: truncated gzip (EOFError), bad gzip/zlib data, bad JSON or UTF-8 (ValueError),
# JSON of the wrong shape (TypeError, KeyError), unreadable Parquet (pyarrow's errors). Not other OSErrors: a
# permission or disk error is no reason to move a file.
UNREADABLE = (EOFError, gzip.BadGzipFile, ValueError, TypeError, KeyError, zlib.error, pa.ArrowException)


class CorruptFile(MinedagError):
    """A store file could not be read; it has been quarantined (the message says where and why)."""


def atomic_write(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Write ``data`` to ``path`` atomically (temp file in the same directory, fsync, rename, fsync the directory).

    Readers never see a partial file, and after a power loss ``path`` holds the old or the new bytes, whole.
    ``durable=False`` skips both fsyncs (for files that can be rebuilt).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if durable:  # the rename itself is only durable once the directory entry is on disk
        folder = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)


@dataclass(frozen=True)
class CapturePointer:
    """What ``captures/latest/<url_id>.json`` says about the newest capture of a URL."""

    url: str
    capture_id: str
    captured_at: str
    ok: bool
    status: int | None
    content_hash: str | None
    error: str | None
    error_kind: str | None = None
    checked_at: str = ""  # the last time the page was fetched, unchanged or not (freshness counts from here)
    etag: str | None = None
    last_modified: str | None = None
    capture_ms: float | None = None  # the capture's wall time
    html_chars: int | None = None  # length of the rendered HTML
    attempt: dict[str, Any] | None = None  # the latest failed re-capture that did not replace this good one

    @property
    def fresh_as_of(self) -> str:
        return max(self.checked_at, self.captured_at)

    @property
    def good(self) -> bool:
        """The page was captured as HTML with a 2xx/3xx status."""
        return self.ok and (self.status or 0) < 400

    @property
    def last_tried(self) -> str:
        """When the page was last fetched, whatever the outcome."""
        return max(self.fresh_as_of, (self.attempt or {}).get("at", ""))

    @property
    def failure(self) -> dict[str, Any] | None:
        """The latest failure still standing: the failed attempt beside a good record, or the record's own failure
        (``capture_id``, ``at``, ``error_kind``, ``error``, ``status``); ``None`` when the page's last fetch was fine."""
        if self.attempt is not None:
            return self.attempt
        if self.good:
            return None
        return {"capture_id": self.capture_id, "at": self.captured_at, "error_kind": self.error_kind,
                "error": self.error, "status": self.status}


def _replaces(new: PageCapture, old: CapturePointer | None, first_failed: str | None) -> bool:
    """Whether ``new`` becomes the page's record in place of ``old``: never a worse capture for a good one, unless
    the failure is final (robots.txt, or 404/410 since ``first_failed`` for ``GONE_AFTER_DAYS``)."""
    if old is None or not old.good or (new.ok and not new.http_error):
        return True
    if new.error_kind in FINAL_KINDS:
        return True
    if new.ok and new.status in (404, 410) and first_failed:
        try:
            return datetime.fromisoformat(new.captured_at) - datetime.fromisoformat(first_failed) >= timedelta(days=GONE_AFTER_DAYS)
        except ValueError:
            return False
    return False


class Store:
    """Reads and writes captures and records under ``root``."""

    def __init__(self, root: str | os.PathLike[str]):
        self.root = Path(root)

    # -- captures ---------------------------------------------------------------------------------------
    def put_capture(self, cap: PageCapture) -> str:
        """Store ``cap`` (and its screenshot) and make it the URL's record if it is no worse. Returns the capture id.

        An unchanged re-check (``cap.unchanged_since``) stores nothing new: the pointer keeps the earlier
        capture and only notes when it was confirmed. A failed re-capture of a good page is stored as an object and
        noted as the pointer's ``attempt``; the good capture stays the record (see the module's docstring).
        """
        earlier = self.latest(cap.url)
        if cap.unchanged_since and earlier is not None and earlier.capture_id == cap.unchanged_since:
            atomic_write(self._pointer_path(cap.url),
                         json.dumps({**earlier.__dict__, "checked_at": cap.captured_at, "attempt": None}).encode())
            return earlier.capture_id
        if cap.screenshot:
            import hashlib

            digest = hashlib.sha256(cap.screenshot).hexdigest()
            cap.screenshot_sha256 = digest
            target = self.root / "captures" / "screens" / digest[:2] / f"{digest}.png"
            if not target.exists():
                atomic_write(target, cap.screenshot)
        body = cap.to_json()
        capture_id = content_address(body)
        target = self._capture_path(capture_id)
        if not target.exists():
            atomic_write(target, gzip.compress(body, compresslevel=5))
        first_failed = (earlier.attempt or {}).get("since") if earlier is not None else None
        if not _replaces(cap, earlier, first_failed):
            assert earlier is not None
            attempt = {"capture_id": capture_id, "at": cap.captured_at, "error_kind": cap.error_kind or f"http_{cap.status}",
                       "error": cap.error or f"HTTP {cap.status}", "status": cap.status,
                       "since": first_failed or cap.captured_at, "count": (earlier.attempt or {}).get("count", 0) + 1}
            atomic_write(self._pointer_path(cap.url), json.dumps({**earlier.__dict__, "attempt": attempt}).encode())
            return capture_id
        headers = cap.response_headers if cap.ok and not cap.http_error else {}
        pointer = CapturePointer(cap.url, capture_id, cap.captured_at, cap.ok, cap.status, cap.content_hash, cap.error,
                                 cap.error_kind, cap.captured_at, headers.get("etag"), headers.get("last-modified"),
                                 cap.timing.get("total_ms"), len(cap.rendered_html or cap.raw_html))
        atomic_write(self._pointer_path(cap.url), json.dumps(pointer.__dict__).encode())
        if cap.ok and not cap.http_error:  # a crawl follows these without opening the capture
            nofollow = "nofollow" in cap.robots_meta or "nofollow" in (cap.response_headers.get("x-robots-tag") or "").lower()
            atomic_write(self._links_path(cap.url), json.dumps({"capture_id": capture_id, "final_url": cap.final_url or cap.url,
                                                                "nofollow": nofollow, "links": cap.links}).encode(),
                         durable=False)
        return capture_id

    def links(self, url: str) -> dict[str, Any] | None:
        """The out-links of ``url``'s newest good capture: ``{"final_url", "nofollow" (the page says so), "links":
        [[href, rel], ...]}``; ``None`` if it has none (never captured well, or the file is unreadable)."""
        try:
            return json.loads(self._links_path(url).read_bytes())
        except (FileNotFoundError, *UNREADABLE):
            return None

    def remove(self, urls: Iterable[str], profiles: Iterable[str] | None = None) -> int:
        """Forget ``urls``: their pointers, out-links, the capture objects their pointers name (the record and the
        latest failed attempt: a capture holds its URL, so no other page shares it) and their records of ``profiles``
        (default: every record folder, campaigns included). Returns how many URLs had a pointer. Safe to run twice."""
        import pyarrow.compute as pc

        urls = set(urls)
        had = 0
        for url in urls:
            pointer = self.latest(url)
            if pointer is not None:
                for capture_id in {pointer.capture_id, (pointer.attempt or {}).get("capture_id")} - {None}:
                    self._capture_path(capture_id).unlink(missing_ok=True)
            for path in (self._pointer_path(url), self._links_path(url)):
                if path.exists():
                    had += path == self._pointer_path(url)
                    path.unlink(missing_ok=True)
        gone = pa.array(sorted(urls), type=pa.string())
        if profiles is None:
            folder = self.root / "records"
            profiles = sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []
        for profile in profiles:
            for path, mtime_ns in self._batches(profile):
                table = self._read_batch(path, None, None)
                if table is None or "url" not in table.column_names:
                    continue
                keep = pc.invert(pc.is_in(table["url"], value_set=gone))
                if pc.all(keep).as_py():
                    continue
                if pc.any(keep).as_py():
                    self._write_batch(profile, table.filter(keep), mtime_ns=mtime_ns)
                path.unlink(missing_ok=True)
        return had

    def latest(self, url: str) -> CapturePointer | None:
        """The pointer to the newest capture of ``url``; ``None`` if never captured (or its pointer was unreadable)."""
        return self._read_pointer(self._pointer_path(url))

    def _read_pointer(self, path: Path) -> CapturePointer | None:
        try:
            return CapturePointer(**json.loads(path.read_bytes()))
        except FileNotFoundError:
            return None
        except UNREADABLE as exc:  # the page counts as never captured: the next run captures it again
            self.quarantine(path, f"unreadable capture pointer: {exc!r}")
            return None

    def previous(self, url: str) -> PreviousCapture | None:
        """What a re-mine of ``url`` can ask the server about: its last good capture's validators and body hash.

        ``None`` when there is nothing to compare with, or the capture it points at is gone (quarantined).
        """
        pointer = self.latest(url)
        if pointer is None or not pointer.ok or (pointer.status or 0) >= 400:
            return None
        if not self._capture_path(pointer.capture_id).exists():
            return None
        return PreviousCapture(pointer.capture_id, pointer.etag, pointer.last_modified, pointer.content_hash)

    def load_capture(self, url: str) -> PageCapture | None:
        """The newest capture of ``url``, or ``None`` if it was never captured."""
        pointer = self.latest(url)
        return None if pointer is None else self.load_capture_id(pointer.capture_id)

    def load_capture_id(self, capture_id: str) -> PageCapture:
        """The capture stored under ``capture_id``.

        Raises:
            CorruptFile: it is missing or unreadable (an unreadable one is quarantined first).
        """
        path = self._capture_path(capture_id)
        try:
            return PageCapture.from_dict(json.loads(gzip.decompress(path.read_bytes())))
        except FileNotFoundError as exc:
            raise CorruptFile(f"capture {capture_id} is missing from the store (quarantined earlier?)") from exc
        except UNREADABLE as exc:
            raise CorruptFile(self.quarantine(path, f"unreadable capture: {exc!r}")) from exc

    def quarantine(self, path: Path, reason: str) -> str:
        """Move the unreadable store file ``path`` to ``quarantine/`` with a ``.reason`` beside it; returns a message."""
        target = self.root / "quarantine" / path.relative_to(self.root)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.replace(path, target)
        except FileNotFoundError:  # another reader moved it first
            pass
        atomic_write(target.with_name(target.name + ".reason"), reason.encode())
        message = f"{path.relative_to(self.root)} quarantined to {target.relative_to(self.root)}: {reason}"
        log.warning(message)
        return message

    def quarantined(self) -> list[dict[str, str]]:
        """The files moved to ``quarantine/`` and why (``minedag status`` lists them)."""
        folder = self.root / "quarantine"
        return [{"file": str(p.relative_to(folder))[: -len(".reason")], "reason": p.read_text()}
                for p in sorted(folder.rglob("*.reason"))] if folder.exists() else []

    def _capture_path(self, capture_id: str) -> Path:
        return self.root / "captures" / "objects" / capture_id[:2] / f"{capture_id}.json.gz"

    def screenshot_path(self, digest: str) -> Path:
        return self.root / "captures" / "screens" / digest[:2] / f"{digest}.png"

    def pointers(self) -> list[CapturePointer]:
        folder = self.root / "captures" / "latest"
        found = (self._read_pointer(p) for p in sorted(folder.glob("*.json"))) if folder.exists() else ()
        return [p for p in found if p is not None]

    def captured_since(self, urls: Iterable[str], since: float) -> int:
        """How many of ``urls`` got a capture (ok or failed) after the epoch time ``since``: for progress bars."""
        count = 0
        for url in urls:
            try:
                count += self._pointer_path(url).stat().st_mtime >= since
            except FileNotFoundError:
                pass
        return count

    def _pointer_path(self, url: str) -> Path:
        return self.root / "captures" / "latest" / f"{url_id(url)}.json"

    def _links_path(self, url: str) -> Path:
        return self.root / "captures" / "links" / f"{url_id(url)}.json"

    # -- records ----------------------------------------------------------------------------------------
    def write_records(self, profile: str, rows: Iterable[dict[str, Any]], schema: pa.Schema) -> int:
        """Write ``rows`` as one record batch; for each URL the newest batch holding it wins on read.

        The file name is the hash of its content, so re-running the same batch writes nothing new. Past
        ``COMPACT_AFTER`` batch files the profile's batches are compacted into one (readers open every file).
        """
        rows = list(rows)
        if not rows:
            return 0
        self._write_batch(profile, pa.Table.from_pylist(rows, schema=schema))
        if len(self._batches(profile)) > COMPACT_AFTER:
            self.compact(profile, schema)
        return len(rows)

    def _write_batch(self, profile: str, table: pa.Table, mtime_ns: int | None = None) -> Path:
        import hashlib

        sink = pa.BufferOutputStream()
        pq.write_table(table, sink, compression="zstd")
        data = sink.getvalue().to_pybytes()
        target = self.root / "records" / profile / f"{hashlib.sha256(data).hexdigest()[:24]}.parquet"
        if not target.exists():
            atomic_write(target, data)
        # The newest batch (again): its rows win over earlier ones. A compacted batch keeps its inputs' time.
        if mtime_ns is None:
            os.utime(target)
        else:
            os.utime(target, ns=(mtime_ns, mtime_ns))
        return target

    def _batches(self, profile: str) -> list[tuple[Path, int]]:
        """A profile's batch files with their mtimes, oldest first (the order in which their rows win)."""
        folder = self.root / "records" / profile
        found = []
        for path in folder.glob("*.parquet") if folder.exists() else ():
            try:
                found.append((path, path.stat().st_mtime_ns))
            except FileNotFoundError:  # compacted or quarantined meanwhile
                continue
        return sorted(found, key=lambda f: (f[1], f[0].name))

    def read_records(self, profile: str, urls: Iterable[str] | None = None, schema: pa.Schema | None = None,
                     columns: list[str] | None = None) -> pa.Table:
        """The newest record of every URL (or of ``urls``) for ``profile``, as one Arrow table (``columns``: only these)."""
        return self._newest([f for f, _ in self._batches(profile)], urls, schema, columns)

    def _newest(self, files: list[Path], urls: Iterable[str] | None, schema: pa.Schema | None,
                columns: list[str] | None) -> pa.Table:
        import pyarrow.compute as pc

        if columns is not None:
            columns, schema = list(dict.fromkeys(["url", *columns])), None
        tables = [t for f in files if (t := self._read_batch(f, schema, columns)) is not None]
        if not tables:
            return schema.empty_table() if schema is not None else pa.table({})
        table = pa.concat_tables(tables, promote_options="default" if schema is None else "none")
        if urls is not None:
            table = table.filter(pc.is_in(table["url"], value_set=pa.array(list(urls), type=pa.string())))
        # newest wins: the highest position in (mtime-ordered) concatenation for each URL
        table = table.append_column("__order", pa.array(range(table.num_rows), type=pa.int64()))
        newest = table.group_by("url").aggregate([("__order", "max")]).column("__order_max")
        positions = pc.take(newest, pc.sort_indices(newest))  # row positions of the newest rows, in write order
        return table.take(positions).drop_columns(["__order"])

    def _read_batch(self, path: Path, schema: pa.Schema | None, columns: list[str] | None) -> pa.Table | None:
        """One record batch file; ``None`` (and quarantined) if it is not readable Parquet.

        Its pages then have no stored record, so the next profiles run extracts them again from their captures.
        """
        try:
            return pq.read_table(path, schema=schema, columns=columns)
        except FileNotFoundError:  # compacted away by another process meanwhile
            return None
        except UNREADABLE as exc:
            try:
                pq.read_table(path)
            except UNREADABLE:
                self.quarantine(path, f"unreadable record batch: {exc!r}")
                return None
            raise  # readable Parquet that does not fit the asked schema: a bug, not a damaged file

    def compact(self, profile: str, schema: pa.Schema) -> int:
        """Rewrite a profile's batches as one file holding only their newest rows; returns the rows kept.

        Safe beside writers: the new file takes the time of the newest batch it replaces, so a batch written
        meanwhile stays newer, and only the batches read are deleted.
        """
        batches = self._batches(profile)
        if not batches:
            return 0
        table = self._newest([f for f, _ in batches], None, schema, None)
        kept = self._write_batch(profile, table, mtime_ns=batches[-1][1])
        for path, _ in batches:
            if path != kept:
                path.unlink(missing_ok=True)
        return table.num_rows
