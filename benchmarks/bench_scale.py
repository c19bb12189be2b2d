"""Scale: partitions, sensor ticks and backfill queueing at 10k-100k URLs, and memory over a 1,000-URL mine.

Run from the repo root, one part at a time or all::

    .venv/bin/python benchmarks/bench_scale.py register   # 10k and 100k URL partitions added (sensor path)
    .venv/bin/python benchmarks/bench_scale.py sensor     # url_file_sensor ticks over a 100,000-line file
    .venv/bin/python benchmarks/bench_scale.py queue      # an asset backfill over 10,000 partitions until every run is queued
    .venv/bin/python benchmarks/bench_scale.py memory     # 1,000 real sample-site URLs through Dagster, PSS every 10 s
    .venv/bin/python benchmarks/bench_scale.py ui         # the Dagster UI and GraphQL over 10k and 100k URL partitions

Every part uses a throw-away SQLite instance. Nothing is stubbed: ``queue`` only stops before the runs execute.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import dagster as dg
from daemon import daemon_instance, submit_backfill

REPO = Path(__file__).resolve().parents[1]


def fake_urls(n: int, start: int = 0) -> list[str]:
    return [f"http://site{i % 50}.test/page/{i}" for i in range(start, start + n)]


def register() -> None:
    from minedag.mining import register_urls

    with tempfile.TemporaryDirectory() as tmp, dg.instance_for_test(temp_dir=tmp) as instance:
        t = time.perf_counter()
        register_urls(instance, fake_urls(10_000))
        first = time.perf_counter() - t
        t = time.perf_counter()
        register_urls(instance, fake_urls(90_000, 10_000))
        rest = time.perf_counter() - t
        t = time.perf_counter()
        again = register_urls(instance, fake_urls(100_000))
        noop = time.perf_counter() - t
    print(f"register 10,000 URL partitions:        {first:6.1f} s ({first:.1f} s per 10k)")
    print(f"register 90,000 more (100,000 in all): {rest:6.1f} s ({rest / 9:.1f} s per 10k)")
    print(f"register the same 100,000 again:       {noop:6.1f} s (already registered: {again.already})")


def sensor() -> None:
    from minedag.definitions import defs
    from minedag.defs.automation import url_file_sensor

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["MINEDAG_DATA"] = tmp
        (Path(tmp) / "urls").mkdir()
        lines = fake_urls(100_000)
        lines[10::1000] = ["not a url"] * len(lines[10::1000])  # 100 rejects
        (Path(tmp) / "urls" / "big.txt").write_text("\n".join(lines + fake_urls(500)) + "\n")  # +500 duplicates
        with dg.instance_for_test(temp_dir=tmp) as instance:
            cursor, ticks, runs = None, [], 0
            while True:
                t = time.perf_counter()
                result = url_file_sensor(dg.build_sensor_context(instance=instance, cursor=cursor,
                                                                 repository_def=defs.get_repository_def()))
                if isinstance(result, dg.SkipReason):
                    break
                for request in result.dynamic_partitions_requests:  # what the daemon does with the tick's result
                    instance.add_dynamic_partitions(request.partitions_def_name, list(request.partition_keys))
                ticks.append(time.perf_counter() - t)
                runs += len(result.run_requests)
                cursor = result.cursor
            total = len(instance.get_dynamic_partitions("urls"))
    print(f"url_file_sensor over a 100,500-line file: {len(ticks)} ticks, slowest {max(ticks):.1f} s, "
          f"total {sum(ticks):.1f} s ({sum(ticks) / total * 1e4:.1f} s per 10k); {total} partitions, {runs} runs requested")


def queue(n: int = 10_000) -> None:
    # max_concurrent_runs 0: the daemon queues every run of the backfill and launches none.
    with daemon_instance(max_concurrent_runs=0) as instance:
        urls = fake_urls(n)
        instance.add_dynamic_partitions("urls", urls)
        started = submit_backfill(instance, urls, "scale")
        expected = -(-n // 50)
        while (queued := instance.get_runs_count(dg.RunsFilter(statuses=[dg.DagsterRunStatus.QUEUED]))) < expected:
            if time.time() - started > 3600:
                raise SystemExit(f"only {queued}/{expected} runs queued after an hour")
            time.sleep(2)
        elapsed = time.time() - started
    print(f"asset backfill over {n:,} partitions (page_capture + 8 profiles): {expected} runs of 50 queued "
          f"{elapsed:.0f} s after the request ({elapsed / n * 1000:.1f} ms per URL)")


def memory(n: int = 1000) -> None:
    from minedag.benchmark import PeakMemory
    from minedag.mining import mine
    from minedag.urlfile import read_url_file

    base = [u for u in read_url_file(REPO / "data" / "urls" / "sample.txt").urls if not u.endswith("/slow")]
    urls = [f"{u}{'&' if '?' in u else '?'}r={i // len(base)}" for i, u in enumerate(base * (n // len(base) + 1))][:n]
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["MINEDAG_DATA"] = tmp
        sampler = PeakMemory(interval=10.0)
        sampler.start()
        t = time.perf_counter()
        with dg.instance_for_test(temp_dir=tmp) as instance:
            results = mine(instance, urls, batch=50)
        wall = time.perf_counter() - t
        sampler.stop()
    samples = [s / 2**20 for s in sampler.samples]
    q = max(1, len(samples) // 4)
    first, last = sum(samples[:q]) / q, sum(samples[-q:]) / q
    print(f"{n} sample-site URLs through Dagster ({len(results)} runs of 50, all collectors, 8 profiles): "
          f"{wall:.0f} s, {n / wall * 60:.0f} pages/min")
    print(f"PSS of the process tree every 10 s ({len(samples)} samples): peak {max(samples):.0f} MiB, "
          f"first quarter {first:.0f} MiB, last quarter {last:.0f} MiB ({(last - first) / first:+.0%})")


_PARTITION_STATS = """{ assetNodeOrError(assetKey: {path: ["page_capture"]}) { ... on AssetNode {
  partitionStats { numPartitions numMaterialized } } } }"""
_PARTITION_KEYS = """{ assetNodeOrError(assetKey: {path: ["page_capture"]}) { ... on AssetNode {
  partitionKeysByDimension { partitionKeys } } } }"""


def _graphql(base: str, query: str) -> tuple[float, dict]:
    import json
    import urllib.request

    request = urllib.request.Request(base + "/graphql", json.dumps({"query": query}).encode(),
                                     {"Content-Type": "application/json"})
    t = time.perf_counter()
    with urllib.request.urlopen(request, timeout=600) as response:
        body = json.load(response)
    return time.perf_counter() - t, body


def ui(sizes: tuple[int, ...] = (10_000, 100_000)) -> None:
    """dagster-webserver over an instance with N URL partitions: GraphQL answers and the partitions page."""
    import signal
    import socket
    import subprocess
    import sys
    import urllib.request

    from playwright.sync_api import sync_playwright

    from minedag.capture.chromium import CLOSED_NETWORK_FLAGS, find_chromium
    from minedag.mining import register_urls

    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            home = Path(tmp) / "home"
            home.mkdir()
            (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
            with dg.DagsterInstance.from_config(str(home)) as instance:
                register_urls(instance, fake_urls(n))
            with socket.socket() as sock:
                sock.bind(("127.0.0.1", 0))
                port = sock.getsockname()[1]
            env = {**os.environ, "DAGSTER_HOME": str(home), "MINEDAG_DATA": str(Path(tmp) / "data")}
            server = subprocess.Popen([str(Path(sys.executable).parent / "dagster-webserver"), "-h", "127.0.0.1",
                                       "-p", str(port), "-w", "workspace.yaml"], cwd=REPO, env=env,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
            base = f"http://127.0.0.1:{port}"
            try:
                for _ in range(120):
                    try:
                        urllib.request.urlopen(base + "/server_info", timeout=2)
                        break
                    except OSError:
                        time.sleep(1)

                _graphql(base, _PARTITION_STATS)  # warm the code location
                stats_s, stats = _graphql(base, _PARTITION_STATS)
                keys_s, keys = _graphql(base, _PARTITION_KEYS)
                counted = stats["data"]["assetNodeOrError"]["partitionStats"]["numPartitions"]
                listed = len(keys["data"]["assetNodeOrError"]["partitionKeysByDimension"][0]["partitionKeys"])
                with sync_playwright() as p:
                    browser = p.chromium.launch(executable_path=find_chromium(), args=list(CLOSED_NETWORK_FLAGS))
                    page = browser.new_page(viewport={"width": 1440, "height": 900})
                    t = time.perf_counter()
                    page.goto(base + "/assets/page_capture?view=partitions", timeout=600_000)
                    page.get_by_text(fake_urls(1)[0], exact=True).first.wait_for(timeout=600_000)
                    page_s = time.perf_counter() - t
                    browser.close()
            finally:
                os.killpg(server.pid, signal.SIGTERM)
                server.wait(30)
        print(f"{n:,} URL partitions: GraphQL partition stats {stats_s:.2f} s ({counted:,}), all partition keys "
              f"{keys_s:.2f} s ({listed:,}), the UI's partitions page shows the first URL after {page_s:.1f} s")


if __name__ == "__main__":
    parts = {"register": register, "sensor": sensor, "queue": queue, "memory": memory, "ui": ui}
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("part", nargs="*", choices=[*parts, []], help="parts to run (default: all)")
    for name in parser.parse_args().part or parts:
        parts[name]()
