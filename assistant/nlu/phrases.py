"""Representative sentences of an intent, for speech-recogniser grammars and hints."""

from __future__ import annotations

import random
import zlib
from collections.abc import Sequence

from .slots import DAY, DURATION, NUMBER, TEXT, Finder, ListFinder
from .templates import Alt, Node, Seq, Slot, Word

__all__ = ["PER_INTENT", "PER_TEMPLATE", "render", "sample_phrases", "walk"]

PER_TEMPLATE = 8
"""Sentences sampled from each template."""

PER_INTENT = 40
"""Most sentences returned for one intent, examples included."""

_SAMPLES: dict[int, tuple[str, ...]] = {
    id(NUMBER): ("two", "five", "forty two", "one hundred and twenty"),
    id(DURATION): ("five minutes", "an hour", "ninety seconds", "half an hour"),
    id(DAY): ("today", "tomorrow", "monday"),
    id(TEXT): (),
}


def sample_phrases(
    intent: str, examples: Sequence[str], trees: Sequence[tuple[Node, dict[str, Finder]]]
) -> list[str]:
    """Examples, then the plainest sentence of each template, then seeded random ones."""
    rng = random.Random(zlib.crc32(intent.encode("utf-8")))
    out: dict[str, None] = {" ".join(example.lower().split()): None for example in examples}
    for tree, finders in trees:
        out.setdefault(" ".join(walk(tree, finders, None)), None)
    for tree, finders in trees:
        for _ in range(PER_TEMPLATE):
            out.setdefault(" ".join(walk(tree, finders, rng)), None)
    return [phrase for phrase in out if phrase][:PER_INTENT]


def walk(
    node: Node,
    finders: dict[str, Finder],
    rng: random.Random | None,
    samples: dict[int, tuple[str, ...]] | None = None,
) -> list[str]:
    """One sentence: the first choice everywhere without ``rng``, random choices with it.

    A list slot says one of its forms; other slots one of ``samples`` (by finder id).
    """
    samples = _SAMPLES if samples is None else samples
    if isinstance(node, Word):
        return [node.text]
    if isinstance(node, Slot):
        return _slot_words(finders[node.name], rng, samples)
    if isinstance(node, Seq):
        return [word for item in node.items for word in walk(item, finders, rng, samples)]
    if isinstance(node, Alt):
        option = node.options[0] if rng is None else rng.choice(node.options)
        return walk(option, finders, rng, samples)
    if rng is None or rng.random() < 0.5:
        return []
    return walk(node.body, finders, rng, samples)


def _slot_words(
    finder: Finder, rng: random.Random | None, samples: dict[int, tuple[str, ...]]
) -> list[str]:
    if isinstance(finder, ListFinder):
        forms = finder.forms
    else:
        forms = samples.get(id(finder), ())
    if not forms:
        return []
    return (forms[0] if rng is None else rng.choice(forms)).split()


def render(tree: Node, slots: dict[str, str]) -> str | None:
    """The template's plainest sentence that says exactly ``slots`` (values as spoken), or
    None if it cannot say them all or needs a slot ``slots`` lacks."""
    said: list[str] = []
    words = _render(tree, slots, said)
    if words is None or sorted(said) != sorted(slots):
        return None
    return " ".join(words)


def _render(node: Node, slots: dict[str, str], said: list[str]) -> list[str] | None:
    if isinstance(node, Word):
        return [node.text]
    if isinstance(node, Slot):
        if node.name not in slots:
            return None
        said.append(node.name)
        return slots[node.name].split()
    if isinstance(node, Seq):
        out: list[str] = []
        for item in node.items:
            words = _render(item, slots, said)
            if words is None:
                return None
            out.extend(words)
        return out
    if isinstance(node, Alt):
        options = sorted(node.options, key=lambda o: -sum(_holds(o, n) for n in slots))
        for option in options:
            mark = len(said)
            words = _render(option, slots, said)
            if words is not None:
                return words
            del said[mark:]
        return None
    if any(_holds(node.body, name) for name in slots):
        mark = len(said)
        body = _render(node.body, slots, said)
        if body is not None:
            return body
        del said[mark:]
    return []


def _holds(node: Node, name: str) -> bool:
    if isinstance(node, Slot):
        return node.name == name
    if isinstance(node, Word):
        return False
    if isinstance(node, Seq):
        return any(_holds(item, name) for item in node.items)
    if isinstance(node, Alt):
        return any(_holds(option, name) for option in node.options)
    return _holds(node.body, name)
