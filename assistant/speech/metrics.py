"""Speech metrics: word error rate and latency percentiles."""

from __future__ import annotations

from collections.abc import Sequence

from rapidfuzz.distance import Levenshtein

from ..nlu import normalize

__all__ = ["edit_distance", "percentile", "word_error_rate"]


def edit_distance(reference: str, hypothesis: str) -> tuple[int, int]:
    """(word edits, reference words) between two texts, both normalised first."""
    ref, hyp = normalize(reference), normalize(hypothesis)
    return Levenshtein.distance(ref, hyp), len(ref)


def word_error_rate(references: Sequence[str], hypotheses: Sequence[str]) -> float:
    """Corpus word error rate: all edits over all reference words (0 for no reference words)."""
    edits = words = 0
    for reference, hypothesis in zip(references, hypotheses, strict=True):
        e, n = edit_distance(reference, hypothesis)
        edits += e
        words += n
    return round(edits / words, 4) if words else 0.0


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q``-th percentile (0..100) by linear interpolation, or None for no values."""
    if not values:
        return None
    data = sorted(values)
    pos = (len(data) - 1) * q / 100.0
    low = int(pos)
    high = min(low + 1, len(data) - 1)
    return data[low] + (data[high] - data[low]) * (pos - low)
