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
]


@pytest.mark.parametrize("text", OUT_OF_DOMAIN)
def test_out_of_domain_stays_rejected(matcher: Matcher, text: str) -> None:
    assert matcher.threshold == 0.65
    assert matcher.match(text) is None
