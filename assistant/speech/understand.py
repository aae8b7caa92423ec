"""Where recognised text meets the matcher: hints for the engines and transcript repair.

What the loaded skills know (templates, value lists) helps the recogniser twice:

- before decoding, as :class:`~assistant.speech.engines.Hints`: a Vosk grammar of the
  skills' sentences (Vosk also decodes freely, for free text and out-of-grammar speech);
  a Whisper prompt of their rarer words is available but off, as it measured worse;
- after decoding, :meth:`Understanding.prepare` writes digits as words, drops Whisper's
  punctuation, and, when the matcher is not sure of the transcript, tries corrections
  towards the templates' words: unknown words snapped to a known word or phrase that sounds
  alike ("cap your chinos" → "cappuccinos"), number homophones ("like to cappuccinos" →
  "two"), sound-alike known words ("looking" → "luckin"). A correction is kept only if the
  matcher is clearly more confident with it, so out-of-domain speech stays rejected.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from rapidfuzz import fuzz, process

from ..nlu import normalize
from .engines import Hints

if TYPE_CHECKING:
    from ..assistant import Assistant
    from .engines import Transcript
    from .rescore import Rescorer

__all__ = ["HOMOPHONES", "Understanding", "number_words", "phonetic_key", "spoken_digits"]

_LOGGER = logging.getLogger(__name__)

_ONES = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen "
    "fourteen fifteen sixteen seventeen eighteen nineteen"
).split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_DIGITS = re.compile(r"\d+(?:[.,]\d+)?")
_MAX_GRAMMAR = 3000
_PROMPT_WORDS = 120
_SNAP_MIN_LEN = 5  # shorter spans are left alone: too many near neighbours
_SNAP_SCORE = 84.0  # rapidfuzz ratio (0..100) of the phonetic keys
_SNAP_MAX_SPAN = 3  # words of the transcript joined to meet one known word or phrase
_NEAR_SCORE = 70.0  # looser similarity for corrections the matcher must confirm
_SKELETON_SCORE = 55.0  # ... or this, when the consonants agree ("pegoed" / "pagoda")
_GAIN = 0.05  # a correction must raise the matcher's confidence this much
_MAX_VARIANTS = 40  # variants the matcher scores, at most
HOMOPHONES = {
    "to": "two",
    "too": "two",
    "for": "four",
    "fore": "four",
    "won": "one",
    "ate": "eight",
    "tree": "three",
}

Mode = Literal["plain", "snap", "correct"]


def number_words(n: int) -> str:
    """An integer 0..999,999 as English words: 120 → "one hundred and twenty"."""
    if n < 20:
        return _ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _TENS[tens] + ("" if ones == 0 else " " + _ONES[ones])
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        head = _ONES[hundreds] + " hundred"
        return head if rest == 0 else f"{head} and {number_words(rest)}"
    thousands, rest = divmod(n, 1000)
    head = number_words(thousands) + " thousand"
    return head if rest == 0 else f"{head} {number_words(rest)}"


def spoken_digits(text: str) -> str:
    """Digits written out as the words a speaker said ("bus 42" → "bus forty two")."""

    def say(match: re.Match[str]) -> str:
        raw = match.group(0).replace(",", "")
        if "." in raw:
            whole, _, frac = raw.partition(".")
            return f"{say_int(whole)} point {' '.join(_ONES[int(d)] for d in frac)}"
        return say_int(raw)

    def say_int(raw: str) -> str:
        value = int(raw)
        return number_words(value) if value < 1_000_000 else " ".join(_ONES[int(d)] for d in raw)

    return _DIGITS.sub(lambda m: f" {say(m)} ", text)


def phonetic_key(text: str) -> str:
    """A rough phonetic spelling, so that spellings of one sound compare equal."""
    key = text.lower().replace(" ", "")
    for old, new in (
        ("ph", "f"),
        ("ck", "k"),
        ("qu", "kw"),
        ("x", "ks"),
        ("z", "s"),
        ("ch", "c"),
        ("sh", "s"),
        ("c", "k"),
        ("y", "i"),
        ("ee", "i"),
        ("oo", "u"),
        ("h", ""),
    ):
        key = key.replace(old, new)
    return re.sub(r"(.)\1+", r"\1", key)


def _skeleton(key: str) -> str:
    """The consonants of a phonetic key, in order."""
    return re.sub(r"[aeiou]", "", key)


@dataclass
class Understanding:
    """The skills' vocabulary, ready to hint a recogniser and to repair its transcripts."""

    vocabulary: frozenset[str]
    phrases: tuple[str, ...]
    forms: tuple[str, ...]
    mode: Mode = "correct"
    scorer: Callable[[str], float] | None = None
    rescore: bool = True
    """Let the skills' sentences choose among an engine's n-best (see :meth:`choose`)."""
    parser: Callable[[str], tuple[str, Collection[str]] | None] | None = None
    """The intent a sentence is matched to, with the slots it fills (None: no intent)."""
    required: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)
    """Intent → its required list slots → their spoken forms: what a rescorer may try where
    a sentence leaves such a slot empty (:mod:`assistant.speech.rescore`)."""
    _keys: dict[str, str] = field(default_factory=dict, repr=False)
    _rescorer: Rescorer | None = field(default=None, repr=False)
    _skeletons: dict[str, list[str]] = field(default_factory=dict, repr=False)

    @classmethod
    def from_assistant(
        cls, assistant: Assistant, *, mode: Mode = "correct", rescore: bool | None = None
    ) -> Understanding:
        """Built from the assistant's matcher and the loaded skills' value lists.

        ``rescore`` defaults to the ``speech.rescore`` setting.
        """
        forms: dict[str, None] = {}
        for loaded in assistant.skills.values():
            for values in loaded.skill.lists.values():
                for form in values.spoken_forms():
                    forms[" ".join(normalize(form))] = None
        matcher = assistant.matcher

        # the rescorer asks both of the sentence it chose: one match serves them
        match = functools.lru_cache(maxsize=64)(matcher.match)

        def confidence(text: str) -> float:
            found = match(text)
            return found.confidence if found is not None else 0.0

        def parse(text: str) -> tuple[str, Collection[str]] | None:
            found = match(text)
            return (found.intent, found.slots.keys()) if found is not None else None

        required: dict[str, dict[str, tuple[str, ...]]] = {}
        for loaded in assistant.skills.values():
            for intent in loaded.skill.intents:
                for name, slot in intent.slots.items():
                    listed = loaded.skill.lists.get(slot.list or name)
                    if slot.required and slot.type == "list" and listed is not None:
                        spoken = tuple(
                            dict.fromkeys(" ".join(normalize(f)) for f in listed.spoken_forms())
                        )
                        required.setdefault(intent.name, {})[name] = spoken

        vocabulary = frozenset(matcher.vocabulary())
        phrases = tuple(matcher.phrases())
        if rescore is None:
            rescore = assistant.settings.speech.rescore
        forms_ = tuple(f for f in forms if f)
        return cls(vocabulary, phrases, forms_, mode, confidence, rescore, parse, required)

    def __post_init__(self) -> None:
        targets = {*self.forms, *(w for w in self.vocabulary if w.isalpha())}
        for target in sorted(targets):
            if len(target.replace(" ", "")) >= _SNAP_MIN_LEN - 1:
                key = phonetic_key(target)
                self._keys.setdefault(key, target)
                if len(_skeleton(key)) >= 3:
                    self._skeletons.setdefault(_skeleton(key), []).append(key)

    # -- before decoding -------------------------------------------------------------------

    def hints(self, *, whisper_prompt: bool = False) -> Hints:
        """Grammar sentences for Vosk; optionally the skills' rarer words as Whisper's prompt.

        The prompt is off by default: on the dev set it made Whisper tiny.en worse (frame
        accuracy 0.797 with it, 0.837 without; see bench/bench_understand.py).
        """
        grammar = [*self.phrases, *sorted(self.forms)][:_MAX_GRAMMAR]
        rare = self._rare_words() if whisper_prompt else []
        prompt = ", ".join(rare[:_PROMPT_WORDS]) + "." if rare else None
        return Hints(grammar=tuple(grammar), prompt=prompt)

    def _rare_words(self) -> list[str]:
        """List values first (names the recogniser cannot guess), shortest spelling first."""
        seen: dict[str, None] = {}
        for form in sorted(self.forms, key=lambda f: (len(f.split()) > 1, f)):
            if " " not in form or len(form) > 3:
                seen.setdefault(form, None)
        return list(seen)

    # -- after decoding --------------------------------------------------------------------

    def choose(self, transcript: Transcript) -> str:
        """The sentence the matcher should read: with an n-best and an acoustic scorer, the
        one the audio and the skills' sentences agree on best (:mod:`.rescore`); otherwise
        :meth:`prepare` of the transcript's text."""
        if not self.rescore or self.mode != "correct" or not transcript.alternatives:
            return self.prepare(transcript.text)
        if self._rescorer is None:
            from .rescore import Rescorer

            self._rescorer = Rescorer(self)
        return self._rescorer.choose(transcript)

    def prepare(self, text: str) -> str:
        """The transcript as the matcher should see it."""
        tokens = normalize(spoken_digits(text))
        if self.mode == "plain" or not tokens:
            return " ".join(tokens)
        snapped = self._snap(tokens)
        if self.mode == "snap" or self.scorer is None:
            return " ".join(snapped)
        return self._correct(tokens, snapped, self.scorer)

    def _correct(
        self, tokens: list[str], snapped: list[str], scorer: Callable[[str], float]
    ) -> str:
        """The variant the matcher likes best, if it likes it clearly better than what was heard.

        The candidates: every unknown word snapped to a known one (see :meth:`_snap`), and
        variants that change one place: a number's homophone ("like to cappuccinos" → "two"), or
        one or two words for a known word that sounds alike ("tyler" → "timer", "looking" →
        "luckin"). Speech that matches nothing gains nothing from a variant, so it stays
        rejected.
        """
        best = " ".join(tokens)
        best_score = scorer(best)
        if best_score >= 0.999:
            return best
        candidates = [" ".join(snapped), *self._variants(tokens)]
        if snapped != tokens:
            candidates.extend(self._variants(snapped))
        for variant in list(dict.fromkeys(candidates))[:_MAX_VARIANTS]:
            if variant == " ".join(tokens):
                continue
            score = scorer(variant)
            if score > best_score + _GAIN:
                best, best_score = variant, score
        if best != " ".join(tokens):
            _LOGGER.debug("heard %r, read %r", " ".join(tokens), best)
        return best

    def _variants(self, tokens: list[str]) -> Iterator[str]:
        for i, token in enumerate(tokens):
            if token in HOMOPHONES:
                yield " ".join([*tokens[:i], HOMOPHONES[token], *tokens[i + 1 :]])
        for span in (1, 2):
            for i in range(len(tokens) - span + 1):
                words = " ".join(tokens[i : i + span])
                if len(words.replace(" ", "")) < 4:
                    continue
                for target in self._near(words):
                    if target != words:
                        yield " ".join([*tokens[:i], target, *tokens[i + span :]])

    def _near(self, words: str) -> list[str]:
        key = phonetic_key(words)
        hits = process.extract(
            key, self._keys.keys(), scorer=fuzz.ratio, limit=3, score_cutoff=_NEAR_SCORE
        )
        found = [self._keys[hit[0]] for hit in hits]
        for other in self._skeletons.get(_skeleton(key), ()):
            if fuzz.ratio(key, other) >= _SKELETON_SCORE:
                found.append(self._keys[other])
        return found

    def _snap(self, tokens: list[str]) -> list[str]:
        out: list[str] = []
        i = 0
        while i < len(tokens):
            replaced = False
            for span in range(min(_SNAP_MAX_SPAN, len(tokens) - i), 0, -1):
                words = tokens[i : i + span]
                if span == 1 and words[0] in self.vocabulary:
                    break
                if words[0] in self.vocabulary:  # a known word starts no repair
                    continue
                target = self._nearest(" ".join(words))
                if target is not None:
                    _LOGGER.debug("heard %r, read %r", " ".join(words), target)
                    out.extend(target.split())
                    i += span
                    replaced = True
                    break
            if not replaced:
                out.append(tokens[i])
                i += 1
        return out

    def _nearest(self, words: str) -> str | None:
        if len(words.replace(" ", "")) < _SNAP_MIN_LEN or not self._keys:
            return None
        hit = process.extractOne(
            phonetic_key(words), self._keys.keys(), scorer=fuzz.ratio, score_cutoff=_SNAP_SCORE
        )
        return None if hit is None else self._keys[hit[0]]
