"""Audio in memory: decoding any common file format, downmixing and resampling to 16 kHz."""

from __future__ import annotations

import logging
import re
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile
import soxr

from ..errors import AudioError

__all__ = [
    "AUDIO_SUFFIXES",
    "SAMPLE_RATE",
    "Audio",
    "audio_files",
    "load_audio",
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
    """Decode an audio file into mono float32 at ``rate``.

    WAV, FLAC and OGG go through libsndfile; anything else (MP3, M4A, AIFF variants, WebM...)
    through FFmpeg's decoders in PyAV. Raises :class:`AudioError` naming the file, what is
    wrong with it and what to do, for missing, empty, non-audio, truncated or corrupt files
    and for files holding no samples at all. Silence decodes normally.
    """
    path = Path(path)
    _check_file(path)
    with path.open("rb") as handle:
        head = handle.read(64)
    kind = _sniff(head)
    if kind == "WAV":
        _check_wav_length(path)
    elif kind == "OGG":
        _check_ogg_end(path)
    try:
        samples, native_rate = _read_soundfile(path)
    except (soundfile.LibsndfileError, RuntimeError) as exc:
        _LOGGER.debug("%s: libsndfile cannot read it (%s); trying PyAV", path, exc)
        samples, native_rate, first_error = None, 0, str(exc)
    else:
        first_error = ""
    if samples is None or (len(samples) == 0 and kind not in ("WAV", "FLAC")):
        try:
            samples, native_rate = _read_av(path)
        except ImportError as exc:
            raise AudioError(
                f"{path}: reading {kind or 'this format'} needs PyAV; pip install av, "
                "or convert the file to WAV or FLAC"
            ) from exc
        except Exception as exc:  # PyAV raises FFmpegError subclasses and ValueError
            _LOGGER.debug("%s: PyAV cannot decode it (%s)", path, exc)
            raise _decode_error(path, kind, head, first_error or str(exc)) from exc
    if len(samples) == 0:
        raise AudioError(f"{path}: the file holds no audio (0 samples); {_FIX}")
    samples = np.clip(np.nan_to_num(samples), -1.0, 1.0)
    return Audio(resample(samples, native_rate, rate), rate)


def audio_files(paths: Iterable[Path]) -> list[Path]:
    """Expand folders (recursively) into the audio files they hold, sorted; keep files as given.

    Raises :class:`AudioError` for a path that does not exist or a folder with no audio files.
    """
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            inside = sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in AUDIO_SUFFIXES
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


def _check_file(path: Path) -> None:
    if not path.exists():
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


def _read_soundfile(path: Path) -> tuple[np.ndarray, int]:
    data, native_rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    return _downmix(data), int(native_rate)


def _read_av(path: Path) -> tuple[np.ndarray, int]:
    import av  # imported here: only needed for formats libsndfile lacks

    with av.open(str(path)) as container:
        if not container.streams.audio:
            raise ValueError("no audio stream")
        stream = container.streams.audio[0]
        native_rate = int(stream.codec_context.sample_rate or stream.rate or SAMPLE_RATE)
        converter = av.AudioResampler(format="flt", layout="mono", rate=native_rate)
        parts: list[np.ndarray] = []
        for frame in container.decode(stream):
            for converted in converter.resample(frame):
                parts.append(converted.to_ndarray().reshape(-1))
        for converted in converter.resample(None):
            parts.append(converted.to_ndarray().reshape(-1))
    samples = np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)
    return samples.astype(np.float32, copy=False), native_rate


def _downmix(data: np.ndarray) -> np.ndarray:
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
