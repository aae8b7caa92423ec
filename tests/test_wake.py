"""Wake-phrase spotting: what wakes the assistant, and how often speech without it does."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from speech_support import (
    DEV,
    concatenate,
    dev_eval,
    espeak,
    real_transcripts,
    silence,
    whisper_recognizer,
)

from assistant.assistant import Assistant
from assistant.config import Settings
from assistant.errors import ConfigError
from assistant.speech.pipeline import Pipeline
from assistant.speech.sources import FileSource
from assistant.speech.understand import Understanding
from assistant.speech.wake import WakeSpotter


@pytest.mark.parametrize(
    ("heard", "command"),
    [
        ("Hey Ting, what's the weather in Beijing?", "what s the weather in beijing"),
        ("hey ting", ""),
        ("Hey, Ting!", ""),
        ("Hey Tin, set a timer", "set a timer"),
        ("Hey, Teen. Open Starbucks.", "open starbucks"),
        ("heyting open starbucks", "open starbucks"),
        ("Hating. Open Starbucks.", "open starbucks"),  # how Whisper tiny.en hears Piper's
        ("18. Set a timer for 5 minutes.", "set a timer for 5 minutes"),  # "Hey, Ting!"
    ],
)
def test_the_phrase_and_its_mishearings_wake(heard: str, command: str) -> None:
    result = WakeSpotter("hey ting").check(heard)
    assert result.woke, result
    assert result.command.replace("what is", "what s") == command.replace("5", "five")


@pytest.mark.parametrize(
    "heard",
    [
        "the cat sat on the mat",
        "hey",
        "what's the weather in beijing",
        "",
        "hello there",
        "hey tom how are you",
        "eight",
        "open starbucks",
        "set a timer",
    ],
)
def test_other_speech_does_not_wake(heard: str) -> None:
    result = WakeSpotter("hey ting").check(heard)
    assert not result.woke, result
    assert result.command == " ".join(result.command.split())


def test_the_phrase_is_configurable() -> None:
    spotter = WakeSpotter("OK Computer")
    assert spotter.check("okay computer play").woke
    assert not spotter.check("hey ting play").woke
    assert spotter.grammar == ("ok computer", "[unk]")


def test_a_too_short_phrase_is_refused() -> None:
    with pytest.raises(ConfigError, match="too short"):
        WakeSpotter("hi")


@pytest.mark.slow
def test_false_accepts_on_speech_without_the_phrase() -> None:
    """No dev-set command or real recording should wake the assistant (printed as a rate)."""
    spotter = WakeSpotter("hey ting")
    results = dev_eval()["results"]
    heard = [str(r["transcript"]) for r in results]  # type: ignore[index,union-attr]
    heard += [text for _, _, text in real_transcripts()]
    woke = [text for text in heard if spotter.check(text).woke]
    rate = len(woke) / len(heard)
    print(f"\nwake false-accept rate: {len(woke)}/{len(heard)} = {rate:.3f}")
    assert rate <= 0.01, woke


@pytest.fixture(scope="module")
def assistant() -> Iterator[Assistant]:
    with Assistant.create(Settings()) as assistant:
        yield assistant


@pytest.mark.slow
def test_spoken_wake_phrase_then_command(assistant: Assistant, tmp_path: object) -> None:
    from assistant.speech.tts import PiperTTS, find_voice

    voice_file = find_voice(None)
    if voice_file is None:
        pytest.skip("no Piper voice installed")
    voice = PiperTTS(voice_file)
    wake_wav = tmp_path / "wake.wav"  # type: ignore[operator]
    import soundfile

    audio = voice.synthesize("Hey Ting.")
    soundfile.write(wake_wav, audio.samples, audio.rate)
    path, _ = concatenate(
        [
            wake_wav,
            silence(1.0),
            DEV / "travel-1.joe.wav",
            silence(1.0),
            DEV / "open-1.joe.wav",
            silence(0.8),
        ],
        "wake-then-command.wav",
    )
    pipeline = Pipeline(
        assistant,
        whisper_recognizer(),
        understanding=Understanding.from_assistant(assistant),
        wake=WakeSpotter("hey ting"),
    )
    heard = list(pipeline.run(FileSource(path)))
    assert heard[0].woke and heard[0].reply == "Yes?", heard[0].transcript
    assert heard[1].turn is not None and heard[1].turn.intent == "travel.guide"
    assert not heard[2].woke and heard[2].turn is None  # awake for one command only


@pytest.mark.slow
def test_speech_that_only_looks_like_the_phrase_does_not_wake(assistant: Assistant) -> None:
    """Whisper writes "hey ting" as "Hating"; a rough spelling also takes "I think" and "a
    thing" for it. The audio decides: only the phrase itself, misheard or not, wakes."""
    said = [
        espeak("i think we should leave before the traffic gets bad", voice="en-us"),
        espeak("a thing i said yesterday", voice="en-gb"),
        espeak("hey ting, show my coupons", voice="en-us"),
        espeak("i think it will rain tomorrow", voice="en-us+f3"),
        espeak("hey ting, where is my package", voice="en-gb"),
    ]
    pieces: list[Path | np.ndarray] = []
    for path in said:
        pieces += [path, silence(1.2)]
    path, _ = concatenate(pieces, "looks-like-the-phrase.wav")
    spotter = WakeSpotter("hey ting")
    pipeline = Pipeline(
        assistant,
        whisper_recognizer(),
        understanding=Understanding.from_assistant(assistant),
        wake=spotter,
    )
    heard = list(pipeline.run(FileSource(path)))
    assert len(heard) == 5, [h.transcript.text for h in heard]
    assert [h.woke for h in heard] == [False, False, True, False, True], [
        (h.transcript.text, spotter.check(h.transcript.text).woke) for h in heard
    ]
    # the spelling alone would have woken on at least one of them
    assert any(spotter.check(h.transcript.text).woke for h in heard if not h.woke)
    assert [h.turn.intent for h in heard if h.turn] == ["coupons.list", "parcel.track"]
