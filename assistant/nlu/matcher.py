"""Match utterances against every skill's intent templates."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field
from rapidfuzz import fuzz, process

from ..errors import PluginError
from ..skill import Skill
from .align import Input, align, confidence
from .graph import Graph, compile_graph, required_words
from .normalize import ARTICLES, FILLERS, normalize, singulars
from .phrases import sample_phrases
from .slots import DAY, DURATION, NUMBER, TEXT, Finder, ListFinder
from .templates import Node, literal_words, parse_template

__all__ = ["MAX_TOKENS", "Match", "Matcher"]

MAX_TOKENS = 40
"""Longer input is not a command: it is rejected without being looked at."""

_NEAR_EXACT = 0.95
_MAX_FUZZY_ANCHORS = 4
_NOT_ANCHORS = ARTICLES | FILLERS | {
    "i", "me", "you", "to", "for", "in", "of", "on", "is", "it", "and", "do", "can", "would",
    "will", "from", "with", "at", "be", "are", "am", "us", "let", "not", "that", "this",
    "there", "what", "how", "we", "a",
}


class Match(BaseModel):
    """The intent an utterance expresses, with its slot values."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    intent: str = Field(description="Dotted intent name, e.g. coffee.order.")
    skill: str = Field(description="Name of the skill that declares the intent.")
    slots: dict[str, str | int] = Field(
        default_factory=dict,
        description="Spoken slot values: list slots as canonical values, numbers and durations "
        "as integers (seconds), days as 'today', 'tomorrow', 'monday'..., text as lower-case "
        "words. A slot that was not spoken is absent.",
    )
    confidence: float = Field(description="0..1; 1.0 for an exact match.", ge=0.0, le=1.0)


@dataclass(frozen=True, slots=True)
class _Template:
    """One compiled template and what the prefilter needs to know about it."""

    order: int
    skill: str
    intent: str
    tree: Node
    graph: Graph
    finders: dict[str, Finder]
    required: tuple[frozenset[str], ...]
    has_text: bool


class Matcher:
    """Intent templates of a set of skills, compiled once for fast matching."""

    def __init__(self, threshold: float = 0.5) -> None:
        self.threshold = threshold
        self._templates: list[_Template] = []
        self._anchors: dict[str, set[int]] = {}
        self._intents: dict[str, tuple[Skill, dict[str, Finder]]] = {}
        self._examples: dict[str, tuple[str, ...]] = {}
        self._known: frozenset[str] = frozenset()
        self._fuzzy_vocab: list[str] = []
        self._fuzzy_cache: dict[str, tuple[str, ...]] = {}

    @classmethod
    def build(cls, skills: Sequence[Skill], *, threshold: float = 0.5) -> Matcher:
        """Compile every intent template of ``skills``; bad templates raise TemplateError."""
        matcher = cls(threshold)
        owners: dict[str, str] = {}
        known: set[str] = set()
        for skill in skills:
            lists = {name: ListFinder(values) for name, values in skill.lists.items()}
            for intent in skill.intents:
                if intent.name in owners:
                    raise PluginError(
                        f"intent {intent.name} is declared by both skill {owners[intent.name]} "
                        f"and skill {skill.name}"
                    )
                owners[intent.name] = skill.name
                finders: dict[str, Finder] = {}
                for slot_name, slot in intent.slots.items():
                    if slot.type == "list":
                        finders[slot_name] = lists[slot.list or slot_name]
                    else:
                        finders[slot_name] = {
                            "number": NUMBER, "duration": DURATION, "day": DAY, "text": TEXT,
                        }[slot.type]
                    known.update(finders[slot_name].words())
                matcher._intents[intent.name] = (skill, finders)
                matcher._examples[intent.name] = intent.examples
                where = f"skill {skill.name}, intent {intent.name}"
                for template in intent.templates:
                    tree = parse_template(
                        template, rules=skill.rules, slots=intent.slots.keys(), where=where
                    )
                    known.update(matcher._add(skill.name, intent.name, tree, finders))
        matcher._known = frozenset(known)
        matcher._fuzzy_vocab = sorted(word for word in known if len(word) >= 4)
        return matcher

    def _add(self, skill: str, intent: str, tree: Node, finders: dict[str, Finder]) -> set[str]:
        """Compile one template and index it; returns its literal words."""
        graph = compile_graph(tree)
        used = {name for edges in graph.slots for name, _ in edges}
        required = tuple(
            frozenset({word, *singulars(word)}) for word in sorted(required_words(tree))
        )
        template = _Template(
            order=len(self._templates),
            skill=skill,
            intent=intent,
            tree=tree,
            graph=graph,
            finders={name: finders[name] for name in used},
            required=required,
            has_text=any(finders[name] is TEXT for name in used),
        )
        self._templates.append(template)
        words = literal_words(tree)
        anchors = {word for word in words if word not in _NOT_ANCHORS} or words
        for name in used:
            anchors |= set(finders[name].words())
        for word in anchors:
            self._anchors.setdefault(word, set()).add(template.order)
        return words

    # matching

    def match(self, text: str, *, intents: Collection[str] | None = None) -> Match | None:
        """The best match with confidence at or above ``threshold``, or None."""
        return self._search(text, intents, self.threshold)

    def best(self, text: str, *, intents: Collection[str] | None = None) -> Match | None:
        """The best candidate whatever its confidence (for evaluation reports)."""
        return self._search(text, intents, 0.0)

    def _search(self, text: str, intents: Collection[str] | None, floor: float) -> Match | None:
        if not isinstance(text, str) or not text or len(text) > MAX_TOKENS * 40:
            return None
        tokens = normalize(text)
        if not tokens or len(tokens) > MAX_TOKENS:
            return None
        inp = Input(tokens, self._known)
        candidates = self._candidates(tokens, intents)
        if not candidates:
            return None
        variants = set(tokens)
        for token in tokens:
            variants.update(singulars(token))
        best: tuple[tuple[float, int, int, int], Match] | None = None
        exact = [c for c in candidates if all(req & variants for req in c.required)]
        for template in exact:
            best = self._try(template, inp, tolerant=False, floor=floor, best=best)
        if best is not None and best[0][0] >= _NEAR_EXACT:
            return best[1]
        bounded = sorted(
            ((self._upper_bound(c, variants, inp.n), c) for c in candidates),
            key=lambda item: (-item[0], item[1].order),
        )
        for bound, template in bounded:
            limit = max(floor, best[0][0] if best else 0.0)
            if bound < limit or (best is not None and bound <= limit and floor > 0):
                break
            best = self._try(template, inp, tolerant=True, floor=floor, best=best)
        return best[1] if best is not None else None

    def _try(
        self,
        template: _Template,
        inp: Input,
        *,
        tolerant: bool,
        floor: float,
        best: tuple[tuple[float, int, int, int], Match] | None,
    ) -> tuple[tuple[float, int, int, int], Match] | None:
        """Align one template; return the better of its match and ``best``."""
        norm = max(inp.n, template.graph.max_units, 1)
        budget = int((1.0 - floor) * norm * 100) + 1 if tolerant else 10**6
        alignment = align(template.graph, inp, template.finders, tolerant=tolerant, budget=budget)
        if alignment is None:
            return best
        score = confidence(alignment, inp.n)
        if score < floor or (floor == 0.0 and score == 0.0 and best is not None):
            return best
        rank = (round(score, 6), alignment.literal, -alignment.text_tokens, -template.order)
        if best is not None and rank <= best[0]:
            return best
        match = Match(
            intent=template.intent,
            skill=template.skill,
            slots=alignment.slots,
            confidence=round(score, 4),
        )
        return rank, match

    def _upper_bound(self, template: _Template, variants: set[str], n: int) -> float:
        """The most confidence a template can reach, from the required words the input lacks."""
        missing = sum(1 for req in template.required if not req & variants)
        if not missing:
            return 1.0
        norm = max(n, template.graph.max_units, 1)
        return max(0.0, 1.0 - 0.1 * missing / norm)

    def _candidates(self, tokens: list[str], intents: Collection[str] | None) -> list[_Template]:
        """Templates sharing at least one anchor word (or a near spelling) with the input."""
        found: set[int] = set()
        unknown: list[str] = []
        for token in set(tokens):
            hits = self._anchors.get(token)
            if hits:
                found |= hits
            elif token.isdigit():
                found |= self._anchors.get("one", set())
            else:
                for singular in singulars(token):
                    found |= self._anchors.get(singular, set())
                if token not in self._known and len(token) >= 4 and token.isalpha():
                    unknown.append(token)
        for token in unknown[:_MAX_FUZZY_ANCHORS]:
            for word in self._near_words(token):
                found |= self._anchors.get(word, set())
        templates = [self._templates[order] for order in sorted(found)]
        if intents is not None:
            allowed = set(intents)
            templates = [t for t in templates if t.intent in allowed]
        return templates

    def _near_words(self, token: str) -> tuple[str, ...]:
        """Known words spelt like ``token`` (cached)."""
        near = self._fuzzy_cache.get(token)
        if near is None:
            hits = process.extract(
                token, self._fuzzy_vocab, scorer=fuzz.ratio, score_cutoff=75.0, limit=3
            )
            near = tuple(hit[0] for hit in hits)
            if len(self._fuzzy_cache) > 10_000:
                self._fuzzy_cache.clear()
            self._fuzzy_cache[token] = near
        return near

    # follow-up answers, vocabulary and phrases

    def parse_slot(self, text: str, skill: str, intent: str, slot: str) -> str | int | None:
        """The value of one slot in a follow-up answer ("a latte please" → "latte"), or None."""
        entry = self._intents.get(intent)
        if entry is None or entry[0].name != skill or slot not in entry[1]:
            return None
        tokens = normalize(text) if isinstance(text, str) else []
        if not tokens or len(tokens) > MAX_TOKENS:
            return None
        from .answers import parse_answer

        return parse_answer(Input(tokens, self._known), entry[1][slot], self.threshold)

    def vocabulary(self) -> set[str]:
        """Every word a template, list value, number, duration or day can produce."""
        return set(self._known)

    def phrases(self, intent: str | None = None) -> list[str]:
        """Examples plus a bounded, deterministic sample of sentences for ``intent`` (or all)."""
        names = [intent] if intent is not None else list(self._intents)
        out: list[str] = []
        for name in names:
            if name not in self._intents:
                continue
            trees = [(t.tree, t.finders) for t in self._templates if t.intent == name]
            out.extend(sample_phrases(name, self._examples[name], trees))
        return list(dict.fromkeys(out))

