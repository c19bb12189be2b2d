"""Attribute discovery: a plain-words prompt -> the functionalities that fit and the attributes worth collecting.

A BM25 ranker over each functionality's description, keywords, model kinds and attribute docs (offline, no
model download). Typos are mapped to the closest known word; a prompt that fits several functionalities
gets a custom attribute list composed across profiles.
"""

from __future__ import annotations

import difflib
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from minedag.errors import MinedagError
from minedag.functionalities import Functionality, builtin_functionalities
from minedag.profiles import all_profiles

_STOP = set("""a an the to for of in on at by with and or from into my our your their i we you it is are be can could
should would will do does how what which that this these those me us train training model models build make want need
collect data dataset attributes attribute features feature learn learning predict prediction about using use page pages
website websites web site sites some any more most good best better improve improving help please get find so""".split())
_CUSTOM_RATIO = 0.75  # a second functionality this close to the first -> a multi-goal prompt: compose a custom list


class DiscoveryError(MinedagError, ValueError):
    """The prompt cannot be answered; the message says why and how to rephrase it."""


def _stem(word: str) -> str:
    for suffix in ("ations", "ation", "ings", "ing", "ities", "ity", "ies", "es", "ed", "ly", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + ("y" if suffix in ("ies", "ities") else "")
    return word


def tokens(text: str) -> list[str]:
    """Lower-cased, stemmed words without stop words, plus their bigrams (``dark_pattern``)."""
    words = [_stem(w) for w in re.findall(r"[a-z0-9]+", text.lower().replace("_", " ")) if w not in _STOP]
    return words + [f"{a}_{b}" for a, b in zip(words, words[1:], strict=False)]


@dataclass
class _Index:
    docs: dict[str, Counter[str]]
    df: Counter[str]
    avg_len: float
    vocab: set[str] = field(default_factory=set)


def _document(f: Functionality) -> Counter[str]:
    text = [f.name.replace("_", " ")] * 3 + list(f.keywords) * 3 + [f.description] * 2 + list(f.model_kinds) + list(f.model_types)
    for qualified in f.attributes + f.target_relatives():  # what decides a target says what the goal is about
        attr = f.attribute(qualified)
        text.append(f"{attr.name.replace('_', ' ')} {attr.description}")
    return Counter(t for chunk in text for t in tokens(chunk))


def _index() -> _Index:
    return _index_of(tuple(all_profiles()))


@cache
def _index_of(_profiles: tuple[str, ...]) -> _Index:
    """The BM25 index, built once per set of registered profiles (a profile's ``serves`` adds its words)."""
    docs = {f.name: _document(f) for f in builtin_functionalities()}
    df: Counter[str] = Counter()
    for doc in docs.values():
        df.update(set(doc))
    avg = sum(sum(d.values()) for d in docs.values()) / len(docs)
    return _Index(docs, df, avg, set(df))


def _bm25(query: list[str], k1: float = 1.2, b: float = 0.6) -> dict[str, float]:
    idx = _index()
    n = len(idx.docs)
    scores = {}
    for name, doc in idx.docs.items():
        length = sum(doc.values())
        score = 0.0
        for term in query:
            tf = doc.get(term, 0)
            if tf:
                idf = math.log(1 + (n - idx.df[term] + 0.5) / (idx.df[term] + 0.5))
                score += idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * length / idx.avg_len))
        scores[name] = score
    return scores


def _correct(words: list[str]) -> list[str]:
    """Map unknown words to the closest known word (typos: 'acessibility' -> 'accessibility')."""
    vocab = _index().vocab
    singles = sorted(v for v in vocab if "_" not in v)
    out = []
    for w in words:
        if w in vocab or "_" in w:
            out.append(w)
            continue
        match = difflib.get_close_matches(w, singles, n=1, cutoff=0.8)
        if match:
            out.append(match[0])
    return out


def rank(prompt: str) -> list[tuple[str, float]]:
    """Functionalities ranked for ``prompt``, best first, scores normalised to the best (0-1].

    Raises:
        DiscoveryError: empty, non-English or unmatched prompt.
    """
    text = (prompt or "").strip()
    if not text:
        raise DiscoveryError('the prompt is empty: describe what the model should do, e.g. "train an SEO model"')
    letters = [c for c in text if c.isalpha()]
    if letters and sum(1 for c in letters if not c.isascii()) / len(letters) > 0.5:
        raise DiscoveryError(f"the prompt {text[:60]!r} does not look like English; minedag's discovery understands English "
                             'prompts, e.g. "what should I collect to train an accessibility model?"')
    words = [w for w in tokens(text) if "_" not in w]
    corrected = _correct(words)
    raw = re.findall(r"[^\W\d_]+", text.lower())
    understood = sum(1 for w in raw if w in _STOP) + len(corrected)
    if len(raw) >= 3 and understood / len(raw) < 0.5:
        raise DiscoveryError(f"most words of {text[:80]!r} are unknown (is it English?); minedag's discovery understands "
                             'English prompts such as "what should I collect to train an accessibility model?"')
    query = corrected + [f"{a}_{b}" for a, b in zip(corrected, corrected[1:], strict=False)]
    scores = _bm25(query)
    best = max(scores.values(), default=0.0)
    if best <= 0:
        raise DiscoveryError(f"nothing in {text[:80]!r} matches a functionality minedag knows; name the goal, e.g. SEO, "
                             "accessibility, performance, design system, components, workflows, UX patterns or database schema")
    return sorted(((name, round(score / best, 3)) for name, score in scores.items() if score > 0), key=lambda kv: -kv[1])


def discover(prompt: str, top: int = 3, coverage: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """The answer for ``prompt`` as a JSON-ready dict (the schema of ``minedag discover --json``).

    Args:
        prompt: what the user wants to train, in plain words.
        top: how many functionalities to return.
        coverage: ``{"profile.attribute": {"coverage": float, "samples": [...]}}``; ``None`` reads the latest
            bundles (then the store, for attributes no bundle holds).
    """
    ranked = rank(prompt)
    if coverage is None:
        coverage = current_coverage()
    custom = len(ranked) > 1 and ranked[1][1] >= _CUSTOM_RATIO
    result: dict[str, Any] = {"prompt": prompt, "custom": custom,
                              "functionalities": [describe(name, score, coverage) for name, score in ranked[:top]]}
    if custom:
        result["custom_attributes"] = _compose(prompt, ranked, coverage)
        result["note"] = ("no single functionality fits this prompt; custom_attributes combines the most relevant "
                          f"attributes of {', '.join(n for n, s in ranked if s >= _CUSTOM_RATIO)}")
    return result


def describe(name: str, score: float = 1.0, coverage: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """One functionality as ``discover`` lists it: model types, kinds and every attribute with its coverage.

    Raises:
        KeyError: no functionality is called ``name``.
    """
    by_name = {f.name: f for f in builtin_functionalities()}
    if name not in by_name:
        raise KeyError(f"unknown functionality {name!r}; choose one of {sorted(by_name)}")
    f, coverage = by_name[name], current_coverage() if coverage is None else coverage
    return {"name": name, "score": score, "description": f.description, "model_types": list(f.model_types),
            "model_kinds": list(f.model_kinds), "min_quality": f.min_quality,
            "attributes": [_attribute(f, q, coverage, required=q in f.required, target=q in f.targets) for q in f.attributes]}


def _attribute(f: Functionality, qualified: str, coverage: dict[str, dict[str, Any]], *, required: bool, target: bool) -> dict[str, Any]:
    attr = f.attribute(qualified)
    known = coverage.get(qualified)
    why = ("what a model for {} learns to predict" if target else
           "required input: every training row of {} must have it" if required else "optional input that adds signal for {}")
    return {"name": qualified, "type": attr.type_name, "description": attr.description, "required": required,
            "role": "target" if target else "input", "why": why.format(f.name.replace("_", " ")),
            "coverage": known["coverage"] if known else None, "samples": known["samples"] if known else [],
            "status": known.get("source", "mined") if known else "not mined yet"}


def _compose(prompt: str, ranked: list[tuple[str, float]], coverage: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Attributes across functionalities, scored by the functionality's fit plus word overlap with the prompt."""
    query = set(_correct([w for w in tokens(prompt) if "_" not in w]))
    by_name = {f.name: f for f in builtin_functionalities()}
    scores: dict[str, float] = {}
    owner: dict[str, Functionality] = {}
    for name, fit in ranked:
        if fit < 0.3:
            continue
        f = by_name[name]
        for q in f.attributes:
            attr = f.attribute(q)
            overlap = len(query & set(tokens(f"{attr.name.replace('_', ' ')} {attr.description}")))
            scores[q] = max(scores.get(q, 0.0), fit + overlap + (0.5 if q in f.required else 0.0))
            owner.setdefault(q, f)
    best = sorted(scores, key=lambda q: -scores[q])[:15]
    return [_attribute(owner[q], q, coverage, required=q in owner[q].required, target=q in owner[q].targets) | {"relevance": round(scores[q], 2)}
            for q in best]


def current_coverage() -> dict[str, dict[str, Any]]:
    """Coverage and sample values per attribute: from the latest published bundles first, then from the
    records in the store for attributes no bundle holds yet (empty when nothing was mined)."""
    from minedag.attribute_stats import attribute_stats
    from minedag.settings import bundles_dir, store_dir
    from minedag.store import Store

    out: dict[str, dict[str, Any]] = {}
    for f in builtin_functionalities():
        out.update({k: v for k, v in bundle_coverage(bundles_dir(), f.name).items() if k not in out})
    for name, stats in attribute_stats(Store(store_dir())).items():
        out.setdefault(name, stats | {"source": "records (not in a published bundle yet)"})
    return out


def bundle_coverage(root: Any, functionality: str, samples: int = 2) -> dict[str, dict[str, Any]]:
    """``{"profile.attribute": {"coverage", "samples", "source"}}`` from the latest bundle of ``functionality``."""
    import json

    import pandas as pd

    from minedag.bundles.publish import latest_version

    version = latest_version(root, functionality)
    if version is None:
        return {}
    folder = root / functionality / version
    manifest = json.loads((folder / "manifest.json").read_text())
    constant = manifest.get("columns", {}).get("constant_columns", {})
    written = [a for a in manifest["attributes"] if a.get("column", a["name"]) not in constant]
    train = pd.read_parquet(folder / "train", columns=[a.get("column", a["name"]) for a in written])
    out = {}
    for attr in written:
        values = [v for v in train[attr.get("column", attr["name"])].tolist()
                  if v is not None and not (isinstance(v, float) and math.isnan(v))]
        shown = [v if isinstance(v, str) else json.dumps(v.tolist() if hasattr(v, "tolist") else v, default=str) for v in values[:samples]]
        out[attr["name"]] = {"coverage": attr["coverage"], "samples": [v[:120] for v in shown],
                             "source": f"bundle {functionality}/{version}"}
    return out
