"""Helpers for the sample mini-programs: deterministic randomness and small lookups."""

from __future__ import annotations

import hashlib
import random
from datetime import date, timedelta

from ...errors import ServiceError

__all__ = ["WEEKDAYS", "resolve_day", "seeded", "spoken_list", "stable_number"]

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def seeded(*parts: object) -> random.Random:
    """A random generator seeded by ids and dates, so the same question gets the same answer."""
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def stable_number(*parts: object, digits: int = 8) -> str:
    """A stable string of digits derived from ids (tracking numbers, coupon codes)."""
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()
    return str(int(digest, 16))[-digits:].zfill(digits)


def resolve_day(day: str | None, today: date) -> date:
    """'today', 'tomorrow' or a weekday name → the date within the coming week."""
    if day is None or day == "today":
        return today
    if day == "tomorrow":
        return today + timedelta(days=1)
    if day in WEEKDAYS:
        ahead = (WEEKDAYS.index(day) - today.weekday()) % 7
        return today + timedelta(days=ahead)
    raise ServiceError(f"I only know today, tomorrow and the days of the week, not {day!r}")


def spoken_list(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
