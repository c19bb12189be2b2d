"""The dataset card (``README.md``) of a bundle version: the YAML front matter the Hugging Face Hub reads, then
the text a person reads."""

from __future__ import annotations

from typing import Any

import yaml

from minedag.evaluation.targets import target_evidence

_SIZES = ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M"), (10_000_000, "1M<n<10M"))


def front_matter(m: dict[str, Any]) -> dict[str, Any]:
    """The Hub's metadata: licence, tasks, size, one ``default`` config with a data file per split, features."""
    members = m["counts"]["members"]
    splits = m["counts"]["splits"]
    return {
        "pretty_name": f"minedag {m['functionality']}",
        "license": "other",
        "license_name": "source-site-terms",
        "license_details": "Records describe third-party web pages; each source site's licence and terms apply.",
        "task_categories": m["hf_tasks"],
        "tags": ["minedag", "web", "html", m["functionality"]],
        "size_categories": [next((label for limit, label in _SIZES if members < limit), "n>1T")],
        "configs": [{"config_name": "default",
                     "data_files": [{"split": name, "path": f"{name}/*.parquet"} for name in splits]}],
        "dataset_info": {"features": m["columns"]["features"]},
    }


def dataset_card(m: dict[str, Any]) -> str:
    meta = yaml.safe_dump(front_matter(m), sort_keys=False, allow_unicode=True)
    return f"---\n{meta}---\n\n" + _text(m)


def _text(m: dict[str, Any]) -> str:
    counts = m["counts"]
    columns = m["columns"]
    rows = "\n".join(f"| `{a['column']}` | {_type(a)} | {a['role']} | {'yes' if a['required'] else ''} | {a['coverage']:.0%} | {a['description']} |"
                     for a in m["attributes"] if a["column"] not in columns["constant_columns"])
    constant = "\n".join(f"- `{name}` = `{value!r}`" for name, value in columns["constant_columns"].items()) or "- none"
    targets = "\n".join(_target(a["name"], a["column"]) for a in m["attributes"] if a["role"] == "target") or (
        "- none measured yet: this bundle has no target to train on (no `chat/`), only features.")
    unmeasured = m.get("unmeasured_targets") or []
    if unmeasured:
        targets += ("\n\nDeclared targets not measured on real pages yet, so input columns here (heuristics of their "
                    "profiles; they become targets once `minedag eval` scores them): "
                    + ", ".join(f"`{q}`" for q in unmeasured) + ".")
    targets += _label_sources(m.get("labels") or {})
    misfits = ", ".join(f"`{c}` ({n})" for c, n in columns["values_not_matching_their_type"].items()) or "none"
    excluded = "\n".join(f"- {reason}: {n}" for reason, n in m["excluded_by_reason"].items()) or "- none"
    recs = m["recommendations"]
    return f"""# {m['functionality']} — bundle {m['version']}

{m['description']}

Built by minedag {m['software']['minedag']} from pages captured with headless Chromium (data as of {m['data_as_of']}).
Model types (profiles): {', '.join(m['model_types'])}. Suits: {', '.join(m['model_kinds'])}.

## Contents
- `train/`, `validation/`, `test/`: Parquet, split **by domain** (no site in two splits):
  {counts['splits']['train']} / {counts['splits']['validation']} / {counts['splits']['test']} rows
  (asked: {' / '.join(f"{r:.0%}" for r in m['split_ratios'].values())}).{(chr(10) + '  **Note:** ' + m['split_note'] + '.') if m['split_note'] else ''}
- Columns are `<profile>__<attribute>`; nested attributes are Arrow structs and lists (objects keyed by data,
  such as colours or roles, are lists of `{{key, value}}`); class labels are `ClassLabel` indexes whose names are
  in the features above and in `manifest.json`.
- `jsonl/<split>.jsonl`: the same rows as JSON lines{_chat_line(m)}.
- `exclusions.jsonl`: every row left out, with the reason. `manifest.json`: everything below, machine-readable.
- `plots/`: attribute coverage and quality histogram (PNG).

Load this version by its own folder, `{m['functionality']}/{m['version']}` under the bundles folder:
`datasets.load_dataset("parquet", data_dir="{m['functionality']}/{m['version']}")` or `pandas.read_parquet("{m['functionality']}/{m['version']}/train")`.
Never through `latest`: `datasets` caches on the path it is given, so after a new version is published `latest`
could still return the rows of the version it saw first.

## Targets: how they are made and how right they are
{targets}

## Counts
{counts['total_urls']} URLs, {counts['successful_urls']} captured successfully, {counts['members']} in the bundle,
{counts['excluded']} excluded; average quality {counts['average_quality']} (floor {m['quality_floor']}).

Excluded:
{excluded}

## Attributes and coverage
![attribute coverage](plots/coverage.png)
![member quality](plots/quality.png)

| column | type | role | required | coverage | description |
|---|---|---|---|---|---|
{rows}

Left out because they have one value on every row:
{constant}

Values that did not have their declared type (written as null): {misfits}.

## Known biases
- Pages come only from the URLs that were registered; sites with many pages weigh more than small ones.
- Rendering is headless Chromium {m['software'].get('chromium', '')} on a desktop viewport (1280x800) unless a mobile pass was enabled.
- Attributes are extracted by heuristics and axe-core; see each profile's description for what they can miss.
- Attributes below the coverage floor: {', '.join(recs['attributes_below_coverage']) or 'none'}.

## Licence
The records describe third-party web pages. Check the licence and terms of every source site before training or
redistributing; minedag does not grant rights to the underlying content.
"""


def _type(a: dict[str, Any]) -> str:
    return f"class: {', '.join(a['classes'])}" if a.get("classes") else a["type"].replace("|", "\\|")


def _chat_line(m: dict[str, Any]) -> str:
    if not m["targets"]:
        return ""
    return (f"; `chat/<split>.jsonl`: `{{\"messages\": [...]}}` for fine-tuning\n  (features in, targets "
            f"`{', '.join(m['targets'])}` out)")


def _label_sources(labels: dict[str, dict[str, Any]]) -> str:
    """Per target: whose labels the rows carry, and for heuristics the threshold and what it keeps on new sites."""
    if not labels:
        return ""
    lines = ["", "", "Whose label each row carries (column `label_sources`): `human` (imported with `minedag labels "
             "import`), `authoritative`, `campaign`, `heuristic` (kept: its confidence reached the threshold), "
             "`abstained` (null: not sure enough), `unmeasured`.", "",
             "| target | human | authoritative | campaign | heuristic | abstained | unmeasured | threshold | cross-validated precision / coverage |",
             "|---|---|---|---|---|---|---|---|---|"]
    for target, row in labels.items():
        counts = " | ".join(str(row.get(s, 0)) for s in ("human", "authoritative", "campaign", "heuristic", "abstained", "unmeasured"))
        cv = f"{row['cv_precision']:.3f} / {row['cv_coverage']:.3f}" if "cv_precision" in row else "-"
        threshold = f"{row['threshold']:.3f}" if "threshold" in row else "-"
        lines.append(f"| `{target}` | {counts} | {threshold} | {cv} |")
    return "\n".join(lines)


def _target(name: str, column: str) -> str:
    e = target_evidence(name)
    scores = ", ".join(f"{metric} ≥ {value}" for metric, value in e["scores"].items())
    return f"- `{column}`: **{e['kind']}**: {e['how']}" + (f" (floors on real pages and fixtures: {scores})" if scores else "")
