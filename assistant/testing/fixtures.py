"""The pytest fixtures for skill authors: an isolated assistant and a conversation with it."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from .conversation import Conversation
from .factory import PluginSpec, build_assistant, bundled_plugin_names, ting_environ_names

if TYPE_CHECKING:
    from ..assistant import Assistant

__all__ = [
    "AssistantFactory",
    "ting_assistant",
    "ting_assistant_factory",
    "ting_config",
    "ting_conversation",
    "ting_data_dir",
    "ting_plugins",
    "ting_session",
]


class AssistantFactory:
    """Builds isolated assistants for one test and closes them when the test ends."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.built: list[Assistant] = []

    def __call__(
        self,
        *plugins: PluginSpec,
        config: Mapping[str, Mapping[str, Any]] | None = None,
        settings: Mapping[str, Any] | None = None,
        strict: bool = True,
        data_dir: Path | None = None,
    ) -> Assistant:
        """An assistant with only these skills; see :func:`~assistant.testing.build_assistant`.

        Assistants built in one test share its data folder unless ``data_dir`` is given, so a
        second assistant sees what the first one stored (as after a restart).
        """
        assistant = build_assistant(
            *plugins,
            data_dir=data_dir or self.data_dir,
            config=config,
            settings=settings,
            strict=strict,
        )
        self.built.append(assistant)
        return assistant

    def close(self) -> None:
        """Shut down every assistant built so far."""
        while self.built:
            self.built.pop().close()


@pytest.fixture
def ting_data_dir(tmp_path: Path) -> Path:
    """The data folder of the test's assistants (orders, timers, skill files)."""
    path = tmp_path / "ting-data"
    path.mkdir()
    return path


@pytest.fixture
def ting_assistant_factory(
    ting_data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[AssistantFactory]:
    """Call it with skills (modules, plugin objects, entry-point names) to get an assistant.

    ``TING_*`` environment variables are removed for the test, no config file is read, and the
    user plugin directory is an empty folder, so only the skills named are loaded (and the
    plugins Ting always loads, such as the ``system`` skill for yes / no / cancel / help).
    """
    for name in ting_environ_names():
        monkeypatch.delenv(name)
    factory = AssistantFactory(ting_data_dir)
    yield factory
    factory.close()


@pytest.fixture
def ting_plugins() -> Sequence[PluginSpec]:
    """What ``ting_assistant`` loads: every bundled plugin. Override it in your conftest."""
    return bundled_plugin_names()


@pytest.fixture
def ting_config() -> Mapping[str, Mapping[str, Any]]:
    """Skill config sections for ``ting_assistant``, by skill name. Override it to configure."""
    return {}


@pytest.fixture
def ting_assistant(
    ting_assistant_factory: AssistantFactory,
    ting_plugins: Sequence[PluginSpec],
    ting_config: Mapping[str, Mapping[str, Any]],
) -> Assistant:
    """An assistant with the skills of ``ting_plugins`` and the config of ``ting_config``."""
    return ting_assistant_factory(*ting_plugins, config=ting_config)


@pytest.fixture
def ting_conversation(ting_assistant: Assistant) -> Conversation:
    """A conversation with ``ting_assistant``: ``say(text)`` returns each turn."""
    return Conversation(ting_assistant)


@pytest.fixture
def ting_session(ting_conversation: Conversation) -> Conversation:
    """The same conversation as ``ting_conversation``, under the shorter name."""
    return ting_conversation
