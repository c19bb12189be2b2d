"""Progress bars for the command line: live bars on a terminal, plain lines (no colour) in logs and pipes."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)


def progress(console: Console) -> Progress:
    """A rich progress display; when ``console`` is not a terminal, each task prints one line when it ends."""
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    TimeRemainingColumn(), console=console, disable=not console.is_terminal)


@contextmanager
def polled(bar: Progress, description: str, total: int, count: Callable[[], int], every: float = 0.5) -> Iterator[None]:
    """A task whose completed count is ``count()``, polled in the background while the block runs."""
    task = bar.add_task(description, total=total)
    done = threading.Event()

    def poll() -> None:
        while not done.wait(every):
            bar.update(task, completed=count())

    watcher = threading.Thread(target=poll, daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()
        watcher.join()
        bar.update(task, completed=count())
        finish(bar, task)


def finish(bar: Progress, task) -> None:
    """Print a finished task as a plain line when the live display is off (logs, CI, pipes)."""
    if bar.disable:
        t = bar.tasks[task]
        bar.console.print(f"{t.description}: {t.completed:.0f}/{t.total:.0f} in {t.finished_time or t.elapsed or 0:.1f} s")
