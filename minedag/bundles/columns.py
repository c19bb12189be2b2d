"""Bundle columns as training code wants them: names without dots, JSON text decoded to declared Arrow types,
class labels stored as ``ClassLabel`` indexes, and the Hugging Face ``datasets`` features that describe them.

Records keep nested attributes as JSON text (``Attribute.nested`` says what they decode to); a bundle writes
them as Arrow structs and lists, so pandas gets objects and ``datasets`` shows real features.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import pyarrow as pa

from minedag.errors import MinedagError
from minedag.profiles import Attribute

SEPARATOR = "__"  # seo_optimizer.title -> seo_optimizer__title (Hugging Face tooling mishandles dots)


class Mismatch(MinedagError, ValueError):
    """A decoded value does not have the attribute's declared type."""


def column_name(qualified: str) -> str:
    """The bundle column of ``profile.attribute``."""
    return qualified.replace(".", SEPARATOR, 1)


def arrow_type(attr: Attribute) -> pa.DataType:
    return attr.nested if attr.nested is not None else attr.type


def typed_column(values: list[Any], attr: Attribute) -> tuple[pa.Array, int]:
    """``values`` (as records store them) as an Arrow array of the bundle type, and how many did not fit it
    (those become null: a page whose value breaks the declared shape must not break the bundle)."""
    if attr.classes:
        return _class_labels(values, attr)
    if attr.nested is None:
        return pa.array(values, type=attr.type), 0
    if attr.nested == pa.json_():
        return pa.array([None if v is None else v for v in values], type=pa.json_()), 0
    out, misfits = [], 0
    for text in values:
        try:
            out.append(None if text is None else conform(json.loads(text), attr.nested))
        except (Mismatch, ValueError):
            out.append(None)
            misfits += 1
    return pa.array(out, type=attr.nested), misfits


def _class_labels(values: list[Any], attr: Attribute) -> tuple[pa.Array, int]:
    """Labels as their index in ``attr.classes`` (how ``datasets`` stores a ``ClassLabel``); unknown labels are misfits."""
    index = {name: i for i, name in enumerate(attr.classes)}
    misfits = 0

    def label(v: Any) -> int | None:
        nonlocal misfits
        if v is None:
            return None
        if v not in index:
            misfits += 1
            return None
        return index[v]

    if pa.types.is_list(attr.type):
        out = [None if v is None else [i for i in map(label, v) if i is not None] for v in values]
        return pa.array(out, type=pa.list_(pa.int64())), misfits
    return pa.array([label(v) for v in values], type=pa.int64()), misfits


def conform(value: Any, t: pa.DataType) -> Any:
    """``value`` (plain JSON) shaped as Arrow type ``t``; raises ``Mismatch`` naming what does not fit."""
    if value is None:
        return None
    if pa.types.is_list(t):
        if isinstance(value, dict) and _is_entries(t):
            return [{"key": str(k), "value": conform(v, t.value_type.field("value").type)} for k, v in value.items()]
        if not isinstance(value, list):
            raise Mismatch(f"expected a list, got {type(value).__name__}")
        return [conform(v, t.value_type) for v in value]
    if pa.types.is_struct(t):
        names = [t.field(i).name for i in range(t.num_fields)]
        if isinstance(value, list) and len(value) == len(names):  # a tuple such as ["h1", 39.0]
            value = dict(zip(names, value, strict=True))
        if not isinstance(value, dict):
            raise Mismatch(f"expected an object, got {type(value).__name__}")
        unknown = set(value) - set(names)
        if unknown:
            raise Mismatch(f"unexpected keys {sorted(unknown)}")
        return {n: conform(value.get(n), t.field(n).type) for n in names}
    if pa.types.is_boolean(t):
        if not isinstance(value, bool):
            raise Mismatch(f"expected a boolean, got {value!r}")
        return value
    if pa.types.is_integer(t):
        if isinstance(value, bool) or not isinstance(value, int):
            raise Mismatch(f"expected an integer, got {value!r}")
        return value
    if pa.types.is_floating(t):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise Mismatch(f"expected a number, got {value!r}")
        return float(value)
    if pa.types.is_string(t):
        if not isinstance(value, str):
            raise Mismatch(f"expected a string, got {value!r}")
        return value
    raise Mismatch(f"unsupported type {t}")


@cache
def _is_entries(t: pa.ListType) -> bool:
    item = t.value_type
    return pa.types.is_struct(item) and [item.field(i).name for i in range(item.num_fields)] == ["key", "value"]


# --- Hugging Face datasets features ------------------------------------------------------------------------
_VALUE = {pa.int64(): "int64", pa.int32(): "int32", pa.float64(): "float64", pa.string(): "string", pa.bool_(): "bool"}


def hf_feature(t: pa.DataType, classes: tuple[str, ...] = ()) -> dict[str, Any]:
    """The ``datasets`` feature of Arrow type ``t`` in its serialised form (what ``Features.to_dict()`` gives)."""
    if classes:
        label = {"names": list(classes), "_type": "ClassLabel"}
        return {"feature": label, "_type": "List"} if pa.types.is_list(t) else label
    if t == pa.json_():
        return {"_type": "Json"}
    if pa.types.is_list(t):
        return {"feature": hf_feature(t.value_type), "_type": "List"}
    if pa.types.is_struct(t):
        return {t.field(i).name: hf_feature(t.field(i).type) for i in range(t.num_fields)}
    if t not in _VALUE:
        raise TypeError(f"no datasets feature for Arrow type {t}")
    return {"dtype": _VALUE[t], "_type": "Value"}


def yaml_features(features: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """``features`` as the dataset card's ``dataset_info.features`` list (the form the Hub reads)."""
    return [{"name": name, **_yaml(feature)} for name, feature in features.items()]


def _yaml(feature: dict[str, Any]) -> dict[str, Any]:
    kind = feature.get("_type")
    if kind == "Value":
        return {"dtype": feature["dtype"]}
    if kind == "ClassLabel":
        return {"dtype": {"class_label": {"names": {str(i): n for i, n in enumerate(feature["names"])}}}}
    if kind in ("Json", "Image"):
        return {"dtype": kind.lower()}
    if kind == "List":  # a list of one plain dtype or of a struct is written without the inner key
        inner = _yaml(feature["feature"])
        return {"list": inner[next(iter(inner))] if list(inner) in (["dtype"], ["struct"]) else inner}
    return {"struct": [{"name": k, **_yaml(v)} for k, v in feature.items()]}
