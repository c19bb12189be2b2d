"""The four tools an LLM agent uses to drive minedag, defined once: their input models (JSON Schema for OpenAI,
Anthropic and MCP tool lists) and the real functions behind them.

- ``discoverAttributes``: which functionality and attributes to collect for a goal;
- ``mineAttribute``: a dry run of one attribute on stored captures (or one fresh URL);
- ``createMiningCampaign``: write a validated campaign file;
- ``optimizeMiningConfig``: a better selector order and new selectors, from what was learned per site.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

from minedag.campaigns.model import Campaign, CampaignAttribute, write_campaign
from minedag.errors import MinedagError

AGENT_MARK = "# written by minedag's createMiningCampaign tool: a file without this first line is never replaced by a tool\n"


class ToolFailure(MinedagError, ValueError):
    """A tool call that cannot succeed as made: ``reason`` and ``fix``, returned to the agent as its tool result."""

    def __init__(self, reason: str, fix: str):
        super().__init__(f"{reason}; fix: {fix}")
        self.reason, self.fix = reason, fix

    def as_dict(self) -> dict[str, Any]:
        return {"error": {"reason": self.reason, "fix": self.fix}}


class DiscoverAttributes(BaseModel):
    """Which functionality (model type) and attributes to collect for a goal in plain words."""

    prompt: str = Field(min_length=3, description='the goal, e.g. "train a model that finds accessibility problems"')
    top: int = Field(default=3, ge=1, le=8, description="functionalities to return, best first")


class MineAttribute(BaseModel):
    """Try one attribute definition without saving anything: its values on stored pages, or on one fresh URL."""

    attribute: CampaignAttribute
    urls: list[str] = Field(default_factory=list, description="stored pages to try it on (default: the first captured ones)")
    fresh_url: str | None = Field(default=None, description="capture this URL now and try it there instead")
    limit: int = Field(default=20, ge=1, le=500, description="pages at most")


class CreateMiningCampaign(BaseModel):
    """Write a campaign file (validated first); the campaign becomes the asset campaigns/<name> on the next load."""

    campaign: Campaign
    overwrite: bool = Field(default=False, description="replace a campaign file of the same name")


class OptimizeMiningConfig(BaseModel):
    """Propose a better configuration for a campaign from the selector statistics learned on its pages."""

    name: str = Field(description="the campaign's name")


def discover_attributes(args: DiscoverAttributes) -> dict[str, Any]:
    from minedag.discover import discover

    return discover(args.prompt, top=args.top)


def mine_attribute(args: MineAttribute) -> dict[str, Any]:
    from minedag.campaigns.extract import extract
    from minedag.profiles.page import PageView
    from minedag.settings import store_dir
    from minedag.store import Store

    campaign = Campaign(name="dry_run", description="one attribute, tried", attributes=[args.attribute])
    if args.fresh_url:
        captures = [_capture_now(args.fresh_url)]
    else:
        store = Store(store_dir())
        urls = args.urls or [p.url for p in store.pointers() if p.ok][: args.limit]
        captures = [c for u in urls[: args.limit] if (c := _stored(store, u)) is not None]
    values = []
    for capture in captures:
        if not capture.ok:
            values.append({"url": capture.url, "value": None, "error": f"capture failed: {capture.error}"})
            continue
        found = extract(campaign, PageView(capture))[args.attribute.name]
        values.append({"url": capture.url, "value": found.value, "source": found.source, "error": found.error,
                       "disagreement": found.disagreement})
    hits = sum(v["value"] is not None for v in values)
    return {"attribute": args.attribute.name, "pages": len(values), "found": hits, "values": values}


def create_mining_campaign(args: CreateMiningCampaign) -> dict[str, Any]:
    from minedag.campaigns import campaign_files, problem, scan
    from minedag.settings import campaigns_dir, data_dir

    folder, campaign = campaigns_dir(), args.campaign
    path = folder / f"{campaign.name}.yaml"
    if path.exists() and not args.overwrite:
        raise ToolFailure(f"campaign {campaign.name!r} exists ({path})", "pass overwrite=true to replace it, or choose another name")
    if path.exists() and not path.read_text(encoding="utf-8", errors="replace").startswith(AGENT_MARK):
        raise ToolFailure(f"{path} was written by a person or ships with minedag: a tool call never replaces it",
                          "choose another campaign name")
    for source in campaign.sources:
        if source.file is not None and not (folder / source.file).resolve().is_relative_to(data_dir()):
            raise ToolFailure(f"source file {source.file!r} is outside the data root {data_dir()}",
                              f"put the URL file under {data_dir() / 'urls'} and name it by that path")
    others = scan(p for p in campaign_files(folder) if p != path).campaigns
    if (why := problem(campaign, others)) is not None:
        raise ToolFailure(f"campaign {campaign.name!r} would not load: {why}", "change the campaign as the reason says")
    write_campaign(path, campaign, AGENT_MARK)
    return {"path": str(path), "name": campaign.name, "version": campaign.version, "asset": f"campaigns/{campaign.name}"}


def optimize_mining_config(args: OptimizeMiningConfig) -> dict[str, Any]:
    from minedag.campaigns import SelectorStats, load_campaign
    from minedag.campaigns.suggest import declared_values, suggest
    from minedag.settings import campaigns_dir, store_dir
    from minedag.store import Store

    campaign = load_campaign(campaigns_dir() / f"{args.name}.yaml")
    store = Store(store_dir())
    stats = SelectorStats.load(store.root / "campaigns" / campaign.name / "selectors.json")
    records = store.read_records(f"campaign_{campaign.name}").to_pylist()
    proposal, notes = campaign.model_copy(deep=True), []
    for attribute in proposal.attributes:
        totals = stats.totals(attribute.name)
        rate = {label: right / tried for label, (tried, right) in totals.items() if tried}
        attribute.selectors = sorted(attribute.selectors, key=lambda s: -rate.get(s.label, 0.0))  # stable: ties keep file order
        dead = [s.label for s in attribute.selectors if totals.get(s.label, (0, 0))[0] >= 5 and rate.get(s.label) == 0.0]
        failed = [r["url"] for r in records if r.get("ok") and r.get(attribute.name) is None]
        found = suggest(attribute, store, failed, declared_values(records, attribute.name)) if failed else []
        notes.append({"attribute": attribute.name, "success_by_selector": {s.label: round(rate.get(s.label, 0.0), 3)
                                                                          for s in attribute.selectors},
                      "never_worked": dead, "pages_without_value": len(failed), "suggested_selectors": found})
    return {"campaign": proposal.model_dump(mode="json", exclude_defaults=True), "notes": notes}


def _stored(store: Any, url: str) -> Any:
    from minedag.store import CorruptFile

    pointer = store.latest(url)
    if pointer is None:
        return None
    try:
        return store.load_capture_id(pointer.capture_id)
    except CorruptFile:
        return None


def _capture_now(url: str) -> Any:
    from minedag.capture import CaptureOptions, capture_urls
    from minedag.sample_site.server import sample_site_for
    from minedag.settings import saved_network
    from minedag.urls import canonical_url

    allow, rules = saved_network()
    with sample_site_for(rules, [url]) as host_rules:
        (capture,) = capture_urls([canonical_url(url)], CaptureOptions(host_rules=host_rules, allow_hosts=(*allow, "*.test")))
    return capture


TOOLS: dict[str, tuple[type[BaseModel], Callable[[Any], dict[str, Any]]]] = {
    "discoverAttributes": (DiscoverAttributes, discover_attributes),
    "mineAttribute": (MineAttribute, mine_attribute),
    "createMiningCampaign": (CreateMiningCampaign, create_mining_campaign),
    "optimizeMiningConfig": (OptimizeMiningConfig, optimize_mining_config),
}


# Keywords OpenAI's strict mode (Structured Outputs) does not accept; what they checked is checked again on arrival.
_NOT_STRICT = ("default", "minLength", "maxLength", "minProperties", "maxProperties", "uniqueItems", "patternProperties")


def strict_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` as OpenAI's strict mode takes it: every object closed (``additionalProperties: false``) with every
    property required, an optional one nullable instead, and no keyword strict mode refuses. ``call`` reads a null
    as "not given", so the model validates the arguments as before."""
    def walk(node: Any) -> Any:
        if isinstance(node, list):
            return [walk(n) for n in node]
        if not isinstance(node, dict):
            return node
        out = {k: walk(v) for k, v in node.items() if k not in _NOT_STRICT}
        if "prefixItems" in out:  # a fixed-length tuple: items of its element types (its length stays checked)
            kinds = out.pop("prefixItems")
            out["items"] = kinds[0] if all(k == kinds[0] for k in kinds) else {"anyOf": kinds}
        if "$ref" in out and len(out) > 1:  # a $ref takes no siblings in strict mode: keep the description only
            out = {"$ref": out["$ref"]}
        if out.get("type") == "object" and "properties" in out:
            optional = set(out["properties"]) - set(out.get("required", []))
            out["properties"] = {k: _nullable(v) if k in optional else v for k, v in out["properties"].items()}
            out["required"] = list(out["properties"])
            out["additionalProperties"] = False
        return out

    return walk(schema)


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    variants = schema.get("anyOf", [schema])
    if any(v.get("type") == "null" for v in variants):
        return schema
    if "anyOf" in schema:
        return {**schema, "anyOf": [*variants, {"type": "null"}]}
    described = {k: schema[k] for k in ("description", "title") if k in schema}
    return {**described, "anyOf": [{k: v for k, v in schema.items() if k not in described}, {"type": "null"}]}


def _given(arguments: Any) -> Any:
    """The arguments without the nulls strict mode sends for what was not given."""
    if isinstance(arguments, dict):
        return {k: _given(v) for k, v in arguments.items() if v is not None}
    if isinstance(arguments, list):
        return [_given(v) for v in arguments]
    return arguments


def export(fmt: Literal["openai", "anthropic", "mcp"]) -> list[dict[str, Any]]:
    """The tool definitions in ``fmt``'s shape; the parameters are each input model's JSON Schema (for OpenAI in
    the form its strict mode takes)."""
    out = []
    for name, (model, _) in TOOLS.items():
        schema, description = model.model_json_schema(), (model.__doc__ or "").strip()
        if fmt == "openai":
            out.append({"type": "function", "function": {"name": name, "description": description,
                                                         "parameters": strict_schema(schema), "strict": True}})
        elif fmt == "anthropic":
            out.append({"name": name, "description": description, "input_schema": schema})
        else:
            out.append({"name": name, "description": description, "inputSchema": schema})
    return out


def call(name: str, arguments: dict[str, Any], log: Path | None = None) -> dict[str, Any]:
    """Validate ``arguments`` for tool ``name`` and run it; with ``log``, append the exchange as a chat-format
    fine-tuning example (the call, the config it carried, the outcome).

    Raises:
        ToolFailure: the reason and the fix, for the agent to read.
    """
    model, function = TOOLS[name]
    started = time.time()
    result, error = None, None
    try:
        result = function(model.model_validate(_given(arguments)))
    except ToolFailure as exc:
        error = exc
    except ValidationError as exc:
        error = ToolFailure("; ".join(f"{'.'.join(map(str, e['loc'])) or 'arguments'}: {e['msg']}" for e in exc.errors()),
                           "send arguments that match the tool's input schema (`minedag tools export`)")
    except (MinedagError, ValueError, OSError) as exc:
        error = ToolFailure(f"{type(exc).__name__}: {exc}", "change what the reason names and call the tool again")
    except Exception as exc:  # a bug of minedag's: the agent still gets the reason; the log keeps it  # noqa: BLE001
        error = ToolFailure(f"unexpected {type(exc).__name__}: {exc}", "report it; the call cannot succeed as it is")
    if log is not None:
        log.parent.mkdir(parents=True, exist_ok=True)
        example = {"messages": [
            {"role": "assistant", "tool_calls": [{"type": "function", "function": {"name": name, "arguments": json.dumps(arguments)}}]},
            {"role": "tool", "name": name, "content": json.dumps(result if error is None else error.as_dict(), default=str)},
        ], "outcome": "ok" if error is None else "error", "seconds": round(time.time() - started, 3)}
        with log.open("a") as handle:
            handle.write(json.dumps(example, default=str) + "\n")
    if error is not None:
        raise error
    assert result is not None
    return result
