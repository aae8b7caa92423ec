"""The candidate bounds never promise less than an alignment reaches, and the spellings read."""

from __future__ import annotations

import random

import pytest

from assistant.nlu import Matcher, bounds, normalize
from assistant.nlu.align import Input, align, confidence
from assistant.nlu.bounds import floor_bound, fuzzy_readings, missing_cost
from assistant.nlu.costs import ARTICLE_COST, DELETE_COST, MISSING_SLOT_COST
from assistant.nlu.graph import NEVER_DELETED, compile_graph
from assistant.nlu.spelling import letter_of, near_unit, number_readings
from assistant.nlu.templates import parse_template
from assistant.skill import IntentSpec, Skill, SlotList, SlotSpec

_SHOPS = SlotList(values={"starbucks": ("star bucks",), "kfc": ("k f c",), "sf express": ()})
_ITEMS = SlotList(
    values={
        "blue vase": ("navy vase",),
        "red lamp": ("lamp",),
        "old clock": ("antique clock",),
        "tea set": ("tea service",),
    }
)
_CITIES = SlotList(values={"shenzhen": ("shen zhen",), "hong kong": (), "london": ()})


def _skills() -> list[Skill]:
    def intent(name: str, templates: tuple[str, ...], **slots: SlotSpec) -> IntentSpec:
        return IntentSpec(name=name, templates=templates, slots=slots)

    return [
        Skill(
            name="coupons",
            lists={"merchant": _SHOPS},
            intents=(
                intent(
                    "coupons.list",
                    (
                        "what coupons do i have [for {merchant}]",
                        "(show|list) [me] [my] [{merchant}] coupons",
                    ),
                    merchant=SlotSpec(),
                ),
            ),
        ),
        Skill(
            name="weather",
            lists={"city": _CITIES},
            intents=(
                intent(
                    "weather.forecast",
                    ("[what is the] weather [in {city}] [{day}]",),
                    city=SlotSpec(),
                    day=SlotSpec(type="day"),
                ),
            ),
        ),
        Skill(
            name="timer",
            intents=(
                intent(
                    "timer.set",
                    ("(set|start) a timer for {duration}", "timer for {duration}"),
                    duration=SlotSpec(type="duration"),
                ),
            ),
        ),
        Skill(
            name="transit",
            intents=(
                intent(
                    "transit.next_bus",
                    ("when is the next bus [number] {line}",),
                    line=SlotSpec(type="number"),
                ),
            ),
        ),
        Skill(
            name="orders",
            lists={"item": _ITEMS},
            intents=(
                intent(
                    "orders.send",
                    (
                        "(send|post) [the] parcel {item} [(for|with) {amount}] [please]",
                        "(ship|send) [a] box {item} [today]",
                    ),
                    item=SlotSpec(),
                    amount=SlotSpec(type="number"),
                ),
            ),
        ),
        Skill(
            name="search",
            intents=(
                intent(
                    "search.web",
                    ("search for {query}", "find [me] {query} please"),
                    query=SlotSpec(type="text"),
                ),
            ),
        ),
    ]


_SENTENCES = [
    "what coupons do i have for kfc",
    "show me my star bucks coupons",
    "weather in london today",
    "what is the weather in shen zhen on monday",
    "set a timer for five minutes",
    "timer for an hour and ten minutes",
    "when is the next bus number forty two",
    "search for cheap flights",
    "find me a good pizza please",
    "when is the next bus 42",
    "send the parcel blue vase for forty two please",
    "post parcel old clock",
    "ship a box tea service today",
    "send box red lamp",
    "send the parcel lamp with twelve",
]
_NOISE = [
    "um",
    "vase",
    "parcel",
    "box",
    "the",
    "please",
    "cat",
    "for",
    "too",
    "ate",
    "minuets",
    "kay",
    "ef",
    "see",
    "wether",
    "copons",
    "londn",
    "shen",
    "zen",
]


def _perturb(rng: random.Random, sentence: str) -> str:
    words = sentence.split()
    for _ in range(rng.randint(1, 3)):
        kind = rng.randrange(4)
        if kind == 0:
            words.insert(rng.randrange(len(words) + 1), rng.choice(_NOISE))
        elif kind == 1 and len(words) > 1:
            del words[rng.randrange(len(words))]
        elif kind == 2:
            i = rng.randrange(len(words))
            if len(words[i]) > 3:
                words[i] = words[i][:-1]
        else:
            words[rng.randrange(len(words))] = rng.choice(_NOISE)
    return " ".join(words)


def _inputs() -> list[str]:
    rng = random.Random(3)
    return _SENTENCES + [_perturb(rng, rng.choice(_SENTENCES)) for _ in range(150)]


def test_bounds_never_underestimate_an_alignment() -> None:
    catalog = Matcher.build(_skills())._catalog
    checked = 0
    for text in _inputs():
        inp = Input(normalize(text), catalog.fuzzy_gate)
        variants = catalog.variants(inp.tokens)
        candidates = catalog.candidates(inp, variants, None)
        exact = catalog.exact_bounds(candidates, inp)
        probe = catalog.probe(inp, variants)
        for template in candidates:
            reach = catalog.upper_bound(template, probe)
            found = align(template.graph, inp, template.finders, tolerant=True, budget=10**6)
            if found is not None:
                score = confidence(found, inp.n)
                assert round(score, 6) <= round(reach.confidence, 6), (text, template.intent)
                if score > 0.0:
                    assert found.cost >= reach.cost, (text, template.intent)
                # The floors inside the alignment leave its result as it was.
                pruned = align(
                    template.graph,
                    inp,
                    template.finders,
                    tolerant=True,
                    budget=found.cost,
                    rest=reach.rest,
                )
                assert pruned == found, (text, template.intent)
                checked += 1
            walked = align(template.graph, inp, template.finders, tolerant=False, budget=10**6)
            if walked is not None:
                top = exact[template.order]
                assert top is not None, (text, template.intent)
                assert (round(confidence(walked, inp.n), 6), walked.literal) <= top
    assert checked > 200


@pytest.mark.parametrize("floors", [False, True], ids=["missing words", "floor bounds"])
def test_ranking_orders_candidates_as_their_full_bounds_do(
    floors: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if floors:  # a large skill set starts its candidates at their floor bounds: so do these
        monkeypatch.setattr(bounds, "FLOOR_FROM", 0)
    catalog = Matcher.build(_skills())._catalog
    for text in _inputs():
        inp = Input(normalize(text), catalog.fuzzy_gate)
        variants = catalog.variants(inp.tokens)
        candidates = catalog.candidates(inp, variants, None)
        probe = catalog.probe(inp, variants)
        reaches = {t.order: catalog.upper_bound(t, probe) for t in candidates}
        for template in candidates:
            floor = floor_bound(template, probe, missing_cost(template, probe))
            assert floor >= reaches[template.order].confidence, (text, template.intent)
        ranking = catalog.ranking(candidates, probe)
        ranked = []
        while (item := ranking.get(len(ranked))) is not None:
            ranked.append(item)
        expected = sorted(candidates, key=lambda t: (-reaches[t.order].confidence, t.order))
        assert [t.order for _, t in ranked] == [t.order for t in expected], text
        assert all(reach == reaches[t.order] for reach, t in ranked)
        # A floor above the best bound stops the ranking before it works anything out;
        # the light stage sees only the candidates whose missing words cost little.
        if ranked:
            top = ranked[0][0].confidence
            assert catalog.ranking(candidates, probe).get(0, top + 1e-9) is None
            assert catalog.ranking(candidates, probe).get(0, top) == ranked[0]
            light = ranking.within(60)
            kept = []
            while (item := light.get(len(kept))) is not None:
                kept.append(item[1].order)
            expected_light = [t.order for t in expected if missing_cost(t, probe)[0] <= 60]
            assert kept == expected_light, text


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("send the parcel zorblat", "orders.send"),
        ("ship a box blue", "orders.send"),  # half a value, no value at all
        ("set a timer for zorblat", "timer.set"),
    ],
)
def test_words_only_skipping_explains_lower_the_bound_as_they_lower_an_alignment(
    text: str, intent: str
) -> None:
    # A word no template unit reads adds no unit to divide the cost by: the bound is the
    # confidence the alignment reaches, so a candidate below the threshold is never aligned.
    catalog = Matcher.build(_skills())._catalog
    inp = Input(normalize(text), catalog.fuzzy_gate)
    variants = catalog.variants(inp.tokens)
    probe = catalog.probe(inp, variants)
    scores, reaches = [], []
    for template in catalog.candidates(inp, variants, None):
        if template.intent == intent:
            found = align(template.graph, inp, template.finders, tolerant=True, budget=10**6)
            assert found is not None
            scores.append(round(confidence(found, inp.n), 6))
            reaches.append(round(catalog.upper_bound(template, probe).confidence, 6))
    assert 0.0 < max(scores) == max(reaches)


@pytest.mark.parametrize(
    ("template", "least"),
    [
        # Optional words on their own are gone round, never left out.
        ("(send|post) [the] parcel {item} [(for|with) {amount}] [please]", MISSING_SLOT_COST),
        ("(set|start) [a] timer [please]", DELETE_COST),
        ("open the door", ARTICLE_COST),
        ("[please] [the]", NEVER_DELETED),
    ],
)
def test_least_delete_counts_only_what_an_alignment_would_leave_out(
    template: str, least: int
) -> None:
    graph = compile_graph(parse_template(template, slots={"item", "amount"}))
    assert graph.least_delete == least


def test_fuzzy_readings_for_bounds_are_the_ones_alignments_find() -> None:
    catalog = Matcher.build(_skills())._catalog
    finders = list(catalog._values.finders.values())
    seen = 0
    for text in _inputs():
        inp = Input(normalize(text), catalog.fuzzy_gate)
        probe = catalog.probe(inp, catalog.variants(inp.tokens))
        for finder in finders:
            fuzzy = {(start, end): cost for start, end, cost in fuzzy_readings(finder, probe)}
            for start in range(inp.n):
                exact = {end: cost for end, _, cost, _ in inp.spans(finder, start, False)}
                for end, _, cost, _ in inp.spans(finder, start, True):
                    if end not in exact or cost < exact[end]:
                        assert fuzzy.get((start, end)) == cost, (text, start, end)
                        seen += 1
    assert seen > 20


def test_compiled_graphs_have_no_pass_through_states() -> None:
    graph = compile_graph(
        parse_template("(set|start) [a|an] timer [for] {duration} [please]", slots={"duration"})
    )
    for state in range(1, graph.final):
        assert graph.words[state] or graph.slots[state] or len(graph.eps[state]) != 1


@pytest.mark.parametrize(
    ("tokens", "heard"),
    [
        (["forty", "too"], (("forty", "two"), 1)),
        (["sixty", "for"], (("sixty", "four"), 1)),
        (["ate"], (("eight",), 1)),
        (["won", "hundred"], (("one", "hundred"), 1)),
        (["too", "minutes"], (("two", "minutes"), 1)),
        (["to", "hours"], (("two", "hours"), 1)),
        (["for", "hours"], None),
        (["for", "five"], None),
        (["for", "five", "minutes"], None),
        (["to"], None),
        (["forty", "two"], None),
    ],
)
def test_number_homophones_read_only_where_a_number_is_spoken(
    tokens: list[str], heard: tuple[tuple[str, ...], int] | None
) -> None:
    assert number_readings(tokens) == heard


def test_letter_names_and_unit_words() -> None:
    assert [letter_of(word) for word in ("kay", "ef", "see", "k", "ess", "cat")] == [
        "k",
        "f",
        "c",
        "k",
        "s",
        None,
    ]
    unit = near_unit("minuets")
    assert unit is not None and unit[0] == "minutes"
    assert near_unit("minutes") is None
    assert near_unit("monday") is None
