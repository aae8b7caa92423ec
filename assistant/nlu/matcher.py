"""Match utterances against every skill's intent templates."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..skill import Skill
from .align import Alignment, Input, align, confidence
from .answers import parse_answer
from .bounds import walkable
from .catalog import Catalog, Template
from .learned import NONE, Learned
from .normalize import ARTICLES, FILLERS, normalize
from .phrases import render, sample_phrases
from .slots import TEXT, Finder, ListFinder

__all__ = ["MAX_TOKENS", "Match", "Matcher"]

MAX_TOKENS = 40
"""Longer input is not a command: it is rejected without being looked at."""

_MAX_CHARS = MAX_TOKENS * 40
_NEAR_EXACT = 0.95
_EXACT_BUDGET = 10**6
_LIGHT_BUDGET = 60
_FOUND = 10**9
_SLACK = 30
"""How far above its bound a candidate's cost is looked for first (an article, a plural or a
join: five alignments in six on the benchmark cost less than this above their bound)."""
_DEFER = 0.9
"""How sure a command inside free text must be to win over the generic template around it."""
_OWNERS = frozenset({"my", "our"})
_CLAUSE_STARTS = frozenset(
    {
        "i",
        "we",
        "it",
        "there",
        "so",
        "because",
        "cause",
        "since",
        "while",
        "but",
        "and",
        "then",
        "yeah",
        "yes",
        "okay",
        "ok",
        "um",
        "uh",
        "hmm",
        "let",
        "like",
        "maybe",
    }
)
"""Words a new clause often begins with, where a sentence may be cut in two."""
_MIN_CLAUSE = 2
"""Fewest words on each side of a cut."""
_CLAUSE_SURE = 0.8
"""How sure a template must be of one clause when the rest of the sentence is left over."""
_SKIPPED = ARTICLES | FILLERS


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
    ambiguous: dict[str, list[str]] = Field(
        default_factory=dict,
        description="List slots the sentence gives more than one value ('a latte and a "
        "cappuccino'): every value heard, in the order spoken. The slot holds one of them; "
        "the dialog asks which is meant.",
    )
    layer: Literal["templates", "learned", "apps"] = Field(
        "templates",
        description="What understood it: a template, or the learned layer behind them (its "
        "confidence is then the learned model's probability).",
    )


_Best = tuple[tuple[float, int, int, int], Template, Alignment, float]
"""(rank, template, alignment, confidence) of the best candidate so far."""


class Matcher:
    """The intent templates of a set of skills, compiled once for fast matching.

    Matching cost does not grow with the number of sentences templates can produce: each
    template is a token graph, an anchor-word index picks the candidates, an exact walk runs
    first, and a tolerant edit-cost alignment runs only when no near-exact match turned up.
    """

    def __init__(self, catalog: Catalog, threshold: float = 0.5) -> None:
        self.threshold = threshold
        self._catalog = catalog
        self.learned: Learned | None = None
        """The learned layer, asked when no template matches (see :meth:`learn`)."""
        self.learned_accept = 0.6
        self.learned_ask = 0.4
        self._last: tuple[object, tuple[Match | None, Match | None]] | None = None

    @classmethod
    def build(cls, skills: Sequence[Skill], *, threshold: float = 0.5) -> Matcher:
        """Compile every intent template of ``skills``; a bad template raises TemplateError."""
        return cls(Catalog(skills), threshold)

    def learn(
        self, cache_dir: Path | None, *, accept: float = 0.6, ask: float = 0.4
    ) -> Learned | None:
        """Train (or load from ``cache_dir``) the learned layer for these skills.

        Its guesses at ``accept`` or above are matches; from ``ask`` up to ``accept`` they
        are offered by :meth:`guess` for the dialog to ask "Did you mean ...?".
        """
        self.learned = Learned.build(self._catalog, cache_dir)
        self._last = None
        self.learned_accept, self.learned_ask = accept, min(ask, accept)
        return self.learned

    def match(self, text: str, *, intents: Collection[str] | None = None) -> Match | None:
        """The best match with confidence at or above ``threshold``, or None.

        ``intents`` restricts the candidates (for instance to yes/no during a confirmation).
        When no template matches, the learned layer may (``layer`` says which answered).
        """
        found, guess = self._layers(text, intents)
        if found is None:
            if guess is not None and guess.confidence >= self.learned_accept:
                return guess
            found = self._clause(text, intents)
        return found

    def _layers(
        self, text: str, intents: Collection[str] | None
    ) -> tuple[Match | None, Match | None]:
        """(the template match, the learned layer's guess if no template matched), kept for
        the last sentence: the dialog asks :meth:`guess` right after :meth:`match`."""
        key = (text, None if intents is None else frozenset(intents), self.threshold)
        if self._last is not None and self._last[0] == key:
            return self._last[1]
        found = self._search(text, intents, self.threshold)
        layers = (found, self._learned(text, intents) if found is None else None)
        self._last = (key, layers)
        return layers

    def _clause(self, text: str, intents: Collection[str] | None) -> Match | None:
        """A command said before or after another clause: "open didi, i need to get the kids
        to school", "the eggs need seven minutes so set a timer for seven minutes".

        The sentence is cut where a new clause begins (a subject or a linking word), and the
        one part that a template matches is the command; a part that is only a word or two
        is not a clause, and two parts that both match make it no command at all.
        """
        tokens = self._tokens(text)
        if tokens is None or len(tokens) < 2 * _MIN_CLAUSE:
            return None
        cuts = [
            i
            for i in range(_MIN_CLAUSE, len(tokens) - _MIN_CLAUSE + 1)
            if tokens[i] in _CLAUSE_STARTS
        ]
        found: Match | None = None
        for cut in cuts:
            for part in (tokens[:cut], tokens[cut:]):
                match = self._search(" ".join(part), intents, max(self.threshold, _CLAUSE_SURE))
                if match is None:
                    continue
                if found is not None and found.intent != match.intent:
                    return None
                if found is None or match.confidence > found.confidence:
                    found = match
        return found

    def guess(self, text: str, *, intents: Collection[str] | None = None) -> Match | None:
        """What the learned layer thinks an unmatched sentence means when it is not sure
        enough to act: its probability is at least ``learned_ask`` and below
        ``learned_accept``. None otherwise, and whenever a template matches."""
        _, found = self._layers(text, intents)
        if found is None or not self.learned_ask <= found.confidence < self.learned_accept:
            return None
        return found

    def learned_scores(self, text: str) -> dict[str, float]:
        """The learned layer's probability of each intent (and of none, under ``""``)."""
        tokens = self._tokens(text)
        if self.learned is None or tokens is None:
            return {}
        return self.learned.scores(tokens)

    def _learned(self, text: str, intents: Collection[str] | None) -> Match | None:
        """The learned layer's best intent, its slots found in the sentence."""
        scores = self.learned_scores(text)
        if not scores:
            return None
        if intents is not None:
            kept = {k: v for k, v in scores.items() if k == NONE or k in intents}
            total = sum(kept.values()) or 1.0
            scores = {k: v / total for k, v in kept.items()}
        intent = max(scores, key=scores.__getitem__)
        if intent == NONE or intent not in self._catalog.intents:
            return None
        return self._learned_match(text, intent, scores[intent])

    def _learned_match(self, text: str, intent: str, probability: float) -> Match | None:
        """``intent``'s slots: those its closest template reads, then any other value of a
        slot's kind spoken exactly where that reading left words over."""
        skill, _, finders = self._catalog.intents[intent]
        nearest = self._search_all(text, {intent}, 0.0)
        slots: dict[str, str | int] = {}
        ambiguous: dict[str, list[str]] = {}
        used: set[int] = set()
        tokens = self._tokens(text) or []
        if nearest is not None:
            (_, template, alignment, _), inp = nearest
            if template.generic and any(
                template.finders[name] is TEXT
                and isinstance(value, str)
                and _owned(tokens, value.split())
                for name, value in alignment.slots.items()
            ):
                return None  # "i'm looking for my keys": nothing a skill can look for
            slots = dict(alignment.slots)
            ambiguous = _ambiguous(template, alignment, inp)
            for start, end in alignment.spans.values():
                used.update(range(start, end))
        slots.update(_spotted(tokens, finders, slots, used))
        return Match(
            intent=intent,
            skill=skill.name,
            slots=slots,
            confidence=round(probability, 4),
            ambiguous=ambiguous,
            layer="learned",
        )

    def best(self, text: str, *, intents: Collection[str] | None = None) -> Match | None:
        """The best candidate whatever its confidence (for evaluation reports).

        None only when no template shares a word with the input.
        """
        return self._search(text, intents, 0.0)

    def ranked(self, text: str, *, limit: int = 3) -> list[Match]:
        """The best candidate of each intent, best first, whatever their confidence (for
        ``assistant say --explain``: what won, and by how much)."""
        intents = dict.fromkeys(t.intent for t in self._catalog.templates)
        found = [m for i in intents if (m := self.best(text, intents={i})) is not None]
        found.sort(key=lambda m: -m.confidence)
        return found[:limit]

    def _tokens(self, text: object) -> list[str] | None:
        if not isinstance(text, str) or not text or len(text) > _MAX_CHARS:
            return None
        tokens = normalize(text)
        return tokens if tokens and len(tokens) <= MAX_TOKENS else None

    def _search(self, text: str, intents: Collection[str] | None, floor: float) -> Match | None:
        searched = self._search_all(text, intents, floor)
        if searched is None:
            return None
        found, inp = searched
        _, template, alignment, _ = found
        if template.generic:
            for name, value in alignment.slots.items():
                if template.finders[name] is TEXT and isinstance(value, str):
                    if _owned(self._tokens(text) or [], value.split()):
                        return None  # "search for my keys": nothing a skill can look for
                    # "look up the weather in tokyo" asks for the weather, not a search.
                    inner = self._search(value, intents, max(floor, _DEFER))
                    if inner is not None and inner.intent != template.intent:
                        return inner
        return self._result(found, inp)

    def _search_all(
        self, text: str, intents: Collection[str] | None, floor: float
    ) -> tuple[_Best, Input] | None:
        """Exact walks first, then tolerant alignments in two stages.

        Tolerant candidates go in order of the most confidence they can reach: first with a
        small edit budget (fillers, articles, plurals), then with the budget a better match
        than the best so far would need. Candidates that cannot beat the best are skipped.
        """
        tokens = self._tokens(text)
        if tokens is None:
            return None
        catalog = self._catalog
        variants = catalog.variants(tokens)
        inp = Input(tokens, catalog.fuzzy_gate)
        candidates = catalog.candidates(inp, variants, intents)
        if all(token in _SKIPPED for token in tokens):
            candidates = _said_without_content(candidates, tokens)
        if not candidates:
            return None
        best: _Best | None = None
        exact = walkable(candidates, variants)
        bounds = catalog.exact_bounds(exact, inp)
        reachable = [(top, c) for c in exact if (top := bounds[c.order]) is not None]
        reachable.sort(key=lambda item: (-item[0][0], -item[0][1], item[1].order))
        walked: dict[int, Alignment] = {}
        for top, template in reachable:
            if best is not None:
                if top < best[0][:2]:
                    break  # neither more confidence nor more literal words: nor will the rest
                if top == best[0][:2] and best[0][2] == 0 and template.order > -best[0][3]:
                    continue  # at most a tie, which the earlier template wins
            alignment = self._align(template, inp, None)
            if alignment is not None:
                walked[template.order] = alignment
            best = self._keep(template, alignment, inp, floor, best)
        if best is not None and best[0][0] >= _NEAR_EXACT:
            return best, inp
        probe = catalog.probe(inp, variants)
        ranking = catalog.ranking(candidates, probe)
        tried: dict[int, int] = {}
        for stage in (_LIGHT_BUDGET, None):
            ranked = ranking if stage is None else ranking.within(stage)
            i = 0
            while True:
                limit = max(floor, best[0][0] if best is not None else 0.0)
                item = ranked.get(i, limit)
                if item is None:
                    break
                i += 1
                reach, template = item
                bound = reach.confidence
                if bound < limit:
                    break
                if best is not None:
                    most = (round(bound, 6), reach.literal)
                    if most < best[0][:2] or (
                        most == best[0][:2] and best[0][2] == 0 and template.order >= -best[0][3]
                    ):
                        continue  # cannot beat the best so far, at best tie with it
                norm = max(inp.n, template.graph.max_units, 1)
                budget = int((1.0 - limit) * norm * 100 + 1e-6)
                if stage is not None:
                    if reach.cost > stage:
                        continue  # needs more edits than the light stage allows
                    if budget > 2 * stage:
                        budget = stage  # look for a cheap match first
                if budget <= tried.get(template.order, -1):
                    continue  # aligned already: found its cheapest reading, or none this cheap
                walk = walked.get(template.order)
                if walk is not None and not template.has_text and reach.cost >= walk.cost:
                    # Nothing cheaper than its exact walk: an alignment as cheap could only
                    # read more words fuzzily, and the exact reading is the one to keep.
                    continue
                alignment = None
                if tried.get(template.order, -1) < reach.cost + _SLACK < budget:
                    # The cost is mostly near its bound: look that far first, in a far
                    # smaller search, and widen it only if nothing that cheap is there.
                    alignment = self._align(template, inp, reach.cost + _SLACK, reach.rest)
                if alignment is None:
                    alignment = self._align(template, inp, budget, reach.rest)
                tried[template.order] = budget if alignment is None else _FOUND
                best = self._keep(template, alignment, inp, floor, best)
        return None if best is None else (best, inp)

    @staticmethod
    def _result(best: _Best, inp: Input) -> Match:
        _, template, alignment, score = best
        return Match(
            intent=template.intent,
            skill=template.skill,
            slots=alignment.slots,
            confidence=round(score, 4),
            ambiguous=_ambiguous(template, alignment, inp),
        )

    @staticmethod
    def _align(
        template: Template, inp: Input, budget: int | None, rest: Sequence[int] | None = None
    ) -> Alignment | None:
        """The cheapest alignment of one template: exact if ``budget`` is None.

        ``rest`` bounds from below what reading the input from each position on costs.
        """
        return align(
            template.graph,
            inp,
            template.finders,
            tolerant=budget is not None,
            budget=_EXACT_BUDGET if budget is None else budget,
            rest=rest,
        )

    @staticmethod
    def _keep(
        template: Template,
        alignment: Alignment | None,
        inp: Input,
        floor: float,
        best: _Best | None,
    ) -> _Best | None:
        """The better of ``best`` and the template's alignment."""
        if alignment is None:
            return best
        score = confidence(alignment, inp.n)
        if score < floor or (score == 0.0 and best is not None):
            return best
        rank = (round(score, 6), alignment.literal, -alignment.text_tokens, -template.order)
        if best is not None and rank <= best[0]:
            return best
        return rank, template, alignment, score

    def parse_slot(self, text: str, skill: str, intent: str, slot: str) -> str | int | None:
        """The value of one slot in a follow-up answer, or None if the answer holds none.

        "a latte please" gives "latte" for coffee.order's drink; "five minutes" gives 300
        for a duration. The answer may carry filler words and a few words around the value
        ("i would like a latte"), but not another sentence.
        """
        entry = self._catalog.intents.get(intent)
        tokens = self._tokens(text)
        if entry is None or entry[0].name != skill or slot not in entry[2] or tokens is None:
            return None
        inp = Input(tokens, self._catalog.fuzzy_gate)
        return parse_answer(inp, entry[2][slot], self.threshold)

    def sentence(self, intent: str, slots: dict[str, str | int]) -> str | None:
        """A sentence of ``intent``'s templates that says ``slots``, for asking "Did you mean
        ...?": "order a latte from starbucks". None if no template says them all."""
        spoken = {name: _spoken(value) for name, value in slots.items()}
        found = [
            sentence
            for t in self._catalog.templates
            if t.intent == intent and (sentence := render(t.tree, spoken)) is not None
        ]
        # The fullest of the short ones: "order a latte from starbucks", not "latte".
        short = [s for s in found if len(s.split()) <= 8] or found
        return max(short, key=lambda s: len(s.split())) if short else None

    def vocabulary(self) -> set[str]:
        """Every word a template, list value, number, duration or day can produce."""
        return set(self._catalog.words)

    def phrases(self, intent: str | None = None) -> list[str]:
        """Examples plus a bounded, deterministic sample of each intent's sentences.

        With ``intent``, only that intent's; unknown intents give an empty list.
        """
        names = [intent] if intent is not None else list(self._catalog.intents)
        out: list[str] = []
        for name in names:
            if name not in self._catalog.intents:
                continue
            examples = self._catalog.intents[name][1].examples
            trees = [(t.tree, t.finders) for t in self._catalog.templates if t.intent == name]
            out.extend(sample_phrases(name, examples, trees))
        return list(dict.fromkeys(out))


def _spoken(value: str | int) -> str:
    """A slot value as words: numbers as digits, durations (seconds) in minutes or hours."""
    if isinstance(value, str):
        return value
    if value >= 3600 and value % 3600 == 0:
        return f"{value // 3600} hour" + ("s" if value != 3600 else "")
    if value >= 60 and value % 60 == 0:
        return f"{value // 60} minute" + ("s" if value != 60 else "")
    return str(value)


def _spotted(
    tokens: Sequence[str], finders: dict[str, Finder], slots: dict[str, str | int], used: set[int]
) -> dict[str, str | int]:
    """Values of the slots ``slots`` lacks, each read exactly in words nothing else took.

    A slot is filled only when its kind is unambiguous among the missing slots (two missing
    number slots: neither is guessed). Free-text slots are not guessed at all.
    """
    missing = [n for n, f in finders.items() if n not in slots and f is not TEXT]
    out: dict[str, str | int] = {}
    for name in missing:
        finder = finders[name]
        if sum(finders[other] is finder for other in missing) > 1:
            continue
        for start in range(len(tokens)):
            if start in used:
                continue
            spans = [
                (end, value)
                for end, value, cost, _ in finder.spans(tokens, start, False, frozenset())
                if cost == 0 and not used.intersection(range(start, end))
            ]
            if spans:
                end, value = max(spans, key=lambda span: span[0])
                out[name] = value
                used.update(range(start, end))
                break
    return out


def _ambiguous(template: Template, alignment: Alignment, inp: Input) -> dict[str, list[str]]:
    """The list slots of ``alignment`` for which the input speaks another value exactly,
    outside every value the alignment read, with all their values in the order spoken."""
    out: dict[str, list[str]] = {}
    taken: set[int] | None = None
    for name, value in alignment.slots.items():
        finder = template.finders.get(name)
        if not isinstance(finder, ListFinder) or not isinstance(value, str):
            continue
        start, end = alignment.spans[name]
        cover = inp.joined_cover(finder)
        if all(start <= i < end for i in cover):
            continue  # the common case: the list covers no word but the value read
        if taken is None:
            taken = {i for start, end in alignment.spans.values() for i in range(start, end)}
        elsewhere = cover - taken
        if not elsewhere:
            continue
        heard = {start: value}
        after = 0  # past the last value found
        for i in sorted(elsewhere):
            if i < after:
                continue
            ends = [
                (end, other)
                for end, other, _, _ in inp.spans(finder, i, False)
                if isinstance(other, str) and taken.isdisjoint(range(i, end))
            ]
            if ends:
                after, heard[i] = max(ends)
        values = list(dict.fromkeys(heard[i] for i in sorted(heard)))
        if len(values) > 1:
            out[name] = values
    return out


def _said_without_content(templates: list[Template], tokens: Sequence[str]) -> list[Template]:
    """The templates input of only articles and fillers can mean.

    Such words name nothing: "a the some" orders no coffee because the coffee template has
    an optional "a", and "please" alone says no "please do". Only a template that the input
    says every required word of, one at least not an article ("okay", "thank you"), is meant.
    """
    spoken = set(tokens)
    said = spoken - ARTICLES
    return [
        t
        for t in templates
        if any(said & group for group, _ in t.required)
        and all(spoken & group for group, _ in t.required)
    ]


def _owned(tokens: Sequence[str], words: Sequence[str]) -> bool:
    """Whether ``words`` follow "my" or "our" in ``tokens``, with only articles between."""
    for start in range(len(tokens) - len(words) + 1):
        if list(tokens[start : start + len(words)]) == list(words):
            before = start - 1
            while before >= 0 and tokens[before] in _SKIPPED:
                if tokens[before] in _OWNERS:
                    return True
                before -= 1
    return False
