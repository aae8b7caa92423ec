"""Upper bounds on what a candidate template can reach for an input, to prune the search."""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple

from .align import Input
from .costs import (
    ARTICLE_COST,
    FILLER_COST,
    FUZZY_WORD_COST,
    HOMOPHONE_COST,
    MISSING_SLOT_COST,
)
from .normalize import ARTICLES, singulars
from .numbers import NUMBER_WORDS, parse_number
from .slots import Finder, ListFinder, fuzzy_cost
from .spelling import NUMBER_HOMOPHONES, near_unit

if TYPE_CHECKING:
    from .catalog import Template

__all__ = [
    "DIGIT_WORDS",
    "FLOOR_FROM",
    "MAX_FUZZY_SPAN",
    "NO_SPAN",
    "Probe",
    "Ranking",
    "Reach",
    "exact_bounds",
    "floor_bound",
    "fuzzy_index",
    "fuzzy_readings",
    "hard_words",
    "missing_cost",
    "missing_costs",
    "readings",
    "upper_bound",
    "walkable",
]

DIGIT_WORDS = {
    str(value): word for word in NUMBER_WORDS if (value := parse_number([word])) is not None
}
FLOOR_FROM = 32
"""Candidates from which the ranking starts them at their floor bound. That bound looks up
the misspelt values of every candidate's lists: it pays off where many candidates would
each need a full bound (an out-of-domain sentence that starts with a verb many skills
share), not for the few that a command's own words find."""

MAX_FUZZY_SPAN = 3
"""Most tokens a fuzzily read list value spans."""

NO_SPAN = 10**6


class Reach(NamedTuple):
    """What the best alignment of a template with an input can reach at most."""

    confidence: float
    literal: int
    rest: list[int]
    cost: int


@dataclass(slots=True)
class Probe:
    """One input as the candidate bounds see it."""

    inp: Input
    readings: tuple[tuple[frozenset[str], bool], ...]
    """What each token reads as without a fuzzy edit, and whether it is an article."""
    variants: set[str]
    """Input tokens with their singular forms and digits spelt out."""
    near: tuple[dict[str, int], ...]
    """Template words each input token may be a misspelling of, with what reading it costs."""
    misheard: dict[str, list[tuple[int, int]]]
    """``near`` turned round: for each template word, the positions that may be a
    misspelling of it, with what reading them as it costs."""
    heard: frozenset[str]
    """``variants`` and the words of ``misheard``: what a required word group may be heard as."""
    fuzzy_at: tuple[bool, ...]
    """Whether a fuzzily read list value may start at a position (an unknown word is near)."""
    queries: tuple[list[tuple[int, str]], ...]
    """At each position, what a fuzzily read list value may span (see ``fuzzy_queries``)."""
    fuzzy: dict[int, list[tuple[int, int, int]]]
    """Values read fuzzily, as (start, end, cost), by finder id (see :func:`fuzzy_readings`)."""
    fuzzy_index: dict[int, tuple[frozenset[int], dict[int, list[tuple[int, int]]]]]
    """Fuzzily read values by finder id, indexed by position (see :func:`fuzzy_index`)."""
    free: frozenset[str]
    """Every word some template reads without an edit, list values aside."""
    list_views: dict[
        tuple[ListFinder, ...],
        tuple[frozenset[int], frozenset[int], dict[int, list[tuple[int, int]]]],
    ]
    """What a set of lists reads in the input, by those lists (see :func:`_list_view`)."""
    hard_outside: dict[tuple[ListFinder, ...], int]
    """What the hard words cost outside the misspelt values of some lists, by those lists."""
    singles: dict[int, frozenset[int]]
    """Where a value of a finder is one word on its own, by finder id."""
    spoken: dict[int, bool]
    """Whether a value of a finder can be read anywhere, by finder id."""
    hard: tuple[tuple[int, int], ...] | None = None
    """:func:`hard_words`, once worked out."""


def _best_confidence(
    cost: int,
    left_out: int,
    n: int,
    max_units: int,
    least_delete: int = ARTICLE_COST,
    fill: int | None = None,
) -> float:
    """The most confidence an alignment costing at least ``cost`` can have.

    Confidence divides the cost by the larger of the input length and the template units
    on the path. Those units are at most the ``fill`` that read input words (``n`` unless
    known to be fewer) and the ones left out: ``left_out`` of them are already in
    ``cost``, and each further one costs at least ``least_delete``.
    """
    base = (n if fill is None else fill) + left_out
    best = 1.0 - cost / 100.0 / max(n, min(max_units, base), 1)
    # Each further unit left out adds its cost and one to the divisor beyond ``n``: the
    # share only falls, or only rises, with their number, so the most is at either end.
    more = max_units - base
    if more > 0:
        best = max(best, 1.0 - (cost + least_delete * more) / 100.0 / max(n, max_units, 1))
    return max(best, 0.0)


@lru_cache(maxsize=8192)
def readings(token: str) -> tuple[frozenset[str], bool]:
    """The template words ``token`` reads as without a fuzzy edit, and whether it is an article."""
    out: set[str] = {token, *singulars(token)}
    if token.isdigit() and token.isascii() and len(token) <= 6:
        word = DIGIT_WORDS.get(str(int(token)))
        if word is not None:
            out.add(word)
    return frozenset(out), token in ARTICLES


def exact_bounds(templates: Sequence[Template], inp: Input) -> dict[int, tuple[float, int] | None]:
    """For each template, the most confidence and literal words its exact walk can reach.

    None when some input word can be neither read without an edit nor skipped as a
    filler or article, so that the exact walk cannot succeed.
    """
    forms = [readings(token) for token in inp.tokens]
    out: dict[int, tuple[float, int] | None] = {}
    for template in templates:
        words, article = template.literal_forms, template.has_article
        covered = inp.covered(template.lists)
        literal = cost = 0
        for i, (spelled, is_article) in enumerate(forms):
            if not spelled.isdisjoint(words):
                literal += 1
                continue
            free = template.has_text or not spelled.isdisjoint(template.free) or i in covered
            if is_article and article:
                literal += 1  # read as another article, or skipped: either costs one
                cost += 0 if free else ARTICLE_COST
                continue
            if free:
                continue
            if inp.tokens[i].isdigit() and template.numeric:
                continue
            step = inp.insert[i]
            if step > FILLER_COST:
                break
            cost += step
        else:
            reach = _best_confidence(cost, 0, inp.n, template.graph.max_units)
            out[template.order] = (round(reach, 6), literal)
            continue
        out[template.order] = None
    return out


def hard_words(probe: Probe) -> tuple[tuple[int, int], ...]:
    """(position, least cost) of each input word that no template reads without an edit.

    List values count where the input speaks one. The cost is the least of what
    :func:`upper_bound` charges a word on its own in any template: skipping it, or reading
    it as a misspelt template word, a misheard number or a misheard unit of time. A
    misspelt list value may read such a word too: that is left to the caller. Worked out
    once per input.
    """
    if probe.hard is not None:
        return probe.hard
    inp, readings, near, free = probe.inp, probe.readings, probe.near, probe.free
    covered = inp.covered_by_any()
    out: list[tuple[int, int]] = []
    for i, token in enumerate(inp.tokens):
        if token.isdigit() or i in covered or not readings[i][0].isdisjoint(free):
            continue
        step = min(inp.insert[i], min(near[i].values(), default=NO_SPAN))
        if token in NUMBER_HOMOPHONES:
            step = min(step, HOMOPHONE_COST)
        if step > FUZZY_WORD_COST and near_unit(token) is not None:
            step = FUZZY_WORD_COST
        if step > 0:
            out.append((i, step))
    probe.hard = tuple(out)
    return probe.hard


def floor_bound(template: Template, probe: Probe, missing: tuple[int, int]) -> float:
    """A looser, cheaper bound than :func:`upper_bound`: what the missing words allow,
    and the input words no template reads without an edit (:func:`hard_words`) unless a
    misspelt value of one of the template's lists may read them. ``missing`` is
    :func:`missing_cost`."""
    graph = template.graph
    return _best_confidence(
        _floor_cost(template, probe, missing),
        missing[1],
        probe.inp.n,
        graph.max_units,
        graph.least_delete,
    )


def _floor_cost(template: Template, probe: Probe, missing: tuple[int, int]) -> int:
    """The cost :func:`floor_bound` counts. Free text reads any word: for a template with
    a text slot, only the missing words count."""
    if template.has_text or not hard_words(probe):
        return missing[0]
    return missing[0] + _hard_outside(template.lists, probe)


def _hard_outside(lists: tuple[ListFinder, ...], probe: Probe) -> int:
    """What the hard words cost that no misspelt value of ``lists`` may read (cached)."""
    found = probe.hard_outside.get(lists)
    if found is None:
        found = probe.hard_outside[lists] = sum(
            step
            for i, step in hard_words(probe)
            if not any(i in fuzzy_index(finder, probe)[0] for finder in lists)
        )
    return found


def walkable(templates: Sequence[Template], variants: set[str]) -> list[Template]:
    """The templates whose every strict word group holds one of ``variants``.

    Only those can be walked exactly: the exact walk skips nothing but fillers and articles.
    """
    disjoint = variants.isdisjoint
    out: list[Template] = []
    for template in templates:
        for group in template.strict:
            if disjoint(group):
                break
        else:
            out.append(template)
    return out


def missing_cost(template: Template, probe: Probe) -> tuple[int, int]:
    """The least cost of the required words and slots the input lacks, and how many those are.

    A required word group counts as present when an input word may be a misspelling of
    one of its words; a required slot, when a value of it can be read anywhere.
    """
    return missing_costs((template,), probe)[0]


def missing_costs(templates: Sequence[Template], probe: Probe) -> list[tuple[int, int]]:
    """:func:`missing_cost` of each of ``templates``."""
    out: list[tuple[int, int]] = []
    disjoint, spoken = probe.heard.isdisjoint, probe.spoken
    for template in templates:
        cost = left_out = 0
        for group, least in template.required:
            if disjoint(group):
                cost += least
                left_out += 1
        for finder in template.required_slots:
            found = spoken.get(id(finder))
            if not (_spoken(finder, probe) if found is None else found):
                cost += MISSING_SLOT_COST
                left_out += 1
        out.append((cost, left_out))
    return out


def upper_bound(template: Template, probe: Probe, missing: tuple[int, int] | None = None) -> Reach:
    """The most confidence ``template`` can reach on this input (never an underestimate).

    Each required word group the input lacks costs at least leaving its cheapest word
    out, unless an input word may be a misspelling of it (then that word pays), and so
    does each required slot no value can be read for; each input word the template
    cannot produce costs at least its cheapest explanation: skipping it, reading it as
    a misspelt template word or a misheard number or unit, or as part of a split or
    spelt list value; or a misspelt list value reads it with its neighbours, for what
    reading them all costs.

    Also gives the most input words it can read as template words (literally or
    fuzzily), for each input position the least cost of reading the rest of the input
    from there (which bounds the alignment from inside), and the least cost in all.
    ``missing`` is :func:`missing_cost`, if already worked out.
    """
    inp = probe.inp
    n = inp.n
    cost, left_out = missing_cost(template, probe) if missing is None else missing
    literals, forms, free = template.literals, template.literal_forms, template.free
    article, has_text, numeric = template.has_article, template.has_text, template.numeric
    lists = template.lists
    tokens, insert, readings = inp.tokens, inp.insert, probe.readings
    covered, fuzzy_inside, segments = _list_view(lists, probe)
    misheard = probe.misheard
    misreads = [NO_SPAN] * n
    """What reading each word as a misspelt literal word costs at least."""
    for word in literals.intersection(misheard):
        for j, misread in misheard[word]:
            if misread < misreads[j]:
                misreads[j] = misread
    literal = shared = skipped = 0
    rest = [0] * (n + 1)
    alone = [0] * n
    """What each word costs at least on its own."""
    for i in range(n - 1, -1, -1):
        spelled, is_article = readings[i]
        misread = misreads[i]
        readable = misread < NO_SPAN or (is_article and article)
        if readable or not spelled.isdisjoint(forms):
            literal += 1
        step = 0
        if spelled.isdisjoint(free):
            token = tokens[i]
            if numeric and token.isdigit():
                pass
            elif i in covered:
                if not (readable or probe.fuzzy_at[i] or _alone(lists, probe, i)):
                    shared += 1
            else:
                skip = insert[i]
                step = min(skip, misread)
                if numeric:
                    if step > HOMOPHONE_COST and token in NUMBER_HOMOPHONES:
                        step = HOMOPHONE_COST
                    if step > FUZZY_WORD_COST and near_unit(token) is not None:
                        step = FUZZY_WORD_COST
                if not (step < skip or readable or i in fuzzy_inside):
                    skipped += 1  # only skipping explains it: no unit reads it
        alone[i] = step
        least = rest[i + 1] + step
        # Or a misspelt list value reads the words from here on: it pays for all of them.
        for end, value_cost in segments.get(i, ()):
            if value_cost + rest[end] < least:
                least = value_cost + rest[end]
        rest[i] = least
    max_units = template.graph.max_units
    if not has_text:
        # A required word heard only misspelt is left out, or an input word is read as
        # it: that word then pays its misreading instead of what it costs on its own.
        # Leaving it out adds a unit; what that unit costs beyond the cheapest unit a
        # template leaves out is all that is added for it, so the bound stays an upper
        # one whichever the alignment does.
        variants = probe.variants
        least_delete = template.graph.least_delete
        for group, least in template.required:
            if variants.isdisjoint(group) and not probe.heard.isdisjoint(group):
                extra = least - least_delete
                for word in group:
                    for j, misread in misheard.get(word, ()):
                        if misread - alone[j] < extra:
                            extra = misread - alone[j]
                cost += extra
        # Words only a value of several words can read take at most one unit per two;
        # words only skipping explains take none.
        fill = n - skipped - (shared + 1) // 2
        cost += rest[0]
        reach = _best_confidence(cost, left_out, n, max_units, template.graph.least_delete, fill)
        return Reach(reach, literal, rest, cost)
    # Text words cost nothing but lower the confidence by their share; without any,
    # every word pays as for a template without text.
    spoken = (0.95 - 0.25 / max(n, 1)) * _best_confidence(cost, left_out, n, max_units)
    unspoken = _best_confidence(cost + rest[0], left_out, n, max_units)
    return Reach(max(spoken, unspoken), literal, [0] * (n + 1), cost)


class Ranking:
    """Candidate templates in order of the most confidence they can reach, then of ``order``.

    The full bound of a candidate is worked out only when the candidate could come next:
    until then it waits behind a bound that is never lower: what its missing words allow,
    or with ``FLOOR_FROM`` candidates or more, its :func:`floor_bound`. A search
    that stops early, once no candidate left can beat the best match so far, skips the
    full bounds of all the candidates behind.
    """

    def __init__(self, templates: Sequence[Template], probe: Probe) -> None:
        self._probe = probe
        self._reaches: dict[int, Reach] = {}
        self._ranked: list[tuple[Reach, Template]] = []
        self._missing: dict[int, tuple[int, int]] = {}
        self._entries: list[tuple[float, int, bool, Template]] = []
        """(-bound, order, whether the bound is the full one, template), in input order."""
        n = probe.inp.n
        floors = len(templates) >= FLOOR_FROM
        known: dict[tuple[int, int, int, int], float] = {}
        for template, missing in zip(templates, missing_costs(templates, probe), strict=True):
            self._missing[template.order] = missing
            graph = template.graph
            cost = _floor_cost(template, probe, missing) if floors else missing[0]
            # Many candidates lack the same: their floor bounds are worked out once.
            key = (cost, missing[1], graph.max_units, graph.least_delete)
            bound = known.get(key)
            if bound is None:
                bound = known[key] = _best_confidence(
                    cost, missing[1], n, graph.max_units, graph.least_delete
                )
            self._entries.append((-bound, template.order, False, template))
        self._heap = list(self._entries)
        heapq.heapify(self._heap)

    def within(self, cost: int) -> Ranking:
        """The candidates whose missing words and slots cost at most ``cost``, ranked alike.

        Every other candidate costs more than ``cost`` in all (see :class:`Reach`).
        Bounds worked out by either ranking serve both.
        """
        kept = Ranking([], self._probe)
        kept._missing, kept._reaches = self._missing, self._reaches
        for entry in self._entries:
            order = entry[1]
            if self._missing[order][0] <= cost:
                reach = self._reaches.get(order)
                kept._entries.append(
                    entry if reach is None else (-reach.confidence, order, True, entry[3])
                )
        kept._heap = list(kept._entries)
        heapq.heapify(kept._heap)
        return kept

    def get(self, i: int, least: float = 0.0) -> tuple[Reach, Template] | None:
        """The ``i``-th candidate with its full bound, or None past the last.

        Also None when that candidate cannot reach ``least`` confidence: the bounds of
        the candidates that could not either are left unworked.
        """
        ranked, heap, reaches, probe = self._ranked, self._heap, self._reaches, self._probe
        while len(ranked) <= i and heap:
            if -heap[0][0] < least:
                return None
            _, order, full, template = heapq.heappop(heap)
            if full:
                ranked.append((reaches[order], template))
                continue
            reach = reaches.get(order)
            if reach is None:
                reach = reaches[order] = upper_bound(template, probe, self._missing[order])
            heapq.heappush(heap, (-reach.confidence, order, True, template))
        return ranked[i] if i < len(ranked) else None


def _list_view(
    lists: tuple[ListFinder, ...], probe: Probe
) -> tuple[frozenset[int], frozenset[int], dict[int, list[tuple[int, int]]]]:
    """What ``lists`` read in the input: the positions inside a value spoken exactly, split
    or joined; those inside a misspelt value; and the misspelt values by start position,
    as (end, cost). Worked out once per input for each set of lists."""
    found = probe.list_views.get(lists)
    if found is None:
        indexes = [fuzzy_index(finder, probe) for finder in lists]
        segments: dict[int, list[tuple[int, int]]] = {}
        for _, starts in indexes:
            for start, ends in starts.items():
                segments.setdefault(start, []).extend(ends)
        inside = frozenset().union(*(inside for inside, _ in indexes))
        found = probe.list_views[lists] = (probe.inp.covered(lists), inside, segments)
    return found


def _alone(lists: Sequence[ListFinder], probe: Probe, i: int) -> bool:
    """Whether a value of one of ``lists`` is the single word at ``i``."""
    for finder in lists:
        singles = probe.singles.get(id(finder))
        if singles is None:
            inp = probe.inp
            singles = probe.singles[id(finder)] = frozenset(
                start
                for start in inp.joined_cover(finder)
                if any(end == start + 1 for end, _, _, _ in inp.spans(finder, start, False))
            )
        if i in singles:
            return True
    return False


def _spoken(finder: Finder, probe: Probe) -> bool:
    """Whether a value of ``finder`` can be read anywhere in the input, even fuzzily."""
    found = probe.spoken.get(id(finder))
    if found is None:
        inp = probe.inp
        if isinstance(finder, ListFinder):
            # Beyond the exact cover, values read only fuzzily, next to an unknown word.
            found = bool(inp.joined_cover(finder)) or bool(fuzzy_readings(finder, probe))
        else:
            found = any(inp.spans(finder, i, True) for i in range(inp.n))
        probe.spoken[id(finder)] = found
    return found


def fuzzy_readings(finder: ListFinder, probe: Probe) -> list[tuple[int, int, int]]:
    """Where values of ``finder`` are read fuzzily, as (start, end, cost); worked out once.

    What the finder's tolerant spans add to its exact ones, without the rest of their work.
    """
    found = probe.fuzzy.get(id(finder))
    if found is None:
        found = []
        for start, queries in enumerate(probe.queries):
            for size, query in queries:
                near = finder.nearest(query)
                if near is not None:
                    found.append((start, start + size, fuzzy_cost(near[1], size)))
        probe.fuzzy[id(finder)] = found
    return found


def fuzzy_index(
    finder: ListFinder, probe: Probe
) -> tuple[frozenset[int], dict[int, list[tuple[int, int]]]]:
    """Where values of ``finder`` read fuzzily lie: the positions inside one, and by start
    position, each one's (end, cost). Worked out once per input."""
    found = probe.fuzzy_index.get(id(finder))
    if found is None:
        inside: set[int] = set()
        starts: dict[int, list[tuple[int, int]]] = {}
        for start, end, cost in fuzzy_readings(finder, probe):
            inside.update(range(start, end))
            starts.setdefault(start, []).append((end, cost))
        found = probe.fuzzy_index[id(finder)] = (frozenset(inside), starts)
    return found
