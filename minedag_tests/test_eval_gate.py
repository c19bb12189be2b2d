"""Accuracy gates on real pages written by others (../shared/corpus); floors are pinned in floors.json."""

import os
from pathlib import Path

import pytest

from minedag.evaluation import gate

pytestmark = pytest.mark.slow  # Chromium, Dagster runs, the daemon or a service: `make test-fast` leaves it out

CORPUS = Path(os.environ.get("MINEDAG_CORPUS", Path(__file__).resolve().parents[2] / "shared" / "corpus"))


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"the shared corpus is not beside the repo ({CORPUS}); the gate needs it")
def test_profiles_meet_their_pinned_floors_on_the_corpus():
    from minedag.evaluation import confidence
    from minedag.evaluation.corpus import evaluate_corpus

    scores, table = evaluate_corpus(CORPUS)
    assert set(gate.floors()) >= set(scores)
    assert not gate.check(scores), scores
    # What bundles apply is what these pages measure now (`minedag eval --corpus ... --pin` writes it).
    assert table == confidence.pinned()
    assert all(row["cross_validated"]["pages"] > 40
               for row in table.values())


def test_lowering_a_floor_needs_the_explicit_flag(tmp_path, monkeypatch):
    floors = tmp_path / "floors.json"
    floors.write_text('{"x": 0.9}')
    monkeypatch.setattr(gate, "FLOORS", floors)
    with pytest.raises(gate.BelowFloor, match="allow-lower-floor"):
        gate.pin({"x": 0.5})
    assert gate.pin({"x": 0.95}) == {"x": 0.95}
    assert gate.pin({"x": 0.5}, allow_lower=True) == {"x": 0.5}
    assert gate.check({"x": 0.4}) == ["x: 0.400 < floor 0.500"]
