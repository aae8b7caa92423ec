"""Endpointing: cutting a stream into utterances with WebRTC voice activity and an energy floor."""

from __future__ import annotations

import logging
import math
from collections import deque
from dataclasses import dataclass

import numpy as np
import webrtcvad

from .audio import SAMPLE_RATE, Audio, resample

__all__ = ["VAD_RATES", "Endpointer", "Segment", "audible", "split_utterances"]

_LOGGER = logging.getLogger(__name__)

VAD_RATES = (8000, 16000, 32000, 48000)
"""Sample rates WebRTC's voice activity detector accepts."""

_FRAME_MS = 30
_NOISE_WINDOW_MS = 5000  # history the noise floor is estimated over
_NOISE_PERCENTILE = 5
_NOISE_MIN_FRAMES = 10  # frames of history before the first decision
_MARGIN_DB = 8.0  # a voiced frame is this much louder than the noise floor
_ABSOLUTE_FLOOR_DB = -60.0  # and louder than this, whatever the floor
_SHORT_CLIP_S = 1.5  # recordings up to this long may hold a single short word


@dataclass(frozen=True)
class Segment:
    """One utterance: its audio and where it lies in the stream or file, in seconds."""

    start: float
    end: float
    audio: Audio


class Endpointer:
    """Feed it chunks of a stream; it returns each utterance once the speaker has paused.

    A 30 ms frame counts as speech when WebRTC's detector says so *and* it is at least 6 dB
    above the recent noise floor (the 10th percentile of frame energies over the last five
    seconds), which keeps steady background noise from holding an utterance open. Speech
    starts when most frames of a ``min_speech_ms`` window are speech; it ends after
    ``silence_ms`` without speech or after ``max_utterance_s``. Each utterance keeps ``pad_ms``
    of audio either side of its speech.
    """

    def __init__(
        self,
        rate: int = SAMPLE_RATE,
        silence_ms: int = 600,
        aggressiveness: int = 2,
        min_speech_ms: int = 150,
        pad_ms: int = 200,
        max_utterance_s: float = 15.0,
    ) -> None:
        if rate not in VAD_RATES:
            raise ValueError(f"voice activity needs a rate of {VAD_RATES}, not {rate}")
        if not 0 <= aggressiveness <= 3:
            raise ValueError(f"aggressiveness must be 0 to 3, not {aggressiveness}")
        self.rate = rate
        self.frame_size = rate * _FRAME_MS // 1000
        self._vad = webrtcvad.Vad(aggressiveness)
        self._silence = rate * silence_ms // 1000
        self._pad = rate * pad_ms // 1000
        self._max = int(rate * max_utterance_s)
        self._min_voiced = max(1, math.ceil(min_speech_ms / _FRAME_MS))
        window = max(3, self._min_voiced)
        self._trigger = math.ceil(0.8 * window)
        self._recent: deque[bool] = deque(maxlen=window)
        self._energies: deque[float] = deque(maxlen=_NOISE_WINDOW_MS // _FRAME_MS)
        self._preroll: deque[np.ndarray] = deque(maxlen=window + math.ceil(pad_ms / _FRAME_MS))
        self._pending = np.zeros(0, dtype=np.float32)
        self._pos = 0  # samples consumed so far, in whole frames
        self._fed = 0  # samples received, without the padding of a final partial frame
        self._warmup: list[tuple[np.ndarray, float]] | None = []
        self._head: list[np.ndarray] = []  # the first seconds, for one-word clips
        self._emitted = False
        self._aggressiveness = aggressiveness
        self._pad_ms = pad_ms
        self._utterance: list[np.ndarray] | None = None
        self._utt_start = 0
        self._first_voiced = 0
        self._last_voiced = 0
        self._voiced = 0

    @property
    def in_speech(self) -> bool:
        """True while an utterance is under way (time to show partial transcripts)."""
        return self._utterance is not None

    @property
    def position(self) -> float:
        """Seconds of audio processed so far."""
        return self._pos / self.rate

    @property
    def pad(self) -> float:
        """Seconds of audio kept either side of the speech in each utterance."""
        return self._pad / self.rate

    @property
    def speech_end(self) -> float:
        """Where the last speech frame so far ends, in seconds (meaningful within an utterance)."""
        return self._last_voiced / self.rate

    @property
    def pause(self) -> float:
        """Seconds without speech at the end of the utterance under way (0.0 outside one)."""
        if self._utterance is None:
            return 0.0
        return (self._pos - self._last_voiced) / self.rate

    def peek(self) -> Segment | None:
        """The utterance under way as it would be cut if the speaker stopped here, or None.

        Once :attr:`pause` reaches ``pad_ms``, this is the very segment the endpointer will
        return unless speech resumes: work on it can start before the silence runs out.
        """
        if self._utterance is None or self._voiced < self._min_voiced:
            return None
        return self._segment(np.concatenate(self._utterance))

    def feed(self, chunk: np.ndarray) -> list[Segment]:
        """Take the next chunk of any length; return the utterances it completes."""
        data = np.asarray(chunk, dtype=np.float32).reshape(-1)
        self._fed += len(data)
        if len(self._pending):
            data = np.concatenate([self._pending, data])
        done: list[Segment] = []
        size = self.frame_size
        whole = len(data) - len(data) % size
        for start in range(0, whole, size):
            done.extend(self._frame(data[start : start + size]))
        self._pending = data[whole:].copy()
        return done

    def flush(self) -> Segment | None:
        """End of stream: return the utterance under way, if it holds enough speech.

        A stream too short to hold ``min_speech_ms`` of clear speech (a one-word clip) still
        gives an utterance if the detector hears any speech in it.
        """
        done: list[Segment] = []
        if len(self._pending):
            frame = np.zeros(self.frame_size, dtype=np.float32)
            frame[: len(self._pending)] = self._pending
            self._pending = np.zeros(0, dtype=np.float32)
            done.extend(self._frame(frame))
        done.extend(self._release_warmup())
        if not done and self._utterance is not None:
            segment = self._emit()
            done.extend([segment] if segment else [])
        if not done and not self._emitted and self._fed <= _SHORT_CLIP_S * self.rate:
            head = Audio(np.concatenate(self._head or [np.zeros(0, np.float32)]), self.rate)
            clip = _short_clip(
                head.slice(0, self._fed / self.rate), self._aggressiveness, self._pad_ms
            )
            done.extend([clip] if clip else [])
        self._recent.clear()
        return done[-1] if done else None

    def _frame(self, frame: np.ndarray) -> list[Segment]:
        energy = _db(frame)
        self._energies.append(energy)
        if self._pos < _SHORT_CLIP_S * self.rate:
            self._head.append(frame)
        if self._warmup is not None:
            # Until the noise floor is known, decisions wait (the first 300 ms of a stream).
            self._warmup.append((frame, energy))
            return self._release_warmup() if len(self._warmup) >= _NOISE_MIN_FRAMES else []
        segment = self._step(frame, self._is_voiced(frame, energy))
        return [segment] if segment else []

    def _release_warmup(self) -> list[Segment]:
        waiting, self._warmup = self._warmup or [], None
        done = [self._step(frame, self._is_voiced(frame, energy)) for frame, energy in waiting]
        return [segment for segment in done if segment is not None]

    def _is_voiced(self, frame: np.ndarray, energy: float) -> bool:
        floor = float(np.percentile(self._energies, _NOISE_PERCENTILE))
        if energy < max(_ABSOLUTE_FLOOR_DB, floor + _MARGIN_DB):
            return False
        pcm = (np.clip(frame, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()
        return bool(self._vad.is_speech(pcm, self.rate))

    def _step(self, frame: np.ndarray, voiced: bool) -> Segment | None:
        self._pos += len(frame)
        if self._utterance is None:
            self._preroll.append(frame)
            self._recent.append(voiced)
            if sum(self._recent) >= self._trigger:
                self._start()
            return None
        self._utterance.append(frame)
        if voiced:
            self._last_voiced = self._pos
            self._voiced += 1
        if self._pos - self._last_voiced >= self._silence:
            return self._emit()
        if self._pos - self._first_voiced >= self._max:
            _LOGGER.debug("utterance reached %.1f s; cutting it", self._max / self.rate)
            return self._emit()
        return None

    def _start(self) -> None:
        frames = list(self._recent)
        first = frames.index(True)
        self._first_voiced = self._pos - (len(frames) - first) * self.frame_size
        self._last_voiced = self._pos - (frames[::-1].index(True)) * self.frame_size
        self._voiced = sum(frames)
        self._utterance = list(self._preroll)
        self._utt_start = self._pos - len(self._preroll) * self.frame_size
        self._recent.clear()

    def _emit(self) -> Segment | None:
        assert self._utterance is not None
        samples = np.concatenate(self._utterance)
        # What follows the utterance may begin the next one.
        self._preroll.clear()
        tail = self._preroll.maxlen or 0
        self._preroll.extend(self._utterance[-tail:] if tail else [])
        self._utterance = None
        if self._voiced < self._min_voiced:
            _LOGGER.debug("dropped a %d ms blip", self._voiced * _FRAME_MS)
            return None
        self._emitted = True
        return self._segment(samples)

    def _segment(self, samples: np.ndarray) -> Segment:
        """The speech in ``samples`` (the utterance's frames) with ``pad_ms`` either side."""
        begin = max(self._utt_start, self._first_voiced - self._pad)
        end = min(self._pos, self._fed, self._last_voiced + self._pad)
        audio = Audio(samples[begin - self._utt_start : end - self._utt_start], self.rate)
        return Segment(begin / self.rate, end / self.rate, audio)


def audible(samples: np.ndarray, rate: int) -> bool:
    """Whether any 30 ms frame is louder than the floor below which nothing can be heard."""
    size = max(1, rate * _FRAME_MS // 1000)
    usable = len(samples) - len(samples) % size
    if usable == 0:
        return bool(len(samples)) and _db(samples) >= _ABSOLUTE_FLOOR_DB
    frames = np.asarray(samples[:usable], np.float64).reshape(-1, size)
    loudest = float(np.max(np.einsum("ij,ij->i", frames, frames))) / size
    return _power_db(loudest) >= _ABSOLUTE_FLOOR_DB


def _db(samples: np.ndarray) -> float:
    return _power_db(float(np.dot(samples, samples)) / len(samples))


def _power_db(power: float) -> float:
    return 10.0 * math.log10(power + 1e-12)


def split_utterances(
    audio: Audio,
    silence_ms: int = 600,
    *,
    aggressiveness: int = 2,
    min_speech_ms: int = 150,
    pad_ms: int = 200,
    max_utterance_s: float = 15.0,
) -> list[Segment]:
    """Cut a whole recording into utterances (audio at a rate WebRTC lacks is resampled first)."""
    if audio.rate not in VAD_RATES:
        audio = Audio(resample(audio.samples, audio.rate, SAMPLE_RATE), SAMPLE_RATE)
    endpointer = Endpointer(
        audio.rate,
        silence_ms=silence_ms,
        aggressiveness=aggressiveness,
        min_speech_ms=min_speech_ms,
        pad_ms=pad_ms,
        max_utterance_s=max_utterance_s,
    )
    segments = endpointer.feed(audio.samples)
    last = endpointer.flush()
    if last is not None:
        segments.append(last)
    return segments


def _short_clip(audio: Audio, aggressiveness: int, pad_ms: int) -> Segment | None:
    """A single-word recording too short for the speech minimum, if any frame of it is speech."""
    vad = webrtcvad.Vad(aggressiveness)
    size = audio.rate * _FRAME_MS // 1000
    voiced = []
    for start in range(0, len(audio.samples) - size + 1, size):
        frame = audio.samples[start : start + size]
        energy = _db(frame)
        pcm = (np.clip(frame, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()
        if energy >= _ABSOLUTE_FLOOR_DB and vad.is_speech(pcm, audio.rate):
            voiced.append(start)
    if len(voiced) < 2:
        return None
    begin = max(0.0, voiced[0] / audio.rate - pad_ms / 1000)
    end = min(audio.duration, (voiced[-1] + size) / audio.rate + pad_ms / 1000)
    return Segment(begin, end, audio.slice(begin, end))
