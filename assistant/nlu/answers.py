"""Read one slot value out of a short follow-up answer ("a latte please", "five minutes")."""

from __future__ import annotations

from .align import Input
from .costs import FILLER_COST
from .normalize import strip_edges
from .slots import TEXT, Finder

__all__ = ["ANSWER_WORDS", "parse_answer"]

ANSWER_WORDS: frozenset[str] = frozenset(
    {
        "i",
        "would",
        "like",
        "want",
        "make",
        "it",
        "give",
        "me",
        "get",
        "how",
        "about",
        "let",
        "us",
        "go",
        "with",
        "for",
        "is",
        "that",
        "take",
        "have",
        "in",
        "on",
        "at",
        "number",
        "to",
        "will",
        "do",
        "we",
        "try",
        "said",
        "say",
        "mean",
        "then",
        "instead",
        "one",
        "from",
        "of",
        "change",
        "just",
        # a follow-up: "what about tomorrow", "and in shanghai"
        "what",
        "and",
        # a correction: "no, a mocha", "actually from luckin", "sorry, i meant a large"
        "no",
        "nope",
        "actually",
        "sorry",
        "oh",
        "wait",
        "well",
        "rather",
        "meant",
        "but",
        "now",
    }
)
"""Words around the value in an answer that cost as little as a filler word."""


def parse_answer(inp: Input, finder: Finder, threshold: float) -> str | int | None:
    """The value of ``finder``'s kind the answer holds, or None if it holds none clearly."""
    if finder is TEXT:
        words = strip_edges(inp.tokens)
        return " ".join(words) if words else None
    costs = [
        FILLER_COST if token in ANSWER_WORDS else cost
        for token, cost in zip(inp.tokens, inp.insert, strict=True)
    ]
    prefix = [0]
    for cost in costs:
        prefix.append(prefix[-1] + cost)
    best: tuple[float, int, str | int] | None = None
    for start in range(inp.n):
        for end, value, step, _ in inp.spans(finder, start, True):
            around = prefix[start] + prefix[inp.n] - prefix[end]
            norm = max(inp.n - (end - start) + 1, 1)
            score = 1.0 - (step + around) / 100.0 / norm
            rank = (score, end - start, value)
            if best is None or rank[:2] > best[:2]:
                best = rank
    if best is None or best[0] < threshold:
        return None
    return best[2]
