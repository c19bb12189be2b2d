"""Chromium's renderer sandbox: on for an ordinary user, off (and said so on every capture) for root."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # Chromium, Dagster runs, the daemon or a service: `make test-fast` leaves it out

PROBE = Path(__file__).with_name("sandbox_probe.py")
# Run as nobody, keeping only the right to read any file: a checkout (and its venv) may sit in a private folder
# (a CI clone under mktemp -d, /root). Chromium's sandbox is unaffected: it is what the test checks.
AS_NOBODY = ("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=+dac_read_search",
             "--ambient-caps=+dac_read_search")
REPO = PROBE.parent.parent


def _probe(*prefix: str, python: str = sys.executable, env: dict[str, str] | None = None) -> dict:
    done = subprocess.run([*prefix, python, str(PROBE)], capture_output=True, text=True, timeout=180,
                          env={**os.environ, **(env or {})}, cwd="/tmp")
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _assert_sandboxed(report: dict, on: bool) -> None:
    assert report["ok"], report
    assert report["sandbox"] == ("on" if on else "off")
    assert report["renderers"], "no renderer process was found"
    assert all(r["no_sandbox"] is not on for r in report["renderers"])
    # Seccomp mode 2 is the sandbox's syscall filter in force (a renderer seen in its first instant may lack it yet).
    assert any(r["seccomp"] == 2 for r in report["renderers"]) is on


def test_the_capture_says_whether_its_renderers_ran_sandboxed():
    _assert_sandboxed(_probe(), on=os.geteuid() != 0)


def _python_for_nobody() -> str:
    """A Python of this version that nobody may execute: ours, else the system's."""
    for candidate in (sys.executable, shutil.which(f"python{sys.version_info.major}.{sys.version_info.minor}") or ""):
        real = os.path.realpath(candidate)
        done = subprocess.run([*AS_NOBODY, real, "-c", "pass"], capture_output=True)
        if candidate and done.returncode == 0:
            return real
    pytest.fail(f"no python{sys.version_info.major}.{sys.version_info.minor} that nobody may run: "
                "install Debian's python3 to test the sandbox as an ordinary user")


def test_an_ordinary_user_gets_the_sandbox():
    if os.geteuid() != 0:
        _assert_sandboxed(_probe(), on=True)
        return
    nobody = 65534
    python = _python_for_nobody()
    home = Path("/tmp/minedag-sandbox-home")
    home.mkdir(exist_ok=True)
    os.chown(home, nobody, nobody)
    paths = os.pathsep.join([sysconfig.get_paths()["purelib"], str(REPO)])
    report = _probe(*AS_NOBODY, python=python,
                    env={"HOME": str(home), "PYTHONPATH": paths, "MINEDAG_DATA": str(home / "data")})
    _assert_sandboxed(report, on=True)
