"""Rescoring against the plain path, side by side: accuracy, OOD rejection, latency, memory.

Each file is decoded once with Whisper (the beam's n-best and the encoder output kept); the
transcript is then read two ways, so both methods see the very same recognition:

- ``plain``: :meth:`Understanding.prepare` on the first hypothesis (``speech.rescore = false``);
- ``rescore``: :meth:`Understanding.choose`, the n-best and repairs scored by the audio.

Prints intent and frame accuracy per condition for each method, out-of-domain rejection on
files that hold no command (``--reject``, any label files; ``--speak-ood`` also synthesises
other assistants' commands and chit-chat with espeak-ng), and per method the p50/p95 of
decode + choice time (what end of speech to reply adds), the real-time factor and the peak
resident memory. Make the noisy picovoice-dev sets with its ``mix.py`` first:

    python ../shared/audio/real/picovoice-dev/mix.py /tmp/pv --snrs 24 6 --clean
    python bench/bench_rescore.py /tmp/pv/all.jsonl --model <tiny.en dir> \\
        --plugins-dir docs/examples --speak-ood \\
        --reject ../shared/audio/real/librispeech-samples-arm/labels.jsonl
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from assistant.assistant import Assistant
from assistant.cli.evaluate import text_slot_checker
from assistant.config import load_settings
from assistant.evaluation import UtteranceResult, by_condition, read_labels, score, summarise
from assistant.speech.audio import load_audio
from assistant.speech.understand import Understanding
from assistant.speech.whisper_engine import WhisperRecognizer

# Things people say to a laptop that no bundled or example skill should take for a command.
OOD = [
    "play some jazz",
    "turn off the living room lights",
    "what is the capital of australia",
    "tell me a joke",
    "how tall is mount everest",
    "set the thermostat to twenty degrees",
    "send a message to my mother",
    "i think it is going to rain later",
    "did you watch the game last night",
    "call me an ambulance",
    "skip this song",
    "read my latest email",
    "what time does the pharmacy close",
    "remind me to water the plants",
    "how do you spell necessary",
    "my knee hurts after running",
    "volume up please",
    "translate good morning into french",
    "who won the world cup",
    "lock the front door",
]


def speak_ood(folder: Path) -> list[tuple[Path, str]]:
    voices = ["en-us", "en-gb", "en-us+f3", "en-gb-x-rp+m4"]
    made = []
    for i, text in enumerate(OOD):
        path = folder / f"ood-{i:02d}.wav"
        subprocess.run(
            ["espeak-ng", "-v", voices[i % len(voices)], "-s", "160", "-w", str(path), text],
            check=True,
            capture_output=True,
        )
        made.append((path, text))
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("labels", type=Path)
    parser.add_argument("--model", type=Path, required=True, help="Whisper model folder")
    parser.add_argument("--plugins-dir", type=Path, action="append", default=[])
    parser.add_argument("--reject", type=Path, action="append", default=[])
    parser.add_argument("--speak-ood", action="store_true")
    args = parser.parse_args()

    assistant = Assistant.create(load_settings(), plugins_dirs=args.plugins_dir)
    understanding = Understanding.from_assistant(assistant, rescore=True)
    recognizer = WhisperRecognizer(args.model)
    recognizer.configure(understanding.hints())
    is_text = text_slot_checker(assistant)
    methods = {"plain": lambda t: understanding.prepare(t.text), "rescore": understanding.choose}

    items: list[tuple[Path, object]] = [
        (args.labels.parent / label.audio, label)
        for label in read_labels(args.labels)
        if label.audio
    ]
    for reject in args.reject:
        items += [(reject.parent / lab.audio, None) for lab in read_labels(reject) if lab.audio]
    scratch = Path(tempfile.mkdtemp())
    if args.speak_ood:
        if shutil.which("espeak-ng") is None:
            parser.error("--speak-ood needs espeak-ng (./setup.sh installs it)")
        items += [(path, None) for path, _ in speak_ood(scratch)]

    results: dict[str, list[UtteranceResult]] = {m: [] for m in methods}
    rejected: dict[str, list[bool]] = {m: [] for m in methods}
    times: dict[str, list[float]] = {m: [] for m in methods}
    audio_s = 0.0
    for path, label in items:
        audio = load_audio(path, recognizer.rate)
        audio_s += audio.duration
        started = time.perf_counter()
        transcript = recognizer.transcribe(audio, words=False)
        decoded = time.perf_counter() - started
        for name, method in methods.items():
            started = time.perf_counter()
            text = method(transcript)
            match = assistant.matcher.match(text)
            times[name].append(decoded + time.perf_counter() - started)
            if label is None:
                rejected[name].append(match is None)
                continue
            result = UtteranceResult(
                audio=label.audio,  # type: ignore[attr-defined]
                condition=label.condition,  # type: ignore[attr-defined]
                heard=text,
                expected_intent=label.intent,  # type: ignore[attr-defined]
                expected_slots=dict(label.slots),  # type: ignore[attr-defined]
                intent=match.intent if match else None,
                slots=dict(match.slots) if match else {},
                confidence=match.confidence if match else 0.0,
            )
            results[name].append(score(result, is_text))
    shutil.rmtree(scratch, ignore_errors=True)

    for name in methods:
        summary = summarise(results[name])
        parts = [
            f"{c}: frame {v['frame_accuracy']:.3f} intent {v['intent_accuracy']:.3f}"
            for c, v in by_condition(results[name]).items()
        ]
        print(
            f"{name:8s} frame {summary['frame_accuracy']:.3f} intent "
            f"{summary['intent_accuracy']:.3f} | " + " | ".join(parts)
        )
        if rejected[name]:
            print(
                f"{'':8s} out-of-domain speech rejected {statistics.mean(rejected[name]):.3f}"
                f" of {len(rejected[name])}"
            )
        ms = sorted(t * 1000 for t in times[name])
        p95 = ms[min(len(ms) - 1, int(0.95 * len(ms)))]
        print(
            f"{'':8s} decode+choose p50 {statistics.median(ms):.0f} ms p95 {p95:.0f} ms, "
            f"rtf {sum(times[name]) / audio_s:.3f}"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory {peak:.0f} MiB")


if __name__ == "__main__":
    main()
