"""Compile a template syntax tree into a token graph whose size grows with the template text."""

from __future__ import annotations

from dataclasses import dataclass

from .costs import MISSING_SLOT_COST, delete_cost
from .templates import Alt, Node, Opt, Seq, Slot, Word

__all__ = [
    "NEVER_DELETED",
    "Graph",
    "compile_graph",
    "required_slots",
    "required_words",
    "slot_names",
]


NEVER_DELETED = 10**6
"""``least_delete`` of a graph with nothing an alignment would leave out."""


@dataclass(frozen=True, slots=True)
class Graph:
    """A word graph: states 0..final, every edge going from a lower to a higher state.

    ``eps[s]`` lists the states reachable from ``s`` without a word; ``words[s]`` the
    ``(word, target, cost of leaving the word out)`` edges; ``slots[s]`` the
    ``(slot name, target)`` edges. ``max_units`` is the most words and slots any path holds.
    ``least_delete`` is the least an alignment pays for leaving out a word or slot it
    could otherwise have taken: an edge with an empty way round it (an optional word on its
    own) is never left out, since going round costs nothing.
    """

    final: int
    eps: tuple[tuple[int, ...], ...]
    words: tuple[tuple[tuple[str, int, int], ...], ...]
    slots: tuple[tuple[tuple[str, int], ...], ...]
    max_units: int
    least_delete: int


class _Builder:
    """Thompson construction over the tree; states are numbered in topological order."""

    def __init__(self) -> None:
        self.eps: list[list[int]] = [[]]
        self.words: list[list[tuple[str, int]]] = [[]]
        self.slots: list[list[tuple[str, int]]] = [[]]

    def new(self) -> int:
        self.eps.append([])
        self.words.append([])
        self.slots.append([])
        return len(self.eps) - 1

    def build(self, node: Node, start: int) -> int:
        if isinstance(node, Word):
            end = self.new()
            self.words[start].append((node.text, end))
            return end
        if isinstance(node, Slot):
            end = self.new()
            self.slots[start].append((node.name, end))
            return end
        if isinstance(node, Seq):
            state = start
            for item in node.items:
                state = self.build(item, state)
            return state
        if isinstance(node, Alt):
            ends = [self.build(option, start) for option in node.options]
            end = self.new()
            for branch_end in ends:
                self.eps[branch_end].append(end)
            return end
        body_end = self.build(node.body, start)
        end = self.new()
        self.eps[start].append(end)
        self.eps[body_end].append(end)
        return end


def compile_graph(node: Node, *, text: bool = False) -> Graph:
    """The token graph of a template tree.

    ``text``: the template holds a text slot, so its words that carry meaning may not be
    left out (see ``costs``).
    """
    builder = _Builder()
    final = builder.build(node, 0)
    eps, words, slots, final = _shortcut(builder.eps, builder.words, builder.slots, final)
    word_edges = tuple(
        tuple((word, target, delete_cost(word, text=text)) for word, target in edges)
        for edges in words
    )
    return Graph(
        final=final,
        eps=tuple(tuple(targets) for targets in eps),
        words=word_edges,
        slots=tuple(tuple(edges) for edges in slots),
        max_units=_max_units(node),
        least_delete=_least_delete(eps, word_edges, slots),
    )


def _least_delete(
    eps: list[list[int]],
    words: tuple[tuple[tuple[str, int, int], ...], ...],
    slots: _Edges,
) -> int:
    """The least cost of leaving out an edge that has no empty way round it."""
    closure: list[set[int]] = [set() for _ in eps]
    for state in range(len(eps) - 1, -1, -1):  # edges lead to higher states
        closure[state] = {state}.union(*(closure[t] for t in eps[state]))
    costs = [cost for s, edges in enumerate(words) for _, t, cost in edges if t not in closure[s]]
    if any(t not in closure[s] for s, edges in enumerate(slots) for _, t in edges):
        costs.append(MISSING_SLOT_COST)
    return min(costs, default=NEVER_DELETED)


_Edges = list[list[tuple[str, int]]]


def _shortcut(
    eps: list[list[int]], words: _Edges, slots: _Edges, final: int
) -> tuple[list[list[int]], _Edges, _Edges, int]:
    """The same graph without states whose only way on is one empty edge.

    The ends of alternatives and optional parts are such states: edges into them go
    straight to where their empty edge leads, and the states left are renumbered in order.
    """
    count = len(eps)
    target = list(range(count))
    for state in range(count - 1, 0, -1):
        if not words[state] and not slots[state] and len(eps[state]) == 1:
            target[state] = target[eps[state][0]]
    kept = [state for state in range(count) if target[state] == state]
    number = {state: index for index, state in enumerate(kept)}

    def to(state: int) -> int:
        return number[target[state]]

    new_eps = [list(dict.fromkeys(to(t) for t in eps[s] if to(t) != number[s])) for s in kept]
    new_words = [[(word, to(t)) for word, t in words[s]] for s in kept]
    new_slots = [[(name, to(t)) for name, t in slots[s]] for s in kept]
    return new_eps, new_words, new_slots, to(final)


def _max_units(node: Node) -> int:
    if isinstance(node, (Word, Slot)):
        return 1
    if isinstance(node, Seq):
        return sum(_max_units(item) for item in node.items)
    if isinstance(node, Alt):
        return max(_max_units(option) for option in node.options)
    return _max_units(node.body)


def required_words(node: Node) -> list[frozenset[str]]:
    """Word groups every sentence of the tree draws on: it holds a word of each group.

    ``(open|launch) the {app}`` gives ``[{open, launch}, {the}]``.
    """
    if isinstance(node, Word):
        return [frozenset({node.text})]
    if isinstance(node, (Slot, Opt)):
        return []
    if isinstance(node, Seq):
        return [group for item in node.items for group in required_words(item)]
    union: set[str] = set()
    for option in node.options:
        groups = required_words(option)
        if not groups:
            return []
        union |= min(groups, key=len)
    return [frozenset(union)]


def required_slots(node: Node) -> set[str]:
    """Slots every sentence of the tree holds."""
    if isinstance(node, Slot):
        return {node.name}
    if isinstance(node, (Word, Opt)):
        return set()
    if isinstance(node, Seq):
        return {name for item in node.items for name in required_slots(item)}
    common = required_slots(node.options[0])
    for option in node.options[1:]:
        common &= required_slots(option)
    return common


def slot_names(node: Node) -> set[str]:
    """Every slot the tree can hold."""
    if isinstance(node, Slot):
        return {node.name}
    if isinstance(node, Word):
        return set()
    if isinstance(node, Opt):
        return slot_names(node.body)
    children = node.items if isinstance(node, Seq) else node.options
    return {name for child in children for name in slot_names(child)}
