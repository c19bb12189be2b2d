"""The store: content-addressed captures and one Parquet record file per (profile, URL), all under one root.

Layout (``root`` defaults to ``data/store``)::

    captures/objects/ab/<capture_id>.json.gz   immutable, content-addressed
    captures/screens/ab/<sha256>.png           immutable, content-addressed
    captures/latest/<url_id>.json              pointer: the newest capture of a URL
    records/<profile>/<batch>.parquet          record batches (content-addressed); a URL's newest row wins

Every write goes to a temporary file in the target directory and is renamed into place, so a
reader never sees half a file and a crash never corrupts earlier results.
"""

from __future__ import annotations

import gzip
import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from minedag.capture.model import PageCapture, PreviousCapture
from minedag.urls import url_id


def atomic_write(path: Path, data: bytes, *, durable: bool = False) -> None:
    """Write ``data`` to ``path`` atomically (temp file in the same directory, rename).

    Readers never see a partial file. ``durable`` also fsyncs (survives power loss; ~10x slower on small files).
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

    @property
    def fresh_as_of(self) -> str:
        return max(self.checked_at, self.captured_at)


class Store:
    """Reads and writes captures and records under ``root``."""

    def __init__(self, root: str | os.PathLike[str]):
        self.root = Path(root)

    # -- captures ---------------------------------------------------------------------------------------
    def put_capture(self, cap: PageCapture) -> str:
        """Store ``cap`` (and its screenshot) and point the URL's ``latest`` at it. Returns the capture id.

        An unchanged re-check (``cap.unchanged_since``) stores nothing new: the pointer keeps the earlier
        capture and only notes when it was confirmed.
        """
        if cap.unchanged_since:
            earlier = self.latest(cap.url)
            if earlier is not None and earlier.capture_id == cap.unchanged_since:
                atomic_write(self._pointer_path(cap.url), json.dumps({**earlier.__dict__, "checked_at": cap.captured_at}).encode())
                return earlier.capture_id
        if cap.screenshot:
            import hashlib

            digest = hashlib.sha256(cap.screenshot).hexdigest()
            cap.screenshot_sha256 = digest
            target = self.root / "captures" / "screens" / digest[:2] / f"{digest}.png"
            if not target.exists():
                atomic_write(target, cap.screenshot)
        body = cap.to_json()
        capture_id = cap.capture_id
        target = self.root / "captures" / "objects" / capture_id[:2] / f"{capture_id}.json.gz"
        if not target.exists():
            atomic_write(target, gzip.compress(body, compresslevel=5))
        headers = cap.response_headers if cap.ok and not cap.http_error else {}
        pointer = CapturePointer(cap.url, capture_id, cap.captured_at, cap.ok, cap.status, cap.content_hash, cap.error,
                                 cap.error_kind, cap.captured_at, headers.get("etag"), headers.get("last-modified"))
        atomic_write(self._pointer_path(cap.url), json.dumps(pointer.__dict__).encode())
        return capture_id

    def latest(self, url: str) -> CapturePointer | None:
        path = self._pointer_path(url)
        if not path.exists():
            return None
        return CapturePointer(**json.loads(path.read_text()))

    def previous(self, url: str) -> PreviousCapture | None:
        """What a re-mine of ``url`` can ask the server about: its last good capture's validators and body hash."""
        pointer = self.latest(url)
        if pointer is None or not pointer.ok or (pointer.status or 0) >= 400:
            return None
        return PreviousCapture(pointer.capture_id, pointer.etag, pointer.last_modified, pointer.content_hash)

    def load_capture(self, url: str) -> PageCapture | None:
        """The newest capture of ``url``, or ``None`` if it was never captured."""
        pointer = self.latest(url)
        return None if pointer is None else self.load_capture_id(pointer.capture_id)

    def load_capture_id(self, capture_id: str) -> PageCapture:
        path = self.root / "captures" / "objects" / capture_id[:2] / f"{capture_id}.json.gz"
        return PageCapture.from_dict(json.loads(gzip.decompress(path.read_bytes())))

    def screenshot_path(self, digest: str) -> Path:
        return self.root / "captures" / "screens" / digest[:2] / f"{digest}.png"

    def pointers(self) -> list[CapturePointer]:
        folder = self.root / "captures" / "latest"
        return [CapturePointer(**json.loads(p.read_text())) for p in sorted(folder.glob("*.json"))] if folder.exists() else []

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

    # -- records ----------------------------------------------------------------------------------------
    def write_records(self, profile: str, rows: Iterable[dict[str, Any]], schema: pa.Schema) -> int:
        """Write ``rows`` as one record batch; for each URL the newest batch holding it wins on read.

        The file name is the hash of its content, so re-running the same batch writes nothing new.
        """
        rows = list(rows)
        if not rows:
            return 0
        table = pa.Table.from_pylist(rows, schema=schema)
        sink = pa.BufferOutputStream()
        pq.write_table(table, sink, compression="zstd")
        data = sink.getvalue().to_pybytes()
        import hashlib

        target = self.root / "records" / profile / f"{hashlib.sha256(data).hexdigest()[:24]}.parquet"
        if target.exists():
            os.utime(target)  # the newest batch again: its rows win over later-written stale ones
        else:
            atomic_write(target, data)
        return len(rows)

    def read_records(self, profile: str, urls: Iterable[str] | None = None, schema: pa.Schema | None = None,
                     columns: list[str] | None = None) -> pa.Table:
        """The newest record of every URL (or of ``urls``) for ``profile``, as one Arrow table (``columns``: only these)."""
        import pyarrow.compute as pc

        folder = self.root / "records" / profile
        files = sorted(folder.glob("*.parquet"), key=lambda p: (p.stat().st_mtime_ns, p.name)) if folder.exists() else []
        if not files:
            return schema.empty_table() if schema is not None else pa.table({})
        if columns is not None:
            columns, schema = list(dict.fromkeys(["url", *columns])), None
        tables = [pq.read_table(f, schema=schema, columns=columns) for f in files]
        table = pa.concat_tables(tables, promote_options="default" if schema is None else "none")
        if urls is not None:
            table = table.filter(pc.is_in(table["url"], value_set=pa.array(list(urls), type=pa.string())))
        # newest wins: the highest position in (mtime-ordered) concatenation for each URL
        table = table.append_column("__order", pa.array(range(table.num_rows), type=pa.int64()))
        newest = table.group_by("url").aggregate([("__order", "max")]).column("__order_max")
        positions = pc.take(newest, pc.sort_indices(newest))  # row positions of the newest rows, in write order
        return table.take(positions).drop_columns(["__order"])

    def compact(self, profile: str, schema: pa.Schema) -> int:
        """Rewrite a profile's batches as one file holding only the newest rows; returns the rows kept."""
        folder = self.root / "records" / profile
        old = list(folder.glob("*.parquet")) if folder.exists() else []
        table = self.read_records(profile, schema=schema)
        self.write_records(profile, table.to_pylist(), schema)
        keep = max(folder.glob("*.parquet"), key=lambda p: p.stat().st_mtime_ns)
        for path in old:
            if path != keep:
                path.unlink(missing_ok=True)
        return table.num_rows
