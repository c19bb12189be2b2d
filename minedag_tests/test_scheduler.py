"""The site scheduler, without a browser: limits in flight and per site, open sites first, a site closed once done."""

import asyncio
import random

from minedag.capture.model import PageCapture
from minedag.capture.scheduler import by_site


def test_captures_stay_within_the_limits_and_each_site_closes_once_after_its_last_url():
    urls = [f"http://{site}.test/{i}" for site in ("a", "b", "c", "d") for i in range(5)]
    random.Random(7).shuffle(urls)
    now: dict[str, int] = {}
    peak_total, peak_site, peak_sites, log = 0, 0, 0, []

    async def capture(url: str) -> PageCapture:
        nonlocal peak_total, peak_site, peak_sites
        site = url.split("/")[2]
        now[site] = now.get(site, 0) + 1
        peak_total, peak_site = max(peak_total, sum(now.values())), max(peak_site, now[site])
        peak_sites = max(peak_sites, sum(1 for n in now.values() if n))
        await asyncio.sleep(random.random() / 200)
        now[site] -= 1
        log.append(("captured", site))
        return PageCapture(url=url, ok=True)

    async def site_done(site: str) -> None:
        log.append(("closed", site))

    async def run() -> list[PageCapture]:
        return [c async for c in by_site(urls, capture, in_flight=4, per_site=2, site_done=site_done)]

    got = asyncio.run(run())
    assert sorted(c.url for c in got) == sorted(urls)
    assert peak_total <= 4 and peak_site <= 2
    closed = [site for what, site in log if what == "closed"]
    assert sorted(closed) == ["a.test", "b.test", "c.test", "d.test"]
    for site in closed:  # closed after its last capture, never reopened
        last = max(i for i, entry in enumerate(log) if entry == ("captured", site))
        assert log.index(("closed", site)) > last
    # Open sites are filled first: two sites at a time, a third only while one finishes its last page.
    assert peak_sites <= 3
