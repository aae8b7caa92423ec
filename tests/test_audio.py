"""Decoding audio files of every common kind, and the errors for files that are not usable."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile

from assistant.errors import AudioError
from assistant.speech.audio import SAMPLE_RATE, Audio, audio_files, load_audio, resample

SHARED = Path(__file__).resolve().parents[2] / "shared" / "audio"
FSDD = SHARED / "real" / "fsdd"
DEV = SHARED / "dev"

needs_sox = pytest.mark.skipif(shutil.which("sox") is None, reason="sox is not installed")
needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng missing")


def _encode_mp3(source: Path, target: Path) -> None:
    """Write an MP3 with PyAV (sox here has no MP3 encoder)."""
    import av

    data, rate = soundfile.read(str(source), dtype="float32")
    with av.open(str(target), "w") as container:
        stream = container.add_stream("libmp3lame", rate=rate)
        stream.layout = "mono"
        frame = av.AudioFrame.from_ndarray(data.reshape(1, -1), format="flt", layout="mono")
        frame.rate = rate
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)


@pytest.fixture(scope="module")
def spoken(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One spoken sentence in WAV (22.05 kHz mono), FLAC, OGG, MP3 and stereo 44.1 kHz WAV."""
    if shutil.which("espeak-ng") is None or shutil.which("sox") is None:
        pytest.skip("espeak-ng and sox are needed to make test audio")
    folder = tmp_path_factory.mktemp("spoken")
    wav = folder / "lights.wav"
    subprocess.run(["espeak-ng", "-w", str(wav), "turn on the kitchen lights"], check=True)
    files = {"wav": wav}
    for suffix in ("flac", "ogg"):
        files[suffix] = folder / f"lights.{suffix}"
        subprocess.run(["sox", str(wav), str(files[suffix])], check=True)
    files["stereo"] = folder / "lights-stereo.wav"
    subprocess.run(["sox", str(wav), "-c", "2", "-r", "44100", str(files["stereo"])], check=True)
    files["mp3"] = folder / "lights.mp3"
    _encode_mp3(wav, files["mp3"])
    return files


@pytest.mark.parametrize("kind", ["wav", "flac", "ogg", "mp3", "stereo"])
def test_formats_decode_to_the_same_audio(spoken: dict[str, Path], kind: str) -> None:
    reference = load_audio(spoken["wav"])
    audio = load_audio(spoken[kind])
    assert audio.rate == SAMPLE_RATE
    assert audio.samples.dtype == np.float32 and audio.samples.ndim == 1
    assert np.abs(audio.samples).max() <= 1.0
    # MP3 adds an encoder delay of a few tens of milliseconds; the rest is the same length.
    assert audio.duration == pytest.approx(reference.duration, abs=0.08)
    if kind in ("flac", "stereo"):  # lossless: the same samples, up to resampling error
        n = min(len(audio.samples), len(reference.samples))
        assert np.corrcoef(audio.samples[:n], reference.samples[:n])[0, 1] > 0.99


def test_stereo_is_downmixed_not_one_channel(tmp_path: Path) -> None:
    left = np.full(1600, 0.5, dtype=np.float32)
    right = np.full(1600, -0.1, dtype=np.float32)
    path = tmp_path / "stereo.wav"
    soundfile.write(str(path), np.stack([left, right], axis=1), 16000)
    audio = load_audio(path)
    assert audio.samples[800] == pytest.approx(0.2, abs=1e-3)


def test_real_recordings_at_other_rates() -> None:
    fsdd = load_audio(FSDD / "0_george_0.wav")  # 8 kHz
    assert fsdd.rate == 16000
    assert fsdd.duration == pytest.approx(soundfile.info(str(FSDD / "0_george_0.wav")).duration)
    noisy = load_audio(DEV / "bus-1.joe-fast-brown15.wav")  # 22.05 kHz
    assert noisy.duration == pytest.approx(57774 / 22050, abs=1e-3)
    aiff = load_audio(SHARED / "real" / "speechrecognition-examples" / "french.aiff")
    assert aiff.duration > 2.0
    assert load_audio(FSDD / "0_george_0.wav", rate=8000).rate == 8000


def test_silent_audio_loads(tmp_path: Path) -> None:
    path = tmp_path / "silence.wav"
    soundfile.write(str(path), np.zeros(16000, dtype=np.float32), 16000)
    audio = load_audio(path)
    assert audio.duration == pytest.approx(1.0)
    assert not audio.samples.any()


def _assert_error(path: Path, *words: str) -> str:
    with pytest.raises(AudioError) as info:
        load_audio(path)
    message = str(info.value)
    assert str(path) in message and "\n" not in message
    for word in words:
        assert word in message
    return message


def test_missing_file(tmp_path: Path) -> None:
    _assert_error(tmp_path / "nope.wav", "no such file", "check the path")


def test_folder_is_not_a_file(tmp_path: Path) -> None:
    _assert_error(tmp_path, "folder")


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.wav"
    path.touch()
    _assert_error(path, "empty (0 bytes)", "export or record")


def test_text_file(tmp_path: Path) -> None:
    path = tmp_path / "notes.wav"
    path.write_text("buy milk\nand eggs\n")
    _assert_error(path, "not an audio file", "looks like text", "WAV, FLAC, OGG or MP3")


def test_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "random.mp3"
    noise = np.random.default_rng(1).integers(0, 256, 4000, dtype=np.uint8)
    path.write_bytes(b"\x7fELF\x02\x01" + bytes(noise))
    _assert_error(path, "not an audio file")


@pytest.mark.parametrize("kind", ["wav", "flac", "ogg"])
def test_truncated_files(spoken: dict[str, Path], tmp_path: Path, kind: str) -> None:
    data = spoken[kind].read_bytes()
    path = tmp_path / f"cut.{kind}"
    path.write_bytes(data[: len(data) // 2])
    _assert_error(path, kind.upper(), "again")


@pytest.mark.parametrize("kind", ["wav", "flac"])
def test_header_only(spoken: dict[str, Path], tmp_path: Path, kind: str) -> None:
    path = tmp_path / f"head.{kind}"
    path.write_bytes(spoken[kind].read_bytes()[:30])
    _assert_error(path, "corrupt or truncated")


def test_zero_length_audio(tmp_path: Path) -> None:
    path = tmp_path / "nothing.wav"
    soundfile.write(str(path), np.zeros(0, dtype=np.float32), 16000)
    _assert_error(path, "no audio (0 samples)")


def test_streaming_wav_placeholder_size_is_accepted(
    spoken: dict[str, Path], tmp_path: Path
) -> None:
    """Recorders that write to a pipe leave 0xFFFFFFFF as the data size; that is not truncation."""
    data = bytearray(spoken["wav"].read_bytes())
    index = data.index(b"data")
    data[index + 4 : index + 8] = b"\xff\xff\xff\xff"
    path = tmp_path / "piped.wav"
    path.write_bytes(bytes(data))
    assert load_audio(path).duration == pytest.approx(load_audio(spoken["wav"]).duration, abs=0.01)


def test_audio_helpers() -> None:
    audio = Audio(np.array([0.0, 0.5, -0.5, 1.0, -1.0, 2.0], dtype=np.float32), 2)
    assert audio.duration == 3.0
    pcm = np.frombuffer(audio.to_pcm16(), dtype="<i2")
    assert pcm.tolist() == [0, 16384, -16384, 32767, -32767, 32767]
    part = audio.slice(0.5, 2.0)
    assert part.samples.tolist() == [0.5, -0.5, 1.0]
    assert audio.slice(-1, 99).samples.size == 6
    assert audio.slice(2.5, 1.0).samples.size == 0


def test_resample() -> None:
    tone = np.sin(2 * np.pi * 440 * np.arange(8000) / 8000).astype(np.float32)
    up = resample(tone, 8000, 16000)
    assert up.dtype == np.float32 and len(up) == 16000
    assert resample(tone, 8000, 8000) is not None and len(resample(tone, 8000, 8000)) == 8000


def test_audio_files_expands_folders(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    for name in ("b/2.flac", "a.wav", "notes.txt", "b/1.wav"):
        (tmp_path / name).write_bytes(b"x")
    single = tmp_path / "notes.txt"
    found = audio_files([tmp_path, single, tmp_path / "a.wav"])
    assert found == [
        tmp_path / "a.wav",
        tmp_path / "b" / "1.wav",
        tmp_path / "b" / "2.flac",
        single,
    ]


def test_audio_files_errors(tmp_path: Path) -> None:
    with pytest.raises(AudioError, match="no such file or folder"):
        audio_files([tmp_path / "missing"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(AudioError, match="no audio files in this folder"):
        audio_files([tmp_path / "empty"])


def test_shared_dev_folder() -> None:
    found = audio_files([DEV])
    assert len(found) == 123 and found == sorted(found)
