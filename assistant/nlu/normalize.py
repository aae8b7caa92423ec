"""Text normalisation shared by templates and input: tokens, contractions, fillers, plurals."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

__all__ = [
    "ARTICLES",
    "FILLER_PAIRS",
    "FILLERS",
    "normalize",
    "singulars",
    "strip_edges",
]

ARTICLES: frozenset[str] = frozenset({"a", "an", "the", "my", "some", "any", "your", "our"})
"""Words a recogniser drops or inserts freely; absent or present on either side costs little."""

FILLERS: frozenset[str] = frozenset(
    {
        "please",
        "um",
        "umm",
        "uh",
        "uhm",
        "er",
        "erm",
        "hmm",
        "ah",
        "oh",
        "hey",
        "okay",
        "ok",
        "just",
        "kindly",
        "hi",
        "hello",
        "well",
        "so",
        "thanks",
        "actually",
    }
)
"""Single words that carry no meaning in a command."""

FILLER_PAIRS: frozenset[tuple[str, str]] = frozenset(
    {
        ("could", "you"),
        ("can", "you"),
        ("would", "you"),
        ("will", "you"),
        ("thank", "you"),
        ("you", "know"),
        ("i", "mean"),
    }
)
"""Two-word fillers ("could you ..."); each word is skipped only next to its partner."""

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00b4": "'"})
_NON_WORD = re.compile(r"[^\w']+|_+")
_PLAIN = re.compile(r"[a-z0-9 ]*")
_WHOLE = {
    "can't": "can not",
    "cannot": "can not",
    "won't": "will not",
    "shan't": "shall not",
    "ain't": "is not",
    "let's": "let us",
}
_IS_WORDS = frozenset(
    {"what", "where", "when", "how", "there", "it", "that", "who", "here", "he", "she", "why"}
)
_SUFFIXES = (
    ("n't", " not"),
    ("'re", " are"),
    ("'ll", " will"),
    ("'ve", " have"),
    ("'m", " am"),
    ("'d", " would"),
)


def normalize(text: str) -> list[str]:
    """The tokens the matcher sees: lower case, NFKC, no punctuation, contractions expanded.

    Hyphens and other punctuation split words; apostrophes expand contractions ("what's" →
    "what is", "i'd" → "i would", "don't" → "do not") and are dropped elsewhere
    ("mcdonald's" → "mcdonalds"). Digits stay tokens ("42"). Any script survives as tokens,
    so non-Latin text yields tokens that simply match nothing.
    """
    return list(_normalize(text))


@lru_cache(maxsize=4096)
def _normalize(text: str) -> tuple[str, ...]:
    if _PLAIN.fullmatch(text):
        return tuple(text.split())
    text = unicodedata.normalize("NFKC", text).lower().translate(_APOSTROPHES)
    tokens: list[str] = []
    for raw in _NON_WORD.split(text):
        raw = raw.strip("'")
        if not raw:
            continue
        if "'" in raw:
            tokens.extend(_expand(raw))
        else:
            tokens.append(raw)
    return tuple(tokens)


def _expand(word: str) -> list[str]:
    """Expand one contraction; drop apostrophes that are not one."""
    if word in _WHOLE:
        return _WHOLE[word].split()
    for suffix, replacement in _SUFFIXES:
        if word.endswith(suffix) and len(word) > len(suffix):
            return (word[: -len(suffix)].replace("'", "") + replacement).split()
    if word.endswith("'s"):
        stem = word[:-2]
        if stem in _IS_WORDS:
            return [stem, "is"]
    cleaned = word.replace("'", "")
    return [cleaned] if cleaned else []


@lru_cache(maxsize=8192)
def singulars(word: str) -> tuple[str, ...]:
    """Candidate singular forms of a possibly plural word ("lattes" → "latte", "lattes"[:-2])."""
    if len(word) < 3 or not word.endswith("s") or word.endswith("ss") or not word.isalpha():
        return ()
    forms: list[str] = [word[:-1]]
    if word.endswith("es") and len(word) > 3:
        forms.append(word[:-2])
    if word.endswith("ies") and len(word) > 4:
        forms.append(word[:-3] + "y")
    return tuple(forms)


def strip_edges(tokens: Sequence[str]) -> list[str]:
    """Tokens without filler words and articles at either edge."""
    skip = FILLERS | ARTICLES
    start, end = 0, len(tokens)
    while start < end and (tokens[start] in skip or _pair_at(tokens, start)):
        start += 1
    while end > start and (tokens[end - 1] in skip or _pair_at(tokens, end - 1)):
        end -= 1
    return list(tokens[start:end])


def _pair_at(tokens: Sequence[str], i: int) -> bool:
    """True if tokens[i] belongs to a two-word filler with a neighbour."""
    if i + 1 < len(tokens) and (tokens[i], tokens[i + 1]) in FILLER_PAIRS:
        return True
    return i > 0 and (tokens[i - 1], tokens[i]) in FILLER_PAIRS
