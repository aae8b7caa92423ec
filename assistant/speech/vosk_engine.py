"""The Vosk engine: streaming Kaldi recognition, optionally against the skills' grammar."""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import ModelError
from .engines import Hints, Partial, Transcript, Word, join_words, pcm16

if TYPE_CHECKING:
    from .audio import Audio

__all__ = ["GRAMMAR_MIN_CONFIDENCE", "UNKNOWN", "VoskRecognizer", "load_vosk_model"]

_LOGGER = logging.getLogger(__name__)

UNKNOWN = "[unk]"
"""Vosk's out-of-grammar word."""

GRAMMAR_MIN_CONFIDENCE = 0.6
"""Below this mean word confidence a grammar result gives way to the free-form one."""

_MODELS: dict[Path, Any] = {}
_MODELS_LOCK = threading.Lock()
_FEED = 3200  # samples per AcceptWaveform call in transcribe(): 0.2 s at 16 kHz


def load_vosk_model(path: Path) -> Any:
    """A ``vosk.Model``, loaded once per path and process."""
    path = Path(path).resolve()
    with _MODELS_LOCK:
        model = _MODELS.get(path)
        if model is not None:
            return model
        import vosk

        vosk.SetLogLevel(-1)
        if not (path / "am").is_dir() and not (path / "final.mdl").exists():
            raise ModelError(
                f"{path} is not a Vosk model folder (no am/ inside); pass the unpacked model "
                "folder with --model, or run `assistant models download` for the catalog one"
            )
        try:
            model = vosk.Model(str(path))
        except Exception as exc:  # vosk raises a bare Exception on a broken model
            raise ModelError(
                f"{path}: the Vosk model failed to load ({exc}); run `assistant models verify` "
                "or download it again"
            ) from exc
        _MODELS[path] = model
        return model


class _Stream:
    """One KaldiRecognizer and the finished pieces of the current utterance."""

    def __init__(self, model: Any, rate: int, grammar: list[str] | None) -> None:
        import vosk

        args: list[Any] = [model, float(rate)]
        if grammar is not None:
            args.append(json.dumps(grammar, ensure_ascii=False))
        self.recognizer = vosk.KaldiRecognizer(*args)
        self.recognizer.SetWords(True)
        self.pieces: list[dict[str, Any]] = []
        self.rate = rate
        # Vosk keeps counting time across Reset(); word times are made relative to the last
        # reset here, so that transcribing a second file starts again at 0 s.
        self.fed = 0  # samples since the recogniser was made
        self.origin = 0  # samples at the last reset

    def feed(self, data: bytes) -> None:
        self.fed += len(data) // 2
        if self.recognizer.AcceptWaveform(data):
            self.pieces.append(json.loads(self.recognizer.Result()))

    def partial(self) -> str:
        done = " ".join(str(p.get("text", "")) for p in self.pieces)
        now = str(json.loads(self.recognizer.PartialResult()).get("partial", ""))
        return " ".join(part for part in (done, now) if part)

    def close_piece(self) -> None:
        """Finish decoding what was heard so far; later audio starts a new piece."""
        self.pieces.append(json.loads(self.recognizer.FinalResult()))

    def finish(self) -> list[Word]:
        """The words of every piece; the recogniser is ready for the next utterance."""
        if self.pieces and not json.loads(self.recognizer.PartialResult()).get("partial"):
            # Nothing heard since the last piece closed (as after a settle): the final pass
            # would only cost time, tens of milliseconds over silence.
            self.recognizer.Reset()
        else:
            self.close_piece()
        shift = self.origin / self.rate
        words = [
            Word(
                str(w["word"]),
                float(w["start"]) - shift,
                float(w["end"]) - shift,
                float(w.get("conf", 1.0)),
            )
            for piece in self.pieces
            for w in piece.get("result", [])
        ]
        self.pieces = []
        return words

    def reset(self) -> None:
        self.recognizer.Reset()
        self.pieces = []
        self.origin = self.fed


class VoskRecognizer:
    """Vosk with a free-form decoder, plus a grammar decoder when the skills provide one.

    Both decoders hear the same audio. The grammar result wins when it is complete (no
    ``[unk]``) and confident; otherwise the free-form transcript is used, so free-text slots
    and out-of-grammar speech reach the matcher as they were said (and get rejected there).
    """

    name = "vosk"
    streaming = True

    def __init__(self, model_path: Path, rate: int = 16000) -> None:
        self.rate = rate
        self.model_path = Path(model_path)
        self._model = load_vosk_model(self.model_path)
        self._free = _Stream(self._model, rate, None)
        self._grammar: _Stream | None = None
        self._samples = 0
        self._last_partial = ""

    def knows(self, word: str) -> bool:
        """True if the model's vocabulary holds ``word``."""
        return bool(self._model.vosk_model_find_word(word) >= 0)

    def configure(self, hints: Hints | None) -> None:
        """Decode against ``hints.grammar`` (plus ``[unk]``) as well as freely.

        Sentences with a word the model does not know are left out (`assistant skills check`
        lists such words); so is ``[unk]`` if the model has no garbage word.
        """
        phrases = list(dict.fromkeys(hints.grammar)) if hints and hints.grammar else []
        usable = [p for p in phrases if p != UNKNOWN and all(self.knows(w) for w in p.split())]
        if len(usable) < len(phrases):
            _LOGGER.info(
                "grammar: %d of %d sentences use words the model lacks",
                len(phrases) - len(usable),
                len(phrases),
            )
        if not usable:
            self._grammar = None
            return
        if self.knows(UNKNOWN):
            usable.append(UNKNOWN)
        self._grammar = _Stream(self._model, self.rate, usable)

    def _streams(self) -> list[_Stream]:
        return [self._free] if self._grammar is None else [self._grammar, self._free]

    def accept(self, chunk: np.ndarray) -> Partial | None:
        data = pcm16(chunk)
        self._samples += len(chunk)
        for stream in self._streams():
            stream.feed(data)
        text = (self._grammar or self._free).partial()
        if text == self._last_partial:
            return None
        self._last_partial = text
        return Partial(text.replace(UNKNOWN, "…"))

    def settle(self) -> None:
        """The speaker paused: finish the free-form decoding of what was said so far.

        The final pass over the lattice is most of what :meth:`result` costs; done now, it
        overlaps the rest of the endpointing silence. Speech that follows is decoded as a
        further piece, as after Vosk's own endpoints. The grammar decoder is left to the end:
        its sentences must be heard whole, and its small graph finishes quickly.
        """
        self._free.close_piece()

    def result(self) -> Transcript:
        duration = self._samples / self.rate
        free_words = self._free.finish()
        chosen, source = free_words, "free"
        if self._grammar is not None:
            grammar_words = self._grammar.finish()
            if _grammar_wins(grammar_words):
                chosen, source = grammar_words, "grammar"
        self._samples = 0
        self._last_partial = ""
        return _transcript(chosen, duration, source)

    def reset(self) -> None:
        for stream in self._streams():
            stream.reset()
        self._samples = 0
        self._last_partial = ""

    def transcribe(self, audio: Audio, *, words: bool = True) -> Transcript:
        self.reset()
        samples = audio.samples if audio.rate == self.rate else _resample(audio, self.rate)
        for start in range(0, len(samples), _FEED):
            data = pcm16(samples[start : start + _FEED])
            for stream in self._streams():
                stream.feed(data)
            self._samples += min(_FEED, len(samples) - start)
        return self.result()

    def close(self) -> None:
        self._grammar = None


def _grammar_wins(words: list[Word]) -> bool:
    if not words or any(w.word == UNKNOWN for w in words):
        return False
    return sum(w.confidence for w in words) / len(words) >= GRAMMAR_MIN_CONFIDENCE


def _transcript(words: list[Word], duration: float, source: str) -> Transcript:
    kept = [w for w in words if w.word != UNKNOWN]
    confidence = sum(w.confidence for w in kept) / len(kept) if kept else 0.0
    return Transcript(
        text=join_words(kept),
        words=tuple(kept),
        confidence=confidence,
        duration=duration,
        engine="vosk",
        source=source,
    )


def _resample(audio: Audio, rate: int) -> np.ndarray:
    import soxr

    return np.asarray(soxr.resample(audio.samples, audio.rate, rate), dtype=np.float32)
