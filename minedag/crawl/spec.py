"""What a crawl is: seeds, scope, budgets, sitemaps, network settings. Declared in YAML or by CLI flags."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from minedag.patterns import compiled
from minedag.urls import InvalidURL, canonical_url
from minedag.yamlfile import ConfigFileError, load_model


class CrawlError(ConfigFileError):
    """A crawl file or flag that cannot be used; the message names the file, the field and the fix."""


class SitemapBudget(BaseModel):
    """What reading one crawl's sitemaps may spend: an index of indexes or a million-URL sitemap costs its budget,
    never the crawl. What a spent budget leaves out is named in the crawl's sitemap notes."""

    model_config = ConfigDict(extra="forbid")

    fetches: int = Field(default=100, ge=1, description="requests for robots.txt and sitemap files, retries included")
    depth: int = Field(default=2, ge=1, description="levels of sitemap indexes followed (1: an index and what it lists)")
    bytes: int = Field(default=200_000_000, ge=1, description="bytes downloaded (one file reads at most 50 MB)")
    urls: int = Field(default=100_000, ge=1, description="page URLs taken from sitemaps")
    seconds: float = Field(default=300.0, gt=0, description="time spent reading sitemaps")


class CrawlSpec(BaseModel):
    """One crawl. ``scope`` is ``host`` (the seed's host), ``site`` (the seed's host and its subdomains, and the
    parent domain's), ``prefix:URL`` or ``regex:PATTERN``; ``include``/``exclude`` are regular expressions that
    every URL must match / must not match on top of it. Depth counts link hops from a seed or sitemap entry."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$", description="file-name-safe crawl name")
    seeds: list[str] = Field(min_length=1, description="absolute http(s) URLs to start from")
    scope: str = Field(default="host", description="host | site | prefix:URL | regex:PATTERN")
    include: list[str] = Field(default_factory=list, description="regexes a URL must match (any of them)")
    exclude: list[str] = Field(default_factory=list, description="regexes a URL must not match")
    max_depth: int = Field(default=3, ge=0, description="link hops from a seed or sitemap entry")
    max_pages: int = Field(default=1000, ge=1, description="pages mined in all")
    max_pages_per_site: int = Field(default=500, ge=1, description="pages mined per host")
    sitemaps: bool = Field(default=True, description="read robots.txt Sitemap: lines, /sitemap.xml, indexes, .gz")
    sitemap_budget: SitemapBudget = Field(default_factory=SitemapBudget, description="what reading sitemaps may spend")
    follow_nofollow: bool = Field(default=False, description="also follow rel=nofollow links and nofollow pages")
    allow_hosts: list[str] = Field(default_factory=list, description="host globs/CIDRs mined although private")
    host_rules: str = Field(default="", description="Chromium host-resolver-rules, e.g. 'MAP *.test 127.0.0.1:8000'")
    batch: int = Field(default=50, ge=1, le=500, description="URLs per Dagster run")

    @field_validator("seeds")
    @classmethod
    def _canonical_seeds(cls, seeds: list[str]) -> list[str]:
        try:
            return list(dict.fromkeys(canonical_url(s) for s in seeds))
        except InvalidURL as exc:
            raise ValueError(str(exc)) from None

    @field_validator("scope")
    @classmethod
    def _known_scope(cls, scope: str) -> str:
        kind, _, arg = scope.partition(":")
        if kind in ("host", "site") and not arg:
            return scope
        if kind == "prefix" and arg:
            try:
                return f"prefix:{canonical_url(arg)}"
            except InvalidURL as exc:
                raise ValueError(f"prefix: {exc}") from None
        if kind == "regex" and arg:
            compiled(arg)
            return scope
        raise ValueError(f"unknown scope {scope!r}: use host, site, prefix:URL or regex:PATTERN")

    @field_validator("include", "exclude")
    @classmethod
    def _patterns(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            compiled(pattern)
        return patterns

    @field_validator("host_rules")
    @classmethod
    def _host_rules(cls, rules: str) -> str:
        from minedag.capture.guard import HostRules

        HostRules.parse(rules)
        return rules



def load_crawl_file(path: str | Path) -> CrawlSpec:
    """Read and validate a crawl YAML file; the name defaults to the file's stem.

    Raises:
        CrawlError: naming the file, the line of the offending key and what is wrong.
    """
    try:
        return load_model(path, CrawlSpec, defaults={"name": Path(path).stem})
    except ConfigFileError as exc:
        raise CrawlError(str(exc)) from None
