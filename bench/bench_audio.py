"""Audio input costs: decode + resample speed and voice-activity cost per second of audio.

Run: python bench/bench_audio.py [FILES_OR_FOLDERS...] (default: the shared dev and real audio).
Prints figures; asserts nothing.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import soundfile

from assistant.speech.audio import SAMPLE_RATE, audio_files, load_audio, resample
from assistant.speech.vad import Endpointer, split_utterances

SHARED = Path(__file__).resolve().parents[2] / "shared" / "audio"


def _timed(func: object, *args: object, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        func(*args)  # type: ignore[operator]
        best = min(best, time.perf_counter() - started)
    return best


def main(argv: list[str]) -> None:
    paths = audio_files([Path(a) for a in argv] or [SHARED / "dev", SHARED / "real"])
    by_rate: dict[int, list[Path]] = {}
    for path in paths:
        try:
            by_rate.setdefault(soundfile.info(str(path)).samplerate, []).append(path)
        except RuntimeError:
            by_rate.setdefault(0, []).append(path)  # decoded by PyAV
    print(f"{len(paths)} files")
    print(f"{'source rate':>12} {'files':>6} {'audio s':>9} {'decode+resample':>18}")
    total_audio = total_time = 0.0
    for rate, group in sorted(by_rate.items()):
        seconds = sum(load_audio(p).duration for p in group)
        elapsed = _timed(lambda g=group: [load_audio(p) for p in g])
        total_audio, total_time = total_audio + seconds, total_time + elapsed
        label = f"{rate} Hz" if rate else "other"
        print(f"{label:>12} {len(group):6d} {seconds:9.1f} {seconds / elapsed:15.0f} x RT")
    print(f"{'all':>12} {len(paths):6d} {total_audio:9.1f} {total_audio / total_time:15.0f} x RT")

    minute = np.random.default_rng(0).normal(0, 0.1, 60 * 44100).astype(np.float32)
    elapsed = _timed(resample, minute, 44100, SAMPLE_RATE)
    print(f"\nresample 44.1 -> 16 kHz: {60 / elapsed:.0f} x RT")

    audio = [load_audio(p) for p in paths]
    seconds = sum(a.duration for a in audio)
    elapsed = _timed(lambda: [split_utterances(a) for a in audio])
    print(f"split_utterances: {1000 * elapsed / seconds:.2f} ms per second of audio")
    endpointer = Endpointer()
    chunk = 480
    joined = np.concatenate([a.samples for a in audio])
    started = time.perf_counter()
    worst = 0.0
    for start in range(0, len(joined), chunk):
        tick = time.perf_counter()
        endpointer.feed(joined[start : start + chunk])
        worst = max(worst, time.perf_counter() - tick)
    elapsed = time.perf_counter() - started
    print(
        f"Endpointer.feed (30 ms chunks): {1000 * elapsed / seconds:.2f} ms per second of audio,"
        f" worst chunk {1000 * worst:.2f} ms"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
