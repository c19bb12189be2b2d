"""Hostile campaign and crawl files end in one clear line naming the file, never a traceback; what a killed bundle
build left behind is cleaned by the next build."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from minedag.campaigns import CampaignError, load_campaign
from minedag.crawl import CrawlError, load_crawl_file

REPO = Path(__file__).resolve().parents[1]
ATTRIBUTE = "attributes:\n  - {name: p, type: string, description: a value, selectors: [{css: h1, regex: '%s'}]}\n"


@pytest.mark.parametrize(("text", "why"), [
    ("description: deep\nextra: " + "[" * 5000 + "]" * 5000 + "\n", "nested too deeply"),
    ("description: groups\n" + ATTRIBUTE % ("(" * 5000 + "a" + ")" * 5000), "limit is 2,000"),
    ("description: nested groups\n" + ATTRIBUTE % ("(" * 400 + "a" + ")" * 400), "bad regular expression"),
    ("description: repeat\n" + ATTRIBUTE % "a{4294967295}", "repeat count too big"),
])
def test_hostile_campaign_files_fail_with_one_clear_error(tmp_path, text, why):
    path = tmp_path / "hostile.yaml"
    path.write_text(text)
    with pytest.raises(CampaignError, match=why) as error:
        load_campaign(path)
    assert str(path) in str(error.value)


def test_hostile_crawl_files_fail_with_one_clear_error(tmp_path):
    path = tmp_path / "deep.yaml"
    path.write_text("seeds: [http://shop.test/]\ninclude: ['a{4294967295}']\n")
    with pytest.raises(CrawlError, match="repeat count too big"):
        load_crawl_file(path)
    path.write_text("seeds: " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(CrawlError, match="nested too deeply"):
        load_crawl_file(path)


def test_cli_errors_keep_bracketed_text(tmp_path):
    folder = tmp_path / "campaigns"
    folder.mkdir()
    (folder / "fields.yaml").write_text("description: fields\nattributes:\n"
                                        "  - {name: p, type: string, description: a value, selectors: [{css: 'dd[class=field-even'}]}\n")
    env = {**os.environ, "MINEDAG_CAMPAIGNS": str(folder), "MINEDAG_DATA": str(tmp_path / "data")}
    out = subprocess.run([sys.executable, "-m", "minedag.cli", "campaign", "show", "fields"], cwd=REPO, env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "'dd[class=field-even'" in out.stderr


def test_a_killed_builds_temporary_folder_is_removed_by_the_next_build(tmp_path):
    from minedag.bundles.build import _builder, remove_abandoned

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True).stdout.strip()
    host = _builder().rpartition("-")[0]
    orphan = tmp_path / f".v1-abc.{host}-{dead}.x1y2"
    mine = tmp_path / f".v1-abc.{_builder()}.z9"  # a build of this very process, in progress
    elsewhere = tmp_path / ".v1-abc.otherhost-1.q7"  # another host's: only its age tells
    for folder in (orphan, mine, elsewhere):
        folder.mkdir()
        (folder / "rows.parquet").write_bytes(b"partial")
    assert remove_abandoned(tmp_path) == [orphan.name]
    assert mine.is_dir() and elsewhere.is_dir()
