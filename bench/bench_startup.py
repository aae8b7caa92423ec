"""Time from process start to reply for `assistant say`, and where that time goes.

Run: python bench/bench_startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

UTTERANCE = "order a large latte from starbucks"


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def whole_process(runs: int, env: dict[str, str]) -> list[float]:
    """Wall time of `python -m assistant say ...`, start to exit, in seconds."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "assistant", "say", UTTERANCE],
            env=env,
            capture_output=True,
            check=False,
        )
        times.append(time.perf_counter() - started)
    return times


PHASES = r"""
import time, sys
t0 = time.perf_counter()
import assistant
t1 = time.perf_counter()
from assistant import Assistant
a = Assistant.create()
t2 = time.perf_counter()
a.handle(sys.argv[1])
t3 = time.perf_counter()
print(f"{t1-t0:.4f} {t2-t1:.4f} {t3-t2:.4f}")
"""


def phases(runs: int, env: dict[str, str]) -> list[tuple[float, ...]]:
    """(import, load plugins and compile templates, first reply) seconds per run."""
    rows = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", PHASES, UTTERANCE],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        rows.append(tuple(float(x) for x in out.split()))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "XDG_CONFIG_HOME": home, "XDG_DATA_HOME": home, "XDG_CACHE_HOME": home}
        # Users run with cached bytecode (pip compiles it on install); measure that.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        whole_process(2, env)  # warm the file cache and bytecode
        totals = whole_process(args.runs, env)
        print(
            f"assistant say, start to reply: median {statistics.median(totals) * 1000:.0f} ms, "
            f"p95 {_percentile(totals, 0.95) * 1000:.0f} ms over {args.runs} runs (target < 500 ms)"
        )
        rows = phases(args.runs, env)
        for i, name in enumerate(("import", "load plugins + compile templates", "first reply")):
            values = [row[i] for row in rows]
            print(f"  {name:<34} median {statistics.median(values) * 1000:7.1f} ms")


if __name__ == "__main__":
    main()
