"""What people can say to a mini-program, from its manifest alone.

Each action of a manifest becomes an intent, ``app.<service>.<action>``, whose slots are the
action's parameters: an ``enum`` is a value list, an integer a number, a parameter whose
values another action lists (Pagoda's catalog items) a value list fetched from that action,
a day a day, and other strings free text found by the words around them ("from beijing",
"to the airport", "called dune"). Which action a sentence asks for is read from the action's
own words: its description's verb and the words people use for it (``voice.toml``), the
rest of the description, its name, what it returns, and the values the sentence holds.
Templates a manifest declares (``utterances``) are matched first, by the template matcher.
"""

from __future__ import annotations

import logging
import math
import re
import time
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

from ..nlu import Matcher, normalize
from ..nlu.normalize import singulars
from ..nlu.numbers import parse_day, parse_number
from ..skill import IntentSpec, Skill, SlotList, SlotSpec, SlotValue
from .manifest import Action, Parameter, ServiceManifest

__all__ = [
    "APP_INTENT",
    "HELP_ACTION",
    "AppVoice",
    "AppVoices",
    "Heard",
    "intent_name",
    "split_intent",
]

_LOGGER = logging.getLogger(__name__)

HELP_ACTION = "_help"
"""The intent ``app.<service>._help``: what can I do here?"""

APP_INTENT = "app."
"""Intents of mini-programs start so: ``app.pagoda.place_order``."""

VALUES_TTL = 600.0
"""Seconds values fetched from an action (a catalog) are kept before they are fetched again."""

_MAX_VALUES = 500
_STOP = frozenset(
    "a an the some any my me i you your we our us it its this that these those of for to from "
    "in on at by with and or please can could would will shall should may might do does did "
    "is are am be was were have has had get give want like need let just also then there "
    "here what which how much many one ones".split()
)
_DETERMINERS = frozenset("a an the some any my our your this that these those".split())
_ENDS = frozenset("to from on at for in by with please and tomorrow today tonight now asap".split())
_ORIGIN = frozenset({"origin", "from", "pickup", "start", "departure", "source", "departing"})
_DESTINATION = frozenset({"destination", "to", "dropoff", "dest", "arrival", "arriving"})
_DAY = frozenset({"day", "date", "when"})
_CODE_SUFFIXES = ("_no", "_number", "_id", "_code", "_num")
_TEXT_CUES = ("called", "named", "titled", "about", "by")
_SPOKEN_PUNCT = re.compile(r"[^\w\s']+")
_PRICE_KEYS = ("price", "total", "fare", "cost", "amount")


def intent_name(service: str, action: str) -> str:
    """``app.pagoda.place_order``."""
    return f"{APP_INTENT}{service}.{action}"


def split_intent(intent: str) -> tuple[str, str] | None:
    """(service id, action) of an app intent, or None for any other intent."""
    if not intent.startswith(APP_INTENT):
        return None
    service, _, action = intent[len(APP_INTENT) :].partition(".")
    return (service, action) if service and action else None


@cache
def _lexicon() -> tuple[dict[str, tuple[str, ...]], tuple[str, ...]]:
    data = tomllib.loads(Path(__file__).with_name("voice.toml").read_text(encoding="utf-8"))
    verbs = {verb: tuple(words) for verb, words in data["verbs"].items()}
    return verbs, tuple(data["questions"]["words"])


def _stem(word: str) -> str:
    forms = singulars(word)
    return forms[-1] if word.endswith("ies") and forms else (forms[0] if forms else word)


def _stems(tokens: Iterable[str]) -> list[str]:
    return [_stem(t) for t in tokens]


def _words(text: str) -> list[str]:
    return normalize(_SPOKEN_PUNCT.sub(" ", text))


def spoken_forms(value: str) -> list[str]:
    """How a listed value is said: "mangoes 1kg" → "mangoes 1kg", "mangoes";
    "red roses (11)" → "red roses (11)", "red roses", "roses"."""
    plain = re.sub(r"\([^)]*\)", " ", value)
    words = [w for w in _words(plain) if not any(ch.isdigit() for ch in w)]
    forms = [" ".join(_words(value))]
    if words:
        forms.append(" ".join(words))
    return [f for f in dict.fromkeys(forms) if f]


@dataclass(frozen=True)
class Heard:
    """What a sentence asks of one mini-program."""

    service: str
    action: str
    slots: dict[str, SlotValue]
    score: float
    ambiguous: dict[str, list[str]] = field(default_factory=dict)
    via: str = "open"
    """How the mini-program was chosen: "named" in the sentence ("from pagoda"),
    "mentioned" (its name is a word of the sentence: "a didi"), the "open" one, or "routed"
    by the directory's search."""

    @property
    def intent(self) -> str:
        return intent_name(self.service, self.action)

    @property
    def confidence(self) -> float:
        """0.5 at the least evidence accepted, toward 1 with more."""
        return round(min(0.99, 1.0 - 0.5 * math.exp(-(self.score - _ACCEPT) / 3.0)), 4)


_ACCEPT = 2.0


class _Values:
    """A parameter's values with how they are said, and the words that tell them apart."""

    def __init__(self, values: Mapping[str, Sequence[str]]) -> None:
        self.forms: list[tuple[str, tuple[str, ...]]] = []
        per_value: dict[str, set[str]] = {}
        for value, spoken in values.items():
            for form in dict.fromkeys([*spoken_forms(value), *spoken]):
                stems = tuple(s for s in _stems(_words(form)) if s not in _STOP)
                if stems:
                    self.forms.append((value, stems))
                    per_value.setdefault(value, set()).update(stems)
        counts: dict[str, int] = {}
        for stems_of_value in per_value.values():
            for stem in stems_of_value:
                counts[stem] = counts.get(stem, 0) + 1
        total = max(1, len(values))
        self.unique = {s for s, c in counts.items() if c == 1 and len(s) > 2}
        self.weight = {s: math.log(1 + total / c) for s, c in counts.items()}

    def find(self, stems: Sequence[str], taken: set[int]) -> tuple[list[str], set[int], float]:
        """(the values the words name, best first; the positions they took; how sure, 0..1)."""
        best: dict[str, tuple[float, set[int]]] = {}
        for value, form in self.forms:
            used: set[int] = set()
            got = 0.0
            for stem in form:
                at = [i for i, s in enumerate(stems) if s == stem and i not in taken]
                if at:
                    used.add(at[0])
                    got += self.weight.get(stem, 1.0)
            whole = sum(self.weight.get(s, 1.0) for s in form)
            share = got / whole if whole else 0.0
            if any(stems[i] in self.unique for i in used):
                share = max(share, 0.75)  # "durian" is the only durian of the catalog
            if share > best.get(value, (0.0, set()))[0]:
                best[value] = (share, used)
        ranked = sorted(best.items(), key=lambda kv: -kv[1][0])
        if not ranked or ranked[0][1][0] < 0.5:
            return [], set(), 0.0
        top = ranked[0][1][0]
        tied = [value for value, (share, _) in ranked if share >= top - 1e-9]
        return tied, ranked[0][1][1], top


@dataclass
class _Param:
    name: str
    spec: Parameter
    kind: str  # list, number, day, origin, destination, code, text
    values_from: str | None = None
    spoken: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def slot_type(self) -> str:
        return {"list": "list", "number": "number", "day": "day"}.get(self.kind, "text")

    def prompt(self) -> str:
        if self.kind == "destination":
            return "Where to?"
        if self.kind == "origin":
            return "Where from?"
        if self.kind == "day":
            return "Which day?"
        label = self.name
        for suffix in _CODE_SUFFIXES:
            label = label.removesuffix(suffix)
        return f"Which {label.replace('_', ' ')}?"


def _kind(name: str, param: Parameter) -> str:
    words = set(name.lower().split("_"))
    description = set(_words(param.description))
    if param.enum is not None:
        return "list" if param.type == "string" else "number"
    if param.type in ("integer", "number"):
        return "number"
    if param.type != "string":
        return "other"
    if words & _DAY or ({"today", "tomorrow", "weekday"} & description):
        return "day"
    if words & _ORIGIN or (description and _words(param.description)[0] == "from"):
        return "origin"
    if words & _DESTINATION or (description and _words(param.description)[0] == "to"):
        return "destination"
    if name.endswith(_CODE_SUFFIXES):
        return "code"
    return "text"


def _lister_of(manifest: ServiceManifest, name: str, param: Parameter) -> str | None:
    """The action listing a parameter's values: the one the manifest names
    (``values_from``), else a read-only action without required parameters whose result
    holds that name ("items: [{item, price}]" for ``item``), when the parameter speaks of a
    catalog, menu or list."""
    if param.values_from:
        return param.values_from
    mentions = set(_words(param.description)) & {"catalog", "catalogue", "menu", "list", "listed"}
    if not mentions:
        return None
    for action in manifest.actions:
        required = any(p.required for p in action.parameters.values())
        if action.side_effects or required:
            continue
        if re.search(rf"\b{re.escape(name)}\b", action.returns):
            return action.name
    return None


class _ActionVoice:
    def __init__(self, manifest: ServiceManifest, action: Action) -> None:
        self.action = action
        words = _words(action.description)
        verbs, _ = _lexicon()
        self.verb = words[0] if words else ""
        self.cues = tuple(dict.fromkeys((self.verb, *verbs.get(self.verb, ()))))
        content = [s for s in _stems(words[1:]) if s not in _STOP]
        self.object = set(content)
        self.named = {_stem(p) for p in action.name.split("_") if p not in _STOP} - self.object
        self.named.discard(self.verb)
        self.returned = {
            s for s in _stems(_words(action.returns.replace("_", " "))) if s not in _STOP
        }
        self.lists = not action.side_effects and not any(
            p.required for p in action.parameters.values()
        )
        """A read-only action without required parameters: it tells what there is."""
        self.about: tuple[str, str] | None = None
        """For an action that lists another's values: (that action, its parameter)."""
        self.params: dict[str, _Param] = {}
        for name, param in action.parameters.items():
            kind = _kind(name, param)
            lister = _lister_of(manifest, name, param) if kind in ("text", "list") else None
            if lister is not None:
                kind = "list"
            self.params[name] = _Param(name, param, kind, lister, dict(param.spoken))


class AppVoice:
    """How one mini-program is spoken to: its actions as intents of a generated skill.

    :param values: fetches the values an action lists: ``values(action)`` returns the call's
        result data (the directory's call, for the catalog); None: only declared values.
    """

    def __init__(
        self,
        manifest: ServiceManifest,
        values: Callable[[str], dict[str, Any]] | None = None,
        *,
        threshold: float = 0.5,
    ) -> None:
        self.manifest = manifest
        self.service = manifest.id
        self._fetch = values
        self.actions = {a.name: _ActionVoice(manifest, a) for a in manifest.actions}
        for name, voice in self.actions.items():
            for pname, param in voice.params.items():
                lister = self.actions.get(param.values_from or "")
                if lister is not None and lister.about is None and "about" not in lister.params:
                    lister.about = (name, pname)
        self._listed: dict[str, tuple[float, dict[str, tuple[str, ...]]]] = {}
        self._finders: dict[tuple[str, str], tuple[float, _Values]] = {}
        self.skill = self._skill()
        self._templates: Matcher | None = None
        self._threshold = threshold
        if any(a.utterances for a in manifest.actions):
            self._templates = Matcher.build([self.skill_with_lists()], threshold=threshold)

    # -- the generated skill -------------------------------------------------------------

    @property
    def skill_name(self) -> str:
        return f"app_{self.service}"

    def _skill(self, lists: dict[str, SlotList] | None = None) -> Skill:
        intents = []
        lists = dict(lists or {})
        for name, voice in self.actions.items():
            action = voice.action
            slots: dict[str, SlotSpec] = {}
            for pname, param in voice.params.items():
                list_name = f"{name}.{pname}"
                slot_type = param.slot_type
                if slot_type == "list" and list_name not in lists:
                    lists[list_name] = SlotList(values=self._declared(param) or {"none": ()})
                slots[pname] = SlotSpec(
                    type=slot_type,  # type: ignore[arg-type]
                    list=list_name if slot_type == "list" else None,
                    required=param.spec.required,
                    prompt=param.prompt(),
                    description=param.spec.description,
                )
            if voice.about is not None:
                slots["about"] = SlotSpec(
                    type="list",
                    list=".".join(voice.about),
                    description="The one entry asked about ('how much is the durian').",
                )
            templates = action.utterances or (_plain(action.description),)
            intents.append(
                IntentSpec(
                    name=intent_name(self.service, name),
                    description=action.description,
                    templates=templates,
                    slots=slots,
                    examples=tuple(self.examples(name)),
                    side_effects=action.side_effects,
                )
            )
        intents.append(
            IntentSpec(
                name=intent_name(self.service, HELP_ACTION),
                description=f"What {self.manifest.name} can do",
                templates=("what can i do here",),
            )
        )
        return Skill(
            name=self.skill_name,
            description=self.manifest.description,
            intents=tuple(intents),
            lists=lists,
        )

    def skill_with_lists(self) -> Skill:
        """The skill with every value list filled, fetched ones included."""
        lists = {}
        for name, voice in self.actions.items():
            for pname, param in voice.params.items():
                if param.kind == "list":
                    values = self.values(name, pname)
                    lists[f"{name}.{pname}"] = SlotList(values=values or {"none": ()})
        return self._skill(lists)

    def examples(self, action: str, *, fetch: bool = False) -> list[str]:
        """Sentences that ask for an action: its own utterances, else made from its verb,
        its values and its parameters ("order two mangoes", "find trains from ... to ...").

        :param fetch: also use fetched values (a catalog call), not only declared ones.
        """
        voice = self.actions[action]
        if voice.action.utterances:
            return list(voice.action.utterances[:3])
        described = " ".join(_words(voice.action.description))
        content = [w for w in _words(voice.action.description)[1:] if w not in _STOP]
        if voice.lists and not voice.params and content:
            return [f"what {content[0]} do you have", described]
        for name, param in voice.params.items():
            if param.kind == "list":
                values = self.values(action, name) if fetch else self._declared(param)
                if values:
                    return [f"{voice.verb} {spoken_forms(next(iter(values)))[-1]}", described]
        return [described]

    # -- values --------------------------------------------------------------------------

    @staticmethod
    def _declared(param: _Param) -> dict[str, tuple[str, ...]]:
        values: dict[str, tuple[str, ...]] = {
            str(v): () for v in (param.spec.enum or ()) if isinstance(v, str)
        }
        for value, forms in param.spoken.items():
            values[value] = tuple(forms)
        return values

    def values(self, action: str, param: str) -> dict[str, tuple[str, ...]]:
        """A list parameter's values with their spoken forms: declared, then fetched."""
        voice = self.actions[action].params[param]
        values = self._declared(voice)
        if voice.values_from is None or self._fetch is None:
            return values
        kept = self._listed.get(voice.values_from)
        if kept is None or time.monotonic() - kept[0] > VALUES_TTL:
            kept = (time.monotonic(), self._fetch_values(voice.values_from, param))
            self._listed[voice.values_from] = kept
        listed = kept[1]
        return {**{v: () for v in listed}, **values}

    def _fetch_values(self, lister: str, param: str) -> dict[str, tuple[str, ...]]:
        assert self._fetch is not None
        try:
            data = self._fetch(lister)
        except Exception as exc:  # the service is down: its catalog is not heard this time
            _LOGGER.warning("%s: cannot list the values of %s: %s", self.service, param, exc)
            return {}
        found: dict[str, tuple[str, ...]] = {}
        for entry in _entries(data):
            value = entry.get(param)
            if not isinstance(value, str):
                value = next((v for v in entry.values() if isinstance(v, str)), None)
            if isinstance(value, str) and value.strip() and len(found) < _MAX_VALUES:
                found[value.strip()] = ()
        return found

    def _finder(self, action: str, param: str) -> _Values:
        key = (action, param)
        kept = self._finders.get(key)
        if kept is None or time.monotonic() - kept[0] > VALUES_TTL:
            kept = (time.monotonic(), _Values(self.values(action, param)))
            self._finders[key] = kept
        return kept[1]

    # -- hearing -------------------------------------------------------------------------

    def hear(self, text: str, *, skip: Iterable[str] = ()) -> Heard | None:
        """The action a sentence asks for with the slots it gives, or None.

        :param skip: words to leave out (the mini-program's name, already read).
        """
        if self._templates is not None:
            found = self._templates.match(text)
            if found is not None and found.layer == "templates":
                _, action = split_intent(found.intent) or ("", "")
                return Heard(self.service, action, dict(found.slots), 6.0, found.ambiguous)
        tokens = _words(text)
        skipped = set(skip)
        tokens = [t for t in tokens if t not in skipped] if skipped else tokens
        if not tokens:
            return None
        heard = [self._hear_action(name, tokens) for name in self.actions]
        ranked = sorted((h for h in heard if h is not None), key=lambda h: -h.score)
        if not ranked or ranked[0].score < _ACCEPT:
            return None
        return ranked[0]

    def _hear_action(self, name: str, tokens: list[str]) -> Heard | None:
        voice = self.actions[name]
        stems = _stems(tokens)
        joined = " " + " ".join(tokens) + " "
        _, questions = _lexicon()
        question = any(joined.startswith(f" {q} ") for q in questions)
        cues = [c for c in voice.cues if f" {c} " in joined]
        cue = next((c for c in cues if c not in _WEAK_CUES), cues[0] if cues else None)
        score = 0.0
        evidence = False
        if cue is not None:
            score += 1.0 if cue in _WEAK_CUES else 2.0
            evidence = True
        read_only = not voice.action.side_effects
        if read_only and any(f" {p} " in joined for p in _BROWSE):
            score += 1.5  # "do you have ...", "what's on offer"
        said = set(stems)
        if any(f" {w} " in joined for w in _PRICE_WORDS):
            said.add("price")
            if read_only and "price" in voice.returned | voice.object and cue is None:
                score += 1.5  # "how much is ...": an action that tells prices
                evidence = True
        object_hits = len(voice.object & said)
        score += 1.5 * min(2, object_hits)
        score += 1.0 * min(2, len(voice.named & said))
        score += 0.5 * min(2, len((voice.returned - voice.object) & said))
        evidence = evidence or object_hits > 0
        slots, ambiguous, filled, used = self._slots(name, tokens, stems)
        for pname, weight in filled.items():
            score += weight
            if pname == "about" or voice.params[pname].kind == "list":
                evidence = True
        # Words that neither ask for the action nor fill a slot ("send a package to my mom"
        # to a fruit shop) speak against it.
        explained = set(voice.cues) | voice.object | voice.named | voice.returned | _UNITS
        unexplained = [
            t
            for i, t in enumerate(tokens)
            if i not in used
            and t not in _STOP
            and stems[i] not in explained
            and t not in explained
            and not t.isdigit()
        ]
        score -= _UNEXPLAINED * len(unexplained)
        ordering = cue is not None and cue not in _WEAK_CUES
        if voice.action.side_effects and question and not ordering:
            score -= 2.5
        if not voice.action.side_effects and not question and cue is None and filled:
            score -= 0.5  # "two boxes of mangoes" orders; it does not ask for the catalog
        if not evidence:
            return None
        return Heard(self.service, name, slots, score, ambiguous)

    def _slots(
        self, action: str, tokens: list[str], stems: list[str]
    ) -> tuple[dict[str, SlotValue], dict[str, list[str]], dict[str, float], set[int]]:
        """(slot values, slots given several values, evidence each filled slot adds, the
        positions of the words they took)."""
        voice = self.actions[action]
        slots: dict[str, SlotValue] = {}
        ambiguous: dict[str, list[str]] = {}
        filled: dict[str, float] = {}
        # "what fruit do you have": the action's own words name no value ("fruit platter"),
        # nor does "the first one" ("first class").
        taken = {i for i, stem in enumerate(stems) if stem in voice.object}
        taken |= {
            i
            for i, token in enumerate(tokens[:-1])
            if token in _ORDINALS and tokens[i + 1] in ("one", "1", "option", "choice")
        }
        own = set(taken)
        ordered = sorted(voice.params.values(), key=lambda p: _ORDER.index(p.kind))
        for param in ordered:
            if param.kind == "list":
                values, used, share = self._finder(action, param.name).find(stems, taken)
                if values:
                    slots[param.name] = values[0]
                    if len(values) > 1:
                        ambiguous[param.name] = values
                    taken |= used
                    filled[param.name] = 2.0 * share
            elif param.kind == "number":
                found = _number(tokens, taken)
                if found is not None:
                    slots[param.name], used = found
                    taken |= used
                    filled[param.name] = 0.5
            elif param.kind == "day":
                found_day = _day(tokens, taken)
                if found_day is not None:
                    slots[param.name], used = found_day
                    taken |= used
                    filled[param.name] = 0.5
            elif param.kind in ("origin", "destination"):
                word = "from" if param.kind == "origin" else "to"
                span = _after(tokens, word, taken)
                if span is not None:
                    slots[param.name], used = span
                    taken |= used
                    filled[param.name] = 1.0
            elif param.kind == "code":
                code = _code(tokens, taken)
                if code is not None:
                    slots[param.name], used = code
                    taken |= used
                    filled[param.name] = 1.0
        if voice.about is not None:
            values, used, share = self._finder(*voice.about).find(stems, taken)
            if values:
                slots["about"] = values[0]
                if len(values) > 1:
                    ambiguous["about"] = values
                taken |= used
                filled["about"] = 1.0 * share
        taken -= own
        texts = [p for p in ordered if p.kind == "text"]
        for param in texts:
            span = _cued(tokens, taken)
            if span is None and len(texts) == 1:
                span = _rest(tokens, taken, voice)
            if span is not None:
                slots[param.name], used = span
                taken |= used
                filled[param.name] = 0.5
        return slots, ambiguous, filled, taken | own

    def parse_slot(self, text: str, action: str, slot: str) -> SlotValue | None:
        """The value an answer gives one slot ("mangoes", "the airport", "G 17"), or None."""
        voice = self.actions.get(action)
        tokens = _words(text)
        if voice is None or not tokens:
            return None
        if slot == "about" and voice.about is not None:
            values, _, _ = self._finder(*voice.about).find(_stems(tokens), set())
            return values[0] if values else None
        if slot not in voice.params:
            return None
        param = voice.params[slot]
        if param.kind == "list":
            values, _, _ = self._finder(action, slot).find(_stems(tokens), set())
            return values[0] if values else None
        if param.kind == "number":
            found = _number(tokens, set())
            return found[0] if found else None
        if param.kind == "day":
            found_day = _day(tokens, set())
            return found_day[0] if found_day else None
        if param.kind == "code":
            code = _code(tokens, set())
            return code[0] if code else None
        span = _trim([t for t in tokens if t not in ("from", "to")] if len(tokens) > 1 else tokens)
        if not span or len(span) > _ANSWER_WORDS or set(span) <= _YES_NO:
            return None  # "yes", or another sentence: not an answer to "Where to?"
        return " ".join(span)


_WEAK_CUES = frozenset(
    {"what", "which", "have", "any", "got", "is", "are", "available", "check", "tell"}
)
"""Words that ask for many things: alone they are weak evidence for an action."""
_BROWSE = (
    "do you have",
    "have you got",
    "do you sell",
    "do you offer",
    "can i get",
    "can i buy",
    "can i order",
    "on offer",
    "on the menu",
    "is there",
    "are there",
    "available",
    "options",
)
"""Phrases asking what a mini-program offers: its read-only list action answers them."""
_PRICE_WORDS = ("how much", "cost", "costs", "price", "prices", "pricey", "expensive", "cheap")

_UNEXPLAINED = 0.75
_UNITS = frozenset(
    "box boxes bag bags bottle bottles cup cups pack packs kilo kilos kg piece pieces bunch "
    "portion portions order orders serving servings lot lots couple".split()
)
_ANSWER_WORDS = 6
_YES_NO = frozenset("yes yeah yep sure ok okay no nope nah right fine".split())

_ORDER = ("list", "code", "day", "origin", "destination", "number", "text", "other")


def _plain(description: str) -> str:
    """A description as a template: words only."""
    return " ".join(_words(description)) or "none"


def _entries(data: Any) -> list[dict[str, Any]]:
    """The entries of the first list of objects in a result ("items", "trains", ...)."""
    if isinstance(data, dict):
        for value in data.values():
            if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
                return value
    if isinstance(data, list) and all(isinstance(v, dict) for v in data):
        return data
    return []


def _number(tokens: list[str], taken: set[int]) -> tuple[int, set[int]] | None:
    for start in range(len(tokens)):
        for size in (3, 2, 1):
            span = range(start, start + size)
            if start + size > len(tokens) or taken.intersection(span):
                continue
            value = parse_number(tokens[start : start + size])
            if value is not None:
                return value, set(span)
    return None


def _day(tokens: list[str], taken: set[int]) -> tuple[str, set[int]] | None:
    for start in range(len(tokens)):
        for size in (2, 1):
            span = range(start, start + size)
            if start + size > len(tokens) or taken.intersection(span):
                continue
            value = parse_day(tokens[start : start + size])
            if value is not None:
                return value, set(span)
    return None


def _span_from(tokens: list[str], start: int, taken: set[int]) -> tuple[str, set[int]] | None:
    end = start
    while end < len(tokens) and end not in taken and tokens[end] not in _ENDS:
        if parse_day(tokens[end : end + 1]) is not None:
            break
        end += 1
    words = list(range(start, end))
    while words and tokens[words[0]] in _DETERMINERS:
        words.pop(0)
    if not words or len(words) > 6:
        return None
    return " ".join(tokens[i] for i in words), set(range(start - 1, end))


def _after(tokens: list[str], word: str, taken: set[int]) -> tuple[str, set[int]] | None:
    """The words after the last "to" (or "from") that is not "to" a verb ("want to go")."""
    for at in range(len(tokens) - 1, -1, -1):
        if tokens[at] != word or at in taken:
            continue
        nxt = tokens[at + 1] if at + 1 < len(tokens) else ""
        if word == "to" and nxt in _VERBS_AFTER_TO:
            continue
        span = _span_from(tokens, at + 1, taken)
        if span is not None:
            return span
    return None


_VERBS_AFTER_TO = frozenset(
    "go get be order buy book see know have take travel ride eat drink find send call make".split()
)


def _code(tokens: list[str], taken: set[int]) -> tuple[str, set[int]] | None:
    """A code such as a train number: "g17", "g 17", "g one seven"."""
    for i, token in enumerate(tokens):
        if i in taken:
            continue
        if re.fullmatch(r"[a-z]+\d+[a-z0-9]*", token):
            return token.upper(), {i}
        if len(token) == 1 and token.isalpha() and token not in ("a", "i"):
            digits: list[str] = []
            j = i + 1
            while j < len(tokens) and j not in taken:
                number = parse_number(tokens[j : j + 1])
                if number is None:
                    break
                digits.append(str(number))
                j += 1
            if digits:
                return token.upper() + "".join(digits), set(range(i, j))
    return None


def _cued(tokens: list[str], taken: set[int]) -> tuple[str, set[int]] | None:
    """Free text after "called", "named", "titled", "about" or "by"."""
    for at, token in enumerate(tokens):
        if token in _TEXT_CUES and at not in taken and at + 1 < len(tokens):
            rest = [i for i in range(at + 1, len(tokens)) if i not in taken]
            words = _trim([tokens[i] for i in rest])
            if words:
                return " ".join(words), set(rest) | {at}
    return None


def _rest(tokens: list[str], taken: set[int], voice: _ActionVoice) -> tuple[str, set[int]] | None:
    """The longest run of words that are not the action's own words nor fillers."""
    own = voice.object | voice.named | set(voice.cues) | {voice.verb}
    runs: list[list[int]] = [[]]
    for i, token in enumerate(tokens):
        if i in taken or _stem(token) in own or token in _STOP - _DETERMINERS:
            runs.append([])
        else:
            runs[-1].append(i)
    best = max(runs, key=len)
    words = _trim([tokens[i] for i in best])
    if not words:
        return None
    return " ".join(words), set(best)


def _trim(words: list[str]) -> list[str]:
    while words and (words[0] in _DETERMINERS or words[0] in _STOP):
        words = words[1:]
    while words and (words[-1] in _STOP or words[-1] in ("please", "thanks")):
        words = words[:-1]
    return words


def price_of(entry: dict[str, Any]) -> float | None:
    """The price an entry of a result gives ("price", "total", "fare"...), or None."""
    for key in _PRICE_KEYS:
        value = entry.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
    return None


_INTRODUCING = frozenset("from at on with in via use using through".split())
_SAME_NAME = 5  # mini-programs of one name compared
_NAME_WORDS = 4  # the longest mini-program name spotted in a sentence, in words
_ROUTED = 3.5  # evidence needed when the sentence names no mini-program and none is open
_CACHED_APPS = 64


class AppVoices:
    """Every mini-program of a directory as something to talk to, built on first use.

    :param directory: the service directory (its names, manifests and calls).
    """

    def __init__(self, directory: Any, *, threshold: float = 0.5) -> None:
        self.directory = directory
        self.threshold = threshold
        self._voices: dict[str, AppVoice] = {}

    def voice(self, service: str) -> AppVoice | None:
        """The voice of one mini-program (None if the directory has no such id)."""
        voice = self._voices.get(service)
        if voice is not None:
            self._voices[service] = self._voices.pop(service)  # most recently used last
            return voice
        manifest = self.directory.get(service)
        if manifest is None:
            return None

        def fetch(action: str) -> dict[str, Any]:
            return dict(self.directory.call(service, action, {}).data)

        try:
            voice = AppVoice(manifest, fetch, threshold=self.threshold)
        except Exception as exc:  # a manifest's templates that cannot be compiled
            _LOGGER.warning("mini program %s cannot be spoken to: %s", service, exc)
            return None
        self._voices[service] = voice
        while len(self._voices) > _CACHED_APPS:
            self._voices.pop(next(iter(self._voices)))
        return voice

    def named(self, text: str) -> list[tuple[list[str], list[str], bool]]:
        """The mini-programs a sentence names, first named first: the services of each name
        (several may share one), the words naming them, and whether they follow "from",
        "at", "on", "with", "in", "via" or "use" (a mini-program called by name, not a word
        that happens to be one, as "bus")."""
        tokens = _words(text)
        found: list[tuple[int, list[str], list[str], bool]] = []
        used: set[int] = set()
        for size in range(min(_NAME_WORDS, len(tokens)), 0, -1):
            for start in range(len(tokens) - size + 1):
                span = range(start, start + size)
                if used.intersection(span):
                    continue
                words = tokens[start : start + size]
                if size == 1 and (words[0] in _STOP or len(words[0]) < 3):
                    continue
                services = self.directory.names.holders(" ".join(words))
                if services:
                    before = tokens[start - 1] if start else ""
                    found.append((start, services, words, before in _INTRODUCING))
                    used.update(span)
        found.sort()
        return [(service, words, introduced) for _, service, words, introduced in found]

    def hear(self, text: str, *, open_app: str | None = None) -> Heard | None:
        """What the sentence asks of the mini-program it names, else of the open one, else of
        the one the directory finds for it (with stronger evidence); None if nothing fits."""
        for services, words, introduced in self.named(text):
            # Two mini-programs may share a name: the one that hears the sentence best.
            voices = [v for v in map(self.voice, services[:_SAME_NAME]) if v is not None]
            found = [h for v in voices if (h := v.hear(text, skip=words)) is not None]
            if found:
                best = max(found, key=lambda h: h.score)
                return replace(best, via="named" if introduced else "mentioned")
        if open_app is not None:
            voice = self.voice(open_app)
            heard = voice.hear(text) if voice is not None else None
            if heard is not None:
                return heard
        content = [t for t in _words(text) if t not in _STOP]
        for hit in self.directory.search(" ".join(content), limit=3) if content else ():
            voice = self.voice(hit.manifest.id)
            heard = voice.hear(text) if voice is not None else None
            if heard is not None and heard.score >= _ROUTED:
                return replace(heard, via="routed")
        return None

    def parse_slot(self, text: str, intent: str, slot: str) -> SlotValue | None:
        """The value an answer gives a slot of an app intent, or None."""
        parts = split_intent(intent)
        voice = self.voice(parts[0]) if parts is not None else None
        return voice.parse_slot(text, parts[1], slot) if voice and parts else None


_ORDINALS = {
    "first": 0,
    "1st": 0,
    "second": 1,
    "2nd": 1,
    "third": 2,
    "3rd": 2,
    "fourth": 3,
    "4th": 3,
    "fifth": 4,
    "5th": 4,
    "last": -1,
}


def ordinal(text: str, count: int) -> int | None:
    """The entry "the second one" picks of ``count`` listed, or None."""
    for token in _words(text):
        at = _ORDINALS.get(token)
        if at is not None and -count <= at < count:
            return at % count
    return None
