"""Matching utterances against intent templates: exact, noisy, out of domain, slots."""

from __future__ import annotations

import time

import pytest

from assistant.nlu import Match, Matcher
from assistant.skill import IntentSpec, Skill, SlotList, SlotSpec

_SHOPS = {
    "starbucks": ("star bucks",),
    "luckin": ("luckin coffee",),
    "mcdonalds": ("mc donald's",),
    "kfc": ("k f c",),
    "pagoda": (),
    "sf express": (),
    "meituan": (),
    "railway": ("train tickets",),
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
    "chengdu",
    "xian",
    "wuhan",
    "hong kong",
    "london",
    "new york",
    "paris",
    "tokyo",
)


def _values(*names: str) -> SlotList:
    return SlotList(values={name: () for name in names})


def _skills() -> list[Skill]:
    shops = SlotList(values=_SHOPS)
    city = _values(*_CITIES)
    return [
        Skill(
            name="coffee",
            lists={
                "drink": _values(*_DRINKS),
                "size": _values("small", "medium", "large"),
                "shop": shops,
            },
            rules={"want": "(order|get me|i would like|i want|can i have|buy [me])"},
            intents=(
                IntentSpec(
                    name="coffee.order",
                    side_effects=True,
                    slots={
                        "drink": SlotSpec(required=True),
                        "size": SlotSpec(),
                        "quantity": SlotSpec(type="number"),
                        "shop": SlotSpec(),
                    },
                    templates=("[<want>] [a|an|{quantity}] [{size}] {drink} [from {shop}]",),
                    examples=("order a large latte from starbucks",),
                ),
            ),
        ),
        Skill(
            name="coupons",
            lists={"merchant": shops},
            intents=(
                IntentSpec(
                    name="coupons.list",
                    slots={"merchant": SlotSpec()},
                    templates=(
                        "(show|list) [me] [my] (coupons|vouchers) [(for|from) {merchant}]",
                        "what (coupons|vouchers) do i have [(for|at) {merchant}]",
                    ),
                ),
                IntentSpec(
                    name="coupons.redeem",
                    slots={"merchant": SlotSpec(required=True)},
                    templates=("(use|redeem) [my|the] {merchant} (coupon|voucher)",),
                ),
            ),
        ),
        Skill(
            name="transit",
            intents=(
                IntentSpec(
                    name="transit.next_bus",
                    slots={"line": SlotSpec(type="number")},
                    templates=(
                        "when is the next bus [number] {line}",
                        "when (does|will) the [number] {line} bus (come|arrive)",
                        "next bus [number] {line}",
                    ),
                ),
            ),
        ),
        Skill(
            name="parcel",
            lists={"carrier": _values("sf express", "ems", "jd logistics")},
            intents=(
                IntentSpec(
                    name="parcel.track",
                    slots={"carrier": SlotSpec()},
                    templates=(
                        "where is my (package|parcel)",
                        "track my [{carrier}] (package|parcel)",
                    ),
                ),
            ),
        ),
        Skill(
            name="weather",
            lists={"city": city},
            intents=(
                IntentSpec(
                    name="weather.forecast",
                    slots={"city": SlotSpec(), "day": SlotSpec(type="day")},
                    templates=(
                        "[what is the] weather [in {city}] [{day}]",
                        "will it (rain|snow) [in {city}] [{day}]",
                    ),
                ),
            ),
        ),
        Skill(
            name="travel",
            lists={"city": city},
            intents=(
                IntentSpec(
                    name="travel.guide",
                    slots={"city": SlotSpec(required=True)},
                    templates=(
                        "show me a travel guide for {city}",
                        "what should i see in {city}",
                        "travel tips for {city}",
                    ),
                ),
            ),
        ),
        Skill(
            name="timer",
            intents=(
                IntentSpec(
                    name="timer.set",
                    slots={"duration": SlotSpec(type="duration", required=True)},
                    templates=(
                        "(set|start) a timer for {duration}",
                        "(set|start) a {duration} timer",
                        "timer for {duration}",
                    ),
                ),
            ),
        ),
        Skill(
            name="miniprogram",
            lists={"app": shops},
            intents=(
                IntentSpec(
                    name="miniprogram.search",
                    slots={"query": SlotSpec(type="text", required=True)},
                    templates=(
                        "(find|search for) [a] mini program (for|that sells) {query}",
                        "search for {query}",
                        "is there a mini program (for|that sells) {query}",
                    ),
                ),
                IntentSpec(
                    name="miniprogram.open",
                    slots={"app": SlotSpec(required=True)},
                    templates=("(open|launch|start) [the] {app} [mini program]",),
                ),
            ),
        ),
        Skill(
            name="system",
            intents=(
                IntentSpec(name="system.help", templates=("what can you do", "help")),
                IntentSpec(name="system.cancel", templates=("cancel", "never mind", "stop")),
                IntentSpec(name="system.confirm", templates=("yes", "go ahead", "sure")),
                IntentSpec(name="system.deny", templates=("no", "no thanks", "do not")),
            ),
        ),
    ]


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher.build(_skills())


def _intent(matcher: Matcher, text: str) -> tuple[str | None, dict[str, str | int]]:
    match = matcher.match(text)
    return (match.intent, match.slots) if match else (None, {})


# exact matches


def test_exact_match(matcher: Matcher) -> None:
    match = matcher.match("order a large latte from starbucks")
    assert match == Match(
        intent="coffee.order",
        skill="coffee",
        slots={"size": "large", "drink": "latte", "shop": "starbucks"},
        confidence=1.0,
    )


@pytest.mark.parametrize(
    ("text", "ambiguous"),
    [
        ("order a latte and a cappuccino", {"drink": ["latte", "cappuccino"]}),
        ("order a mocha or a latte", {"drink": ["mocha", "latte"]}),  # in the order spoken
        ("order a latte from starbucks", {}),
        ("order two lattes and another latte", {}),  # one value, said twice
    ],
)
def test_further_values_of_a_list_slot_are_reported(
    matcher: Matcher, text: str, ambiguous: dict[str, list[str]]
) -> None:
    match = matcher.best(text)
    assert match is not None and match.intent == "coffee.order"
    assert match.ambiguous == ambiguous
    if ambiguous:  # the slot holds one of the values heard
        assert match.slots["drink"] in ambiguous["drink"]


def test_a_value_of_another_slot_is_not_a_further_value(matcher: Matcher) -> None:
    # "starbucks" is a shop and a coupon merchant; here it reads as the shop only.
    match = matcher.match("order a latte from starbucks")
    assert match is not None and match.ambiguous == {}
    redeem = matcher.best("use my kfc coupon from starbucks")
    assert redeem is not None and redeem.ambiguous == {"merchant": ["kfc", "starbucks"]}


def test_match_is_frozen(matcher: Matcher) -> None:
    match = matcher.match("help")
    assert match is not None
    with pytest.raises(ValueError):
        match.intent = "x"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "intent", "slots"),
    [
        (
            "order a large latte from starbucks",
            "coffee.order",
            {"drink": "latte", "size": "large", "shop": "starbucks"},
        ),
        ("i'd like two cappuccinos", "coffee.order", {"drink": "cappuccino", "quantity": 2}),
        ("get me a small americano", "coffee.order", {"drink": "americano", "size": "small"}),
        ("a medium mocha please", "coffee.order", {"drink": "mocha", "size": "medium"}),
        (
            "order an orange juice from luckin",
            "coffee.order",
            {"drink": "orange juice", "shop": "luckin"},
        ),
        ("show my coupons", "coupons.list", {}),
        ("what coupons do i have for k f c", "coupons.list", {"merchant": "kfc"}),
        ("use my mcdonalds coupon", "coupons.redeem", {"merchant": "mcdonalds"}),
        ("redeem the starbucks voucher", "coupons.redeem", {"merchant": "starbucks"}),
        ("when is the next bus number forty two", "transit.next_bus", {"line": 42}),
        ("when does the seven bus come", "transit.next_bus", {"line": 7}),
        ("next bus one hundred and twenty", "transit.next_bus", {"line": 120}),
        ("where is my package", "parcel.track", {}),
        ("track my s f express parcel", "parcel.track", {"carrier": "sf express"}),
        (
            "what's the weather in beijing tomorrow",
            "weather.forecast",
            {"city": "beijing", "day": "tomorrow"},
        ),
        ("will it rain today", "weather.forecast", {"day": "today"}),
        (
            "weather in shenzhen on monday",
            "weather.forecast",
            {"city": "shenzhen", "day": "monday"},
        ),
        ("show me a travel guide for chengdu", "travel.guide", {"city": "chengdu"}),
        ("what should i see in wuhan", "travel.guide", {"city": "wuhan"}),
        ("travel tips for hong kong", "travel.guide", {"city": "hong kong"}),
        ("set a timer for five minutes", "timer.set", {"duration": 300}),
        ("start a ninety second timer", "timer.set", {"duration": 90}),
        ("timer for an hour", "timer.set", {"duration": 3600}),
        ("open starbucks", "miniprogram.open", {"app": "starbucks"}),
        ("launch the mcdonalds mini program", "miniprogram.open", {"app": "mcdonalds"}),
        ("start pagoda", "miniprogram.open", {"app": "pagoda"}),
        ("what can you do", "system.help", {}),
        ("help", "system.help", {}),
        ("cancel", "system.cancel", {}),
        ("never mind", "system.cancel", {}),
        ("yes", "system.confirm", {}),
        ("yes please", "system.confirm", {}),
        ("go ahead", "system.confirm", {}),
        ("no", "system.deny", {}),
        ("no thanks", "system.deny", {}),
    ],
)
def test_dev_sentences(matcher: Matcher, text: str, intent: str, slots: dict[str, object]) -> None:
    assert _intent(matcher, text) == (intent, slots)


@pytest.mark.parametrize(
    ("text", "intent", "slots"),
    [
        # phrasings the dev set does not have
        (
            "can i have a flat white from luckin",
            "coffee.order",
            {"drink": "flat white", "shop": "luckin"},
        ),
        ("buy me three hot chocolates", "coffee.order", {"drink": "hot chocolate", "quantity": 3}),
        ("an espresso", "coffee.order", {"drink": "espresso"}),
        ("one latte", "coffee.order", {"drink": "latte", "quantity": 1}),
        ("list my vouchers from meituan", "coupons.list", {"merchant": "meituan"}),
        ("redeem my luckin coffee voucher", "coupons.redeem", {"merchant": "luckin"}),
        ("when will the number 7 bus arrive", "transit.next_bus", {"line": 7}),
        ("next bus three hundred and five", "transit.next_bus", {"line": 305}),
        (
            "weather in new york on friday",
            "weather.forecast",
            {"city": "new york", "day": "friday"},
        ),
        ("will it snow in london tonight", "weather.forecast", {"city": "london", "day": "today"}),
        ("what should i see in paris", "travel.guide", {"city": "paris"}),
        ("set a timer for half an hour", "timer.set", {"duration": 1800}),
        ("start a timer for a minute and a half", "timer.set", {"duration": 90}),
        ("timer for one and a half hours", "timer.set", {"duration": 5400}),
        ("set a timer for 90 seconds", "timer.set", {"duration": 90}),
        ("open the railway mini program", "miniprogram.open", {"app": "railway"}),
        ("open train tickets", "miniprogram.open", {"app": "railway"}),
        ("don't", "system.deny", {}),
    ],
)
def test_generalises(matcher: Matcher, text: str, intent: str, slots: dict[str, object]) -> None:
    assert _intent(matcher, text) == (intent, slots)


def test_text_slot_is_stripped_and_scored_lower(matcher: Matcher) -> None:
    match = matcher.match("find a mini program for the fresh fruit please")
    assert match is not None and match.intent == "miniprogram.search"
    assert match.slots == {"query": "fresh fruit"}
    assert 0.5 <= match.confidence < 1.0
    flowers = matcher.match("is there a mini program that sells flowers")
    assert flowers is not None and flowers.slots == {"query": "flowers"}


def test_text_slot_loses_to_literal_match(matcher: Matcher) -> None:
    # "search for" + text could swallow "starbucks"; the literal list slot wins.
    skills = [
        *_skills()[:-2],
        Skill(
            name="finder",
            lists={"app": SlotList(values=_SHOPS)},
            intents=(
                IntentSpec(
                    name="finder.search",
                    slots={"query": SlotSpec(type="text")},
                    templates=("open {query}",),
                ),
                IntentSpec(
                    name="finder.open", slots={"app": SlotSpec()}, templates=("open {app}",)
                ),
            ),
        ),
    ]
    match = Matcher.build(skills).match("open starbucks")
    assert match is not None and match.intent == "finder.open"
    assert match.confidence == 1.0


def test_longer_text_share_lowers_confidence(matcher: Matcher) -> None:
    short = matcher.match("search for flowers")
    long = matcher.match("search for cheap red roses and tulips delivered fast")
    assert short is not None and long is not None
    assert long.slots == {"query": "cheap red roses and tulips delivered fast"}
    assert long.confidence < short.confidence < 1.0


# robustness to what a recogniser emits


@pytest.mark.parametrize(
    ("text", "intent", "slots"),
    [
        # filler words
        (
            "um could you please order a large latte from starbucks",
            "coffee.order",
            {"drink": "latte", "size": "large", "shop": "starbucks"},
        ),
        ("hey can you set a timer for five minutes", "timer.set", {"duration": 300}),
        ("uh just show my coupons okay", "coupons.list", {}),
        ("kindly cancel", "system.cancel", {}),
        # articles present or absent
        (
            "order large latte from starbucks",
            "coffee.order",
            {"drink": "latte", "size": "large", "shop": "starbucks"},
        ),
        ("redeem starbucks voucher", "coupons.redeem", {"merchant": "starbucks"}),
        ("track the parcel", "parcel.track", {}),
        ("show me the travel guide for tokyo", "travel.guide", {"city": "tokyo"}),
        # plurals
        ("order two lattes", "coffee.order", {"drink": "latte", "quantity": 2}),
        ("show my coupon", "coupons.list", {}),
        ("use my kfc vouchers", "coupons.redeem", {"merchant": "kfc"}),
        # a misrecognised word
        ("ordr a large latte", "coffee.order", {"drink": "latte", "size": "large"}),
        ("set a timmer for five minutes", "timer.set", {"duration": 300}),
        ("show me a travel guid for chengdu", "travel.guide", {"city": "chengdu"}),
        ("what is the wether in paris", "weather.forecast", {"city": "paris"}),
        # a dropped word
        ("set timer for five minutes", "timer.set", {"duration": 300}),
        ("show me travel guide for chengdu", "travel.guide", {"city": "chengdu"}),
        ("when is next bus forty two", "transit.next_bus", {"line": 42}),
        # an extra unknown word
        (
            "order a large latte from starbucks now",
            "coffee.order",
            {"drink": "latte", "size": "large", "shop": "starbucks"},
        ),
        ("where is my blue package", "parcel.track", {}),
        ("stop it", "system.cancel", {}),
        # list values split, joined or misheard
        ("what coupons do i have for kfc", "coupons.list", {"merchant": "kfc"}),
        ("use my mc donalds coupon", "coupons.redeem", {"merchant": "mcdonalds"}),
        ("use my mcdonald's coupon", "coupons.redeem", {"merchant": "mcdonalds"}),
        ("track my sf express parcel", "parcel.track", {"carrier": "sf express"}),
        ("open starbuck", "miniprogram.open", {"app": "starbucks"}),
        ("open star bucks", "miniprogram.open", {"app": "starbucks"}),
        ("i'd like two cap your chinos", "coffee.order", {"drink": "cappuccino", "quantity": 2}),
        # digits for number words
        ("when is the next bus number 42", "transit.next_bus", {"line": 42}),
        ("next bus 120", "transit.next_bus", {"line": 120}),
    ],
)
def test_noisy_input(matcher: Matcher, text: str, intent: str, slots: dict[str, object]) -> None:
    match = matcher.match(text)
    assert match is not None, text
    assert (match.intent, match.slots) == (intent, slots)
    assert match.confidence >= 0.5


def test_each_edit_costs_confidence(matcher: Matcher) -> None:
    exact = matcher.match("set a timer for five minutes")
    filler = matcher.match("please set a timer for five minutes")
    fuzzy = matcher.match("set a timmer for five minutes")
    dropped = matcher.match("set a timer five minutes")
    extra = matcher.match("set a timer for five minutes today")
    article = matcher.match("set timer for five minutes")
    assert exact and filler and fuzzy and dropped and extra and article
    assert exact.confidence == 1.0
    assert 1.0 > article.confidence > fuzzy.confidence
    assert 1.0 > filler.confidence > fuzzy.confidence > dropped.confidence
    assert fuzzy.confidence > extra.confidence


# out of domain


@pytest.mark.parametrize(
    "text",
    [
        "the cat sat on the mat",
        "what is the capital of france",
        "play some jazz music",
        "play some music",
        "tell me a joke",
        "how old are you",
        "turn off the lights",
        "book a flight to paris",
        "i had pasta for dinner yesterday",
        "",
        "   ",
        "asdf qwer",
        "你好",
        "你好，帮我点一杯拿铁",
        "go",
        "now",
        "\x00\x01\xff\ufffd garbage \udcff",
    ],
)
def test_out_of_domain_is_rejected(matcher: Matcher, text: str) -> None:
    assert matcher.match(text) is None


def test_long_input_is_rejected_fast(matcher: Matcher) -> None:
    text = "order a large latte from starbucks " * 300  # about 10 kB
    started = time.perf_counter()
    assert matcher.match(text) is None
    assert matcher.best(text) is None
    assert time.perf_counter() - started < 1.0


def test_best_returns_low_confidence_candidates(matcher: Matcher) -> None:
    best = matcher.best("what is the capital of paris")
    assert best is not None and best.confidence < matcher.threshold
    assert matcher.match("what is the capital of paris") is None
    assert matcher.best("asdf qwer") is None


def test_threshold(matcher: Matcher) -> None:
    strict = Matcher.build(_skills(), threshold=0.95)
    assert strict.threshold == 0.95
    assert strict.match("order a large latte from starbucks") is not None
    assert strict.match("ordr a large latte") is None
    assert matcher.match("ordr a large latte") is not None


def test_intents_restrict_candidates(matcher: Matcher) -> None:
    allowed = {"system.confirm", "system.deny", "system.cancel"}
    assert matcher.match("order a latte", intents=allowed) is None
    match = matcher.match("yes please", intents=allowed)
    assert match is not None and match.intent == "system.confirm"
    assert matcher.match("no", intents={"system.confirm"}) is None
    assert matcher.match("yes", intents=[]) is None


def test_tie_prefers_more_literal_words() -> None:
    skill = Skill(
        name="demo",
        lists={"thing": SlotList(values={"lights": (), "radio": ()})},
        intents=(
            IntentSpec(
                name="demo.generic", slots={"thing": SlotSpec()}, templates=("switch {thing}",)
            ),
            IntentSpec(name="demo.specific", templates=("switch radio",)),
        ),
    )
    match = Matcher.build([skill]).match("switch radio")
    assert match is not None and match.intent == "demo.specific"


def test_generic_free_text_gives_way_to_a_command_inside_it() -> None:
    skills = [
        Skill(
            name="web",
            intents=(
                IntentSpec(
                    name="web.search",
                    slots={"query": SlotSpec(type="text")},
                    templates=("(search|look) (for|up) {query}",),
                ),
            ),
        ),
        Skill(
            name="weather",
            lists={"city": SlotList(values={"tokyo": (), "paris": ()})},
            intents=(
                IntentSpec(
                    name="weather.forecast",
                    slots={"city": SlotSpec()},
                    templates=("[the] weather [in {city}]",),
                ),
            ),
        ),
    ]
    matcher = Matcher.build(skills, threshold=0.65)
    inner = matcher.match("look up the weather in tokyo")
    assert inner is not None and (inner.intent, inner.slots) == (
        "weather.forecast",
        {"city": "tokyo"},
    )
    search = matcher.match("search for cheap flights to paris")
    assert search is not None and (search.intent, search.slots) == (
        "web.search",
        {"query": "cheap flights to paris"},
    )
    # Only generic words around the text: the speaker's own things are nothing to search.
    assert matcher.match("search for my keys") is None
    assert matcher.match("look for our car") is None
    found = matcher.match("search for a gift for my mother")
    assert found is not None and found.slots == {"query": "gift for my mother"}


# large lists and huge templates


def test_thousand_value_list() -> None:
    names = [f"item{chr(97 + i % 26)}{chr(97 + i // 26 % 26)}x{i}" for i in range(1000)]
    values = {name: (f"spoken {name}",) for name in names}
    skill = Skill(
        name="shop",
        lists={"item": SlotList(values=values)},
        intents=(
            IntentSpec(
                name="shop.buy",
                slots={"item": SlotSpec()},
                templates=("buy [a|the] {item} [please]",),
            ),
        ),
    )
    matcher = Matcher.build([skill])
    started = time.perf_counter()
    for name in names[::50]:
        match = matcher.match(f"buy the {name}")
        assert match is not None and match.slots == {"item": name}
        match = matcher.match(f"please buy spoken {name}")
        assert match is not None and match.slots == {"item": name}
    assert matcher.match("buy the unicorn") is None
    assert matcher.match(f"buy the {names[500]}x") is not None  # misheard value, fuzzy
    assert time.perf_counter() - started < 2.0


def test_huge_expansion_count_builds_and_matches() -> None:
    groups = " ".join(
        "[" + "|".join(f"g{g}w{w}" for w in range(10)) + "]" for g in range(10)
    )  # 11**10 sentences
    skill = Skill(
        name="huge",
        intents=(IntentSpec(name="huge.say", templates=(f"say {groups} done",)),),
    )
    matcher = Matcher.build([skill])
    words = " ".join(f"g{g}w{(g * 3) % 10}" for g in range(0, 10, 2))
    match = matcher.match(f"say {words} done")
    assert match is not None and match.confidence == 1.0
    assert matcher.match("say g0w1 g0w2 done") is not None  # one extra word, tolerated
    assert len(matcher.phrases("huge.say")) <= 60


# follow-up answers


@pytest.mark.parametrize(
    ("text", "intent", "slot", "value"),
    [
        ("a latte please", "coffee.order", "drink", "latte"),
        ("latte", "coffee.order", "drink", "latte"),
        ("um the flat white", "coffee.order", "drink", "flat white"),
        ("i would like an americano", "coffee.order", "drink", "americano"),
        ("two", "coffee.order", "quantity", 2),
        ("from k f c", "coffee.order", "shop", "kfc"),
        ("five minutes", "timer.set", "duration", 300),
        ("for half an hour please", "timer.set", "duration", 1800),
        ("tomorrow", "weather.forecast", "day", "tomorrow"),
        ("in hong kong", "weather.forecast", "city", "hong kong"),
        ("number forty two", "transit.next_bus", "line", 42),
        ("the fresh fruit please", "miniprogram.search", "query", "fresh fruit"),
    ],
)
def test_parse_slot(matcher: Matcher, text: str, intent: str, slot: str, value: object) -> None:
    skill = intent.split(".")[0]
    assert matcher.parse_slot(text, skill, intent, slot) == value


@pytest.mark.parametrize(
    ("text", "intent", "slot"),
    [
        ("a pizza please", "coffee.order", "drink"),
        ("what is the capital of france", "coffee.order", "drink"),
        ("five apples", "timer.set", "duration"),
        ("yesterday", "weather.forecast", "day"),
        ("", "coffee.order", "drink"),
        ("latte", "coffee.order", "nonexistent"),
        ("latte", "coffee.unknown", "drink"),
    ],
)
def test_parse_slot_rejects(matcher: Matcher, text: str, intent: str, slot: str) -> None:
    assert (
        matcher.parse_slot(
            text, "coffee" if "coffee" in intent else intent.split(".")[0], intent, slot
        )
        is None
    )


def test_parse_slot_checks_the_skill(matcher: Matcher) -> None:
    assert matcher.parse_slot("latte", "coupons", "coffee.order", "drink") is None


# recogniser vocabulary and phrases


def test_vocabulary(matcher: Matcher) -> None:
    words = matcher.vocabulary()
    assert {
        "order",
        "latte",
        "flat",
        "white",
        "starbucks",
        "coupons",
        "forty",
        "two",
        "hundred",
        "minutes",
        "half",
        "tomorrow",
        "monday",
        "would",
        "mc",
        "donalds",
    } <= words
    assert "what's" not in words and "i'd" not in words
    assert all(word == word.lower() and " " not in word for word in words)


def test_phrases(matcher: Matcher) -> None:
    coffee = matcher.phrases("coffee.order")
    assert coffee[0] == "order a large latte from starbucks"
    assert 3 <= len(coffee) <= 60
    assert len(coffee) == len(set(coffee))
    for phrase in coffee:
        match = matcher.match(phrase)
        assert match is not None and match.intent == "coffee.order", phrase
    assert matcher.phrases("coffee.order") == coffee  # deterministic
    everything = matcher.phrases()
    assert set(coffee) <= set(everything)
    assert "help" in everything
    assert matcher.phrases("no.such") == []
    assert all("{" not in phrase and "<" not in phrase for phrase in everything)


@pytest.mark.parametrize(
    ("declared", "nearest"),
    [(("long", "short"), "long"), (("short", "long"), "short")],
)
def test_of_two_values_as_close_to_a_misspelling_the_one_declared_first_wins(
    declared: tuple[str, str], nearest: str
) -> None:
    from assistant.nlu.slots import ListFinder

    forms = {"long": ("abcdefxyz",), "short": ("abcd",)}
    finder = ListFinder(SlotList(values={name: forms[name] for name in declared}))
    # "abcdef" is as close to the longer form as to the shorter one (ratio 80 each).
    assert finder.nearest("abcdef") == (nearest, 80.0)
    assert finder.nearest("qwertyuiop") is None
