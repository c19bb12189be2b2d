"""Train a baseline on a published minedag bundle and compare it with a trivial one on the test split.

    pip install 'minedag[examples]'     # scikit-learn
    python examples/train_baseline.py data/bundles/ux_pattern_recognition/latest [--target COLUMN]

Only the bundle's declared inputs feed the model (manifest ``attributes`` with role ``input``) and only a
declared target is predicted. Nested values are flattened into named features (struct fields, ``{key, value}``
entries, list items), long text into word counts; images are left to a vision model.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from pathlib import Path
from typing import Any

import pandas as pd

_WORD = re.compile(r"\w+")


def features(prefix: str, value: Any, out: dict[str, float]) -> None:
    """Add ``value``'s features under ``prefix`` to ``out`` (numbers add up when a list repeats a name)."""
    if value is None or isinstance(value, bytes) or (isinstance(value, float) and math.isnan(value)):
        return
    if hasattr(value, "tolist"):  # numpy arrays and scalars from pandas
        value = value.tolist()
    if isinstance(value, bool | int | float):
        out[prefix] = out.get(prefix, 0.0) + float(value)
    elif isinstance(value, str):
        if len(value) <= 64:
            out[f"{prefix}={value}"] = 1.0
        else:
            for word in _WORD.findall(value.casefold())[:500]:
                out[f"{prefix}~{word}"] = out.get(f"{prefix}~{word}", 0.0) + 1.0
    elif isinstance(value, dict):
        if set(value) == {"bytes", "path"}:  # an image
            return
        if set(value) == {"key", "value"}:
            features(f"{prefix}.{value['key']}", value["value"], out)
            return
        for key, inner in value.items():
            features(f"{prefix}.{key}", inner, out)
    elif isinstance(value, list | tuple):
        out[f"{prefix}#len"] = float(len(value))
        for item in value:
            features(prefix if isinstance(item, dict) else f"{prefix}[]", item, out)


def load(bundle: Path) -> tuple[dict[str, Any], dict[str, pd.DataFrame]]:
    manifest = json.loads((bundle / "manifest.json").read_text())
    return manifest, {split: pd.read_parquet(bundle / split) for split in ("train", "validation", "test")}


def train(bundle: Path, target: str | None = None) -> dict[str, Any]:
    """Fit a random forest on train (+validation) and score it and a trivial baseline on test."""
    from sklearn.dummy import DummyClassifier, DummyRegressor
    from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.metrics import accuracy_score, mean_absolute_error

    manifest, splits = load(bundle)
    constant = manifest.get("columns", {}).get("constant_columns", {})
    inputs = [a["column"] for a in manifest["attributes"] if a["role"] == "input" and a["column"] not in constant]
    targets = [a["column"] for a in manifest["attributes"] if a["role"] == "target"]
    if not targets:
        raise SystemExit(f"{manifest['functionality']} has no measured target yet (its card says why): nothing to predict")
    target = target or next((t for t in targets if _scalar(splits["train"][t])), targets[0])
    if target not in targets:
        raise SystemExit(f"{target!r} is not a declared target of this bundle; targets: {targets}")
    fit = pd.concat([splits["train"], splits["validation"]]).dropna(subset=[target])
    test = splits["test"].dropna(subset=[target])
    if fit.empty or test.empty:
        raise SystemExit(f"not enough rows with {target}: {len(fit)} to train, {len(test)} to test")

    def rows(frame: pd.DataFrame) -> list[dict[str, float]]:
        out = []
        for record in frame[inputs].to_dict("records"):
            row: dict[str, float] = {}
            for column, value in record.items():
                features(column, value, row)
            out.append(row)
        return out

    vectorizer = DictVectorizer()
    x_fit, x_test = vectorizer.fit_transform(rows(fit)), vectorizer.transform(rows(test))
    y_fit, y_test = fit[target].tolist(), test[target].tolist()
    numeric = pd.api.types.is_float_dtype(fit[target]) or (pd.api.types.is_integer_dtype(fit[target])
                                                           and not _is_class(manifest, target))
    if not _scalar(fit[target]):  # a struct of flags or a list of labels: one output per flag or label
        names = sorted({n for v in y_fit + y_test for n in _outputs(v)})
        if not names:
            raise SystemExit(f"{target} is a structure to generate, not labels or numbers: this tabular baseline does not apply")
        y_fit, y_test = ([[_outputs(v).get(n, "absent") for n in names] for v in ys] for ys in (y_fit, y_test))
    if numeric:
        model, trivial, metric, name = (RandomForestRegressor(n_estimators=200, random_state=0), DummyRegressor(),
                                        mean_absolute_error, "mean absolute error (lower is better)")
    else:
        model, trivial, metric, name = (RandomForestClassifier(n_estimators=200, random_state=0),
                                        DummyClassifier(strategy="most_frequent"), accuracy_score, "accuracy")
    scores = {}
    for label, estimator in (("model", model), ("trivial", trivial)):
        estimator.fit(x_fit, y_fit)
        predicted = estimator.predict(x_test)
        if isinstance(y_test[0], list):  # several outputs: the mean of their accuracies
            columns = list(zip(*y_test, strict=True))
            scores[label] = round(sum(metric(list(c), [str(x) for x in predicted[:, i]]) for i, c in enumerate(columns)) / len(columns), 4)
        else:
            scores[label] = round(float(metric(y_test, predicted)), 4)
    better = scores["model"] < scores["trivial"] if numeric else scores["model"] > scores["trivial"]
    return {"bundle": manifest["functionality"], "version": manifest["version"], "target": target, "metric": name,
            "features": len(vectorizer.feature_names_), "train_rows": len(fit), "test_rows": len(test), **scores,
            "beats_trivial": bool(better)}


def _outputs(value: Any) -> dict[str, str]:
    """A structured target as named outputs: a struct's fields, or one yes/no per label of a list."""
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, dict):
        return {k: str(v) for k, v in value.items() if isinstance(v, bool | int | str) or v is None}
    if isinstance(value, list):
        return {str(v): "yes" for v in value if isinstance(v, int | str)}
    return {}


def _scalar(column: pd.Series) -> bool:
    sample = column.dropna()
    return not sample.empty and not isinstance(sample.iloc[0], dict | list) and not hasattr(sample.iloc[0], "__len__")


def _is_class(manifest: dict[str, Any], column: str) -> bool:
    return any(a["column"] == column and a.get("classes") for a in manifest["attributes"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("bundle", type=Path, help="a bundle version folder, e.g. data/bundles/<functionality>/latest")
    parser.add_argument("--target", help="a declared target column (default: the first scalar target)")
    args = parser.parse_args()
    result = train(args.bundle, args.target)
    print(f"{result['bundle']} {result['version']}: predict {result['target']} from {result['features']} features "
          f"({result['train_rows']} train rows, {result['test_rows']} test rows)")
    print(f"  {result['metric']}: model {result['model']}, trivial baseline {result['trivial']}"
          f" -> {'beats' if result['beats_trivial'] else 'does not beat'} the trivial baseline")
    return 0


if __name__ == "__main__":
    sys.exit(main())
