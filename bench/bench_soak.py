"""A soak run: a day of scripted conversations with orders, timers and notices, on a fast clock.

Run: python bench/bench_soak.py [--hours 24] [--every 15] [--seed 7]
     python bench/bench_soak.py --quick          # one simulated hour, for a smoke test

One assistant (coffee, timer and weather skills, the bundled Starbucks and Luckin
mini-programs) is talked to for ``--hours`` of simulated time: a scripted conversation starts
every ``--every`` simulated seconds, in one long-lived session as an open `assistant chat`
would have it, and the skills' notices are collected after each one. The clock (``time.time``
and the services' clock) is a fake one that jumps ahead, so a day takes a minute or two.

Prints, once per simulated hour, the resident memory (RSS; flat is the target), open file
descriptors, threads and the milliseconds per turn over that hour. At the end it checks that every order a reply announced is in the
store exactly once, that nothing else was stored, and that every timer was told exactly once;
the exit status is 1 when any of that fails.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from unittest import mock

from assistant.testing.factory import build_assistant, ting_environ_names

__all__ = ["FakeClock", "Tally", "main", "soak"]

_ORDER_NO = re.compile(r"order number is (\w+)")
_TIMER_SET = re.compile(r"^Timer set for ")
_DRINKS = ["latte", "americano", "cappuccino", "mocha", "flat white"]
_SIZES = ["small", "medium", "large"]
_SHOPS = ["starbucks", "luckin"]
_MINUTES = ["one", "two", "three", "five", "ten"]
_CITIES = ["beijing", "shanghai", "guangzhou"]


class FakeClock:
    """Seconds since the epoch that move only when told to."""

    def __init__(self, start: float) -> None:
        self.now = start

    def time(self) -> float:
        return self.now

    def datetime(self) -> datetime:
        return datetime.fromtimestamp(self.now)

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Tally:
    """What the replies and notices said, to be checked against the store."""

    announced: list[str] = field(default_factory=list)
    timers_set: int = 0
    timers_told: int = 0
    turns: int = 0
    conversations: int = 0
    reported: tuple[int, float] = (0, 0.0)  # turns and perf_counter at the last report
    problems: list[str] = field(default_factory=list)


def _scripts(rng: random.Random) -> list[Callable[[], list[str]]]:
    """Conversations a user might have; each returns the utterances, said in order."""

    def order() -> list[str]:
        size, drink, shop = rng.choice(_SIZES), rng.choice(_DRINKS), rng.choice(_SHOPS)
        return [f"order a {size} {drink} from {shop}", "yes"]

    def order_confirmed_twice() -> list[str]:
        return [f"get me a {rng.choice(_DRINKS)} from {rng.choice(_SHOPS)}", "yes", "yes"]

    def order_step_by_step() -> list[str]:
        return ["order a coffee", f"a {rng.choice(_DRINKS)} please", "yes"]

    def order_declined() -> list[str]:
        return [f"order two {rng.choice(_DRINKS)}s from {rng.choice(_SHOPS)}", "no"]

    def timer() -> list[str]:
        return [f"set a timer for {rng.choice(_MINUTES)} minutes"]

    def weather() -> list[str]:
        return [f"what's the weather in {rng.choice(_CITIES)} tomorrow", "and today?"]

    return [order, order_confirmed_twice, order_step_by_step, order_declined, timer, weather]


def _rss_mb() -> float:
    """Resident memory now (Linux), else the peak so far."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _open_fds() -> int:
    try:
        return len(os.listdir("/proc/self/fd"))
    except OSError:
        return -1


def _say(assistant: Any, session: Any, text: str, tally: Tally) -> None:
    turn = assistant.handle(text, session)
    tally.turns += 1
    reply = turn.reply or ""
    found = _ORDER_NO.search(reply)
    if found:
        tally.announced.append(found.group(1))
    if _TIMER_SET.match(reply):
        tally.timers_set += 1


def _listen(assistant: Any, session: Any, clock: FakeClock, tally: Tally) -> None:
    for notice in assistant.notices(session, clock.now):
        if notice.skill == "timer":
            tally.timers_told += 1


def soak(hours: float, every: float, seed: int, data_dir: Path) -> Tally:
    """Run the conversations; prints a line per simulated hour. Returns what was said."""
    rng = random.Random(seed)
    scripts = _scripts(rng)
    clock = FakeClock(time.time())
    tally = Tally()
    with mock.patch("time.time", clock.time):
        assistant = build_assistant(
            "coffee",
            "timer",
            "weather",
            data_dir=data_dir,
            settings={"services": {"manifests": str(data_dir / "no-manifests")}},
        )
        try:
            assistant.services.invoker.clock = clock.datetime
            session = assistant.new_session()
            end = clock.now + hours * 3600
            next_report = clock.now
            tally.reported = (0, time.perf_counter())
            print("hour  conversations  turns  orders  timers  rss_mb  fds  threads  ms/turn")
            while clock.now < end:
                if clock.now >= next_report:
                    _report(f"{(clock.now - end) / 3600 + hours:4.0f}", tally)
                    next_report += 3600
                for text in rng.choice(scripts)():
                    _say(assistant, session, text, tally)
                tally.conversations += 1
                clock.advance(every)
                _listen(assistant, session, clock, tally)
            clock.advance(11 * 60)  # past the longest timer: every one has ended
            _listen(assistant, session, clock, tally)
            _report(" end", tally)
            _check(assistant.services.store.orders(), tally)
        finally:
            assistant.close()
    return tally


def _report(hour: str, tally: Tally) -> None:
    """One line: totals so far, memory now, and the time per turn since the last line."""
    turns, then = tally.reported
    now = time.perf_counter()
    per_turn = (now - then) * 1000 / max(tally.turns - turns, 1)
    tally.reported = (tally.turns, now)
    print(
        f"{hour}  {tally.conversations:13d}  {tally.turns:5d}  {len(tally.announced):6d}"
        f"  {tally.timers_set:6d}  {_rss_mb():6.1f}  {_open_fds():3d}  {threading.active_count():7d}"
        f"  {per_turn:7.2f}",
        flush=True,
    )


def _check(stored: list[dict[str, Any]], tally: Tally) -> None:
    announced = Counter(tally.announced)
    in_store = Counter(str(order["order_no"]) for order in stored)
    doubled = sorted(n for n, c in announced.items() if c > 1)
    doubled += sorted(n for n, c in in_store.items() if c > 1)
    missing = sorted(set(announced) - set(in_store))
    extra = sorted(set(in_store) - set(announced))
    if doubled:
        tally.problems.append(f"orders announced or stored twice: {', '.join(doubled[:10])}")
    if missing:
        tally.problems.append(f"announced but not stored: {', '.join(missing[:10])}")
    if extra:
        tally.problems.append(f"stored but never announced: {', '.join(extra[:10])}")
    if tally.timers_told != tally.timers_set:
        tally.problems.append(f"{tally.timers_set} timers set, {tally.timers_told} told")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=24.0, help="simulated hours")
    parser.add_argument("--every", type=float, default=15.0, help="simulated seconds apart")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="one simulated hour")
    args = parser.parse_args(argv)
    hours = 1.0 if args.quick else args.hours
    for name in ting_environ_names():
        os.environ.pop(name)
    with tempfile.TemporaryDirectory(prefix="ting-soak-") as folder:
        tally = soak(hours, args.every, args.seed, Path(folder))
    print(
        f"{tally.conversations} conversations, {tally.turns} turns, "
        f"{len(tally.announced)} orders announced and stored once each, "
        f"{tally.timers_set} timers set and {tally.timers_told} told"
        if not tally.problems
        else "FAILED: " + "; ".join(tally.problems)
    )
    return 1 if tally.problems else 0


if __name__ == "__main__":
    sys.exit(main())
