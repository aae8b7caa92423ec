"""Intent matcher speed of this checkout against an earlier revision, measured in pairs.

Run: python bench/bench_nlu_compare.py REV [--rounds N] [--changed N]

Timings on a shared or throttled machine drift from one minute to the next, so two benchmark
runs taken apart cannot tell a 10% change. This script loads both matchers into one process
(the revision's ``assistant/nlu`` as ``assistant.nlu_prev``, beside this checkout's) and
times them utterance by utterance, alternating which goes first. It prints, for the
realistic and the synthetic skill sets of ``bench_nlu.py``, p50 and p95 of each and the
median ratio new/old of the paired timings, by kind of utterance. Both matchers share the
caches of one process, so the absolute figures run higher than ``bench_nlu.py``'s; the
ratios are what this measures.
"""

from __future__ import annotations

import argparse
import importlib
import io
import random
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _tree(rev: str, into: Path) -> None:
    """This checkout's ``assistant`` with ``rev``'s ``assistant/nlu`` as ``nlu_prev``."""
    shutil.copytree(
        ROOT / "assistant", into / "assistant", ignore=shutil.ignore_patterns("__pycache__")
    )
    archive = subprocess.run(
        ["git", "archive", rev, "assistant/nlu"], cwd=ROOT, check=True, capture_output=True
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into / "old", filter="data")
    shutil.move(into / "old" / "assistant" / "nlu", into / "assistant" / "nlu_prev")


def _groups(kind: str, bench: Any) -> tuple[list[Any], dict[str, list[str]]]:
    if kind == "realistic":
        groups = {
            "exact": list(bench._REALISTIC_EXACT),
            "noisy": list(bench._REALISTIC_NOISY),
            "ood": list(bench._REALISTIC_OOD),
        }
        return bench.realistic_skills(), groups
    skills, sentences = bench.synthetic_skills()
    return skills, bench.synthetic_groups(sentences, random.Random(1))


def _pct(values: list[float], pct: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * pct / 100))] * 1000.0


def _changed(each: dict[str, tuple[list[float], list[float]]], count: int) -> None:
    """The utterances whose paired timings changed the most, slower ones first."""
    rows = sorted(
        (statistics.median(new) / statistics.median(old), statistics.median(old), text)
        for text, (old, new) in each.items()
    )
    print("    changed most (median ms old -> new, ratio):")
    for ratio, old_ms, text in rows[::-1][:count] + rows[:count][::-1]:
        print(f"      {old_ms * 1000:.3f} -> {old_ms * ratio * 1000:.3f}  {ratio:.2f}  {text}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rev", help="the earlier revision, e.g. HEAD~3 or a commit id")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument(
        "--changed",
        type=int,
        default=0,
        metavar="N",
        help="also list the N utterances that got slower and faster the most",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        _tree(args.rev, Path(tmp))
        sys.path[:0] = [tmp, str(ROOT / "bench")]
        new_matcher = importlib.import_module("assistant.nlu").Matcher
        old_matcher = importlib.import_module("assistant.nlu_prev").Matcher
        bench = importlib.import_module("bench_nlu")
        for kind in ("realistic", "synthetic"):
            skills, groups = _groups(kind, bench)
            matchers = {"old": old_matcher.build(skills), "new": new_matcher.build(skills)}
            every: dict[str, list[float]] = {"old": [], "new": []}
            parts = []
            each: dict[str, tuple[list[float], list[float]]] = {}
            for name, texts in groups.items():
                times: dict[str, list[float]] = {"old": [], "new": []}
                for text in texts:
                    for matcher in matchers.values():
                        matcher.match(text)
                for round_no in range(1, args.rounds + 1):
                    for index, text in enumerate(texts):
                        text = text + " " * round_no  # defeat the normalisation cache
                        # The second to run an utterance finds the caches they share warm:
                        # each goes second for half the utterances of every round.
                        order = ("old", "new") if (round_no + index) % 2 else ("new", "old")
                        for label in order:
                            started = time.perf_counter()
                            matchers[label].match(text)
                            times[label].append(time.perf_counter() - started)
                        pair = each.setdefault(text.rstrip(), ([], []))
                        pair[0].append(times["old"][-1])
                        pair[1].append(times["new"][-1])
                ratio = statistics.median(
                    new / old for new, old in zip(times["new"], times["old"], strict=True)
                )
                parts.append(
                    f"    {name:6} p95 {_pct(times['old'], 95):.3f} -> "
                    f"{_pct(times['new'], 95):.3f} ms, median ratio new/old {ratio:.2f}"
                )
                for label, values in times.items():
                    every[label] += values
            print(
                f"{kind}: p50 {_pct(every['old'], 50):.3f} -> {_pct(every['new'], 50):.3f} ms, "
                f"p95 {_pct(every['old'], 95):.3f} -> {_pct(every['new'], 95):.3f} ms"
            )
            print("\n".join(parts))
            if args.changed:
                _changed(each, args.changed)


if __name__ == "__main__":
    main()
