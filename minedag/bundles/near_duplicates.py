"""Near-duplicate pages: MinHash signatures of the main text's word shingles, candidates from LSH (datasketch).

Exact copies share a content hash; these are pages whose main text is almost the same (a syndicated article,
a printer-friendly view, a listing page with one item changed), which would put the same example in a bundle
twice or, worse, on both sides of a split.
"""

from __future__ import annotations

import re

SHINGLE_WORDS = 5
PERMUTATIONS = 128
MIN_WORDS = 50  # shorter texts share too little to call them copies (and say little as examples)
_WORD = re.compile(r"\w+")


def near_duplicates(texts: dict[str, str | None], threshold: float) -> dict[str, tuple[str, float]]:
    """URL -> (the URL whose main text it nearly duplicates, estimated Jaccard similarity of their shingles).

    URLs are visited in sorted order and the first of a group stays, so the same texts give the same answer.
    """
    from datasketch import MinHash, MinHashLSH

    index = MinHashLSH(threshold=threshold, num_perm=PERMUTATIONS)
    kept: dict[str, MinHash] = {}
    found: dict[str, tuple[str, float]] = {}
    for url in sorted(texts):
        words = _WORD.findall((texts[url] or "").casefold())
        if len(words) < MIN_WORDS:
            continue
        signature = MinHash(num_perm=PERMUTATIONS)
        signature.update_batch(" ".join(words[i : i + SHINGLE_WORDS]).encode() for i in range(len(words) - SHINGLE_WORDS + 1))
        matches = sorted((-signature.jaccard(kept[other]), other) for other in index.query(signature))
        if matches and -matches[0][0] >= threshold:
            found[url] = (matches[0][1], round(-matches[0][0], 3))
            continue
        index.insert(url, signature)
        kept[url] = signature
    return found
