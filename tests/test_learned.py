"""The learned layer behind the templates: phrasings no template covers, for any skill."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from assistant import IntentRequest, IntentSpec, Reply, Skill, SlotList, SlotSpec, hookimpl
from assistant.nlu import Matcher
from assistant.nlu.learned import NONE, Learned
from assistant.testing import AssistantFactory, Conversation, assert_intent

# A third-party skill whose author wrote a handful of templates and two examples.
FLORIST = Skill(
    name="florist",
    lists={
        "flower": SlotList(
            values={"roses": ("rose",), "tulips": ("tulip",), "sunflowers": ("sunflower",)}
        ),
        "colour": SlotList(values={"red": (), "yellow": (), "white": ()}),
    },
    intents=(
        IntentSpec(
            name="florist.send",
            description="Send a bouquet of flowers",
            side_effects=True,
            templates=(
                "send [a bouquet of] [{colour}] {flower} [to {recipient}]",
                "order [some] [{colour}] {flower}",
            ),
            examples=("send red roses to my mother",),
            slots={
                "flower": SlotSpec(required=True, prompt="Which flowers?"),
                "colour": SlotSpec(),
                "recipient": SlotSpec(type="text"),
            },
        ),
        IntentSpec(
            name="florist.opening",
            description="When the flower shop is open",
            templates=("when is the flower shop open", "flower shop opening hours"),
        ),
    ),
)


class Florist:
    name = "florist"

    @hookimpl
    def register_skills(self, register):  # type: ignore[no-untyped-def]
        register(FLORIST)

    @hookimpl
    def handle_intent(self, request: IntentRequest) -> Reply:
        if request.intent == "florist.send" and not request.confirmed:
            return Reply(text=f"Send {request.slots['flower']}?", confirm=True)
        return Reply(text=f"done {request.intent} {sorted(request.slots.items())}")


@pytest.fixture
def florist(ting_assistant_factory: AssistantFactory) -> Conversation:
    return Conversation(ting_assistant_factory(Florist()))


@pytest.mark.parametrize(
    ("text", "intent", "slots"),
    [
        ("i would like to send some red roses to my wife", "florist.send", {"flower": "roses", "colour": "red"}),
        ("is the flower shop open today", "florist.opening", {}),
        ("what are the flower shop hours", "florist.opening", {}),
    ],
)  # fmt: skip
def test_a_phrasing_no_template_covers_is_understood(
    florist: Conversation, text: str, intent: str, slots: dict[str, str]
) -> None:
    assistant = florist.assistant
    assert assistant.matcher.best(text) is None or (
        assistant.matcher.best(text).confidence < assistant.matcher.threshold  # type: ignore[union-attr]
    ), "the templates alone must not understand it, or this tests nothing"
    turn = florist.say(text)
    assert_intent(turn, intent, **slots)


@pytest.mark.parametrize(
    "text",
    [
        "what is a tulip",
        "how do you grow sunflowers",
        "who sells the cheapest roses in town",
        "play some music",
        "book me a flight to paris",
    ],
)
def test_questions_about_its_values_and_other_requests_stay_rejected(
    florist: Conversation, text: str
) -> None:
    turn = florist.say(text)
    assert turn.intent is None and not turn.understood


def test_a_learned_match_still_asks_for_a_missing_slot_and_confirms(
    florist: Conversation,
) -> None:
    turn = florist.say("order a bouquet")
    assert turn.intent == "florist.send" and turn.expecting == "flower"
    assert turn.reply == "Which flowers?"
    turn = florist.say("tulips please")
    assert turn.expecting == "confirmation" and turn.reply == "Send tulips?"
    assert florist.say("yes").reply.startswith("done florist.send")


def test_did_you_mean_runs_the_guess_on_yes_and_drops_it_on_no(
    ting_assistant_factory: AssistantFactory,
) -> None:
    assistant = ting_assistant_factory(Florist())
    text = "i would like to send some red roses to my wife"
    assistant.matcher.learned_accept = 0.99  # every guess is unsure: the dialog must ask
    assistant.matcher.learned_ask = 0.05
    conversation = Conversation(assistant)
    turn = conversation.say(text)
    assert turn.reply == "Did you mean: send red roses to wife?"
    assert turn.expecting == "confirmation" and turn.intent is None
    assert conversation.say("yes please").reply == "Send roses?"
    conversation.say("no")
    assert conversation.say(text).reply.startswith("Did you mean")
    assert conversation.say("no").reply == "OK."
    assert conversation.session.pending_guess is None
    # Anything else is a new request, answered as such.
    conversation.say(text)
    assert_intent(conversation.say("when is the flower shop open"), "florist.opening")


def test_the_model_is_cached_and_trained_again_only_when_skills_change(
    tmp_path: Path,
) -> None:
    skills = [FLORIST]
    first = Matcher.build(skills)
    learned = first.learn(tmp_path)
    assert learned is not None and learned.path is not None and learned.path.is_file()
    built = learned.trained.built
    # Another process with the same skills reads the cache (a fresh instance: no memo).
    again = Learned(learned.key, learned.path, first._catalog)
    assert again.trained.built == built
    assert again.scores(["send", "roses"]) == learned.scores(["send", "roses"])
    changed = FLORIST.model_copy(
        update={"lists": {**FLORIST.lists, "colour": SlotList(values={"blue": ()})}}
    )
    other = Matcher.build([changed]).learn(tmp_path)
    assert other is not None and other.key != learned.key


def test_a_damaged_cache_is_trained_again_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    matcher = Matcher.build([FLORIST])
    learned = matcher.learn(tmp_path)
    assert learned is not None and learned.path is not None
    learned.path.write_bytes(b"not a model at all")
    fresh = Learned(learned.key, learned.path, matcher._catalog)
    scores = fresh.scores(["send", "some", "roses"])
    assert max(scores, key=scores.__getitem__) == "florist.send"
    assert "unreadable" in caplog.text and str(learned.path) in caplog.text


def test_probabilities_cover_every_intent_and_none() -> None:
    matcher = Matcher.build([FLORIST])
    learned = matcher.learn(None)
    assert learned is not None
    scores = learned.scores(["hello"])
    assert set(scores) == {NONE, "florist.send", "florist.opening"}
    assert sum(scores.values()) == pytest.approx(1.0)


def test_the_layer_can_be_turned_off(ting_assistant_factory: AssistantFactory) -> None:
    assistant = ting_assistant_factory(Florist(), settings={"nlu": {"learned": False}})
    assert assistant.matcher.learned is None
    assert not Conversation(assistant).say("is the flower shop open today").understood


def test_skills_command_reports_what_it_learned() -> None:
    shown = subprocess.run(
        [sys.executable, "-m", "assistant", "skills"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert shown.returncode == 0, shown.stderr
    line = shown.stdout.splitlines()[-1]
    assert line.startswith("learned layer: trained on ") and " intents and " in line
