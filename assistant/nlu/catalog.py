"""Compiled templates of all skills, with the word index that picks candidates for an input."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from ..errors import PluginError
from ..skill import IntentSpec, Skill
from .align import Input
from .bounds import (
    DIGIT_WORDS,
    MAX_FUZZY_SPAN,
    NO_SPAN,
    Probe,
    Ranking,
    Reach,
    exact_bounds,
    readings,
    upper_bound,
)
from .costs import FUZZY_CUTOFF, GENERIC_WORDS, delete_cost, word_cost
from .graph import Graph, compile_graph, required_slots, required_words, slot_names
from .normalize import ARTICLES, FILLERS, singulars
from .numbers import SPOKEN_FORMS
from .slots import DAY, DURATION, NUMBER, TEXT, Finder, ListFinder, fuzzy_queries
from .templates import Node, literal_words, parse_template
from .values import ValueIndex

__all__ = ["Catalog", "Template"]

_DIGIT_KEY = "#digits"
_SCALAR_FINDERS: dict[str, Finder] = {
    "number": NUMBER,
    "duration": DURATION,
    "day": DAY,
    "text": TEXT,
    "service": TEXT,  # a matcher built without the directory: the name as said
}
_NOT_ANCHORS = (
    ARTICLES
    | FILLERS
    | {
        "i",
        "me",
        "you",
        "to",
        "for",
        "in",
        "of",
        "on",
        "is",
        "it",
        "and",
        "do",
        "can",
        "would",
        "will",
        "from",
        "with",
        "at",
        "be",
        "are",
        "am",
        "us",
        "let",
        "not",
        "that",
        "this",
        "there",
        "what",
        "how",
        "we",
    }
)
_SKIPPABLE = ARTICLES | FILLERS
_GENERIC = GENERIC_WORDS | ARTICLES | FILLERS
_SPOKEN = {
    id(finder): SPOKEN_FORMS[kind]
    for kind, finder in _SCALAR_FINDERS.items()
    if kind in SPOKEN_FORMS
}
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
    required: tuple[tuple[frozenset[str], int], ...]
    """Word groups every sentence holds a word of (with their plural forms), each with what
    leaving it out costs at least."""
    required_slots: tuple[Finder, ...]
    """The finders of the slots every sentence holds."""
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
    generic: bool
    """Only generic request words around free text ("search for {query}"): such a template
    does not claim a text that is a command of its own ("look up the weather in tokyo")."""
    numeric: bool


class Catalog:
    """Every intent's compiled templates, an anchor-word index and spelling neighbours."""

    def __init__(self, skills: Sequence[Skill]) -> None:
        self.templates: list[Template] = []
        self.intents: dict[str, tuple[Skill, IntentSpec, dict[str, Finder]]] = {}
        self.anchors: dict[str, set[int]] = {}
        literals: set[str] = set()
        self._values = ValueIndex()
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
        self._free = frozenset().union(*(template.free for template in self.templates))
        """Every word some template reads without an edit, list values aside."""
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
        costs = tuple(min(delete_cost(word, text=has_text) for word in group) for group in required)
        used_finders = list({id(finders[name]): finders[name] for name in sorted(used)}.values())
        template = Template(
            order=len(self.templates),
            skill=skill,
            intent=intent,
            tree=tree,
            graph=graph,
            finders={name: finders[name] for name in used},
            required=tuple(zip(required, costs, strict=True)),
            required_slots=tuple(finders[name] for name in sorted(required_slots(tree))),
            strict=tuple(group for group in required if not group & _SKIPPABLE),
            literals=literals,
            literal_forms=frozenset(form for word in literals for form in (word, *singulars(word))),
            has_article=bool(literals & ARTICLES),
            free=literals.union(
                *(f.words() for f in used_finders if not isinstance(f, ListFinder)),
                *(_SPOKEN[id(finder)] for finder in used_finders if id(finder) in _SPOKEN),
            ),
            lists=tuple(f for f in used_finders if isinstance(f, ListFinder)),
            has_text=has_text,
            generic=has_text and literals <= _GENERIC,
            numeric=any(finders[name] in (NUMBER, DURATION) for name in used),
        )
        self.templates.append(template)
        anchors = {word for word in literals if word not in _NOT_ANCHORS} or set(literals)
        if not any(group <= anchors for group in required):
            # No word group every sentence holds is all anchors: a sentence may be made of
            # words too common to anchor ("ok", "do not"), so those words find it as well.
            anchors.update(word for group in required for word in group)
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
            if token in DIGIT_WORDS:
                out.add(DIGIT_WORDS[token])
        return out

    def exact_bounds(
        self, templates: Sequence[Template], inp: Input
    ) -> dict[int, tuple[float, int] | None]:
        """For each template, the most confidence and literal words its exact walk can reach.

        See :func:`.bounds.exact_bounds`.
        """
        return exact_bounds(templates, inp)

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
                    token,
                    self._literal_list,
                    scorer=fuzz.ratio,
                    score_cutoff=FUZZY_CUTOFF,
                    limit=None,
                )
                for word, _, _ in hits:
                    cost = word_cost(token, word, True)
                    found[word] = NO_SPAN if cost is None else cost
            if len(self._near) > _NEAR_CACHE:
                self._near.clear()
            self._near[token] = found
        return found

    def probe(self, inp: Input, variants: set[str]) -> Probe:
        """What the bounds need to know about an input, worked out once."""
        near = tuple(self.near(token) for token in inp.tokens)
        misheard: dict[str, list[tuple[int, int]]] = {}
        for i, words in enumerate(near):
            for word, cost in words.items():
                misheard.setdefault(word, []).append((i, cost))
        unknown = [t not in self.fuzzy_gate and not t.isdigit() for t in inp.tokens]
        fuzzy_at = tuple(any(unknown[i : i + MAX_FUZZY_SPAN]) for i in range(inp.n))
        return Probe(
            fuzzy_at=fuzzy_at,
            queries=tuple(
                fuzzy_queries(inp.tokens, start, inp.known) if fuzzy_at[start] else []
                for start in range(inp.n)
            ),
            fuzzy={},
            inp=inp,
            readings=tuple(readings(token) for token in inp.tokens),
            free=self._free,
            variants=variants,
            near=near,
            misheard=misheard,
            heard=frozenset(misheard).union(variants),
            fuzzy_index={},
            hard_outside={},
            list_views={},
            singles={},
            spoken={},
        )

    def ranking(self, templates: Sequence[Template], probe: Probe) -> Ranking:
        """``templates`` in order of the most confidence each can reach on the probed input.

        See :class:`.bounds.Ranking`.
        """
        return Ranking(templates, probe)

    def upper_bound(self, template: Template, probe: Probe) -> Reach:
        """The most confidence ``template`` can reach on this input (never an underestimate).

        See :func:`.bounds.upper_bound`.
        """
        return upper_bound(template, probe)
