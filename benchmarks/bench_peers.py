"""minedag beside a tool a user would pick instead: crawl4ai, on the same sample-site URLs and the same Chromium.

Each tool runs in a process of its own, one after the other, and is measured the same way from outside: wall time
(browser start included), CPU seconds of its whole process tree (``getrusage`` of the reaped children) and peak PSS
of the tree (sampled every 0.2 s). minedag captures with every collector and extracts every profile's record (and,
for scale, ``minedag bare``: navigation and the HTML only, no robots.txt, collectors or profiles);
crawl4ai produces its default output, Markdown plus metadata, through the same Debian Chromium (crawl4ai has no
executable path setting, so it connects over CDP to a Chromium this script starts with the same host mapping).
The point is the ratio, not an absolute number.

Run: ``make bench-peers`` (installs crawl4ai into ``.venv-peers``: a benchmark dependency, never a core one), or
``.venv/bin/python benchmarks/bench_peers.py --peer-python PATH [--rounds N] [--json]``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from minedag.benchmark import PeakMemory
from minedag.sample_site.server import serve
from minedag.settings import data_dir
from minedag.urlfile import read_url_file

MINEDAG = """
import json, sys
from minedag.capture import CaptureOptions, capture_urls
from minedag.profiles import all_profiles, extract_record
from minedag.profiles.page import PageView

urls, host_rules, bare = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3] == "bare"
ok = 0

def on_capture(cap):
    global ok
    view = PageView(cap)
    records = [] if bare else [extract_record(p, cap, "bench", view=view) for p in all_profiles().values()]
    ok += cap.ok and all(r["ok"] for r in records)

capture_urls(urls, CaptureOptions(host_rules=host_rules, allow_hosts=("*.test",), bare=bare), on_capture=on_capture)
print(json.dumps({"ok": ok}))
"""

CRAWL4AI = """
import asyncio, json, os, socket, subprocess, sys, time, urllib.request
from crawl4ai import AsyncWebCrawler, BrowserConfig, CacheMode, CrawlerRunConfig

urls, host_rules, chromium = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3]
with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
args = [chromium, "--headless=new", f"--remote-debugging-port={port}", "--remote-debugging-address=127.0.0.1",
        f"--host-resolver-rules={host_rules}", "--no-first-run", "--disable-gpu", "--user-data-dir=" + sys.argv[4]]
if os.geteuid() == 0:
    args.append("--no-sandbox")
browser = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
for _ in range(200):
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/json/version", timeout=1)
        break
    except OSError:
        time.sleep(0.1)

async def main():
    config = BrowserConfig(browser_mode="custom", cdp_url=f"http://127.0.0.1:{port}", headless=True, verbose=False)
    async with AsyncWebCrawler(config=config) as crawler:
        results = await crawler.arun_many(urls, config=CrawlerRunConfig(cache_mode=CacheMode.BYPASS, verbose=False))
    return sum(1 for r in results if r.success and r.markdown and r.metadata is not None)

try:
    ok = asyncio.run(main())
finally:
    browser.terminate()
    browser.wait(30)
print(json.dumps({"ok": ok}))
"""


def measure(command: list[str], env: dict[str, str]) -> dict[str, float]:
    """Run ``command`` to its end: wall seconds, CPU seconds of its process tree, peak PSS, and its JSON line."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sampler = PeakMemory(0.2, proc.pid)
    sampler.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - started
    peak = sampler.stop()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError(f"{command[0]} failed ({proc.returncode}): {err[-2000:]}")
    result = json.loads(out.strip().splitlines()[-1])
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"ok_pages": result["ok"], "wall_s": round(wall, 1), "cpu_s": round(cpu, 1), "peak_pss_mib": round(peak / 2**20)}


def run(peer_python: str, rounds: int) -> dict[str, object]:
    from minedag.capture.chromium import find_chromium

    chromium = find_chromium()
    if not chromium:
        raise SystemExit("no Chromium found: apt-get install chromium, or set MINEDAG_CHROMIUM")
    base = [u for u in read_url_file(data_dir() / "urls" / "sample.txt").urls if not u.endswith("/slow")]
    urls = [f"{u}{'&' if '?' in u else '?'}r={r}" for r in range(rounds) for u in base]
    server = serve()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            url_file = Path(tmp) / "urls.json"
            url_file.write_text(json.dumps(urls))
            env = {**os.environ, "MINEDAG_DATA": str(Path(tmp) / "data")}
            tools = {
                "minedag": measure([sys.executable, "-c", MINEDAG, str(url_file), server.host_rules, "full"], env),
                "minedag bare": measure([sys.executable, "-c", MINEDAG, str(url_file), server.host_rules, "bare"], env),
                "crawl4ai": measure([peer_python, "-c", CRAWL4AI, str(url_file), server.host_rules, chromium,
                                     str(Path(tmp) / "profile")], {**env, "HOME": tmp}),
            }
    finally:
        server.stop()
    for t in tools.values():
        t["pages_per_min"] = round(len(urls) / t["wall_s"] * 60, 1)
        t["cpu_s_per_page"] = round(t["cpu_s"] / len(urls), 3)
    m, c = tools["minedag"], tools["crawl4ai"]
    ratios = {"pages_per_min": round(m["pages_per_min"] / c["pages_per_min"], 2),
              "cpu_s_per_page": round(m["cpu_s_per_page"] / c["cpu_s_per_page"], 2),
              "peak_pss_mib": round(m["peak_pss_mib"] / c["peak_pss_mib"], 2)}
    return {"urls": len(urls), "rounds": rounds, "chromium": chromium, "tools": tools, "minedag_over_crawl4ai": ratios}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peer-python", default=".venv-peers/bin/python", help="a Python with crawl4ai installed")
    parser.add_argument("--rounds", type=int, default=2, help="each sample URL this many times (distinct query strings)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    report = run(args.peer_python, args.rounds)
    if args.json:
        print(json.dumps(report, indent=1))
        return
    print(f"{report['urls']} URLs of the sample site, {report['chromium']}")
    print(f"{'tool':<13} {'pages ok':>9} {'pages/min':>10} {'CPU s/page':>11} {'peak PSS MiB':>13}")
    for name, t in report["tools"].items():
        print(f"{name:<13} {t['ok_pages']:>9} {t['pages_per_min']:>10} {t['cpu_s_per_page']:>11} {t['peak_pss_mib']:>13}")
    r = report["minedag_over_crawl4ai"]
    print(f"minedag / crawl4ai: {r['pages_per_min']}x the pages/min, {r['cpu_s_per_page']}x the CPU per page, "
          f"{r['peak_pss_mib']}x the peak memory")


if __name__ == "__main__":
    main()
