"""Compiled templates of all skills, with the word index that picks candidates for an input."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from rapidfuzz import fuzz, process

from ..errors import PluginError
from ..skill import IntentSpec, Skill
from .align import Input
from .costs import (
    ARTICLE_COST,
    FILLER_COST,
    FUZZY_CUTOFF,
    FUZZY_WORD_COST,
    HOMOPHONE_COST,
    MISSING_SLOT_COST,
    delete_cost,
    word_cost,
)
from .graph import Graph, compile_graph, required_slots, required_words, slot_names
from .normalize import ARTICLES, FILLERS, singulars
from .numbers import NUMBER_WORDS, SPOKEN_FORMS, parse_number
from .slots import DAY, DURATION, NUMBER, TEXT, Finder, ListFinder
from .spelling import NUMBER_HOMOPHONES, letter_of, near_unit
from .templates import Node, literal_words, parse_template

__all__ = ["Catalog", "Template"]

_DIGIT_KEY = "#digits"
_SCALAR_FINDERS: dict[str, Finder] = {
    "number": NUMBER, "duration": DURATION, "day": DAY, "text": TEXT,
}
_NOT_ANCHORS = ARTICLES | FILLERS | {
    "i", "me", "you", "to", "for", "in", "of", "on", "is", "it", "and", "do", "can", "would",
    "will", "from", "with", "at", "be", "are", "am", "us", "let", "not", "that", "this",
    "there", "what", "how", "we",
}
_SKIPPABLE = ARTICLES | FILLERS
_SPOKEN = {id(finder): SPOKEN_FORMS[kind] for kind, finder in _SCALAR_FINDERS.items()
           if kind in SPOKEN_FORMS}
_DIGIT_WORDS = {
    str(value): word for word in NUMBER_WORDS if (value := parse_number([word])) is not None
}
_JOIN_SHARE = 3
"""Least cost per token of a list value read with an edit ("k f c": a join costs 10 for ≤3)."""

_MAX_FUZZY_SPAN = 3
"""Most tokens a fuzzily read list value spans."""

_NO_SPAN = 10**6

_NEAR_CACHE = 20_000


@dataclass(frozen=True, slots=True)
class Template:
    """One compiled template, and what the candidate search needs to know about it."""

    order: int
    skill: str
    intent: str
    tree: Node
    graph: Graph
    finders: dict[str, Finder]
    required: tuple[frozenset[str], ...]
    """Word groups every sentence holds a word of (with their plural forms)."""
    required_costs: tuple[int, ...]
    """What leaving out each required group costs at least."""
    required_slots: tuple[str, ...]
    """Slots every sentence holds."""
    strict: tuple[frozenset[str], ...]
    """The required groups without articles and fillers, which the exact walk may skip."""
    literals: frozenset[str]
    literal_forms: frozenset[str]
    """Literal words with their singular forms: what an input word may match exactly."""
    has_article: bool
    free: frozenset[str]
    """Every word the literals and number, duration and day slots read without an edit.

    Words of list values are left out: they read freely only inside a whole value, which
    the input's list covers tell.
    """
    lists: tuple[ListFinder, ...]
    has_text: bool
    numeric: bool


class Catalog:
    """Every intent's compiled templates, an anchor-word index and spelling neighbours."""

    def __init__(self, skills: Sequence[Skill]) -> None:
        self.templates: list[Template] = []
        self.intents: dict[str, tuple[Skill, IntentSpec, dict[str, Finder]]] = {}
        self.anchors: dict[str, set[int]] = {}
        literals: set[str] = set()
        self._values = _ValueIndex()
        for skill in skills:
            lists = {name: ListFinder(values) for name, values in skill.lists.items()}
            for intent in skill.intents:
                if intent.name in self.intents:
                    other = self.intents[intent.name][0].name
                    raise PluginError(
                        f"intent {intent.name} is declared by both skill {other} "
                        f"and skill {skill.name}"
                    )
                finders = {
                    name: lists[slot.list or name]
                    if slot.type == "list"
                    else _SCALAR_FINDERS[slot.type]
                    for name, slot in intent.slots.items()
                }
                self.intents[intent.name] = (skill, intent, finders)
                where = f"skill {skill.name}, intent {intent.name}"
                for text in intent.templates:
                    tree = parse_template(
                        text, rules=skill.rules, slots=intent.slots.keys(), where=where
                    )
                    literals |= self._add(skill.name, intent.name, tree, finders).literals
        words = set(literals)
        for finder in {id(f): f for f in self._all_finders()}.values():
            words |= finder.words()
        self.words = frozenset(words)
        """Every word a template or slot value can produce."""
        self.fuzzy_gate = self.words | ARTICLES | FILLERS
        self._literal_list = sorted(word for word in literals if len(word) >= 3)
        self._near: dict[str, dict[str, int]] = {}

    def _add(self, skill: str, intent: str, tree: Node, finders: dict[str, Finder]) -> Template:
        has_text = any(finders[name] is TEXT for name in slot_names(tree))
        graph = compile_graph(tree, text=has_text)
        used = {name for edges in graph.slots for name, _ in edges}
        literals = frozenset(literal_words(tree))
        required = tuple(
            frozenset(form for word in group for form in (word, *singulars(word)))
            for group in dict.fromkeys(required_words(tree))
        )
        used_finders = list({id(finders[name]): finders[name] for name in sorted(used)}.values())
        template = Template(
            order=len(self.templates),
            skill=skill,
            intent=intent,
            tree=tree,
            graph=graph,
            finders={name: finders[name] for name in used},
            required=required,
            required_costs=tuple(
                min(delete_cost(word, text=has_text) for word in group) for group in required
            ),
            required_slots=tuple(sorted(required_slots(tree))),
            strict=tuple(group for group in required if not group & _SKIPPABLE),
            literals=literals,
            literal_forms=frozenset(
                form for word in literals for form in (word, *singulars(word))
            ),
            has_article=bool(literals & ARTICLES),
            free=literals.union(
                *(f.words() for f in used_finders if not isinstance(f, ListFinder)),
                *(_SPOKEN[id(finder)] for finder in used_finders if id(finder) in _SPOKEN),
            ),
            lists=tuple(f for f in used_finders if isinstance(f, ListFinder)),
            has_text=has_text,
            numeric=any(finders[name] in (NUMBER, DURATION) for name in used),
        )
        self.templates.append(template)
        anchors = {word for word in literals if word not in _NOT_ANCHORS} or set(literals)
        for name in used:
            finder = finders[name]
            if isinstance(finder, ListFinder):
                self._values.add(finder, template.order)
            else:
                anchors.update(finder.words() - _NOT_ANCHORS)
        if template.numeric:
            anchors.add(_DIGIT_KEY)
        for word in anchors:
            self.anchors.setdefault(word, set()).add(template.order)
        return template

    def _all_finders(self) -> list[Finder]:
        return [f for _, _, finders in self.intents.values() for f in finders.values()]

    def variants(self, tokens: Sequence[str]) -> set[str]:
        """The input tokens with their singular forms and digits spelt out."""
        out = set(tokens)
        for token in tokens:
            out.update(singulars(token))
            if token in _DIGIT_WORDS:
                out.add(_DIGIT_WORDS[token])
        return out

    def exact_bounds(
        self, templates: Sequence[Template], inp: Input
    ) -> dict[int, tuple[float, int] | None]:
        """For each template, the most confidence and literal words its exact walk can reach.

        None when some input word can be neither read without an edit nor skipped as a
        filler or article, so that the exact walk cannot succeed.
        """
        forms = [_readings(token) for token in inp.tokens]
        out: dict[int, tuple[float, int] | None] = {}
        for template in templates:
            words, article = template.literal_forms, template.has_article
            literal = cost = 0
            for i, (spelled, is_article) in enumerate(forms):
                if not spelled.isdisjoint(words):
                    literal += 1
                    continue
                free = (
                    template.has_text
                    or not spelled.isdisjoint(template.free)
                    or any(i in inp.joined_cover(f) for f in template.lists)
                )
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

    def candidates(
        self, inp: Input, variants: set[str], intents: Collection[str] | None
    ) -> list[Template]:
        """Templates sharing an anchor word, a slot value or a near spelling with the input."""
        tokens = inp.tokens
        found = self._values.users(inp)
        for token in variants:
            hits = self.anchors.get(_DIGIT_KEY if token.isdigit() else token)
            if hits:
                found |= hits
        for token in set(tokens):
            if token not in self.fuzzy_gate and token.isalpha() and len(token) >= 4:
                for word in self.near(token):
                    found |= self.anchors.get(word, set())
        templates = [self.templates[order] for order in sorted(found)]
        if intents is not None:
            allowed = set(intents)
            templates = [t for t in templates if t.intent in allowed]
        return templates

    def near(self, token: str) -> dict[str, int]:
        """Template words spelt close enough to ``token`` to be read as it, with that cost."""
        found = self._near.get(token)
        if found is None:
            found = {}
            if token.isalpha() and len(token) >= 3:
                hits = process.extract(
                    token, self._literal_list, scorer=fuzz.ratio,
                    score_cutoff=FUZZY_CUTOFF, limit=None,
                )
                for word, _, _ in hits:
                    cost = word_cost(token, word, True)
                    found[word] = _NO_SPAN if cost is None else cost
            if len(self._near) > _NEAR_CACHE:
                self._near.clear()
            self._near[token] = found
        return found

    def probe(self, inp: Input, variants: set[str]) -> Probe:
        """What the bounds need to know about an input, worked out once."""
        near = tuple(self.near(token) for token in inp.tokens)
        unknown = [t not in self.fuzzy_gate and not t.isdigit() for t in inp.tokens]
        return Probe(
            fuzzy_at=tuple(any(unknown[i : i + _MAX_FUZZY_SPAN]) for i in range(inp.n)),
            inp=inp,
            readings=tuple(_readings(token) for token in inp.tokens),
            variants=variants,
            near=near,
            near_any=frozenset(word for words in near for word in words),
            list_floors={},
            spoken={},
        )

    def upper_bound(self, template: Template, probe: Probe) -> Reach:
        """The most confidence ``template`` can reach on this input (never an underestimate).

        Each required word group the input lacks costs at least leaving its cheapest word
        out, unless an input word may be a misspelling of it (then that word pays), and so
        does each required slot no value can be read for; each input word the template
        cannot produce costs at least its cheapest explanation: skipping it, reading it as
        a misspelt template word or a misheard number or unit, or as part of a split,
        spelt or misspelt list value.

        Also gives the most input words it can read as template words (literally or
        fuzzily), for each input position the least cost of reading the rest of the input
        from there (which bounds the alignment from inside), and the least cost in all.
        """
        inp = probe.inp
        n = inp.n
        cost = left_out = 0
        for group, least in zip(template.required, template.required_costs, strict=True):
            if group.isdisjoint(probe.variants) and group.isdisjoint(probe.near_any):
                cost += least
                left_out += 1
        for name in template.required_slots:
            if not self._spoken(template.finders[name], probe):
                cost += MISSING_SLOT_COST
                left_out += 1
        literals, forms, free = template.literals, template.literal_forms, template.free
        article, has_text, numeric = template.has_article, template.has_text, template.numeric
        lists = template.lists
        tokens, insert, readings, near = inp.tokens, inp.insert, probe.readings, probe.near
        literal = 0
        rest = [0] * (n + 1)
        for i in range(n - 1, -1, -1):
            spelled, is_article = readings[i]
            misread = _NO_SPAN
            for word, word_step in near[i].items():
                if word_step < misread and word in literals:
                    misread = word_step
            if (is_article and article) or misread < _NO_SPAN or not spelled.isdisjoint(forms):
                literal += 1
            step = 0
            if spelled.isdisjoint(free):
                token = tokens[i]
                if not (numeric and token.isdigit()) and not any(
                    i in inp.joined_cover(finder) for finder in lists
                ):
                    step = min(insert[i], misread)
                    if numeric:
                        if step > HOMOPHONE_COST and token in NUMBER_HOMOPHONES:
                            step = HOMOPHONE_COST
                        if step > FUZZY_WORD_COST and near_unit(token) is not None:
                            step = FUZZY_WORD_COST
                    for finder in lists:
                        if step <= _JOIN_SHARE:
                            break
                        step = min(step, self._list_floor(finder, probe, i))
            rest[i] = rest[i + 1] + step
        max_units = template.graph.max_units
        if not has_text:
            cost += rest[0]
            return Reach(_best_confidence(cost, left_out, n, max_units), literal, rest, cost)
        # Text words cost nothing but lower the confidence by their share; without any,
        # every word pays as for a template without text.
        spoken = (0.95 - 0.25 / max(n, 1)) * _best_confidence(cost, left_out, n, max_units)
        unspoken = _best_confidence(cost + rest[0], left_out, n, max_units)
        return Reach(max(spoken, unspoken), literal, [0] * (n + 1), cost)

    @staticmethod
    def _spoken(finder: Finder, probe: Probe) -> bool:
        """Whether a value of ``finder`` can be read anywhere in the input, even fuzzily."""
        found = probe.spoken.get(id(finder))
        if found is None:
            inp = probe.inp
            if isinstance(finder, ListFinder):
                # Beyond the exact cover, values read only fuzzily, next to an unknown word.
                found = bool(inp.joined_cover(finder)) or any(
                    inp.spans(finder, i, True) for i in range(inp.n) if probe.fuzzy_at[i]
                )
            else:
                found = any(inp.spans(finder, i, True) for i in range(inp.n))
            probe.spoken[id(finder)] = found
        return found

    @staticmethod
    def _list_floor(finder: ListFinder, probe: Probe, i: int) -> int:
        """Least share of a value of ``finder`` covering token ``i`` (its cost per token).

        Only for tokens outside the exact cover: what covers them is a fuzzy value.
        """
        key = (id(finder), i)
        found = probe.list_floors.get(key)
        if found is None:
            found = _NO_SPAN
            inp = probe.inp
            for j in range(max(0, i - _MAX_FUZZY_SPAN + 1), i + 1):
                if not probe.fuzzy_at[j]:
                    continue
                for end, _, cost, _ in inp.spans(finder, j, True):
                    if end > i:
                        found = min(found, cost // (end - j))
            probe.list_floors[key] = found
        return found


class Reach(NamedTuple):
    """What the best alignment of a template with an input can reach at most."""

    confidence: float
    literal: int
    rest: list[int]
    cost: int


@dataclass(frozen=True, slots=True)
class Probe:
    """One input as the candidate bounds see it."""

    inp: Input
    readings: tuple[tuple[frozenset[str], bool], ...]
    """What each token reads as without a fuzzy edit, and whether it is an article."""
    variants: set[str]
    """Input tokens with their singular forms and digits spelt out."""
    near: tuple[dict[str, int], ...]
    """Template words each input token may be a misspelling of, with what reading it costs."""
    near_any: frozenset[str]
    fuzzy_at: tuple[bool, ...]
    """Whether a fuzzily read list value may start at a position (an unknown word is near)."""
    list_floors: dict[tuple[int, int], int]
    """Least share of a list value covering a position, by (finder id, position)."""
    spoken: dict[int, bool]
    """Whether a value of a finder can be read anywhere, by finder id."""


def _best_confidence(cost: int, left_out: int, n: int, max_units: int) -> float:
    """The most confidence an alignment costing at least ``cost`` can have.

    Confidence divides the cost by the larger of the input length and the template units
    on the path. Units beyond the input length are words or slots left out: ``left_out``
    of them are already in ``cost``, and each further one costs at least an article.
    """
    best = 0.0
    for extra in range(max(0, max_units - n) + 1):
        norm = max(n, min(max_units, n + extra), 1)
        spent = cost + ARTICLE_COST * max(0, extra - left_out)
        best = max(best, 1.0 - spent / 100.0 / norm)
    return best


@lru_cache(maxsize=8192)
def _readings(token: str) -> tuple[frozenset[str], bool]:
    """The template words ``token`` reads as without a fuzzy edit, and whether it is an article."""
    readings: set[str] = {token, *singulars(token)}
    if token.isdigit() and token.isascii() and len(token) <= 6:
        word = _DIGIT_WORDS.get(str(int(token)))
        if word is not None:
            readings.add(word)
    return frozenset(readings), token in ARTICLES


class _ValueIndex:
    """First tokens and joined spellings of every list's spoken forms, and who uses each list.

    A template whose list value is spoken becomes a candidate even when none of its literal
    words is ("a medium mocha" for "[order] [a] [{size}] {drink}"); a value counts when the
    list finds it exactly, plural, split or joined.
    """

    def __init__(self) -> None:
        self.starts: dict[str, tuple[int, ...]] = {}
        self.finders: dict[int, ListFinder] = {}
        self.templates: dict[int, set[int]] = {}
        self.prefixes: dict[str, set[int]] = {}
        """First two letters of joined forms, for values spelt out by letter names."""

    def add(self, finder: ListFinder, order: int) -> None:
        key = id(finder)
        if key not in self.finders:
            self.finders[key] = finder
            self.templates[key] = set()
            for form in finder.forms:
                joined = form.replace(" ", "")
                _append(self.starts, form.split(" ", 1)[0], key)
                _append(self.starts, joined, key)
                self.prefixes.setdefault(joined[:2], set()).add(key)
        self.templates[key].add(order)

    def users(self, inp: Input) -> set[int]:
        """Templates whose list values the input speaks.

        A value spoken exactly, split, joined or spelt starts where its first token, joined
        spelling or first two letters is in the index; only those places are read, and what
        they cover is handed to ``inp`` (every other list covers nothing).
        """
        tokens = inp.tokens
        places: dict[int, set[int]] = {}
        for start in range(inp.n):
            joined = ""
            for token in tokens[start : start + 3]:
                joined += token
                for form in (joined, *singulars(joined)):
                    hit = self.starts.get(form)
                    if hit:
                        for key in hit:
                            places.setdefault(key, set()).add(start)
            spelt = ""
            for token in tokens[start : start + 2]:
                letter = letter_of(token)
                if letter is None:
                    break
                spelt += letter
            if len(spelt) == 2 and spelt in self.prefixes:
                for key in self.prefixes[spelt]:
                    places.setdefault(key, set()).add(start)
        found: set[int] = set()
        covers: dict[int, frozenset[int]] = {}
        for key, starts in places.items():
            finder = self.finders[key]
            covered: set[int] = set()
            for start in starts:
                for end, _, _, _ in inp.spans(finder, start, False):
                    covered.update(range(start, end))
            covers[key] = frozenset(covered)
            if covered:
                found |= self.templates[key]
        inp.set_covers(covers)
        return found


def _append(index: dict[str, tuple[int, ...]], word: str, key: int) -> None:
    """Add ``key`` under ``word``; tuples, unlike sets, drop out of the garbage collector."""
    keys = index.get(word, ())
    if key not in keys:
        index[word] = (*keys, key)
