"""Normalisation, spoken numbers, durations and days."""

from __future__ import annotations

import pytest

from assistant.nlu import normalize, parse_day, parse_duration, parse_number


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("Order a LATTE!", ["order", "a", "latte"]),
        ("what's the weather?", ["what", "is", "the", "weather"]),
        ("I'd like two cappuccinos", ["i", "would", "like", "two", "cappuccinos"]),
        ("I'm here, it's late", ["i", "am", "here", "it", "is", "late"]),
        ("don't", ["do", "not"]),
        ("can't won't", ["can", "not", "will", "not"]),
        ("let's go", ["let", "us", "go"]),
        ("where's when's how's there's", ["where", "is", "when", "is", "how", "is", "there", "is"]),
        ("mcdonald's", ["mcdonalds"]),
        ("luckin' coffee", ["luckin", "coffee"]),
        ("what\u2019s up", ["what", "is", "up"]),
        ("wi-fi hot-chocolate", ["wi", "fi", "hot", "chocolate"]),
        ("bus 42", ["bus", "42"]),
        ("\uff2f\uff30\uff25\uff2e starbucks", ["open", "starbucks"]),
        ("  ", []),
        ("...!?", []),
        ("under_score", ["under", "score"]),
    ],
)
def test_normalize(text: str, tokens: list[str]) -> None:
    assert normalize(text) == tokens


def test_normalize_survives_garbage() -> None:
    assert normalize("你好") == ["你好"]
    garbage = bytes(range(256)).decode("latin-1")
    assert all(isinstance(token, str) for token in normalize(garbage))


@pytest.mark.parametrize(
    ("words", "value"),
    [
        ("zero", 0),
        ("seven", 7),
        ("twelve", 12),
        ("forty", 40),
        ("forty two", 42),
        ("ninety nine", 99),
        ("a hundred", 100),
        ("one hundred", 100),
        ("one hundred and twenty", 120),
        ("one hundred twenty", 120),
        ("three hundred and five", 305),
        ("nine hundred and ninety nine", 999),
        ("42", 42),
        ("7", 7),
        # Recognisers write parts of a spoken number as digits.
        ("one hundred and 20", 120),
        ("three hundred 5", 305),
        ("100 and 20", 120),
        ("100 and twenty two", 122),
        ("900 and 99", 999),
    ],
)
def test_parse_number(words: str, value: int) -> None:
    assert parse_number(words.split()) == value


@pytest.mark.parametrize(
    "words",
    [
        "",
        "a",
        "hundred",
        "forty forty",
        "two seven",
        "twenty zero",
        "one hundred and",
        "seven hundred zero",
        "ten two",
        "and",
        "latte",
        "two hundred hundred",
        "1000000000",
        "150 and 2",
        "100 and 0",
        "100 and 100",
        "one hundred and 100",
        "3 and 4",
        "100 20",
        "1000 and 20",
    ],
)
def test_parse_number_rejects(words: str) -> None:
    assert parse_number(words.split()) is None


@pytest.mark.parametrize(
    ("words", "seconds"),
    [
        ("five minutes", 300),
        ("one minute", 60),
        ("ninety second", 90),
        ("ninety seconds", 90),
        ("90 seconds", 90),
        ("an hour", 3600),
        ("a minute", 60),
        ("two hours", 7200),
        ("half an hour", 1800),
        ("half a minute", 30),
        ("a minute and a half", 90),
        ("an hour and a half", 5400),
        ("one and a half hours", 5400),
        ("an hour and ten minutes", 4200),
        ("two hours and thirty five minutes", 9300),
        ("a quarter of an hour", 900),
        ("one hundred and twenty seconds", 120),
    ],
)
def test_parse_duration(words: str, seconds: int) -> None:
    assert parse_duration(words.split()) == seconds


@pytest.mark.parametrize(
    "words", ["", "five", "minutes", "five apples", "ten minutes and an hour", "and a half"]
)
def test_parse_duration_rejects(words: str) -> None:
    assert parse_duration(words.split()) is None


@pytest.mark.parametrize(
    ("words", "day"),
    [
        ("today", "today"),
        ("tonight", "today"),
        ("tomorrow", "tomorrow"),
        ("monday", "monday"),
        ("on monday", "monday"),
        ("on sunday", "sunday"),
        ("this friday", "friday"),
        ("next wednesday", "wednesday"),
    ],
)
def test_parse_day(words: str, day: str) -> None:
    assert parse_day(words.split()) == day


@pytest.mark.parametrize("words", ["", "on", "yesterday", "monday tuesday", "on today now"])
def test_parse_day_rejects(words: str) -> None:
    assert parse_day(words.split()) is None
