"""The dataset card (``README.md``) of a bundle version."""

from __future__ import annotations

from typing import Any


def dataset_card(m: dict[str, Any]) -> str:
    counts = m["counts"]
    rows = "\n".join(f"| `{a['name']}` | {a['type']} | {a['role']} | {'yes' if a['required'] else ''} | {a['coverage']:.0%} | {a['description']} |"
                     for a in m["attributes"])
    excluded = "\n".join(f"- {reason}: {n}" for reason, n in m["excluded_by_reason"].items()) or "- none"
    recs = m["recommendations"]
    return f"""# {m['functionality']} — bundle {m['version']}

{m['description']}

Built by minedag {m['software']['minedag']} from pages captured with headless Chromium (data as of {m['data_as_of']}).
Model types (profiles): {', '.join(m['model_types'])}. Suits: {', '.join(m['model_kinds'])}.

## Contents
- `train/`, `validation/`, `test/`: Parquet, split **by domain** (no site in two splits):
  {counts['splits']['train']} / {counts['splits']['validation']} / {counts['splits']['test']} rows.
- `jsonl/<split>.jsonl`: the same rows as JSON lines; `chat/<split>.jsonl`: `{{"messages": [...]}}` for fine-tuning
  (features in, targets `{', '.join(m['targets'])}` out).
- `exclusions.jsonl`: every row left out, with the reason. `manifest.json`: everything below, machine-readable.
- `plots/`: attribute coverage and quality histogram (PNG).

Load it: `pandas.read_parquet("train")` or `datasets.load_dataset("parquet", data_dir=".")`.

## Counts
{counts['total_urls']} URLs, {counts['successful_urls']} captured successfully, {counts['members']} in the bundle,
{counts['excluded']} excluded; average quality {counts['average_quality']} (floor {m['quality_floor']}).

Excluded:
{excluded}

## Attributes and coverage
![attribute coverage](plots/coverage.png)
![member quality](plots/quality.png)

| attribute | type | role | required | coverage | description |
|---|---|---|---|---|---|
{rows}

## Known biases
- Pages come only from the URLs that were registered; sites with many pages weigh more than small ones.
- Rendering is headless Chromium {m['software'].get('chromium', '')} on a desktop viewport (1280x800) unless a mobile pass was enabled.
- Attributes are extracted by heuristics and axe-core; see each profile's description for what they can miss.
- Attributes below the coverage floor: {', '.join(recs['attributes_below_coverage']) or 'none'}.

## Licence
The records describe third-party web pages. Check the licence and terms of every source site before training or
redistributing; minedag does not grant rights to the underlying content.
"""
