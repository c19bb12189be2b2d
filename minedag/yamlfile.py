"""YAML files validated by a pydantic model, with errors that name the file, the line, the field and the fix."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from minedag.errors import MinedagError

Model = TypeVar("Model", bound=BaseModel)


class ConfigFileError(MinedagError, ValueError):
    """A YAML file that cannot be used; one line per problem: ``file:line N: field: what is wrong``."""


def load_model(path: str | Path, model: type[Model], defaults: dict[str, Any] | None = None) -> Model:
    """Read ``path`` and validate it as ``model`` (``defaults`` fill keys the file leaves out).

    Raises:
        ConfigFileError: the file is missing, not YAML, not a mapping, or fails validation.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigFileError(f"{path}: file not found") from None
    try:
        data, root = yaml.safe_load(text), yaml.compose(text)
    except yaml.YAMLError as exc:
        raise ConfigFileError(f"{path}: not valid YAML: {exc}") from None
    except RecursionError:
        raise ConfigFileError(f"{path}: nested too deeply to be a minedag file; flatten it") from None
    if not isinstance(data, dict):
        raise ConfigFileError(f"{path}: expected a mapping of keys to values at the top level")
    try:
        return model.model_validate({**(defaults or {}), **data})
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            loc = error["loc"]
            field = ".".join(map(str, loc)) or "file"
            lines.append(f"{path}:line {_line(root, loc)}: {field}: {error['msg']}")
        raise ConfigFileError("\n".join(lines)) from None


def _line(node: yaml.Node | None, loc: tuple[Any, ...]) -> int:
    """The 1-based line of the deepest node ``loc`` reaches (a missing key points at its parent)."""
    line = node.start_mark.line + 1 if node is not None else 1
    for step in loc:
        if isinstance(node, yaml.MappingNode):
            found = next((v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == str(step)), None)
            key = next((k for k, _ in node.value if isinstance(k, yaml.ScalarNode) and k.value == str(step)), None)
            if found is None:
                break
            line, node = key.start_mark.line + 1, found
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
            node = node.value[step]
            line = node.start_mark.line + 1
        else:
            break
    return line
