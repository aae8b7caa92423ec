"""Where recognised text meets the matcher: hints for the engines and transcript repair.

What the loaded skills know (templates, value lists) helps the recogniser twice:

- before decoding, as :class:`~assistant.speech.engines.Hints`: a Vosk grammar of the
  skills' sentences, and for Whisper a prompt listing their rarer words (shop names,
  drinks, cities), which is what Whisper most often gets wrong;
- after decoding, :meth:`Understanding.prepare` writes digits as words, drops Whisper's
  punctuation, and snaps words the templates do not know to a known word or phrase that is
  spelt (nearly) the same once run together ("cap your chinos" → "cappuccinos",
  "luckin'" → "luckin"). Out-of-domain speech keeps its own words, so the matcher still
  rejects it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rapidfuzz import fuzz, process

from ..nlu import normalize
from .engines import Hints

if TYPE_CHECKING:
    from ..assistant import Assistant

__all__ = ["Understanding", "number_words", "phonetic_key", "spoken_digits"]

_LOGGER = logging.getLogger(__name__)

_ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen "
         "fourteen fifteen sixteen seventeen eighteen nineteen").split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_DIGITS = re.compile(r"\d+(?:[.,]\d+)?")
_MAX_GRAMMAR = 3000
_PROMPT_WORDS = 120
_SNAP_MIN_LEN = 5       # shorter spans are left alone: too many near neighbours
_SNAP_SCORE = 84.0      # rapidfuzz ratio (0..100) of the phonetic keys
_SNAP_MAX_SPAN = 3      # words of the transcript joined to meet one known word or phrase


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
    for old, new in (("ph", "f"), ("ck", "k"), ("qu", "kw"), ("x", "ks"), ("z", "s"),
                     ("ch", "c"), ("sh", "s"), ("c", "k"), ("y", "i"), ("ee", "i"),
                     ("oo", "u"), ("h", "")):
        key = key.replace(old, new)
    return re.sub(r"(.)\1+", r"\1", key)


@dataclass
class Understanding:
    """The skills' vocabulary, ready to hint a recogniser and to repair its transcripts."""

    vocabulary: frozenset[str]
    phrases: tuple[str, ...]
    forms: tuple[str, ...]
    snap: bool = True
    _keys: dict[str, str] = field(default_factory=dict, repr=False)

    @classmethod
    def from_assistant(cls, assistant: Assistant, *, snap: bool = True) -> Understanding:
        """Built from the assistant's matcher and the loaded skills' value lists."""
        forms: dict[str, None] = {}
        for loaded in assistant.skills.values():
            for values in loaded.skill.lists.values():
                for spoken in values.values.values():
                    for form in spoken:
                        forms[" ".join(normalize(form))] = None
        vocabulary = frozenset(assistant.matcher.vocabulary())
        phrases = tuple(assistant.matcher.phrases())
        return cls(vocabulary, phrases, tuple(f for f in forms if f), snap)

    def __post_init__(self) -> None:
        targets = {*self.forms, *(w for w in self.vocabulary if w.isalpha())}
        for target in targets:
            if len(target.replace(" ", "")) >= _SNAP_MIN_LEN:
                self._keys.setdefault(phonetic_key(target), target)

    # -- before decoding -------------------------------------------------------------------

    def hints(self) -> Hints:
        """Grammar sentences for Vosk, a prompt and hotwords for Whisper."""
        grammar = [*self.phrases, *sorted(self.forms)][:_MAX_GRAMMAR]
        rare = self._rare_words()
        prompt = ", ".join(rare[:_PROMPT_WORDS]) + "." if rare else None
        return Hints(grammar=tuple(grammar), prompt=prompt, hotwords=None)

    def _rare_words(self) -> list[str]:
        """List values first (names the recogniser cannot guess), shortest spelling first."""
        seen: dict[str, None] = {}
        for form in sorted(self.forms, key=lambda f: (len(f.split()) > 1, f)):
            if " " not in form or len(form) > 3:
                seen.setdefault(form, None)
        return list(seen)

    # -- after decoding --------------------------------------------------------------------

    def prepare(self, text: str) -> str:
        """The transcript as the matcher should see it."""
        tokens = normalize(spoken_digits(text))
        if self.snap and tokens:
            tokens = self._snap(tokens)
        return " ".join(tokens)

    def _snap(self, tokens: list[str]) -> list[str]:
        out: list[str] = []
        i = 0
        while i < len(tokens):
            replaced = False
            for span in range(min(_SNAP_MAX_SPAN, len(tokens) - i), 0, -1):
                words = tokens[i : i + span]
                if span == 1 and words[0] in self.vocabulary:
                    break
                if all(w in self.vocabulary for w in words):
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
        hit = process.extractOne(phonetic_key(words), self._keys.keys(), scorer=fuzz.ratio,
                                 score_cutoff=_SNAP_SCORE)
        return None if hit is None else self._keys[hit[0]]


def words_of(texts: Iterable[str]) -> set[str]:
    """Every normalised word in ``texts``."""
    return {word for text in texts for word in normalize(text)}
