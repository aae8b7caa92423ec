"""Pytest fixtures for testing Ting skills (loaded through the `pytest11` entry point).

Fixtures: ``ting_assistant_factory``, ``ting_assistant``, ``ting_conversation`` (also
``ting_session``), ``ting_plugins``, ``ting_config``, ``ting_data_dir``. See docs/testing.md.
Only light modules are imported here; the assistant itself loads when a fixture builds one.
"""

from __future__ import annotations

from .assertions import (
    assert_expecting,
    assert_intent,
    assert_not_understood,
    assert_reply_contains,
    assert_slots,
)
from .conversation import Conversation, speech_runner
from .factory import build_assistant, bundled_plugin_names
from .fixtures import (
    AssistantFactory,
    ting_assistant,
    ting_assistant_factory,
    ting_config,
    ting_conversation,
    ting_data_dir,
    ting_plugins,
    ting_session,
)

__all__ = [
    "AssistantFactory",
    "Conversation",
    "assert_expecting",
    "assert_intent",
    "assert_not_understood",
    "assert_reply_contains",
    "assert_slots",
    "build_assistant",
    "bundled_plugin_names",
    "speech_runner",
    "ting_assistant",
    "ting_assistant_factory",
    "ting_config",
    "ting_conversation",
    "ting_data_dir",
    "ting_plugins",
    "ting_session",
]
