"""Edit costs, in hundredths of a word: what each difference between input and template costs.

Free text and kept words
------------------------
A ``text`` slot explains any words, so in a template that holds one the literal words
around it are all that tie a sentence to the intent. Most of them say little: fillers,
articles, function words ("for", "that", "is there") and generic request verbs ("find",
"search", "i need", "i am looking for") start requests of every kind. The rest, the words
that carry the template's meaning ("mini program", "app", "sells"), are *kept words*: in a
template with a text slot the tolerant alignment may read them fuzzily or in the plural but
never leave them out (``KEPT_COST``). Without that rule a generic verb plus free text
matches anything: "i am looking for my keys" would be "<find> {query} <mp>" with the one
word that says what is searched for left out. Templates without a text slot are unchanged:
their slots and literal words bound what the input may say, so one missing word stays a
small cost there. ``GENERIC_WORDS`` lists the words that are not kept.
"""

from __future__ import annotations

from functools import lru_cache

from rapidfuzz import fuzz

from .normalize import ARTICLES, FILLER_PAIRS, FILLERS, singulars
from .numbers import parse_number

__all__ = [
    "ARTICLE_COST",
    "DELETE_COST",
    "FILLER_COST",
    "FUZZY_CUTOFF",
    "FUZZY_WORD_COST",
    "GENERIC_WORDS",
    "HOMOPHONE_COST",
    "JOIN_COST",
    "KEPT_COST",
    "LIGHT_COST",
    "MISSING_SLOT_COST",
    "PLURAL_COST",
    "SPELT_COST",
    "WORD_COST",
    "delete_cost",
    "insert_costs",
    "word_cost",
]

PLURAL_COST = 5
"""A plural for a singular or the other way round, or digits for a number word."""

JOIN_COST = 10
"""A list value spoken split or joined ("k f c" for "kfc")."""

SPELT_COST = 20
"""A list value spelt out by letter names ("kay ef see" for "kfc")."""

HOMOPHONE_COST = 25
"""A number word heard as a like-sounding word ("forty too", "bus number ate")."""

WORD_COST = 120
"""An extra input word that the template does not explain."""

LIGHT_COST = 50
"""An extra function word such as "it" or "that" ("stop it")."""

DELETE_COST = 105
"""A template word the speaker left out (or the recogniser dropped)."""

ARTICLE_COST = 10
"""An article or possessive present on one side only, or swapped for another."""

FILLER_COST = 15
"""A filler word ("please", "um", "could you") in the input."""

KEPT_COST = 10**6
"""Leaving out a kept word of a template with a text slot: more than any budget, so never."""

MISSING_SLOT_COST = 100
"""A slot of the template that has no value in the input."""

FUZZY_CUTOFF = 75.0
"""Least rapidfuzz ratio for reading one word as another."""

FUZZY_WORD_COST = 20
"""Base cost of a misrecognised word, plus 2.5 per point of ratio below 100."""
_LIGHT_WORDS = frozenset(
    {
        "it",
        "that",
        "this",
        "now",
        "then",
        "here",
        "there",
        "right",
        "again",
        "for",
        "me",
        "to",
        "and",
        "also",
        "too",
    }
)
"""Function words a speaker adds without changing the command ("stop it", "cancel that")."""


def insert_costs(tokens: tuple[str, ...]) -> list[int]:
    """What skipping each input token costs: little for fillers and articles."""
    costs: list[int] = []
    for i, token in enumerate(tokens):
        if token in FILLERS:
            costs.append(FILLER_COST)
        elif (i + 1 < len(tokens) and (token, tokens[i + 1]) in FILLER_PAIRS) or (
            i > 0 and (tokens[i - 1], token) in FILLER_PAIRS
        ):
            costs.append(FILLER_COST)
        elif token in ARTICLES:
            costs.append(ARTICLE_COST)
        elif token in _LIGHT_WORDS:
            costs.append(LIGHT_COST)
        else:
            costs.append(WORD_COST)
    return costs


@lru_cache(maxsize=65536)
def word_cost(token: str, word: str, tolerant: bool) -> int | None:
    """Cost of reading input ``token`` as template ``word``; None if it cannot be."""
    if token == word:
        return 0
    if word in singulars(token) or token in singulars(word):
        return PLURAL_COST
    if token.isdigit() and token.isascii() and parse_number([word]) == int(token):
        return PLURAL_COST
    if token in ARTICLES and word in ARTICLES:
        return ARTICLE_COST
    if not tolerant:
        return None
    if len(word) >= 3 and len(token) >= 3 and token.isalpha() and word.isalpha():
        score = fuzz.ratio(token, word, score_cutoff=FUZZY_CUTOFF)
        if score:
            return FUZZY_WORD_COST + 1 + int((100.0 - score) * 2.5)
    return None


GENERIC_WORDS: frozenset[str] = frozenset(
    _LIGHT_WORDS
    | {
        # pronouns, prepositions, conjunctions, auxiliaries, question words
        "i",
        "me",
        "my",
        "you",
        "your",
        "we",
        "us",
        "our",
        "he",
        "she",
        "they",
        "them",
        "to",
        "for",
        "in",
        "of",
        "on",
        "at",
        "from",
        "with",
        "by",
        "about",
        "up",
        "among",
        "into",
        "and",
        "or",
        "is",
        "are",
        "am",
        "be",
        "was",
        "were",
        "do",
        "does",
        "did",
        "can",
        "could",
        "would",
        "will",
        "shall",
        "should",
        "may",
        "might",
        "let",
        "lets",
        "not",
        "which",
        "what",
        "who",
        "where",
        "when",
        "how",
        "there",
        "some",
        "any",
        "all",
        "one",
        # request verbs that start requests of every kind
        "find",
        "search",
        "look",
        "looking",
        "get",
        "show",
        "need",
        "want",
        "have",
        "has",
        "know",
        "recommend",
        "suggest",
        "give",
        "tell",
        "help",
        "like",
        "try",
        "go",
        "see",
    }
)
"""Words a template with a text slot may lose like any other (see the module docstring)."""


def delete_cost(word: str, *, text: bool = False) -> int:
    """Cost of a template word the speaker left out.

    ``text``: the word belongs to a template with a text slot, where words that carry
    meaning are kept (``KEPT_COST``).
    """
    if word in ARTICLES:
        return ARTICLE_COST
    if word in FILLERS:
        return FILLER_COST
    if text and word not in GENERIC_WORDS:
        return KEPT_COST
    return DELETE_COST
