"""How a recogniser spells what it hears: letter names, number homophones, near unit words."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from rapidfuzz import fuzz, process

__all__ = [
    "DURATION_HOMOPHONE_STARTS",
    "HOMOPHONE_STARTS",
    "LETTER_NAMES",
    "NUMBER_HOMOPHONES",
    "letter_of",
    "near_unit",
    "number_readings",
]

LETTER_NAMES: dict[str, str] = {
    "ay": "a",
    "bee": "b",
    "be": "b",
    "see": "c",
    "sea": "c",
    "cee": "c",
    "dee": "d",
    "ee": "e",
    "ef": "f",
    "eff": "f",
    "gee": "g",
    "aitch": "h",
    "eye": "i",
    "jay": "j",
    "kay": "k",
    "el": "l",
    "ell": "l",
    "em": "m",
    "en": "n",
    "pee": "p",
    "queue": "q",
    "cue": "q",
    "ar": "r",
    "are": "r",
    "ess": "s",
    "es": "s",
    "tee": "t",
    "tea": "t",
    "you": "u",
    "vee": "v",
    "ex": "x",
    "why": "y",
    "zee": "z",
    "zed": "z",
}
"""Words a recogniser writes for a spelt-out letter ("kay ef see" for K F C)."""

NUMBER_HOMOPHONES: dict[str, tuple[str, bool, bool]] = {
    "won": ("one", True, True),
    "ate": ("eight", True, True),
    "fore": ("four", True, True),
    "to": ("two", False, True),
    "too": ("two", False, True),
    "for": ("four", False, False),
}
"""Words heard for a number word: (number word, read anywhere in a number, read right
before a unit of time).

Common words ("to", "too", "for") are read as numbers only right after a tens word
("forty too" is 42; "timer for ten minutes" keeps its "for"); "to" and "too" also right
before a unit of time ("too minutes"). "for" there stays the word before a length that
was not said ("a timer for minutes").
"""

HOMOPHONE_STARTS: frozenset[str] = frozenset(
    word for word, (_, anywhere, _) in NUMBER_HOMOPHONES.items() if anywhere
)
"""Homophones that may begin a number ("won hundred", "ate minutes")."""

DURATION_HOMOPHONE_STARTS: frozenset[str] = frozenset(
    word for word, (_, _, before_unit) in NUMBER_HOMOPHONES.items() if before_unit
)
"""Homophones that may begin a length of time ("ate minutes", "too minutes")."""

_TENS = frozenset({"twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"})
_UNIT_WORDS = ("second", "seconds", "minute", "minutes", "hour", "hours")
_UNIT_CUTOFF = 75.0


def letter_of(token: str) -> str | None:
    """The letter a token spells: a single letter, or a letter's name ("ess" → "s")."""
    if len(token) == 1 and token.isalpha() and token.isascii():
        return token
    return LETTER_NAMES.get(token)


def number_readings(tokens: Sequence[str]) -> tuple[tuple[str, ...], int] | None:
    """``tokens`` with number homophones read as number words, and how many were read.

    None when no token is a homophone in a place where a number word makes sense.
    """
    out = list(tokens)
    changed = 0
    for i, token in enumerate(tokens):
        reading = NUMBER_HOMOPHONES.get(token)
        if reading is None:
            continue
        word, anywhere, before_unit = reading
        if (
            anywhere
            or (i > 0 and tokens[i - 1] in _TENS)
            or (before_unit and i + 1 < len(tokens) and tokens[i + 1] in _UNIT_WORDS)
        ):
            out[i] = word
            changed += 1
    return (tuple(out), changed) if changed else None


@lru_cache(maxsize=4096)
def near_unit(token: str) -> tuple[str, float] | None:
    """The unit of time a misheard word is closest to ("minuets" → "minutes"), with its score."""
    if len(token) < 4 or not token.isalpha() or token in _UNIT_WORDS:
        return None
    found = process.extractOne(token, _UNIT_WORDS, scorer=fuzz.ratio, score_cutoff=_UNIT_CUTOFF)
    return None if found is None else (found[0], found[1])
