"""Speech engines: registration through the hook, and real Vosk and Whisper on real audio."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pluggy
import pytest
from speech_support import DEV, espeak, quiet_audio, vosk_recognizer, whisper_recognizer

from assistant import hookimpl
from assistant.config import Settings
from assistant.errors import ConfigError, ModelError
from assistant.plugins import get_plugin_manager
from assistant.speech.audio import Audio, load_audio
from assistant.speech.engines import (
    BUILTIN_PLUGIN,
    Hints,
    Recognizer,
    Transcript,
    engine_registry,
)


@pytest.fixture
def manager() -> pluggy.PluginManager:
    return get_plugin_manager(installed=False).manager  # the core plugins, engines included


class _Echo:
    """A fake engine: hears nothing, says what it was told."""

    name = "echo"
    rate = 16000
    streaming = False

    def __init__(self, model: str | None) -> None:
        self.model = model

    def configure(self, hints: Hints | None) -> None: ...
    def accept(self, chunk: np.ndarray) -> None: ...
    def result(self) -> Transcript:
        return Transcript(self.model or "")

    def reset(self) -> None: ...
    def transcribe(self, audio: object, *, words: bool = True) -> Transcript:
        return self.result()

    def close(self) -> None: ...


class EchoPlugin:
    @hookimpl
    def register_engines(self, register):  # type: ignore[no-untyped-def]
        register("echo", lambda model, settings: _Echo(model))


class ClashingPlugin:
    @hookimpl
    def register_engines(self, register):  # type: ignore[no-untyped-def]
        register("vosk", lambda model, settings: _Echo(model))


def test_hook_register_engines(manager: pluggy.PluginManager) -> None:
    manager.register(EchoPlugin(), name="echo-plugin")
    registry = engine_registry(manager)
    manager.check_pending()
    assert registry.names == ["echo", "vosk", "whisper"]
    assert registry.owners["vosk"] == BUILTIN_PLUGIN
    assert registry.owners["echo"] == "echo-plugin"
    engine = registry.create("echo", "said", Settings())
    assert isinstance(engine, Recognizer)
    assert engine.transcribe(quiet_audio()).text == "said"


def test_an_engine_name_taken_is_refused_naming_both_plugins(
    manager: pluggy.PluginManager,
) -> None:
    manager.register(ClashingPlugin(), name="clash")
    registry = engine_registry(manager)
    assert registry.owners["vosk"] == BUILTIN_PLUGIN  # the first holder keeps it
    [problem] = registry.problems
    assert "'clash'" in problem and f"'{BUILTIN_PLUGIN}'" in problem


def test_a_plugin_failing_in_register_engines_leaves_the_bundled_engines(
    manager: pluggy.PluginManager,
) -> None:
    class Raises:
        @hookimpl
        def register_engines(self, register):  # type: ignore[no-untyped-def]
            register("half", lambda model, settings: _Echo(model))
            raise RuntimeError("no engines today")

    manager.register(Raises(), name="raises")
    manager.register(EchoPlugin(), name="echo-plugin")
    registry = engine_registry(manager)
    assert registry.names == ["echo", "vosk", "whisper"]  # nothing of the failing plugin
    [problem] = registry.problems
    assert "'raises'" in problem and "no engines today" in problem


def test_bad_registrations_are_refused(manager: pluggy.PluginManager) -> None:
    class Bad:
        @hookimpl
        def register_engines(self, register):  # type: ignore[no-untyped-def]
            register("Not A Name!", lambda m, s: None)

    manager.register(Bad(), name="bad")
    registry = engine_registry(manager)
    assert registry.names == ["vosk", "whisper"]
    assert any("plugin 'bad' registered an engine named" in p for p in registry.problems)


def test_unknown_engine_names_the_known_ones(manager: pluggy.PluginManager) -> None:
    with pytest.raises(ConfigError, match="unknown speech engine 'nope'.*vosk, whisper"):
        engine_registry(manager).create("nope", None, Settings())


def test_registry_twice_keeps_one_builtin(manager: pluggy.PluginManager) -> None:
    engine_registry(manager)
    assert engine_registry(manager).names == ["vosk", "whisper"]


# -- Vosk, on the Korean model ---------------------------------------------------------------


@pytest.mark.slow
def test_vosk_transcribes_with_word_timings_and_confidences() -> None:
    recognizer = vosk_recognizer()
    recognizer.configure(None)
    audio = load_audio(espeak("여보세요"))
    transcript = recognizer.transcribe(audio)
    assert transcript.engine == "vosk" and transcript.source == "free"
    assert "여보세요" in transcript.text
    assert transcript.words, "Vosk returned no words"
    for word in transcript.words:
        assert 0.0 <= word.start < word.end <= audio.duration + 0.05
        assert 0.0 <= word.confidence <= 1.0
    starts = [w.start for w in transcript.words]
    assert starts == sorted(starts)
    assert transcript.duration == pytest.approx(audio.duration, abs=0.01)


@pytest.mark.slow
def test_vosk_word_times_start_again_for_each_file() -> None:
    recognizer = vosk_recognizer()
    recognizer.configure(None)
    first = load_audio(espeak("안녕하세요"))
    second = load_audio(espeak("여보세요"))
    recognizer.transcribe(first)
    again = recognizer.transcribe(second)
    alone = vosk_recognizer()
    alone.configure(None)
    assert again.words, "Vosk returned no words"
    assert again.words[-1].end <= second.duration + 0.05
    expected = [w.start for w in alone.transcribe(second).words]
    assert [w.start for w in again.words] == pytest.approx(expected, abs=0.001)


@pytest.mark.slow
def test_vosk_streams_partials_then_a_final_result() -> None:
    recognizer = vosk_recognizer()
    recognizer.configure(None)
    samples = load_audio(espeak("여보세요")).samples
    partials = []
    for start in range(0, len(samples), 480):
        partial = recognizer.accept(samples[start : start + 480])
        if partial is not None:
            partials.append(partial.text)
    final = recognizer.result()
    assert partials, "no partial transcript while streaming"
    assert "여보세요" in final.text
    assert recognizer.result().text == ""  # result() ends the utterance


@pytest.mark.slow
def test_vosk_grammar_decodes_only_its_words() -> None:
    recognizer = vosk_recognizer()
    grammar = ("여보세요", "사랑 해요", "감사합니다", "not korean")
    recognizer.configure(Hints(grammar=grammar))
    try:
        heard = {
            text: recognizer.transcribe(load_audio(espeak(text)))
            for text in ("여보세요", "사랑해요", "안녕하세요")
        }
    finally:
        recognizer.configure(None)
    assert heard["여보세요"].text == "여보세요"
    assert heard["사랑해요"].text == "사랑 해요"
    allowed = {word for sentence in grammar[:3] for word in sentence.split()}
    assert all(t.source == "grammar" for t in heard.values())
    assert set(heard["안녕하세요"].text.split()) <= allowed  # out of grammar: forced in
    assert not recognizer.knows("not") and recognizer.knows("여보세요")


@pytest.mark.slow
def test_vosk_hears_nothing_in_silence() -> None:
    recognizer = vosk_recognizer()
    recognizer.configure(None)
    assert recognizer.transcribe(quiet_audio(1.5)).text == ""


def test_vosk_rejects_a_folder_that_is_not_a_model(tmp_path: Path) -> None:
    from assistant.speech.vosk_engine import VoskRecognizer

    with pytest.raises(ModelError, match="not a Vosk model folder"):
        VoskRecognizer(tmp_path)


def test_vosk_reports_a_broken_model(tmp_path: Path) -> None:
    from assistant.speech.vosk_engine import VoskRecognizer

    (tmp_path / "am").mkdir()
    (tmp_path / "am" / "final.mdl").write_bytes(b"garbage")
    with pytest.raises(ModelError, match="failed to load"):
        VoskRecognizer(tmp_path)


# -- Whisper tiny.en --------------------------------------------------------------------------


@pytest.mark.slow
def test_whisper_transcribes_english_with_words() -> None:
    recognizer = whisper_recognizer()
    recognizer.configure(None)
    audio = load_audio(DEV / "coffee-1.joe.wav")
    transcript = recognizer.transcribe(audio)
    assert "starbucks" in transcript.text.lower()
    assert transcript.words and all(w.end >= w.start for w in transcript.words)
    assert 0.0 < transcript.confidence <= 1.0
    assert not recognizer.streaming and recognizer.accept(audio.samples[:480]) is None
    recognizer.reset()


@pytest.mark.slow
def test_whisper_buffers_a_stream_and_decodes_on_result() -> None:
    recognizer = whisper_recognizer()
    samples = load_audio(DEV / "timer-1.joe.wav").samples
    for start in range(0, len(samples), 480):
        recognizer.accept(samples[start : start + 480])
    assert "timer" in recognizer.result().text.lower()
    assert recognizer.result().text == ""


@pytest.mark.slow
def test_whisper_is_silent_on_silence() -> None:
    assert whisper_recognizer().transcribe(quiet_audio(2.0)).text == ""
    hiss = np.random.default_rng(0).normal(0, 10 ** (-75 / 20), 32000).astype(np.float32)
    assert whisper_recognizer().transcribe(Audio(hiss, 16000)).text == ""


def test_whisper_rejects_a_folder_without_a_model(tmp_path: Path) -> None:
    from assistant.speech.whisper_engine import WhisperRecognizer

    with pytest.raises(ModelError, match="no model.bin"):
        WhisperRecognizer(tmp_path)


def test_whisper_without_faster_whisper_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assistant.speech.whisper_engine import WhisperRecognizer

    monkeypatch.setitem(sys.modules, "faster_whisper", None)
    with pytest.raises(ModelError, match=r"ting\[whisper\]"):
        WhisperRecognizer(tmp_path)
