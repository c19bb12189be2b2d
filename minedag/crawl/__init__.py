"""Crawls: from seed URLs to a site's pages (sitemaps, links), in scope and within budgets, mined through Dagster.

No Dagster import here except in ``run`` (which drives the mining job it is given)."""

from minedag.crawl.frontier import Frontier
from minedag.crawl.run import Crawler, CrawlReport, run_crawl
from minedag.crawl.sitemaps import fetcher
from minedag.crawl.spec import CrawlError, CrawlSpec, load_crawl_file

__all__ = ["CrawlError", "CrawlReport", "Crawler", "CrawlSpec", "Frontier", "fetcher", "load_crawl_file", "run_crawl"]
