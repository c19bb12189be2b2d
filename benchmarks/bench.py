"""``make bench``: the same as ``minedag bench`` (see minedag/benchmark.py). Run from the repo root."""

import sys

from minedag.cli import main

if __name__ == "__main__":
    sys.exit(main(["bench", *sys.argv[1:]]))
