"""Capture one sample page and print, as JSON, whether Chromium's renderers ran sandboxed.

Run by ``test_sandbox.py`` as the current user and, when that is root, as ``nobody``.
"""

import json
import threading

import psutil

from minedag.capture import CaptureOptions, capture_urls
from minedag.capture.politeness import PolitenessRules
from minedag.sample_site.server import SiteServer


def renderers() -> dict[int, dict[str, object]]:
    """This process's live renderer processes: their ``--no-sandbox`` flag and seccomp mode (2 = filtered)."""
    found = {}
    for proc in psutil.Process().children(recursive=True):
        try:
            if "--type=renderer" not in proc.cmdline():
                continue
            with open(f"/proc/{proc.pid}/status") as status:
                seccomp = next(line.split()[1] for line in status if line.startswith("Seccomp:"))
            found[proc.pid] = {"no_sandbox": "--no-sandbox" in proc.cmdline(), "seccomp": int(seccomp)}
        except (psutil.Error, OSError):
            continue
    return found


def main() -> None:
    server = SiteServer().start()
    seen: dict[int, dict[str, object]] = {}
    done = threading.Event()

    def watch() -> None:  # renderers come and go with tabs: sample them while the capture runs
        while not done.wait(0.05):
            seen.update(renderers())

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    options = CaptureOptions(host_rules=server.host_rules, allow_hosts=("*.test",),
                             politeness=PolitenessRules(respect_robots=False))
    try:
        (cap,) = capture_urls(["http://shop.test/", "http://blog.test/about"], options)[:1]
    finally:
        done.set()
        watcher.join()
        server.stop()
    print(json.dumps({"ok": cap.ok, "error": cap.error, "sandbox": cap.versions.get("sandbox"),
                      "renderers": list(seen.values())}))


if __name__ == "__main__":
    main()
