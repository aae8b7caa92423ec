"""The pytest plugin for skill authors, used the way a skill's own test suite uses it."""

from __future__ import annotations

import pytest

# Imported before pytester takes its snapshot of the loaded modules, so that the test runs it
# makes in this process share Ting's classes with the bundled plugins, whichever test runs
# first.
import assistant.assistant  # noqa: F401
import assistant.testing  # noqa: F401

pytest_plugins = ["pytester"]

SKILL = """
from assistant import IntentRequest, IntentSpec, Reply, Skill, SkillContext, SlotList, hookimpl
from pydantic import BaseModel

__version__ = "1.0"


class Config(BaseModel):
    colour: str = "red"


@hookimpl
def register_skills(register):
    register(Skill(
        name="paint",
        intents=(IntentSpec(
            name="paint.wall",
            templates=("paint the (wall|walls) [{colour}]",),
            slots={"colour": {"required": True, "prompt": "Which colour?"}},
            side_effects=True,
        ),),
        lists={"colour": SlotList(values={"blue": ("navy",), "green": ()})},
        config_model=Config,
    ))


@hookimpl
def handle_intent(request: IntentRequest, context: SkillContext):
    if not request.confirmed:
        return Reply(text=f"Paint the wall {request.slots['colour']}?", confirm=True)
    context.state["walls"] = context.state.get("walls", 0) + 1
    return Reply(text=f"Painted {context.state['walls']} wall(s), default {context.config.colour}.")
"""


@pytest.fixture
def skill_project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(paint_skill=SKILL)
    pytester.syspathinsert()
    return pytester


def test_conversation_fixtures(skill_project: pytest.Pytester) -> None:
    skill_project.makeconftest(
        """
        import pytest
        import paint_skill

        @pytest.fixture
        def ting_plugins():
            return [paint_skill]

        @pytest.fixture
        def ting_config():
            return {"paint": {"colour": "white"}}
        """
    )
    skill_project.makepyfile(
        test_paint="""
        import pytest
        from assistant.testing import (
            assert_expecting, assert_intent, assert_not_understood, assert_reply_contains,
            assert_slots,
        )

        def test_only_chosen_skills(ting_assistant):
            assert set(ting_assistant.skills) - {"system"} == {"paint"}

        def test_dialog(ting_session):
            turn = ting_session.say("paint the wall")
            assert_intent(turn, "paint.wall")
            assert_expecting(turn, "colour")
            turn = ting_session.say("navy")
            assert_slots(turn, {"colour": "blue"})
            assert_reply_contains(turn, "paint the wall blue?")
            assert ting_session.expecting == "confirmation"
            turn = ting_session.say("yes")
            assert_reply_contains(turn, "painted 1 wall", "default white")
            assert ting_session.state("paint") == {"walls": 1}
            assert len(ting_session.turns) == 3 and ting_session.last is turn

        def test_rejects(ting_conversation):
            assert_not_understood(ting_conversation.say("the cat sat on the mat"))

        def test_failing_assertion_shows_the_turn(ting_conversation):
            turn = ting_conversation.say("paint the walls green")
            with pytest.raises(AssertionError, match="got 'green'.*paint.wall"):
                assert_intent(turn, "paint.wall", colour="blue")

        def test_factory_and_data_dir(ting_assistant_factory, ting_data_dir, monkeypatch):
            import paint_skill
            assistant = ting_assistant_factory(paint_skill, config={"paint": {"colour": "pink"}})
            assert assistant.settings.data_dir == ting_data_dir
            assert assistant.skills["paint"].config.colour == "pink"

        def test_entry_point_names(ting_assistant_factory):
            assistant = ting_assistant_factory("timer")
            assert "timer" in assistant.skills and "coffee" not in assistant.skills

        def test_notices(ting_assistant_factory):
            import time
            from assistant.testing import Conversation
            conversation = Conversation(ting_assistant_factory("timer"))
            conversation.say("set a timer for ten seconds")
            assert conversation.notices() == []
            told = conversation.notices(now=time.time() + 11)
            assert [n.text for n in told] == ["Your timer for 10 seconds is done."]
        """
    )
    result = skill_project.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=7)


def test_environment_is_isolated(
    skill_project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TING_LOAD_PLUGINS", "coffee")
    monkeypatch.setenv("TING_NLU__THRESHOLD", "0.99")
    skill_project.makepyfile(
        test_env="""
        import paint_skill

        def test_env(ting_assistant_factory):
            assistant = ting_assistant_factory(paint_skill)
            assert "paint" in assistant.skills
            assert assistant.settings.nlu.threshold == 0.65
        """
    )
    skill_project.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_all_bundled_skills_by_default(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        from assistant.testing import assert_intent, bundled_plugin_names

        def test_bundled(ting_conversation):
            assistant = ting_conversation.assistant
            assert set(bundled_plugin_names()) <= set(assistant.registry.info)
            assert {"coffee", "system", "timer", "weather"} <= set(assistant.skills)
            turn = ting_conversation.say("set a timer for five minutes")
            assert_intent(turn, "timer.set", duration=300)
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_broken_skill_fails_loudly(skill_project: pytest.Pytester) -> None:
    skill_project.makepyfile(
        test_broken="""
        import pytest
        from assistant import PluginError, hookimpl

        class Broken:
            name = "broken"

            @hookimpl
            def register_skills(self, register):
                raise RuntimeError("declaration bug")

        def test_broken(ting_assistant_factory):
            with pytest.raises(PluginError, match="broken.*declaration bug"):
                ting_assistant_factory(Broken())

        def test_unknown_entry_point(ting_assistant_factory):
            with pytest.raises(PluginError, match="no installed skill named nosuchskill"):
                ting_assistant_factory("nosuchskill")
        """
    )
    skill_project.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_play_skips_without_speech(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import sys
        from assistant.testing import conversation

        def test_play(ting_conversation, tmp_path, monkeypatch):
            monkeypatch.setattr(conversation, "SPEECH_MODULE", "no_such_speech_module_xyz")
            ting_conversation.play(tmp_path / "command.wav")
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*no speech pipeline*"])
