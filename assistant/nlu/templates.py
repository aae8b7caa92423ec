"""The intent template language: parse a template into a small syntax tree.

A template is a sentence pattern:

- words separated by spaces: ``order a coffee``; words are normalised like spoken input
  ("what's" is "what is", punctuation is dropped);
- ``(a|b|c)`` alternatives; each alternative is a sequence and may nest:
  ``(order|get me|i (want|would like))``;
- ``[optional]`` an optional part, which may hold alternatives: ``[please]``, ``[a|an|the]``;
- ``(a;b;c)`` the parts in any order, each spoken once: ``({size};{drink};[with] {milk})``;
  a part may be optional (``[{size}]``) or hold alternatives; at most five parts;
- ``{slot}`` a slot of the intent, whose type comes from ``IntentSpec.slots``; a ``list`` slot
  matches the spoken forms of its value list, ``number`` a cardinal, ``duration`` a length of
  time, ``day`` a day and ``text`` one or more free words;
- ``<rule>`` the skill's named rule from ``Skill.rules``, itself a template fragment.

Alternatives may also appear at the top level (``yes|yeah``), meaning the whole template.
Unbalanced brackets, an empty alternative or optional part, an unknown rule, a recursive rule,
a slot the intent does not declare, and a template with no literal word at all (``{query}``
alone) raise :class:`~assistant.errors.TemplateError`.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from ..errors import TemplateError
from ..skill import NAME_PATTERN
from .normalize import normalize

__all__ = ["Alt", "Node", "Opt", "Seq", "Slot", "Word", "literal_words", "parse_template"]

_IDENT = re.compile(NAME_PATTERN)  # slot and rule names, as the skill declares them
_SPECIAL = "()[]|;{}<>"
MAX_ANY_ORDER = 5
"""Parts of one any-order group ``(a;b;c)`` at most (5 parts are 120 orders)."""

MAX_NODES = 20_000
"""Words, slots and groups one template may expand to, its rules included: rules that use
each other twice over double at each level, and a template past this is refused rather than
compiled in exponential time and memory."""
MAX_DEPTH = 40
"""Groups nested in one another, and rules one inside the other, at most."""


@dataclass(frozen=True, slots=True)
class Word:
    """A literal, normalised word."""

    text: str


@dataclass(frozen=True, slots=True)
class Slot:
    """A slot reference ``{name}``."""

    name: str


@dataclass(frozen=True, slots=True)
class Seq:
    """Items spoken one after the other."""

    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Alt:
    """Exactly one of the options."""

    options: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Opt:
    """A part that may be left out."""

    body: Node


Node = Word | Slot | Seq | Alt | Opt


class _Parser:
    """Recursive-descent parser over the lexical tokens of one template or rule."""

    def __init__(
        self,
        text: str,
        *,
        rules: Mapping[str, str],
        slots: Collection[str] | None,
        where: str,
        stack: tuple[str, ...],
        budget: list[object] | None = None,
    ) -> None:
        self.text = text
        self.rules = rules
        self.slots = slots
        self.where = where
        self.stack = stack
        # [words and groups still allowed, the template] shared with the rules it uses
        self.budget = budget if budget is not None else [MAX_NODES, text]
        self.depth = 0
        self.tokens = self._lex(text)
        self.pos = 0

    def _spend(self, count: int) -> None:
        left = int(self.budget[0]) - count  # type: ignore[call-overload]
        self.budget[0] = left
        if left < 0:
            prefix = f"{self.where}: " if self.where else ""
            raise TemplateError(
                f"{prefix}template {self.budget[1]!r}: expands to more than {MAX_NODES} words "
                "and groups (its rules use each other over and over); use fewer nested rules"
            )

    def error(self, problem: str) -> TemplateError:
        prefix = f"{self.where}: " if self.where else ""
        rule = f" (in rule <{self.stack[-1]}>)" if self.stack else ""
        return TemplateError(f"{prefix}template {self.text!r}{rule}: {problem}")

    def _lex(self, text: str) -> list[tuple[str, str]]:
        """("op", char) for syntax characters, ("slot"|"rule", name) and ("word", text)."""
        out: list[tuple[str, str]] = []
        i = 0
        while i < len(text):
            char = text[i]
            if char.isspace():
                i += 1
            elif char in "{<":
                close = "}" if char == "{" else ">"
                end = text.find(close, i + 1)
                if end < 0:
                    raise self.error(f"unclosed {char!r}")
                name = text[i + 1 : end].strip()
                kind = "slot" if char == "{" else "rule"
                if not _IDENT.match(name):
                    raise self.error(f"bad {kind} name {name!r}")
                out.append((kind, name))
                i = end + 1
            elif char in "}>":
                raise self.error(f"unexpected {char!r}")
            elif char in _SPECIAL:
                out.append(("op", char))
                i += 1
            else:
                start = i
                while i < len(text) and not text[i].isspace() and text[i] not in _SPECIAL:
                    i += 1
                out.append(("word", text[start:i]))
        return out

    def peek(self) -> str | None:
        if self.pos < len(self.tokens) and self.tokens[self.pos][0] == "op":
            return self.tokens[self.pos][1]
        return None

    def parse(self) -> Node:
        if not self.tokens:
            raise self.error("empty template")
        node = self.alternatives(what="alternative")
        if self.pos < len(self.tokens):
            raise self.error(f"unbalanced {self.tokens[self.pos][1]!r}")
        return node

    def alternatives(self, what: str) -> Node:
        options = [self.sequence()]
        while self.peek() == "|":
            self.pos += 1
            options.append(self.sequence())
        if any(not _has_items(option) for option in options):
            raise self.error(f"empty {what}")
        return options[0] if len(options) == 1 else Alt(tuple(options))

    def sequence(self) -> Node:
        items: list[Node] = []
        while self.pos < len(self.tokens):
            kind, value = self.tokens[self.pos]
            if kind == "op" and value in ")]|;":
                break
            self.pos += 1
            self._spend(1)
            if kind == "word":
                items.extend(Word(word) for word in normalize(value))
            elif kind == "slot":
                if self.slots is not None and value not in self.slots:
                    raise self.error(f"slot {{{value}}} is not declared in the intent's slots")
                items.append(Slot(value))
            elif kind == "rule":
                items.append(self.rule(value))
            else:
                items.append(self.group(value))
        return items[0] if len(items) == 1 else Seq(tuple(items))

    def group(self, opener: str) -> Node:
        closer = ")" if opener == "(" else "]"
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"nests groups more than {MAX_DEPTH} deep")
        body = self.alternatives(what="alternative" if opener == "(" else "optional part")
        parts = [body]
        while opener == "(" and self.peek() == ";":  # (a;b;c): the parts in any order
            self.pos += 1
            parts.append(self.alternatives(what="part of an any-order group"))
        if len(parts) > 1:
            body = self._any_order(parts)
        self.depth -= 1
        if self.pos >= len(self.tokens):
            raise self.error(f"unclosed {opener!r}")
        found = self.tokens[self.pos][1]
        if found != closer:
            raise self.error(f"{opener!r} closed by {found!r}")
        self.pos += 1
        return Opt(body) if opener == "[" else body

    def _any_order(self, parts: list[Node]) -> Node:
        if len(parts) > MAX_ANY_ORDER:
            raise self.error(f"an any-order group may have at most {MAX_ANY_ORDER} parts")
        orders = list(itertools.permutations(parts))
        self._spend(len(orders) * len(parts))
        return Alt(tuple(Seq(order) for order in orders))

    def rule(self, name: str) -> Node:
        if name not in self.rules:
            raise self.error(f"unknown rule <{name}>")
        if name in self.stack:
            chain = " -> ".join(f"<{part}>" for part in (*self.stack, name))
            raise self.error(f"recursive rule {chain}")
        if len(self.stack) >= MAX_DEPTH:
            raise self.error(f"uses rules inside rules more than {MAX_DEPTH} deep")
        parser = _Parser(
            self.rules[name],
            rules=self.rules,
            slots=self.slots,
            where=self.where,
            stack=(*self.stack, name),
            budget=self.budget,
        )
        return parser.parse()


def _has_items(node: Node) -> bool:
    return not (isinstance(node, Seq) and not node.items)


def parse_template(
    template: str,
    *,
    rules: Mapping[str, str] | None = None,
    slots: Collection[str] | None = None,
    where: str = "",
) -> Node:
    """Parse a template into its syntax tree, with ``<rule>`` references expanded.

    ``slots`` lists the slot names the intent declares (None accepts any); ``where`` names the
    skill and intent in error messages ("skill coffee, intent coffee.order").
    """
    parser = _Parser(template, rules=rules or {}, slots=slots, where=where, stack=())
    node = parser.parse()
    if not literal_words(node):
        raise parser.error("has no literal word (a template needs at least one)")
    return node


def literal_words(node: Node) -> set[str]:
    """Every literal word the tree can produce."""
    if isinstance(node, Word):
        return {node.text}
    if isinstance(node, Slot):
        return set()
    if isinstance(node, Opt):
        return literal_words(node.body)
    children = node.items if isinstance(node, Seq) else node.options
    words: set[str] = set()
    for child in children:
        words |= literal_words(child)
    return words
