"""The site scheduler: which URL to capture next, so that few sites are open at once and none is crowded."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable

from minedag.capture.model import PageCapture
from minedag.urls import site_of


async def by_site(urls: Iterable[str], capture: Callable[[str], Awaitable[PageCapture]], *, in_flight: int, per_site: int,
                  site_done: Callable[[str], Awaitable[None]]) -> AsyncIterator[PageCapture]:
    """Run ``capture`` over ``urls``, yielding captures as they finish.

    At most ``in_flight`` captures at once and ``per_site`` per site; sites already open are preferred, and
    ``site_done(site)`` is awaited as soon as a site's last URL is done (its context can close), so only a few
    renderer processes live at any time.
    """
    queues: dict[str, deque[str]] = {}
    for url in urls:
        queues.setdefault(site_of(url), deque()).append(url)
    active: dict[str, int] = {}
    running: dict[asyncio.Task[PageCapture], str] = {}

    def next_site() -> str | None:
        for site in active:
            if queues.get(site) and active[site] < per_site:
                return site
        return next((site for site, queue in queues.items() if queue and site not in active), None)

    try:
        while queues or running:
            while len(running) < in_flight and (site := next_site()) is not None:
                active[site] = active.get(site, 0) + 1
                running[asyncio.ensure_future(capture(queues[site].popleft()))] = site
            if not running:
                break
            done, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                site = running.pop(task)
                active[site] -= 1
                if not queues.get(site) and active[site] == 0:
                    del active[site]
                    queues.pop(site, None)
                    await site_done(site)
                yield task.result()
    finally:
        for task in running:
            task.cancel()
