"""Accuracy gates: scores on pinned test sets with floors kept in ``floors.json`` (lowering one needs a flag)."""
