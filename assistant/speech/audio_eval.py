"""Scoring speech recognition and understanding on labelled audio, in one or more processes."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import AssistantError
from ..evaluation import Label, UtteranceResult, by_condition, score
from .metrics import edit_distance, percentile

if TYPE_CHECKING:
    from ..assistant import Assistant
    from .engines import Recognizer
    from .understand import Understanding

__all__ = ["AudioJob", "Evaluator", "audio_summary", "check_audio", "run_jobs"]

_LOGGER = logging.getLogger(__name__)

_CHUNK = 480  # 30 ms at 16 kHz, as a microphone would deliver it


@dataclass(frozen=True)
class AudioJob:
    """What a worker process needs to build its own assistant and recogniser."""

    config_path: Path | None
    plugins_dirs: tuple[Path, ...]
    engine: str | None
    model: str | None
    threads: int


class Evaluator:
    """An assistant, its understanding and a loaded recogniser, reused for every file."""

    def __init__(
        self, assistant: Assistant, recognizer: Recognizer, understanding: Understanding
    ) -> None:
        self.assistant = assistant
        self.recognizer = recognizer
        self.understanding = understanding
        recognizer.configure(understanding.hints())

    @classmethod
    def from_job(cls, job: AudioJob) -> Evaluator:
        from ..assistant import Assistant
        from ..config import load_settings
        from .engines import load_recognizer
        from .understand import Understanding

        settings = load_settings(job.config_path)
        settings = settings.model_copy(
            update={"speech": settings.speech.model_copy(update={"threads": job.threads})}
        )
        assistant = Assistant.create(settings, plugins_dirs=job.plugins_dirs)
        recognizer = load_recognizer(assistant, job.engine, job.model)
        return cls(assistant, recognizer, Understanding.from_assistant(assistant))

    def evaluate(self, path: Path) -> dict[str, Any]:
        """Recognise and understand one file; the figures the summary needs.

        A file that cannot be read gives ``{"error": message}`` instead, so that one bad file
        does not stop the rest.
        """
        try:
            return self._evaluate(path)
        except AssistantError as exc:
            self.recognizer.reset()
            return {"error": str(exc)}

    def _evaluate(self, path: Path) -> dict[str, Any]:
        from .audio import load_audio, read_blocks

        if self.recognizer.streaming:
            blocks = read_blocks(path, self.recognizer.rate)  # checks the file first
            started = time.perf_counter()
            self.recognizer.reset()
            fed = 0
            for block in blocks:
                for start in range(0, len(block), _CHUNK):
                    self.recognizer.accept(block[start : start + _CHUNK])
                fed += len(block)
            duration = fed / self.recognizer.rate
            finishing = time.perf_counter()
            transcript = self.recognizer.result()
        else:
            audio = load_audio(path, self.recognizer.rate)
            duration = audio.duration
            started = finishing = time.perf_counter()
            transcript = self.recognizer.transcribe(audio, words=False)
        text = self.understanding.choose(transcript)
        match = self.assistant.matcher.match(text)
        done = time.perf_counter()
        return {
            "transcript": transcript.text,
            "heard": text,
            "intent": match.intent if match else None,
            "slots": dict(match.slots) if match else {},
            "confidence": round(match.confidence, 4) if match else 0.0,
            "duration": duration,
            "recognition_s": done - started,
            "latency_ms": (done - finishing) * 1000,
        }


_WORKER: Evaluator | None = None


def _init_worker(job: AudioJob) -> None:
    global _WORKER
    _WORKER = Evaluator.from_job(job)


def _work(path: Path) -> dict[str, Any]:
    assert _WORKER is not None
    return _WORKER.evaluate(path)


def check_audio(label_file: Path, labels: Sequence[Label]) -> list[tuple[Label, Path]]:
    """Labels with audio and the file each names; every file missing is one error."""
    pairs = [(label, label_file.parent / label.audio) for label in labels if label.audio]
    if not pairs:
        raise AssistantError(
            f'{label_file}: no label has an "audio" field; use --text-only to score the text'
        )
    missing = [str(path) for _, path in pairs if not path.is_file()]
    if len(missing) == len(pairs):  # a batch with some missing files scores them as errors
        raise AssistantError(
            f"{label_file}: {len(missing)} audio file(s) missing, e.g. {missing[0]}; audio "
            "paths are relative to the label file"
        )
    return pairs


def run_jobs(
    paths: Sequence[Path],
    job: AudioJob,
    workers: int,
    local: Callable[[], Evaluator] | None = None,
) -> Iterator[dict[str, Any]]:
    """Evaluate each file, in order; with ``workers`` > 1 in a pool of processes."""
    if workers <= 1:
        evaluator = local() if local is not None else Evaluator.from_job(job)
        for path in paths:
            yield evaluator.evaluate(path)
        return
    with ProcessPoolExecutor(
        max_workers=workers, initializer=_init_worker, initargs=(job,)
    ) as pool:
        yield from pool.map(_work, paths, chunksize=max(1, len(paths) // (workers * 8)))


def default_threads(workers: int) -> int:
    """CPU threads per recogniser so that the workers share the machine's cores."""
    return max(1, (os.cpu_count() or 2) // max(1, workers))


def to_result(
    label: Label, figures: dict[str, Any], is_text_slot: Callable[[str | None, str], bool]
) -> UtteranceResult:
    """Score one file's figures against its label; a file that failed is a miss."""
    from .understand import spoken_digits

    if "error" in figures:
        edits, words = edit_distance(label.text or "", "")  # every word missed
        failed = UtteranceResult(
            audio=label.audio,
            condition=label.condition,
            reference=label.text,
            heard="",
            expected_intent=label.intent,
            expected_slots=dict(label.slots),
            intent=None,
            slots={},
            confidence=0.0,
            transcript="",
            word_edits=edits,
            reference_words=words,
            error=figures["error"],
        )
        failed = score(failed, is_text_slot)
        failed.intent_correct = failed.frame_correct = False
        return failed

    # Labels spell numbers out; so does the hypothesis before words are compared.
    edits, words = edit_distance(label.text or "", spoken_digits(figures["transcript"]))
    result = UtteranceResult(
        audio=label.audio,
        condition=label.condition,
        reference=label.text,
        heard=figures["heard"],
        expected_intent=label.intent,
        expected_slots=dict(label.slots),
        intent=figures["intent"],
        slots=figures["slots"],
        confidence=figures["confidence"],
        transcript=figures["transcript"],
        word_edits=edits,
        reference_words=words,
        duration=round(figures["duration"], 3),
        latency_ms=round(figures["latency_ms"], 1),
        recognition_s=round(figures["recognition_s"], 4),
    )
    return score(result, is_text_slot)


def _wer(results: Sequence[UtteranceResult]) -> float | None:
    words = sum(getattr(r, "reference_words", 0) for r in results if r.reference)
    edits = sum(getattr(r, "word_edits", 0) for r in results if r.reference)
    return round(edits / words, 4) if words else None


def audio_summary(summary: dict[str, Any], results: Sequence[UtteranceResult]) -> dict[str, Any]:
    """Add word error rate, real-time factor, latency percentiles and conditions."""
    audio_s = sum(getattr(r, "duration", 0.0) for r in results)
    busy_s = sum(getattr(r, "recognition_s", 0.0) for r in results)
    latencies = [float(r.latency_ms) for r in results if hasattr(r, "latency_ms")]
    conditions = by_condition(results)
    for name, figures in conditions.items():
        group = [r for r in results if (r.condition or "unlabelled") == name]
        figures["wer"] = _wer(group)
    p50, p95 = percentile(latencies, 50), percentile(latencies, 95)
    errors = [
        {"audio": r.audio, "error": getattr(r, "error", None)}
        for r in results
        if getattr(r, "error", None)
    ]
    return {
        **summary,
        "errors": errors,
        "wer": _wer(results),
        "rtf": round(busy_s / audio_s, 4) if audio_s else None,
        "latency_p50_ms": None if p50 is None else round(p50, 1),
        "latency_p95_ms": None if p95 is None else round(p95, 1),
        "by_condition": conditions,
    }
