"""The bundled skills read through common speech-recognition errors, and still reject the rest."""

from __future__ import annotations

import pytest

from assistant import Assistant, Settings
from assistant.nlu import Matcher


@pytest.fixture(scope="module")
def matcher(tmp_path_factory: pytest.TempPathFactory) -> Matcher:
    assistant = Assistant.create(Settings(data_dir=tmp_path_factory.mktemp("data")))
    return assistant.matcher


HEARD = [
    # Misheard units of time.
    ("set a timer for five minuets", "timer.set", {"duration": 300}),
    ("set a timer for ten mins", "timer.set", {"duration": 600}),
    ("set a timer for thirty secs", "timer.set", {"duration": 30}),
    ("set a timer for two hrs", "timer.set", {"duration": 7200}),
    ("set a timer for twenty minits", "timer.set", {"duration": 1200}),
    # A city name split into syllables, one of them misheard.
    ("weather in shen zen on monday", "weather.forecast", {"city": "shenzhen", "day": "monday"}),
    # Values spelt out by letter names.
    ("what coupons do i have for kay ef see", "coupons.list", {"merchant": "kfc"}),
    ("track my ess ef express parcel", "parcel.track", {"carrier": "sf express"}),
    ("track my jay dee package", "parcel.track", {"carrier": "jd logistics"}),
    ("track my ee em ess parcel", "parcel.track", {"carrier": "ems"}),
    # Number words heard as like-sounding words.
    ("when is the next bus number forty too", "transit.next_bus", {"line": 42}),
    ("set a timer for too minutes", "timer.set", {"duration": 120}),
    ("when is the next bus number sixty for", "transit.next_bus", {"line": 64}),
    ("when is the next bus number ate", "transit.next_bus", {"line": 8}),
    ("when is the next bus number won", "transit.next_bus", {"line": 1}),
    ("set a timer for ate minutes", "timer.set", {"duration": 480}),
]


@pytest.mark.parametrize(("text", "intent", "slots"), HEARD)
def test_misrecognised_words_are_read(
    matcher: Matcher, text: str, intent: str, slots: dict[str, object]
) -> None:
    match = matcher.match(text)
    assert match is not None, text
    assert (match.intent, match.slots) == (intent, slots)
    assert match.confidence >= 0.8


KEPT = [
    # "for", "to" and "too" stay words outside a spoken number.
    ("set a timer for ten minutes", "timer.set", {"duration": 600}),
    ("set the timer to five minutes", "timer.set", {"duration": 300}),
    ("what coupons do i have for kfc", "coupons.list", {"merchant": "kfc"}),
    ("weather in shenzhen on monday", "weather.forecast", {"city": "shenzhen", "day": "monday"}),
    ("when is the next bus number forty two", "transit.next_bus", {"line": 42}),
    # Hundreds written as digits, "and" kept: one number, not the part after "and".
    ("next bus 100 and 20", "transit.next_bus", {"line": 120}),
    ("when is the next bus number 100 and 20", "transit.next_bus", {"line": 120}),
    ("when is the next bus number one hundred and 20", "transit.next_bus", {"line": 120}),
]


@pytest.mark.parametrize(("text", "intent", "slots"), KEPT)
def test_plain_words_keep_their_meaning(
    matcher: Matcher, text: str, intent: str, slots: dict[str, object]
) -> None:
    match = matcher.match(text)
    assert match is not None, text
    assert (match.intent, match.slots, match.confidence) == (intent, slots, 1.0)


OUT_OF_DOMAIN = [
    "what's the time in london",
    "what time is it in tokyo",
    "show me pictures of cats",
    "find the nearest hospital",
    "the cat sat on the mat",
    "tell me a joke",
    "book a flight to paris",
    "turn off the lights",
    "i see you are there",
    "why are you so slow",
    # A request verb and free words, without the words that say it is a mini program search.
    "i'm looking for my keys",
    "i want to go to sleep",
    "i need help with my homework",
    "search for my keys",
    "find my phone",
]


@pytest.mark.parametrize("text", OUT_OF_DOMAIN)
def test_out_of_domain_stays_rejected(matcher: Matcher, text: str) -> None:
    assert matcher.threshold == 0.65
    assert matcher.match(text) is None


FREE_TEXT_WITHOUT_ITS_WORDS = [
    "i'm looking for my keys",
    "i want to go to sleep",
    "i need help with my homework",
    "search for my keys",
    "find my phone",
    "look for my glasses",
    "i need a break",
]


@pytest.mark.parametrize("text", FREE_TEXT_WITHOUT_ITS_WORDS)
def test_free_text_needs_the_words_around_it(matcher: Matcher, text: str) -> None:
    """A template with a text slot never reads a sentence that lacks its meaningful words."""
    best = matcher.best(text)
    assert best is None or best.intent != "miniprogram.search", (text, best)


MINI_PROGRAM_SEARCHES = [
    ("find a mini program for fresh fruit", "fresh fruit"),
    ("search for train ticket services", "train ticket"),
    ("is there a mini program that sells flowers", "flowers"),
    ("find me an app for train tickets", "train tickets"),
    ("are there any mini programs for food delivery", "food delivery"),
    ("search for a mini program that sells flowers", "flowers"),
    ("i'm looking for a flower shop mini program", "flower shop"),
    ("i need a mini program for flowers", "flowers"),
    ("look for a taxi app", "taxi"),
]


@pytest.mark.parametrize(("text", "query"), MINI_PROGRAM_SEARCHES)
def test_mini_program_searches_still_match(matcher: Matcher, text: str, query: str) -> None:
    match = matcher.match(text)
    assert match is not None, text
    assert (match.intent, match.slots) == ("miniprogram.search", {"query": query})
