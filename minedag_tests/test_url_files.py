"""URL files through the URL sensor: limits on URL and line length, and lines still being written."""

from __future__ import annotations

import os
import time

import dagster as dg

from minedag.defs.automation import url_file_sensor
from minedag.defs.partitions import url_partitions
from minedag.urlfile import MAX_LINE_BYTES, parse_lines
from minedag.urls import MAX_URL_LENGTH


def _ticker(instance: dg.DagsterInstance):
    from minedag.definitions import defs

    def tick(cursor: str | None) -> tuple[str, list[str], str]:
        result = url_file_sensor(dg.build_sensor_context(instance=instance, cursor=cursor, repository_def=defs.get_repository_def()))
        added = result.dynamic_partitions_requests[0].partition_keys if result.dynamic_partitions_requests else []
        instance.add_dynamic_partitions(url_partitions.name, added)
        note = result.skip_reason.skip_message if result.skip_reason else ""
        return result.cursor, list(added), note

    return tick


def _age(path, seconds: float = 120.0) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_an_over_long_url_is_rejected_with_its_length_not_registered():
    huge = "http://shop.test/" + "a" * 1_000_002
    parsed = parse_lines([huge, "http://shop.test/ok"])
    assert parsed.urls == ["http://shop.test/ok"]
    ((number, text, reason),) = parsed.rejected
    assert number == 1 and "1,000,019 characters" in reason and f"{MAX_URL_LENGTH:,}" in reason
    assert len(text) == 500 and len(reason) < 300  # the reason does not repeat the megabyte


def test_a_huge_line_is_skipped_and_never_blocks_the_lines_after_it(data):
    (data / "urls").mkdir(parents=True)
    path = data / "urls" / "feed.txt"
    path.write_bytes(b"http://shop.test/first\n" + b"x" * (3 * MAX_LINE_BYTES))  # the huge line is still arriving
    _age(path)
    with dg.instance_for_test() as instance:
        tick = _ticker(instance)
        cursor, added, _ = tick(None)
        assert added == ["http://shop.test/first"]
        with path.open("ab") as handle:
            handle.write(b"y" * (50 * MAX_LINE_BYTES) + b"\nhttp://shop.test/after\n" + b"z" * (2 * MAX_LINE_BYTES) + b"\n")
        _age(path)
        cursor, added, _ = tick(cursor)
        assert added == ["http://shop.test/after"]  # the line after the huge one, then a second huge line, skipped
        with path.open("ab") as handle:
            handle.write(b"http://shop.test/last\n")
        cursor, added, _ = tick(cursor)
        assert added == ["http://shop.test/last"]
        assert sorted(instance.get_dynamic_partitions(url_partitions.name)) == [
            "http://shop.test/after", "http://shop.test/first", "http://shop.test/last"]


def test_a_line_whose_writer_pauses_mid_line_is_never_registered_half_written(data):
    (data / "urls").mkdir(parents=True)
    path = data / "urls" / "feed.txt"
    with dg.instance_for_test() as instance:
        tick = _ticker(instance)
        with path.open("ab") as writer:
            writer.write(b"http://shop.test/a\nhttp://shop.test/trunc")
            writer.flush()
            _age(path)  # the writer has been quiet for two minutes, yet still holds the file open
            cursor, added, _ = tick(None)
            assert added == ["http://shop.test/a"]
            writer.write(b"ated-no-more\n")
            writer.flush()
            cursor, added, _ = tick(cursor)
            assert added == ["http://shop.test/truncated-no-more"]
            writer.write(b"http://shop.test/tail")
            writer.flush()
        _age(path)
        cursor, added, _ = tick(cursor)  # closed for good: its last line counts without a newline
        assert added == ["http://shop.test/tail"]
        assert "http://shop.test/trunc" not in instance.get_dynamic_partitions(url_partitions.name)
