"""Endpointing on real and synthesised recordings with several commands, pauses and noise."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from assistant.speech.audio import Audio, load_audio
from assistant.speech.sources import FileSource
from assistant.speech.vad import Endpointer, Segment, audible, split_utterances

SHARED = Path(__file__).resolve().parents[2] / "shared" / "audio"
DEV = SHARED / "dev"
TEST_WAV = SHARED / "real" / "vosk-api-test" / "test.wav"

COMMANDS = ["what's the weather tomorrow", "set a timer for five minutes", "cancel"]
PAUSE_S = 1.2


def _spans(segments: list[Segment]) -> list[tuple[float, float]]:
    return [(round(s.start, 2), round(s.end, 2)) for s in segments]


@pytest.fixture(scope="module")
def three_commands(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[float]]:
    """Three spoken commands joined by sox with pauses; returns the file and the pause midpoints."""
    if shutil.which("espeak-ng") is None or shutil.which("sox") is None:
        pytest.skip("espeak-ng and sox are needed to make test audio")
    folder = tmp_path_factory.mktemp("commands")
    parts = []
    for index, text in enumerate(COMMANDS):
        part = folder / f"{index}.wav"
        subprocess.run(["espeak-ng", "-w", str(part), text], check=True)
        parts.append(part)
    gap = folder / "gap.wav"
    subprocess.run(
        ["sox", "-n", "-r", "22050", "-c", "1", "-b", "16", str(gap), "trim", "0", str(PAUSE_S)],
        check=True,
    )
    joined = folder / "three.wav"
    sequence = [gap, parts[0], gap, parts[1], gap, parts[2], gap]
    subprocess.run(["sox", *map(str, sequence), str(joined)], check=True)
    midpoints, t = [], PAUSE_S
    for part in parts[:-1]:
        t += load_audio(part).duration
        midpoints.append(t + PAUSE_S / 2)
        t += PAUSE_S
    return joined, midpoints


def test_splits_three_commands(three_commands: tuple[Path, list[float]]) -> None:
    path, midpoints = three_commands
    segments = split_utterances(load_audio(path))
    assert len(segments) == 3, _spans(segments)
    for before, after, middle in zip(segments, segments[1:], midpoints, strict=False):
        assert before.end < middle < after.start
    for segment in segments:
        assert segment.audio.duration == pytest.approx(segment.end - segment.start, abs=0.01)
    assert segments[0].start == pytest.approx(PAUSE_S - 0.2, abs=0.15)  # 200 ms of padding


def test_splits_three_commands_in_brown_noise(
    three_commands: tuple[Path, list[float]], tmp_path: Path
) -> None:
    path, midpoints = three_commands
    noise = tmp_path / "noise.wav"
    duration = str(load_audio(path).duration)
    subprocess.run(
        ["sox", "-n", "-r", "22050", "-c", "1", str(noise), "synth", duration, "brownnoise"],
        check=True,
    )
    noisy = tmp_path / "noisy.wav"
    subprocess.run(["sox", "-m", str(path), "-v", "0.1", str(noise), str(noisy)], check=True)
    segments = split_utterances(load_audio(noisy))
    assert len(segments) == 3, _spans(segments)
    for before, after, middle in zip(segments, segments[1:], midpoints, strict=False):
        assert before.end < middle < after.start


def test_short_pause_does_not_split(three_commands: tuple[Path, list[float]]) -> None:
    audio = load_audio(three_commands[0])
    assert len(split_utterances(audio, silence_ms=2500)) == 1


def test_vosk_example_has_three_utterances() -> None:
    label = json.loads((TEST_WAV.parent / "labels.jsonl").read_text().splitlines()[0])
    segments = split_utterances(load_audio(TEST_WAV))
    assert len(segments) == len(label["segments"]) == 3, _spans(segments)
    assert segments[0].start < 1.0 and segments[-1].end > 7.5


@pytest.mark.parametrize("condition", ["joe", "joe-fast-brown15", "usm3"])
def test_each_dev_command_is_one_utterance(condition: str) -> None:
    files = sorted(DEV.glob(f"*.{condition}.wav"))
    assert len(files) == 41
    counts = {f.name: len(split_utterances(load_audio(f))) for f in files}
    assert {name: n for name, n in counts.items() if n != 1} == {}


def test_noisy_files_do_not_start_in_the_noise() -> None:
    """The brown noise before the speech is not speech: utterances start near the voice."""
    starts = [
        split_utterances(load_audio(f))[0].start for f in sorted(DEV.glob("*.joe-fast-brown15.wav"))
    ]
    assert np.median(starts) > 0.05


def test_silence_and_noise_alone_are_no_speech(tmp_path: Path) -> None:
    assert split_utterances(Audio(np.zeros(48000, dtype=np.float32), 16000)) == []
    rng = np.random.default_rng(0)
    brown = np.cumsum(rng.normal(0, 1, 48000)).astype(np.float32)
    brown -= np.convolve(brown, np.ones(400) / 400, mode="same")  # remove the drift
    brown *= 0.05 / np.abs(brown).max()
    assert split_utterances(Audio(brown, 16000)) == []


def test_audible_tells_a_spoken_word_from_digital_silence_and_faint_hiss() -> None:
    spoken = load_audio(DEV / "timer-1.joe.wav")
    assert audible(spoken.samples, spoken.rate)
    quiet = spoken.samples * 10 ** (-40 / 20)  # the same words 40 dB down are still there
    assert audible(quiet, spoken.rate)
    assert not audible(np.zeros(32000, np.float32), 16000)
    hiss = np.random.default_rng(1).normal(0, 10 ** (-75 / 20), 32000).astype(np.float32)
    assert not audible(hiss, 16000)
    assert not audible(np.zeros(100, np.float32), 16000)  # shorter than one frame


def test_single_digit_clips_at_8_khz() -> None:
    files = sorted((SHARED / "real" / "fsdd").glob("*.wav"))
    for path in files:
        audio = load_audio(path, rate=8000)
        assert len(split_utterances(audio)) == 1, path.name


def test_streaming_matches_the_whole_file_and_ends_promptly() -> None:
    audio = load_audio(TEST_WAV)
    endpointer = Endpointer(silence_ms=600)
    emitted: list[tuple[float, Segment]] = []
    speaking = []
    for chunk in FileSource(audio, chunk_ms=30).chunks():
        for segment in endpointer.feed(chunk):
            emitted.append((endpointer.position, segment))
        speaking.append(endpointer.in_speech)
    last = endpointer.flush()
    if last is not None:
        emitted.append((endpointer.position, last))
    assert _spans([s for _, s in emitted]) == _spans(split_utterances(audio))
    assert any(speaking) and not all(speaking)
    for position, segment in emitted[:-1]:
        # The end of speech is 200 ms before segment.end; the endpointer waits 600 ms of silence.
        assert position - (segment.end - 0.2) <= 0.6 + 0.06


def test_peek_after_the_pad_is_the_segment_to_come() -> None:
    """What work can start on during the silence is exactly what the endpointer returns."""
    audio = load_audio(TEST_WAV)
    endpointer = Endpointer(silence_ms=600, pad_ms=200)
    peeked: list[Segment] = []
    emitted: list[Segment] = []
    for chunk in FileSource(audio, chunk_ms=30).chunks():
        emitted.extend(endpointer.feed(chunk))
        assert (endpointer.pause > 0) <= endpointer.in_speech
        if endpointer.in_speech and endpointer.pause >= endpointer.pad:
            now = endpointer.peek()
            assert now is not None
            if not peeked or (peeked[-1].start, peeked[-1].end) != (now.start, now.end):
                peeked.append(now)
    last = endpointer.flush()
    emitted.extend([last] if last else [])
    assert len(emitted) == 3
    for segment in emitted:
        same = [p for p in peeked if (p.start, p.end) == (segment.start, segment.end)]
        assert same, f"{segment.start:.2f}-{segment.end:.2f} s was not seen ahead"
        assert np.array_equal(same[-1].audio.samples, segment.audio.samples)
    assert Endpointer().peek() is None and Endpointer().pause == 0.0


def test_odd_chunk_sizes_give_the_same_result() -> None:
    audio = load_audio(TEST_WAV)
    endpointer = Endpointer()
    segments = []
    for start in range(0, len(audio.samples), 1234):
        segments.extend(endpointer.feed(audio.samples[start : start + 1234]))
    last = endpointer.flush()
    segments.extend([last] if last else [])
    assert _spans(segments) == _spans(split_utterances(audio))


def test_long_speech_is_cut_at_max_utterance() -> None:
    audio = load_audio(TEST_WAV)
    segments = split_utterances(audio, silence_ms=3000, max_utterance_s=2.0)
    assert len(segments) >= 3
    assert all(s.end - s.start <= 2.0 + 0.2 + 0.2 + 0.03 for s in segments)


def test_flush_returns_the_utterance_under_way() -> None:
    audio = load_audio(TEST_WAV).slice(0, 2.0)  # ends mid-speech
    endpointer = Endpointer()
    assert endpointer.feed(audio.samples) == []
    assert endpointer.in_speech
    segment = endpointer.flush()
    assert segment is not None and segment.end == pytest.approx(2.0, abs=0.03)
    assert not endpointer.in_speech


def test_rates() -> None:
    with pytest.raises(ValueError, match="rate"):
        Endpointer(rate=22050)
    noisy = load_audio(DEV / "bus-1.joe.wav", rate=22050)
    segments = split_utterances(noisy)  # resampled for the detector
    assert len(segments) == 1 and segments[0].audio.rate == 16000
