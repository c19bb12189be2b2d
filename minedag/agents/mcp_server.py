"""``minedag mcp``: the agent tools over the Model Context Protocol (the official SDK, stdio), backed by the same
functions as the exported tool schemas. Needs the ``agents`` extra (``pip install minedag[agents]``)."""

from __future__ import annotations

import inspect
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from minedag.agents.tools import TOOLS, ToolFailure, call


def build_server(log: Path | None = None) -> Any:
    """An ``MCPServer`` with the four tools, each taking its input model's fields as its arguments (the same
    schema as ``minedag tools export``); each call is validated, run and (with ``log``) logged."""
    from mcp.server import MCPServer

    server = MCPServer("minedag", instructions="Discover, try and configure web attribute mining with minedag.")
    for name, (model, _) in TOOLS.items():
        server.tool(name=name, description=(model.__doc__ or "").strip())(_flat(name, model, log))
    return server


def _flat(name: str, model: type[BaseModel], log: Path | None) -> Any:
    """A function whose parameters are ``model``'s fields, so the MCP tool's input schema is the model's."""

    def run(**arguments: Any) -> dict[str, Any]:
        from mcp.server.mcpserver.exceptions import ToolError

        try:
            return call(name, model.model_validate(arguments).model_dump(mode="json"), log)
        except ToolFailure as exc:  # an is_error tool result whose text is {"error": {"reason", "fix"}}
            raise ToolError(json.dumps(exc.as_dict())) from None

    parameters = [inspect.Parameter(field, inspect.Parameter.KEYWORD_ONLY, annotation=info.annotation,
                                    default=inspect.Parameter.empty if info.is_required() else info.get_default(call_default_factory=True))
                  for field, info in model.model_fields.items()]
    run.__signature__ = inspect.Signature(parameters, return_annotation=dict[str, Any])  # type: ignore[attr-defined]
    run.__annotations__ = {p.name: p.annotation for p in parameters} | {"return": dict[str, Any]}
    run.__name__, run.__doc__ = name, model.__doc__
    return run


def serve(log: Path | None = None) -> None:
    build_server(log).run("stdio")
