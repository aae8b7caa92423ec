"""The speech pipeline on files and on a fake microphone: endpointing, recognition, replies."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from speech_support import (
    DEV,
    concatenate,
    espeak,
    silence,
    vosk_recognizer,
    whisper_recognizer,
)

from assistant.assistant import Assistant
from assistant.config import Settings
from assistant.speech.engines import Hints
from assistant.speech.pipeline import Pipeline
from assistant.speech.sources import FileSource
from assistant.speech.understand import Understanding
from assistant.speech.wake import WakeSpotter


@pytest.fixture(scope="module")
def bare_assistant() -> Iterator[Assistant]:
    with Assistant.create(Settings(), entry_points=False, allow=()) as assistant:
        yield assistant


@pytest.fixture(scope="module")
def assistant() -> Iterator[Assistant]:
    with Assistant.create(Settings()) as assistant:
        yield assistant


class Deaf:
    """A recogniser for audio that holds no speech: nothing may reach it."""

    name, rate, streaming = "deaf", 16000, False

    def configure(self, hints: object) -> None: ...
    def reset(self) -> None: ...
    def transcribe(self, audio: object, *, words: bool = True) -> None:
        raise AssertionError("nothing should reach the recogniser")


class FakeMicrophone:
    """Stands in for the microphone: yields fixed 30 ms chunks from a file, then stops."""

    def __init__(self, path: Path) -> None:
        self._file = FileSource(path, chunk_ms=30)
        self.rate = self._file.rate
        self.closed = False

    def chunks(self) -> Iterator[np.ndarray]:
        yield from self._file.chunks()

    def close(self) -> None:
        self.closed = True


@pytest.mark.slow
def test_vosk_pipeline_splits_a_file_into_utterances(bare_assistant: Assistant) -> None:
    path, spans = concatenate(
        [
            silence(0.5),
            espeak("여보세요"),
            silence(1.2),
            espeak("사랑해요"),
            silence(1.2),
            espeak("감사합니다"),
            silence(1.0),
        ],
        "three-korean.wav",
    )
    partials: list[str] = []
    recognizer = vosk_recognizer()
    recognizer.configure(Hints(grammar=("여보세요", "사랑 해요", "감사합니다")))
    try:
        pipeline = Pipeline(bare_assistant, recognizer, on_partial=partials.append)
        heard = list(pipeline.run(FakeMicrophone(path), name="three"))
    finally:
        recognizer.configure(None)
    assert len(heard) == 3
    for one, (start, end) in zip(heard, spans, strict=True):
        assert one.start <= start + 0.25 and one.end >= end - 0.35
        assert one.end - one.start < (end - start) + 1.0
        assert one.file == "three" and one.turn is not None
        assert one.turn.intent is None  # no skills loaded: nothing is understood
        assert one.latency_ms > 0 and one.processing_ms < one.latency_ms
    texts = [h.transcript.text for h in heard]
    assert texts[0] == "여보세요" and texts[1].endswith("해요") and texts[2] == "감사합니다"
    assert partials, "a streaming engine shows partial transcripts"


@pytest.mark.slow
def test_vosk_settles_in_the_pause_and_keeps_speech_after_it(bare_assistant: Assistant) -> None:
    """Decoding finishes during the endpointing silence; a shorter pause does not cut speech."""
    path, _ = concatenate(
        [
            silence(0.5),
            espeak("여보세요"),
            silence(0.1),  # with espeak's own quiet ends: over half the silence, under all
            espeak("감사합니다"),
            silence(1.2),
            espeak("사랑해요"),
            silence(1.0),
        ],
        "settle-korean.wav",
    )
    recognizer = vosk_recognizer()
    settled: list[float] = []
    real_settle = recognizer.settle

    def settle() -> None:
        settled.append(recognizer._samples / recognizer.rate)
        real_settle()

    recognizer.configure(Hints(grammar=("여보세요", "감사합니다", "사랑 해요")))
    recognizer.settle = settle
    try:
        heard = list(Pipeline(bare_assistant, recognizer).run(FakeMicrophone(path)))
    finally:
        del recognizer.settle
        recognizer.configure(None)
    texts = [h.transcript.text for h in heard]
    assert len(heard) == 2, texts
    assert texts[0] == "여보세요 감사합니다" and texts[1].endswith("해요")
    assert len(settled) == 3  # the short pause, then the end of each utterance


def _two_commands() -> Path:
    """A weather command, a second's pause, then a timer command."""
    path, _ = concatenate(
        [DEV / "weather-1.joe.wav", silence(1.0), DEV / "timer-1.joe.wav", silence(0.8)],
        "two-commands.wav",
    )
    return path


@pytest.mark.slow
def test_whisper_pipeline_answers_each_command_in_one_session(assistant: Assistant) -> None:
    path = _two_commands()
    recognizer = whisper_recognizer()
    pipeline = Pipeline(
        assistant, recognizer, understanding=Understanding.from_assistant(assistant)
    )
    heard = list(pipeline.run(FileSource(path)))
    assert [h.turn.intent for h in heard if h.turn] == ["weather.forecast", "timer.set"]
    assert heard[0].turn and heard[0].turn.slots == {"city": "beijing", "day": "tomorrow"}
    assert heard[1].turn and heard[1].turn.slots == {"duration": 300}
    row = heard[1].to_dict()
    assert set(row) >= {"file", "start", "end", "text", "intent", "slots", "reply", "latency_ms"}
    assert row["start"] > heard[0].end


@pytest.mark.slow
def test_without_the_wake_phrase_nothing_is_answered(assistant: Assistant) -> None:
    recognizer = whisper_recognizer()
    pipeline = Pipeline(
        assistant,
        recognizer,
        understanding=Understanding.from_assistant(assistant),
        wake=WakeSpotter("hey ting"),
    )
    heard = list(pipeline.run(FileSource(DEV / "coffee-1.joe.wav")))
    assert len(heard) == 1 and not heard[0].woke and heard[0].turn is None
    assert heard[0].reply is None


class _Recorder:
    def __init__(self) -> None:
        self.said: list[str] = []

    def say(self, text: str) -> float:
        self.said.append(text)
        return 0.1


@pytest.mark.slow
def test_replies_go_to_the_speaker(assistant: Assistant) -> None:
    speaker = _Recorder()
    pipeline = Pipeline(
        assistant,
        whisper_recognizer(),
        understanding=Understanding.from_assistant(assistant),
        speaker=speaker,  # type: ignore[arg-type]
    )
    heard = list(pipeline.run(FileSource(DEV / "help-1.joe.wav")))
    assert speaker.said == [h.reply for h in heard] and speaker.said


def test_silence_gives_no_utterance(bare_assistant: Assistant) -> None:
    from assistant.speech.audio import SAMPLE_RATE, Audio

    source = FileSource(Audio(np.zeros(SAMPLE_RATE * 2, np.float32), SAMPLE_RATE))
    assert list(Pipeline(bare_assistant, Deaf()).run(source)) == []  # type: ignore[arg-type]


@pytest.mark.slow
def test_a_live_source_is_decoded_during_the_silence(assistant: Assistant) -> None:
    """With audio arriving in real time, Whisper starts before the endpointing silence ends."""
    import threading

    path = _two_commands()
    recognizer = whisper_recognizer()
    threads: list[str] = []
    real_transcribe = recognizer.transcribe

    def transcribe(audio: object, *, words: bool = True) -> object:
        threads.append(threading.current_thread().name)
        return real_transcribe(audio, words=words)  # type: ignore[arg-type]

    recognizer.transcribe = transcribe
    try:
        pipeline = Pipeline(
            assistant, recognizer, understanding=Understanding.from_assistant(assistant)
        )
        heard = list(pipeline.run(FileSource(path, realtime=True)))
    finally:
        del recognizer.transcribe
    assert [h.turn.intent for h in heard if h.turn] == ["weather.forecast", "timer.set"]
    assert heard[0].turn and heard[0].turn.slots == {"city": "beijing", "day": "tomorrow"}
    assert any(name.startswith("ting-decode") for name in threads), threads


def test_a_live_conversation_tells_and_says_what_is_due(tmp_path: Path) -> None:
    """While the microphone hears nothing, what the skills have to tell is shown and said."""
    from assistant import IntentSpec, Skill, hookimpl
    from assistant.speech.audio import SAMPLE_RATE, Audio

    class Kettle:
        name = "kettle"
        boils_at = time.time() + 1.0

        @hookimpl
        def register_skills(self, register):  # type: ignore[no-untyped-def]
            skill = Skill(
                name="kettle", intents=(IntentSpec(name="kettle.boil", templates=("boil",)),)
            )
            register(skill)

        @hookimpl
        def due_notices(self, context, now):  # type: ignore[no-untyped-def]
            if now < self.boils_at or context.state.get("told"):
                return None
            context.state["told"] = True
            return ["The kettle has boiled."]

    class Speaker:
        def __init__(self) -> None:
            self.said: list[str] = []

        def say(self, text: str) -> None:
            self.said.append(text)

    settings = Settings(data_dir=tmp_path)
    with Assistant.create(settings, plugins=[Kettle()], entry_points=False) as assistant:
        shown: list[str] = []
        speaker = Speaker()
        pipeline = Pipeline(
            assistant,
            Deaf(),  # type: ignore[arg-type]
            speaker=speaker,  # type: ignore[arg-type]
            on_notice=lambda notice: shown.append(f"{notice.skill}: {notice.text}"),
        )
        quiet = Audio(np.zeros(SAMPLE_RATE * 2, np.float32), SAMPLE_RATE)  # two seconds
        assert list(pipeline.run(FileSource(quiet, realtime=True))) == []
        assert shown == ["kettle: The kettle has boiled."]
        assert speaker.said == ["The kettle has boiled."]
        # A recording played at full speed is not a conversation: nobody is told anything.
        Kettle.boils_at = 0.0
        pipeline.session = assistant.new_session()
        assert list(pipeline.run(FileSource(quiet))) == [] and len(shown) == 1
