"""The plugin host: a bad plugin is reported by name and skipped, and never breaks another."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from assistant import Assistant, Settings
from assistant.plugins import get_plugin_manager

SKILL = """
from assistant import Reply, Skill, hookimpl

@hookimpl
def register_skills(register):
    register(Skill.model_validate({{
        "name": "{name}",
        "intents": [{{"name": "{name}.go", "templates": ["{name} go"]}}],
    }}))

@hookimpl
def handle_intent(request, context):
    {body}
    return Reply(text="{name} went")
"""


def _folder(tmp_path: Path, **files: str) -> Path:
    folder = tmp_path / "plugins"
    folder.mkdir(exist_ok=True)
    for name, body in files.items():
        (folder / name).write_text(textwrap.dedent(body), encoding="utf-8")
    return folder


def _settings(tmp_path: Path, **plugins: object) -> Settings:
    return Settings(data_dir=tmp_path / "data", plugins={"timeout": 0.5, **plugins})


def _confirms_and_helps(assistant: Assistant) -> None:
    """The system skill works: help answers, and an order can be confirmed."""
    assert "coffee" in assistant.handle("help").reply.lower()
    session = assistant.new_session()
    asked = assistant.handle("order a large latte from starbucks", session)
    assert asked.reply.endswith("?")
    done = assistant.handle("yes", session)
    assert "yes or no" not in done.reply.lower() and "order" in done.reply.lower()


@pytest.mark.parametrize("stem", ["system", "timer", "coffee", "services"])
def test_a_plugin_file_named_like_a_bundled_one_is_refused_and_the_bundled_one_stays(
    tmp_path: Path, stem: str
) -> None:
    folder = _folder(tmp_path, **{f"{stem}.py": "x = 1\n"})
    assistant = Assistant.create(_settings(tmp_path), plugins_dirs=[folder])

    [failure] = assistant.failures
    assert f"plugin {stem!r} skipped" in failure
    assert str(folder / f"{stem}.py") in failure  # the newcomer, by its file
    assert "bundled" in failure  # and the holder
    assert assistant.registry.info[stem].origin == "bundled"
    _confirms_and_helps(assistant)
    if stem == "timer":
        assert "Timer set" in assistant.handle("set a timer for 2 minutes").reply


def test_a_stray_file_in_the_user_plugin_folder_breaks_nothing(tmp_path: Path) -> None:
    folder = _folder(tmp_path, **{"system.py": "x = 1\n"})
    assistant = Assistant.create(_settings(tmp_path, directory=folder))
    assert len(assistant.failures) == 1
    _confirms_and_helps(assistant)


def test_a_plugin_is_loaded_whole_or_not_at_all(tmp_path: Path) -> None:
    plugin = """
        from pydantic import BaseModel
        from assistant import Reply, Skill, hookimpl

        class Config(BaseModel):
            level: int = 1

        @hookimpl
        def register_skills(register):
            register(Skill.model_validate({"name": "alpha",
                "intents": [{"name": "alpha.go", "templates": ["alpha go"]}]}))
            register(Skill.model_validate({"name": "beta",
                "intents": [{"name": "beta.go", "templates": ["beta go"]}]},
                context={}).model_copy(update={"config_model": Config}))

        @hookimpl
        def handle_intent(request, context):
            return Reply(text="went")
        """
    folder = _folder(tmp_path, **{"pair.py": plugin})
    settings = Settings(data_dir=tmp_path / "data", skills={"beta": {"level": "not a number"}})
    assistant = Assistant.create(settings, plugins_dirs=[folder])

    [failure] = assistant.failures
    assert "plugin 'pair' skipped" in failure and "level" in failure
    assert "alpha" not in assistant.skills and "beta" not in assistant.skills
    assert "alpha" not in assistant.handle("alpha go").reply
    assert assistant.handle("alpha go").intent != "alpha.go"


def test_a_broken_template_takes_out_the_whole_plugin(tmp_path: Path) -> None:
    plugin = """
        from assistant import Skill, hookimpl

        @hookimpl
        def register_skills(register):
            register(Skill.model_validate({"name": "good",
                "intents": [{"name": "good.go", "templates": ["good go"]}]}))
            register(Skill.model_validate({"name": "bad",
                "intents": [{"name": "bad.go", "templates": ["(bad go"]}]}))
        """
    folder = _folder(tmp_path, **{"mixed.py": plugin})
    assistant = Assistant.create(_settings(tmp_path), plugins_dirs=[folder])
    assert "good" not in assistant.skills and "bad" not in assistant.skills
    assert not assistant.plugin_manager.has_plugin("mixed")
    assert "coffee" in assistant.skills


HANGS = "import threading; threading.Event().wait()"


@pytest.mark.parametrize(
    "where",
    ["import", "register_skills", "assistant_startup", "observe_turn", "assistant_shutdown"],
)
def test_plugin_code_that_never_returns_is_given_up_on(tmp_path: Path, where: str) -> None:
    hooks = {
        "import": f"{HANGS}\n",
        "register_skills": f"from assistant import hookimpl\n@hookimpl\ndef register_skills("
        f"register):\n    {HANGS}\n",
    }
    body = hooks.get(where) or (
        f"from assistant import hookimpl\n@hookimpl\ndef {where}():\n    {HANGS}\n"
    )
    folder = _folder(tmp_path, **{"stuck.py": body})
    started = time.monotonic()
    with Assistant.create(_settings(tmp_path), plugins_dirs=[folder]) as assistant:
        assert "coffee" in assistant.handle("help").reply.lower()
    assert time.monotonic() - started < 8  # a few limits of 0.5 s, not forever
    if where in ("import", "register_skills"):
        assert any("'stuck'" in f and "0.5 s" in f for f in assistant.failures)


def test_a_skill_that_never_answers_gets_an_apology_and_the_dialog_goes_on(
    tmp_path: Path,
) -> None:
    folder = _folder(tmp_path, **{"slow.py": SKILL.format(name="slow", body=HANGS)})
    assistant = Assistant.create(_settings(tmp_path), plugins_dirs=[folder])
    started = time.monotonic()
    reply = assistant.handle("slow go").reply
    assert time.monotonic() - started < 3
    assert "slow skill is taking too long" in reply
    again = time.monotonic()
    assert "taking too long" in assistant.handle("slow go").reply  # still stuck: at once
    assert time.monotonic() - again < 0.4
    _confirms_and_helps(assistant)


def test_a_blocking_due_notices_costs_one_limit_then_nothing(tmp_path: Path) -> None:
    plugin = SKILL.format(name="nag", body="pass") + (
        f"\n@hookimpl\ndef due_notices(context, now):\n    {HANGS}\n"
    )
    folder = _folder(tmp_path, **{"nag.py": plugin})
    assistant = Assistant.create(_settings(tmp_path), plugins_dirs=[folder])
    session = assistant.new_session()
    started = time.monotonic()
    assert assistant.notices(session) == []
    assert assistant.notices(session) == []
    assert time.monotonic() - started < 2
    assert assistant.handle("nag go", session).reply == "nag went"


@pytest.mark.parametrize(
    "code", ["import sys; sys.exit(3)", "raise KeyboardInterrupt", "raise SystemExit"]
)
def test_ending_the_process_at_import_is_the_plugin_failing(tmp_path: Path, code: str) -> None:
    folder = _folder(tmp_path, **{"quitter.py": code + "\n"})
    assistant = Assistant.create(_settings(tmp_path), plugins_dirs=[folder])
    [failure] = assistant.failures
    assert "plugin 'quitter' skipped" in failure
    assert "coffee" in assistant.handle("help").reply.lower()


def test_a_skill_calling_sys_exit_gets_an_apology(tmp_path: Path) -> None:
    body = "import sys; sys.exit(1)"
    folder = _folder(tmp_path, **{"bye.py": SKILL.format(name="bye", body=body)})
    assistant = Assistant.create(_settings(tmp_path), plugins_dirs=[folder])
    assert "bye skill ran into a problem" in assistant.handle("bye go").reply


def test_a_misspelt_hook_is_refused_with_the_right_name(tmp_path: Path) -> None:
    plugin = SKILL.format(name="typo", body="pass").replace(
        "def handle_intent(", "def handle_intnet("
    )
    folder = _folder(tmp_path, **{"typo.py": plugin})
    assistant = Assistant.create(_settings(tmp_path), plugins_dirs=[folder])
    [failure] = assistant.failures
    assert "'handle_intnet' is not a Ting hook" in failure and "'handle_intent'" in failure
    assert "typo" not in assistant.skills


def _run(args: list[str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "assistant", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_what_plugins_print_never_reaches_json_output(tmp_path: Path) -> None:
    body = 'print("chatter from handle_intent")'
    plugin = 'print("chatter at import")\n' + SKILL.format(name="loud", body=body)
    folder = _folder(tmp_path, **{"loud.py": plugin})
    said = _run(["say", "--json", "--plugins-dir", str(folder), "loud go"])
    assert said.returncode == 0, said.stderr
    assert json.loads(said.stdout)["reply"] == "loud went"  # one clean JSON document
    assert "chatter at import" in said.stderr and "chatter from handle_intent" in said.stderr


def test_a_misbehaving_folder_beside_the_bundled_skills(tmp_path: Path) -> None:
    """One of each bad plugin: each reported by name, everything else answers, promptly."""
    folder = _folder(
        tmp_path,
        **{
            "system.py": "x = 1\n",
            "exits.py": "import sys; sys.exit(3)\n",
            "hangs.py": f"{HANGS}\n",
            "loud.py": 'print("noise")\n',
            "typo.py": "from assistant import hookimpl\n@hookimpl\ndef handle_intnet():\n"
            "    pass\n",
            "slow.py": SKILL.format(name="slow", body=HANGS),
        },
    )
    config = tmp_path / "config.toml"
    config.write_text("[plugins]\ntimeout = 0.5\n", encoding="utf-8")
    started = time.monotonic()
    said = _run(["say", "--json", "--config", str(config), "--plugins-dir", str(folder), "help"])
    assert time.monotonic() - started < 30
    assert said.returncode == 0, said.stderr
    assert "coffee" in json.loads(said.stdout)["reply"].lower()
    for name in ("system", "exits", "hangs", "typo"):
        assert f"plugin {name!r} skipped" in said.stderr, name
    assert "Traceback" not in said.stderr
    slow = _run(["say", "--config", str(config), "--plugins-dir", str(folder), "slow go"])
    assert "slow skill is taking too long" in slow.stdout


def test_chat_stops_on_ctrl_c_while_a_plugin_hangs(tmp_path: Path) -> None:
    plugin = SKILL.format(name="nag", body="pass") + (
        f"\n@hookimpl\ndef due_notices(context, now):\n    {HANGS}\n"
    )
    folder = _folder(tmp_path, **{"nag.py": plugin})
    process = subprocess.Popen(
        [sys.executable, "-m", "assistant", "chat", "--plugins-dir", str(folder)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write("nag go\n")
        process.stdin.flush()
        assert process.stdout.readline().strip() == "nag went"
        time.sleep(1.5)  # the notice watcher is now inside the hanging hook
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            pytest.fail("chat did not stop on Ctrl-C")


@pytest.mark.parametrize("depth", [18, 24])
def test_a_template_that_would_blow_up_is_refused_promptly(tmp_path: Path, depth: int) -> None:
    rules = {"r0": "(a|b)"} | {f"r{i}": f"<r{i - 1}> <r{i - 1}>" for i in range(1, depth + 1)}
    plugin = f"""
        from assistant import Skill, hookimpl

        @hookimpl
        def register_skills(register):
            register(Skill.model_validate({{"name": "huge", "rules": {rules!r},
                "intents": [{{"name": "huge.go", "templates": ["go <r{depth}>"]}}]}}))
        """
    folder = _folder(tmp_path, **{"huge.py": plugin})
    started = time.monotonic()
    assistant = Assistant.create(_settings(tmp_path), plugins_dirs=[folder])
    assert time.monotonic() - started < 5
    [failure] = assistant.failures
    assert "plugin 'huge' skipped" in failure and "go <r" in failure and "expands" in failure
    assert "coffee" in assistant.skills


@pytest.mark.parametrize("shape", ["nested groups", "rule chain"], ids=["groups-350", "rules-5000"])
def test_deep_templates_are_refused_not_a_recursion_error(tmp_path: Path, shape: str) -> None:
    if shape == "nested groups":
        rules: dict[str, str] = {}
        template = "go " + "(" * 350 + "x" + ")" * 350
    else:
        rules = {"c0": "x"} | {f"c{i}": f"<c{i - 1}>" for i in range(1, 5000)}
        template = "go <c4999>"
    plugin = f"""
        from assistant import Skill, hookimpl

        @hookimpl
        def register_skills(register):
            register(Skill.model_validate({{"name": "deep", "rules": {rules!r},
                "intents": [{{"name": "deep.go", "templates": [{template!r}]}}]}}))
        """
    folder = _folder(tmp_path, **{"deep.py": plugin})
    assistant = Assistant.create(_settings(tmp_path), plugins_dirs=[folder])
    [failure] = assistant.failures
    assert "plugin 'deep' skipped" in failure and "deep" in failure
    assert "coffee" in assistant.skills


def test_a_folder_every_user_can_write_to_is_not_read(tmp_path: Path) -> None:
    folder = _folder(tmp_path, **{"echo.py": SKILL.format(name="echo", body="pass")})
    folder.chmod(0o777)
    assistant = Assistant.create(_settings(tmp_path), plugins_dirs=[folder])
    [failure] = assistant.failures
    assert str(folder) in failure and "writable by every user" in failure
    assert "chmod o-w" in failure and "plugins.trusted" in failure
    assert "echo" not in assistant.skills
    trusted = Assistant.create(_settings(tmp_path, trusted=[str(folder)]), plugins_dirs=[folder])
    assert "echo" in trusted.skills and trusted.failures == []


def test_a_plugin_file_every_user_can_write_to_is_not_read(tmp_path: Path) -> None:
    folder = _folder(
        tmp_path,
        **{
            "echo.py": SKILL.format(name="echo", body="pass"),
            "open.py": SKILL.format(name="open", body="pass"),
        },
    )
    (folder / "open.py").chmod(0o666)
    assistant = Assistant.create(_settings(tmp_path), plugins_dirs=[folder])
    assert "echo" in assistant.skills and "open" not in assistant.skills
    [failure] = assistant.failures
    assert "open.py" in failure and "writable by every user" in failure


@pytest.mark.skipif(os.getuid() != 0, reason="giving a folder to another user needs root")
def test_a_folder_owned_by_another_user_is_not_read(tmp_path: Path) -> None:
    folder = _folder(tmp_path, **{"echo.py": SKILL.format(name="echo", body="pass")})
    os.chown(folder, 4321, 4321)
    assistant = Assistant.create(_settings(tmp_path), plugins_dirs=[folder])
    [failure] = assistant.failures
    assert "owned by another user" in failure and "echo" not in assistant.skills


def test_core_plugins_load_by_object_with_nothing_installed() -> None:
    registry = get_plugin_manager(installed=False)
    assert {"system", "services", "ting-speech-engines"} <= set(registry.info)
    registry.manager.check_pending()


@pytest.mark.installed_plugins
def test_an_installed_distribution_is_loaded_from_its_entry_point(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    (site / "ting_greeter").mkdir(parents=True)
    (site / "ting_greeter" / "__init__.py").write_text(
        textwrap.dedent(SKILL.format(name="greeter", body="pass")), encoding="utf-8"
    )
    info = site / "ting_greeter-2.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: ting-greeter\nVersion: 2.0\n")
    (info / "entry_points.txt").write_text("[ting]\ngreeter = ting_greeter\n")
    monkeypatch.syspath_prepend(str(site))

    assistant = Assistant.create(_settings(tmp_path))

    loaded = assistant.skills["greeter"]
    assert (loaded.origin, loaded.version) == ("installed", "2.0")
    assert assistant.handle("greeter go").reply == "greeter went"


def test_observers_get_the_turn_as_the_user_got_it_and_cannot_change_it(
    tmp_path: Path,
) -> None:
    seen = []

    class Meddler:
        from assistant import hookimpl

        @hookimpl
        def observe_turn(self, turn):  # type: ignore[no-untyped-def]
            seen.append(turn)
            turn.reply = "changed"  # refused: the turn is frozen

    assistant = Assistant.create(_settings(tmp_path), plugins=[Meddler()])
    turn = assistant.handle("help")
    assert "coffee" in turn.reply.lower() and seen[0] == turn and turn.total_ms > 0


def test_a_plugins_services_load_all_or_none(tmp_path: Path) -> None:
    plugin = """
        from assistant import hookimpl

        def _manifest(service_id):
            return {"id": service_id, "name": service_id.title(), "category": "food",
                    "description": "Cakes.", "actions": [{"name": "menu",
                    "description": "The menu", "parameters": {}}]}

        @hookimpl
        def register_services(register):
            register(_manifest("cakeshop"), handlers={"menu": lambda args, context: {}})
            register(_manifest("pieshop"), handlers={"menu": lambda args, context: {}})
            register(_manifest("Not An Id"), handlers={})
        """
    folder = _folder(tmp_path, **{"bakery.py": plugin})
    assistant = Assistant.create(_settings(tmp_path), plugins_dirs=[folder])
    assert assistant.services is not None
    assert assistant.services.get("cakeshop") is None and assistant.services.get("pieshop") is None
    assert any("plugin 'bakery'" in p for p in assistant.services.problems)
    assert assistant.services.get("starbucks") is not None  # the others' stay
