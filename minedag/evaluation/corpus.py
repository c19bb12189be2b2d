"""Score the profiles on real pages written by others (``../shared/corpus``), against the results their
own projects publish: extruct (structured data), Lighthouse (SEO audits), axe-core (accessibility) and
Readability (page metadata). Pages are served locally and captured by the real capture layer.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
import threading
import unicodedata
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from minedag.capture import CaptureOptions, Capturer, PageCapture, capture_urls
from minedag.profiles import extract_record, get_profile
from minedag.profiles.page import PageView, extract_structured, schema_types

LIGHTHOUSE_PORT = 10200  # the Lighthouse fixtures name http://localhost:10200 in their expectations
# The corpus is read offline: only the local servers resolve, so a page's remote resources fail at once.
OFFLINE = "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost"


class _CorpusHandler(SimpleHTTPRequestHandler):
    """Static files, plus each Lighthouse run's page at the very URL its smoke test requested, with the run's
    status code and extra response headers (the query string names them, as on Lighthouse's test server)."""

    runs: dict[str, Any] = {}

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def send_head(self):  # type: ignore[no-untyped-def]
        parts = urlsplit(self.path)
        if parts.path == "/robots.txt" and self.server.server_address[1] == LIGHTHOUSE_PORT:
            self.path = "/lighthouse-seo/fixtures/robots.txt"
        run = self.runs.get(self.path) if self.server.server_address[1] == LIGHTHOUSE_PORT else None
        if run is None:
            return super().send_head()
        body = (Path(self.directory) / "lighthouse-seo" / run["fixture"]).read_bytes()
        self.send_response(run["status_code"])
        self.send_header("Content-Type", "text/html; charset=utf-8")
        for name, value in run["extra_response_headers"]:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        import io

        return io.BytesIO(body)


def _path_and_query(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # the browser drops connections it no longer needs (favicons, aborted frames): not an error here


def _serve(root: Path, port: int) -> ThreadingHTTPServer:
    server = _QuietServer(("127.0.0.1", port), partial(_CorpusHandler, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


# -- extruct -----------------------------------------------------------------------------------------------
# Each case is scored the way extruct's own test asserts it. Most run extruct.extract with minedag's options;
# the W3C microdata examples run MicrodataExtractor(strict=True) (plus nested=False for the flat variants,
# add_text_content=True for with_text); the CLI tool's output is compared on its syntax keys; the legacy
# {"items": [...]} files (no longer asserted upstream) count for JSON-LD @type recall.
_MICRODATA_CONFIGS = ((re.compile(r"flat", re.I), {"nested": False, "strict": True}),
                      (re.compile(r"with_text", re.I), {"add_text_content": True}))
# Where extruct's own test asserts only part of an expected file (test_rdfa_is_preserving_order compares the
# "rdfa" key of elysianfields_1.json; the rest of that file is not kept up to date upstream).
_ASSERTED_KEYS = {"samples/songkick/elysianfields_1.html": ("rdfa",)}


def _microdata_config(case: dict[str, Any]) -> dict[str, Any] | None:
    if case["extractor"] != "microdata" or not case["html"].startswith("samples/w3c/"):
        return None
    note = case.get("note", "")
    return next((config for pattern, config in _MICRODATA_CONFIGS if pattern.search(note)), {"strict": True})


def _extruct_case(root: Path, case: dict[str, Any]) -> tuple[Any, Any]:
    """(ours, expected) for one case, in the form upstream's test compares."""
    from extruct.w3cmicrodata import MicrodataExtractor

    html = (root / case["html"]).read_text(encoding="utf-8", errors="replace")
    url = case.get("base_url") or ""
    expected = json.loads((root / case["expected"]).read_text())
    if (config := _microdata_config(case)) is not None:
        return MicrodataExtractor(**config).extract(html, url or None), expected
    ours = extract_structured(html, url)
    if isinstance(expected, dict) and "items" in expected and case["extractor"] == "json-ld":  # legacy format
        return set(schema_types({"json-ld": ours.get("json-ld", [])})) >= set(schema_types({"json-ld": expected["items"]})), True
    if case["extractor"] != "all":
        return ours.get(case["extractor"], []), expected
    keys = _ASSERTED_KEYS.get(case["html"], tuple(k for k in expected if k not in ("url", "status")))
    return {k: ours.get(k) for k in keys}, {k: expected[k] for k in keys}


def eval_extruct(root: Path) -> tuple[dict[str, float], list[str]]:
    """Structured data against extruct's expected outputs, every case scored as upstream asserts it."""
    index = json.loads((root / "expected_index.json").read_text())
    agree = {"all": [0, 0], "real": [0, 0]}
    misses = []
    for case in index["cases"]:
        got, expected = (_canonical_literals(v) for v in _extruct_case(root, case))
        ok = _normal(got) == _normal(expected) or _unordered(got) == _unordered(expected)
        for key in ("all", "real") if case.get("real_page") else ("all",):
            agree[key][0] += ok
            agree[key][1] += 1
        if not ok:
            misses.append(f"extruct {case['extractor']} {case['html']} ({case.get('note') or case['expected']})")
    return ({"extruct_exact": _share(agree["all"]), "extruct_exact_real_pages": _share(agree["real"])}, misses)


def _normal(value: Any) -> Any:
    """JSON-equal form with RDF blank-node ids (random per parse) renamed by order of appearance."""
    text = json.dumps(value, sort_keys=True, default=str)
    names: dict[str, str] = {}
    text = re.sub(r'"_:[^"]+"', lambda m: names.setdefault(m.group(0), f'"_:b{len(names)}"'), text)
    return json.loads(text)


def _canonical_literals(value: Any) -> Any:
    """XML literals in canonical XML: the order of their attributes and namespaces carries no meaning."""
    if isinstance(value, list):
        return [_canonical_literals(v) for v in value]
    if not isinstance(value, dict):
        return value
    if value.get("@type") == "http://www.w3.org/1999/02/22-rdf-syntax-ns#XMLLiteral" and isinstance(value.get("@value"), str):
        from lxml import etree

        try:
            wrapped = etree.fromstring(f"<literal>{value['@value']}</literal>")
            return {**value, "@value": etree.tostring(wrapped, method="c14n").decode()}
        except etree.XMLSyntaxError:
            return value
    return {k: _canonical_literals(v) for k, v in value.items()}


def _unordered(value: Any) -> Any:
    """RDFa from rdflib comes in hash order (varies per process): every list compared as a multiset, blank
    node ids blanked. Deterministic, and still strict about every value."""
    if isinstance(value, dict):
        return {k: _unordered(v) for k, v in value.items()}
    if isinstance(value, list):
        return sorted(json.dumps(_unordered(v), sort_keys=True) for v in value)
    if isinstance(value, str) and value.startswith("_:"):
        return "_:b"
    return value


# -- readability metadata ----------------------------------------------------------------------------------
def norm_text(text: str | None) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text or "")).strip().casefold()


# Article metadata against Readability's expectations, for content_extractor and two peers run on the same HTML:
# trafilatura's metadata on its own and a plain read of the usual meta tags. (Readability is a peer heuristic, not
# ground truth: a byline with "By " or a job title counts when it contains the author.)
_METADATA_AGREES = {
    "author": ("byline", lambda ours, want: bool(ours) and norm_text(ours) in norm_text(want)),
    "published": ("publishedTime", lambda ours, want: bool(ours) and want.startswith(ours[:10])),
    "description": ("excerpt", lambda ours, want: bool(ours) and norm_text(ours) == norm_text(want)),
    "title": ("title", lambda ours, want: bool(ours) and norm_text(ours) == norm_text(want)),
}
_META_TAGS = {"author": ("author", "article:author"), "published": ("article:published_time", "date", "pubdate", "dc.date"),
              "description": ("description", "og:description"), "title": ("og:title",)}


def _peers(view: PageView, html: str) -> dict[str, dict[str, str | None]]:
    """What trafilatura's metadata and a plain meta-tag read say about the page."""
    from trafilatura import extract_metadata

    found = extract_metadata(html, default_url=view.url)
    trafilatura = {"author": found.author, "published": found.date, "description": found.description,
                   "title": found.title} if found else {}
    plain = {field: next((view.meta(n) for n in names if view.meta(n)), None) for field, names in _META_TAGS.items()}
    plain["title"] = plain["title"] or view.metadata["title"]
    return {"trafilatura": trafilatura, "meta": plain}


def eval_readability(root: Path) -> tuple[dict[str, float], list[str]]:
    index = json.loads((root / "expected_index.json").read_text())
    hits: dict[str, list[int]] = {k: [0, 0] for k in ("title", "lang", "site_name", "content_language")}
    misses = []
    content = get_profile("content_extractor")
    for entry in index["pages"]:
        folder = root / "pages" / entry["page"]
        html = (folder / "source.html").read_text(encoding="utf-8", errors="replace")
        expected = entry["expected"]
        capture = PageCapture(url="http://fakehost/test/page.html", ok=True, status=200, raw_html=html, rendered_html=html)
        view = PageView(capture)
        meta = view.metadata
        for field, key in (("title", "title"), ("lang", "lang"), ("site_name", "siteName")):
            ok = norm_text(meta[field]) == norm_text(expected.get(key))
            hits[field][0] += ok
            hits[field][1] += 1
            if not ok:
                misses.append(f"readability {entry['page']} {field}: {meta[field]!r} != {expected.get(key)!r}")
        record = extract_record(content, capture, view=view)
        if expected.get("lang"):
            ok = norm_text(record["language"]) == norm_text(expected["lang"])
            hits["content_language"][0] += ok
            hits["content_language"][1] += 1
        if entry.get("kind") != "real-page":
            continue  # the peers' side by side is on the real pages
        ours = {"author": record["author"], "published": record["published"], "description": record["description"],
                "title": record["content_title"]}
        for who, values in (("content", ours), *_peers(view, html).items()):
            for field, (key, agree) in _METADATA_AGREES.items():
                if want := expected.get(key):
                    ok = agree(values.get(field), want)
                    pair = hits.setdefault(f"{who}_{field}", [0, 0])
                    pair[0] += ok
                    pair[1] += 1
                    if not ok and who == "content":
                        misses.append(f"readability {entry['page']} {field}: {values.get(field)!r} != {want!r}")
    return ({f"readability_{k}": _share(v) for k, v in hits.items()}, misses)


# -- Lighthouse SEO ----------------------------------------------------------------------------------------
_AUDIT = {"document-title": "document_title", "meta-description": "meta_description", "http-status-code": "http_status_code",
          "link-text": "link_text", "crawlable-anchors": "crawlable_anchors", "is-crawlable": "is_crawlable",
          "robots-txt": "robots_txt", "image-alt": "image_alt", "hreflang": "hreflang", "canonical": "canonical"}


def eval_lighthouse(root: Path, captures: dict[str, PageCapture], urls: dict[str, str]) -> tuple[dict[str, float], list[str]]:
    index = json.loads((root / "expected_index.json").read_text())
    scores, items, misses = [0, 0], [0, 0], []
    profile = get_profile("seo_optimizer")
    for run, spec in index["runs"].items():
        record = extract_record(profile, captures[urls[run]])
        audits, found = record["seo_audits"] or {}, json.loads(record["seo_audit_items"] or "{}")
        for audit, want in spec["audits"].items():
            expected = None if want["score"] is None else bool(want["score"])
            got = audits.get(_AUDIT[audit])
            scores[0] += got == expected
            scores[1] += 1
            if got != expected:
                misses.append(f"lighthouse {run} {audit}: got {got}, expected {expected}")
            if "n_items" in want:
                n = len(found.get(_AUDIT[audit], []))
                items[0] += n == want["n_items"]
                items[1] += 1
                if n != want["n_items"]:
                    misses.append(f"lighthouse {run} {audit}: {n} items, expected {want['n_items']}")
    return {"lighthouse_seo_scores": _share(scores), "lighthouse_seo_item_counts": _share(items)}, misses


# -- axe-core ----------------------------------------------------------------------------------------------
def _outcome(cap: PageCapture, rule: str) -> tuple[str, dict[str, set[str]]]:
    axe = cap.axe or {}
    nodes = {kind: {json.dumps(n["target"]) for r in axe.get(kind, []) if r["id"] == rule for n in r["nodes"]}
             for kind in ("violations", "incomplete")}
    if any(r["id"] == rule for r in axe.get("violations", [])):
        return "failed", nodes
    if any(r["id"] == rule for r in axe.get("incomplete", [])):
        return "incomplete", nodes
    if any(r["id"] == rule for r in axe.get("passes", [])):
        return "passed", nodes
    return "inapplicable", nodes


def _page_disagrees(cap: PageCapture, case: dict[str, Any]) -> str | None:
    """What upstream's test asserts for a full page (node counts and targets; else the outcome) that ``cap`` breaks."""
    rule, axe = case["rule"], cap.axe or {}
    found = {kind: [t for r in axe.get(kind, []) if r["id"] == rule for t in
                    (r.get("targets", []) if kind == "passes" else [n["target"] for n in r["nodes"]])]
             for kind in ("violations", "passes", "incomplete")}
    counts = {kind: sum(r.get("count", len(r.get("nodes", []))) for r in axe.get(kind, []) if r["id"] == rule)
              for kind in found}
    asserted = {"violations": case["violation_nodes"], "passes": case["pass_nodes"], "incomplete": case["incomplete_nodes"]}
    problems = [f"{counts[k]} {k} nodes, expected {n}" for k, n in asserted.items() if n is not None and counts[k] != n]
    problems += [f"{k} {target} not found" for k, targets in case["targets"].items() for target in targets
                 if target not in found[k]]
    if all(n is None for n in asserted.values()) and not case["targets"]:
        outcome, _ = _outcome(cap, rule)
        problems += [] if outcome == case["expected_outcome"] else [f"{outcome}, expected {case['expected_outcome']}"]
    return "; ".join(problems) or None


def capture_per_rule(urls_by_rule: dict[str, list[str]], options: CaptureOptions) -> dict[tuple[str, str], PageCapture]:
    """Like axe's own harness, run only the rule under test (default-on or not): one pass per rule, one browser."""

    async def run() -> dict[tuple[str, str], PageCapture]:
        out = {}
        async with Capturer(options) as capturer:
            for rule, urls in urls_by_rule.items():
                capturer.options = dataclasses.replace(options, axe_rules=(rule,), axe_pass_nodes=True)
                async for cap in capturer.capture_many(urls):
                    out[rule, cap.url] = cap
        return out

    return asyncio.run(run())


def eval_axe(root: Path, captures: dict[tuple[str, str], PageCapture], urls: dict[str, str]) -> tuple[dict[str, float], list[str]]:
    index = json.loads((root / "expected_index.json").read_text())
    node_hits, page_hits, misses = [0, 0], [0, 0], []
    for case in index["rule_cases"]:
        cap = captures[case["rule"], urls[case["page"]]]
        _, nodes = _outcome(cap, case["rule"])
        expected = json.loads((root / case["expected"]).read_text())
        for kind, want in (("violations", "violations"), ("incomplete", "incomplete"), ("passes", None)):
            for target in expected.get(kind, []):
                key = json.dumps(target)
                if want is None:
                    ok = key not in nodes["violations"] and key not in nodes["incomplete"]
                else:
                    ok = key in nodes[want]
                node_hits[0] += ok
                node_hits[1] += 1
                if not ok:
                    misses.append(f"axe {case['rule']} {case['page']} {kind} {target}")
    for case in index["full_cases"]:
        cap = captures[case["rule"], urls[case["page"]]]
        problem = _page_disagrees(cap, case)
        page_hits[0] += problem is None
        page_hits[1] += 1
        if problem:
            misses.append(f"axe page {case['page']}: {problem}")
    return {"axe_rule_nodes": _share(node_hits), "axe_page_outcomes": _share(page_hits)}, misses


def _share(pair: list[int]) -> float:
    return round(pair[0] / pair[1], 4) if pair[1] else 0.0


def evaluate_corpus(root: Path, console: Any = None, options: CaptureOptions | None = None,
                    labels: Path | None = None) -> tuple[dict[str, float], dict[str, dict[str, Any]]]:
    """Every corpus score (0-1), and the labelled-page scores when ``labels`` (default: ``<root>/../labels``)
    exists, with the labels' confidence table (empty without them). Captures go through the real browser; misses
    are printed when ``console`` is set."""
    from minedag.evaluation.labels import eval_labels, labelled_pages

    scores: dict[str, float] = {}
    misses: list[str] = []
    table: dict[str, dict[str, Any]] = {}
    labels = labels or root.parent / "labels"
    parts = [eval_extruct(root / "extruct"), eval_readability(root / "readability")]
    lh_index = json.loads((root / "lighthouse-seo" / "expected_index.json").read_text())
    axe_index = json.loads((root / "axe-core" / "expected_index.json").read_text())
    lighthouse = _serve(root, LIGHTHOUSE_PORT)
    static = _serve(root, 0)
    _CorpusHandler.runs = {_path_and_query(spec["served_as"]): spec for spec in lh_index["runs"].values()}
    try:
        lh_urls = {run: f"http://localhost:{LIGHTHOUSE_PORT}{_path_and_query(spec['served_as'])}"
                   for run, spec in lh_index["runs"].items()}
        base = f"http://127.0.0.1:{static.server_address[1]}/axe-core/"
        axe_urls = {c["page"]: base + c["page"] for c in axe_index["rule_cases"] + axe_index["full_cases"]}
        opts = options or CaptureOptions(allow_hosts=("127.0.0.0/8", "localhost"), host_rules=OFFLINE, nav_timeout_s=15,
                                         capture_timeout_s=40)
        captured = {c.url: c for c in capture_urls(sorted(set(lh_urls.values())), opts)}
        if labels.is_dir():
            pages = f"http://127.0.0.1:{static.server_address[1]}/readability/"
            labelled = [entry["page"] for entry in labelled_pages(labels)]
            by_page = {c.url.removeprefix(pages): c for c in capture_urls([pages + page for page in labelled], opts)}
            label_scores, label_misses, table = eval_labels(labels, root, by_page)
            parts.append((label_scores, label_misses))
        by_rule: dict[str, set[str]] = {}
        for case in axe_index["rule_cases"] + axe_index["full_cases"]:
            by_rule.setdefault(case["rule"], set()).add(axe_urls[case["page"]])
        per_rule = capture_per_rule({rule: sorted(urls) for rule, urls in sorted(by_rule.items())}, opts)
        parts += [eval_lighthouse(root / "lighthouse-seo", captured, lh_urls), eval_axe(root / "axe-core", per_rule, axe_urls)]
    finally:
        for server in (lighthouse, static):
            server.shutdown()
            server.server_close()
    for part_scores, part_misses in parts:
        scores.update(part_scores)
        misses += part_misses
    if console is not None:
        for miss in misses[:80]:
            console.print(f"  miss: {miss}")
    return scores, table
