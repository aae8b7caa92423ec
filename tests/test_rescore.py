"""The skills' sentences choose among what Whisper may have heard, scored by the audio."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from speech_support import espeak, whisper_recognizer

from assistant.speech.audio import load_audio
from assistant.speech.engines import Alternative, Transcript
from assistant.speech.rescore import after_wake
from assistant.speech.understand import Understanding
from assistant.speech.wake import WakeSpotter

EXAMPLES = Path(__file__).resolve().parents[1] / "docs" / "examples"


@pytest.fixture
def barista(ting_assistant_factory: Any) -> Any:
    return ting_assistant_factory(EXAMPLES)


def heard(alternatives: Sequence[tuple[str, float]], sounds: dict[str, float]) -> Transcript:
    """A transcript whose audio 'sounds like' the given sentences (others: -20 nats)."""

    def acoustic(texts: Sequence[str]) -> list[float]:
        return [sounds.get(t.rstrip(".?!").lower(), -20.0) for t in texts]

    return Transcript(
        alternatives[0][0],
        alternatives=tuple(Alternative(t, s) for t, s in alternatives),
        acoustic=acoustic,
    )


def test_a_misheard_value_is_read_as_the_one_that_sounds_alike(barista: Any) -> None:
    understanding = Understanding.from_assistant(barista)
    transcript = heard(
        [("Can I get a medium row latte?", -2.0), ("Can I get a medium rose latte?", -2.5)],
        {"can i get a medium row latte": -2.0, "can i get a medium roast latte": -3.0},
    )
    text = understanding.choose(transcript)
    match = barista.matcher.match(text)
    assert match is not None and match.slots["roast"] == "medium roast"


def test_a_sentence_that_does_not_fit_the_audio_is_not_forced(barista: Any) -> None:
    understanding = Understanding.from_assistant(barista)
    transcript = heard(
        [("Can I get a medium row latte?", -2.0)],
        {"can i get a medium row latte": -2.0, "can i get a medium roast latte": -15.0},
    )
    assert understanding.choose(transcript) == "can i get a medium row latte"


def heard_motor(**drinks: float) -> Transcript:
    """A drink order heard with "motor" where the drink was; ``drinks``: how each sounds."""
    sounds = {"may i have a triple shot motor with sugar": -3.0}
    for drink, score in drinks.items():
        sounds[f"may i have a triple shot {drink.replace('_', ' ')} with sugar"] = score
    return heard([("May I have a triple shot motor with sugar?", -3.0)], sounds)


def test_a_required_value_lost_in_noise_is_filled_in_by_ear(barista: Any) -> None:
    """No drink heard ("motor"): the audio clearly prefers one drink to the others."""
    understanding = Understanding.from_assistant(barista)
    transcript = heard_motor(mocha=-13.0, latte=-22.0)
    match = barista.matcher.match(understanding.choose(transcript))
    assert match is not None and match.slots.get("coffeeDrink") == "mocha", match


def test_no_value_is_filled_in_where_the_audio_does_not_prefer_one(barista: Any) -> None:
    understanding = Understanding.from_assistant(barista)
    transcript = heard_motor(mocha=-13.0, iced_mocha=-14.0)
    text = understanding.choose(transcript)
    assert text == "may i have a triple shot motor with sugar"  # the dialog asks which drink


def test_out_of_domain_words_are_not_filled_in(barista: Any) -> None:
    understanding = Understanding.from_assistant(barista)
    transcript = heard(
        [("Play some jazz music.", -3.0)],
        {"play some jazz music": -3.0, "play some mocha music": -4.0},
    )
    assert barista.matcher.match(understanding.choose(transcript)) is None


def test_a_short_sound_does_not_become_a_command(ting_assistant_factory: Any) -> None:
    """One word heard: the skills' sentences only break a near tie of the beam."""
    understanding = Understanding.from_assistant(ting_assistant_factory())
    far = heard([("Six.", -1.7), ("Thanks.", -3.5)], {"six": -1.7, "thanks": -3.5})
    assert understanding.choose(far) == "six"
    near = heard([("Yet.", -2.0), ("Yes.", -2.4)], {"yet": -2.0, "yes": -2.4})
    assert understanding.choose(near) == "yes"


def test_homophones_count_as_one_sound(ting_assistant_factory: Any) -> None:
    coffee = ting_assistant_factory("coffee")
    understanding = Understanding.from_assistant(coffee)
    transcript = heard(
        [("I'd like to cappuccinos.", -1.0), ("I'd like two cappuccinos.", -1.8)],
        {"i would like to cappuccinos": -1.0, "i would like two cappuccinos": -1.8},
    )
    match = coffee.matcher.match(understanding.choose(transcript))
    assert match is not None and match.slots["quantity"] == 2


def test_where_no_skill_hears_anything_the_beam_order_stands(barista: Any) -> None:
    understanding = Understanding.from_assistant(barista)
    transcript = heard(
        [("Play some jazz music.", -3.0), ("Play some jazz.", -2.0)],
        {"play some jazz music": -3.0, "play some jazz": -2.0},
    )
    assert understanding.choose(transcript) == "play some jazz music"


def test_rescore_off_is_the_plain_path(barista: Any) -> None:
    understanding = Understanding.from_assistant(barista, rescore=False)
    transcript = heard(
        [("Can I get a medium row latte?", -2.0)],
        {"can i get a medium roast latte": -2.0},
    )
    assert understanding.choose(transcript) == understanding.prepare(transcript.text)
    assert understanding.choose(Transcript("A large latte.")) == "a large latte"


def test_the_setting_turns_it_off(ting_assistant_factory: Any) -> None:
    assistant = ting_assistant_factory(EXAMPLES, settings={"speech": {"rescore": False}})
    assert Understanding.from_assistant(assistant).rescore is False


def test_the_wake_phrase_is_left_out_of_the_choice(barista: Any) -> None:
    understanding = Understanding.from_assistant(barista)
    seen: list[str] = []

    def acoustic(texts: Sequence[str]) -> list[float]:
        seen.extend(texts)
        return [-1.0 if "roast" in t else -2.0 for t in texts]

    transcript = Transcript(
        "Hey Ting, a medium row latte.",
        alternatives=(Alternative("Hey Ting, a medium row latte.", -2.0),),
        acoustic=acoustic,
    )
    command = after_wake(transcript, WakeSpotter("hey ting"), "a medium row latte")
    assert command.text == "a medium row latte"
    match = barista.matcher.match(understanding.choose(command))
    assert match is not None and match.slots["roast"] == "medium roast"
    assert seen and all(t.lower().startswith("hey ting") for t in seen)


# -- real Whisper on spoken audio ----------------------------------------------------------


def test_whisper_gives_its_n_best_and_scores_sentences_by_the_audio() -> None:
    recognizer = whisper_recognizer()
    audio = load_audio(espeak("could i have a large cappuccino", "en-us"), recognizer.rate)
    transcript = recognizer.transcribe(audio, words=False)
    assert transcript.alternatives and transcript.alternatives[0].text == transcript.text
    assert transcript.acoustic is not None
    right, wrong = transcript.acoustic(
        ["Could I have a large cappuccino?", "Should we halve the barge cap?"]
    )
    assert right > wrong + 5


@pytest.mark.parametrize(
    ("text", "voice", "slots"),
    [
        ("i would like a small dark roast mocha", "en-us", {"roast": "dark roast"}),
        ("get me a double shot americano", "en-gb", {"numberOfShots": "double shot"}),
    ],
)
def test_spoken_orders_are_understood(
    barista: Any, text: str, voice: str, slots: dict[str, str]
) -> None:
    recognizer = whisper_recognizer()
    understanding = Understanding.from_assistant(barista)
    transcript = recognizer.transcribe(
        load_audio(espeak(text, voice), recognizer.rate), words=False
    )
    match = barista.matcher.match(understanding.choose(transcript))
    assert match is not None and match.intent == "orderDrink"
    assert all(match.slots.get(k) == v for k, v in slots.items()), match.slots


@pytest.mark.parametrize(
    "text",
    ["play some jazz", "turn off the kitchen lights", "what a lovely afternoon it is"],
)
def test_spoken_requests_for_nothing_loaded_stay_rejected(barista: Any, text: str) -> None:
    recognizer = whisper_recognizer()
    understanding = Understanding.from_assistant(barista)
    transcript = recognizer.transcribe(
        load_audio(espeak(text, "en-us"), recognizer.rate), words=False
    )
    assert barista.matcher.match(understanding.choose(transcript)) is None
