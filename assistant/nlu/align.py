"""Align input tokens with a template graph: an exact walk, or a tolerant edit-cost search.

The search is a dynamic programme over (input position, graph state). Its cost grows with the
input length times the template's graph size, never with the number of sentences the
template can produce. Costs are integers in hundredths of a word edit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from heapq import heapify, heappop, heappush

from rapidfuzz import fuzz

from .graph import Graph
from .normalize import ARTICLES, FILLER_PAIRS, FILLERS, singulars
from .numbers import parse_number
from .slots import PLURAL_COST, Finder, Span

__all__ = ["Alignment", "Input", "align", "confidence"]

WORD_COST = 100
ARTICLE_COST = 10
FILLER_COST = 15
MISSING_SLOT_COST = 100
_FUZZY_CUTOFF = 75.0

_Back = tuple[int, int, "tuple[str, str | int] | None"] | None
_Cell = tuple[int, int, int, int, int, int, _Back]
"""(sort key, cost, literal words, text tokens, units, text slots, back pointer)."""


class Input:
    """One utterance's tokens, with per-position costs and a cache of slot spans."""

    __slots__ = ("_spans", "insert", "known", "n", "tokens")

    def __init__(self, tokens: Sequence[str], known: frozenset[str]) -> None:
        self.tokens = tuple(tokens)
        self.n = len(self.tokens)
        self.known = known
        self.insert = _insert_costs(self.tokens)
        self._spans: dict[tuple[int, int, bool], list[Span]] = {}

    def spans(self, finder: Finder, start: int, tolerant: bool) -> list[Span]:
        """Slot values starting at ``start`` (cached per finder, position and mode)."""
        key = (id(finder), start, tolerant)
        found = self._spans.get(key)
        if found is None:
            found = finder.spans(self.tokens, start, tolerant, self.known)
            self._spans[key] = found
        return found


def _insert_costs(tokens: tuple[str, ...]) -> list[int]:
    """What skipping each input token costs: little for fillers and articles."""
    costs: list[int] = []
    for i, token in enumerate(tokens):
        if token in FILLERS:
            costs.append(FILLER_COST)
        elif (i + 1 < len(tokens) and (token, tokens[i + 1]) in FILLER_PAIRS) or (
            i > 0 and (tokens[i - 1], token) in FILLER_PAIRS
        ):
            costs.append(FILLER_COST)
        elif token in ARTICLES:
            costs.append(ARTICLE_COST)
        else:
            costs.append(WORD_COST)
    return costs


@lru_cache(maxsize=65536)
def word_cost(token: str, word: str, tolerant: bool) -> int | None:
    """Cost of reading input ``token`` as template ``word``; None if it cannot be."""
    if token == word:
        return 0
    if word in singulars(token) or token in singulars(word):
        return PLURAL_COST
    if token.isdigit() and token.isascii() and parse_number([word]) == int(token):
        return PLURAL_COST
    if not tolerant:
        return None
    if token in ARTICLES and word in ARTICLES:
        return ARTICLE_COST
    if len(word) >= 3 and len(token) >= 3 and token.isalpha() and word.isalpha():
        score = fuzz.ratio(token, word, score_cutoff=_FUZZY_CUTOFF)
        if score:
            return 20 + int((100.0 - score) * 2.5)
    return None


def _delete_cost(word: str) -> int:
    if word in ARTICLES:
        return ARTICLE_COST
    if word in FILLERS:
        return FILLER_COST
    return WORD_COST


@dataclass(frozen=True, slots=True)
class Alignment:
    """The cheapest way a template explains the input."""

    cost: int
    literal: int
    text_tokens: int
    units: int
    text_slots: int
    slots: dict[str, str | int]


def confidence(alignment: Alignment, n_tokens: int) -> float:
    """1.0 for an exact literal match, less per edit; text slots lower it with their share."""
    norm = max(n_tokens - alignment.text_tokens + alignment.text_slots, alignment.units, 1)
    score = max(0.0, 1.0 - alignment.cost / 100.0 / norm)
    if alignment.text_tokens:
        score *= 0.95 - 0.25 * alignment.text_tokens / max(n_tokens, 1)
    return score


def align(
    graph: Graph,
    inp: Input,
    finders: Mapping[str, Finder],
    *,
    tolerant: bool,
    budget: int,
) -> Alignment | None:
    """The best alignment whose cost stays within ``budget``, or None.

    Without ``tolerant`` only exact words (plural forms and digits included) and exact slot
    values are allowed; with it, input words may be skipped, template words and slots left
    out, and words read fuzzily, each at a cost.
    """
    n, tokens, insert = inp.n, inp.tokens, inp.insert
    rows: list[dict[int, _Cell]] = [{} for _ in range(n + 1)]
    rows[0][0] = (0, 0, 0, 0, 0, 0, None)
    eps, words, slot_edges = graph.eps, graph.words, graph.slots
    pending: list[int] = []

    def relax(j: int, t: int, cell: _Cell) -> None:
        row = rows[j]
        old = row.get(t)
        if old is None or cell[0] < old[0]:
            row[t] = cell
            if j == i:
                heappush(pending, t)

    for i in range(n + 1):
        row = rows[i]
        if not row:
            continue
        pending[:] = list(row)
        heapify(pending)
        done: set[int] = set()
        token = tokens[i] if i < n else None
        while pending:
            s = heappop(pending)
            if s in done:
                continue
            done.add(s)
            _, cost, lit, text, units, tslots, _ = row[s]
            here: _Back = (i, s, None)
            for t in eps[s]:
                relax(i, t, (row[s][0], cost, lit, text, units, tslots, here))
            for word, t in words[s]:
                if token is not None:
                    step = word_cost(token, word, tolerant)
                    if step is not None and cost + step <= budget:
                        new = cost + step
                        key = _key(new, lit + 1, text)
                        relax(i + 1, t, (key, new, lit + 1, text, units + 1, tslots, here))
                if tolerant and cost + _delete_cost(word) <= budget:
                    new = cost + _delete_cost(word)
                    relax(i, t, (_key(new, lit, text), new, lit, text, units + 1, tslots, here))
            for name, t in slot_edges[s]:
                if token is not None:
                    for end, value, step, taken in inp.spans(finders[name], i, tolerant):
                        new = cost + step
                        if new <= budget:
                            back = (i, s, (name, value))
                            key = _key(new, lit, text + taken)
                            cell = (key, new, lit, text + taken, units + 1,
                                    tslots + (1 if taken else 0), back)
                            relax(end, t, cell)
                if tolerant and cost + MISSING_SLOT_COST <= budget:
                    new = cost + MISSING_SLOT_COST
                    relax(i, t, (_key(new, lit, text), new, lit, text, units + 1, tslots, here))
            if tolerant and token is not None and cost + insert[i] <= budget:
                new = cost + insert[i]
                relax(i + 1, s, (_key(new, lit, text), new, lit, text, units, tslots, here))
    final = rows[n].get(graph.final)
    if final is None:
        return None
    return Alignment(
        cost=final[1],
        literal=final[2],
        text_tokens=final[3],
        units=final[4],
        text_slots=final[5],
        slots=_collect_slots(rows, final),
    )


def _key(cost: int, literal: int, text: int) -> int:
    """Sort key: lower cost first, then more literal words, then fewer text tokens."""
    return cost * 1_000_000 - literal * 1_000 + text


def _collect_slots(rows: list[dict[int, _Cell]], cell: _Cell) -> dict[str, str | int]:
    """Slot values along the back pointers; a slot bound twice keeps its last value."""
    slots: dict[str, str | int] = {}
    back = cell[6]
    while back is not None:
        i, s, binding = back
        if binding is not None and binding[0] not in slots:
            slots[binding[0]] = binding[1]
        back = rows[i][s][6]
    return dict(reversed(list(slots.items())))
