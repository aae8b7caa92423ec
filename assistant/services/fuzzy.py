"""Names as a recogniser may mishear them: spaceless and sound-alike keys, fuzzy lookup."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

__all__ = ["NameIndex", "phonetic_key", "spaceless_key"]

_LOGGER = logging.getLogger(__name__)

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_REPEATS = re.compile(r"(.)\1+")
# Sound-alike rewrites, applied in order to a spaceless key.
_SOUNDS = (
    (re.compile(r"^mac"), "mc"),
    (re.compile(r"ph"), "f"),
    (re.compile(r"ck|q|c(?=[aoukrl])|c$"), "k"),
    (re.compile(r"c(?=[eiy])"), "s"),
    (re.compile(r"x"), "ks"),
    (re.compile(r"z"), "s"),
    (re.compile(r"dh|th"), "t"),
    (re.compile(r"d"), "t"),
    (re.compile(r"b"), "p"),
    (re.compile(r"g(?!$)"), "k"),
    (re.compile(r"v"), "w"),
    (re.compile(r"(?<=n)g$"), ""),
    (re.compile(r"(?<=.)[aeiouy]+"), ""),
)


def spaceless_key(text: str) -> str:
    """Lower-case letters and digits only: "Mc Donald's" → "mcdonalds"."""
    return _NON_ALNUM.sub("", text.lower())


def phonetic_key(text: str) -> str:
    """A rough sound-alike key: "pagota" and "pagoda", "luck in" and "lucking" agree."""
    key = _REPEATS.sub(r"\1", spaceless_key(text))
    for pattern, replacement in _SOUNDS:
        key = pattern.sub(replacement, key)
    return _REPEATS.sub(r"\1", key)


@dataclass
class NameIndex:
    """Spoken names of services (ids, names, aliases), looked up exactly, then fuzzily."""

    _exact: dict[str, str] = field(default_factory=dict)
    _sound: dict[str, str] = field(default_factory=dict)
    _keys: list[str] = field(default_factory=list)
    _owners: list[str] = field(default_factory=list)

    def add(self, service_id: str, names: Iterable[str]) -> None:
        """Index the spoken names of one service (the first service to claim a key keeps it)."""
        for name in names:
            key = spaceless_key(name)
            if not key:
                continue
            self._exact.setdefault(key, service_id)
            self._sound.setdefault(phonetic_key(name), service_id)
            self._keys.append(key)
            self._owners.append(service_id)

    def lookup(self, name: str, *, cutoff: float = 80.0, limit: int = 5) -> list[tuple[str, float]]:
        """(service id, score 0..1) of the services the name may mean, best first."""
        key = spaceless_key(name)
        if not key:
            return []
        found: dict[str, float] = {}
        if key in self._exact:
            found[self._exact[key]] = 1.0
        sound = phonetic_key(name)
        if sound in self._sound and len(sound) >= 3:
            found.setdefault(self._sound[sound], 0.92)
        if len(key) >= 4:
            for _, score, index in process.extract(
                key, self._keys, scorer=fuzz.ratio, score_cutoff=cutoff, limit=limit * 3
            ):
                owner = self._owners[index]
                found[owner] = max(found.get(owner, 0.0), 0.9 * score / 100)
        ranked = sorted(found.items(), key=lambda item: -item[1])
        return ranked[:limit]
