"""Speech performance per engine: model load time, real-time factor, reply latency, memory.

Each engine runs in its own process, so load time and peak memory are its own. Latency is
measured through the real pipeline (file source → endpointer → recogniser → assistant):
``total`` runs from the end of speech to the reply and includes the endpointing silence;
``beyond silence`` is the work done after the endpointer closed the utterance (target: p95
≤ 150 ms). The ``live`` figures play the same audio again in real time, as a microphone would,
and time each reply by the wall clock: work started during the silence only helps if it keeps
pace with the audio. Printed, not asserted.

    python bench/bench_speech.py --whisper-model <tiny.en dir> --vosk-model <vosk dir> \
        [--labels ../shared/audio/dev/labels.jsonl] [--limit 30]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

DEFAULT_LABELS = Path(__file__).resolve().parents[2] / "shared" / "audio" / "dev" / "labels.jsonl"
GAP_S = 1.0


def _files(labels: Path, limit: int) -> list[Path]:
    rows = [json.loads(line) for line in labels.read_text().splitlines() if line.strip()]
    return [labels.parent / row["audio"] for row in rows if row.get("audio")][:limit]


def measure(
    engine: str, model: str, labels: Path, limit: int, silence_ms: int
) -> dict[str, object]:
    """Everything for one engine, in this process."""
    from assistant.assistant import Assistant
    from assistant.config import Settings
    from assistant.speech.audio import SAMPLE_RATE, Audio, load_audio
    from assistant.speech.engines import load_recognizer
    from assistant.speech.metrics import percentile
    from assistant.speech.pipeline import Pipeline
    from assistant.speech.sources import FileSource
    from assistant.speech.understand import Understanding
    from assistant.speech.vad import Endpointer

    tracemalloc.start()
    settings = Settings()
    assistant = Assistant.create(settings)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    recognizer = load_recognizer(assistant, engine, model)
    load_s = time.perf_counter() - started
    understanding = Understanding.from_assistant(assistant)
    recognizer.configure(understanding.hints())

    audios = [load_audio(path) for path in _files(labels, limit)]
    busy = 0.0
    for audio in audios:
        started = time.perf_counter()
        recognizer.transcribe(audio, words=False)
        busy += time.perf_counter() - started
    rtf = busy / sum(a.duration for a in audios)

    gap = np.zeros(int(GAP_S * SAMPLE_RATE), np.float32)
    stream = Audio(np.concatenate([part for a in audios for part in (a.samples, gap)]), SAMPLE_RATE)
    pipeline = Pipeline(assistant, recognizer, understanding=understanding, silence_ms=silence_ms)
    heard = list(pipeline.run(FileSource(stream)))
    total = [h.latency_ms for h in heard]
    beyond = [h.processing_ms for h in heard]

    # As live: audio arrives in real time, so work done during the silence must keep pace.
    pipeline = Pipeline(assistant, recognizer, understanding=understanding, silence_ms=silence_ms)
    live_total: list[float] = []
    live_beyond: list[float] = []
    pad = Endpointer(SAMPLE_RATE).pad  # the pipeline's padding after the last speech frame
    origin = time.monotonic()
    for one in pipeline.run(FileSource(stream, realtime=True)):
        replied = time.monotonic() - origin
        live_total.append((replied - one.end) * 1000)
        live_beyond.append((replied - (one.end - pad + silence_ms / 1000)) * 1000)
    _, python_peak = tracemalloc.get_traced_memory()
    rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "engine": engine,
        "model": Path(model).name,
        "files": len(audios),
        "utterances": len(heard),
        "load_s": round(load_s, 2),
        "rtf": round(rtf, 4),
        "latency_total_p50_ms": round(percentile(total, 50) or 0, 1),
        "latency_total_p95_ms": round(percentile(total, 95) or 0, 1),
        "beyond_silence_p50_ms": round(percentile(beyond, 50) or 0, 1),
        "beyond_silence_p95_ms": round(percentile(beyond, 95) or 0, 1),
        "live_utterances": len(live_total),
        "live_total_p50_ms": round(percentile(live_total, 50) or 0, 1),
        "live_total_p95_ms": round(percentile(live_total, 95) or 0, 1),
        "live_beyond_silence_p50_ms": round(percentile(live_beyond, 50) or 0, 1),
        "live_beyond_silence_p95_ms": round(percentile(live_beyond, 95) or 0, 1),
        "silence_ms": silence_ms,
        "peak_rss_mb": round(rss_peak / 1024, 1),
        "model_rss_mb": round((rss_peak - rss_before) / 1024, 1),
        "python_peak_mb": round(python_peak / 2**20, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--whisper-model")
    parser.add_argument("--vosk-model")
    parser.add_argument("--labels", type=Path, default=DEFAULT_LABELS)
    parser.add_argument("--limit", type=int, default=30, help="files to use (default 30)")
    parser.add_argument("--silence-ms", type=int, default=600)
    parser.add_argument("--child", nargs=2, metavar=("ENGINE", "MODEL"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        figures = measure(args.child[0], args.child[1], args.labels, args.limit, args.silence_ms)
        print(json.dumps(figures))
        return
    runs = [(e, m) for e, m in (("vosk", args.vosk_model), ("whisper", args.whisper_model)) if m]
    if not runs:
        parser.error("give --whisper-model and/or --vosk-model")
    for engine, model in runs:
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--child",
                engine,
                model,
                "--labels",
                str(args.labels),
                "--limit",
                str(args.limit),
                "--silence-ms",
                str(args.silence_ms),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if out.returncode != 0:
            print(f"{engine}: failed\n{out.stderr[-2000:]}")
            continue
        figures = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"\n{engine} ({figures['model']}), {figures['files']} files, "
            f"{figures['utterances']} utterances through the pipeline"
        )
        for key, value in figures.items():
            if key not in ("engine", "model", "files", "utterances"):
                print(f"  {key:<28}{value}")


if __name__ == "__main__":
    main()
