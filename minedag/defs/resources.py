from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
from pydantic import Field

from minedag.capture import CaptureOptions, PageCapture
from minedag.capture.model import PreviousCapture
from minedag.capture.politeness import PolitenessRules
from minedag.settings import join_rules, saved_capture_timeout, saved_network, store_dir
from minedag.store import Store


class CaptureResource(dg.ConfigurableResource):
    """Where ``page_capture`` gets its pages: a live browser (``BrowserResource``) or stored captures
    (``SnapshotResource``, for fast tests of the whole chain and replays)."""

    incremental: bool = Field(default=True, description="Re-mines ask 'changed since?' (ETag/Last-Modified, body hash) "
                                                         "and keep the earlier capture when the page did not change.")

    def capture(self, urls: Sequence[str], on_capture: Callable[[PageCapture], None],
                previous: Mapping[str, PreviousCapture]) -> None:
        """Hand each URL's capture to ``on_capture`` as it lands (a failed page too, with its reason)."""
        raise NotImplementedError


class SnapshotResource(CaptureResource):
    """Captures kept as files (``minedag.capture.snapshots``: one gzipped JSON per URL) served as if just captured;
    a URL the folder does not hold fails with that reason. No browser starts."""

    folder: str = Field(description="Folder of kept captures, e.g. minedag_tests/captures.")
    incremental: bool = False

    def capture(self, urls: Sequence[str], on_capture: Callable[[PageCapture], None],
                previous: Mapping[str, PreviousCapture]) -> None:
        from minedag.capture.snapshots import read_snapshot

        for url in urls:
            kept = read_snapshot(Path(self.folder), url)
            on_capture(kept or PageCapture(url=url, ok=False, error_kind="not_in_snapshot",
                                           error=f"no kept capture of {url} in {self.folder}"))


class BrowserResource(CaptureResource):
    """Headless Chromium driven by Playwright: launch options, concurrency, timeouts, emulation.

    With ``serve_sample_site`` the bundled sample site is served on an ephemeral local port for the
    duration of the run and ``*.test`` hosts resolve to it, so the sample URLs work anywhere.
    """

    executable_path: str | None = Field(default=None, description="Chromium binary; unset = $MINEDAG_CHROMIUM or Debian's.")
    host_rules: str = Field(default="", description="Where names go, in Chromium's --host-resolver-rules syntax, e.g. "
                                                    "'MAP *.test 127.0.0.1:8000' (applied by minedag's guard proxy).")
    allow_hosts: list[str] = Field(default_factory=lambda: ["*.test"], description="Hosts/CIDRs allowed despite private addresses.")
    redact_emails: bool = Field(default=False, description="Mask e-mail addresses in captures (secrets are always masked).")
    serve_sample_site: bool = Field(default=True, description="Serve data/site for *.test hosts during the run.")
    pages_in_flight: int = Field(default=4, description="Pages captured concurrently (about 2 per core).")
    nav_timeout_s: float = Field(default=20.0, description="Navigation budget (the load event), in seconds.")
    collect_timeout_s: float = Field(default=20.0, description="Each collector's budget after load; one that runs out "
                                     "is named in the capture and the rest is kept.")
    capture_timeout_s: float = Field(default=90.0, description="Backstop for a whole capture (politeness waits not "
                                     "counted); set it with `minedag crawl/demo/mine --capture-timeout`.")
    emulation: str = Field(default="desktop", description="desktop, mobile, or both (a mobile second pass).")
    recycle_context_every: int = 40
    respect_robots: bool = Field(default=True, description="Honour robots.txt (and its Crawl-delay).")
    robots_agent: str = Field(default="minedag", description="User-agent token matched against robots.txt.")
    min_delay_s: float = Field(default=0.0, description="Minimum seconds between page loads on one site.")
    pages_per_site: int = Field(default=2, description="Pages of one site captured at once.")
    politeness_dir: str = Field(default="", description="Folder where every run books per-site page-load slots "
                                                         "(delays hold across concurrent runs); empty = <store>/politeness.")
    max_renderer_mb: int = Field(default=1024, description="Resident memory one page's renderer may use; above, it "
                                                            "is killed and the page fails as too_large.")
    max_renderers_mb: int = Field(default=2560, description="Resident memory all renderers may use together (size the "
                                                             "pod for this plus about 700 MB).")
    max_browser_mb: int = Field(default=1024, description="Resident memory of the browser process above which it is "
                                                          "replaced once no capture uses it (killed at twice this).")

    def capture(self, urls: Sequence[str], on_capture: Callable[[PageCapture], None],
                previous: Mapping[str, PreviousCapture]) -> None:
        from minedag.capture import capture_urls

        with self.sample_site() as host_rules:
            capture_urls(urls, self.options(host_rules), on_capture=on_capture, previous=previous)

    def network(self) -> tuple[tuple[str, ...], str]:
        """This resource's allow-list and host rules plus the deployment's remembered ones (``network.json``)."""
        allow, rules = saved_network()
        return tuple(dict.fromkeys([*self.allow_hosts, *allow])), join_rules(self.host_rules, rules)

    @contextmanager
    def sample_site(self) -> Iterator[str]:
        """Yield the host rules to use, serving the sample site meanwhile if configured and no rule says where
        ``*.test`` is."""
        from minedag.sample_site.server import sample_site_for

        rules = self.network()[1]
        if not self.serve_sample_site:
            yield rules
            return
        with sample_site_for(rules) as served:
            yield served

    def options(self, host_rules: str) -> CaptureOptions:
        if self.emulation not in ("desktop", "mobile", "both"):
            raise dg.Failure(f"browser.emulation={self.emulation!r} is not valid; use 'desktop', 'mobile' or 'both'")
        return CaptureOptions(
            executable_path=self.executable_path, host_rules=host_rules, allow_hosts=self.network()[0],
            pages_in_flight=self.pages_in_flight, nav_timeout_s=self.nav_timeout_s,
            capture_timeout_s=saved_capture_timeout() or self.capture_timeout_s, collect_timeout_s=self.collect_timeout_s,
            emulation=self.emulation, recycle_context_every=self.recycle_context_every,  # type: ignore[arg-type]
            pages_per_site=self.pages_per_site, redact_emails=self.redact_emails,
            max_renderer_mb=self.max_renderer_mb, max_renderers_mb=self.max_renderers_mb, max_browser_mb=self.max_browser_mb,
            politeness=PolitenessRules(respect_robots=self.respect_robots, robots_agent=self.robots_agent,
                                       min_delay_s=self.min_delay_s, shared_state_dir=self.politeness_dir or str(store_dir() / "politeness")),
        )


class StoreResource(dg.ConfigurableResource):
    """Where captures and records live (a local or shared filesystem path)."""

    root: str = Field(default="", description="Store root; empty = $MINEDAG_DATA/store or ./data/store.")

    def get(self) -> Store:
        return Store(self.root or store_dir())


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(resources={"browser": BrowserResource(), "store": StoreResource()})
