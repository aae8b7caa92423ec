"""Template syntax: parsing into trees, and the errors bad templates raise."""

from __future__ import annotations

import pytest

from assistant.errors import TemplateError
from assistant.nlu import Matcher, parse_template
from assistant.nlu.graph import compile_graph, required_words
from assistant.nlu.templates import Alt, Opt, Seq, Slot, Word, literal_words
from assistant.skill import IntentSpec, Skill, SlotList, SlotSpec


def test_words_are_a_sequence() -> None:
    assert parse_template("order a coffee") == Seq((Word("order"), Word("a"), Word("coffee")))


def test_single_word() -> None:
    assert parse_template("help") == Word("help")


def test_alternatives_nest() -> None:
    tree = parse_template("(order|get me|i (want|would like))")
    assert tree == Alt(
        (
            Word("order"),
            Seq((Word("get"), Word("me"))),
            Seq((Word("i"), Alt((Word("want"), Seq((Word("would"), Word("like"))))))),
        )
    )


def test_optional_with_alternatives() -> None:
    tree = parse_template("[a|an|the] latte [please]")
    assert tree == Seq(
        (Opt(Alt((Word("a"), Word("an"), Word("the")))), Word("latte"), Opt(Word("please")))
    )


def test_slots_and_top_level_alternatives() -> None:
    assert parse_template("open {app}") == Seq((Word("open"), Slot("app")))
    assert parse_template("yes|yeah sure") == Alt((Word("yes"), Seq((Word("yeah"), Word("sure")))))


def test_words_are_normalised_like_input() -> None:
    tree = parse_template("What's the Weather, i'd say?")
    assert literal_words(tree) == {"what", "is", "the", "weather", "i", "would", "say"}


def test_rules_expand_inline() -> None:
    tree = parse_template("<polite> stop", rules={"polite": "[please|kindly]"})
    assert tree == Seq((Opt(Alt((Word("please"), Word("kindly")))), Word("stop")))


def test_nested_rules() -> None:
    rules = {"a": "<b> one", "b": "(two|three)"}
    assert literal_words(parse_template("<a>", rules=rules)) == {"one", "two", "three"}


@pytest.mark.parametrize(
    ("template", "problem"),
    [
        ("(order a latte", "unclosed '('"),
        ("order a latte)", "unbalanced ')'"),
        ("[please order", "unclosed '['"),
        ("(order]", "'(' closed by ']'"),
        ("order () latte", "empty alternative"),
        ("(order|) latte", "empty alternative"),
        ("(|order) latte", "empty alternative"),
        ("order [] latte", "empty optional part"),
        ("order [a|] latte", "empty optional part"),
        ("order {drink", "unclosed '{'"),
        ("order drink}", "unexpected '}'"),
        ("order {my drink}", "bad slot name"),
        ("order {}", "bad slot name"),
        ("<missing> latte", "unknown rule <missing>"),
        ("{query}", "no literal word"),
        ("[{query}]", "no literal word"),
        ("", "empty template"),
        ("   ", "empty template"),
    ],
)
def test_syntax_errors(template: str, problem: str) -> None:
    with pytest.raises(TemplateError) as info:
        parse_template(template, where="skill s, intent s.i")
    message = str(info.value)
    assert problem in message
    assert "skill s, intent s.i" in message
    assert repr(template) in message
    assert "\n" not in message


def test_recursive_rule_is_an_error() -> None:
    with pytest.raises(TemplateError, match="recursive rule <a> -> <b> -> <a>"):
        parse_template("go <a>", rules={"a": "x <b>", "b": "y [<a>]"})


def test_self_recursive_rule_is_an_error() -> None:
    with pytest.raises(TemplateError, match="recursive rule"):
        parse_template("go <a>", rules={"a": "x [<a>]"})


def test_undeclared_slot_is_an_error() -> None:
    with pytest.raises(TemplateError, match=r"slot \{size\} is not declared"):
        parse_template("order a {size} latte", slots={"drink"})


def _skill(template: str, **extra: object) -> Skill:
    return Skill(
        name="coffee",
        lists={"drink": SlotList(values={"latte": ()})},
        intents=(
            IntentSpec(name="coffee.order", templates=(template,), slots={"drink": SlotSpec()}),
        ),
        **extra,  # type: ignore[arg-type]
    )


def test_build_names_skill_intent_and_template() -> None:
    with pytest.raises(TemplateError) as info:
        Matcher.build([_skill("order a {size} {drink}")])
    message = str(info.value)
    assert "skill coffee" in message
    assert "intent coffee.order" in message
    assert "'order a {size} {drink}'" in message


def test_build_reports_unknown_and_recursive_rules() -> None:
    with pytest.raises(TemplateError, match="unknown rule <want>"):
        Matcher.build([_skill("<want> {drink}")])
    with pytest.raises(TemplateError, match="recursive rule"):
        Matcher.build([_skill("<want> {drink}", rules={"want": "i want [<want>]"})])


def test_template_error_is_a_plugin_error() -> None:
    from assistant.errors import PluginError

    with pytest.raises(PluginError):
        Matcher.build([_skill("{drink}")])


def test_graph_size_follows_the_text_not_the_expansions() -> None:
    group = "[" + "|".join(f"w{i}" for i in range(10)) + "]"
    tree = parse_template(" ".join([group] * 10) + " end")
    graph = compile_graph(tree)
    assert graph.final < 150
    assert graph.max_units == 11


def test_required_words() -> None:
    groups = required_words(parse_template("(open|launch) the [big] {app} [app]"))
    assert groups == [frozenset({"open", "launch"}), frozenset({"the"})]
    assert required_words(parse_template("[please] ({app}|open it)")) == []


def test_text_templates_keep_their_meaningful_words() -> None:
    from assistant.nlu.costs import DELETE_COST, KEPT_COST

    tree = parse_template("(find|search for) [a] recipe (for|with) {query}")
    costs = {
        word: cost for edges in compile_graph(tree, text=True).words for word, _, cost in edges
    }
    assert costs["recipe"] == KEPT_COST
    assert costs["find"] == costs["search"] == costs["for"] == DELETE_COST
    plain = {word: cost for edges in compile_graph(tree).words for word, _, cost in edges}
    assert plain["recipe"] == DELETE_COST


def test_free_text_is_not_read_without_the_words_around_it() -> None:
    skill = Skill(
        name="cook",
        lists={"dish": SlotList(values={"pasta": (), "soup": ()})},
        intents=(
            IntentSpec(
                name="cook.recipes",
                templates=("(find|search for) [a|some] recipes (for|with) {query}",),
                slots={"query": SlotSpec(type="text")},
            ),
            IntentSpec(
                name="cook.dish",
                templates=("(find|cook) [a|some] {dish} recipe",),
                slots={"dish": SlotSpec()},
            ),
        ),
    )
    matcher = Matcher.build([skill], threshold=0.65)
    found = matcher.match("find some recipes for chicken curry")
    assert found is not None and found.slots == {"query": "chicken curry"}
    misheard = matcher.match("find some recipies for chicken curry")
    assert misheard is not None and misheard.slots == {"query": "chicken curry"}
    # "recipes" carries the meaning: without it the template is not read at all.
    best = matcher.best("find some shoes for my brother")
    assert best is None or best.intent != "cook.recipes"
    # Templates without free text still forgive one missing word.
    dish = matcher.match("find a pasta")
    assert dish is not None and dish.slots == {"dish": "pasta"}
