"""The Whisper engine (faster-whisper, CTranslate2): accurate, not streaming."""

from __future__ import annotations

import logging
import math
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import ModelError
from .engines import Hints, Partial, Transcript, Word
from .vad import audible

if TYPE_CHECKING:
    from .audio import Audio

__all__ = ["BEAM_SIZE", "NO_SPEECH", "WhisperRecognizer", "load_whisper_model"]

_LOGGER = logging.getLogger(__name__)

BEAM_SIZE = 5
"""Beam width: on the dev set beam 5 halves the intent errors of greedy decoding (WER 0.117
against 0.173) for about 30% more decoding time (bench/bench_understand.py)."""

NO_SPEECH = 0.6
"""A segment Whisper thinks is silence (and decodes with little confidence) is dropped."""

_MODELS: dict[tuple[Path, int], Any] = {}
_MODELS_LOCK = threading.Lock()
_RATE = 16000
_MAX_BUFFER_S = 30.0


def load_whisper_model(path: Path, threads: int = 2) -> Any:
    """A ``faster_whisper.WhisperModel`` (int8, CPU), loaded once per path and process."""
    path = Path(path).resolve()
    with _MODELS_LOCK:
        key = (path, threads)
        if key in _MODELS:
            return _MODELS[key]
        try:
            from faster_whisper import WhisperModel
        except ImportError as exc:
            raise ModelError(
                "the whisper engine needs faster-whisper; install it with "
                "`pip install 'ting[whisper]'`"
            ) from exc
        if not (path / "model.bin").is_file():
            raise ModelError(
                f"{path} is not a CTranslate2 Whisper model folder (no model.bin inside); pass "
                "the model folder with --model"
            )
        try:
            model = WhisperModel(str(path), device="cpu", compute_type="int8", cpu_threads=threads)
        except Exception as exc:  # CTranslate2 raises RuntimeError/ValueError on bad files
            raise ModelError(f"{path}: the Whisper model failed to load ({exc})") from exc
        _MODELS[key] = model
        return model


class WhisperRecognizer:
    """Buffers an utterance, then decodes it with the skills' vocabulary as a prompt."""

    name = "whisper"
    streaming = False
    rate = _RATE

    def __init__(
        self,
        model_path: Path,
        *,
        language: str = "en",
        threads: int = 2,
        beam_size: int = BEAM_SIZE,
    ) -> None:
        self.model_path = Path(model_path)
        self._model = load_whisper_model(self.model_path, threads)
        self._language = (
            language
            if getattr(self._model, "model", None) is None or self._model.model.is_multilingual
            else None
        )
        self._beam_size = beam_size
        self._hints = Hints()
        self._buffer: list[np.ndarray] = []

    def configure(self, hints: Hints | None) -> None:
        self._hints = hints or Hints()

    def accept(self, chunk: np.ndarray) -> Partial | None:
        self._buffer.append(np.asarray(chunk, dtype=np.float32))
        if sum(len(b) for b in self._buffer) > _MAX_BUFFER_S * self.rate:
            self._buffer.pop(0)  # Whisper hears 30 s at most; keep the latest
        return None

    def result(self) -> Transcript:
        samples = np.concatenate(self._buffer) if self._buffer else np.zeros(0, np.float32)
        self._buffer = []
        return self._decode(samples, words=False)

    def reset(self) -> None:
        self._buffer = []

    def transcribe(self, audio: Audio, *, words: bool = True) -> Transcript:
        samples = audio.samples
        if audio.rate != self.rate:
            import soxr

            samples = np.asarray(soxr.resample(samples, audio.rate, self.rate), np.float32)
        return self._decode(samples, words=words)

    def _decode(self, samples: np.ndarray, *, words: bool) -> Transcript:
        duration = len(samples) / self.rate
        if len(samples) < self.rate // 10 or not audible(samples, self.rate):
            # Whisper makes words up ("You", "Thank you.") out of silence
            return Transcript("", duration=duration, engine=self.name)
        segments, _info = self._model.transcribe(
            samples,
            language=self._language,
            beam_size=self._beam_size,
            initial_prompt=self._hints.prompt,
            hotwords=self._hints.hotwords,
            condition_on_previous_text=False,
            word_timestamps=words,
            without_timestamps=not words,
            vad_filter=False,
        )
        texts: list[str] = []
        found: list[Word] = []
        logprobs: list[float] = []
        for segment in segments:
            if segment.no_speech_prob > NO_SPEECH and segment.avg_logprob < -1.0:
                _LOGGER.debug("dropping a segment heard as silence: %r", segment.text)
                continue
            texts.append(segment.text.strip())
            logprobs.append(segment.avg_logprob)
            for w in segment.words or ():
                found.append(
                    Word(w.word.strip(), float(w.start), float(w.end), float(w.probability))
                )
        confidence = math.exp(sum(logprobs) / len(logprobs)) if logprobs else 0.0
        return Transcript(
            text=" ".join(t for t in texts if t),
            words=tuple(found),
            confidence=confidence,
            duration=duration,
            engine=self.name,
        )

    def close(self) -> None:
        self._buffer = []
