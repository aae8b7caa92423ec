"""The Whisper engine (faster-whisper, CTranslate2): accurate, not streaming."""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import ModelError
from .engines import Alternative, Hints, Partial, Transcript, Word
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
_MAX_NEW_TOKENS = 200


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
        if not words and duration <= _MAX_BUFFER_S and hasattr(self._model, "encode"):
            return self._hear(samples, duration)
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

    def _hear(self, samples: np.ndarray, duration: float) -> Transcript:
        """One utterance (30 s at most): the beam's n-best, and the audio kept for scoring.

        The encoder runs once; its output stays with the transcript's acoustic scorer, which
        scores any other sentence under the same audio (CTranslate2's ``align``: the
        probability of each of its tokens), for :mod:`assistant.speech.rescore`.
        """
        from faster_whisper.audio import pad_or_trim
        from faster_whisper.tokenizer import Tokenizer
        from faster_whisper.transcribe import get_suppressed_tokens

        model = self._model
        features = model.feature_extractor(samples)[:, :-1]
        frames = features.shape[-1]
        encoded = model.encode(pad_or_trim(features))
        tokenizer = Tokenizer(
            model.hf_tokenizer,
            model.model.is_multilingual,
            task="transcribe",
            language=self._language,
        )
        previous = tokenizer.encode(" " + self._hints.prompt.strip()) if self._hints.prompt else []
        prompt = model.get_prompt(
            tokenizer, previous, without_timestamps=True, hotwords=self._hints.hotwords
        )
        result = model.model.generate(
            encoded,
            [prompt],
            beam_size=self._beam_size,
            num_hypotheses=self._beam_size,
            max_length=min(model.max_length, len(prompt) + _MAX_NEW_TOKENS),
            return_scores=True,
            return_no_speech_prob=True,
            suppress_blank=True,
            suppress_tokens=get_suppressed_tokens(tokenizer, (-1,)),
        )[0]
        alternatives: dict[str, Alternative] = {}
        for ids, score in zip(result.sequences_ids, result.scores, strict=True):
            text = tokenizer.decode(ids).strip()
            if text and text not in alternatives:
                alternatives[text] = Alternative(text, float(score) * len(ids))
        if not alternatives:
            return Transcript("", duration=duration, engine=self.name)
        best = next(iter(alternatives.values()))
        tokens = len(result.sequences_ids[0])
        avg_logprob = best.score / (tokens + 1)
        if result.no_speech_prob > NO_SPEECH and avg_logprob < -1.0:
            _LOGGER.debug("dropping an utterance heard as silence: %r", best.text)
            return Transcript("", duration=duration, engine=self.name)
        start = [*tokenizer.sot_sequence, tokenizer.no_timestamps]

        def acoustic(texts: Sequence[str]) -> list[float]:
            scores: list[float] = []
            for text in texts:
                ids = tokenizer.encode(" " + text.strip())
                if not ids:
                    scores.append(-math.inf)
                    continue
                aligned = model.model.align(encoded, start, [ids], frames)[0]
                scores.append(float(sum(math.log(max(p, 1e-30)) for p in aligned.text_token_probs)))
            return scores

        return Transcript(
            text=best.text,
            confidence=math.exp(avg_logprob),
            duration=duration,
            engine=self.name,
            alternatives=tuple(alternatives.values()),
            acoustic=acoustic,
        )

    def close(self) -> None:
        self._buffer = []
