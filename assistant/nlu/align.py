"""Align input tokens with a template graph: an exact walk, or a tolerant edit-cost search.

The search is a dynamic programme over (input position, graph state). Its cost grows with the
input length times the template's graph size, never with the number of sentences the
template can produce. Costs are integers in hundredths of a word edit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .costs import FILLER_COST, MISSING_SLOT_COST, insert_costs, word_cost
from .graph import Graph
from .slots import Finder, ListFinder, Span

__all__ = ["Alignment", "Input", "align", "confidence"]

_Back = tuple[int, int, "tuple[str, str | int] | None"] | None
_Cell = tuple[int, int, int, int, int, int, _Back]
"""(sort key, cost, literal words, text tokens, units, text slots, back pointer)."""


class Input:
    """One utterance's tokens, with per-position costs and a cache of slot spans."""

    __slots__ = ("_cover", "_covered", "_spans", "_union", "insert", "known", "n", "tokens")

    def __init__(self, tokens: Sequence[str], known: frozenset[str]) -> None:
        self.tokens = tuple(tokens)
        self.n = len(self.tokens)
        self.known = known
        self.insert = insert_costs(self.tokens)
        self._spans: dict[tuple[int, int, bool], list[Span]] = {}
        self._cover: dict[int, frozenset[int]] = {}
        self._covered = False
        self._union: dict[tuple[ListFinder, ...], frozenset[int]] = {}

    def set_covers(self, covers: dict[int, frozenset[int]]) -> None:
        """What every list covers, by ``id`` of its finder; lists left out cover nothing."""
        self._cover = covers
        self._covered = True

    def covered_by_any(self) -> frozenset[int]:
        """Positions inside a value of any list, spoken exactly, split or joined.

        Only once :meth:`set_covers` has told what every list covers.
        """
        return frozenset().union(*self._cover.values())

    def joined_cover(self, finder: ListFinder) -> frozenset[int]:
        """Positions inside a list value spoken exactly, split or joined (cached)."""
        found = self._cover.get(id(finder))
        if found is None:
            found = frozenset() if self._covered else frozenset(finder.cover(self.tokens))
            self._cover[id(finder)] = found
        return found

    def covered(self, lists: tuple[ListFinder, ...]) -> frozenset[int]:
        """Positions inside a value of any of ``lists`` spoken exactly, split or joined."""
        found = self._union.get(lists)
        if found is None:
            found = frozenset().union(*(self.joined_cover(finder) for finder in lists))
            self._union[lists] = found
        return found

    def spans(self, finder: Finder, start: int, tolerant: bool) -> list[Span]:
        """Slot values starting at ``start`` (cached per finder, position and mode)."""
        key = (id(finder), start, tolerant)
        found = self._spans.get(key)
        if found is None:
            found = finder.spans(self.tokens, start, tolerant, self.known)
            self._spans[key] = found
        return found


@dataclass(frozen=True, slots=True)
class Alignment:
    """The cheapest way a template explains the input."""

    cost: int
    literal: int
    text_tokens: int
    units: int
    text_slots: int
    slots: dict[str, str | int]
    spans: dict[str, tuple[int, int]]
    """Where each slot's value lies in the input, as (start, end) token positions."""


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
    rest: Sequence[int] | None = None,
) -> Alignment | None:
    """The best alignment whose cost stays within ``budget``, or None.

    Without ``tolerant`` only exact words (plural forms, digits and swapped articles
    included), exact slot values, and skipped filler words and articles are allowed; with it,
    any input word may be skipped, template words and slots left out, and words read
    fuzzily, each at a cost. States are visited in topological order and,
    within a state, positions in increasing order, so every cell is final when it is read.
    ``rest[i]``, if given, is a lower bound on what reading input tokens ``i..`` costs: a
    cell whose cost plus that bound exceeds the budget is dropped (it cannot finish within
    it), which leaves the result unchanged.
    """
    n, tokens, insert = inp.n, inp.tokens, inp.insert
    final = graph.final
    # cap[j]: the most a cell at input position j may cost and still finish within budget.
    cap = [budget] * (n + 1) if rest is None else [budget - r for r in rest]
    table: list[dict[int, _Cell] | None] = [None] * (final + 1)
    table[0] = {0: (0, 0, 0, 0, 0, 0, None)}
    all_eps, all_words, all_slots = graph.eps, graph.words, graph.slots

    for s in range(final + 1):
        column = table[s]
        if column is None:
            continue
        eps_s, words_s, slots_s = all_eps[s], all_words[s], all_slots[s]
        for i in range(min(column), n + 1):
            cell = column.get(i)  # type: ignore[assignment]
            if cell is None:
                continue
            key0, cost, lit, text, units, tslots, _ = cell
            here: _Back = (i, s, None)
            if i < n and (tolerant or insert[i] <= FILLER_COST):
                new = cost + insert[i]
                if new <= cap[i + 1]:
                    old = column.get(i + 1)
                    key = new * _K - lit * 1000 + text
                    if old is None or key < old[0]:
                        column[i + 1] = (key, new, lit, text, units, tslots, here)
            if eps_s:
                moved = (key0, cost, lit, text, units, tslots, here)
                for t in eps_s:
                    target = table[t]
                    if target is None:
                        table[t] = {i: moved}
                    else:
                        old = target.get(i)
                        if old is None or key0 < old[0]:
                            target[i] = moved
            token = tokens[i] if i < n else None
            for word, t, delete in words_s:
                if token is not None:
                    step = 0 if token == word else word_cost(token, word, tolerant)
                    if step is not None and cost + step <= cap[i + 1]:
                        new = cost + step
                        key = new * _K - (lit + 1) * 1000 + text
                        target = table[t]
                        if target is None:
                            table[t] = {i + 1: (key, new, lit + 1, text, units + 1, tslots, here)}
                        else:
                            old = target.get(i + 1)
                            if old is None or key < old[0]:
                                target[i + 1] = (key, new, lit + 1, text, units + 1, tslots, here)
                if (tolerant or delete <= FILLER_COST) and cost + delete <= cap[i]:
                    new = cost + delete
                    key = new * _K - lit * 1000 + text
                    target = table[t]
                    if target is None:
                        table[t] = {i: (key, new, lit, text, units + 1, tslots, here)}
                    else:
                        old = target.get(i)
                        if old is None or key < old[0]:
                            target[i] = (key, new, lit, text, units + 1, tslots, here)
            for name, t in slots_s:
                if token is not None:
                    for end, value, step, taken in inp.spans(finders[name], i, tolerant):
                        new = cost + step
                        if new <= cap[end]:
                            key = new * _K - lit * 1000 + text + taken
                            _put(
                                table,
                                t,
                                end,
                                (
                                    key,
                                    new,
                                    lit,
                                    text + taken,
                                    units + 1,
                                    tslots + (1 if taken else 0),
                                    (i, s, (name, value)),
                                ),
                            )
                if tolerant and cost + MISSING_SLOT_COST <= cap[i]:
                    new = cost + MISSING_SLOT_COST
                    _put(
                        table,
                        t,
                        i,
                        (new * _K - lit * 1000 + text, new, lit, text, units + 1, tslots, here),
                    )
    last = table[final]
    found = last.get(n) if last is not None else None
    if found is None:
        return None
    cell = found
    slots, spans = _collect_slots(table, cell, n)
    return Alignment(
        cost=cell[1],
        literal=cell[2],
        text_tokens=cell[3],
        units=cell[4],
        text_slots=cell[5],
        slots=slots,
        spans=spans,
    )


def _put(table: list[dict[int, _Cell] | None], t: int, j: int, cell: _Cell) -> None:
    """Keep ``cell`` at state ``t``, position ``j`` if it sorts before what is there."""
    column = table[t]
    if column is None:
        table[t] = {j: cell}
        return
    old = column.get(j)
    if old is None or cell[0] < old[0]:
        column[j] = cell


_K = 1_000_000
"""Sort key: lower cost first, then more literal words, then fewer text tokens."""


def _collect_slots(
    table: list[dict[int, _Cell] | None], cell: _Cell, end: int
) -> tuple[dict[str, str | int], dict[str, tuple[int, int]]]:
    """Slot values along the back pointers, and where each lies; a slot bound twice keeps
    its last value. ``cell`` is the last cell, at input position ``end``."""
    slots: dict[str, str | int] = {}
    spans: dict[str, tuple[int, int]] = {}
    back = cell[6]
    while back is not None:
        i, s, binding = back
        if binding is not None and binding[0] not in slots:
            slots[binding[0]] = binding[1]
            spans[binding[0]] = (i, end)
        column = table[s]
        previous = column.get(i) if column is not None else None
        back = previous[6] if previous is not None else None
        end = i
    return dict(reversed(list(slots.items()))), spans
