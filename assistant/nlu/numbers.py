"""Spoken English numbers, durations and days, parsed from normalised tokens."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "DAY_WORDS",
    "DURATION_WORDS",
    "NUMBER_WORDS",
    "SPOKEN_FORMS",
    "parse_day",
    "parse_duration",
    "parse_number",
]

_UNITS = {
    "zero": 0,
    "oh": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
}
_TEENS = {
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fourty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_UNIT_SECONDS = {
    "second": 1,
    "seconds": 1,
    "sec": 1,
    "secs": 1,
    "minute": 60,
    "minutes": 60,
    "min": 60,
    "mins": 60,
    "hour": 3600,
    "hours": 3600,
    "hr": 3600,
    "hrs": 3600,
}
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY_ALIASES = {"today": "today", "tonight": "today", "tomorrow": "tomorrow"}
_DAY_PREFIXES = frozenset({"on", "this", "next", "coming"})
_MAX_DIGITS = 6
_FRACTIONS = {
    ("half", "an"): 2,
    ("half", "a"): 2,
    ("half",): 2,
    ("a", "half"): 2,
    ("a", "quarter", "of", "an"): 4,
    ("quarter", "of", "an"): 4,
    ("a", "quarter"): 4,
}

NUMBER_WORDS: frozenset[str] = frozenset(
    set(_UNITS) - {"oh"} | set(_TEENS) | set(_TENS) - {"fourty"} | {"hundred", "and"}
)
"""Every word a spoken cardinal 0..999 uses."""

DURATION_WORDS: frozenset[str] = frozenset(
    {
        "second",
        "seconds",
        "minute",
        "minutes",
        "hour",
        "hours",
        "half",
        "quarter",
        "of",
        "a",
        "an",
        "and",
    }
)
"""Words a spoken duration adds to the number words."""

DAY_WORDS: frozenset[str] = frozenset({*_WEEKDAYS, *_DAY_ALIASES, "on"})
"""Words a spoken day uses."""

NUMBER_STARTS: frozenset[str] = frozenset(set(_UNITS) | set(_TEENS) | set(_TENS) | {"a"})

SPOKEN_FORMS: dict[str, frozenset[str]] = {
    "number": frozenset(NUMBER_STARTS | {"hundred", "and"}),
    "duration": frozenset(NUMBER_STARTS | DURATION_WORDS | set(_UNIT_SECONDS)),
    "day": frozenset(DAY_WORDS | _DAY_PREFIXES),
}
"""Every word the parsers accept for each kind, spelling variants ("mins", "fourty") included."""


def parse_number(tokens: Sequence[str]) -> int | None:
    """A cardinal from its tokens: ["forty", "two"] → 42, ["42"] → 42, else None.

    Words cover 0..999 ("three hundred and five", "a hundred"); a single token of digits
    is read as written. Digits may stand for a part after the hundreds ("one hundred and
    20") and hundreds in digits may go before "and" ("100 and 20" → 120), as recognisers
    write them. The whole token sequence must be the number.
    """
    count = len(tokens)
    if count == 0:
        return None
    if count == 1 and tokens[0].isdigit() and tokens[0].isascii():
        return int(tokens[0]) if len(tokens[0]) <= _MAX_DIGITS else None
    if count >= 3 and _is_digits(tokens[0]) and tokens[1] == "and":
        # "100 and 20": a recogniser writes the hundreds as digits and keeps the "and".
        whole = int(tokens[0])
        if whole % 100 or not 100 <= whole <= 900:
            return None
        after = _below_hundred(tokens[2:])
        return None if after is None or after == 0 else whole + after
    if "hundred" in tokens:
        at = list(tokens).index("hundred")
        head, tail = tokens[:at], list(tokens[at + 1 :])
        if len(head) != 1:
            return None
        hundreds = 1 if head[0] in ("a", "one") else _UNITS.get(head[0])
        if not hundreds or head[0] == "oh":
            return None
        if not tail:
            return hundreds * 100
        if tail[0] == "and":
            tail = tail[1:]
        rest = _below_hundred(tail)
        return None if rest is None or rest == 0 else hundreds * 100 + rest
    if tokens[0] == "oh":
        return None
    return _below_hundred(tokens)


def _is_digits(token: str) -> bool:
    return token.isdigit() and token.isascii() and len(token) <= _MAX_DIGITS


def _below_hundred(tokens: Sequence[str]) -> int | None:
    """0..99 from one or two words ("seven", "seventeen", "forty two"), or digits ("20")."""
    if len(tokens) == 1:
        word = tokens[0]
        if _is_digits(word):
            value = int(word)
            return value if value < 100 else None
        for table in (_UNITS, _TEENS, _TENS):
            if word in table:
                return table[word]
        return None
    if len(tokens) == 2 and tokens[0] in _TENS and tokens[1] in _UNITS:
        unit = _UNITS[tokens[1]]
        return _TENS[tokens[0]] + unit if unit else None
    return None


def parse_duration(tokens: Sequence[str]) -> int | None:
    """Seconds from a spoken duration, or None.

    Accepts "<number> second(s)|minute(s)|hour(s)" ("ninety second", "90 seconds"),
    "an hour", "a minute", "half an hour", "half a minute", "a minute and a half",
    "one and a half hours", and two parts joined by "and" ("an hour and ten minutes").
    """
    tokens = list(tokens)
    if not tokens or len(tokens) > 10:
        return None
    simple = _simple_duration(tokens)
    if simple is not None:
        return simple
    for at, word in enumerate(tokens):
        if word == "and" and 0 < at < len(tokens) - 1:
            first = _simple_duration(tokens[:at])
            second = _simple_duration(tokens[at + 1 :])
            if first is not None and second is not None and second < first:
                return first + second
    return None


def _simple_duration(tokens: list[str]) -> int | None:
    """One duration part: "<number> <unit>", "half an hour", "a minute and a half"."""
    if len(tokens) < 2:
        return None
    unit = _UNIT_SECONDS.get(tokens[-1])
    if unit and tuple(tokens[:-1]) in _FRACTIONS:
        return unit // _FRACTIONS[tuple(tokens[:-1])]
    if tokens[-3:] == ["and", "a", "half"] and len(tokens) > 3:
        whole = _simple_duration(tokens[:-3])
        base = _UNIT_SECONDS.get(tokens[-4])
        return None if whole is None or base is None else whole + base // 2
    if unit is None:
        return None
    amount = tokens[:-1]
    if amount[-3:] == ["and", "a", "half"] and len(amount) > 3:
        number = _amount(amount[:-3])
        return None if number is None else number * unit + unit // 2
    number = _amount(amount)
    return None if number is None else number * unit


def _amount(tokens: list[str]) -> int | None:
    """The count before a unit: a number, or "a"/"an" for one."""
    if tokens in (["a"], ["an"]):
        return 1
    return parse_number(tokens)


def parse_day(tokens: Sequence[str]) -> str | None:
    """A day: "today" (also "tonight"), "tomorrow", or a weekday ("on monday" → "monday")."""
    tokens = list(tokens)
    if len(tokens) == 2 and tokens[0] in _DAY_PREFIXES:
        tokens = tokens[1:]
    if len(tokens) != 1:
        return None
    word = tokens[0]
    if word in _DAY_ALIASES:
        return _DAY_ALIASES[word]
    if word in _WEEKDAYS:
        return word
    if word.endswith("s") and word[:-1] in _WEEKDAYS:
        return word[:-1]
    return None
