"""Intent matcher throughput: a realistic skill set and a large synthetic one.

Run: python bench/bench_nlu.py [--rounds N] [--work]

Prints utterances per second and p50/p95 milliseconds per utterance, overall and for exact,
noisy and out-of-domain utterances; with the synthetic skills also for out-of-domain
sentences that start with a verb many of their templates share ("verb"). The first round runs with cold caches and is reported
apart from the steady-state rounds. With ``--work`` it first counts, per utterance, the
alignments run and the Python lines executed in ``assistant.nlu`` (caches warm), and the
fuzzy lookups over value lists the first time an utterance is seen: figures that do not
depend on how busy the machine is.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Sequence
from types import FrameType
from typing import Any

import assistant.nlu.matcher as matcher_module
import assistant.nlu.slots as slots_module
from assistant.nlu import Matcher
from assistant.skill import IntentSpec, Skill, SlotList, SlotSpec

_SHOPS = {
    "starbucks": ("star bucks",),
    "luckin": ("luckin coffee",),
    "mcdonalds": ("mc donald's",),
    "kfc": ("k f c",),
    "pagoda": (),
    "mafengwo": (),
    "sf express": ("s f express",),
    "meituan": (),
    "didi": (),
    "railway": ("train tickets",),
    "metro": (),
    "weather": (),
}
_DRINKS = (
    "latte",
    "cappuccino",
    "americano",
    "mocha",
    "espresso",
    "flat white",
    "macchiato",
    "hot chocolate",
    "green tea",
    "milk tea",
    "orange juice",
)
_CITIES = (
    "beijing",
    "shanghai",
    "shenzhen",
    "guangzhou",
    "chengdu",
    "hangzhou",
    "xian",
    "wuhan",
    "nanjing",
    "hong kong",
    "london",
    "new york",
    "paris",
    "tokyo",
)
_FILLERS = ("please", "um", "could you", "hey", "uh", "just")


def _values(names: Sequence[str]) -> SlotList:
    return SlotList(values={name: () for name in names})


def realistic_skills() -> list[Skill]:
    """Skills mirroring the built-in intent contract (spec/builtin-skills.md)."""
    shops, city = SlotList(values=_SHOPS), _values(_CITIES)

    def intent(name: str, templates: Sequence[str], **slots: SlotSpec) -> IntentSpec:
        return IntentSpec(name=name, templates=tuple(templates), slots=slots)

    return [
        Skill(
            name="coffee",
            lists={
                "drink": _values(_DRINKS),
                "shop": shops,
                "size": _values(("small", "medium", "large")),
            },
            rules={"want": "(order|get me|i would like|i want|can i have|buy [me])"},
            intents=(
                intent(
                    "coffee.order",
                    ["[<want>] [a|an|{quantity}] [{size}] {drink} [from {shop}]"],
                    drink=SlotSpec(),
                    size=SlotSpec(),
                    shop=SlotSpec(),
                    quantity=SlotSpec(type="number"),
                ),
            ),
        ),
        Skill(
            name="coupons",
            lists={"merchant": shops},
            intents=(
                intent(
                    "coupons.list",
                    [
                        "(show|list) [me] [my] (coupons|vouchers) [for {merchant}]",
                        "what (coupons|vouchers) do i have [for {merchant}]",
                    ],
                    merchant=SlotSpec(),
                ),
                intent(
                    "coupons.redeem",
                    ["(use|redeem) [my|the] {merchant} (coupon|voucher)"],
                    merchant=SlotSpec(),
                ),
            ),
        ),
        Skill(
            name="transit",
            intents=(
                intent(
                    "transit.next_bus",
                    [
                        "when is the next bus [number] {line}",
                        "when (does|will) the [number] {line} bus (come|arrive)",
                        "next bus [number] {line}",
                    ],
                    line=SlotSpec(type="number"),
                ),
            ),
        ),
        Skill(
            name="parcel",
            lists={"carrier": _values(("sf express", "ems", "jd logistics"))},
            intents=(
                intent(
                    "parcel.track",
                    ["where is my (package|parcel)", "track my [{carrier}] (package|parcel)"],
                    carrier=SlotSpec(),
                ),
            ),
        ),
        Skill(
            name="weather",
            lists={"city": city},
            intents=(
                intent(
                    "weather.forecast",
                    [
                        "[what is the] weather [in {city}] [{day}]",
                        "will it (rain|snow) [in {city}] [{day}]",
                    ],
                    city=SlotSpec(),
                    day=SlotSpec(type="day"),
                ),
            ),
        ),
        Skill(
            name="travel",
            lists={"city": city},
            intents=(
                intent(
                    "travel.guide",
                    [
                        "show me a travel guide for {city}",
                        "what should i see in {city}",
                        "travel tips for {city}",
                    ],
                    city=SlotSpec(),
                ),
            ),
        ),
        Skill(
            name="timer",
            intents=(
                intent(
                    "timer.set",
                    [
                        "(set|start) a timer for {duration}",
                        "(set|start) a {duration} timer",
                        "timer for {duration}",
                    ],
                    duration=SlotSpec(type="duration"),
                ),
            ),
        ),
        Skill(
            name="miniprogram",
            lists={"app": shops},
            intents=(
                intent(
                    "miniprogram.search",
                    [
                        "(find|search for) [a] mini program (for|that sells) {query}",
                        "search for {query}",
                        "is there a mini program (for|that sells) {query}",
                    ],
                    query=SlotSpec(type="text"),
                ),
                intent(
                    "miniprogram.open",
                    ["(open|launch|start) [the] {app} [mini program]"],
                    app=SlotSpec(),
                ),
            ),
        ),
        Skill(
            name="system",
            intents=(
                intent("system.help", ["what can you do", "help"]),
                intent("system.cancel", ["cancel", "never mind", "stop"]),
                intent("system.confirm", ["yes", "go ahead", "sure"]),
                intent("system.deny", ["no", "no thanks", "do not"]),
            ),
        ),
    ]


_REALISTIC_EXACT = (
    "order a large latte from starbucks",
    "i'd like two cappuccinos",
    "get me a small americano",
    "a medium mocha please",
    "order an orange juice from luckin",
    "show my coupons",
    "what coupons do i have for k f c",
    "use my mcdonalds coupon",
    "redeem the starbucks voucher",
    "when is the next bus number forty two",
    "when does the seven bus come",
    "next bus one hundred and twenty",
    "where is my package",
    "track my s f express parcel",
    "what's the weather in beijing tomorrow",
    "will it rain today",
    "weather in shenzhen on monday",
    "show me a travel guide for chengdu",
    "what should i see in wuhan",
    "travel tips for hong kong",
    "set a timer for five minutes",
    "start a ninety second timer",
    "timer for an hour",
    "find a mini program for fresh fruit",
    "search for train ticket services",
    "is there a mini program that sells flowers",
    "open starbucks",
    "launch the mcdonalds mini program",
    "start pagoda",
    "what can you do",
    "help",
    "cancel",
    "never mind",
    "yes",
    "yes please",
    "go ahead",
    "no",
    "no thanks",
)
_REALISTIC_NOISY = (
    "um could you please order a large latte from starbucks",
    "ordr a large latte",
    "i'd like two cap your chinos",
    "set timer for five minutes",
    "show me travel guide for paris",
    "hey what is the wether in london",
    "use my mc donalds coupon",
    "track my sf express parcel",
    "open star bucks",
    "order two lattes",
    "when is next bus 42",
    "stop it",
    "set a timmer for ten minutes",
    "where is my blue package",
    "uh just show my coupon okay",
)
_REALISTIC_OOD = (
    "the cat sat on the mat",
    "what is the capital of france",
    "play some jazz music",
    "tell me a joke",
    "how old are you",
    "turn off the lights",
    "book a flight to paris",
    "i had pasta for dinner yesterday",
    "asdf qwer",
    "你好",
)

_SHARED_VERB_OOD = (
    "show me the money",
    "find my phone",
    "open the window",
    "tell me a story",
    "get me a taxi",
    "check the oil",
    "send a message to mom",
    "start the car",
    "show me something funny",
    "find a good restaurant",
)
"""Out of domain, but starting with a verb that many synthetic templates share."""

_CONSONANTS = "bcdfghjklmnprstvwz"
_VOWELS = "aeiou"


def _word(rng: random.Random, parts: int = 2) -> str:
    """An invented word of ``parts`` + 1 syllables, so that words rarely look alike."""
    return "".join(rng.choice(_CONSONANTS) + rng.choice(_VOWELS) for _ in range(parts + 1))


def synthetic_skills(
    n_skills: int = 100, n_templates: int = 20, n_values: int = 1000, seed: int = 7
) -> tuple[list[Skill], list[str]]:
    """Skills of invented words, each with a value list; and sentences drawn from them."""
    rng = random.Random(seed)
    skills: list[Skill] = []
    sentences: list[str] = []
    shared = ("show", "find", "get", "open", "start", "check", "tell", "send")
    for k in range(n_skills):
        values = {
            f"{_word(rng)} {_word(rng, 1)}{k}": (f"{_word(rng, 3)}",) for _ in range(n_values)
        }
        value_list = list(values)
        verbs = [_word(rng) for _ in range(6)]
        nouns = [_word(rng) for _ in range(6)]
        templates = []
        for t in range(n_templates):
            verb = f"({rng.choice(shared)}|{verbs[t % 6]}|{verbs[(t + 1) % 6]})"
            noun = nouns[t % 6]
            extra = f"[{rng.choice(('the', 'my', 'a'))}]"
            tail = "[(for|with|at) {amount}]" if t % 3 == 0 else f"[{nouns[(t + 2) % 6]}]"
            templates.append(f"{verb} {extra} {noun} {{item}} {tail} [please]")
            sentences.append(f"{verbs[t % 6]} the {noun} {rng.choice(value_list)}")
        skills.append(
            Skill(
                name=f"syn{k}",
                lists={"item": SlotList(values=values)},
                intents=(
                    IntentSpec(
                        name=f"syn{k}.act",
                        templates=tuple(templates),
                        slots={"item": SlotSpec(), "amount": SlotSpec(type="number")},
                    ),
                ),
            )
        )
    return skills, sentences


def synthetic_groups(sentences: Sequence[str], rng: random.Random) -> dict[str, list[str]]:
    """The synthetic benchmark's utterances by kind, drawn from ``sentences``."""
    exact = rng.sample(list(sentences), 300)
    noisy = _noisy(rng.sample(list(sentences), 300), rng)
    ood = [" ".join(_word(rng) for _ in range(rng.randint(2, 6))) for _ in range(100)]
    return {
        "exact": exact,
        "noisy": noisy,
        "ood": ood + list(_REALISTIC_OOD),
        "verb": list(_SHARED_VERB_OOD),
    }


def _noisy(sentences: Sequence[str], rng: random.Random) -> list[str]:
    out = []
    for sentence in sentences:
        words = sentence.split()
        kind = rng.randrange(3)
        if kind == 0:
            words.insert(0, rng.choice(_FILLERS))
        elif kind == 1 and len(words) > 2:
            del words[rng.randrange(len(words))]
        else:
            i = rng.randrange(len(words))
            if len(words[i]) > 3:
                words[i] = words[i][:-1]
        out.append(" ".join(words))
    return out


def _measure(matcher: Matcher, groups: dict[str, list[str]], rounds: int) -> None:
    for label, round_range in (("cold (round 1)", range(1)), ("warm", range(1, rounds))):
        if not round_range:
            continue
        times: dict[str, list[float]] = {name: [] for name in groups}
        for round_no in round_range:
            for name, texts in groups.items():
                for text in texts:
                    text = text + " " * round_no  # defeat the normalisation cache
                    started = time.perf_counter()
                    matcher.match(text)
                    times[name].append((time.perf_counter() - started) * 1000.0)
        every = [t for values in times.values() for t in values]
        print(
            f"  {label}: {len(every) / (sum(every) / 1000.0):,.0f} utterances/s, "
            f"p50 {_pct(every, 50):.3f} ms, p95 {_pct(every, 95):.3f} ms"
        )
        for name, values in times.items():
            print(
                f"    {name:6} n={len(values):5}  p50 {_pct(values, 50):.3f} ms  "
                f"p95 {_pct(values, 95):.3f} ms  mean {statistics.fmean(values):.3f} ms"
            )


def _work(matcher: Matcher, groups: dict[str, list[str]]) -> None:
    """Alignments and interpreted lines per utterance (caches warm), and list lookups.

    Runs before the timed rounds, so that the first pass meets cold caches.
    """
    counts = {"align": 0, "lookup": 0, "lines": 0}
    real_align, real_extract = matcher_module.align, slots_module.process.extractOne

    def align(*args: Any, **kwargs: Any) -> Any:
        counts["align"] += 1
        return real_align(*args, **kwargs)

    def extract_one(*args: Any, **kwargs: Any) -> Any:
        counts["lookup"] += 1
        return real_extract(*args, **kwargs)

    def line(frame: FrameType, event: str, arg: object) -> Any:
        if event == "line":
            counts["lines"] += 1
        return line

    def call(frame: FrameType, event: str, arg: object) -> Any:
        return line if "assistant/nlu" in frame.f_code.co_filename.replace("\\", "/") else None

    matcher_module.align = align  # type: ignore[assignment]
    slots_module.process.extractOne = extract_one  # type: ignore[assignment]
    try:
        for name, texts in groups.items():
            counts.update(align=0, lookup=0, lines=0)
            for text in texts:
                matcher.match(text + "  ")  # the first time: fuzzy lookups not cached yet
            lookups = counts["lookup"]
            counts.update(align=0, lines=0)
            sys.settrace(call)
            for text in texts:
                matcher.match(text + " ")
            sys.settrace(None)
            each = max(len(texts), 1)
            print(
                f"    work {name:6} per utterance: {counts['align'] / each:5.1f} alignments, "
                f"{counts['lines'] / each:6.0f} lines; first time {lookups / each:5.1f} "
                "fuzzy list lookups"
            )
    finally:
        sys.settrace(None)
        matcher_module.align = real_align
        slots_module.process.extractOne = real_extract


def _pct(values: list[float], pct: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * pct / 100))]


def _accuracy(matcher: Matcher, texts: Sequence[str], expect_match: bool) -> float:
    hits = sum((matcher.match(text) is not None) == expect_match for text in texts)
    return hits / max(len(texts), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--work", action="store_true", help="also count work per utterance")
    args = parser.parse_args()
    rng = random.Random(1)

    started = time.perf_counter()
    realistic = Matcher.build(realistic_skills())
    print(
        f"(a) realistic: {len(realistic.vocabulary())} words, "
        f"built in {(time.perf_counter() - started) * 1000:.1f} ms"
    )
    groups = {
        "exact": list(_REALISTIC_EXACT),
        "noisy": list(_REALISTIC_NOISY),
        "ood": list(_REALISTIC_OOD),
    }
    if args.work:
        _work(realistic, groups)
    _measure(realistic, groups, args.rounds)

    skills, sentences = synthetic_skills()
    started = time.perf_counter()
    synthetic = Matcher.build(skills)
    print(
        f"(b) synthetic: {len(skills)} skills x 20 templates, 1,000 values each, "
        f"built in {time.perf_counter() - started:.2f} s"
    )
    groups = synthetic_groups(sentences, rng)
    if args.work:
        _work(synthetic, groups)
    print(
        f"  matched: exact {_accuracy(synthetic, groups['exact'], True):.0%}, "
        f"noisy {_accuracy(synthetic, groups['noisy'], True):.0%}; "
        f"rejected: ood {_accuracy(synthetic, groups['ood'], False):.0%}, "
        f"verb {_accuracy(synthetic, groups['verb'], False):.0%}"
    )
    _measure(synthetic, groups, args.rounds)


if __name__ == "__main__":
    main()
