"""The ``minedag`` command: ``minedag --help`` lists the commands, ``minedag COMMAND --help`` explains one."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.table import Table

from minedag.errors import MinedagError

# Colour and live bars only on a terminal (rich checks isatty, NO_COLOR and TERM); long lines never wrap in logs.
console = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


DEFAULT_URLS = "data/urls/sample.txt"


class UsageError(MinedagError):
    """A bad argument; the message names the value and the fix."""


def _instance():
    from minedag.mining import instance_from_env

    try:
        return instance_from_env()
    except RuntimeError as exc:
        raise UsageError(str(exc)) from None


def cmd_demo(args: argparse.Namespace) -> int:
    """Mine the bundled sample site through Dagster, build the eight training bundles and print a summary."""
    import time
    from datetime import UTC, datetime

    from minedag.bundles.publish import latest_version
    from minedag.campaigns import load_all
    from minedag.functionalities import functionalities
    from minedag.mining import build_bundles, failed_checks, mine
    from minedag.profiles import all_profiles
    from minedag.progress import finish, polled, progress
    from minedag.settings import bundles_dir, campaigns_dir, store_dir
    from minedag.store import Store
    from minedag.urlfile import read_url_file

    urls = read_url_file(args.urls).urls
    if not urls:
        raise UsageError(f"{args.urls}: no URLs in it")
    _remember_network_flags(args)
    instance = _instance()
    store = Store(store_dir())
    out = console if not args.json else err
    out.print(f"[bold]minedag demo[/]: mining {len(urls)} URLs through Dagster (instance: {os.environ['DAGSTER_HOME']})")
    started = time.time()
    started_at = datetime.fromtimestamp(started, UTC).isoformat(timespec="seconds")
    with progress(out) as bar:
        runs = bar.add_task("Dagster runs (capture + profiles)", total=None)
        with polled(bar, "pages captured", len(urls), lambda: store.captured_since(urls, started)):
            results = mine(instance, urls, on_run=lambda _r, planned: bar.update(runs, advance=1, total=planned))
        finish(bar, runs)
        pointers = {u: store.latest(u) for u in urls}
        ok = [p for p in pointers.values() if p and p.ok and p.fresh_as_of >= started_at]
        bundle_runs = {}
        if ok:  # a run that captured nothing has nothing new to train on: no bundle versions
            bundling = bar.add_task("training bundles built and checked", total=len(functionalities()))
            bundle_runs = build_bundles(instance, on_bundle=lambda _name: bar.advance(bundling))
            finish(bar, bundling)
    failed = [p for p in pointers.values() if p and not p.ok]
    kept = [p for p in pointers.values() if p and p.attempt and p.attempt["at"] >= started_at]
    summary = {
        "title": "Sample site" if Path(args.urls) == Path(DEFAULT_URLS) else str(args.urls),
        "urls": len(urls), "captured": len(ok), "seconds": round(time.time() - started, 1),
        "not_captured": len(urls) - len(ok), "failed_by_kind": dict(Counter(p.error_kind or "error" for p in failed)),
        "http_errors": [{"url": p.url, "status": p.status} for p in ok if p.status and p.status >= 400],
        "failed": [{"url": p.url, "kind": p.error_kind, "reason": p.error} for p in failed],
        "failed_kept_earlier": [{"url": p.url, "kind": p.attempt["error_kind"], "reason": p.attempt["error"],
                                 "record_from": p.captured_at} for p in kept],
        "records": {name: len(store.read_records(name, urls)) for name in all_profiles()},
        "campaigns": {c.name: len(store.read_records(f"campaign_{c.name}", urls)) for c in load_all(campaigns_dir())},
        "bundles": {name: {"latest": latest_version(bundles_dir(), name),
                           "checks_passed": sum(c.passed for c in run.get_asset_check_evaluations()),
                           "checks": len(run.get_asset_check_evaluations())} for name, run in bundle_runs.items()},
        "dagster_runs": {"mining": len(results), "mining_succeeded": all(r.success for r in results), "bundle": len(bundle_runs),
                         "bundles_not_published": [name for name, run in bundle_runs.items() if not run.success],
                         "why_not_published": {name: failed_checks(run) or ["the run failed: see it in the Dagster UI"]
                                               for name, run in bundle_runs.items() if not run.success},
                         "bundles_skipped": "nothing was captured" if not ok else ""},
        "store": str(store.root), "bundles_dir": str(bundles_dir()),
    }
    if args.json:
        print(json.dumps(summary))
    else:
        _print_demo(summary)
    skipped = sum(1 for p in failed if p.error_kind in SKIPPED_KINDS)
    return 0 if summary["dagster_runs"]["mining_succeeded"] and enough_captured(len(ok), len(urls) - skipped) else 1


# Below this share of the URLs asked for captured, `demo`, `mine` and `crawl` exit 1: most of the batch failed.
# In a demo or crawl batch, pages robots.txt or the address policy refused are skipped by design: they do not count.
MIN_CAPTURED_SHARE = 0.8
SKIPPED_KINDS = frozenset({"robots", "refused"})


def enough_captured(captured: int, asked: int) -> bool:
    """Whether a batch captured at least ``MIN_CAPTURED_SHARE`` of what was asked (and anything at all)."""
    return captured > 0 and captured >= MIN_CAPTURED_SHARE * asked


def _print_demo(s: dict) -> None:
    kinds = ", ".join(f"{n} {k}" for k, n in sorted(s["failed_by_kind"].items()))
    colour = "green" if s["captured"] == s["urls"] else "yellow" if s["captured"] else "red"
    console.print(f"[{colour}]{s['captured']}/{s['urls']} captured[/]" + (f", {kinds}" if kinds else ""))
    table = Table(title=s["title"])
    table.add_column("what")
    table.add_column("count", justify="right")
    table.add_row("URLs", str(s["urls"]))
    table.add_row("captured as HTML (this run)", str(s["captured"]))
    table.add_row("  of which HTTP 4xx/5xx (captured, flagged)", str(len(s["http_errors"])))
    table.add_row("failed captures", str(len(s["failed"])))
    for name, n in s["records"].items():
        table.add_row(f"records: profiles/{name}", str(n))
    for name, n in s["campaigns"].items():
        table.add_row(f"records: campaigns/{name}", str(n))
    console.print(table)
    for f in s["failed"]:
        console.print(f"  [red]{f['kind'] or 'failed'}[/] {f['url']}: {f['reason']}")
    for f in s["failed_kept_earlier"]:
        console.print(f"  [yellow]{f['kind']}[/] {f['url']}: {f['reason']} (its capture of {f['record_from']} stays its record)")
    for h in s["http_errors"]:
        console.print(f"  [yellow]HTTP {h['status']}[/] {h['url']}")
    bundles = Table(title="Training bundles")
    for column in ("functionality", "latest version", "checks"):
        bundles.add_column(column)
    for name, b in s["bundles"].items():
        bundles.add_row(name, b["latest"] or "[red]not published[/]", f"{b['checks_passed']}/{b['checks']} passed")
    console.print(bundles)
    runs = s["dagster_runs"]
    blocked = runs["bundles_not_published"]
    published = (f"[red]none built: {runs['bundles_skipped']}[/]" if runs["bundles_skipped"] else
                 f"[yellow]not published (a blocking check failed): {blocked}[/]" if blocked else "all published")
    for name, reasons in runs["why_not_published"].items():
        for reason in reasons:
            console.print(f"  bundle {name} not published: {reason}", markup=False)
    console.print(f"Dagster runs: {runs['mining']} mining ({'succeeded' if runs['mining_succeeded'] else '[red]FAILED[/]'}), "
                  f"{runs['bundle']} bundle ({published}) in {s['seconds']} s")
    console.print(f"Captures and records: {s['store']}")
    console.print(f"Bundles: {s['bundles_dir']}/<functionality>/latest  (minedag bundles list)")
    console.print("Open the UI on these runs:  [bold]DAGSTER_HOME=$PWD .venv/bin/dagster dev[/]  (then http://127.0.0.1:3000)")


def cmd_mine(args: argparse.Namespace) -> int:
    """Mine a few URLs directly, without Dagster, and print (or save) the records."""
    from minedag.capture import CaptureOptions, capture_urls
    from minedag.profiles import all_profiles, extract_record, get_profile
    from minedag.profiles.page import PageView
    from minedag.sample_site.server import serve
    from minedag.urls import InvalidURL, canonical_url

    try:
        urls = [canonical_url(u) for u in args.urls]
    except InvalidURL as exc:
        raise UsageError(str(exc)) from None
    profiles = [get_profile(p) for p in args.profile] if args.profile else list(all_profiles().values())
    allow, rules = _network_flags(args)
    server = serve() if not rules and any(u.split("/")[2].endswith(".test") for u in urls) else None
    if server:  # the sample site, when nothing says where *.test is
        allow, rules = (*allow, "*.test"), server.host_rules
    options = CaptureOptions(host_rules=rules, allow_hosts=allow, **({"capture_timeout_s": args.capture_timeout}
                                                                    if args.capture_timeout is not None else {}))
    try:
        captures = capture_urls(urls, options)
    finally:
        if server:
            server.stop()
    out = []
    for cap in captures:
        view = PageView(cap)
        out.append({"url": cap.url, "ok": cap.ok, "error": cap.error,
                    "records": {p.name: extract_record(p, cap, view=view) for p in profiles}})
    text = json.dumps(out, indent=2, default=str)
    if args.output:
        Path(args.output).write_text(text)
        console.print(f"wrote {len(out)} results to {args.output}")
    else:
        print(text)
    captured = sum(o["ok"] for o in out)  # the URLs asked for by name: a refused one counts as not captured
    err.print(f"{captured} of {len(out)} captured")
    return 0 if enough_captured(captured, len(out)) else 1


def _network_flags(args: argparse.Namespace) -> tuple[tuple[str, ...], str]:
    """``--allow-hosts`` (repeatable, comma-separated) and ``--host-rules``, validated."""
    from minedag.capture.guard import HostRules

    allow = tuple(rule.strip() for flag in args.allow_hosts for rule in flag.split(",") if rule.strip())
    try:
        HostRules.parse(args.host_rules)
    except ValueError as exc:
        raise UsageError(f"--host-rules: {exc}") from None
    return allow, args.host_rules


def _remember_network_flags(args: argparse.Namespace) -> None:
    """Validate the network flags and add them to ``network.json``: the sensors, retries and UI backfills that
    mine these URLs later use them too."""
    from minedag.settings import remember_network

    allow, rules = _network_flags(args)
    if allow or rules:
        remember_network(allow, rules)
    if args.capture_timeout is not None:
        from minedag.settings import remember_capture_timeout

        remember_capture_timeout(args.capture_timeout)


def _add_network_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--allow-hosts", "--allow", dest="allow_hosts", action="append", default=[], metavar="GLOB,...",
                   help="host globs or CIDRs mined although private, comma-separated (e.g. '*.intranet,10.0.0.0/8'); "
                        "commands that run through Dagster remember them in $MINEDAG_DATA/network.json")
    p.add_argument("--host-rules", default="", metavar="RULES",
                   help="where names go, Chromium's host-resolver-rules syntax (e.g. 'MAP *.test 127.0.0.1:8000'); "
                        "remembered like --allow-hosts")
    p.add_argument("--capture-timeout", type=_seconds, metavar="SECONDS",
                   help="backstop for one page's capture, politeness waits not counted (default 90; navigation and "
                        "each collector have budgets of their own); remembered like --allow-hosts")


def _count(text: str) -> int:
    """A whole number of 0 or more (argparse reports anything else as a usage error)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value}: give 0 or more")
    return value


def _seconds(text: str) -> float:
    from minedag.settings import MAX_CAPTURE_TIMEOUT_S

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 < value <= MAX_CAPTURE_TIMEOUT_S:
        raise argparse.ArgumentTypeError(f"{text}: give seconds above 0 and at most {MAX_CAPTURE_TIMEOUT_S:.0f}")
    return value


def cmd_add_urls(args: argparse.Namespace) -> int:
    """Register the URLs of a file as partitions (rejects and duplicates are reported)."""
    from minedag.mining import register_urls
    from minedag.urlfile import read_url_file

    try:
        parsed = read_url_file(args.file)
    except FileNotFoundError as exc:
        raise UsageError(str(exc)) from None
    from minedag.progress import finish, progress

    _remember_network_flags(args)
    instance = _instance()
    with progress(err) as bar:
        task = bar.add_task("registering URL partitions", total=None)
        reg = register_urls(instance, parsed.urls, on_chunk=lambda done, total: bar.update(task, completed=done, total=total))
        bar.update(task, total=len(reg.added), completed=len(reg.added))
        finish(bar, task)
    result = {"added": len(reg.added), "already_registered": reg.already, "duplicates": parsed.duplicates,
              "rejected": [{"line": n, "text": t, "reason": r} for n, t, r in parsed.rejected]}
    if args.json:
        print(json.dumps(result))
    else:
        console.print(f"added {result['added']} URLs, {reg.already} already registered, {parsed.duplicates} duplicate lines")
        for n, t, r in parsed.rejected:
            console.print(f"  [red]rejected[/] line {n}: {t!r}: {r}")
    return 0


def cmd_crawl(args: argparse.Namespace) -> int:
    """Crawl a site from seed URLs (sitemaps and links, in scope, within budgets) and mine its pages through Dagster."""
    from minedag.crawl import CrawlError, CrawlSpec, fetcher, load_crawl_file, run_crawl
    from minedag.crawl.run import frontier_path
    from minedag.mining import QUIET, mine
    from minedag.progress import finish, progress
    from minedag.sample_site.server import sample_site_for
    from minedag.settings import crawls_dir, remember_network, store_dir
    from minedag.store import Store

    spec = _crawl_spec(args, CrawlSpec, CrawlError, load_crawl_file)
    allow, rules = remember_network(tuple(spec.allow_hosts), spec.host_rules)
    if args.capture_timeout is not None:
        from minedag.settings import remember_capture_timeout

        remember_capture_timeout(args.capture_timeout)
    instance = _instance()
    store = Store(store_dir())
    out = err if args.json else console
    with sample_site_for(rules, spec.seeds) as fetch_rules, fetcher(allow, fetch_rules) as sites:
        with progress(out) as bar:
            task = bar.add_task(f"crawl {spec.name}: pages mined", total=None)
            report = run_crawl(spec, store, sites, crawls_dir(), lambda urls: mine(instance, urls),
                               fresh=args.fresh, on_batch=lambda done, known: bar.update(task, completed=done, total=known))
            finish(bar, task)
    from minedag.definitions import defs

    defs.resolve_job_def("crawl_report").execute_in_process(instance=instance, raise_on_error=False, run_config=QUIET)
    totals = report.totals()
    summary = {"crawl": spec.name, "totals": totals, "sites": report.counts, "dagster_runs": report.runs,
               "dagster_runs_failed": report.runs_failed, "failures": report.failures,
               "sitemap_errors": report.sitemap_errors, "frontier": str(frontier_path(crawls_dir(), spec.name))}
    if args.json:
        print(json.dumps(summary))
    else:
        mined, tried = totals.get("mined", 0), totals.get("mined", 0) + totals.get("failed", 0)
        console.print(f"[{'green' if enough_captured(mined, tried) else 'red'}]{mined} of {tried} mined[/]")
        table = Table(title=f"crawl {spec.name}")
        for column in ("site", "discovered", "mined", "failed", "out of scope", "robots", "over budget", "redirect"):
            table.add_column(column, justify="right" if column != "site" else "left")
        for site, c in report.counts.items():
            table.add_row(site, *(str(c[k]) for k in ("discovered", "mined", "failed", "out_of_scope", "robots",
                                                       "over_budget", "redirect")))
        console.print(table)
        for failure in report.failures:
            console.print(f"  [red]failed[/] {failure['url']}: {failure['reason']}")
        for problem in report.sitemap_errors:
            console.print(f"  [yellow]sitemap[/] {problem}")
        console.print(f"{totals.get('mined', 0)} pages mined in {report.runs} Dagster runs; frontier: {summary['frontier']}")
    return 0 if enough_captured(totals.get("mined", 0), totals.get("mined", 0) + totals.get("failed", 0)) and not report.runs_failed else 1


def _crawl_spec(args: argparse.Namespace, spec_type, error_type, load_file):
    """The crawl file (if any) with the command line's flags on top; a bad value is a UsageError."""
    allow, rules = _network_flags(args)
    try:
        data = load_file(args.file).model_dump(exclude_unset=True) if args.file else {}
        if args.seeds:
            data["seeds"] = args.seeds
        if not data.get("seeds"):
            raise UsageError("give seed URLs or a crawl file with 'seeds:'")
        data.setdefault("name", args.name or _crawl_name(data["seeds"][0]))
        flags = {"scope": args.scope, "max_pages": args.max_pages, "max_pages_per_site": args.max_pages_per_site,
                 "max_depth": args.max_depth, "include": args.include or None, "exclude": args.exclude or None}
        data.update({k: v for k, v in flags.items() if v is not None})
        if args.no_sitemaps:
            data["sitemaps"] = False
        if args.follow_nofollow:
            data["follow_nofollow"] = True
        data["allow_hosts"] = list(dict.fromkeys([*data.get("allow_hosts", []), *allow]))
        data["host_rules"] = ", ".join(r for r in (data.get("host_rules", ""), rules) if r)
        return spec_type.model_validate(data)
    except error_type as exc:
        raise UsageError(str(exc)) from None
    except ValueError as exc:  # pydantic's ValidationError
        raise UsageError(f"crawl settings: {exc}") from None


def _crawl_name(seed: str) -> str:
    import re
    from urllib.parse import urlsplit

    return re.sub(r"[^a-z0-9_-]+", "-", (urlsplit(seed).hostname or "crawl").lower()).strip("-")[:64] or "crawl"


def cmd_remove_urls(args: argparse.Namespace) -> int:
    """Forget URLs: their partitions, pointers, captures and records (campaigns too) go, and every bundle whose latest
    version served one is rebuilt and published without them at once."""
    from minedag.bundles import build_bundle
    from minedag.bundles.publish import republish_without
    from minedag.defs.partitions import url_partitions
    from minedag.functionalities import get_functionality
    from minedag.settings import bundles_dir, store_dir
    from minedag.store import Store
    from minedag.urlfile import parse_lines, read_url_file
    from minedag.urls import canonical_url, dropped_params

    parsed = read_url_file(args.file) if args.file else parse_lines(args.urls)
    if not args.file:  # exactly the URL given: one whose canonical form drops a parameter names another page
        for number, raw in enumerate(args.urls, 1):
            if (dropped := dropped_params(raw)) and (url := canonical_url(raw)) in parsed.urls:
                parsed.urls.remove(url)
                parsed.rejected.append((number, raw, f"its {', '.join(dropped)} parameter is never part of a page's key, so it "
                                                     f"would remove {url}; give {url} itself to remove that page"))
    if not parsed.urls:
        for number, text, reason in parsed.rejected:
            err.print(f"line {number}: {text}: {reason}", markup=False)
        raise UsageError("give URLs or --file with one URL per line")
    instance = _instance()
    known = set(instance.get_dynamic_partitions(url_partitions.name))
    gone = [u for u in parsed.urls if u in known]
    for url in gone:
        instance.delete_dynamic_partition(url_partitions.name, url)
    store = Store(store_dir())
    had = store.remove(parsed.urls)

    def rebuild(name: str) -> tuple[str, bool]:
        built = build_bundle(get_functionality(name), store, bundles_dir())
        return built.version, built.checks_passed

    republished = republish_without(bundles_dir(), set(parsed.urls), rebuild)
    result = {"partitions_removed": len(gone), "captures_forgotten": had, "not_registered": len(parsed.urls) - len(gone),
              "rejected": [{"line": n, "text": t, "reason": r} for n, t, r in parsed.rejected],
              "bundles_republished": republished}
    if args.json:
        print(json.dumps(result))
    else:
        for rejected in result["rejected"]:
            err.print(f"not removed, line {rejected['line']}: {rejected['text']}: {rejected['reason']}", markup=False)
        console.print(f"removed {len(gone)} partitions and the stored pages of {had} URLs "
                      f"({result['not_registered']} were not registered)")
        for name, moved in republished.items():
            console.print(f"  bundle {name}: latest is now {moved['version']}, without them"
                          + ("" if moved["checks_passed"] else " (published although a blocking check fails: removal wins)"),
                          markup=False)
    return 0


def cmd_campaign(args: argparse.Namespace) -> int:
    """Campaigns, your own attributes in YAML: new, validate, show, run (through Dagster), suggest, schema."""
    from rich.markup import escape

    from minedag.campaigns import campaign_files, json_schema, load_campaign, scan
    from minedag.settings import campaigns_dir

    folder = campaigns_dir()
    if args.action == "schema":
        print(json.dumps(json_schema(), indent=2))
        return 0
    if args.action == "validate":  # exactly the checks loading the definitions runs (``scan``)
        given = [Path(f).resolve() for f in args.names]
        files = given or [p.resolve() for p in campaign_files(folder)]
        found = scan([*(p.resolve() for p in campaign_files(folder) if p.resolve() not in given), *given])
        problems = {str(p): found.problems[p] for p in files if p in found.problems}
        if args.json:
            print(json.dumps({"files": [str(f) for f in files], "problems": problems}))
        else:
            for path in files:
                console.print(f"[red]disabled[/] {escape(problems[str(path)])}" if str(path) in problems
                              else f"[green]valid[/] {escape(str(path))}")
        return 1 if problems else 0
    if not args.names:
        raise UsageError(f"`minedag campaign {args.action}` needs a campaign name, e.g. product_price")
    name = args.names[0]
    path = folder / f"{name}.yaml"
    if args.action == "new":
        return _new_campaign(path, name)
    found = scan(campaign_files(folder))
    if path in found.problems or not path.is_file():
        raise UsageError(found.problems.get(path) or f"{path}: file not found; `minedag campaign new {name}` writes one")
    campaign = load_campaign(path)  # it passed every check of ``scan``
    if args.action == "run":
        return _run_campaign(campaign, args)
    if args.action == "suggest":
        return _suggest(campaign, args)
    return _show_campaign(campaign, args)


def _new_campaign(path: Path, name: str) -> int:
    if path.exists():
        raise UsageError(f"{path} exists; edit it, or choose another name")
    from minedag.campaigns import Campaign
    from minedag.campaigns.model import write_campaign

    template = Campaign(name=name, description=f"{name.replace('_', ' ')} (describe what this campaign mines)", attributes=[{
        "name": "title", "type": "string", "description": "The page's main heading.",
        "selectors": [{"css": "h1"}, {"css": "title"}]}])
    write_campaign(path, template)
    console.print(f"wrote {path}: edit its attributes, then `minedag campaign validate` and `minedag campaign run {name}`")
    return 0


def _run_campaign(campaign, args: argparse.Namespace) -> int:
    import dagster as dg

    from minedag.defs.partitions import url_partitions
    from minedag.mining import QUIET, contiguous_ranges, mine, range_tags
    from minedag.settings import crawls_dir, store_dir
    from minedag.store import Store

    instance = _instance()
    from minedag.definitions import defs

    store = Store(store_dir())
    order = instance.get_dynamic_partitions(url_partitions.name)
    unmined = sorted((campaign.source_urls(crawls_dir()) or set()) - set(order))
    if unmined:  # its sources list pages never mined: capture and profile them first (this campaign follows)
        err.print(f"mining {len(unmined)} pages its sources list that were never mined")
        mine(instance, unmined, defs)
        order = instance.get_dynamic_partitions(url_partitions.name)
    wanted = set(campaign.pages(order, crawls_dir()))
    positions = [i for i, url in enumerate(order) if url in wanted and (p := store.latest(url)) is not None and p.ok]
    job = dg.define_asset_job(f"campaign_{campaign.name}", selection=[dg.AssetKey(["campaigns", campaign.name])],
                              executor_def=dg.in_process_executor)
    resolved = dg.Definitions.merge(defs, dg.Definitions(jobs=[job])).resolve_job_def(job.name)
    results = [resolved.execute_in_process(instance=instance, tags=range_tags(order[a], order[b]),
                                           raise_on_error=False, run_config=QUIET)
               for a, b in contiguous_ranges(positions, campaign.batch_size)]
    summary = {"campaign": campaign.name, "pages": len(positions), "runs": len(results),
               "runs_succeeded": sum(r.success for r in results)}
    if args.json:
        print(json.dumps(summary))
    else:
        console.print(f"campaigns/{campaign.name}: {len(positions)} stored pages in {len(results)} Dagster runs "
                      f"({summary['runs_succeeded']} succeeded); see `minedag campaign show {campaign.name}`")
    return 0 if summary["runs_succeeded"] == len(results) else 1


def _show_campaign(campaign, args: argparse.Namespace) -> int:
    from minedag.campaigns import SelectorStats
    from minedag.settings import store_dir
    from minedag.store import Store

    store = Store(store_dir())
    rows = [r for r in store.read_records(f"campaign_{campaign.name}").to_pylist() if r.get("ok")]
    stats = SelectorStats.load(store.root / "campaigns" / campaign.name / "selectors.json")
    summary = {"campaign": campaign.name, "version": campaign.version, "description": campaign.description,
               "pages": len(rows), "attributes": [{"name": a.name, "type": a.type, "found": sum(r.get(a.name) is not None for r in rows),
                                                   "description": a.description} for a in campaign.attributes],
               "selectors": [dict(zip(("site", "attribute", "selector", "pages", "success", "fast_track"), r, strict=True))
                             for r in stats.rows(campaign)]}
    if args.json:
        print(json.dumps(summary, default=str))
        return 0
    console.print(f"[bold]{campaign.name}[/] (version {campaign.version}): {campaign.description}; {len(rows)} pages mined")
    table = Table(title="attributes", title_justify="left")
    for column in ("attribute", "type", "found", "description"):
        table.add_column(column)
    for a in summary["attributes"]:
        table.add_row(a["name"], a["type"], f"{a['found']}/{len(rows)}", a["description"])
    console.print(table)
    table = Table(title="selectors learned per site", title_justify="left")
    for column in ("site", "attribute", "selector", "pages", "success", "fast-track"):
        table.add_column(column)
    for row in stats.rows(campaign):
        table.add_row(*map(str, row))
    console.print(table)
    return 0


def _suggest(campaign, args: argparse.Namespace) -> int:
    from minedag.campaigns.suggest import declared_values, suggest
    from minedag.settings import store_dir
    from minedag.store import Store
    from minedag.urls import site_of

    store = Store(store_dir())
    rows = [r for r in store.read_records(f"campaign_{campaign.name}").to_pylist() if r.get("ok")]
    out = {}
    for attribute in campaign.attributes:
        failed = [r["url"] for r in rows if r.get(attribute.name) is None and (not args.site or site_of(r["url"]) == args.site)]
        out[attribute.name] = {"pages_without_value": len(failed),
                               "suggestions": suggest(attribute, store, failed, declared_values(rows, attribute.name))}
    if args.json:
        print(json.dumps(out, default=str))
        return 0
    for name, found in out.items():
        console.print(f"[bold]{name}[/]: {found['pages_without_value']} pages without a value")
        for s in found["suggestions"]:
            agrees = f", agrees with the declared value on {s['agrees']}/{s['checked']}" if s["checked"] else ""
            console.print(f"  {s['label']}: fixes {s['pages']}{agrees} (e.g. {s['example']!r})  -> {json.dumps(s['selector'])}")
    return 0


def cmd_tools(args: argparse.Namespace) -> int:
    """Tool definitions for LLM agents (discoverAttributes, mineAttribute, createMiningCampaign, optimizeMiningConfig)."""
    from minedag.agents.tools import export

    text = json.dumps(export(args.format), indent=2)
    if args.output:
        Path(args.output).write_text(text + "\n")
        console.print(f"wrote {len(export(args.format))} {args.format} tool definitions to {args.output}")
    else:
        print(text)
    return 0


def cmd_mcp(args: argparse.Namespace) -> int:
    """Serve the agent tools over the Model Context Protocol on stdio (needs the `agents` extra)."""
    try:
        from minedag.agents.mcp_server import serve
    except ImportError as exc:
        raise UsageError(f"{exc}: install the agents extra, e.g. pip install -e '.[agents]'") from None
    serve(Path(args.log) if args.log else None)
    return 0


def cmd_sql(args: argparse.Namespace) -> int:
    """SQL over every record, capture, bundle, link pattern and the catalog (DuckDB views; no query: a shell)."""
    from minedag.sql import QueryError, connect, run_query

    con, catalog = connect()
    if args.list:
        views = {"views": catalog.views, "missing": catalog.missing}
        print(json.dumps(views) if args.json else "\n".join(catalog.views + [f"({v}: {why})" for v, why in catalog.missing.items()]))
        return 0
    if not args.query:
        return _sql_shell(con, catalog)
    try:
        columns, rows, truncated = run_query(con, args.query, limit=args.limit, catalog=catalog)
    except QueryError as exc:
        raise UsageError(f"query: {exc}") from None
    _print_rows(columns, rows, truncated, "json" if args.json else "csv" if args.csv else "table")
    return 0


def _print_rows(columns: list[str], rows: list[tuple], truncated: bool, style: str) -> None:
    if style == "json":
        print(json.dumps([dict(zip(columns, row, strict=True)) for row in rows], default=str))
    elif style == "csv":
        import csv

        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        writer.writerows(rows)
    else:
        table = Table(show_lines=False)
        for column in columns:
            table.add_column(column, overflow="fold")
        for row in rows:
            table.add_row(*("" if v is None else str(v) for v in row))
        console.print(table)
        console.print(f"{len(rows)} rows" + (" (more not shown: raise --limit)" if truncated else ""))


def _sql_shell(con, catalog) -> int:  # noqa: ANN001 - a DuckDB connection and its catalog
    from minedag.sql import QueryError, run_query

    console.print(f"minedag sql: {len(catalog.views)} views ({', '.join(catalog.views)}). End a statement with ';', "
                  "quit with Ctrl-D.")
    buffer: list[str] = []
    while True:
        try:
            line = input("sql> " if not buffer else "...> ")
        except EOFError:
            print()
            return 0
        buffer.append(line)
        if not line.rstrip().endswith(";"):
            continue
        statement, buffer = "\n".join(buffer), []
        try:
            _print_rows(*run_query(con, statement, limit=1000), "table")
        except QueryError as exc:
            err.print(f"[red]error:[/] {exc}")


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the HTTP API (discover, bundles, builds, schema links, catalog, read-only SQL); OpenAPI at /openapi.json."""
    import ipaddress

    try:
        loopback = ipaddress.ip_address(args.host).is_loopback
    except ValueError:
        loopback = args.host == "localhost"
    token = args.token or os.environ.get("MINEDAG_API_TOKEN") or None
    if not loopback and not args.allow_remote:
        raise UsageError(f"--host {args.host} is not a loopback address: anyone who can reach it could use the API; "
                         "add --allow-remote and --token to serve it anyway")
    if not loopback and not token:
        raise UsageError(f"--host {args.host} --allow-remote without a token would serve an open API to the network; "
                         "set --token (or MINEDAG_API_TOKEN)")
    import uvicorn

    from minedag.api import LOOPBACK_NAMES, create_app

    hosts = LOOPBACK_NAMES if loopback else (*LOOPBACK_NAMES, *(args.server_name or [args.host]))
    _instance()
    uvicorn.run(create_app(token=token, hosts=hosts), host=args.host, port=args.port, log_level="warning")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    """Summarise what the store holds: captures by outcome, records per profile, files quarantined and why."""
    from minedag.profiles import all_profiles
    from minedag.settings import store_dir
    from minedag.store import Store

    store = Store(store_dir())
    pointers = store.pointers()
    outcome = Counter("ok" if p.ok else "failed" for p in pointers)
    summary = {"store": str(store.root), "captures": dict(outcome),
               "records": {n: len(store.read_records(n)) for n in all_profiles()},
               "quarantined": store.quarantined()}
    print(json.dumps(summary, indent=None if args.json else 2))
    return 0


def cmd_discover(args: argparse.Namespace) -> int:
    """Which functionality and attributes to collect for a goal in plain words ("train an SEO model")."""
    from minedag.discover import DiscoveryError, discover

    try:
        answer = discover(args.prompt, top=args.top)
    except DiscoveryError as exc:
        if args.json:
            print(json.dumps({"prompt": args.prompt, "error": str(exc), "functionalities": [], "custom": False}))
        else:
            err.print(f"[yellow]{exc}[/]")
        return 2
    if args.json:
        print(json.dumps(answer, default=str))
        return 0
    if answer["custom"]:
        console.print(f"[bold]{answer['note']}[/]")
        _attribute_table("custom attribute list", answer["custom_attributes"])
    for f in answer["functionalities"]:
        console.print(f"\n[bold]{f['name']}[/] (score {f['score']:.2f}): {f['description']}")
        console.print(f"  model types (profiles): {', '.join(f['model_types'])}; suits: {', '.join(f['model_kinds'])}")
        _attribute_table(f"attributes of {f['name']}", f["attributes"])
    return 0


def _attribute_table(title: str, attributes: list[dict]) -> None:
    table = Table(title=title, title_justify="left")
    for column in ("attribute", "type", "coverage", "description", "why it matters"):
        table.add_column(column, overflow="fold")
    for a in attributes:
        cov = "not mined yet" if a["coverage"] is None else f"{a['coverage']:.0%}"
        table.add_row(a["name"] + (" *" if a["required"] else ""), a["type"], cov, a["description"], a.get("why", a.get("role", "")))
    console.print(table)


def cmd_eval(args: argparse.Namespace) -> int:
    """Score discovery and the profiles against pinned test sets and the corpus; fail below a floor."""
    from minedag.evaluation import gate
    from minedag.evaluation.discover_eval import evaluate
    from minedag.evaluation.labels import evaluate_sample_site
    from minedag.evaluation.targets import target_table

    scores: dict[str, float] = {}
    table: dict[str, dict] = {}
    report = evaluate()
    scores.update({k: v for k, v in report.items() if k.startswith("discover_")})
    site_scores, site_misses = evaluate_sample_site()
    scores.update(site_scores)
    if args.corpus:
        from minedag.evaluation.corpus import evaluate_corpus

        corpus_scores, table = evaluate_corpus(Path(args.corpus), console=None if args.json else console)
        scores.update(corpus_scores)
    failures = gate.check(scores)
    if args.json:
        print(json.dumps({"scores": scores, "floors": gate.floors(), "failures": failures, "discover_misses": report["misses"],
                          "targets": target_table(scores), "confidence": table}))
    else:
        table = Table(title="minedag eval")
        for column in ("score", "value", "floor"):
            table.add_column(column)
        floors = gate.floors()
        for name, value in scores.items():
            table.add_row(name, f"{value:.3f}", f"{floors[name]:.3f}" if name in floors else "-")
        console.print(table)
        targets = Table(title="targets: what each bundle trains on, and what backs it")
        for column in ("target", "functionality", "kind", "score on real pages and fixtures"):
            targets.add_column(column, overflow="fold")
        for row in target_table(scores):
            ran = [f"{m} {v:.3f}" for m, v in row["scores"].items() if v is not None]
            skipped = sum(v is None for v in row["scores"].values())
            measured = "\n".join(ran + ([f"{skipped} more with --corpus"] if skipped else [])) or "-"
            targets.add_row(row["target"], row["functionality"], row["kind"], measured)
        console.print(targets)
        if table:
            _confidence_table(table)
        for miss in site_misses:
            console.print(f"  miss: {miss}")
        for miss in report["misses"]:
            console.print(f"  discover miss: {miss['prompt']!r} expected {miss['expected']} got {miss['got']}")
        for failure in failures:
            console.print(f"  [red]below floor[/] {failure}")
    if args.pin:
        from minedag.evaluation import confidence

        gate.pin(scores, allow_lower=args.allow_lower_floor)
        if table:
            confidence.pin(table)
    return 1 if failures and not args.pin else 0


def _confidence_table(table: dict[str, dict]) -> None:
    """Heuristic targets on the labelled pages: tuned on every page vs cross-validated by site, at the threshold."""
    out = Table(title="heuristic targets: precision / coverage where the bundle keeps the label")
    for column in ("target", "accuracy", "tuned-on", "site-grouped CV", "threshold", "trained on"):
        out.add_column(column, overflow="fold")
    for target, row in table.items():
        tuned, cv = row["tuned"], row["cross_validated"]
        out.add_row(target, f"{row['accuracy']:.3f}", f"{tuned['precision']:.3f} / {tuned['coverage']:.3f}",
                    f"{cv['precision']:.3f} / {cv['coverage']:.3f}", f"{row['threshold']:.3f}",
                    "yes" if row["trainable"] else "no: an input")
    console.print(out)


def cmd_bundles(args: argparse.Namespace) -> int:
    """List, show and compare training bundle versions under data/bundles."""
    from minedag.bundles.overview import bundle_diff, bundle_summary, bundles_overview, diff_text
    from minedag.settings import bundles_dir

    root = bundles_dir()
    if args.action == "list":
        rows = bundles_overview(root)
        if args.json:
            print(json.dumps(rows))
            return 0
        table = Table(title=f"Bundles in {root}")
        for column in ("functionality", "latest", "versions", "members", "avg quality"):
            table.add_column(column)
        for r in rows:
            table.add_row(r["functionality"], r["latest"] or "-", str(r["versions"]), str(r["members"]), str(r["average_quality"]))
        console.print(table)
        return 0
    if not args.functionality:
        raise UsageError(f"`minedag bundles {args.action}` needs a functionality, e.g. seo_optimization")
    if args.action == "show":
        summary = bundle_summary(root, args.functionality, args.version)
        if args.json:
            print(json.dumps(summary, default=str))
            return 0
        console.print(f"[bold]{summary['functionality']}[/] version {summary['version']}: {summary['description']}")
        console.print(f"  {summary['counts']}")
        _attribute_table("coverage", [dict(a, samples=[]) for a in summary["attributes"]])
        console.print(f"  linked schemas: {summary['linked_schemas'][:10]}")
        console.print(f"  recommendations: {json.dumps(summary['recommendations'])}")
        console.print(f"  path: {summary['path']}")
        return 0
    if len(args.versions) != 2:
        raise UsageError("`minedag bundles diff FUNCTIONALITY V1 V2` needs two versions (see `minedag bundles list`)")
    diff = bundle_diff(root, args.functionality, *args.versions)
    print(json.dumps(diff, default=str) if args.json else diff_text(diff))
    return 0


def cmd_labels(args: argparse.Namespace) -> int:
    """Correct labels: import people's labels (CSV/JSONL of url, target, value), export the least sure ones to review."""
    from minedag.bundles.labels import import_labels, review_queue, write_queue
    from minedag.settings import store_dir
    from minedag.store import Store

    store = Store(store_dir())
    if args.action == "import":
        counts = import_labels(store, Path(args.file))
        if args.json:
            print(json.dumps(counts))
        else:
            console.print(f"imported {counts['imported']} label(s) ({counts['replaced']} replaced an earlier one); "
                          f"{counts['total']} human label(s) in the store. The next bundle build uses them first.")
        return 0
    from minedag.evaluation.confidence import JUDGES

    rows = review_queue(store, args.target or list(JUDGES))
    write_queue(rows, Path(args.file))
    if args.json:
        print(json.dumps({"written": len(rows), "file": args.file}))
    else:
        console.print(f"wrote {len(rows)} label(s) to {args.file}, least sure first; correct the value column and "
                      f"`minedag labels import {args.file}`")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    """Measure pages/minute, per-URL overhead, Dagster's share and peak memory on the sample site."""
    from minedag.benchmark import run_benchmark

    if args.rounds < 1:
        raise UsageError(f"--rounds {args.rounds}: give 1 or more")
    report = run_benchmark(args.rounds, say=err.print if args.json else console.print)
    if args.json:
        print(json.dumps(report))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="minedag", description="Turn live web pages into typed, versioned ML training data.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    p = sub.add_parser("demo", help=cmd_demo.__doc__, description=cmd_demo.__doc__)
    p.add_argument("--urls", default=DEFAULT_URLS, help="URL list file (default: the sample site's)")
    _add_network_flags(p)
    p.add_argument("--json", action="store_true", help="print the summary as one JSON object (progress goes to stderr)")
    p.set_defaults(func=cmd_demo)
    p = sub.add_parser("mine", help=cmd_mine.__doc__, description=cmd_mine.__doc__)
    p.add_argument("urls", nargs="+", metavar="URL", help="absolute http(s) URLs")
    p.add_argument("--profile", action="append", help="only this profile (repeatable)")
    _add_network_flags(p)
    p.add_argument("--output", "-o", help="write the JSON here instead of stdout")
    p.set_defaults(func=cmd_mine)
    p = sub.add_parser("add-urls", help=cmd_add_urls.__doc__, description=cmd_add_urls.__doc__)
    p.add_argument("file", help="text file, one URL per line, # comments")
    _add_network_flags(p)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_add_urls)
    p = sub.add_parser("crawl", help=cmd_crawl.__doc__, description=cmd_crawl.__doc__)
    p.add_argument("seeds", nargs="*", metavar="SEED_URL", help="where the crawl starts (or 'seeds:' in --file)")
    p.add_argument("--file", help="a crawl YAML file (keys as these flags: seeds, scope, max_pages, ...); flags win")
    p.add_argument("--name", help="crawl name (default: the file's name, else the first seed's host)")
    p.add_argument("--scope", help="host (default), site, prefix:URL or regex:PATTERN")
    p.add_argument("--include", action="append", metavar="REGEX", help="URLs must match one of these (repeatable)")
    p.add_argument("--exclude", action="append", metavar="REGEX", help="URLs must match none of these (repeatable)")
    p.add_argument("--max-pages", type=int, help="pages mined in all (default 1000)")
    p.add_argument("--max-pages-per-site", type=int, help="pages mined per host (default 500)")
    p.add_argument("--max-depth", type=int, help="link hops from a seed or sitemap entry (default 3)")
    p.add_argument("--no-sitemaps", action="store_true", help="do not read robots.txt Sitemap: lines and sitemaps")
    p.add_argument("--follow-nofollow", action="store_true", help="follow rel=nofollow links and nofollow pages too")
    p.add_argument("--fresh", action="store_true", help="start a new frontier instead of resuming the saved one")
    _add_network_flags(p)
    p.add_argument("--json", action="store_true", help="print one JSON object (progress goes to stderr)")
    p.set_defaults(func=cmd_crawl)
    p = sub.add_parser("remove-urls", help=cmd_remove_urls.__doc__, description=cmd_remove_urls.__doc__)
    p.add_argument("urls", nargs="*", metavar="URL", help="URLs to forget")
    p.add_argument("--file", help="or a file with one URL per line")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_remove_urls)
    p = sub.add_parser("campaign", help=cmd_campaign.__doc__, description=cmd_campaign.__doc__)
    p.add_argument("action", choices=["new", "validate", "show", "run", "suggest", "schema"])
    p.add_argument("names", nargs="*", metavar="NAME", help="the campaign (validate: files; default every campaign)")
    p.add_argument("--site", help="suggest: only pages of this host")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_campaign)
    p = sub.add_parser("tools", help=cmd_tools.__doc__, description=cmd_tools.__doc__)
    p.add_argument("action", choices=["export"])
    p.add_argument("--format", choices=["openai", "anthropic", "mcp"], default="openai")
    p.add_argument("--output", "-o", help="write the JSON here instead of stdout")
    p.set_defaults(func=cmd_tools)
    p = sub.add_parser("mcp", help=cmd_mcp.__doc__, description=cmd_mcp.__doc__)
    p.add_argument("--log", help="append every tool call as a chat-format fine-tuning example to this JSONL file")
    p.set_defaults(func=cmd_mcp)
    p = sub.add_parser("sql", help=cmd_sql.__doc__, description=cmd_sql.__doc__)
    p.add_argument("query", nargs="?", help="one SQL statement (none: an interactive shell)")
    p.add_argument("--limit", type=_count, default=10_000, help="rows at most (default 10,000)")
    p.add_argument("--json", action="store_true", help="rows as a JSON list of objects")
    p.add_argument("--csv", action="store_true", help="rows as CSV")
    p.add_argument("--list", action="store_true", help="list the views (and those missing, with why)")
    p.set_defaults(func=cmd_sql)
    p = sub.add_parser("serve", help=cmd_serve.__doc__, description=cmd_serve.__doc__)
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--token", help="require 'Authorization: Bearer TOKEN' (or set MINEDAG_API_TOKEN)")
    p.add_argument("--allow-remote", action="store_true", help="allow a non-loopback --host (needs a token)")
    p.add_argument("--server-name", action="append", metavar="NAME",
                   help="a Host name clients use to reach a remote API (repeatable; default: --host)")
    p.set_defaults(func=cmd_serve)
    p = sub.add_parser("discover", help=cmd_discover.__doc__, description=cmd_discover.__doc__)
    p.add_argument("prompt", help='what the model should do, e.g. "what should I collect to train an SEO model?"')
    p.add_argument("--top", type=int, default=3, help="functionalities to show (default 3)")
    p.add_argument("--json", action="store_true", help="print one JSON object (functionalities ranked best first)")
    p.set_defaults(func=cmd_discover)
    p = sub.add_parser("eval", help=cmd_eval.__doc__, description=cmd_eval.__doc__)
    p.add_argument("--corpus", default=None, help="path of ../shared/corpus to score the profiles on real pages")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--pin", action="store_true", help="raise the pinned floors to these scores")
    p.add_argument("--allow-lower-floor", action="store_true", help="with --pin: accept a floor that goes down")
    p.set_defaults(func=cmd_eval)
    p = sub.add_parser("bundles", help=cmd_bundles.__doc__, description=cmd_bundles.__doc__)
    p.add_argument("action", choices=["list", "show", "diff"], help="list all, show one, diff two versions")
    p.add_argument("functionality", nargs="?", help="e.g. seo_optimization (show, diff)")
    p.add_argument("versions", nargs="*", help="diff: two versions")
    p.add_argument("--version", help="show: this version instead of latest")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_bundles)
    p = sub.add_parser("labels", help=cmd_labels.__doc__, description=cmd_labels.__doc__)
    p.add_argument("action", choices=["import", "export"], help="import a label file, or export the review queue")
    p.add_argument("file", help="a .csv (url,target,value) or .jsonl file")
    p.add_argument("--target", action="append", help="export: only this heuristic target (repeatable), "
                   "e.g. ux_pattern_analyzer.page_type")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_labels)
    p = sub.add_parser("bench", help=cmd_bench.__doc__, description=cmd_bench.__doc__)
    p.add_argument("--rounds", type=int, default=3, help="times each sample URL is mined (default 3)")
    p.add_argument("--json", action="store_true", help="print the measurements as one JSON object")
    p.set_defaults(func=cmd_bench)
    p = sub.add_parser("status", help=cmd_status.__doc__, description=cmd_status.__doc__)
    p.add_argument("--json", action="store_true", help="print compact JSON")
    p.set_defaults(func=cmd_status)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return args.func(args)
    except (MinedagError, KeyError, FileNotFoundError) as exc:  # a user's mistake: the message says the fix
        from rich.markup import escape

        err.print(f"[red]error:[/] {escape(str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc))}")
        return 2


if __name__ == "__main__":
    sys.exit(main())
