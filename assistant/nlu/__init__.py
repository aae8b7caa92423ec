"""Intent recognition: templates compiled into token graphs, matched tolerantly."""

from __future__ import annotations

from .matcher import MAX_TOKENS, Match, Matcher
from .normalize import normalize
from .numbers import parse_day, parse_duration, parse_number
from .templates import parse_template

__all__ = [
    "MAX_TOKENS",
    "Match",
    "Matcher",
    "normalize",
    "parse_day",
    "parse_duration",
    "parse_number",
    "parse_template",
]
