"""The learned layer: what it costs to build, to load, and per utterance, beside the templates.

Run: python bench/bench_learned.py [--rounds N] [--skip-synthetic]

For the bundled skills and for 100 synthetic skills (bench_nlu.py's), prints:
- the time to train the layer (skills changed, no cache) and to read it from the cache;
- per-utterance p50/p95 milliseconds of the templates alone and of the templates with the
  learned layer behind them, on sentences the templates match and on sentences they do not
  (there the learned layer, the clause split and the guess all run);
- `assistant say` start to reply, median of five runs with a warm cache, for a sentence the
  templates answer and one the learned layer answers.
Both layers are measured side by side in one run; compare the ratios, not the absolute times.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench_nlu import synthetic_skills  # noqa: E402

from assistant.nlu import Matcher  # noqa: E402
from assistant.nlu import learned as learned_module  # noqa: E402
from assistant.skill import Skill  # noqa: E402

MATCHED = [
    "order a large latte from starbucks",
    "what's the weather in beijing tomorrow",
    "set a timer for five minutes",
    "when is the next bus 15",
    "track my parcel",
]
UNMATCHED = [
    "i'm dying for a mocha can you sort that out from starbucks",
    "will i need an umbrella in hangzhou on friday",
    "the eggs need seven minutes so set a timer for seven minutes",
    "who founded starbucks",
    "play some jazz in the kitchen",
]


def _bundled() -> list[Skill]:
    from assistant.assistant import Assistant
    from assistant.config import Settings

    assistant = Assistant.create(Settings(nlu={"learned": False}))  # type: ignore[arg-type]
    return assistant._matched_skills()


def _per_utterance(matcher: Matcher, texts: Sequence[str], rounds: int) -> tuple[float, float]:
    times: list[float] = []
    for _ in range(rounds):
        for text in texts:
            started = time.perf_counter()
            if matcher.match(text) is None:
                matcher.guess(text)
            times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def _report(
    name: str, skills: list[Skill], matched: list[str], unmatched: list[str], rounds: int
) -> None:
    print(f"{name}: {len(skills)} skills")
    with tempfile.TemporaryDirectory() as cache:
        learned_module._MEMO.clear()
        matcher = Matcher.build(skills, threshold=0.65)
        started = time.perf_counter()
        built = matcher.learn(Path(cache))
        train = time.perf_counter() - started
        assert built is not None
        learned_module._MEMO.clear()
        started = time.perf_counter()
        again = Matcher.build(skills, threshold=0.65)
        loaded = again.learn(Path(cache))
        assert loaded is not None
        loaded.scores(["hello"])  # read on first use
        load = time.perf_counter() - started
        info = loaded.trained
        print(
            f"  build: trained in {train:.2f} s on {info.sentences} sentences of {info.intents} "
            f"intents + {info.background} background; from the cache (with compiling the "
            f"templates) {load:.2f} s"
        )
        plain = Matcher.build(skills, threshold=0.65)
        for label, texts in (("matched by templates", matched), ("not matched by them", unmatched)):
            p50, p95 = _per_utterance(plain, texts, rounds)
            q50, q95 = _per_utterance(again, texts, rounds)
            print(
                f"  {label:<22} templates alone p50 {p50:.2f} ms p95 {p95:.2f} ms | "
                f"with the learned layer p50 {q50:.2f} ms p95 {q95:.2f} ms "
                f"(x{q50 / p50 if p50 else float('nan'):.2f})"
            )


def _say_median(text: str, runs: int = 5) -> float:
    times = []
    for _ in range(runs + 1):  # the first run warms the cache
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "assistant", "say", text], capture_output=True, check=False
        )
        times.append(time.perf_counter() - started)
    return statistics.median(times[1:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--skip-synthetic", action="store_true")
    args = parser.parse_args()
    _report("bundled", _bundled(), MATCHED, UNMATCHED, args.rounds)
    if not args.skip_synthetic:
        skills, sentences = synthetic_skills()
        rng = random.Random(3)
        matched = rng.sample(sentences, 20)
        unmatched = [f"hmm okay i think {s} would be nice thanks a lot" for s in matched[:10]]
        _report("synthetic", skills, matched, unmatched, max(2, args.rounds // 5))
    for label, text in (("templates", MATCHED[0]), ("learned layer", UNMATCHED[0])):
        print(f"assistant say, {label}: median {_say_median(text) * 1000:.0f} ms start to reply")


if __name__ == "__main__":
    main()
