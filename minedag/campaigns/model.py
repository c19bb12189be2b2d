"""A campaign: the attributes a user wants mined, declared in YAML and validated by these models.

``minedag campaign schema`` prints the JSON Schema generated from them (editors and LLM agents validate with it).
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from minedag.patterns import compiled, search
from minedag.yamlfile import ConfigFileError, load_model

ValueType = Literal["string", "number", "integer", "boolean", "currency", "date", "url"]
Transform = Literal["trim", "collapse_whitespace", "lower", "upper"]
SCHEMA_SOURCE = re.compile(r"^[A-Z][A-Za-z]*\.[a-z][A-Za-z]*$")


class CampaignError(ConfigFileError):
    """A campaign file that cannot be used (the message names the file, the line, the field and the fix)."""


class Selector(BaseModel):
    """Where a value is on the page: a CSS or an XPath selector, what to take from the first match, and an optional
    regular expression whose first group (or whole match) is the value."""

    model_config = ConfigDict(extra="forbid")

    css: str | None = Field(default=None, description="CSS selector, e.g. '[itemprop=price]'")
    xpath: str | None = Field(default=None, description="XPath 1.0, e.g. '//span[@class=\"price\"]'")
    take: str = Field(default="text", description="text | html | attr:NAME (e.g. attr:content)")
    regex: str | None = Field(default=None, description="keep this regex's first group (or whole match)")

    @model_validator(mode="after")
    def _one_of(self) -> Selector:
        if (self.css is None) == (self.xpath is None):
            raise ValueError("give exactly one of 'css' or 'xpath'")
        if self.take not in ("text", "html") and not re.fullmatch(r"attr:[\w:-]+", self.take):
            raise ValueError(f"take {self.take!r}: use text, html or attr:NAME (e.g. attr:content)")
        if self.regex is not None:
            compiled(self.regex)
        if self.css is not None:
            from cssselect import GenericTranslator, SelectorError

            try:
                GenericTranslator().css_to_xpath(self.css)
            except SelectorError as exc:
                raise ValueError(f"bad CSS selector {self.css!r}: {exc}") from None
        return self

    @property
    def label(self) -> str:
        where = f"css {self.css}" if self.css is not None else f"xpath {self.xpath}"
        return where + (f" -> {self.take}" if self.take != "text" else "") + (f" ~ {self.regex}" if self.regex else "")


class Validation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    required: bool = Field(default=False, description="a page without a valid value fails this attribute")
    pattern: str | None = Field(default=None, description="the value (as text) must match this regex")
    range: tuple[float, float] | None = Field(default=None, description="[min, max] for numbers and currency amounts")
    enum: list[str] | None = Field(default=None, description="the allowed values")

    @field_validator("pattern")
    @classmethod
    def _pattern(cls, value: str | None) -> str | None:
        if value is not None:
            compiled(value)
        return value

    @field_validator("range")
    @classmethod
    def _range(cls, value: tuple[float, float] | None) -> tuple[float, float] | None:
        if value is not None and value[0] > value[1]:
            raise ValueError(f"range [{value[0]}, {value[1]}]: the minimum is above the maximum; write [min, max]")
        return value


class CampaignAttribute(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,62}$", description="snake_case column name")
    type: ValueType = Field(description="string, number, integer, boolean, currency, date or url")
    multiple: bool = Field(default=False, description="a list of every match, not just the first")
    description: str = Field(min_length=3, description="what the value is, for people and for discovery")
    schema_org: str | None = Field(default=None, description="Type.property read from JSON-LD/microdata/RDFa, e.g. Offer.price")
    selectors: list[Selector] = Field(default_factory=list, description="tried in learned order, then as written")
    transforms: list[Transform] = Field(default_factory=lambda: ["trim"])
    locale: str | None = Field(default=None, description="for numbers, currency and dates, e.g. de_DE (decimal comma)")
    validation: Validation = Field(default_factory=Validation)

    @field_validator("schema_org")
    @classmethod
    def _schema_org(cls, value: str | None) -> str | None:
        if value is not None and not SCHEMA_SOURCE.match(value):
            raise ValueError(f"schema_org {value!r}: write Type.property with schema.org's names, e.g. Offer.price")
        return value

    @model_validator(mode="after")
    def _has_source(self) -> CampaignAttribute:
        if not self.selectors and self.schema_org is None:
            raise ValueError(f"attribute {self.name!r} has no source: add 'selectors' or 'schema_org'")
        return self


class UrlSource(BaseModel):
    """Where a campaign's pages come from: a URL file (one URL per line, as ``minedag add-urls`` reads) or the pages
    a crawl mined (``minedag crawl``)."""

    model_config = ConfigDict(extra="forbid")

    file: str | None = Field(default=None, description="a URL file; a relative path is read from the campaign file's folder")
    crawl: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_-]{0,62}$",
                              description="a crawl's name: the pages it mined (data/crawls/<name>/frontier.sqlite)")

    @model_validator(mode="after")
    def _one_kind(self) -> UrlSource:
        if (self.file is None) == (self.crawl is None):
            raise ValueError("a source is either {file: urls.txt} or {crawl: name}, exactly one of them")
        return self


class CampaignBundle(BaseModel):
    """A functionality the campaign feeds, declared next to the built-in ones: a versioned training bundle whose
    targets are campaign attributes and whose inputs are campaign or profile attributes."""

    model_config = ConfigDict(extra="forbid")

    description: str = Field(min_length=10, description="what a model trained on the bundle does")
    inputs: list[str] = Field(min_length=1, description="campaign attribute names, or profile.attribute "
                              "(e.g. seo_optimizer.title; `minedag discover --list` names them)")
    targets: list[str] = Field(min_length=1, description="campaign attribute names the model predicts")
    splits: tuple[float, float, float] = Field(default=(0.8, 0.1, 0.1), description="train/validation/test shares of the sites")
    min_quality: int = Field(default=50, ge=0, le=100, description="rows below this quality are excluded")
    min_coverage: float = Field(default=0.5, ge=0, le=1, description="share of rows each target must be found on")
    keywords: list[str] = Field(default_factory=list, description="words people use for this goal (discovery)")


class Campaign(BaseModel):
    """A named set of attributes to mine from the stored captures of some URLs, on a schedule."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,62}$", description="snake_case; the asset is campaigns/<name>")
    description: str = Field(min_length=3)
    urls: list[str] = Field(default_factory=list, description="URL patterns (regex) of the pages to mine; empty = all")
    sources: list[UrlSource] = Field(default_factory=list, description="URL files and crawls whose pages it mines "
                                     "(empty: every mined page); the URL patterns then narrow them")
    _folder: Path = PrivateAttr(default=Path("."))  # the campaign file's folder: relative source files are read from it
    schedule: Literal["realtime", "hourly", "daily", "weekly"] = Field(
        default="realtime", description="realtime follows each capture; the others re-run on that cadence")
    batch_size: int = Field(default=50, ge=1, le=500)
    attributes: list[CampaignAttribute] = Field(min_length=1)
    bundle: CampaignBundle | None = Field(default=None, description="a training bundle this campaign feeds")

    @field_validator("urls")
    @classmethod
    def _url_patterns(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            compiled(pattern)
        return patterns

    @model_validator(mode="after")
    def _unique_names(self) -> Campaign:
        names = [a.name for a in self.attributes]
        if twice := sorted({n for n in names if names.count(n) > 1}):
            raise ValueError(f"attribute names must be unique; repeated: {twice}")
        return self

    @model_validator(mode="after")
    def _bundle_targets(self) -> Campaign:
        if self.bundle is not None:
            names = {a.name for a in self.attributes}
            if unknown := [t for t in self.bundle.targets if t not in names]:
                raise ValueError(f"bundle targets {unknown} are not attributes of this campaign; choose from {sorted(names)}")
            if both := sorted(set(self.bundle.targets) & set(self.bundle.inputs)):
                raise ValueError(f"bundle: {both} cannot be both an input and a target")
        return self

    @property
    def version(self) -> str:
        """A hash of the campaign's content: the asset's code version (an edit re-extracts from stored captures)."""
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()[:12]

    def wants(self, url: str) -> bool:
        """The URL matches the campaign's patterns (its sources are checked by ``source_urls``)."""
        return not self.urls or any(search(p, url) for p in self.urls)

    def source_urls(self, crawls_dir: Path) -> set[str] | None:
        """The URLs its sources list now (a URL file's, a crawl's mined pages); ``None`` without sources: every page.

        Raises:
            CampaignError: a source file or crawl that does not exist.
        """
        if not self.sources:
            return None
        from minedag.crawl.frontier import Frontier
        from minedag.crawl.run import frontier_path
        from minedag.urlfile import read_url_file

        found: set[str] = set()
        for source in self.sources:
            if source.file is not None:
                path = self._folder / source.file
                if not path.is_file():
                    raise CampaignError(f"campaign {self.name}: source file {path} does not exist; fix `file:` or create it")
                found.update(read_url_file(path).urls)
            else:
                path = frontier_path(crawls_dir, str(source.crawl))
                if not path.is_file():
                    raise CampaignError(f"campaign {self.name}: crawl {source.crawl!r} has not run yet ({path} is missing); "
                                        f"run `minedag crawl` first")
                with Frontier(path, str(source.crawl)) as frontier:
                    found.update(frontier.urls(["mined"]))
        return found

    def pages(self, urls: list[str], crawls_dir: Path) -> list[str]:
        """Those of ``urls`` the campaign mines: in its sources (if any) and matching its patterns, in order."""
        listed = self.source_urls(crawls_dir)
        return [u for u in urls if self.wants(u) and (listed is None or u in listed)]



def load_campaign(path: str | Path) -> Campaign:
    """Read and validate a campaign file (its name defaults to the file's stem).

    Raises:
        CampaignError: naming the file, the line, the field and the fix.
    """
    try:
        campaign = load_model(path, Campaign, defaults={"name": Path(path).stem})
        campaign._folder = Path(path).resolve().parent
        return campaign
    except ConfigFileError as exc:
        raise CampaignError(str(exc)) from None


def write_campaign(path: Path, campaign: Campaign, header: str = "") -> None:
    """Write ``campaign`` as YAML to ``path`` atomically, after ``header`` (comment lines)."""
    import yaml

    from minedag.store import atomic_write

    body = yaml.safe_dump(campaign.model_dump(mode="json", exclude_defaults=True), sort_keys=False, allow_unicode=True)
    atomic_write(path, (header + body).encode())


def json_schema() -> dict:
    """The JSON Schema of a campaign file."""
    schema = Campaign.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "minedag campaign"
    return json.loads(json.dumps(schema))
