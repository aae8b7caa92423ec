"""Audio files: decoding any common format in blocks, downmixing and resampling to 16 kHz."""

from __future__ import annotations

import itertools
import logging
import re
import struct
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import soundfile
import soxr

from ..errors import AudioError

__all__ = [
    "AUDIO_SUFFIXES",
    "BLOCK_FRAMES",
    "SAMPLE_RATE",
    "Audio",
    "audio_files",
    "load_audio",
    "read_blocks",
    "resample",
]

_LOGGER = logging.getLogger(__name__)

SAMPLE_RATE = 16000
"""The rate every recogniser in Ting works at."""

AUDIO_SUFFIXES = frozenset(
    ".wav .wave .flac .ogg .oga .opus .mp3 .m4a .mp4 .aac .aif .aiff .aifc .au .caf .webm"
    " .mka .wma .w64".split()
)
"""File name endings that a folder given as input is searched for."""

BLOCK_FRAMES = 65536
"""Frames a file is read in at a time (1.5 s at 44.1 kHz): what a long file costs in memory."""

_FIX = "export or record it again as WAV, FLAC, OGG or MP3"


@dataclass(frozen=True)
class Audio:
    """Mono float32 samples in [-1, 1] at ``rate`` samples per second."""

    samples: np.ndarray
    rate: int

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return len(self.samples) / self.rate

    def to_pcm16(self) -> bytes:
        """Little-endian signed 16-bit PCM, as Vosk and WAV files take it."""
        clipped = np.clip(self.samples, -1.0, 1.0)
        return (clipped * 32767.0).round().astype("<i2").tobytes()

    def slice(self, start_s: float, end_s: float) -> Audio:
        """The audio between two times in seconds (clamped to the audio's bounds)."""
        start = max(0, int(round(start_s * self.rate)))
        end = min(len(self.samples), max(start, int(round(end_s * self.rate))))
        return Audio(self.samples[start:end], self.rate)


def resample(samples: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    """Resample float32 mono samples with soxr (high quality); a no-op at the same rate."""
    data = np.asarray(samples, dtype=np.float32)
    if from_rate == to_rate or len(data) == 0:
        return data
    out: np.ndarray = soxr.resample(data, from_rate, to_rate, quality="HQ")
    return out.astype(np.float32, copy=False)


def load_audio(path: str | Path, rate: int = SAMPLE_RATE) -> Audio:
    """Decode a whole audio file into mono float32 at ``rate`` (see :func:`read_blocks`).

    The result grows with the recording (an hour at 16 kHz is 230 MB); to go through a long
    file in constant memory, iterate :func:`read_blocks` instead.
    """
    blocks = read_blocks(path, rate)
    expected = _expected_length(Path(path), rate)
    if expected is None:  # a format only FFmpeg reads: the length is known at the end
        parts = list(blocks)
        return Audio(np.concatenate(parts) if parts else np.zeros(0, np.float32), rate)
    samples = np.empty(expected, dtype=np.float32)  # filled in place: no second copy
    filled = 0
    for block in blocks:
        if filled + len(block) > len(samples):
            samples = np.concatenate([samples[:filled], np.empty(len(block), np.float32)])
        samples[filled : filled + len(block)] = block
        filled += len(block)
    return Audio(samples[:filled].copy() if filled < len(samples) // 2 else samples[:filled], rate)


def _expected_length(path: Path, rate: int) -> int | None:
    """Samples a file will decode to at ``rate``, from its header (None if unknown)."""
    try:
        info = soundfile.info(str(path))
    except Exception:  # not a libsndfile format: PyAV decodes it
        return None
    if info.frames <= 0 or info.samplerate <= 0:
        return None
    return int(info.frames * rate // info.samplerate) + 16


def read_blocks(
    path: str | Path, rate: int = SAMPLE_RATE, block: int = BLOCK_FRAMES
) -> Iterator[np.ndarray]:
    """Decode an audio file block by block into mono float32 at ``rate``.

    Memory stays the same whatever the file's length: libsndfile (WAV, FLAC, OGG, MP3) or
    FFmpeg's decoders in PyAV (M4A, AIFF variants, WebM...) read ``block`` frames at a time,
    which are downmixed and resampled by a streaming soxr resampler. The file is opened and
    checked before this returns: a missing, unreadable, empty, non-audio or truncated file
    raises :class:`AudioError` naming the file, what is wrong with it and what to do; so does
    a decoding failure later on, from the iterator, and a file holding no samples at all.
    Silence decodes normally.
    """
    path = Path(path)
    head = _check_file(path)
    kind = _sniff(head)
    if kind == "WAV":
        _check_wav_length(path)
    elif kind == "OGG":
        _check_ogg_end(path)
    native = _open_soundfile(path, kind, block)
    if native is None:
        native = _open_av(path, kind, head, block)
    return _stream(path, kind, head, native, rate)


def _stream(
    path: Path, kind: str | None, head: bytes, native: _Native, rate: int
) -> Iterator[np.ndarray]:
    resampler = (
        None
        if native.rate == rate
        else soxr.ResampleStream(native.rate, rate, 1, dtype="float32", quality="HQ")
    )
    total = 0
    try:
        for data in native.blocks:
            mono = np.clip(np.nan_to_num(_downmix(data)), -1.0, 1.0)
            total += len(mono)
            out = mono if resampler is None else resampler.resample_chunk(mono)
            if len(out):
                yield out
        if resampler is not None:
            out = resampler.resample_chunk(np.zeros(0, dtype=np.float32), last=True)
            if len(out):
                yield out
    except AudioError:
        raise
    except OSError as exc:
        raise AudioError(
            f"{path}: reading the file failed ({exc.strerror or exc}); check the disk and "
            "copy the file again"
        ) from exc
    except Exception as exc:  # libsndfile and FFmpeg errors in the middle of the file
        _LOGGER.debug("%s: decoding failed (%s)", path, exc)
        raise _decode_error(path, kind or "audio", head, str(exc)) from exc
    finally:
        native.close()
    if total == 0:
        if kind is None:
            raise _decode_error(path, None, head, "")
        raise AudioError(f"{path}: the file holds no audio (0 samples); {_FIX}")


def audio_files(paths: Iterable[Path]) -> list[Path]:
    """Expand folders (recursively) into the audio files they hold, sorted; keep files as given.

    Raises :class:`AudioError` for a path that does not exist or a folder with no audio files.
    """
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            inside = sorted(
                p  # broken links too: reading them names them, rather than skipping them
                for p in path.rglob("*")
                if p.suffix.lower() in AUDIO_SUFFIXES and (p.is_file() or p.is_symlink())
            )
            if not inside:
                raise AudioError(
                    f"{path}: no audio files in this folder (looked for "
                    f"{', '.join(sorted(AUDIO_SUFFIXES))}); name a file or another folder"
                )
            found.extend(inside)
        elif path.exists():
            found.append(path)
        else:
            raise AudioError(f"{path}: no such file or folder; check the path")
    return list(dict.fromkeys(found))


def _check_file(path: Path) -> bytes:
    """Refuse what cannot be an audio file; the file's first bytes."""
    if not path.exists():
        if path.is_symlink():
            raise AudioError(f"{path}: a link to a file that does not exist; fix or remove it")
        raise AudioError(f"{path}: no such file; check the path")
    if path.is_dir():
        raise AudioError(f"{path}: is a folder, not an audio file; name a file inside it")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise AudioError(
            f"{path}: cannot read the file ({exc.strerror}); check permissions"
        ) from exc
    if size == 0:
        raise AudioError(f"{path}: the file is empty (0 bytes); {_FIX}")
    try:
        with path.open("rb") as handle:
            return handle.read(64)
    except OSError as exc:
        raise AudioError(
            f"{path}: cannot read the file ({exc.strerror or exc}); check its permissions"
        ) from exc


def _sniff(head: bytes) -> str | None:
    """The container a file's first bytes announce, or None if they announce none we know."""
    if head[:4] in (b"RIFF", b"RIFX", b"RF64") and head[8:12] == b"WAVE":
        return "WAV"
    if head[:4] == b"fLaC":
        return "FLAC"
    if head[:4] == b"OggS":
        return "OGG"
    if head[:3] == b"ID3" or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "MP3"
    if head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        return "AIFF"
    if head[4:8] == b"ftyp":
        return "MP4"
    if head[:4] == b"\x1aE\xdf\xa3":
        return "WebM"
    if head[:4] in (b".snd", b"caff"):
        return "AU"
    return None


def _check_wav_length(path: Path) -> None:
    """Refuse a WAV whose data chunk is shorter than its header says (a cut-off copy)."""
    size = path.stat().st_size
    with path.open("rb") as handle:
        if handle.read(4) != b"RIFF":
            return  # RF64 / RIFX: leave to libsndfile
        handle.seek(12)
        while True:
            header = handle.read(8)
            if len(header) < 8:
                return
            chunk_id, chunk_size = header[:4], struct.unpack("<I", header[4:])[0]
            if chunk_id == b"data":
                # 0 and 0xFFFFFFFF are placeholders written by streaming recorders.
                if chunk_size in (0, 0xFFFFFFFF, 0x7FFFFFFF):
                    return
                available = size - handle.tell()
                if available < chunk_size:
                    percent = 100 * available // chunk_size
                    raise AudioError(
                        f"{path}: truncated WAV: only {percent}% of the audio its header "
                        f"announces is there; copy or export the file again"
                    )
                return
            handle.seek(chunk_size + (chunk_size & 1), 1)


def _check_ogg_end(path: Path) -> None:
    """Refuse an Ogg file whose last page is not an end-of-stream page (a cut-off copy)."""
    size = path.stat().st_size
    with path.open("rb") as handle:
        handle.seek(max(0, size - 65536))
        tail = handle.read()
    last = tail.rfind(b"OggS")
    if last >= 0 and len(tail) > last + 5 and not tail[last + 5] & 0x04:
        raise AudioError(
            f"{path}: truncated OGG: the stream stops before its end; copy or export it again"
        )


@dataclass
class _Native:
    """Blocks of a file as decoded, at its own rate; ``close`` releases the file."""

    rate: int
    blocks: Iterator[np.ndarray]
    close: Callable[[], None]


def _open_soundfile(path: Path, kind: str | None, block: int) -> _Native | None:
    """The file through libsndfile, or None if it cannot read it (PyAV is tried next)."""
    try:
        handle = soundfile.SoundFile(str(path))
    except (soundfile.LibsndfileError, RuntimeError) as exc:
        _LOGGER.debug("%s: libsndfile cannot read it (%s); trying PyAV", path, exc)
        return None
    if handle.frames == 0 and kind not in ("WAV", "FLAC"):
        handle.close()  # libsndfile finds nothing where FFmpeg may (some MP3 and OGG files)
        return None
    blocks = handle.blocks(blocksize=block, dtype="float32", always_2d=True)
    return _Native(int(handle.samplerate), blocks, handle.close)


def _open_av(path: Path, kind: str | None, head: bytes, block: int) -> _Native:
    try:
        import av  # imported here: only needed for formats libsndfile lacks
    except ImportError as exc:
        raise AudioError(
            f"{path}: reading {kind or 'this format'} needs PyAV; pip install av, "
            "or convert the file to WAV or FLAC"
        ) from exc
    try:
        container = av.open(str(path))
        if not container.streams.audio:
            container.close()
            raise ValueError("no audio stream")
        stream = container.streams.audio[0]
        native_rate = int(stream.codec_context.sample_rate or stream.rate or SAMPLE_RATE)
    except Exception as exc:  # PyAV raises FFmpegError subclasses and ValueError
        _LOGGER.debug("%s: PyAV cannot open it (%s)", path, exc)
        raise _decode_error(path, kind, head, str(exc)) from exc
    return _Native(native_rate, _av_blocks(container, stream, native_rate, block), container.close)


def _av_blocks(container: Any, stream: Any, rate: int, block: int) -> Iterator[np.ndarray]:
    import av

    # planar float at the file's own layout; channels are averaged here, as for libsndfile
    converter = av.AudioResampler(format="fltp", rate=rate)
    parts: list[np.ndarray] = []
    held = 0
    frames = itertools.chain(container.decode(stream), [None])
    for frame in frames:
        for converted in converter.resample(frame):
            planes = converted.to_ndarray()
            part = planes.mean(axis=0) if planes.shape[0] > 1 else planes.reshape(-1)
            parts.append(part)
            held += len(part)
        if held >= block or (frame is None and parts):
            yield np.concatenate(parts).astype(np.float32, copy=False)
            parts, held = [], 0


def _downmix(data: np.ndarray) -> np.ndarray:
    if data.ndim == 2 and data.shape[0] == 0:
        return np.zeros(0, dtype=np.float32)
    if data.ndim == 2:
        data = data.mean(axis=1) if data.shape[1] > 1 else data[:, 0]
    return np.ascontiguousarray(data, dtype=np.float32)


def _decode_error(path: Path, kind: str | None, head: bytes, detail: str) -> AudioError:
    detail = re.sub(r"^Error opening '.*?': ", "", detail.strip())
    if kind is None:
        looks = "it looks like text" if _is_text(head) else "its contents are no audio format"
        return AudioError(f"{path}: not an audio file ({looks}); give a WAV, FLAC, OGG or MP3 file")
    return AudioError(
        f"{path}: the {kind} file is corrupt or truncated ({detail}); copy or export it again"
    )


def _is_text(head: bytes) -> bool:
    try:
        head[:60].decode("utf-8")
    except UnicodeDecodeError:
        return False
    return all(ch >= 32 or ch in (9, 10, 13) for ch in head)
