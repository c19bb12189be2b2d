"""Campaigns: attributes defined in YAML, mined through Dagster from stored captures; the agent tools over MCP."""

from __future__ import annotations

import functools
import json
import os
import re
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from minedag.campaigns import CampaignError, load_campaign, scan
from minedag.defs.campaigns import campaign_asset
from minedag.defs.capture import page_capture
from minedag.defs.jobs import mine_job
from minedag.defs.profiles import mining_profiles
from minedag.defs.resources import BrowserResource, StoreResource
from minedag.mining import mine
from minedag.profiles.page import PageView
from minedag.store import Store

REPO = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("MINEDAG_CORPUS", REPO.parent / "shared" / "corpus"))
SHOP = [f"http://shop.test/products/{p.stem}" for p in sorted((REPO / "data/site/shop.test/products").glob("*.html"))]

CAMPAIGN = """\
description: Prices of products and events, declared or shown.
attributes:
  - name: price
    type: currency
    description: The offered price with its currency.
    schema_org: Offer.price
    selectors:
      - css: '[itemprop=price]'
        take: attr:content
      - css: '.price'
        regex: '(\\d[\\d.,]*)'
  - name: cheap_price
    type: number
    description: The price when it is at most 100 (a validation example).
    schema_org: Offer.price
    validation: {range: [0, 100]}
"""


def declared_offer_prices(expected: object) -> list[tuple[str, str]]:
    """(price, currency) of every Offer in a peer's expected extruct output, in order."""
    found: list[tuple[str, str]] = []

    def walk(x: object) -> None:
        if isinstance(x, dict):
            kind = str(x.get("type") or x.get("@type") or "")
            props = x.get("properties", x)
            if kind.rsplit("/", 1)[-1] == "Offer" and "price" in props:
                found.append((str(props["price"]), str(props.get("priceCurrency"))))
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)

    walk(expected)
    return found


@pytest.fixture(scope="module")
def corpus_pages():
    if not (CORPUS / "extruct").is_dir():
        pytest.skip(f"the shared corpus is not beside the repo ({CORPUS}): its product pages are what this test mines")
    root = CORPUS / "extruct"
    index = json.loads((root / "expected_index.json").read_text())
    pages: dict[str, list[tuple[str, str]]] = {}
    for case in index["cases"]:
        if case["html"].endswith(".html") and case["extractor"] in ("microdata", "json-ld", "all"):
            expected = json.loads((root / case["expected"]).read_text())
            pages.setdefault(case["html"], declared_offer_prices(expected))
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    yield {base + html: prices for html, prices in pages.items()}
    server.shutdown()


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def _defs(site, data: Path, campaign_file: Path) -> dg.Definitions:
    return dg.Definitions(
        assets=[page_capture, mining_profiles, campaign_asset(load_campaign(campaign_file))], jobs=[mine_job],
        # Offline: the corpus pages' remote resources fail at once instead of waiting on DNS.
        resources={"browser": BrowserResource(host_rules=f"{site.host_rules}, MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                                              allow_hosts=["*.test", "127.0.0.0/8"], respect_robots=False),
                   "store": StoreResource(root=str(data / "store"))})


def test_a_price_campaign_mines_the_prices_pages_declare_through_dagster(site, data, tmp_path, corpus_pages):
    campaign_file = tmp_path / "prices.yaml"
    campaign_file.write_text(CAMPAIGN)
    urls = [*corpus_pages, *SHOP]
    instance = dg.DagsterInstance.ephemeral()
    (result,) = mine(instance, urls, defs=_defs(site, data, campaign_file))
    assert result.success
    rows = {r["url"]: r for r in Store(data / "store").read_records("campaign_prices").to_pylist()}
    assert set(rows) == set(urls)
    declaring = {u: p for u, p in corpus_pages.items() if p}
    assert len(declaring) >= 5
    for url, prices in declaring.items():  # the corpus: what the peer's extraction says the page declares
        amount, currency = prices[0]
        assert rows[url]["price"] == {"amount": float(amount), "currency": currency}, url
        assert rows[url]["price__source"] == "schema_org:Offer.price"
    for url in set(corpus_pages) - set(declaring):
        assert rows[url]["price"] is None and "no match" in rows[url]["price__error"], url
    for url in SHOP:  # the sample shop: JSON-LD and microdata agree with the visible price
        declared = re.search(r'"price": "([\d.]+)"', (REPO / "data/site/shop.test/products" / f"{url.rsplit('/', 1)[1]}.html").read_text())
        assert rows[url]["price"] == {"amount": float(declared.group(1)), "currency": "USD"}, url
        assert rows[url]["price__disagreement"] is None
    over = [u for u, r in rows.items() if r["price"] and r["price"]["amount"] > 100]
    assert over and all(rows[u]["cheap_price"] is None and "outside [0, 100]" in rows[u]["cheap_price__error"] for u in over)
    shown = result.asset_materializations_for_node("campaigns__prices")[0].metadata
    assert "| shop.test | price | css [itemprop=price] -> attr:content |" in shown["selectors"].value


def test_editing_a_campaign_re_extracts_from_stored_captures_without_loading_a_page(site, data, tmp_path):
    campaign_file = tmp_path / "prices.yaml"
    campaign_file.write_text(CAMPAIGN)
    instance = dg.DagsterInstance.ephemeral()
    mine(instance, SHOP[:3], defs=_defs(site, data, campaign_file))
    hits = sum(site.hits.values())
    campaign_file.write_text(CAMPAIGN.replace("description: The offered price with its currency.",
                                              "description: The offered price, from the page only.")
                             .replace("    schema_org: Offer.price\n    selectors:", "    selectors:", 1))
    edited = load_campaign(campaign_file)
    defs = _defs(site, data, campaign_file)
    job = dg.define_asset_job("prices", selection=[dg.AssetKey(["campaigns", "prices"])], executor_def=dg.in_process_executor)
    order = instance.get_dynamic_partitions("urls")
    resolved = dg.Definitions.merge(defs, dg.Definitions(jobs=[job])).resolve_job_def("prices")
    assert resolved.execute_in_process(instance=instance, tags={"dagster/asset_partition_range_start": order[0],
                                                                "dagster/asset_partition_range_end": order[-1]}).success
    assert sum(site.hits.values()) == hits  # no page loaded again
    rows = Store(data / "store").read_records("campaign_prices").to_pylist()
    assert {r["campaign_version"] for r in rows} == {edited.version}
    assert all(r["price__source"] == "selector:0" and r["price"]["amount"] > 0 for r in rows)


def test_a_campaign_mines_the_pages_its_sources_list(site, data, tmp_path):
    """Sources: a URL file (relative to the campaign file) and a crawl's mined pages; the URL patterns narrow them."""
    from minedag.campaigns.model import UrlSource
    from minedag.crawl.frontier import Frontier
    from minedag.crawl.run import frontier_path
    from minedag.settings import crawls_dir

    (tmp_path / "lists").mkdir()
    (tmp_path / "lists" / "picked.txt").write_text(f"# two products\n{SHOP[0]}\n{SHOP[2]}\n")
    crawls = crawls_dir()  # where the asset looks too
    with Frontier(frontier_path(crawls, "shop"), "shop") as crawled:
        for url in SHOP[3:6]:
            crawled.offer(url, 1, "link")
        crawled.settle(SHOP[3], True)
        crawled.settle(SHOP[4], False, "timeout")  # failed and queued pages are not the crawl's pages
    campaign_file = tmp_path / "prices.yaml"
    campaign_file.write_text(CAMPAIGN.replace("attributes:", "sources: [{file: lists/picked.txt}, {crawl: shop}]\nattributes:", 1))
    campaign = load_campaign(campaign_file)
    assert campaign.pages([*SHOP, "http://blog.test/"], crawls) == [SHOP[0], SHOP[2], SHOP[3]]
    narrowed = campaign.model_copy(update={"urls": [SHOP[2].rsplit("/", 1)[1]]})
    assert narrowed.pages(SHOP, crawls) == [SHOP[2]]
    with pytest.raises(CampaignError, match="crawl 'nowhere' has not run yet"):
        campaign.model_copy(update={"sources": [UrlSource(crawl="nowhere")]}).pages(SHOP, crawls)

    # Through Dagster: the campaign's asset writes rows for its pages only, among all the pages mined.
    instance = dg.DagsterInstance.ephemeral()
    (result,) = mine(instance, SHOP[:3], defs=_defs(site, data, campaign_file))
    assert result.success
    rows = Store(data / "store").read_records("campaign_prices").to_pylist()
    assert sorted(r["url"] for r in rows if r["url"] in SHOP[:3]) == [SHOP[0], SHOP[2]]


def test_a_campaign_feeds_a_bundle_it_declares(site, data, tmp_path, monkeypatch):
    """`bundle:` in a campaign file declares a functionality next to the eight built-in ones: the campaign's
    attributes are its targets, campaign and profile attributes its inputs, and the bundle builds like any other."""
    from minedag.bundles import build_bundle
    from minedag.functionalities import FUNCTIONALITIES, functionalities, get_functionality

    folder = tmp_path / "campaigns"
    folder.mkdir()
    monkeypatch.setenv("MINEDAG_CAMPAIGNS", str(folder))
    campaign_file = folder / "prices.yaml"
    campaign_file.write_text(CAMPAIGN + """bundle:
  description: Predict a product's price from its page.
  inputs: [seo_optimizer.title, seo_optimizer.word_count, cheap_price]
  targets: [price]
  splits: [1, 0, 0]
""")
    assert list(functionalities()) == [*(f.name for f in FUNCTIONALITIES), "prices"]
    f = get_functionality("prices")
    assert f.targets == f.trained_targets == ("campaign_prices.price",) and "seo_optimizer.title" in f.attributes
    instance = dg.DagsterInstance.ephemeral()
    (result,) = mine(instance, SHOP[:4], defs=_defs(site, data, campaign_file))
    assert result.success
    bundle = build_bundle(f, Store(data / "store"), tmp_path / "bundles")
    assert bundle.manifest["targets"] == ["campaign_prices.price"] and bundle.manifest["counts"]["members"] == 4
    train = pd.read_parquet(bundle.path / "train")
    assert {row["amount"] for row in train["campaign_prices__price"]} and set(train["seo_optimizer__title"])
    chat = json.loads((bundle.path / "chat" / "train.jsonl").read_text().splitlines()[0])
    answer = json.loads(chat["messages"][2]["content"])
    assert set(answer) == {"campaign_prices__price"} and answer["campaign_prices__price"]["currency"] == "USD"
    assert "**campaign**" in (bundle.path / "README.md").read_text()

    campaign_file.write_text(CAMPAIGN + "bundle: {description: Predict prices from pages., inputs: [seo_optimizer.nope], targets: [price]}\n")
    assert "prices" not in functionalities()  # disabled alone; the built-in eight still load
    assert list(functionalities()) == [f.name for f in FUNCTIONALITIES]
    (reason,) = scan([campaign_file]).problems.values()
    assert "bundle input 'seo_optimizer.nope' does not exist" in reason


@pytest.mark.parametrize("text, fix", [
    ("description: x\nattributes:\n  - {name: p, type: money, description: price, selectors: [{css: b}]}\n",
     "line 3: attributes.0.type: Input should be 'string', 'number'"),
    ("description: prices\nattributes:\n  - name: p\n    type: number\n    description: price\n",
     "line 3: attributes.0: Value error, attribute 'p' has no source: add 'selectors' or 'schema_org'"),
    ("description: prices\nattributes:\n  - name: p\n    type: number\n    description: price\n    selectors:\n      - css: 'div[[x'\n",
     "line 7: attributes.0.selectors.0: Value error, bad CSS selector 'div[[x'"),
    ("description: prices\nattributes:\n  - name: p\n    type: number\n    description: price\n    selectors: [{xpath: //b, regex: '(['}]\n",
     "line 6: attributes.0.selectors.0: Value error, bad regular expression '(['"),
    ("description: prices\nattributes:\n  - name: p\n    type: number\n    description: price\n    schema_org: Offer.price\n"
     "    validation: {range: [10, 1]}\n", "line 7: attributes.0.validation.range: Value error, range [10.0, 1.0]: the minimum is above"),
    ("description: prices\nschedule: monthly\nattributes: []\n", "line 2: schedule: Input should be 'realtime', 'hourly'"),
    ("description: prices\nsources: [{file: a.txt, crawl: b}]\nattributes:\n  - {name: p, type: number, description: price, schema_org: Offer.price}\n",
     "line 2: sources.0: Value error, a source is either {file: urls.txt} or {crawl: name}, exactly one of them"),
    ("description: prices\nattributes:\n  - {name: p, type: number, description: price, schema_org: price}\n",
     "line 3: attributes.0.schema_org: Value error, schema_org 'price': write Type.property"),
    ("description: prices\nattributes:\n  - {name: p, type: number, description: price, schema_org: Offer.price, colour: red}\n",
     "line 3: attributes.0.colour: Extra inputs are not permitted"),
])
def test_a_malformed_campaign_file_names_the_file_line_and_fix(tmp_path, text, fix):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(CampaignError) as error:
        load_campaign(path)
    assert f"{path}:{fix}" in str(error.value)


def test_agent_tools_over_mcp_create_a_campaign_and_mine_an_attribute(site, data, tmp_path, monkeypatch):
    import anyio
    import jsonschema
    from mcp import Client

    from minedag.agents.mcp_server import build_server
    from minedag.agents.tools import export
    from minedag.capture import CaptureOptions, capture_urls

    monkeypatch.setenv("MINEDAG_CAMPAIGNS", str(tmp_path / "campaigns"))
    store = Store(data / "store")
    for capture in capture_urls(SHOP[:2], CaptureOptions(host_rules=site.host_rules, allow_hosts=("*.test",))):
        store.put_capture(capture)
    for fmt, key in (("openai", "parameters"), ("anthropic", "input_schema"), ("mcp", "inputSchema")):
        for tool in export(fmt):
            jsonschema.Draft202012Validator.check_schema(tool["function"][key] if fmt == "openai" else tool[key])
    attribute = {"name": "price", "type": "currency", "description": "The price.", "selectors": [{"css": "[itemprop=price]", "take": "attr:content"}]}
    log = tmp_path / "agent.jsonl"

    async def session() -> tuple[list[str], dict, dict]:
        async with Client(build_server(log)) as client:
            names = [t.name for t in (await client.list_tools()).tools]
            created = await client.call_tool("createMiningCampaign", {"campaign": {
                "name": "agent_prices", "description": "Prices, as an agent set them up.", "attributes": [attribute]}})
            mined = await client.call_tool("mineAttribute", {"attribute": attribute, "urls": SHOP[:2]})
            return names, json.loads(created.content[0].text), json.loads(mined.content[0].text)

    names, created, mined = anyio.run(session)
    assert sorted(names) == ["createMiningCampaign", "discoverAttributes", "mineAttribute", "optimizeMiningConfig"]
    assert load_campaign(created["path"]).attributes[0].name == "price" and created["asset"] == "campaigns/agent_prices"
    assert mined["found"] == 2 and all(v["value"]["amount"] > 0 for v in mined["values"])
    logged = [json.loads(line) for line in log.read_text().splitlines()]
    assert [e["messages"][0]["tool_calls"][0]["function"]["name"] for e in logged] == ["createMiningCampaign", "mineAttribute"]


PRICES = """\
description: Prices on a page, to test what counts as one.
attributes:
  - name: price
    type: currency
    description: The offered price.
    selectors:
      - css: '.stars'
      - css: '.qty'
      - css: '.amount'
      - css: '[itemprop=price]'
        take: attr:content
"""


def _page(body: str, url: str = "http://shop.example/item") -> PageView:
    from minedag.capture import PageCapture

    html = f"<html><head><title>Item</title></head><body>{body}</body></html>"
    return PageView(PageCapture(url=url, ok=True, status=200, raw_html=html, rendered_html=html))


def test_a_number_without_a_currency_in_or_beside_it_is_not_a_price(tmp_path):
    from minedag.campaigns.extract import extract

    campaign_file = tmp_path / "prices.yaml"
    campaign_file.write_text(PRICES)
    campaign = load_campaign(campaign_file)
    found = extract(campaign, _page('<p><span class="stars">4.5</span> out of 5</p><p>Qty <span class="qty">2</span></p>'
                                    '<p class="cost"><span class="cur">€</span><span class="amount">24,90</span></p>'))["price"]
    assert found.value == {"amount": 24.9, "currency": "€"} and found.source == "selector:2"
    assert found.tried == {"css .stars": False, "css .qty": False, "css .amount": True,
                           "css [itemprop=price] -> attr:content": False}
    rating = extract(campaign, _page('<p><span class="stars">4.5</span> out of 5</p>'))["price"]
    assert rating.value is None and "4.5 has no currency in or beside it" in rating.error
    # A machine-readable amount takes the currency the page declares for it.
    declared = extract(campaign, _page('<div itemscope itemtype="https://schema.org/Offer"><meta itemprop="price" content="12.50">'
                                       '<meta itemprop="priceCurrency" content="EUR"></div>'))["price"]
    assert declared.value == {"amount": 12.5, "currency": "EUR"}


def test_selector_statistics_count_pages_not_runs_and_follow_the_selector_not_its_place(tmp_path):
    from minedag.campaigns import SelectorStats

    campaign_file = tmp_path / "prices.yaml"
    campaign_file.write_text(PRICES)
    campaign = load_campaign(campaign_file)
    stats = SelectorStats()
    for _ in range(6):  # one page mined six times is one page
        stats.record("shop.example", "price", "http://shop.example/a", {"css .amount": True})
    assert stats.fast_track("shop.example") == {}
    for i in range(4):
        stats.record("shop.example", "price", f"http://shop.example/p{i}", {"css .amount": True, "css .stars": False})
    assert stats.fast_track("shop.example") == {"price": "css .amount"}
    stats.save(tmp_path / "selectors.json")
    reordered = campaign.model_copy(deep=True)
    reordered.attributes[0].selectors.reverse()  # the history follows the selector
    loaded = SelectorStats.load(tmp_path / "selectors.json")
    assert loaded.rows(reordered) == [["shop.example", "price", "css .amount", 5, 1.0, "yes"],
                                      ["shop.example", "price", "css .stars", 4, 0.0, ""]]
    (tmp_path / "old.json").write_text('{"shop.example": {"price": {"0": [9, 9]}}}')  # per-run counts by position
    assert SelectorStats.load(tmp_path / "old.json").outcomes == {}


def test_suggestions_that_contradict_the_declared_price_are_dropped_and_ties_keep_one_order(tmp_path):
    from minedag.campaigns.suggest import suggest
    from minedag.capture import PageCapture

    campaign_file = tmp_path / "prices.yaml"
    campaign_file.write_text(PRICES.replace("      - css: '.stars'\n      - css: '.qty'\n      - css: '.amount'\n", ""))
    attribute = load_campaign(campaign_file).attributes[0]
    store = Store(tmp_path / "store")
    body = ('<p class="product-price">$24.00</p><p class="old-price">$30.00</p><p class="price-rating">4.5</p>'
            '<p class="price-now">$24.00</p>')
    for i in range(3):
        html = f"<html><body>{body}</body></html>"
        store.put_capture(PageCapture(url=f"http://shop.example/p{i}", ok=True, status=200, raw_html=html, rendered_html=html))
    declared = {"http://shop.example/p2": {"amount": 24.0, "currency": "USD"}}
    found = suggest(attribute, store, ["http://shop.example/p0", "http://shop.example/p1"], declared)
    labels = [s["label"] for s in found]
    assert "css .old-price" not in labels and "css .price-rating" not in labels  # contradicts the page; not a price
    assert labels == ["css .price-now", "css .product-price"]  # agree on 1/1, fix 2 each: by label
    assert found[0]["agrees"] == 1 and found[0]["checked"] == 1 and found[0]["pages"] == 2
    assert suggest(attribute, store, ["http://shop.example/p0", "http://shop.example/p1"], declared) == found
