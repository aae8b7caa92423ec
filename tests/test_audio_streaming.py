"""Files are decoded and resampled in blocks: a long file never sits in memory whole."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile
import soxr

from assistant.speech import audio as audio_module
from assistant.speech.audio import BLOCK_FRAMES, SAMPLE_RATE, load_audio, read_blocks
from assistant.speech.sources import FileSource

needs_sox = pytest.mark.skipif(shutil.which("sox") is None, reason="sox is not installed")


@pytest.fixture(scope="module")
def long_stereo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A minute of 44.1 kHz stereo: a sweep on the left, a tone on the right (sox)."""
    if shutil.which("sox") is None:
        pytest.skip("sox is not installed")
    path = tmp_path_factory.mktemp("long") / "long.wav"
    subprocess.run(
        ["sox", "-n", "-r", "44100", "-c", "2", "-b", "16", str(path)]
        + ["synth", "60", "sine", "200-3000", "sine", "440", "vol", "0.5"],
        check=True,
    )
    return path


def _reference(path: Path, rate: int = SAMPLE_RATE) -> np.ndarray:
    """The plain way: the whole file read, downmixed and resampled in one go."""
    data, native = soundfile.read(str(path), dtype="float32", always_2d=True)
    return np.asarray(soxr.resample(data.mean(axis=1), native, rate, quality="HQ"), np.float32)


def test_a_long_file_comes_in_blocks_of_bounded_size(long_stereo: Path) -> None:
    for frames in (BLOCK_FRAMES, 4096):
        sizes = [len(block) for block in read_blocks(long_stereo, block=frames)]
        largest = frames * SAMPLE_RATE // 44100 + 1024  # one block, plus the filter's delay
        assert len(sizes) >= 60 * 44100 // frames and max(sizes) <= largest
        assert sum(sizes) == pytest.approx(60 * SAMPLE_RATE, abs=2)


def test_the_blocks_are_the_whole_file_resampled_at_once(long_stereo: Path) -> None:
    streamed = np.concatenate(list(read_blocks(long_stereo)))
    reference = _reference(long_stereo)
    assert abs(len(streamed) - len(reference)) <= 2
    n = min(len(streamed), len(reference))
    assert np.max(np.abs(streamed[:n] - reference[:n])) < 1e-3
    assert load_audio(long_stereo).samples.shape == streamed.shape


def test_the_ffmpeg_path_streams_the_same_audio(
    long_stereo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    by_libsndfile = np.concatenate(list(read_blocks(long_stereo)))
    monkeypatch.setattr(audio_module, "_open_soundfile", lambda *args: None)
    blocks = list(read_blocks(long_stereo))
    assert len(blocks) >= 60 * 44100 // BLOCK_FRAMES
    by_ffmpeg = np.concatenate(blocks)
    n = min(len(by_ffmpeg), len(by_libsndfile))
    assert abs(len(by_ffmpeg) - len(by_libsndfile)) <= 2
    assert np.max(np.abs(by_ffmpeg[:n] - by_libsndfile[:n])) < 1e-3


def test_a_file_source_decodes_as_it_plays(long_stereo: Path) -> None:
    source = FileSource(long_stereo, chunk_ms=30)
    assert source.audio is None  # nothing decoded up front
    chunks = source.chunks()
    first = [next(chunks) for _ in range(10)]
    assert {len(c) for c in first} == {480}
    reference = _reference(long_stereo)[:4800]
    assert np.max(np.abs(np.concatenate(first) - reference)) < 1e-3
    rest = sum(1 for _ in chunks)
    assert 10 + rest == -(-len(_reference(long_stereo)) // 480)


@needs_sox
def test_a_file_broken_off_midway_is_named_by_the_stream(tmp_path: Path) -> None:
    from assistant.errors import AudioError

    path = tmp_path / "cut.flac"
    subprocess.run(
        ["sox", "-n", "-r", "16000", str(path), "synth", "20", "sine", "300"], check=True
    )
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(AudioError) as info:
        list(read_blocks(path))
    assert str(path) in str(info.value) and "\n" not in str(info.value)
