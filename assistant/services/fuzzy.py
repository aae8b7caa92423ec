"""Names as a recogniser may mishear them: spaceless and sound-alike keys, fuzzy lookup."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

__all__ = ["NameIndex", "phonetic_key", "spaceless_key"]

_LOGGER = logging.getLogger(__name__)

_MAX_NAME = 40  # longer input is a sentence, not a name
_SOUND_BONUS = 0.08  # sounding alike counts for a little more than spelling alike
_SOUND_FLOOR = 50.0  # sound-alikes less similar than this in spelling are not the same name
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
    _sound: dict[str, list[int]] = field(default_factory=dict)
    _keys: list[str] = field(default_factory=list)
    _owners: list[str] = field(default_factory=list)
    _keys_seen: set[str] = field(default_factory=set)
    _holders: dict[str, list[str]] = field(default_factory=dict)

    def add(self, service_id: str, names: Iterable[str], exact: Iterable[str] = ()) -> None:
        """Index the spoken names of one service, and ``exact`` ones (ids) matched only as
        they are; the first service to claim a key keeps it."""
        for name in exact:
            self._exact.setdefault(spaceless_key(name), service_id)
        for name in names:
            key = spaceless_key(name)
            if key and service_id not in self._holders.setdefault(key, []):
                self._holders[key].append(service_id)
            if not key or key in self._keys_seen:
                continue
            self._keys_seen.add(key)
            self._exact.setdefault(key, service_id)
            self._sound.setdefault(phonetic_key(name), []).append(len(self._keys))
            self._keys.append(key)
            self._owners.append(service_id)

    def exact(self, name: str) -> str | None:
        """The service a name is exactly (spaces and case aside), or None."""
        return self._exact.get(spaceless_key(name))

    def holders(self, name: str) -> list[str]:
        """Every service with exactly that name or alias, the first to claim it first."""
        key = spaceless_key(name)
        first = self._exact.get(key)
        others = [s for s in self._holders.get(key, ()) if s != first]
        return ([first] if first is not None else []) + others

    def lookup(
        self, name: str, *, cutoff: float = 80.0, limit: int = 5, fuzzy: bool = True
    ) -> list[tuple[str, float]]:
        """(service id, score 0..1) of the services the name may mean, best first.

        An exact (spaceless) name scores 1; otherwise names that sound alike or are a few
        edits away score by similarity, sounding alike adding a little.

        :param fuzzy: also compare with every name (edit distance), not only sound-alikes.
        """
        key = spaceless_key(name)
        if not key:
            return []
        if key in self._exact:
            return [(self._exact[key], 1.0)]
        found: dict[str, float] = {}
        sound = phonetic_key(name)
        alike = set(self._sound.get(sound, ())) if len(sound) >= 3 else set()
        candidates = {i: fuzz.ratio(key, self._keys[i]) for i in alike}
        if fuzzy and 4 <= len(key) <= _MAX_NAME:
            for _, score, index in process.extract(
                key, self._keys, scorer=fuzz.ratio, score_cutoff=cutoff, limit=limit * 3
            ):
                candidates[index] = score
        for index, ratio in candidates.items():
            if ratio < _SOUND_FLOOR:
                continue
            score = 0.9 * ratio / 100 + (_SOUND_BONUS if index in alike else 0.0)
            owner = self._owners[index]
            found[owner] = max(found.get(owner, 0.0), score)
        ranked = sorted(found.items(), key=lambda item: -item[1])
        return ranked[:limit]
