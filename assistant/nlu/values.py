"""The index of list values an input speaks, and which templates use each list."""

from __future__ import annotations

from .align import Input
from .normalize import singulars
from .slots import ListFinder, spelt_readings

__all__ = ["ValueIndex"]


class ValueIndex:
    """First tokens and joined spellings of every list's spoken forms, and who uses each list.

    A template whose list value is spoken becomes a candidate even when none of its literal
    words is ("a medium mocha" for "[order] [a] [{size}] {drink}"); a value counts when the
    list finds it exactly, plural, split or joined.
    """

    def __init__(self) -> None:
        self.starts: dict[str, tuple[int, ...]] = {}
        self.finders: dict[int, ListFinder] = {}
        self.templates: dict[int, set[int]] = {}
        self.spelt: dict[str, tuple[int, ...]] = {}
        """Joined forms, for values spelt out by letter names ("kay ef see")."""

    def add(self, finder: ListFinder, order: int) -> None:
        key = id(finder)
        if key not in self.finders:
            self.finders[key] = finder
            self.templates[key] = set()
            for form in finder.forms:
                joined = form.replace(" ", "")
                _append(self.starts, form.split(" ", 1)[0], key)
                _append(self.starts, joined, key)
                _append(self.spelt, joined, key)
        self.templates[key].add(order)

    def users(self, inp: Input) -> set[int]:
        """Templates whose list values the input speaks.

        A value spoken exactly, split, joined or spelt starts where its first token, joined
        spelling or first two letters is in the index; only those places are read, and what
        they cover is handed to ``inp`` (every other list covers nothing).
        """
        tokens, n, starts, spelt = inp.tokens, inp.n, self.starts, self.spelt
        places: dict[int, set[int]] = {}
        for start in range(n):
            joined = ""
            for end in range(start, min(start + 3, n)):
                joined += tokens[end]
                hit = starts.get(joined)
                if hit is not None:
                    for key in hit:
                        places.setdefault(key, set()).add(start)
                if joined[-1] == "s":
                    for form in singulars(joined):
                        for key in starts.get(form, ()):
                            places.setdefault(key, set()).add(start)
            for _, text in spelt_readings(tokens, start):
                for key in spelt.get(text, ()):
                    places.setdefault(key, set()).add(start)
        found: set[int] = set()
        covers: dict[int, frozenset[int]] = {}
        for key, at in places.items():
            finder = self.finders[key]
            covered: set[int] = set()
            for start in at:
                for end, _, _, _ in inp.spans(finder, start, False):
                    covered.update(range(start, end))
            if covered:
                covers[key] = frozenset(covered)
                found |= self.templates[key]
        inp.set_covers(covers)
        return found


def _append(index: dict[str, tuple[int, ...]], word: str, key: int) -> None:
    """Add ``key`` under ``word``; tuples, unlike sets, drop out of the garbage collector."""
    keys = index.get(word, ())
    if key not in keys:
        index[word] = (*keys, key)
