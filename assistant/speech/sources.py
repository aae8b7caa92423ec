"""Where audio comes from: a file or a microphone, both yielding fixed-size chunks."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol, runtime_checkable

import numpy as np
import soxr

from ..errors import DeviceError
from .audio import SAMPLE_RATE, Audio, read_blocks, resample

__all__ = ["AudioSource", "FileSource", "MicrophoneSource", "list_devices"]

_LOGGER = logging.getLogger(__name__)

_QUEUE_SECONDS = 10.0  # captured audio the queue holds before the reader falls behind
_STOP = object()


@runtime_checkable
class AudioSource(Protocol):
    """A stream of float32 mono chunks of equal size at ``rate``."""

    rate: int

    def chunks(self) -> Iterator[np.ndarray]:
        """Yield chunks until the audio ends or :meth:`close` is called."""
        ...

    def close(self) -> None:
        """Stop producing audio and release what the source holds."""
        ...


class _Rechunker:
    """Cuts a stream of arbitrary blocks into chunks of exactly ``size`` samples."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._pending = np.zeros(0, dtype=np.float32)

    def push(self, block: np.ndarray) -> Iterator[np.ndarray]:
        data = block.astype(np.float32, copy=False)
        if len(self._pending):
            data = np.concatenate([self._pending, data])
        start = 0
        while len(data) - start >= self.size:
            yield data[start : start + self.size]
            start += self.size
        self._pending = data[start:].copy()

    def last(self) -> np.ndarray | None:
        """The remainder, zero-padded to a full chunk, or None if nothing remains."""
        if len(self._pending) == 0:
            return None
        chunk = np.zeros(self.size, dtype=np.float32)
        chunk[: len(self._pending)] = self._pending
        self._pending = np.zeros(0, dtype=np.float32)
        return chunk


def _chunk_size(rate: int, chunk_ms: int) -> int:
    if chunk_ms <= 0:
        raise ValueError(f"chunk_ms must be positive, got {chunk_ms}")
    return max(1, rate * chunk_ms // 1000)


class FileSource:
    """Plays a file (or decoded audio) as a stream; ``realtime`` paces it like a microphone.

    A file is decoded block by block as it is played (:func:`read_blocks`), so a long
    recording costs no more memory than a short one. It is opened and checked when the source
    is made: a file that is not usable raises :class:`AudioError` then, and one that breaks
    off later raises it from :meth:`chunks`. Tests use it in place of
    :class:`MicrophoneSource`.
    """

    def __init__(
        self,
        path_or_audio: Path | str | Audio,
        rate: int = SAMPLE_RATE,
        chunk_ms: int = 30,
        realtime: bool = False,
    ) -> None:
        self.audio: Audio | None = None
        self.path: Path | None = None
        self._blocks: Iterator[np.ndarray] | None = None
        if isinstance(path_or_audio, Audio):
            audio = path_or_audio
            if audio.rate != rate:
                audio = Audio(resample(audio.samples, audio.rate, rate), rate)
            self.audio = audio
        else:
            self.path = Path(path_or_audio)
            self._blocks = read_blocks(self.path, rate)
        self.rate = rate
        self.chunk_size = _chunk_size(rate, chunk_ms)
        self.realtime = realtime
        self._closed = threading.Event()

    def _pieces(self) -> Iterator[np.ndarray]:
        if self.audio is not None:
            return iter([self.audio.samples])
        blocks, self._blocks = self._blocks, None
        assert self.path is not None
        return blocks if blocks is not None else read_blocks(self.path, self.rate)

    def chunks(self) -> Iterator[np.ndarray]:
        started = time.monotonic()
        cutter = _Rechunker(self.chunk_size)
        index = 0
        for piece in self._pieces():
            for chunk in cutter.push(piece):
                if not self._pace(started, index):
                    return
                index += 1
                yield chunk
        last = cutter.last()
        if last is not None and self._pace(started, index):
            yield last

    def _pace(self, started: float, index: int) -> bool:
        """Wait until chunk ``index`` would have been captured; False once closed."""
        if self._closed.is_set():
            return False
        if self.realtime:
            due = started + (index + 1) * self.chunk_size / self.rate  # once captured
            delay = due - time.monotonic()
            if delay > 0 and self._closed.wait(delay):
                return False
        return True

    def close(self) -> None:
        self._closed.set()


def _import_sounddevice() -> ModuleType:
    try:
        import sounddevice
    except OSError as exc:  # raised by sounddevice when libportaudio cannot be loaded
        raise DeviceError(
            "PortAudio is not installed, so no microphone can be opened; "
            "install libportaudio2 (apt-get install libportaudio2) or use --audio FILE"
        ) from exc
    except ImportError as exc:
        raise DeviceError("the sounddevice package is missing; pip install sounddevice") from exc
    return sounddevice


def list_devices() -> list[dict[str, Any]]:
    """The microphones PortAudio sees: index, name, input channels, default rate, is_default."""
    sd = _import_sounddevice()
    try:
        devices = sd.query_devices()
        default_input = sd.default.device[0]
    except Exception as exc:  # PortAudioError: the audio system itself failed
        raise DeviceError(f"cannot list audio devices ({exc}); check the sound system") from exc
    if default_input is None or default_input < 0:
        try:
            default_input = sd.query_devices(kind="input")["index"]
        except Exception:
            default_input = -1
    found = []
    for index, device in enumerate(devices):
        channels = int(device["max_input_channels"])
        if channels <= 0:
            continue
        found.append(
            {
                "index": index,
                "name": str(device["name"]),
                "input_channels": channels,
                "default_samplerate": float(device["default_samplerate"]),
                "is_default": index == default_input,
            }
        )
    return found


def _find_device(device: str | int | None) -> dict[str, Any]:
    devices = list_devices()
    if not devices:
        raise DeviceError("no microphone found; plug one in, then see `assistant devices`")
    if device is None or device == "":
        for info in devices:
            if info["is_default"]:
                return info
        return devices[0]
    if isinstance(device, int) or (isinstance(device, str) and device.strip().isdigit()):
        for info in devices:
            if info["index"] == int(device):
                return info
        raise DeviceError(f"no microphone with index {device}; see `assistant devices`")
    wanted = device.lower()
    matches = [info for info in devices if wanted in info["name"].lower()]
    exact = [info for info in matches if info["name"].lower() == wanted]
    if exact or len(matches) == 1:
        return (exact or matches)[0]
    if not matches:
        raise DeviceError(f"no microphone named {device!r}; see `assistant devices`")
    names = ", ".join(repr(info["name"]) for info in matches)
    raise DeviceError(f"{device!r} matches several microphones ({names}); give its index")


class MicrophoneSource:
    """Captures a microphone at its native rate in PortAudio's thread and resamples to ``rate``.

    Blocks go through a bounded queue; if the reader falls more than ten seconds behind, blocks
    are dropped, counted in :attr:`overflows` and logged, never silently.
    """

    realtime = True
    """Audio arrives as it is spoken (the pipeline may start on an utterance early)."""

    def __init__(
        self, device: str | int | None = None, rate: int = SAMPLE_RATE, chunk_ms: int = 30
    ) -> None:
        self._sd = _import_sounddevice()
        self.device = _find_device(device)
        self.rate = rate
        self.native_rate = int(round(self.device["default_samplerate"])) or rate
        self.chunk_size = _chunk_size(rate, chunk_ms)
        self.overflows = 0  # blocks lost, by PortAudio or because the queue was full
        self._native_block = _chunk_size(self.native_rate, chunk_ms)
        self._queue: queue.Queue[Any] = queue.Queue(
            maxsize=max(4, int(_QUEUE_SECONDS * 1000 / chunk_ms))
        )
        self._stream: Any = None
        self._closed = threading.Event()

    def _callback(self, indata: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
        if status and getattr(status, "input_overflow", False):
            self.overflows += 1
            _LOGGER.warning("microphone overflow: the audio system dropped input")
        try:
            self._queue.put_nowait(indata[:, 0].copy() if indata.ndim == 2 else indata.copy())
        except queue.Full:
            self.overflows += 1
            _LOGGER.warning(
                "dropped %d ms of microphone audio: the reader is %.0f s behind (%d drops)",
                1000 * frames // self.native_rate,
                _QUEUE_SECONDS,
                self.overflows,
            )

    def open(self) -> None:
        """Starts capturing (done by :meth:`chunks` if not yet); a :class:`DeviceError` if the
        microphone cannot be opened."""
        if self._stream is not None:
            return
        try:
            self._stream = self._sd.InputStream(
                device=self.device["index"],
                samplerate=self.native_rate,
                channels=1,
                dtype="float32",
                blocksize=self._native_block,
                callback=self._callback,
            )
            self._stream.start()
        except Exception as exc:  # PortAudioError and invalid settings
            raise DeviceError(
                f"cannot open microphone {self.device['name']!r} at {self.native_rate} Hz "
                f"({exc}); pick another with --device (see `assistant devices`)"
            ) from exc
        _LOGGER.info(
            "listening on %r at %d Hz, resampled to %d Hz",
            self.device["name"],
            self.native_rate,
            self.rate,
        )

    def chunks(self) -> Iterator[np.ndarray]:
        self.open()
        stream = soxr.ResampleStream(self.native_rate, self.rate, 1, dtype="float32")
        cutter = _Rechunker(self.chunk_size)
        while not self._closed.is_set():
            try:
                block = self._queue.get(timeout=0.5)
            except queue.Empty:
                if self._stream is not None and not self._stream.active:
                    break  # the device went away
                continue
            if block is _STOP:
                break
            yield from cutter.push(stream.resample_chunk(block))
        yield from cutter.push(stream.resample_chunk(np.zeros(0, np.float32), last=True))
        last = cutter.last()
        if last is not None and not self._closed.is_set():
            yield last

    def close(self) -> None:
        self._closed.set()
        stream, self._stream = self._stream, None
        if stream is not None:
            try:
                stream.stop()
                stream.close()
            except Exception:
                _LOGGER.exception("closing the microphone failed")
        try:
            self._queue.put_nowait(_STOP)
        except queue.Full:
            pass
