"""Agents through the MCP SDK client: budgets on user regexes and selectors, campaigns that would break the code
location refused with a reason and a fix, and shipped or hand-written files never replaced by a tool."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import anyio
import pytest

from minedag.store import Store
from minedag_tests.goldens import golden

PRODUCTS = ["http://shop.test/products/terra-mug", "http://shop.test/products/aurora-lamp"]
BIG = "http://shop.test/big-catalog"  # 3,000 elements: a nested XPath over it runs for minutes
REPO = Path(__file__).resolve().parents[1]
PRICE = {"name": "price", "type": "currency", "description": "The price.",
         "selectors": [{"css": "[itemprop=price]", "take": "attr:content"}]}


@pytest.fixture
def agent_home(data, tmp_path, monkeypatch):
    """A data root whose store holds two golden product pages, and a campaign folder with a hand-written file."""
    store = Store(data / "store")
    for url in PRODUCTS:
        store.put_capture(golden(url))
    big = "<html><body><h1>" + "a" * 40 + "!</h1>" + "<div><p>item</p></div>" * 1500 + "</body></html>"
    store.put_capture(dataclasses.replace(golden(PRODUCTS[0]), url=BIG, final_url=BIG,
                                          raw_html=big, rendered_html=big))
    folder = tmp_path / "campaigns"
    folder.mkdir()
    (folder / "product_price.yaml").write_text((REPO / "campaigns" / "product_price.yaml").read_text())
    monkeypatch.setenv("MINEDAG_CAMPAIGNS", str(folder))
    return folder


def _session(*calls: tuple[str, dict]) -> list[tuple[bool, dict, float]]:
    """Each call over MCP: (is_error, the JSON it returned, seconds)."""
    from mcp import Client

    from minedag.agents.mcp_server import build_server

    async def run() -> list[tuple[bool, dict, float]]:
        out = []
        async with Client(build_server()) as client:
            for name, arguments in calls:
                started = time.monotonic()
                result = await client.call_tool(name, arguments)
                text = result.content[0].text
                payload = json.loads(text[text.index("{"):]) if "{" in text else {"text": text}
                out.append((result.is_error, payload, time.monotonic() - started))
        return out

    return anyio.run(run)


def test_a_catastrophic_regex_or_xpath_is_a_per_value_error_and_the_server_stays_responsive(agent_home):
    xpath_bomb = {**PRICE, "selectors": [{"xpath": "//*[count(//*[count(//*[count(//*)>0])>0])>0]"}], "type": "string"}
    regex_bomb = {**PRICE, "type": "string", "selectors": [{"css": "h1", "regex": "(a|a)+$"}]}
    fine = {**PRICE, "type": "string", "selectors": [{"xpath": "//h1"}]}
    (_, xpath, t_xpath), (_, regex, t_regex), (_, cheap, t_cheap) = _session(
        ("mineAttribute", {"attribute": xpath_bomb, "urls": [BIG]}),
        ("mineAttribute", {"attribute": regex_bomb, "urls": [BIG]}),
        ("mineAttribute", {"attribute": fine, "urls": PRODUCTS}))
    (value,) = xpath["values"]
    assert value["value"] is None and "budget" in value["error"] and t_xpath < 30
    assert regex["found"] == 0 and "budget" in regex["values"][0]["error"] and t_regex < 10
    assert cheap["found"] == 2 and t_cheap < 10  # the worker came back; the server never froze


def test_the_regex_budget_holds_on_a_long_value(agent_home):
    from minedag.patterns import REGEX_SECONDS, BudgetExceeded, search

    started = time.monotonic()
    with pytest.raises(BudgetExceeded, match="budget"):
        search("(a|a)+$", "a" * 40 + "!")
    assert time.monotonic() - started < REGEX_SECONDS + 2


def test_campaigns_that_would_break_the_code_location_are_refused_with_a_reason_and_a_fix(agent_home, data):
    shipped = (agent_home / "product_price.yaml").read_text()
    url_file = data / "urls" / "mine.txt"
    url_file.parent.mkdir(parents=True)
    url_file.write_text("http://shop.test/\n")
    bundle = {"description": "Prices from product pages.", "inputs": ["seo_optimizer.title"], "targets": ["price"]}
    calls = [
        ("createMiningCampaign", {"campaign": {"name": "seo_optimization", "description": "collides", "attributes": [PRICE],
                                               "bundle": bundle}}),
        ("createMiningCampaign", {"campaign": {"name": "prices_x", "description": "bad input", "attributes": [PRICE],
                                               "bundle": {**bundle, "inputs": ["nonexistent.attr"]}}}),
        ("createMiningCampaign", {"campaign": {"name": "product_price", "description": "replaces the shipped one",
                                               "attributes": [PRICE]}, "overwrite": True}),
        ("createMiningCampaign", {"campaign": {"name": "passwd", "description": "reads a system file", "attributes": [PRICE],
                                               "sources": [{"file": "/etc/passwd"}]}}),
        ("createMiningCampaign", {"campaign": {"name": "agent_prices", "description": "fine", "attributes": [PRICE],
                                               "sources": [{"file": str(url_file)}], "bundle": bundle}}),
        ("createMiningCampaign", {"campaign": {"name": "agent_prices", "description": "fine, again", "attributes": [PRICE]},
                                  "overwrite": True}),
    ]
    results = _session(*calls)
    for (is_error, payload, _), why in zip(results[:4], ["built-in functionality", "nonexistent.attr", "never replaces",
                                                         "outside the data root"], strict=True):
        assert is_error and why in payload["error"]["reason"] and payload["error"]["fix"]
    assert not results[4][0] and not results[5][0]  # an agent may replace what an agent wrote
    assert (agent_home / "product_price.yaml").read_text() == shipped
    assert sorted(p.name for p in agent_home.glob("*.yaml")) == ["agent_prices.yaml", "product_price.yaml"]


def test_a_broken_campaign_file_disables_itself_and_the_code_location_still_loads(agent_home, data):
    (agent_home / "seo_optimization.yaml").write_text(
        "description: a name that collides with a functionality\nattributes:\n"
        "  - {name: p, type: number, description: price, schema_org: Offer.price}\n"
        "bundle: {description: collides with the built-in one, inputs: [nonexistent.attr], targets: [p]}\n")
    (agent_home / "broken.yaml").write_text("description: [unclosed\n")
    env = {**os.environ, "MINEDAG_DATA": str(data), "MINEDAG_CAMPAIGNS": str(agent_home)}
    validate = subprocess.run([sys.executable, "-m", "minedag.cli", "campaign", "validate", "--json"], cwd=REPO, env=env,
                              capture_output=True, text=True, timeout=120)
    report = json.loads(validate.stdout)
    assert validate.returncode == 1 and sorted(Path(p).name for p in report["problems"]) == ["broken.yaml", "seo_optimization.yaml"]
    assert "not valid YAML" in report["problems"][str(agent_home / "broken.yaml")]
    probe = ("from minedag.definitions import defs; import dagster as dg; dg.Definitions.validate_loadable(defs); "
             "keys = {k.to_user_string(): k for k in defs.resolve_all_asset_keys()}; "
             "spec = defs.resolve_assets_def(keys['campaigns/broken']); "
             "print(sorted(k for k in keys if k.startswith('campaigns/')), spec.group_names_by_key[keys['campaigns/broken']], "
             "'DISABLED' in spec.descriptions_by_key[keys['campaigns/broken']])")
    loaded = subprocess.run([sys.executable, "-c", probe], cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert loaded.returncode == 0, loaded.stderr[-2000:]
    assert loaded.stdout.split() == ["['campaigns/broken',", "'campaigns/product_price',", "'campaigns/seo_optimization']",
                                     "disabled_campaigns", "True"]


STRICT_REFUSES = {"default", "minLength", "maxLength", "prefixItems", "minProperties", "maxProperties", "uniqueItems"}


def _strict_problems(node, where="parameters"):
    """What OpenAI's strict mode would refuse in a schema (its published rules, checked offline)."""
    problems = []
    if isinstance(node, list):
        for i, n in enumerate(node):
            problems += _strict_problems(n, f"{where}[{i}]")
    elif isinstance(node, dict):
        problems += [f"{where}: {k}" for k in STRICT_REFUSES & set(node)]
        if "$ref" in node and len(node) > 1:
            problems.append(f"{where}: $ref with siblings")
        if node.get("type") == "object":
            if node.get("additionalProperties") is not False:
                problems.append(f"{where}: not closed")
            if sorted(node.get("required", [])) != sorted(node.get("properties", {})):
                problems.append(f"{where}: not every property required")
        for k, v in node.items():
            problems += _strict_problems(v, f"{where}.{k}")
    return problems


def test_openai_tool_schemas_pass_strict_mode_and_the_nulls_it_sends_mean_not_given(agent_home):
    from minedag.agents.tools import call, export

    tools = export("openai")
    assert {t["function"]["name"] for t in tools} == {"discoverAttributes", "mineAttribute", "createMiningCampaign",
                                                      "optimizeMiningConfig"}
    for tool in tools:
        assert tool["function"]["strict"] is True
        assert _strict_problems(tool["function"]["parameters"]) == [], tool["function"]["name"]
    # What a strict-mode model sends: every property, null where it has nothing to say.
    prompt = "train a model that finds accessibility problems"
    assert call("discoverAttributes", {"prompt": prompt, "top": None}) == call("discoverAttributes", {"prompt": prompt})
    priced = call("mineAttribute", {"attribute": {**PRICE, "multiple": None, "schema_org": None, "transforms": None,
                                                  "locale": None, "validation": None}, "urls": PRODUCTS,
                                    "fresh_url": None, "limit": None})
    assert [v["value"]["amount"] > 0 for v in priced["values"]] == [True, True]
