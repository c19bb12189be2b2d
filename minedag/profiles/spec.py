"""What a mining profile is: a declarative spec (attributes with Arrow types) plus a pure ``extract``."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from minedag.capture.model import PageCapture
from minedag.errors import MinedagError

# Columns every profile record has, before its own attributes.
BASE_COLUMNS: tuple[tuple[str, pa.DataType, str], ...] = (
    ("url", pa.string(), "Canonical URL of the page (the partition key)."),
    ("site", pa.string(), "Host of the page; splits are disjoint by site."),
    ("ok", pa.bool_(), "Whether the page was captured as HTML."),
    ("error", pa.string(), "Why the capture failed, when it did."),
    ("status", pa.int64(), "HTTP status of the page's final response (null when none came); 4xx/5xx pages are not "
                           "bundle members unless a functionality asks for them."),
    ("capture_id", pa.string(), "Content address of the capture the record was extracted from."),
    ("capture_hash", pa.string(), "sha256 of the response body: equal for unchanged content."),
    ("captured_at", pa.string(), "When the page was captured (UTC, ISO 8601)."),
    ("profile_version", pa.string(), "Version of the profile that extracted the record."),
    ("quality", pa.int64(), "Quality score 0-100: required attributes present, values valid, capture healthy."),
    ("quality_reasons", pa.list_(pa.string()), "What lowered the quality score."),
)
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def record(**fields: pa.DataType) -> pa.StructType:
    """An object with fixed keys (a struct); a JSON list of the same length fills the fields in order."""
    return pa.struct(list(fields.items()))


def entries(value: pa.DataType) -> pa.ListType:
    """An object keyed by data (colours, roles, tables...): a list of ``{key, value}``, in the object's order."""
    return pa.list_(pa.struct([("key", pa.string()), ("value", value)]))


class ProfileSpecError(MinedagError, ValueError):
    """A profile spec is invalid (bad name, duplicate attribute, wrong attribute count...)."""


@dataclass(frozen=True)
class Attribute:
    """One typed attribute a profile extracts.

    Args:
        name: snake_case column name, unique within the profile.
        type: its Arrow type (``pa.int64()``, ``pa.list_(pa.string())``, ...).
        description: what it means, for a data scientist.
        required: a missing value lowers the record's quality score.
        nested: for a JSON-text attribute (records keep it as text), the Arrow type bundles decode it to:
            objects with fixed keys are structs (``record``), objects keyed by data are ``entries``.
        classes: the closed set of labels of a class attribute (a string, or a list of strings for several
            labels per page); bundles declare them as Hugging Face ``ClassLabel`` names.
        max_chars: the longest text kept (default 10,000 characters: no title or label is longer).
        derives_from: attributes (of this profile, or ``profile.attribute``) this one is computed from or
            decided by. A bundle never has one of a related pair as input and the other as target (a leak).
        volatile: the value moves with the capturing machine's load (a wall-clock timing): kept in records, SQL and
            the UI, never in a bundle (the same pages must give the same bundle on any machine).
    """

    name: str
    type: pa.DataType
    description: str
    required: bool = False
    nested: pa.DataType | None = None
    classes: tuple[str, ...] = ()
    max_chars: int = 10_000
    derives_from: tuple[str, ...] = ()
    volatile: bool = False

    @property
    def type_name(self) -> str:
        return str(self.type)


@dataclass(frozen=True)
class Serves:
    """Which attributes of a profile a functionality's bundles use, and in which role.

    Args:
        functionality: a built-in functionality's name (``ux_pattern_recognition``...).
        inputs: attribute names the bundle adds as inputs.
        targets: attribute names the bundle adds as targets; a target is trained on only once it is measured
            (``minedag.evaluation.targets``), until then it is an input.
    """

    functionality: str
    inputs: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()


@dataclass(frozen=True)
class MiningProfile:
    """A mining profile: a model type whose records train one or more functionalities.

    ``serves`` declares the functionalities it feeds: with it, a new profile reaches bundles and discovery without
    an edit to ``minedag.functionalities`` (the eight built-in profiles are listed there).
    """

    name: str
    version: str
    description: str
    attributes: tuple[Attribute, ...]
    extract: Callable[[Any], dict[str, Any]] = field(repr=False)
    reads: tuple[str, ...] = ()  # PageCapture fields it reads, through PageView or not, besides url and final_url (tested)
    serves: tuple[Serves, ...] = ()

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
            if attr.description.startswith("JSON") and attr.nested is None:
                raise ProfileSpecError(f"attribute {self.name}.{attr.name} is JSON text: declare the type bundles decode "
                                       "it to, e.g. nested=record(total=pa.int64()) or nested=entries(pa.int64())")
            unknown_sources = [d for d in attr.derives_from if "." not in d and d not in {a.name for a in self.attributes}]
            if unknown_sources:
                raise ProfileSpecError(f"attribute {self.name}.{attr.name} derives from unknown attributes {unknown_sources}")
            if attr.classes and attr.type not in (pa.string(), pa.list_(pa.string())):
                raise ProfileSpecError(f"attribute {self.name}.{attr.name} has classes but type {attr.type}; "
                                       "classes label a string or a list of strings")
            seen.add(attr.name)
        own = {a.name for a in self.attributes}
        for use in self.serves:
            unknown_attrs = [a for a in (*use.inputs, *use.targets) if a not in own]
            if unknown_attrs or not (use.inputs or use.targets):
                raise ProfileSpecError(f"profile {self.name!r} serves {use.functionality!r} with unknown attributes "
                                       f"{unknown_attrs or 'none'}; name some of {sorted(own)}")
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
