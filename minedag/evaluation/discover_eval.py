"""Top-1 / top-3 accuracy of discovery on the pinned prompt set (``discover_prompts.tsv``)."""

from __future__ import annotations

from pathlib import Path

from minedag.discover import rank

PROMPTS = Path(__file__).with_name("discover_prompts.tsv")


def load_prompts() -> list[tuple[str, set[str]]]:
    out = []
    for line in PROMPTS.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            prompt, expected = line.split("\t")
            out.append((prompt, set(expected.split(","))))
    return out


def evaluate() -> dict[str, object]:
    cases = load_prompts()
    top1 = top3 = 0
    misses = []
    for prompt, expected in cases:
        names = [n for n, _s in rank(prompt)]
        top1 += names[0] in expected
        top3 += bool(set(names[:3]) & expected)
        if names[0] not in expected:
            misses.append({"prompt": prompt, "expected": sorted(expected), "got": names[:3]})
    return {"cases": len(cases), "discover_top1": round(top1 / len(cases), 4), "discover_top3": round(top3 / len(cases), 4),
            "misses": misses}
