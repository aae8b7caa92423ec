"""Which way of meeting the recogniser's text with the matcher is most accurate?

Decodes a label file with Whisper under several settings (greedy / beam search, with and
without the skills' vocabulary as a prompt), then scores each transcript three ways: as
heard, normalised (digits as words, no punctuation), and normalised then snapped to the
skills' vocabulary. Prints intent and frame accuracy and out-of-domain rejection for each
combination, overall and per condition. Extra label files (e.g. real recordings that hold
no command) count how often each option accepts speech it should reject.

    python bench/bench_understand.py ../shared/audio/dev/labels.jsonl \
        --model <tiny.en dir> [--reject ../shared/audio/real/librispeech-samples-arm/labels.jsonl]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from assistant.assistant import Assistant
from assistant.evaluation import UtteranceResult, by_condition, read_labels, score, summarise
from assistant.speech.audio import load_audio
from assistant.speech.engines import Hints
from assistant.speech.metrics import word_error_rate
from assistant.speech.understand import Understanding
from assistant.speech.whisper_engine import WhisperRecognizer

DECODINGS = {
    "greedy": (1, False),
    "beam5": (5, False),
    "greedy+prompt": (1, True),
    "beam5+prompt": (5, True),
}


def transcribe_all(
    model: Path, labels: list[Path], hints: Hints, cache: Path | None
) -> dict[str, dict[str, str]]:
    """{decoding: {audio path: transcript}}, read from / written to ``cache``."""
    done: dict[str, dict[str, str]] = {}
    if cache and cache.exists():
        done = json.loads(cache.read_text())
    files = [lf.parent / lab.audio for lf in labels for lab in read_labels(lf) if lab.audio]
    for name, (beam, prompt) in DECODINGS.items():
        table = done.setdefault(name, {})
        todo = [f for f in files if str(f) not in table]
        if not todo:
            continue
        recognizer = WhisperRecognizer(model, beam_size=beam)
        recognizer.configure(hints if prompt else None)
        started = time.perf_counter()
        for path in todo:
            table[str(path)] = recognizer.transcribe(load_audio(path), words=False).text
        print(f"decoded {len(todo)} files with {name} in {time.perf_counter() - started:.1f} s")
        if cache:
            cache.write_text(json.dumps(done, indent=1))
    return done


def score_all(
    assistant: Assistant, label_file: Path, heard: dict[str, str], prepare: object
) -> list[UtteranceResult]:
    from assistant.cli.evaluate import text_slot_checker

    is_text = text_slot_checker(assistant)
    results = []
    for label in read_labels(label_file):
        path = str(label_file.parent / (label.audio or ""))
        raw = heard.get(path, "")
        text = prepare(raw)  # type: ignore[operator]
        match = assistant.matcher.match(text)
        result = UtteranceResult(
            audio=label.audio,
            condition=label.condition,
            reference=label.text,
            heard=text,
            expected_intent=label.intent,
            expected_slots=dict(label.slots),
            intent=match.intent if match else None,
            slots=dict(match.slots) if match else {},
            confidence=match.confidence if match else 0.0,
        )
        results.append(score(result, is_text))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("labels", type=Path)
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--reject", type=Path, action="append", default=[])
    parser.add_argument("--cache", type=Path)
    parser.add_argument("--misses", action="store_true", help="print each miss")
    args = parser.parse_args()
    assistant = Assistant.create()
    snapping = Understanding.from_assistant(assistant, mode="snap")
    plain = Understanding.from_assistant(assistant, mode="plain")
    correcting = Understanding.from_assistant(assistant, mode="correct")
    heard = transcribe_all(
        args.model, [args.labels, *args.reject], snapping.hints(whisper_prompt=True), args.cache
    )
    prepares = {
        "as heard": lambda t: t,
        "normalised": plain.prepare,
        "snapped": snapping.prepare,
        "corrected": correcting.prepare,
    }
    labels = read_labels(args.labels)
    refs = {str(args.labels.parent / (lab.audio or "")): lab.text or "" for lab in labels}
    print(
        f"{'decoding':<15}{'text':<12}{'WER':>6}{'intent':>8}{'frame':>7}{'ood':>6}"
        f"{'false acc.':>11}   frame by condition"
    )
    for decoding, table in heard.items():
        wer = word_error_rate([refs[p] for p in refs], [plain.prepare(table[p]) for p in refs])
        for name, prepare in prepares.items():
            results = score_all(assistant, args.labels, table, prepare)
            summary = summarise(results)
            accepted = sum(
                r.intent is not None
                for extra in args.reject
                for r in score_all(assistant, extra, table, prepare)
            )
            conditions = "  ".join(
                f"{c}={v['frame_accuracy']:.2f}" for c, v in by_condition(results).items()
            )
            print(
                f"{decoding:<15}{name:<12}{wer:>6.3f}{summary['intent_accuracy']:>8.3f}"
                f"{summary['frame_accuracy']:>7.3f}{summary['ood_rejection']:>6.2f}"
                f"{accepted:>11}   {conditions}"
            )
            if args.misses and name == "corrected" and decoding == "beam5":
                for miss in summary["misses"]:
                    raw = table[str(args.labels.parent / miss["audio"])]
                    print(
                        f"    {miss['audio']}: {raw!r} → {miss['heard']!r} → "
                        f"{miss['intent']} {miss['slots']}"
                    )


if __name__ == "__main__":
    main()
