"""Slot value finders: where a slot value can start and end in the input, and what it means.

Costs are in hundredths of a word edit: 0 is an exact value, 100 is as bad as a wrong word.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from functools import lru_cache
from typing import Protocol

from rapidfuzz import fuzz, process

from ..skill import SlotList
from .costs import FUZZY_WORD_COST, HOMOPHONE_COST, JOIN_COST, PLURAL_COST, SPELT_COST
from .normalize import normalize, singulars, strip_edges
from .numbers import (
    DAY_WORDS,
    DURATION_WORDS,
    NUMBER_STARTS,
    NUMBER_WORDS,
    parse_day,
    parse_duration,
    parse_number,
)
from .spelling import (
    DURATION_HOMOPHONE_STARTS,
    HOMOPHONE_STARTS,
    letter_of,
    near_unit,
    number_readings,
)

__all__ = [
    "DAY",
    "DURATION",
    "NUMBER",
    "TEXT",
    "Finder",
    "ListFinder",
    "Span",
    "fuzzy_cost",
    "fuzzy_queries",
    "spelt_readings",
]

Span = tuple[int, "str | int", int, int]
"""(end position, value, cost, tokens taken by a text slot)."""

_Best = dict[int, tuple[int, str]]
"""The cheapest value found so far for each end position, as (cost, value)."""

_MAX_JOIN = 3
_MAX_TEXT = 12
_FUZZY_MIN_LEN = 4
_MAX_SPELT = 6
_HEAD = 4
_NEAREST_CACHE = 4096


class Finder(Protocol):
    """Finds the values of one kind of slot starting at a position."""

    def spans(
        self, tokens: Sequence[str], start: int, tolerant: bool, known: frozenset[str]
    ) -> list[Span]:
        """Every value starting at ``start``; ``tolerant`` allows fuzzy values."""
        ...

    def words(self) -> frozenset[str]:
        """Every word a value of this kind can be spoken with (list values also joined)."""
        ...


class ListFinder:
    """Spoken forms of a value list in a prefix table, a joined-form table and a fuzzy index.

    The prefix table maps every token prefix of a spoken form ("hong", "hong kong") to its
    value, or to None when the prefix is not itself a form; plain strings keep the tables
    out of the garbage collector's way however long the lists are.
    """

    def __init__(self, slot_list: SlotList) -> None:
        self.prefixes: dict[str, str | None] = {}
        self.joined: dict[str, str] = {}
        self.tokens: set[str] = set()
        forms: list[str] = []
        for form, canonical in slot_list.spoken_forms().items():
            tokens = normalize(form)
            if not tokens:
                continue
            for size in range(1, len(tokens)):
                self.prefixes.setdefault(" ".join(tokens[:size]), None)
            spoken = " ".join(tokens)
            if self.prefixes.get(spoken) is None:
                self.prefixes[spoken] = canonical
            self.joined.setdefault("".join(tokens), canonical)
            self.tokens.update(tokens)
            forms.append(spoken)
        self.forms: tuple[str, ...] = tuple(forms)
        self.vocabulary = frozenset(self.tokens | set(self.joined))
        joined = list(self.joined)  # in the order the forms were declared
        order = sorted(range(len(joined)), key=lambda i: len(joined[i]))
        self._fuzzy_keys = [joined[i] for i in order]
        """The joined forms, shortest first: a query compares only with those whose length
        allows the cutoff."""
        self._key_lengths = [len(key) for key in self._fuzzy_keys]
        self._key_order = order
        """Where each key comes in the list: of two keys as close, the earlier one wins."""
        self._heads = frozenset(key[:size] for key in self.joined for size in range(1, _HEAD + 1))
        """The first letters of joined forms: a value read exactly begins with one."""
        self.nearest = lru_cache(maxsize=_NEAREST_CACHE)(self._nearest_uncached)
        """The value whose joined form is closest to a spelling, if close enough (cached)."""

    def words(self) -> frozenset[str]:
        return self.vocabulary

    def spans(
        self, tokens: Sequence[str], start: int, tolerant: bool, known: frozenset[str]
    ) -> list[Span]:
        best: dict[int, tuple[int, str]] = {}
        first = tokens[start]
        heads = self._heads
        begins = first[:_HEAD] in heads or (
            first[-1:] == "s" and any(s[:_HEAD] in heads for s in singulars(first))
        )
        if begins:
            self._spoken(tokens, start, best)
        self._spelt(tokens, start, best)
        if tolerant and not first.isdigit():
            self._fuzzy(tokens, start, known, best)
        return [(end, value, cost, 0) for end, (cost, value) in best.items()]

    def _spoken(self, tokens: Sequence[str], start: int, best: _Best) -> None:
        """Values spoken word by word (plurals allowed), split or joined."""
        prefixes, joins = self.prefixes, self.joined
        frontier: list[tuple[str, int]] = [("", 0)]
        end, n = start, len(tokens)
        while frontier and end < n:
            token = tokens[end]
            end += 1
            plural = token[-1] == "s"
            advanced: list[tuple[str, int]] = []
            for prefix, cost in frontier:
                head = prefix + " " if prefix else ""
                form = head + token
                if form in prefixes:
                    advanced.append((form, cost))
                if plural:
                    for singular in singulars(token):
                        if head + singular in prefixes:
                            advanced.append((head + singular, cost + PLURAL_COST))
            for prefix, cost in advanced:
                value = prefixes[prefix]
                if value is not None:
                    _offer(best, end, value, cost)
            frontier = advanced
        joined = ""
        for end in range(start, min(start + _MAX_JOIN, n)):
            joined += tokens[end]
            value = joins.get(joined)
            if value is not None:
                _offer(best, end + 1, value, JOIN_COST)
            if joined[-1] == "s":
                for singular in singulars(joined):
                    value = joins.get(singular)
                    if value is not None:
                        _offer(best, end + 1, value, JOIN_COST + PLURAL_COST)

    def cover(self, tokens: Sequence[str]) -> set[int]:
        """Positions inside a value spoken exactly, split or joined (no fuzzy reading)."""
        covered: set[int] = set()
        for start in range(len(tokens)):
            for end, _, _, _ in self.spans(tokens, start, False, frozenset()):
                covered.update(range(start, end))
        return covered

    def _spelt(self, tokens: Sequence[str], start: int, best: _Best) -> None:
        """Values spelt out letter by letter ("kay ef see", "ess ef express")."""
        for end, text in spelt_readings(tokens, start):
            value = self.joined.get(text)
            if value is not None:
                _offer(best, end, value, SPELT_COST)

    def _fuzzy(self, tokens: Sequence[str], start: int, known: frozenset[str], best: _Best) -> None:
        """Values within a small spelling distance of 1..3 joined tokens, one of them unknown."""
        for size, query in fuzzy_queries(tokens, start, known):
            found = self.nearest(query)
            if found is not None:
                _offer(best, start + size, found[0], fuzzy_cost(found[1], size))

    def _nearest_uncached(self, query: str) -> tuple[str, float] | None:
        """The value whose joined form is closest to ``query``, if close enough."""
        cutoff = 80.0 if len(query) < 8 else 72.0
        # fuzz.ratio is at most 2·min(q, k) / (q + k) for lengths q and k: only keys of
        # lengths within these bounds can reach the cutoff.
        share = cutoff / 100.0
        shortest = math.ceil(len(query) * share / (2.0 - share) - 1e-9)
        longest = math.floor(len(query) * (2.0 - share) / share + 1e-9)
        start = bisect.bisect_left(self._key_lengths, shortest)
        hits = process.extract(
            query,
            self._fuzzy_keys[start : bisect.bisect_right(self._key_lengths, longest)],
            scorer=fuzz.ratio,
            score_cutoff=cutoff,
            limit=None,
        )
        if not hits:
            return None
        key, score, _ = min(hits, key=lambda hit: (-hit[1], self._key_order[start + hit[2]]))
        return self.joined[key], score


def fuzzy_queries(
    tokens: Sequence[str], start: int, known: frozenset[str]
) -> list[tuple[int, str]]:
    """(tokens taken, joined spelling) a list value may be read fuzzily as, from ``start``.

    1..3 tokens joined, one of them not in ``known``, long enough to compare, no digits;
    also their singular forms. A split value compares joined ("shen zen" is close to
    "shenzhen") even when one of its parts is a word of the list.
    """
    out: list[tuple[int, str]] = []
    joined = ""
    unknown = False
    for size in range(1, min(_MAX_JOIN, len(tokens) - start) + 1):
        token = tokens[start + size - 1]
        if token.isdigit():
            break
        joined += token
        unknown = unknown or token not in known
        if unknown and len(joined) >= _FUZZY_MIN_LEN:
            out.extend((size, query) for query in (joined, *singulars(joined)))
    return out


def spelt_readings(tokens: Sequence[str], start: int) -> list[tuple[int, str]]:
    """(end, joined spelling) of what the tokens from ``start`` spell out by letter names.

    Two or more letters, at least one said by its name, then maybe whole words: "ess ef
    express" reads as "sf" to 2 and "sfexpress" to 3.
    """
    out: list[tuple[int, str]] = []
    if letter_of(tokens[start]) is None:
        return out
    text, letters, named, in_run = "", 0, False, True
    for end in range(start, min(start + _MAX_SPELT, len(tokens))):
        letter = letter_of(tokens[end]) if in_run else None
        if letter is None:
            in_run = False
            text += tokens[end]
        else:
            letters += 1
            named = named or letter != tokens[end]
            text += letter
        if letters >= 2 and named:
            out.append((end + 1, text))
    return out


def fuzzy_cost(score: float, size: int) -> int:
    """What reading ``size`` tokens as a value at ``fuzz.ratio`` ``score`` costs."""
    return 20 + int((100 - score) * 2.5) + JOIN_COST * (size - 1)


def _offer(best: _Best, end: int, value: str, cost: int) -> None:
    """Keep ``value`` for ``end`` if it is cheaper than the value kept there so far."""
    if end not in best or cost < best[end][0]:
        best[end] = (cost, value)


class _NumberFinder:
    """Cardinals 0..999 in words, or digits; tolerantly also with misheard number words."""

    _STARTS = NUMBER_STARTS | HOMOPHONE_STARTS

    def words(self) -> frozenset[str]:
        return NUMBER_WORDS

    def spans(
        self, tokens: Sequence[str], start: int, tolerant: bool, known: frozenset[str]
    ) -> list[Span]:
        first = tokens[start]
        out: list[Span] = []
        if first.isdigit():
            value = parse_number([first])
            if value is None:
                return out
            out.append((start + 1, value, 0, 0))
            if start + 2 < len(tokens) and tokens[start + 1] == "and":
                # "100 and 20", "100 and twenty two"
                for end in range(start + 3, min(start + 5, len(tokens)) + 1):
                    joined = parse_number(tokens[start:end])
                    if joined is not None:
                        out.append((end, joined, 0, 0))
            return out
        if first not in (self._STARTS if tolerant else NUMBER_STARTS):
            return out
        for end in range(start + 1, min(start + 5, len(tokens)) + 1):
            window = tokens[start:end]
            value = parse_number(window)
            if value is not None:
                out.append((end, value, 0, 0))
            elif tolerant and (heard := number_readings(window)) is not None:
                value = parse_number(heard[0])
                if value is not None:
                    out.append((end, value, HOMOPHONE_COST * heard[1], 0))
        return out


class _DurationFinder:
    """Lengths of time, in seconds; tolerantly also with misheard units and number words."""

    _STARTS = NUMBER_STARTS | {"an", "half", "quarter"}

    _WORDS = NUMBER_WORDS | DURATION_WORDS

    def words(self) -> frozenset[str]:
        return self._WORDS

    def spans(
        self, tokens: Sequence[str], start: int, tolerant: bool, known: frozenset[str]
    ) -> list[Span]:
        first = tokens[start]
        if not first.isdigit() and first not in self._STARTS:
            if not tolerant or first not in DURATION_HOMOPHONE_STARTS:
                return []
        out: list[Span] = []
        for end in range(start + 2, min(start + 9, len(tokens)) + 1):
            window = tokens[start:end]
            value = parse_duration(window)
            if value is not None:
                out.append((end, value, 0, 0))
            elif tolerant:
                heard = _heard_duration(window)
                if heard is not None:
                    out.append((end, heard[0], heard[1], 0))
        return out


def _heard_duration(window: Sequence[str]) -> tuple[int, int] | None:
    """A duration with misheard units ("minuets") or number words ("ate"), and its cost."""
    words = list(window)
    cost = 0
    for i, word in enumerate(words):
        if i == len(words) - 1 or words[i + 1] == "and":
            unit = near_unit(word)
            if unit is not None:
                words[i] = unit[0]
                cost += FUZZY_WORD_COST + 1 + int((100.0 - unit[1]) * 2.5)
    heard = number_readings(words)
    if heard is not None:
        words = list(heard[0])
        cost += HOMOPHONE_COST * heard[1]
    if not cost:
        return None
    value = parse_duration(words)
    return None if value is None else (value, cost)


class _DayFinder:
    """today, tomorrow, weekdays."""

    def words(self) -> frozenset[str]:
        return DAY_WORDS

    def spans(
        self, tokens: Sequence[str], start: int, tolerant: bool, known: frozenset[str]
    ) -> list[Span]:
        out: list[Span] = []
        for end in range(start + 1, min(start + 2, len(tokens)) + 1):
            value = parse_day(tokens[start:end])
            if value is not None:
                out.append((end, value, 0, 0))
        return out


class _TextFinder:
    """One or more free words, without filler words and articles at the edges."""

    def words(self) -> frozenset[str]:
        return frozenset()

    def spans(
        self, tokens: Sequence[str], start: int, tolerant: bool, known: frozenset[str]
    ) -> list[Span]:
        out: list[Span] = []
        for end in range(start + 1, min(start + _MAX_TEXT, len(tokens)) + 1):
            words = strip_edges(tokens[start:end])
            if words:
                out.append((end, " ".join(words), 0, end - start))
        return out


NUMBER: Finder = _NumberFinder()
DURATION: Finder = _DurationFinder()
DAY: Finder = _DayFinder()
TEXT: Finder = _TextFinder()
