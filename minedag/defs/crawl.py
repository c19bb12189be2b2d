import dagster as dg

from minedag.crawl import Crawler, CrawlError, Frontier, fetcher, load_crawl_file
from minedag.crawl.frontier import STATES
from minedag.crawl.run import frontier_path
from minedag.defs.automation import batched_requests, mining_selection
from minedag.defs.metadata import md_table
from minedag.defs.partitions import url_partitions
from minedag.defs.resources import StoreResource
from minedag.sample_site.server import sample_site_for
from minedag.settings import crawls_dir, remember_network

BATCHES_IN_FLIGHT = 4  # per crawl: runs requested and not yet captured


@dg.asset(group_name="crawl", kinds={"json"})
def crawl_frontier() -> dg.MaterializeResult:
    """Every crawl's frontier (``data/crawls/<name>/frontier.sqlite``), per crawl and site: discovered, queued,
    mining, mined, failed, out of scope, robots-disallowed, over budget and redirect targets."""
    rows, totals = [], dict.fromkeys(("discovered", *STATES), 0)
    folder = crawls_dir()
    for path in sorted(folder.glob("*/frontier.sqlite")) if folder.is_dir() else []:
        with Frontier(path, path.parent.name) as frontier:
            for site, counts in frontier.counts().items():
                rows.append([frontier.name, site, *counts.values()])
                for key, value in counts.items():
                    totals[key] += value
    headers = ["crawl", "site", "discovered", *STATES]
    return dg.MaterializeResult(metadata={"crawls": len({r[0] for r in rows}), **totals,
                                          "by_crawl_and_site": md_table(headers, rows)})


crawl_job = dg.define_asset_job("crawl_report", selection=[crawl_frontier], executor_def=dg.in_process_executor,
                                description="Summarise the crawls' frontiers (run by `minedag crawl` after each crawl).")


@dg.sensor(
    asset_selection=mining_selection | dg.AssetSelection.assets(crawl_frontier),
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Walks each crawl file in data/crawls/*.yaml: settles the pages its runs captured, follows their "
                "links, and requests the next batches (new URLs become partitions), until the crawl is done.",
)
def crawl_sensor(context: dg.SensorEvaluationContext, store: StoreResource) -> dg.SensorResult | dg.SkipReason:
    folder = crawls_dir()
    files = sorted(folder.glob("*.yaml")) if folder.is_dir() else []
    if not files:
        return dg.SkipReason("no crawl files in data/crawls/*.yaml")
    target = store.get()
    order = list(context.instance.get_dynamic_partitions(url_partitions.name))
    known = set(order)
    batches: list[tuple[str, list[str]]] = []
    notes, changed = [], False
    for path in files:
        try:
            spec = load_crawl_file(path)
        except CrawlError as exc:
            notes.append(str(exc))
            continue
        allow, rules = remember_network(tuple(spec.allow_hosts), spec.host_rules)
        with Frontier(frontier_path(folder, spec.name), spec.name) as frontier, \
                sample_site_for(rules, spec.seeds) as fetch_rules, fetcher(allow, fetch_rules) as sites:
            before = frontier.counts()
            crawler = Crawler(spec, target, sites, frontier)
            crawler.start()
            crawler.absorb(crawler.landed())
            in_flight = frontier.count(("mining",)) // spec.batch
            while in_flight < BATCHES_IN_FLIGHT and (batch := crawler.next_batch()):
                batches.append((spec.name, batch))
                in_flight += 1
            changed |= frontier.counts() != before
            done = not frontier.count(("queued", "mining"))
        notes.extend(f"{spec.name}: {e}" for e in crawler.sitemap_errors)
        notes.append(f"{spec.name}: {sum(len(b) for n, b in batches if n == spec.name)} URLs requested"
                     + (", crawl done" if done else ""))
    for note in notes:
        context.log.info(note)
    fresh = list(dict.fromkeys(u for _, batch in batches for u in batch if u not in known))  # added in this order
    order += fresh
    mining = list(mining_selection.resolve(context.repository_def.asset_graph)) if context.repository_def else None
    runs = [request for name, batch in batches
            for request in batched_requests(order, set(batch), f"crawl:{name}:{context.cursor or ''}", mining)]
    if changed:
        runs.append(dg.RunRequest(run_key=f"crawl_frontier:{len(runs)}:{context.cursor or ''}", asset_selection=[crawl_frontier.key]))
    if not runs:
        return dg.SkipReason("; ".join(notes) or "nothing to crawl")
    return dg.SensorResult(run_requests=runs, dynamic_partitions_requests=[url_partitions.build_add_request(fresh)] if fresh else [],
                           cursor=str(int(context.cursor or 0) + 1))
