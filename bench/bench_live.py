"""`assistant run` live, on a real capture path: latency and wake false accepts.

A PulseAudio daemon of its own gives a virtual microphone (tests/pulse_support.py); spoken
commands are played into it with paplay and `assistant run --json` captures them through
PortAudio like a microphone. Prints:

- per command: what was heard, the intent, and end of speech → reply, measured two ways:
  outside (from the moment paplay finished the speech to the reply line on stdout) and as
  the pipeline reports it (``latency_ms``); then their p50/p95;
- wake false accepts per hour: speech without the wake phrase (real recordings given with
  ``--no-wake-audio``, and chit-chat and commands spoken by espeak-ng) played for its whole
  length, counting the utterances that woke the assistant;
- how long Ctrl-C takes to stop it (median of the runs).

    python bench/bench_live.py --model <tiny.en dir> \\
        --no-wake-audio ../shared/audio/real/librispeech-samples-arm \\
        --no-wake-audio ../shared/audio/real/picovoice-dev/audio
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import soundfile

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from pulse_support import VirtualMicrophone, virtual_microphone  # noqa: E402

from assistant.speech.audio import SAMPLE_RATE, audio_files, load_audio  # noqa: E402

COMMANDS = [
    "set a timer for five minutes",
    "what's the weather in beijing tomorrow",
    "when is the next bus number forty two",
    "order a large latte from starbucks",
    "show my coupons",
    "where is my package",
    "open pagoda",
    "find a mini program for train tickets",
    "what should i see in chengdu",
    "what can you do",
]
CHATTER = [
    "i think we should leave before the traffic gets bad",
    "did you see the game last night",
    "can you pass me the salt please",
    "the meeting moved to three o'clock",
    "what time is it in london",
    "turn on the living room lights",
    "play some jazz",
    "my sister is coming over on sunday",
    "that restaurant was really good",
    "remind me to call the dentist",
]
TAIL = 0.6  # seconds of silence after each spoken command


def _wav(samples: np.ndarray, folder: Path, name: str) -> Path:
    path = folder / f"{name}.wav"
    soundfile.write(path, samples, SAMPLE_RATE)
    return path


def _espeak(text: str, folder: Path, voice: str) -> np.ndarray:
    out = folder / f"espeak-{abs(hash((text, voice)))}.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-w", str(out), text], check=True)
    return load_audio(out).samples


def _with_silence(samples: np.ndarray) -> np.ndarray:
    head = np.zeros(int(0.3 * SAMPLE_RATE), np.float32)
    tail = np.zeros(int(TAIL * SAMPLE_RATE), np.float32)
    return np.concatenate([head, samples, tail])


class Run:
    def __init__(self, mic: VirtualMicrophone, args: list[str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "assistant", "run", "--json", "--no-speak", *args],
            env=mic.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        self.lines: queue.Queue[tuple[float, dict[str, Any]] | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put((time.monotonic(), json.loads(line)))
        self.lines.put(None)

    def heard(self, timeout: float) -> tuple[float, dict[str, Any]] | None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                got = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                return None
            if got is None:
                raise SystemExit("assistant run ended")
            if "heard" in got[1] or "listening" in got[1]:
                return got

    def drain(self, seconds: float) -> list[dict[str, Any]]:
        found = []
        while (got := self.heard(seconds)) is not None:
            found.append(got[1])
        return found

    def interrupt(self) -> float:
        sent = time.monotonic()
        self.process.send_signal(signal.SIGINT)
        self.process.wait(timeout=30)
        return time.monotonic() - sent


def _percentiles(values: list[float]) -> str:
    if not values:
        return "n/a"
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"p50 {statistics.median(ordered):.0f} ms, p95 {p95:.0f} ms (n={len(ordered)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", default="whisper")
    parser.add_argument("--model", required=True)
    parser.add_argument("--voice", default="en-us", help="espeak-ng voice of the commands")
    parser.add_argument("--rounds", type=int, default=2, help="times each command is spoken")
    parser.add_argument("--no-wake-audio", action="append", type=Path, default=[])
    parser.add_argument("--max-no-wake-minutes", type=float, default=10.0)
    parser.add_argument("run_args", nargs="*", help="more options for assistant run")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="ting-bench-live-"))
    os.environ.setdefault("TING_DATA_DIR", str(folder / "data"))
    wake = _espeak("hey ting,", folder, args.voice)
    run_args = ["--engine", args.engine, "--model", args.model, *args.run_args]
    outside: list[float] = []
    inside: list[float] = []
    after: list[float] = []
    answered = stops = 0
    stop_times: list[float] = []
    with virtual_microphone(folder / "pulse") as mic:
        run = Run(mic, run_args)
        if run.heard(180) is None:
            raise SystemExit("assistant run did not start listening within 180 s")
        print(f"{'heard':45} {'intent':22} outside  pipeline  after endpoint")
        for round_ in range(args.rounds):
            for text in COMMANDS:
                said = _espeak(f"hey ting, {text}", folder, args.voice)
                path = _wav(_with_silence(said), folder, f"cmd-{round_}-{abs(hash(text))}")
                mic.play(path)
                speech_end = time.monotonic() - TAIL
                got = run.heard(30)
                if got is None:
                    print(f"{'(nothing)':45} {text}")
                    continue
                at, heard = got
                answered += bool(heard.get("intent"))
                outside.append((at - speech_end) * 1000)
                inside.append(float(heard["latency_ms"]))
                after.append(float(heard["processing_ms"]))
                intent = str(heard["intent"]) if heard["woke"] else "(not woken)"
                print(
                    f"{heard['heard'][:45]:45} {intent[:22]:22} "
                    f"{outside[-1]:6.0f}   {inside[-1]:6.0f}   {after[-1]:6.0f}"
                )
                run.drain(0.3)
        total = args.rounds * len(COMMANDS)
        print(f"\ncommands answered with an intent: {answered}/{total}")
        print(f"end of speech → reply, outside:  {_percentiles(outside)}")
        print(f"end of speech → reply, pipeline: {_percentiles(inside)}")
        print(f"of which after the endpoint:     {_percentiles(after)}")

        # speech without the wake phrase
        pieces = [_espeak(text, folder, args.voice) for text in CHATTER + COMMANDS]
        for source in args.no_wake_audio:
            pieces += [load_audio(path).samples for path in audio_files([source])]
        budget = int(args.max_no_wake_minutes * 60 * SAMPLE_RATE)
        gap = np.zeros(int(1.0 * SAMPLE_RATE), np.float32)
        stream: list[np.ndarray] = []
        length = 0
        for piece in pieces:
            if length + len(piece) > budget:
                break
            stream += [piece, gap]
            length += len(piece) + len(gap)
        seconds = length / SAMPLE_RATE
        woke: list[dict[str, Any]] = []
        heard_count = 0
        for start in range(0, len(stream), 20):  # a file per 20 pieces keeps paplay short
            mic.play(_wav(np.concatenate(stream[start : start + 20]), folder, f"nowake-{start}"))
            for heard in run.drain(1.0):
                heard_count += 1
                if heard.get("woke"):
                    woke.append(heard)
        for heard in run.drain(3.0) if stream else []:
            heard_count += 1
            if heard.get("woke"):
                woke.append(heard)
        per_hour = len(woke) * 3600 / seconds if seconds else 0.0
        print(
            f"\nwake false accepts: {len(woke)} in {seconds / 60:.1f} min of speech without the "
            f"phrase ({heard_count} utterances heard): {per_hour:.1f} per hour"
        )
        for heard in woke:
            print(f"  woke on: {heard['heard']!r} → {heard['intent']}")
        stop_times.append(run.interrupt())
        stops += 1
        for _ in range(2):
            again = Run(mic, run_args)
            if again.heard(180) is not None:
                mic.play(_wav(_with_silence(wake), folder, "wake-only"))
                again.drain(1.0)
                stop_times.append(again.interrupt())
                stops += 1
    print(f"Ctrl-C to exit: median {statistics.median(stop_times) * 1000:.0f} ms of {stops} runs")


if __name__ == "__main__":
    main()
