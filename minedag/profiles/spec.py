"""What a mining profile is: a declarative spec (attributes with Arrow types) plus a pure ``extract``."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from minedag.capture.model import PageCapture

# Columns every profile record has, before its own attributes.
BASE_COLUMNS: tuple[tuple[str, pa.DataType, str], ...] = (
    ("url", pa.string(), "Canonical URL of the page (the partition key)."),
    ("site", pa.string(), "Host of the page; splits are disjoint by site."),
    ("ok", pa.bool_(), "Whether the page was captured as HTML."),
    ("error", pa.string(), "Why the capture failed, when it did."),
    ("capture_id", pa.string(), "Content address of the capture the record was extracted from."),
    ("capture_hash", pa.string(), "sha256 of the response body: equal for unchanged content."),
    ("captured_at", pa.string(), "When the page was captured (UTC, ISO 8601)."),
    ("profile_version", pa.string(), "Version of the profile that extracted the record."),
    ("quality", pa.int64(), "Quality score 0-100: required attributes present, values valid, capture healthy."),
    ("quality_reasons", pa.list_(pa.string()), "What lowered the quality score."),
)
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class ProfileSpecError(ValueError):
    """A profile spec is invalid (bad name, duplicate attribute, wrong attribute count...)."""


@dataclass(frozen=True)
class Attribute:
    """One typed attribute a profile extracts.

    Args:
        name: snake_case column name, unique within the profile.
        type: its Arrow type (``pa.int64()``, ``pa.list_(pa.string())``, ...).
        description: what it means, for a data scientist.
        required: a missing value lowers the record's quality score.
    """

    name: str
    type: pa.DataType
    description: str
    required: bool = False

    @property
    def type_name(self) -> str:
        return str(self.type)


@dataclass(frozen=True)
class MiningProfile:
    """A mining profile: a model type whose records train one or more functionalities."""

    name: str
    version: str
    description: str
    attributes: tuple[Attribute, ...]
    extract: Callable[[Any], dict[str, Any]] = field(repr=False)
    reads: tuple[str, ...] = ()  # PageCapture fields the profile reads (documentation and validation)

    def validate(self) -> None:
        """Raise ``ProfileSpecError`` naming the problem if the spec is malformed."""
        if not _NAME.match(self.name):
            raise ProfileSpecError(f"profile name {self.name!r} must be snake_case")
        if not self.version:
            raise ProfileSpecError(f"profile {self.name!r} has no version; set e.g. version='1'")
        if not 10 <= len(self.attributes) <= 15:
            raise ProfileSpecError(f"profile {self.name!r} has {len(self.attributes)} attributes; a profile has 10 to 15")
        seen = {name for name, _t, _d in BASE_COLUMNS}
        for attr in self.attributes:
            if not _NAME.match(attr.name):
                raise ProfileSpecError(f"attribute {attr.name!r} of {self.name!r} must be snake_case")
            if attr.name in seen:
                raise ProfileSpecError(f"attribute {attr.name!r} of {self.name!r} is defined twice or clashes with a base column")
            if len(attr.description) < 15:
                raise ProfileSpecError(f"attribute {self.name}.{attr.name} needs a description a data scientist understands")
            seen.add(attr.name)
        fields = {f.name for f in PageCapture.__dataclass_fields__.values()}
        unknown = [r for r in self.reads if r not in fields]
        if unknown:
            raise ProfileSpecError(f"profile {self.name!r} reads unknown capture fields {unknown}; valid: {sorted(fields)}")

    @property
    def schema(self) -> pa.Schema:
        return pa.schema([pa.field(n, t) for n, t, _d in BASE_COLUMNS] + [pa.field(a.name, a.type) for a in self.attributes])

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(a.name for a in self.attributes if a.required)

    def attribute(self, name: str) -> Attribute:
        for attr in self.attributes:
            if attr.name == name:
                return attr
        raise KeyError(f"{self.name} has no attribute {name!r}; it has {[a.name for a in self.attributes]}")
